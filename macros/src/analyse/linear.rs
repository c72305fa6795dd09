//! Explicit mode: every token is used exactly once.
//!
//! A practical linear analysis over the function's syntax. It tracks the `let` bindings (and
//! assignments) that hold tokens: from `spmd::token()`, from the token an op returns (alone, or
//! last in its tuple), from parameters of type `Token`, and from moving one of those. Along each
//! path through straight-line code, `if`, `match` and loops it reports a token
//! - used twice: reused, or *forked* when both uses start an op;
//! - never used (dropped), including `let _ = op(..)` and an op's token left in a statement;
//! - used on some branches only;
//! - from outside a loop, used inside it without being replaced.
//!
//! Passing a token to any function, returning it, `drop(token)` and moving it into a closure
//! count as its use; borrowing it (`&token`, `token.seq()`, `println!("{token:?}")`) does not.

use proc_macro2::{Ident, Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{Block, Expr, FnArg, ItemFn, Local, Pat, Stmt};

use super::calls::{self, Form};
use crate::ctxt::Ctxt;
use crate::ops::{self, Op};

/// Checks the tokens of `func`, an explicit-mode function.
pub(crate) fn check(func: &ItemFn, cx: &mut Ctxt) {
    let mut linear = Linear {
        vars: Vec::new(),
        scope: 0,
        diverged: false,
        cx,
    };
    for input in &func.sig.inputs {
        if let FnArg::Typed(typed) = input
            && let (Pat::Ident(ident), true) = (&*typed.pat, calls::is_token_type(&typed.ty))
        {
            linear.declare(&ident.ident);
        }
    }
    linear.visit_block(&func.block);
    linear.end_scope(0);
}

/// What a token was used by.
#[derive(Debug, Clone, Copy)]
enum Use {
    /// Passed as the token of an op: the op starts a chain from it.
    Op(&'static str),
    /// Moved anywhere else: to a function, into a closure, returned.
    Moved,
}

#[derive(Debug, Clone, Copy)]
enum State {
    Live,
    /// Used, and where.
    Used(Use, Span),
}

#[derive(Debug, Clone)]
struct Var {
    name: Ident,
    state: State,
    /// The block depth of its binding: it goes out of scope at that block's end.
    scope: usize,
}

/// Where the token of a `let`'s initialiser is.
#[derive(Debug, Clone, Copy)]
enum Source {
    /// The whole value is the token (`send`, `token()`, moving a token).
    Whole(&'static str),
    /// The last element of the returned tuple (`(value, token)`).
    Last(&'static str),
}

struct Linear<'cx> {
    /// The tokens in scope, innermost binding last.
    vars: Vec<Var>,
    scope: usize,
    /// The current path has left (return, break, continue): what follows is not reached.
    diverged: bool,
    cx: &'cx mut Ctxt,
}

impl Linear<'_> {
    fn find(&self, name: &Ident) -> Option<usize> {
        self.vars.iter().rposition(|var| var.name == *name)
    }

    fn declare(&mut self, name: &Ident) {
        self.vars.push(Var {
            name: name.clone(),
            state: State::Live,
            scope: self.scope,
        });
    }

    /// Records a use of `name` (if it is a token) at `name`'s span.
    fn use_token(&mut self, name: &Ident, by: Use) {
        let Some(index) = self.find(name) else {
            return;
        };
        let Some(var) = self.vars.get_mut(index) else {
            return;
        };
        match (var.state, by) {
            (State::Live, _) => var.state = State::Used(by, name.span()),
            (State::Used(Use::Op(first), _), Use::Op(second)) => self.cx.error_at(
                name.span(),
                format!(
                    "token `{name}` was already passed to `{first}`: passing it to `{second}` \
                     as well forks the chain in two; pass `{second}` the token that `{first}` \
                     returned"
                ),
            ),
            (State::Used(first, _), _) => {
                let first = match first {
                    Use::Op(op) => format!("passed to `{op}`"),
                    Use::Moved => "moved (passed to a function, returned or captured)".to_owned(),
                };
                self.cx.error_at(
                    name.span(),
                    format!(
                        "token `{name}` is used again after it was {first}: a token orders one \
                         op; use the token that the previous op returned"
                    ),
                );
            }
        }
    }

    /// Reports the tokens bound in scopes deeper than or equal to `scope` and never used, and
    /// forgets them.
    fn end_scope(&mut self, scope: usize) {
        while let Some(var) = self.vars.last() {
            if var.scope < scope {
                break;
            }
            if let (State::Live, false) = (var.state, self.diverged) {
                let name = &var.name;
                self.cx.error_at(
                    name.span(),
                    format!(
                        "token `{name}` is dropped without being used: pass it to the next op, \
                         return it, or end the chain with `drop({name})`"
                    ),
                );
            }
            self.vars.pop();
        }
    }

    /// A new token from `spmd::token()`: a fork when another is live.
    fn take_token(&mut self, span: Span) {
        if let Some(live) = self
            .vars
            .iter()
            .rev()
            .find(|var| matches!(var.state, State::Live))
        {
            let name = &live.name;
            self.cx.error_at(
                span,
                format!(
                    "`token()` starts a second chain while token `{name}` is live, which forks \
                     the chain: pass `{name}` instead"
                ),
            );
        }
    }

    /// Where the token of `expr`'s value is, if it holds one.
    fn source(&self, expr: &Expr) -> Option<Source> {
        match expr {
            Expr::Call(call) => {
                if let Some((op, _)) = ops::called_op(&call.func) {
                    let explicit = calls::form(op, call.args.len()) == Form::Explicit;
                    return explicit.then_some(op_source(op));
                }
                ops::is_token_fn(&call.func).then_some(Source::Whole("token"))
            }
            Expr::Path(path) => {
                let ident = path.path.get_ident()?;
                self.find(ident).map(|_| Source::Whole("a token"))
            }
            Expr::Paren(inner) => self.source(&inner.expr),
            Expr::Group(inner) => self.source(&inner.expr),
            Expr::Block(block) => self.tail_source(&block.block),
            Expr::Unsafe(block) => self.tail_source(&block.block),
            Expr::If(expr) => self.tail_source(&expr.then_branch).or_else(|| {
                expr.else_branch
                    .as_ref()
                    .and_then(|(_, other)| self.source(other))
            }),
            Expr::Match(expr) => expr.arms.iter().find_map(|arm| self.source(&arm.body)),
            _ => None,
        }
    }

    fn tail_source(&self, block: &Block) -> Option<Source> {
        match block.stmts.last() {
            Some(Stmt::Expr(expr, None)) => self.source(expr),
            _ => None,
        }
    }

    /// Binds the names of `pat`; the one at the token's place (given by `source`) is a token.
    fn bind(&mut self, pat: &Pat, source: Option<Source>) {
        let token_pat = match (source, pat) {
            (None, _) => None,
            (Some(Source::Last(_)), Pat::Tuple(tuple)) => tuple.elems.last(),
            (Some(_), pat) => Some(pat),
        };
        let mut names = Vec::new();
        binding_names(pat, &mut names);
        for name in &names {
            self.shadow(name);
        }
        match (token_pat.map(strip_type), source) {
            (Some(Pat::Ident(ident)), _) => self.declare(&ident.ident),
            (Some(Pat::Wild(wild)), Some(Source::Whole(op) | Source::Last(op))) => {
                self.cx.error_spanned(
                    wild,
                    format!(
                        "the token returned by `{op}` is dropped by `_`: bind it to a name and \
                         pass it to the next op, or return it"
                    ),
                );
            }
            _ => {}
        }
    }

    /// A new binding named `name` hides a token of the same name: reported if it is unused.
    fn shadow(&mut self, name: &Ident) {
        let Some(index) = self.find(name) else {
            return;
        };
        if let Some(var) = self.vars.get_mut(index)
            && let State::Live = var.state
        {
            var.state = State::Used(Use::Moved, name.span());
            self.cx.error_at(
                name.span(),
                format!(
                    "this binding hides token `{name}` before it is used: pass `{name}` to \
                         an op, return it, or `drop({name})` first"
                ),
            );
        }
    }

    /// Runs each branch from the current state, then merges the states of those that continue.
    fn branches(&mut self, branches: Vec<Branch<'_, Self>>, missing_else: Option<Span>) {
        let before = self.vars.clone();
        // (where the branch is, whether it is a missing `else`, the state at its end)
        let mut outcomes: Vec<(Span, bool, Vec<Var>)> = Vec::new();
        let mut run = |this: &mut Self, span: Span, is_else: bool, branch: &dyn Fn(&mut Self)| {
            this.vars = before.clone();
            this.diverged = false;
            branch(this);
            if !this.diverged {
                outcomes.push((span, is_else, this.vars.clone()));
            }
        };
        for (span, branch) in branches {
            run(self, span, false, branch);
        }
        if let Some(span) = missing_else {
            run(self, span, true, &|_: &mut Self| {});
        }
        let Some((_, _, first)) = outcomes.first() else {
            // Every branch leaves: so does the whole.
            self.vars = before;
            self.diverged = true;
            return;
        };
        let mut merged = first.clone();
        for (index, var) in merged.iter_mut().enumerate() {
            let used = outcomes
                .iter()
                .find_map(|(_, _, vars)| match vars.get(index) {
                    Some(Var {
                        state: State::Used(by, span),
                        ..
                    }) => Some((*by, *span)),
                    _ => None,
                });
            let Some(used) = used else {
                continue;
            };
            var.state = State::Used(used.0, used.1);
            for (span, is_else, vars) in &outcomes {
                if let Some(Var {
                    state: State::Live,
                    name,
                    ..
                }) = vars.get(index)
                {
                    let message = if *is_else {
                        format!(
                            "token `{name}` is used when this condition holds but not \
                             otherwise: add an `else` branch that uses it too"
                        )
                    } else {
                        format!(
                            "token `{name}` is used on another branch but not on this one: use \
                             it on every branch (pass it to an op, return it, or `drop` it)"
                        )
                    };
                    self.cx.error_at(*span, message);
                }
            }
        }
        self.vars = merged;
        self.diverged = false;
    }

    /// Runs a loop's body once and reports the tokens from outside that it uses without
    /// replacing them: the next iteration would use them again.
    fn looped(&mut self, body: impl FnOnce(&mut Self)) {
        let before = self.vars.clone();
        self.diverged = false;
        body(self);
        if !self.diverged {
            for (old, new) in before.iter().zip(&self.vars) {
                if let (State::Live, State::Used(_, at)) = (old.state, new.state) {
                    let name = &old.name;
                    self.cx.error_at(
                        at,
                        format!(
                            "token `{name}` comes from outside this loop and is used in every \
                             iteration without being replaced: assign it the token the op \
                             returns (`{name} = op(.., {name})`), or take the op out of the loop"
                        ),
                    );
                }
            }
        }
        // The loop may be left by `break`: what follows is reached.
        self.diverged = false;
    }

    /// Every token moved into a closure or `async` block.
    fn capture(&mut self, tokens: TokenStream) {
        for tree in tokens {
            match tree {
                TokenTree::Ident(ident) => {
                    let live = self
                        .find(&ident)
                        .and_then(|index| self.vars.get(index))
                        .is_some_and(|var| matches!(var.state, State::Live));
                    if live {
                        self.use_token(&ident, Use::Moved);
                    }
                }
                TokenTree::Group(group) => self.capture(group.stream()),
                _ => {}
            }
        }
    }

    /// `target = value`: the token named by `target` is replaced.
    fn assign(&mut self, target: &Expr, value: &Expr) {
        let target = match (target, self.source(value)) {
            (Expr::Tuple(tuple), Some(Source::Last(_))) => tuple.elems.last(),
            (target, Some(_)) => Some(target),
            (_, None) => None,
        };
        let Some(ident) = target.and_then(var_path) else {
            return;
        };
        let Some(index) = self.find(ident) else {
            return;
        };
        if let Some(var) = self.vars.get_mut(index) {
            if let State::Live = var.state {
                self.cx.error_at(
                    ident.span(),
                    format!(
                        "token `{ident}` is overwritten before it is used: pass it to an op \
                         first, or `drop({ident})`"
                    ),
                );
            }
            var.state = State::Live;
        }
    }
}

/// One branch of an `if` or `match`: where it is, and how to walk it.
type Branch<'b, L> = (Span, &'b dyn Fn(&mut L));

fn op_source(op: Op) -> Source {
    if op.returns_value {
        Source::Last(op.name)
    } else {
        Source::Whole(op.name)
    }
}

fn strip_type(pat: &Pat) -> &Pat {
    match pat {
        Pat::Type(typed) => strip_type(&typed.pat),
        Pat::Paren(paren) => strip_type(&paren.pat),
        pat => pat,
    }
}

fn binding_names(pat: &Pat, names: &mut Vec<Ident>) {
    match pat {
        Pat::Ident(ident) => names.push(ident.ident.clone()),
        Pat::Tuple(tuple) => tuple.elems.iter().for_each(|p| binding_names(p, names)),
        Pat::TupleStruct(tuple) => tuple.elems.iter().for_each(|p| binding_names(p, names)),
        Pat::Type(typed) => binding_names(&typed.pat, names),
        Pat::Paren(paren) => binding_names(&paren.pat, names),
        Pat::Reference(reference) => binding_names(&reference.pat, names),
        Pat::Slice(slice) => slice.elems.iter().for_each(|p| binding_names(p, names)),
        Pat::Struct(fields) => fields
            .fields
            .iter()
            .for_each(|field| binding_names(&field.pat, names)),
        _ => {}
    }
}

/// The variable an expression is, if it is a plain name.
fn var_path(expr: &Expr) -> Option<&Ident> {
    match expr {
        Expr::Path(path) if path.qself.is_none() => path.path.get_ident(),
        Expr::Paren(inner) => var_path(&inner.expr),
        _ => None,
    }
}

impl<'ast> Visit<'ast> for Linear<'_> {
    fn visit_block(&mut self, block: &'ast Block) {
        self.scope += 1;
        for stmt in &block.stmts {
            self.visit_stmt(stmt);
        }
        self.end_scope(self.scope);
        self.scope -= 1;
    }

    fn visit_stmt(&mut self, stmt: &'ast Stmt) {
        match stmt {
            Stmt::Expr(expr, Some(_)) => {
                self.visit_expr(expr);
                let dropped = match (expr, self.source(expr)) {
                    (Expr::Call(_), Some(Source::Whole(op) | Source::Last(op))) => Some(op),
                    _ => None,
                };
                if let Some(op) = dropped {
                    self.cx.error_spanned(
                        expr,
                        format!(
                            "the token returned by `{op}` is dropped: bind it \
                             (`let token = {op}(..);`) and pass it to the next op, or return it"
                        ),
                    );
                }
            }
            stmt => visit::visit_stmt(self, stmt),
        }
    }

    fn visit_local(&mut self, local: &'ast Local) {
        let Some(init) = &local.init else {
            self.bind(&local.pat, None);
            return;
        };
        let live_before: Vec<Ident> = self
            .vars
            .iter()
            .filter(|var| matches!(var.state, State::Live))
            .map(|var| var.name.clone())
            .collect();
        self.visit_expr(&init.expr);
        if let Some((_, diverge)) = &init.diverge {
            self.visit_expr(diverge);
            self.diverged = false;
        }
        let source = self.source(&init.expr).or_else(|| {
            // A helper that takes a token gives the next one back, by how the token flows (not
            // by its name): when the initialiser consumed a live token, the binding (or the
            // last element of a tuple pattern) holds the next one: `let (x, t) = helper(.., t0)`.
            let consumed: Vec<&Ident> = live_before
                .iter()
                .filter(|name| {
                    self.find(name)
                        .and_then(|index| self.vars.get(index))
                        .is_some_and(|var| matches!(var.state, State::Used(..)))
                })
                .collect();
            let token_pat = match strip_type(&local.pat) {
                Pat::Tuple(tuple) => tuple.elems.last().map(strip_type),
                pat => Some(pat),
            };
            match token_pat {
                Some(Pat::Ident(_)) if !consumed.is_empty() => Some(match strip_type(&local.pat) {
                    Pat::Tuple(_) => Source::Last("the call"),
                    _ => Source::Whole("the call"),
                }),
                _ => None,
            }
        });
        // `let x = op(..)` keeps the `(value, token)` pair whole: not followed further.
        let source = match (source, strip_type(&local.pat)) {
            (Some(Source::Last(_)), Pat::Ident(_)) => None,
            (source, _) => source,
        };
        self.bind(&local.pat, source);
    }

    fn visit_expr(&mut self, expr: &'ast Expr) {
        match expr {
            Expr::Path(path) => {
                if let Some(ident) = path.path.get_ident() {
                    self.use_token(ident, Use::Moved);
                }
            }
            Expr::Reference(reference) if var_path(&reference.expr).is_some() => {}
            Expr::MethodCall(call) => {
                if var_path(&call.receiver).is_none() {
                    self.visit_expr(&call.receiver);
                }
                call.args.iter().for_each(|arg| self.visit_expr(arg));
            }
            Expr::Call(call) => {
                if let Some((op, _)) = ops::called_op(&call.func) {
                    let count = call.args.len();
                    for (index, arg) in call.args.iter().enumerate() {
                        match var_path(arg) {
                            Some(ident) if index + 1 == count => {
                                self.use_token(ident, Use::Op(op.name));
                            }
                            _ => self.visit_expr(arg),
                        }
                    }
                } else if ops::is_token_fn(&call.func) {
                    self.take_token(call.func.span());
                } else {
                    if var_path(&call.func).is_none() {
                        self.visit_expr(&call.func);
                    }
                    call.args.iter().for_each(|arg| self.visit_expr(arg));
                }
            }
            Expr::If(expr_if) => {
                self.visit_expr(&expr_if.cond);
                let then = &expr_if.then_branch;
                let then_branch = |this: &mut Self| this.visit_block(then);
                match &expr_if.else_branch {
                    Some((_, other)) => {
                        let other_branch = |this: &mut Self| this.visit_expr(other);
                        self.branches(
                            vec![(then.span(), &then_branch), (other.span(), &other_branch)],
                            None,
                        );
                    }
                    None => self.branches(
                        vec![(then.span(), &then_branch)],
                        Some(expr_if.if_token.span),
                    ),
                }
            }
            Expr::Match(expr_match) => {
                self.visit_expr(&expr_match.expr);
                let arms: Vec<_> = expr_match
                    .arms
                    .iter()
                    .map(|arm| {
                        move |this: &mut Self| {
                            if let Some((_, guard)) = &arm.guard {
                                this.visit_expr(guard);
                            }
                            this.visit_expr(&arm.body);
                        }
                    })
                    .collect();
                let branches = expr_match
                    .arms
                    .iter()
                    .zip(&arms)
                    .map(|(arm, run)| (arm.body.span(), run as &dyn Fn(&mut Self)))
                    .collect();
                self.branches(branches, None);
            }
            Expr::Loop(expr) => self.looped(|this| this.visit_block(&expr.body)),
            Expr::While(expr) => self.looped(|this| {
                this.visit_expr(&expr.cond);
                this.visit_block(&expr.body);
            }),
            Expr::ForLoop(expr) => {
                self.visit_expr(&expr.expr);
                self.looped(|this| this.visit_block(&expr.body));
            }
            Expr::Return(expr) => {
                if let Some(value) = &expr.expr {
                    self.visit_expr(value);
                }
                let live: Vec<Ident> = self
                    .vars
                    .iter()
                    .filter(|var| matches!(var.state, State::Live))
                    .map(|var| var.name.clone())
                    .collect();
                for name in live {
                    self.cx.error_at(
                        expr.return_token.span,
                        format!(
                            "token `{name}` is dropped by this `return`: return it, or pass it \
                             to an op before returning"
                        ),
                    );
                    self.use_token(&name, Use::Moved);
                }
                self.diverged = true;
            }
            Expr::Break(expr) => {
                if let Some(value) = &expr.expr {
                    self.visit_expr(value);
                }
                self.diverged = true;
            }
            Expr::Continue(_) => self.diverged = true,
            Expr::Assign(expr) => {
                self.visit_expr(&expr.right);
                self.assign(&expr.left, &expr.right);
            }
            Expr::Closure(closure) => self.capture(closure.body.to_token_stream()),
            Expr::Async(block) => self.capture(block.block.to_token_stream()),
            // Format-like macros borrow their arguments.
            Expr::Macro(_) => {}
            expr => visit::visit_expr(self, expr),
        }
    }

    fn visit_item(&mut self, _: &'ast syn::Item) {}

    fn visit_macro(&mut self, _: &'ast syn::Macro) {}
}
