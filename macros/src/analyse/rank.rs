//! Collectives that only some ranks reach: a collective on one branch of an `if` or `match`
//! whose condition depends on the rank, with no matching collective on the other branches.
//!
//! The rank is `comm.rank()` (any `.rank()` method call without arguments),
//! `spmd::world_rank()`, or a variable bound from an expression that mentions either outside
//! the arguments of `allreduce`, `bcast` and `allgather` (whose results are the same on every
//! rank).
//!
//! The rule is conservative: it rejects correct programs whose branches differ in form only
//! (an `if` always true, a chain of `else if` whose branches call the same collectives). It
//! speaks only where the pattern check could not compare every rank's collectives.

use std::collections::HashSet;

use proc_macro2::Span;
use syn::visit::{self, Visit};
use syn::{Block, Expr, ExprIf, ExprMatch, Local};

use super::pattern::Coverage;
use super::syntax::binding_names;
use crate::ctxt::Ctxt;
use crate::ops;

/// Reports every rank-dependent branch whose collectives differ from its siblings', in the
/// function `fn_name` that the pattern check covered as `coverage` says.
pub(crate) fn check(body: &Block, fn_name: &str, coverage: &Coverage, cx: &mut Ctxt) {
    let mut checker = Checker {
        rank_vars: HashSet::new(),
        fn_name,
        coverage,
        cx,
    };
    checker.visit_block(body);
}

struct Checker<'a> {
    /// Variables bound from the rank, in the order the body binds them.
    rank_vars: HashSet<String>,
    fn_name: &'a str,
    coverage: &'a Coverage,
    cx: &'a mut Ctxt,
}

impl Checker<'_> {
    /// Why the rule speaks, and how to let the pattern check decide instead.
    fn conservative(&self) -> String {
        let fn_name = self.fn_name;
        let why = match self.coverage {
            Coverage::NotChecked(why) if why.contains("errors above") => {
                "of the other errors".to_owned()
            }
            coverage => coverage.reason(),
        };
        format!(
            "; this rule is conservative: the pattern check could not evaluate `{fn_name}` \
             because {why}; make it evaluable (peers, loop bounds and branches computed from the \
             rank, the size and constants, calls of functions of this file) and the pattern \
             check decides instead"
        )
    }

    fn depends_on_rank(&self, expr: &Expr) -> bool {
        let mut finder = RankFinder {
            rank_vars: &self.rank_vars,
            found: false,
        };
        finder.visit_expr(expr);
        finder.found
    }

    /// Compares the collectives of each branch with the first branch's; reports where they part.
    fn compare(&mut self, branches: &[(Sequence, &str)]) {
        let Some(((first, first_kind), rest)) = branches.split_first() else {
            return;
        };
        if first.opaque {
            return;
        }
        for (other, other_kind) in rest {
            if other.opaque {
                continue;
            }
            if let Some((span, name, kind)) = first_difference(first, first_kind, other, other_kind)
            {
                let conservative = self.conservative();
                self.cx.error_at(
                    span,
                    format!(
                        "`{name}` is a collective that only some ranks reach: it is on {kind} \
                         that depends on the rank, and another branch has no matching \
                         `{name}`; every rank must call the same collectives in the same \
                         order: call `{name}` on every branch, or move it out of the \
                         condition{conservative}"
                    ),
                );
            }
        }
    }
}

/// Where two branches' collectives first differ: the call to point at, its op and its branch.
fn first_difference<'a>(
    first: &'a Sequence,
    first_kind: &'a str,
    other: &'a Sequence,
    other_kind: &'a str,
) -> Option<(Span, &'static str, &'a str)> {
    let mut a = first.calls.iter();
    let mut b = other.calls.iter();
    loop {
        match (a.next(), b.next()) {
            (None, None) => return None,
            (Some(x), Some(y)) if x.name == y.name && x.looped == y.looped => {}
            (Some(x), _) => return Some((x.span, x.name, first_kind)),
            (None, Some(y)) => return Some((y.span, y.name, other_kind)),
        }
    }
}

impl<'ast> Visit<'ast> for Checker<'_> {
    fn visit_local(&mut self, local: &'ast Local) {
        visit::visit_local(self, local);
        let from_rank = local
            .init
            .as_ref()
            .is_some_and(|init| self.depends_on_rank(&init.expr));
        for name in binding_names(&local.pat) {
            if from_rank {
                self.rank_vars.insert(name);
            } else {
                self.rank_vars.remove(&name);
            }
        }
    }

    fn visit_expr_if(&mut self, expr: &'ast ExprIf) {
        visit::visit_expr_if(self, expr);
        if self.depends_on_rank(&expr.cond) {
            let then = Sequence::of_block(&expr.then_branch);
            let otherwise = expr
                .else_branch
                .as_ref()
                .map(|(_, other)| Sequence::of_expr(other))
                .unwrap_or_default();
            let kind = "one branch of an `if`";
            self.compare(&[(then, kind), (otherwise, kind)]);
        }
    }

    fn visit_expr_match(&mut self, expr: &'ast ExprMatch) {
        visit::visit_expr_match(self, expr);
        let guarded_by_rank = expr.arms.iter().any(|arm| {
            arm.guard
                .as_ref()
                .is_some_and(|(_, g)| self.depends_on_rank(g))
        });
        if self.depends_on_rank(&expr.expr) || guarded_by_rank {
            let arms: Vec<(Sequence, &str)> = expr
                .arms
                .iter()
                .map(|arm| (Sequence::of_expr(&arm.body), "one arm of a `match`"))
                .collect();
            self.compare(&arms);
        }
    }

    fn visit_item(&mut self, _: &'ast syn::Item) {}

    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
}

/// Finds a mention of the rank in an expression.
struct RankFinder<'a> {
    rank_vars: &'a HashSet<String>,
    found: bool,
}

impl<'ast> Visit<'ast> for RankFinder<'_> {
    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        if call.method == "rank" && call.args.is_empty() {
            self.found = true;
        }
        visit::visit_expr_method_call(self, call);
    }

    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        // These give every rank the same value, whatever their arguments.
        let uniform = ops::called_op(&call.func).is_some_and(|(op, _)| op.same_on_every_rank);
        if uniform {
            return;
        }
        if let Expr::Path(path) = &*call.func
            && path
                .path
                .segments
                .last()
                .is_some_and(|last| last.ident == "world_rank")
        {
            self.found = true;
        }
        visit::visit_expr_call(self, call);
    }

    fn visit_expr_path(&mut self, path: &'ast syn::ExprPath) {
        if let Some(ident) = path.path.get_ident()
            && self.rank_vars.contains(&ident.to_string())
        {
            self.found = true;
        }
    }

    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// A collective call, as a branch reaches it.
#[derive(Debug, Clone)]
struct Collective {
    name: &'static str,
    span: Span,
    /// Inside a loop (of this branch): it runs an unknown number of times.
    looped: bool,
}

/// The collectives a branch calls, in order.
#[derive(Debug, Default)]
struct Sequence {
    calls: Vec<Collective>,
    /// Holds something whose collectives cannot be listed (branches that differ under a
    /// condition that does not depend on the rank): no comparison is made.
    opaque: bool,
}

impl Sequence {
    fn of_block(block: &Block) -> Sequence {
        let mut collector = Collector::default();
        collector.visit_block(block);
        collector.sequence
    }

    fn of_expr(expr: &Expr) -> Sequence {
        let mut collector = Collector::default();
        collector.visit_expr(expr);
        collector.sequence
    }

    fn same_as(&self, other: &Sequence) -> bool {
        !self.opaque
            && !other.opaque
            && self.calls.len() == other.calls.len()
            && self
                .calls
                .iter()
                .zip(&other.calls)
                .all(|(a, b)| a.name == b.name && a.looped == b.looped)
    }
}

#[derive(Default)]
struct Collector {
    sequence: Sequence,
    in_loop: bool,
}

impl Collector {
    fn branches(&mut self, branches: Vec<Sequence>) {
        let mut branches = branches.into_iter();
        let Some(first) = branches.next() else {
            return;
        };
        if branches.all(|other| first.same_as(&other)) {
            self.extend(first);
        } else {
            self.sequence.opaque = true;
        }
    }

    fn extend(&mut self, inner: Sequence) {
        let looped = self.in_loop;
        self.sequence.opaque |= inner.opaque;
        self.sequence
            .calls
            .extend(inner.calls.into_iter().map(|call| Collective {
                looped: call.looped || looped,
                ..call
            }));
    }

    fn looping(&mut self, visit: impl FnOnce(&mut Self)) {
        let outer = self.in_loop;
        self.in_loop = true;
        visit(self);
        self.in_loop = outer;
    }
}

impl<'ast> Visit<'ast> for Collector {
    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        visit::visit_expr_call(self, call);
        if let Some((op, segment)) = ops::called_op(&call.func)
            && op.is_collective()
        {
            self.sequence.calls.push(Collective {
                name: op.name,
                span: segment.ident.span(),
                looped: self.in_loop,
            });
        }
    }

    fn visit_expr_if(&mut self, expr: &'ast ExprIf) {
        self.visit_expr(&expr.cond);
        let then = Sequence::of_block(&expr.then_branch);
        let otherwise = expr
            .else_branch
            .as_ref()
            .map(|(_, other)| Sequence::of_expr(other))
            .unwrap_or_default();
        self.branches(vec![then, otherwise]);
    }

    fn visit_expr_match(&mut self, expr: &'ast ExprMatch) {
        self.visit_expr(&expr.expr);
        let arms = expr
            .arms
            .iter()
            .map(|arm| Sequence::of_expr(&arm.body))
            .collect();
        self.branches(arms);
    }

    fn visit_expr_loop(&mut self, expr: &'ast syn::ExprLoop) {
        self.looping(|this| visit::visit_expr_loop(this, expr));
    }

    fn visit_expr_while(&mut self, expr: &'ast syn::ExprWhile) {
        self.looping(|this| visit::visit_expr_while(this, expr));
    }

    fn visit_expr_for_loop(&mut self, expr: &'ast syn::ExprForLoop) {
        self.looping(|this| visit::visit_expr_for_loop(this, expr));
    }

    fn visit_item(&mut self, _: &'ast syn::Item) {}

    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
}
