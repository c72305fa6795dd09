//! The syntactic effect scan: what a piece of the body may do without running it (communicate,
//! leave, assign), for the branches and loops the evaluation does not follow.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use proc_macro2::{TokenStream, TokenTree};
use syn::visit::{self, Visit};
use syn::{Block, Expr, ExprCall, ExprForLoop, ExprMethodCall, ExprWhile, Macro};

use super::{Interp, Value};
use crate::analyse::pattern::trace::{CommName, is_self, strip};
use crate::analyse::syntax::{assigned_names, compound_op, root_name};
use crate::ops;

/// What a piece of the body may do, read from its syntax: communicate, leave the enclosing
/// code (`return`, or `break`/`continue` out of it), and which variables it assigns.
#[derive(Debug, Default, Clone)]
pub(super) struct Effects {
    /// It calls an op, or hands the communicator or a token to a function or method.
    pub(super) communicates: bool,
    /// It communicates otherwise than by completing requests (`test`, `wait`, `wait_all`):
    /// it issues an op, or hands the communicator or a token on.
    pub(super) issues: bool,
    pub(super) leaves: bool,
    /// Every way it leaves is `return Err(..)`.
    pub(super) leaves_by_err_only: bool,
    pub(super) assigned: Vec<String>,
}

impl Effects {
    /// What `self` or `other` may do.
    pub(super) fn add(&mut self, other: Effects) {
        self.communicates |= other.communicates;
        self.issues |= other.issues;
        self.leaves_by_err_only = match (self.leaves, other.leaves) {
            (true, true) => self.leaves_by_err_only && other.leaves_by_err_only,
            (true, false) => self.leaves_by_err_only,
            (false, _) => other.leaves_by_err_only,
        };
        self.leaves |= other.leaves;
        self.assigned.extend(other.assigned);
    }

    pub(super) fn of_expr(expr: &Expr, interp: &Interp<'_>) -> Effects {
        Effects::cached(std::ptr::from_ref(expr) as usize, interp, |finder| {
            finder.visit_expr(expr);
        })
    }

    pub(super) fn of_block(block: &Block, interp: &Interp<'_>) -> Effects {
        Effects::cached(std::ptr::from_ref(block) as usize, interp, |finder| {
            finder.visit_block(block);
        })
    }

    /// The effects of the syntax node at `address` (scanned by `scan`), as found before in
    /// the check under way if what they depended on is the same now: the communicator's name,
    /// whether the body is a method, and whether each variable the scan asked about holds a
    /// token.
    fn cached(
        address: usize,
        interp: &Interp<'_>,
        scan: impl FnOnce(&mut EffectFinder),
    ) -> Effects {
        let key = Key {
            address,
            has_self: interp.shared.has_self,
        };
        let found = SCANNED.with_borrow(|scanned| scanned.get(&key).cloned());
        if let Some(found) = found
            && found.comm == interp.shared.comm
            && found
                .probes
                .iter()
                .all(|(name, token)| interp.holds_token(name) == *token)
        {
            return found.effects.clone();
        }
        let mut finder = EffectFinder::new(interp);
        scan(&mut finder);
        let probes = std::mem::take(&mut finder.probes);
        let effects = finder.finish();
        SCANNED.with_borrow_mut(|scanned| {
            scanned.insert(
                key,
                Rc::new(Scanned {
                    comm: interp.shared.comm.clone(),
                    effects: effects.clone(),
                    probes,
                }),
            )
        });
        effects
    }
}

/// What a scan's result is kept under: the node's address, and whether the body is a method.
#[derive(PartialEq, Eq, Hash)]
struct Key {
    address: usize,
    has_self: bool,
}

/// A scan's result, with the communicator's name it was made with, and the variables it asked
/// about with whether each held a token: it holds while they are the same.
struct Scanned {
    comm: CommName,
    effects: Effects,
    probes: Vec<(String, bool)>,
}

thread_local! {
    /// The syntax scans of the check under way, by the address of their node: emptied when a
    /// check starts and ends (with the parsed macros: see `builtins::MacroScope`), so that,
    /// as for those, every node whose address is a key lives while it is one.
    static SCANNED: RefCell<HashMap<Key, Rc<Scanned>>> = RefCell::new(HashMap::new());
}

/// Forgets the scans kept: a check starts or ends.
pub(super) fn forget() {
    SCANNED.with_borrow_mut(HashMap::clear);
}

struct EffectFinder<'a, 'b> {
    interp: &'a Interp<'b>,
    effects: Effects,
    /// Loops entered inside the piece: a `break` in them stays inside.
    loop_depth: usize,
    labels: Vec<String>,
    /// It leaves otherwise than by `return Err(..)`.
    other_leaves: bool,
    /// The variables asked whether they hold a token, with the answers.
    probes: Vec<(String, bool)>,
}

impl<'a, 'b> EffectFinder<'a, 'b> {
    fn new(interp: &'a Interp<'b>) -> Self {
        EffectFinder {
            interp,
            effects: Effects::default(),
            loop_depth: 0,
            labels: Vec::new(),
            other_leaves: false,
            probes: Vec::new(),
        }
    }

    fn finish(mut self) -> Effects {
        self.effects.leaves_by_err_only = self.effects.leaves && !self.other_leaves;
        self.effects
    }

    fn inside_loop(&mut self, label: Option<&syn::Label>, visit: impl FnOnce(&mut Self)) {
        self.loop_depth += 1;
        if let Some(label) = label {
            self.labels.push(label.name.ident.to_string());
        }
        visit(self);
        if label.is_some() {
            self.labels.pop();
        }
        self.loop_depth -= 1;
    }

    fn escapes(&self, label: Option<&syn::Lifetime>) -> bool {
        match label {
            Some(label) => !self.labels.iter().any(|l| label.ident == l),
            None => self.loop_depth == 0,
        }
    }

    /// `target = ..`: the variable, or the variable a place is part of (`r.right = ..`,
    /// `v[i] += ..`).
    fn assigned(&mut self, target: &Expr) {
        match strip(target) {
            Expr::Path(_) | Expr::Tuple(_) => assigned_names(target, &mut self.effects.assigned),
            place => self.effects.assigned.extend(root_name(place)),
        }
    }
}

/// A method of the communicator that only reads it (`comm.rank()`, `comm.size()`,
/// `comm.shift(..)`, `comm.cartesian(..)`).
fn is_query(method: &syn::Ident) -> bool {
    ["rank", "size", "shift", "cartesian"]
        .iter()
        .any(|query| method == query)
}

impl Interp<'_> {
    /// Whether passing `expr` to a function may let it communicate: the communicator, `self`
    /// when the communicator is a field of it, or a token.
    pub(super) fn hands_over(&self, expr: &Expr) -> bool {
        self.hands_over_probed(expr, &mut Vec::new())
    }

    /// [`hands_over`](Interp::hands_over), adding to `probes` each variable it asks whether
    /// it holds a token, with the answer.
    fn hands_over_probed(&self, expr: &Expr, probes: &mut Vec<(String, bool)>) -> bool {
        let comm = &self.shared.comm;
        if comm.is(expr) {
            return true;
        }
        if self.shared.has_self && is_self(expr) {
            return true;
        }
        let mut mentions = Mentions {
            interp: self,
            found: false,
            probes,
        };
        mentions.visit_expr(expr);
        mentions.found
    }

    /// Whether the variable `name` holds a token.
    fn holds_token(&self, name: &str) -> bool {
        self.lookup(name).is_some_and(Value::holds_token)
    }
}

/// Finds the communicator or a token inside an argument (not `comm.rank()`, `comm.size()`).
struct Mentions<'a, 'b> {
    interp: &'a Interp<'b>,
    found: bool,
    probes: &'a mut Vec<(String, bool)>,
}

impl<'ast> Visit<'ast> for Mentions<'_, '_> {
    fn visit_expr(&mut self, expr: &'ast Expr) {
        let comm = &self.interp.shared.comm;
        match expr {
            _ if comm.is(expr) => self.found = true,
            Expr::MethodCall(call) if comm.is(&call.receiver) && is_query(&call.method) => {
                call.args.iter().for_each(|arg| self.visit_expr(arg));
            }
            Expr::Field(field) if is_self(&field.base) => {}
            // An op's result is data; its own arguments are followed where it is called.
            Expr::Call(call) if ops::called_op(&call.func).is_some() => {}
            Expr::Path(path) => {
                if let Some(ident) = path.path.get_ident() {
                    let name = ident.to_string();
                    let is_token = self.interp.holds_token(&name);
                    let is_self = name == "self" && self.interp.shared.has_self;
                    self.probes.push((name, is_token));
                    if is_token || is_self {
                        self.found = true;
                    }
                }
            }
            _ => visit::visit_expr(self, expr),
        }
    }

    fn visit_macro(&mut self, mac: &'ast Macro) {
        if tokens_mention(mac.tokens.clone(), &self.interp.shared.comm) {
            self.found = true;
        }
    }

    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// Whether the communicator's name (or `self`, for a field of it) is among `tokens`.
pub(super) fn tokens_mention(tokens: TokenStream, comm: &CommName) -> bool {
    let name = match comm {
        CommName::Var(name) => name.as_str(),
        CommName::SelfField(_) => "self",
    };
    tokens.into_iter().any(|tree| match tree {
        TokenTree::Ident(ident) => ident == name,
        TokenTree::Group(group) => tokens_mention(group.stream(), comm),
        _ => false,
    })
}

impl<'ast> Visit<'ast> for EffectFinder<'_, '_> {
    fn visit_expr_call(&mut self, call: &'ast ExprCall) {
        match ops::called_op(&call.func) {
            // `test`, `wait`, `wait_all`: their arguments are the requests (and the
            // communicator or token the op takes), handed to no function of the user's.
            Some((op, _)) if op.is_nonblocking() && !op.issues_request() => {
                self.effects.communicates = true;
            }
            Some(_) => {
                self.effects.communicates = true;
                self.effects.issues = true;
            }
            None if call
                .args
                .iter()
                .any(|arg| self.interp.hands_over_probed(arg, &mut self.probes)) =>
            {
                self.effects.communicates = true;
                self.effects.issues = true;
            }
            None => {}
        }
        visit::visit_expr_call(self, call);
    }

    fn visit_expr_method_call(&mut self, call: &'ast ExprMethodCall) {
        // The function's communicator, or one that `split` made (held in a variable).
        let is_comm = self.interp.shared.comm.is(&call.receiver)
            || root_name(&call.receiver).is_some_and(|name| {
                // Asked as a probe, so a scan kept for reuse holds only while it is the same.
                self.probes
                    .push((name.clone(), self.interp.holds_token(&name)));
                matches!(self.interp.lookup(&name), Some(Value::Comm(_)))
            });
        let on_comm = is_comm && !is_query(&call.method);
        let on_self = self.interp.shared.has_self && is_self(&call.receiver);
        if on_comm
            || on_self
            || call
                .args
                .iter()
                .any(|arg| self.interp.hands_over_probed(arg, &mut self.probes))
        {
            self.effects.communicates = true;
            self.effects.issues = true;
        }
        // A method may change the variable it is called on (`left.push(request)`), unless
        // it is one known to read only.
        if !is_comm && !self.interp.read_only_method(&call.method.to_string()) {
            self.effects.assigned.extend(root_name(&call.receiver));
        }
        visit::visit_expr_method_call(self, call);
    }

    fn visit_macro(&mut self, mac: &'ast Macro) {
        if tokens_mention(mac.tokens.clone(), &self.interp.shared.comm) {
            self.effects.communicates = true;
            self.effects.issues = true;
        }
    }

    fn visit_expr_assign(&mut self, assign: &'ast syn::ExprAssign) {
        self.assigned(&assign.left);
        visit::visit_expr_assign(self, assign);
    }

    fn visit_expr_binary(&mut self, binary: &'ast syn::ExprBinary) {
        if compound_op(&binary.op).is_some() {
            self.assigned(&binary.left);
        }
        visit::visit_expr_binary(self, binary);
    }

    fn visit_expr_return(&mut self, ret: &'ast syn::ExprReturn) {
        self.effects.leaves = true;
        let by_err = matches!(ret.expr.as_deref(), Some(Expr::Call(call))
            if matches!(&*call.func, Expr::Path(path) if path.path.is_ident("Err")));
        self.other_leaves |= !by_err;
        visit::visit_expr_return(self, ret);
    }

    fn visit_expr_break(&mut self, expr: &'ast syn::ExprBreak) {
        if self.escapes(expr.label.as_ref()) {
            self.effects.leaves = true;
            self.other_leaves = true;
        }
        visit::visit_expr_break(self, expr);
    }

    fn visit_expr_continue(&mut self, expr: &'ast syn::ExprContinue) {
        if self.escapes(expr.label.as_ref()) {
            self.effects.leaves = true;
            self.other_leaves = true;
        }
    }

    fn visit_expr_for_loop(&mut self, expr: &'ast ExprForLoop) {
        self.visit_expr(&expr.expr);
        self.inside_loop(expr.label.as_ref(), |this| this.visit_block(&expr.body));
    }

    fn visit_expr_while(&mut self, expr: &'ast ExprWhile) {
        self.inside_loop(expr.label.as_ref(), |this| {
            this.visit_expr(&expr.cond);
            this.visit_block(&expr.body);
        });
    }

    fn visit_expr_loop(&mut self, expr: &'ast syn::ExprLoop) {
        self.inside_loop(expr.label.as_ref(), |this| this.visit_block(&expr.body));
    }

    fn visit_expr_closure(&mut self, closure: &'ast syn::ExprClosure) {
        // A `return` in a closure leaves the closure only.
        let leaves = (self.effects.leaves, self.other_leaves);
        let depth = std::mem::replace(&mut self.loop_depth, 1);
        visit::visit_expr_closure(self, closure);
        self.loop_depth = depth;
        (self.effects.leaves, self.other_leaves) = leaves;
    }

    fn visit_item(&mut self, _: &'ast syn::Item) {}
}
