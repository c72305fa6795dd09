//! Every token (explicit mode) and every request (both modes) is used exactly once.
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
//!
//! Requests of nonblocking ops (`let r = isend(..)`, or the first of `(request, token)` in
//! explicit mode) are tracked the same way, in both modes: a request that is not waited for
//! (passed to `wait`, `wait_all`, `test`, or moved on) on every path is an error, since its
//! operation would complete only where it is dropped.

use proc_macro2::{Ident, Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{Block, Expr, ExprCall, FnArg, ItemFn, Local, Pat, Stmt};

use super::calls::{self, Form};
use super::syntax::bindings;
use crate::ctxt::Ctxt;
use crate::ops::{self, Op};

/// Checks the tokens and requests of `func`.
pub(crate) fn check(func: &ItemFn, cx: &mut Ctxt) {
    let mut linear = Linear {
        vars: Vec::new(),
        breaks: Vec::new(),
        scope: 0,
        diverged: false,
        cx,
    };
    for input in &func.sig.inputs {
        if let FnArg::Typed(typed) = input
            && let (Pat::Ident(ident), true) = (&*typed.pat, calls::is_token_type(&typed.ty))
        {
            linear.declare(&ident.ident, Kind::Token);
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

/// What a tracked value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Token,
    /// The request of a nonblocking op.
    Request(&'static str),
}

impl Kind {
    /// `token `t``, `request `r``.
    fn named(self, name: &Ident) -> String {
        match self {
            Kind::Token => format!("token `{name}`"),
            Kind::Request(op) => format!("request `{name}` (of `{op}`)"),
        }
    }

    /// How to use one.
    fn how(self, name: &Ident) -> String {
        match self {
            Kind::Token => format!("pass `{name}` to an op, return it, or `drop({name})`"),
            Kind::Request(_) => {
                format!("pass `{name}` to `wait`, `wait_all` or `test`, or return it")
            }
        }
    }
}

#[derive(Debug, Clone)]
struct Var {
    name: Ident,
    kind: Kind,
    state: State,
    /// A later binding of the same name hides it: the name means that one now.
    hidden: bool,
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
    /// The tokens and requests in scope, innermost binding last.
    vars: Vec<Var>,
    /// For each loop being walked, innermost last: the states at its `break`s.
    breaks: Vec<Vec<Vec<Var>>>,
    scope: usize,
    /// The current path has left (return, break, continue): what follows is not reached.
    diverged: bool,
    cx: &'cx mut Ctxt,
}

impl Linear<'_> {
    fn find(&self, name: &Ident) -> Option<usize> {
        self.vars
            .iter()
            .rposition(|var| var.name == *name && !var.hidden)
    }

    fn declare(&mut self, name: &Ident, kind: Kind) {
        self.vars.push(Var {
            name: name.clone(),
            kind,
            state: State::Live,
            hidden: false,
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
        let kind = var.kind;
        match (var.state, by) {
            (State::Live, _) => var.state = State::Used(by, name.span()),
            (State::Used(Use::Op(first), _), Use::Op(second)) if kind == Kind::Token => {
                self.cx.error_at(
                    name.span(),
                    format!(
                        "token `{name}` was already passed to `{first}`: passing it to `{second}` \
                     as well forks the chain in two; pass `{second}` the token that `{first}` \
                     returned"
                    ),
                )
            }
            (State::Used(first, _), _) => {
                let first = match first {
                    Use::Op(op) => format!("passed to `{op}`"),
                    Use::Moved => "moved (passed to a function, returned or captured)".to_owned(),
                };
                let why = match kind {
                    Kind::Token => {
                        "a token orders one op; use the token that the previous op \
                                    returned"
                    }
                    Kind::Request(_) => "a request completes once",
                };
                self.cx.error_at(
                    name.span(),
                    format!(
                        "{} is used again after it was {first}: {why}",
                        kind.named(name)
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
                let message = match var.kind {
                    Kind::Token => format!(
                        "token `{name}` is dropped without being used: pass it to the next op, \
                         return it, or end the chain with `drop({name})`"
                    ),
                    kind => format!(
                        "{} is dropped without a wait, so its operation would complete only \
                         where it is dropped: {}",
                        kind.named(name),
                        kind.how(name)
                    ),
                };
                self.cx.error_at(name.span(), message);
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
            .find(|var| matches!(var.state, State::Live) && var.kind == Kind::Token)
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
                if let Some(body) = scope_closure(call) {
                    return self.source(body);
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

    /// Binds the names of `pat`; the one at the token's place (given by `source`) is a token,
    /// the one at the request's place (given by `request`) a request.
    fn bind(&mut self, pat: &Pat, source: Option<Source>, request: Option<Source>) {
        let token_pat = match (source, pat) {
            (None, _) => None,
            (Some(Source::Last(_)), Pat::Tuple(tuple)) => tuple.elems.last(),
            (Some(_), pat) => Some(pat),
        };
        for name in bindings(pat) {
            self.shadow(name);
        }
        match (request, strip_type(pat)) {
            (Some(Source::Whole(op)), Pat::Ident(ident)) => {
                self.declare(&ident.ident, Kind::Request(op));
            }
            (Some(Source::Last(op)), Pat::Tuple(tuple)) => {
                match tuple.elems.first().map(strip_type) {
                    Some(Pat::Ident(ident)) => self.declare(&ident.ident, Kind::Request(op)),
                    Some(Pat::Wild(wild)) => self.dropped_request(wild.span(), op),
                    _ => {}
                }
            }
            (Some(Source::Whole(op) | Source::Last(op)), Pat::Wild(wild)) => {
                self.dropped_request(wild.span(), op);
            }
            _ => {}
        }
        match (token_pat.map(strip_type), source) {
            (Some(Pat::Ident(ident)), _) => self.declare(&ident.ident, Kind::Token),
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

    /// The request of `op` dropped at once (by `_` or a statement).
    fn dropped_request(&mut self, span: Span, op: &str) {
        self.cx.error_at(
            span,
            format!(
                "the request of `{op}` is dropped without a wait, so its operation completes \
                 right here, blocking: bind it and pass it to `wait`, `wait_all` or `test` \
                 later, or call the blocking op instead"
            ),
        );
    }

    /// Where the request of `expr`'s value is, if it holds a new one: the whole value of an
    /// implicit call of a nonblocking op, the first of the tuple of an explicit one.
    fn request_source(expr: &Expr) -> Option<Source> {
        match expr {
            Expr::Call(call) => {
                let (op, _) = ops::called_op(&call.func)?;
                if !op.issues_request() {
                    return None;
                }
                Some(match calls::form(op, call.args.len()) {
                    Form::Explicit => Source::Last(op.name),
                    _ => Source::Whole(op.name),
                })
            }
            Expr::Paren(inner) => Self::request_source(&inner.expr),
            _ => None,
        }
    }

    /// A new binding named `name` hides a token of the same name: reported if it is unused.
    fn shadow(&mut self, name: &Ident) {
        let Some(index) = self.find(name) else {
            return;
        };
        let Some(var) = self.vars.get_mut(index) else {
            return;
        };
        var.hidden = true;
        if let State::Live = var.state {
            var.state = State::Used(Use::Moved, name.span());
            let (named, how) = (var.kind.named(name), var.kind.how(name));
            self.cx.error_at(
                name.span(),
                format!("this binding hides {named} before it is used: {how} first"),
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
                    kind,
                    ..
                }) = vars.get(index)
                {
                    let named = kind.named(name);
                    let message = if *is_else {
                        format!(
                            "{named} is used when this condition holds but not otherwise: add \
                             an `else` branch that uses it too"
                        )
                    } else {
                        format!(
                            "{named} is used on another branch but not on this one: use it on \
                             every branch ({})",
                            kind.how(name)
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
    fn looped(&mut self, may_end: bool, body: impl FnOnce(&mut Self)) {
        let before = self.vars.clone();
        self.diverged = false;
        self.breaks.push(Vec::new());
        body(self);
        let breaks = self.breaks.pop().unwrap_or_default();
        let at_end = (!self.diverged).then(|| self.vars.clone());
        if !self.diverged {
            for (old, new) in before.iter().zip(&self.vars) {
                if let (State::Live, State::Used(_, at)) = (old.state, new.state) {
                    let name = &old.name;
                    let message = match old.kind {
                        Kind::Token => format!(
                            "token `{name}` comes from outside this loop and is used in every \
                             iteration without being replaced: assign it the token the op \
                             returns (`{name} = op(.., {name})`), or take the op out of the loop"
                        ),
                        kind => format!(
                            "{} comes from outside this loop and is used in every iteration \
                             without being replaced: give it the request back (`{name} = \
                             request` when `test` returns it), or wait for it after the loop",
                            kind.named(name)
                        ),
                    };
                    self.cx.error_at(at, message);
                }
            }
        }
        // What follows the loop starts from its `break`s (and from the end of its body, for a
        // loop whose condition ends it): a value used on any of them counts as used, so that
        // a request completed by the iteration that breaks is not reported.
        let ends: Vec<Vec<Var>> = breaks
            .into_iter()
            .chain(at_end.filter(|_| may_end))
            .collect();
        if ends.is_empty() {
            // No `break`, and the body never ends a trip that could be the last: a `loop`
            // is never left (what follows is not reached, as after a `return`); a `while` or
            // `for` may take no trip, and what follows starts as the loop did.
            self.vars = before;
            self.diverged = !may_end;
            return;
        }
        let mut after = before;
        for (index, var) in after.iter_mut().enumerate() {
            let used = ends.iter().find_map(|vars| match vars.get(index) {
                Some(Var {
                    state: State::Used(by, span),
                    ..
                }) => Some((*by, *span)),
                _ => None,
            });
            if let Some((by, span)) = used {
                var.state = State::Used(by, span);
            } else if ends.iter().all(|vars| {
                matches!(
                    vars.get(index),
                    Some(Var {
                        state: State::Live,
                        ..
                    })
                )
            }) {
                var.state = State::Live;
            }
        }
        self.vars = after;
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
        // A request variable holds a request whatever is assigned to it (the types say so).
        if let Some(ident) = var_path(target)
            && let Some(index) = self.find(ident)
            && let Some(var) = self.vars.get_mut(index)
            && var.kind != Kind::Token
        {
            if let State::Live = var.state {
                let named = var.kind.named(ident);
                self.cx.error_at(
                    ident.span(),
                    format!("{named} is overwritten before it is waited for: wait for it first"),
                );
            }
            var.state = State::Live;
            return;
        }
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
    if op.returns_value() {
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
                if let Some(Source::Whole(op) | Source::Last(op)) = Self::request_source(expr) {
                    self.dropped_request(expr.span(), op);
                    return;
                }
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
            self.bind(&local.pat, None, None);
            return;
        };
        let request = Self::request_source(&init.expr);
        let live_before: Vec<Ident> = self
            .vars
            .iter()
            .filter(|var| matches!(var.state, State::Live) && var.kind == Kind::Token)
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
        self.bind(&local.pat, source, request);
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
                } else if let Some(body) = scope_closure(call) {
                    // `spmd::scope(|scope| ..)`: the closure runs once, at once, in place.
                    self.visit_expr(body);
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
            Expr::Loop(expr) => self.looped(false, |this| this.visit_block(&expr.body)),
            Expr::While(expr) => self.looped(true, |this| {
                this.visit_expr(&expr.cond);
                this.visit_block(&expr.body);
            }),
            Expr::ForLoop(expr) => {
                self.visit_expr(&expr.expr);
                self.looped(true, |this| this.visit_block(&expr.body));
            }
            Expr::Return(expr) => {
                if let Some(value) = &expr.expr {
                    self.visit_expr(value);
                }
                let live: Vec<(Ident, Kind)> = self
                    .vars
                    .iter()
                    .filter(|var| matches!(var.state, State::Live))
                    .map(|var| (var.name.clone(), var.kind))
                    .collect();
                for (name, kind) in live {
                    let message = match kind {
                        Kind::Token => format!(
                            "token `{name}` is dropped by this `return`: return it, or pass it \
                             to an op before returning"
                        ),
                        kind => format!(
                            "{} is dropped by this `return` without a wait: {} before \
                             returning",
                            kind.named(&name),
                            kind.how(&name)
                        ),
                    };
                    self.cx.error_at(expr.return_token.span, message);
                    self.use_token(&name, Use::Moved);
                }
                self.diverged = true;
            }
            Expr::Break(expr) => {
                if let Some(value) = &expr.expr {
                    self.visit_expr(value);
                }
                let state = self.vars.clone();
                if let Some(breaks) = self.breaks.last_mut() {
                    breaks.push(state);
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
            // `vec![a, b]` moves its items (requests collected for a `wait_all`).
            Expr::Macro(mac) if mac.mac.path.is_ident("vec") => {
                self.capture(mac.mac.tokens.clone());
            }
            // Format-like macros borrow their arguments.
            Expr::Macro(_) => {}
            expr => visit::visit_expr(self, expr),
        }
    }

    fn visit_item(&mut self, _: &'ast syn::Item) {}

    fn visit_macro(&mut self, _: &'ast syn::Macro) {}
}

/// The body of the closure of `spmd::scope(|scope| body)` ([`calls::scope_closure`]), when it
/// has no `return` (one would leave the closure, not the function).
fn scope_closure(call: &ExprCall) -> Option<&Expr> {
    let body = &*calls::scope_closure(call)?.body;
    (!super::syntax::returns(body)).then_some(body)
}
