//! Finds every communication call of a body, with its form (with or without a token) and the
//! construct around it that hides its order from the macro (closure, `async`, macro arguments).

use proc_macro2::{Delimiter, Group, Spacing, Span, TokenStream, TokenTree};
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{Block, Expr, ExprCall, FnArg, ItemFn, Macro, Pat, Type};

use crate::ops::{self, Op};

/// Where a call is, when that place hides the order of its execution.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Hidden {
    /// Inside a closure: it runs whenever (and however often) the closure is called.
    Closure,
    /// Inside an `async` block: it runs whenever the future is polled.
    AsyncBlock,
    /// Inside an `async fn`.
    AsyncFn,
    /// Inside the arguments of a macro invocation, which the attribute cannot see into.
    Macro,
}

/// The form of a call, by its number of arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    /// Without a token: the macro passes one.
    Implicit,
    /// With a token, last.
    Explicit,
    /// Neither: the number of arguments given.
    Wrong(usize),
}

/// One communication call.
#[derive(Debug)]
pub(crate) struct Site {
    pub(crate) op: Op,
    pub(crate) form: Form,
    pub(crate) hidden: Option<Hidden>,
    /// The macro the call is hidden in, when it is.
    pub(crate) macro_name: Option<String>,
    /// The callee's span: what errors point at.
    pub(crate) span: Span,
}

/// Every communication call of a function, and the other signs of explicit tokens in it.
#[derive(Debug, Default)]
pub(crate) struct Calls {
    pub(crate) sites: Vec<Site>,
    /// Calls of `spmd::token()`.
    pub(crate) token_takes: Vec<Span>,
    /// Parameters of type `Token`.
    pub(crate) token_params: Vec<Span>,
}

/// The closure of `spmd::scope(|scope| ..)` (see [`ops::is_scope_fn`]), if `call` is one:
/// written as the call's one argument (in parentheses or not), not `async`. It runs once, at
/// once, where the call is, so every check reads its body as if written there.
pub(crate) fn scope_closure(call: &ExprCall) -> Option<&syn::ExprClosure> {
    fn closure(arg: &Expr) -> Option<&syn::ExprClosure> {
        match arg {
            Expr::Closure(closure) if closure.asyncness.is_none() => Some(closure),
            Expr::Paren(inner) => closure(&inner.expr),
            _ => None,
        }
    }
    if call.args.len() != 1 || !ops::is_scope_fn(&call.func) {
        return None;
    }
    closure(&call.args[0])
}

/// The form of a call of `op` with `count` arguments.
pub(crate) fn form(op: Op, count: usize) -> Form {
    if count == op.implicit_arity() {
        Form::Implicit
    } else if count == op.explicit_arity() {
        Form::Explicit
    } else {
        Form::Wrong(count)
    }
}

/// Whether `ty` names the runtime's `Token` (`Token`, `spmd::Token`, `::spmd::Token`).
pub(crate) fn is_token_type(ty: &Type) -> bool {
    match ty {
        Type::Path(path) => {
            path.qself.is_none()
                && path
                    .path
                    .segments
                    .last()
                    .is_some_and(|last| last.ident == "Token" && last.arguments.is_none())
        }
        Type::Paren(inner) => is_token_type(&inner.elem),
        Type::Group(inner) => is_token_type(&inner.elem),
        _ => false,
    }
}

/// Collects the calls of `func`'s body.
pub(crate) fn collect(func: &ItemFn) -> Calls {
    let mut finder = Finder {
        calls: Calls::default(),
        hidden: func.sig.asyncness.map(|_| Hidden::AsyncFn),
    };
    for input in &func.sig.inputs {
        if let FnArg::Typed(typed) = input
            && is_token_type(&typed.ty)
            && let Pat::Ident(_) = &*typed.pat
        {
            finder.calls.token_params.push(typed.span());
        }
    }
    finder.visit_block(&func.block);
    finder.calls
}

struct Finder {
    calls: Calls,
    /// The innermost construct that hides the order, if any: saved and restored around
    /// recursion.
    hidden: Option<Hidden>,
}

impl Finder {
    fn within(&mut self, hidden: Hidden, visit: impl FnOnce(&mut Self)) {
        let outer = self.hidden.replace(hidden);
        visit(self);
        self.hidden = outer;
    }
}

impl<'ast> Visit<'ast> for Finder {
    fn visit_expr_call(&mut self, call: &'ast ExprCall) {
        if let Some(closure) = scope_closure(call) {
            // The calls in the body of `spmd::scope`'s closure are ordered as if written here.
            self.visit_expr(&closure.body);
            return;
        }
        visit::visit_expr_call(self, call);
        if let Some((op, segment)) = ops::called_op(&call.func) {
            self.calls.sites.push(Site {
                op,
                form: form(op, call.args.len()),
                hidden: self.hidden,
                macro_name: None,
                span: segment.ident.span(),
            });
        } else if ops::is_token_fn(&call.func) {
            self.calls.token_takes.push(call.func.span());
        }
    }

    fn visit_expr_closure(&mut self, closure: &'ast syn::ExprClosure) {
        self.within(Hidden::Closure, |this| {
            visit::visit_expr_closure(this, closure);
        });
    }

    fn visit_expr_async(&mut self, block: &'ast syn::ExprAsync) {
        self.within(Hidden::AsyncBlock, |this| {
            visit::visit_expr_async(this, block)
        });
    }

    fn visit_macro(&mut self, mac: &'ast Macro) {
        let name = super::syntax::macro_name(mac);
        let hidden = Some(Hidden::Macro);
        macro_calls(mac.tokens.clone(), &mut |call| {
            self.calls.sites.push(Site {
                op: call.op,
                form: form(call.op, call.count),
                hidden,
                macro_name: Some(name.clone()),
                span: call.span,
            });
            None
        });
    }

    // Nested items are other functions: not ours to order.
    fn visit_item(&mut self, _: &'ast syn::Item) {}

    fn visit_block(&mut self, block: &'ast Block) {
        visit::visit_block(self, block);
    }
}

/// An op call found in a macro's tokens, by the rules of calls outside macros.
pub(crate) struct MacroCall {
    pub(crate) op: Op,
    /// The number of arguments.
    pub(crate) count: usize,
    /// The callee's last name: what errors point at.
    pub(crate) span: Span,
    /// The callee as written (`allreduce`, `spmd::allreduce`, a rename).
    pub(crate) callee: TokenStream,
    /// The arguments, without their parentheses.
    pub(crate) args: TokenStream,
}

/// Walks a macro's tokens for op calls, the one reading of them that the analysis and the
/// expansion share: a path that [`ops::called_op`] takes for an op, as it does outside macros
/// (`allreduce`, `spmd::allreduce`, a rename), not after `.` (a method) or `fn`, followed by
/// parentheses. `each` sees every call, innermost first, and may replace its tokens (callee and
/// parentheses); the tokens come back with the replacements made.
pub(crate) fn macro_calls(
    tokens: TokenStream,
    each: &mut dyn FnMut(&MacroCall) -> Option<TokenStream>,
) -> TokenStream {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out: Vec<TokenTree> = Vec::with_capacity(trees.len());
    let mut index = 0;
    while index < trees.len() {
        let after_dot_or_fn = match out.last() {
            Some(TokenTree::Punct(punct)) => punct.as_char() == '.',
            Some(TokenTree::Ident(before)) => before == "fn",
            _ => false,
        };
        let path_end = (!after_dot_or_fn).then(|| path_at(&trees, index)).flatten();
        let Some(end) = path_end else {
            out.push(match &trees[index] {
                TokenTree::Group(group) => {
                    let inner = macro_calls(group.stream(), each);
                    let mut rewritten = Group::new(group.delimiter(), inner);
                    rewritten.set_span(group.span());
                    TokenTree::Group(rewritten)
                }
                tree => tree.clone(),
            });
            index += 1;
            continue;
        };
        let callee: TokenStream = trees[index..end].iter().cloned().collect();
        let call = match trees.get(end) {
            Some(TokenTree::Group(group)) if group.delimiter() == Delimiter::Parenthesis => {
                syn::parse2::<Expr>(callee.clone())
                    .ok()
                    .and_then(|path| Some((ops::called_op(&path)?.0, group)))
            }
            _ => None,
        };
        let Some((op, group)) = call else {
            // Not a call of an op: the path as it is, and on after it.
            out.extend(trees[index..end].iter().cloned());
            index = end;
            continue;
        };
        let span = trees[end - 1].span();
        let args = macro_calls(group.stream(), each);
        let count = count_args(args.clone());
        let found = MacroCall {
            op,
            count,
            span,
            callee,
            args,
        };
        match each(&found) {
            Some(replacement) => out.extend(replacement),
            None => {
                out.extend(found.callee);
                let mut parens = Group::new(Delimiter::Parenthesis, found.args);
                parens.set_span(group.span());
                out.push(TokenTree::Group(parens));
            }
        }
        index = end + 1;
    }
    out.into_iter().collect()
}

/// The end of the path that starts at `trees[start]` (`a`, `::a`, `a::b::c`), if one does.
fn path_at(trees: &[TokenTree], start: usize) -> Option<usize> {
    let is_colons = |at: usize| {
        matches!(
            (trees.get(at), trees.get(at + 1)),
            (Some(TokenTree::Punct(first)), Some(TokenTree::Punct(second)))
                if first.as_char() == ':' && second.as_char() == ':'
                    && first.spacing() == Spacing::Joint
        )
    };
    let mut at = start;
    if is_colons(at) {
        at += 2;
    }
    loop {
        match trees.get(at) {
            Some(TokenTree::Ident(_)) => at += 1,
            _ => return None,
        }
        if is_colons(at) {
            at += 2;
        } else {
            return Some(at);
        }
    }
}

/// The number of arguments in a call's parenthesised tokens: as expressions where they parse
/// (so that `HashMap::<u8, u8>::new()` is one), else by their top-level commas.
fn count_args(tokens: TokenStream) -> usize {
    use syn::parse::Parser;
    let parser = syn::punctuated::Punctuated::<Expr, syn::Token![,]>::parse_terminated;
    if let Ok(args) = parser.parse2(tokens.clone()) {
        return args.len();
    }
    let mut count = 0;
    let mut pending = false;
    for tree in tokens {
        match tree {
            TokenTree::Punct(punct) if punct.as_char() == ',' => {
                count += 1;
                pending = false;
            }
            _ => pending = true,
        }
    }
    count + usize::from(pending)
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;
    use crate::imports::Imports;

    /// The calls `macro_calls` finds in `tokens`: op name and argument count, in the order seen.
    fn found(tokens: TokenStream) -> Vec<(&'static str, usize)> {
        Imports::scan(None, None).install();
        let mut calls = Vec::new();
        macro_calls(tokens, &mut |call| {
            calls.push((call.op.name, call.count));
            None
        });
        calls
    }

    #[test]
    fn calls_in_macros_are_read_as_outside() {
        let calls = found(quote! {
            "{} {}", allreduce(&x, Sum, comm), spmd::bcast(&HashMap::<u8, u8>::new(), 0, comm)
        });
        assert_eq!(calls, [("allreduce", 3), ("bcast", 3)]);
        // Nested: the inner call first.
        let calls = found(quote!(x, [allreduce(&bcast(&y, 0, comm), Sum, comm)]));
        assert_eq!(calls, [("bcast", 3), ("allreduce", 3)]);
    }

    #[test]
    fn methods_definitions_and_other_crates_are_not_calls() {
        let tokens = quote! {
            x.allreduce(a, b, c), fn bcast(a: u8) {}, other::scan(a, b, c), ::spmd::barrier(comm)
        };
        assert_eq!(found(tokens), [("barrier", 1)]);
    }

    #[test]
    fn a_replacement_takes_the_place_of_the_call() {
        Imports::scan(None, None).install();
        let out = macro_calls(quote!(a, barrier(comm), b), &mut |call| {
            let count = call.count;
            Some(quote!(replaced(#count)))
        });
        assert_eq!(out.to_string(), quote!(a, replaced(1usize), b).to_string());
        let kept = macro_calls(quote!(a, spmd::barrier(comm)), &mut |_| None);
        assert_eq!(kept.to_string(), quote!(a, spmd::barrier(comm)).to_string());
    }
}
