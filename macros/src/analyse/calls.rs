//! Finds every communication call of a body, with its form (with or without a token) and the
//! construct around it that hides its order from the macro (closure, `async`, macro arguments).

use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{Block, ExprCall, FnArg, ItemFn, Macro, Pat, Type};

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
        let name = mac
            .path
            .segments
            .last()
            .map(|segment| segment.ident.to_string())
            .unwrap_or_default();
        scan_macro_tokens(mac.tokens.clone(), &name, &mut self.calls.sites);
    }

    // Nested items are other functions: not ours to order.
    fn visit_item(&mut self, _: &'ast syn::Item) {}

    fn visit_block(&mut self, block: &'ast Block) {
        visit::visit_block(self, block);
    }
}

/// Finds `op(...)` inside a macro's tokens: an op name, not after `.` (a method) or `fn`,
/// followed by a parenthesised group.
fn scan_macro_tokens(tokens: TokenStream, macro_name: &str, sites: &mut Vec<Site>) {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut previous: Option<&TokenTree> = None;
    for (index, tree) in trees.iter().enumerate() {
        match tree {
            TokenTree::Group(group) => {
                scan_macro_tokens(group.stream(), macro_name, sites);
            }
            TokenTree::Ident(ident) => {
                let after_dot_or_fn = match previous {
                    Some(TokenTree::Punct(punct)) => punct.as_char() == '.',
                    Some(TokenTree::Ident(before)) => before == "fn",
                    _ => false,
                };
                let args = match trees.get(index + 1) {
                    Some(TokenTree::Group(group))
                        if group.delimiter() == Delimiter::Parenthesis =>
                    {
                        Some(group)
                    }
                    _ => None,
                };
                if let (Some(op), Some(args), false) = (
                    crate::ops::op_named(&ident.to_string()),
                    args,
                    after_dot_or_fn,
                ) {
                    sites.push(Site {
                        op,
                        form: form(op, count_args(args.stream())),
                        hidden: Some(Hidden::Macro),
                        macro_name: Some(macro_name.to_owned()),
                        span: ident.span(),
                    });
                }
            }
            _ => {}
        }
        previous = Some(tree);
    }
}

/// The number of comma-separated arguments in a call's parenthesised tokens.
pub(crate) fn count_args(tokens: TokenStream) -> usize {
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
