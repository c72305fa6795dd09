//! The interpreter of a body for one rank of one world size: its context, statements and control
//! flow.
//!
//! The body is run as an interpreter would, over [`Value`]s: integers and booleans computed from
//! `comm.rank()`, `comm.size()`, literals, `const`s and the `let`s bound from them. Whatever
//! else the body computes (data, floats, calls of plain functions) is [`Value::Unknown`]. An
//! unknown value is harmless until the communication depends on it: a branch, loop, peer or
//! tag that is unknown where it decides a call, or a call that may communicate out of sight (a
//! function or method given the communicator or a token), stops the evaluation of this rank
//! with a [`GiveUp`] that says why. Branches on unknown conditions that do not communicate and
//! do not leave (`return`, `break`) are skipped, the variables they assign made unknown.

mod arguments;
mod builtins;
mod callee;
mod closures;
mod effects;
mod expr;
mod fields;
mod grid;
mod ops;
mod pat;

use std::collections::HashMap;
use std::rc::Rc;

use proc_macro2::Span;
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::{
    BinOp, Block, Expr, ExprBlock, ExprBreak, ExprForLoop, ExprIf, ExprLoop, ExprMatch, ExprReturn,
    ExprTry, ExprWhile, Local, Pat, Stmt,
};

use super::krate::CrateFile;
use super::trace::{CommName, End, Event, GiveUp, Trace, Trip};
use super::value::{Sym, Value, sym_part};
use super::words;
use crate::analyse::syntax::binding_names;
use effects::Effects;
use pat::{Matches, unknowns};

pub(crate) use arguments::callers_arguments;
pub(crate) use builtins::MacroScope;
pub(crate) use callee::{Callees, Sources, imported_from_crate};
pub(crate) use ops::OTHER_COMMUNICATOR;

/// The most iterations of a loop that does not communicate before its effects are made
/// unknown instead of followed.
const QUIET_LOOP_LIMIT: u32 = 1024;

/// A loop left on a uniform value whose range has at most this many items left is followed
/// to its end rather than cut short by the repeat of its trips' state.
const FEW_TRIPS: i128 = 4;

/// The most items a value is made into at once (a `for` over an array, `(a..b).rev()`,
/// `.step_by(..)`): unlike a range walked lazily, the items are all held, so their number is
/// bounded; 65,536 is far more than a loop over the ranks or the peers of a rank needs.
pub(crate) const ITEM_LIMIT: usize = 1 << 16;

/// A rank that records more communication calls than this stops as out of steps: every call
/// is kept for the simulation and a call costs few steps, so the steps alone do not bound the
/// memory of a trace; 100,000 calls are far more than any pattern an error can tell.
const EVENT_LIMIT: usize = 100_000;

/// How deep constants defined by other constants are followed before one is taken as unknown:
/// a constant defined through itself (`const A: usize = A + 1;`) would otherwise recurse until
/// the steps run out, far deeper than the stack allows, and real chains of constants are a few
/// deep.
const CONST_DEPTH_LIMIT: u32 = 16;

/// The `const`s a body can name, by name (`None`: defined more than once).
pub(crate) type ConstMap = HashMap<String, Option<Expr>>;

/// What is the same for every rank: the function's communicator and constants, and the
/// functions of its file that calls may reach.
#[derive(Debug, Clone)]
pub(crate) struct Shared<'a> {
    pub(crate) comm: CommName,
    /// `const`s of the body and of the file, by name (`None`: defined more than once).
    pub(crate) consts: Rc<ConstMap>,
    /// Parameters of type `Token`.
    pub(crate) token_params: Vec<String>,
    /// The other parameters' names (unknown values, hiding constants of the same name).
    pub(crate) params: Vec<String>,
    /// The parameters whose type is an array of a length written in it (`fields: [&mut
    /// Array2<f64>; 2]`, or a reference to one), with that length: arrays of that many unknown
    /// items, so that a loop over one takes as many trips on every rank.
    pub(crate) array_params: Vec<(String, usize)>,
    /// The function is a method: `self` may hold the communicator (or a clone of it), so its
    /// methods, and functions given `self`, may communicate.
    pub(crate) has_self: bool,
    /// Variables whose value may change out of sight (`&mut x`, assigned in a closure).
    pub(crate) tainted: Rc<Vec<String>>,
    /// The functions of the file, which calls given the communicator are followed into.
    pub(crate) callees: Option<&'a Callees<'a>>,
    /// The type of the `impl` the function is in, for `Self` and `self`.
    pub(crate) self_ty: Option<String>,
    /// The function's file, when it is not the checked function's own.
    pub(crate) file: Option<&'a CrateFile>,
    /// Only values are asked for (a call not given the communicator, a constructor): a branch
    /// not decided that leaves by `return Err(..)` is skipped, the result then being
    /// `Ok(..)` only on the path followed.
    pub(crate) pure: bool,
    /// The directions of the conditions on uniform values in this run of the ranks; `None`:
    /// such conditions are not decided (they are unknown).
    pub(crate) oracle: Option<&'a std::cell::RefCell<super::choice::Oracle>>,
    /// The communicators that `split` made in the last round of the ranks' evaluation (see
    /// [`split`](super::split)); `None`: the body makes none.
    pub(crate) splits: Option<&'a std::cell::RefCell<super::split::Splits>>,
}

/// Control leaving an expression other than by its value.
enum Ctl {
    Return,
    Break(Option<String>),
    Continue(Option<String>),
    Stop(End),
    /// Gave up on a condition not computed from the rank and size whose code only completes
    /// requests or leaves: a loop around it that only completes requests and is not left
    /// otherwise takes it as completions whose timing is not known ([`Interp::looping`]);
    /// anywhere else it is a give-up.
    Unsure(GiveUp),
}

type R<T> = Result<T, Ctl>;

/// Names bound by a pattern, with their values, not yet in scope.
type Binds = Vec<(String, Value)>;

/// A give-up that a loop around which only completes requests may take back (see
/// [`Ctl::Unsure`]).
fn unsure<T>(span: Span, why: impl Into<String>) -> R<T> {
    Err(Ctl::Unsure(GiveUp {
        span,
        why: why.into(),
    }))
}

fn give_up<T>(span: Span, why: impl Into<String>) -> R<T> {
    Err(Ctl::Stop(End::GaveUp(GiveUp {
        span,
        why: why.into(),
    })))
}

/// Ends the evaluation of this rank: it panics at `span`.
fn panic_at<T>(span: Span) -> R<T> {
    Err(Ctl::Stop(End::Panic(span)))
}

thread_local! {
    /// Whether the evaluation under way read its rank (see [`run_reads_rank`]).
    static RANK_READ: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Notes that the evaluation under way reads its rank: a rank's number in a communicator
/// (`rank()`, `shift(..)`, a process grid, a split communicator's numbering), or a field of a
/// struct of the crate (whose constructor may have read it). Every reading of `Interp::rank`
/// but the one handing it to a nested evaluation (which notes its own) goes through here.
pub(super) fn rank_is_read() {
    RANK_READ.set(true);
}

/// [`run`], and whether it read the rank: a run that did not would have taken the same path,
/// made the same calls and ended alike on every other rank of the size (its directions on
/// uniform values are shared by the ranks of a run), so its trace stands for theirs.
#[allow(clippy::too_many_arguments)]
pub(crate) fn run_reads_rank(
    shared: &Shared<'_>,
    param_types: &[(String, String)],
    given: &[(String, Value)],
    body: &Block,
    size: i128,
    rank: i128,
    budget: &mut u64,
) -> (Trace, bool) {
    let before = RANK_READ.replace(false);
    let trace = run(shared, param_types, given, body, size, rank, budget);
    let read = RANK_READ.replace(before);
    (trace, read)
}

/// Evaluates `body` for `rank` of `size`, spending at most `budget` steps (decreased).
/// `param_types`: parameters whose type is written as a struct of the crate, by name;
/// `given`: parameters whose values are known (the arguments of the crate's calls).
pub(crate) fn run(
    shared: &Shared<'_>,
    param_types: &[(String, String)],
    given: &[(String, Value)],
    body: &Block,
    size: i128,
    rank: i128,
    budget: &mut u64,
) -> Trace {
    let mut interp = Interp::new(shared, size, rank, budget);
    interp.bind_params();
    for (name, ty) in param_types {
        interp.bind(name, Value::Obj { ty: ty.clone() });
    }
    // The values taken at a caller's call on this rank (which may come from its rank): one
    // run of each caller up to its call.
    let mut at_calls: Vec<((&str, usize), Vec<usize>)> = Vec::new();
    for (_, value) in given {
        if let Value::AtCall { site, .. } = value {
            let function = (site.fn_name.as_str(), site.block);
            match at_calls.iter_mut().find(|(key, _)| *key == function) {
                Some((_, targets)) => targets.push(site.target),
                None => at_calls.push((function, vec![site.target])),
            }
        }
    }
    let mut taken: Vec<(usize, Option<Value>)> = Vec::new();
    if let Some(callees) = shared.callees {
        for (function, targets) in &at_calls {
            rank_is_read();
            let run = (size, rank, &mut *interp.budget);
            let values = fields::values_at(callees, *function, targets, run);
            taken.extend(targets.iter().copied().zip(values));
        }
    }
    let mut excluded = None;
    for (name, value) in given {
        let value = match value {
            Value::AtCall { site, text } => {
                match taken.iter().find(|(target, _)| *target == site.target) {
                    Some((_, Some(value))) => value.clone(),
                    Some((_, None)) => {
                        excluded.get_or_insert_with(|| GiveUp {
                            span: Span::call_site(),
                            why: format!(
                                "the call of it in `{text}` that gives `{name}` is not made \
                                 with this many ranks"
                            ),
                        });
                        Value::Unknown
                    }
                    None => Value::Unknown,
                }
            }
            _ => value.clone(),
        };
        interp.bind(name, value);
    }
    if let Some(why) = excluded {
        return Trace {
            events: Vec::new(),
            end: End::Excluded(why),
            trips: Vec::new(),
            returns: Vec::new(),
        };
    }
    let end = match interp.block(body) {
        Ok(_) | Err(Ctl::Return) => End::Done,
        Err(Ctl::Break(_) | Ctl::Continue(_)) => End::Done,
        Err(Ctl::Stop(end)) => end,
        Err(Ctl::Unsure(why)) => End::GaveUp(why),
    };
    Trace {
        events: interp.events,
        end,
        trips: interp.trips,
        returns: interp.returns,
    }
}

struct Interp<'a> {
    shared: &'a Shared<'a>,
    size: i128,
    rank: i128,
    scopes: Vec<Vec<(String, Value)>>,
    events: Vec<Event>,
    /// The ids of the loops entered, innermost last.
    loops: Vec<usize>,
    trips: Vec<Trip>,
    returns: Vec<Span>,
    /// The value of the last `return` taken.
    returned: Option<Value>,
    budget: &'a mut u64,
    const_depth: u32,
    /// How many calls of the file's functions this evaluation is inside.
    call_depth: u32,
    /// A branch leaving by `return Err(..)` was skipped ([`Shared::pure`]).
    may_fail: bool,
    /// A call evaluated for its value reached ops on a communicator it was not given: the
    /// evaluation cannot go on, whatever the mode of the calls around it.
    communicates_elsewhere: bool,
    /// Some code was skipped or its effects made unknown: a run that did not reach a place
    /// may still reach it on another path.
    skipped: bool,
    /// The expressions whose values are asked for (by identity), and their values once
    /// reached: the evaluation stops when every one is.
    capture: Option<Vec<(usize, Option<Value>)>>,
    /// The number of the next request issued on this rank (shared with the calls followed).
    next_request: usize,
    /// The number of the next collective called on this rank (shared with the calls
    /// followed): the results of the k-th collective are the same on every rank.
    next_collective: usize,
    /// How many times this rank split each communicator so far, by the communicator's id
    /// (shared with the calls followed).
    splits_made: Vec<(usize, usize)>,
    /// How many conditions on uniform values this rank decided (with the calls followed).
    chosen: usize,
    /// Whether the condition being evaluated decides a uniform value (see
    /// [`Interp::branches_matter`]).
    decide_uniform: bool,
    /// Per `if`, whether a branch communicates or leaves.
    branches_matter: HashMap<usize, bool>,
}

impl<'a> Interp<'a> {
    fn new(shared: &'a Shared<'a>, size: i128, rank: i128, budget: &'a mut u64) -> Self {
        Interp {
            shared,
            size,
            rank,
            scopes: vec![Vec::new()],
            events: Vec::new(),
            loops: Vec::new(),
            trips: Vec::new(),
            returns: Vec::new(),
            returned: None,
            budget,
            const_depth: 0,
            call_depth: 0,
            may_fail: false,
            communicates_elsewhere: false,
            skipped: false,
            capture: None,
            next_request: 0,
            next_collective: 0,
            splits_made: Vec::new(),
            chosen: 0,
            decide_uniform: false,
            branches_matter: HashMap::new(),
        }
    }

    /// Binds the parameters: unknown values, tokens, and `self` as some value of its type.
    fn bind_params(&mut self) {
        let shared = self.shared;
        for name in &shared.params {
            self.bind(name, Value::Unknown);
        }
        for (name, len) in &shared.array_params {
            self.bind(name, Value::Array(vec![Value::Unknown; *len]));
        }
        for name in &shared.token_params {
            self.bind(name, Value::Token);
        }
        if let Some(ty) = &shared.self_ty {
            self.bind("self", Value::Obj { ty: ty.clone() });
        }
    }
}

/// A loop being run.
struct Loop<'a> {
    id: usize,
    span: Span,
    label: Option<String>,
    body: &'a Block,
    /// The whole loop, for what it may do.
    whole: &'a Expr,
}

/// What starts the next iteration of a loop.
enum Next<'a> {
    Loop,
    While(&'a Expr),
    For(&'a Pat, std::vec::IntoIter<Value>),
    /// The next item and the end of a range.
    Range(&'a Pat, i128, i128),
    /// A range with a uniform end, or whose position is no longer followed (the trips from
    /// the third of a loop left on a uniform value).
    Uniform(UniformRange<'a>),
}

/// A range whose position or end is not followed but the same on every rank: whether the
/// loop goes on at each trip is a direction taken on every rank alike.
struct UniformRange<'a> {
    pat: &'a Pat,
    /// The loop's `for`.
    span: Span,
    /// The loop, its entry and its bounds, in words: ranks whose ranges differ get different
    /// symbols.
    family: String,
    bases: Vec<(usize, usize)>,
    /// The trip about to start, and the item it binds if known.
    trip: u32,
    item: Option<i128>,
}

/// The state of a rank at the start of a loop's trip: what decides what the trip does.
struct Snapshot {
    vars: Vec<(String, Value)>,
    /// The position of the range or items looped over (`None`: not followed, or neither).
    position: Option<i128>,
}

impl Snapshot {
    /// Whether this state is one of those `before` stands for: the same variables, each with
    /// the same value, or any value where `before` has an unknown one, or any uniform value
    /// where `before` has one (the conditions on them take both directions).
    fn within(&self, before: &Snapshot) -> bool {
        self.position == before.position
            && self.vars.len() == before.vars.len()
            && self
                .vars
                .iter()
                .zip(&before.vars)
                .all(|((name, now), (was_name, was))| name == was_name && covers(was, now))
    }
}

/// Whether `was` stands for `now` in a trip's state.
fn covers(was: &Value, now: &Value) -> bool {
    match (was, now) {
        (Value::Unknown, _) => true,
        (Value::Uniform(_), Value::Uniform(_)) => true,
        _ => was == now,
    }
}

impl Interp<'_> {
    /// The state at the start of a trip, `next` starting it.
    fn snapshot(&self, next: &Next<'_>) -> Snapshot {
        Snapshot {
            vars: self.scopes.iter().flatten().cloned().collect(),
            position: match next {
                Next::Range(_, start, _) => Some(*start),
                Next::Uniform(range) => range.item,
                Next::For(_, items) => Some(items.len() as i128),
                Next::Loop | Next::While(_) => None,
            },
        }
    }

    /// Makes unknown what changed from one trip's start to the next (`before`, `now`): the
    /// variables whose values differ (but uniform ones), and a range's position, whose
    /// going on becomes a direction on a uniform value.
    fn widen(
        &mut self,
        before: &Snapshot,
        now: &Snapshot,
        next: &mut Next<'_>,
        (loop_id, span): (usize, Span),
        entered: usize,
    ) -> R<()> {
        let same_names = before.vars.len() == now.vars.len()
            && before
                .vars
                .iter()
                .zip(&now.vars)
                .all(|((a, _), (b, _))| a == b);
        if !same_names {
            return give_up(
                span,
                "the variables of a loop left on a value that is the same on every rank differ \
                 from trip to trip",
            );
        }
        let mut changed = Vec::new();
        for ((name, was), (_, value)) in before.vars.iter().zip(&now.vars) {
            let both_uniform = matches!((was, value), (Value::Uniform(_), Value::Uniform(_)));
            if was != value && !both_uniform {
                changed.push(name.clone());
            }
        }
        changed.sort();
        changed.dedup();
        for name in &changed {
            self.assign(name, Value::Unknown);
        }
        if before.position != now.position {
            match next {
                Next::Uniform(range) => range.item = None,
                Next::For(..) => {
                    return give_up(
                        span,
                        "a loop over the items of an array, left on a value that is the same on \
                         every rank, is not followed past its second trip",
                    );
                }
                Next::Range(..) | Next::Loop | Next::While(_) => {}
            }
        }
        if let Next::Range(pat, start, end) = next
            && before.position != now.position
        {
            // The ranks leave together where their ranges are the same: the range's first
            // position and end are in the symbol (a rank whose range differs gets another).
            let first = before.position.unwrap_or(*start);
            *next = Next::Uniform(UniformRange {
                pat,
                span,
                family: format!(
                    "loop {loop_id} entered after {entered} collectives, at {first} of ..{end}"
                ),
                bases: vec![(loop_id, usize::MAX)],
                trip: 0,
                item: None,
            });
        }
        Ok(())
    }
}

/// Syntax that holds expressions, to find one by identity.
trait HoldsExprs {
    /// Whether the expression whose identity is `target` is inside.
    fn holds_expr(&self, target: usize) -> bool;
}

/// Finds an expression by identity.
struct FindExpr {
    target: usize,
    found: bool,
}

impl<'ast> syn::visit::Visit<'ast> for FindExpr {
    fn visit_expr(&mut self, expr: &'ast Expr) {
        if self.found || id_of(expr) == self.target {
            self.found = true;
            return;
        }
        syn::visit::visit_expr(self, expr);
    }
}

impl HoldsExprs for Block {
    fn holds_expr(&self, target: usize) -> bool {
        let mut finder = FindExpr {
            target,
            found: false,
        };
        syn::visit::Visit::visit_block(&mut finder, self);
        finder.found
    }
}

impl HoldsExprs for Expr {
    fn holds_expr(&self, target: usize) -> bool {
        let mut finder = FindExpr {
            target,
            found: false,
        };
        syn::visit::Visit::visit_expr(&mut finder, self);
        finder.found
    }
}

/// A syntax node's identity: the same for every rank and every iteration that runs it.
fn id_of<T>(node: &T) -> usize {
    std::ptr::from_ref(node) as usize
}

/// The name of a loop's or block's label (`'outer: loop`).
fn label_name(label: Option<&syn::Label>) -> Option<String> {
    label.map(|label| label.name.ident.to_string())
}

/// The label a `break` or `continue` names.
fn target_name(label: Option<&syn::Lifetime>) -> Option<String> {
    label.map(|label| label.ident.to_string())
}

impl Interp<'_> {
    /// Whether code that leaves, skipped where only values are asked for, leaves only by
    /// `return Err(..)`: the value of the path followed is then the `Ok` one.
    fn fails_only(&self, effects: &Effects) -> bool {
        self.shared.pure && effects.leaves_by_err_only
    }
}

fn unknown_condition(effects: &Effects) -> String {
    if effects.communicates {
        "this condition is not computed from the rank and size, and a branch communicates".into()
    } else {
        "this condition is not computed from the rank and size, and a branch leaves (`return`, \
         `break` or `continue`)"
            .into()
    }
}

impl Interp<'_> {
    fn tick(&mut self) -> R<()> {
        if *self.budget == 0 {
            return Err(Ctl::Stop(End::Budget));
        }
        *self.budget -= 1;
        Ok(())
    }

    fn bind(&mut self, name: &str, value: Value) {
        // Some value of a type stays one, whatever is done to it: its fields are known only
        // where nothing writes them.
        let is_obj = matches!(value, Value::Obj { .. });
        let value = if !is_obj && self.shared.tainted.iter().any(|t| t == name) {
            Value::Unknown
        } else {
            value
        };
        if let Some(scope) = self.scopes.last_mut() {
            scope.push((name.to_owned(), value));
        }
    }

    fn bind_all(&mut self, binds: Binds) {
        for (name, value) in binds {
            self.bind(&name, value);
        }
    }

    fn lookup(&self, name: &str) -> Option<&Value> {
        self.scopes
            .iter()
            .rev()
            .flat_map(|scope| scope.iter().rev())
            .find(|(bound, _)| bound == name)
            .map(|(_, value)| value)
    }

    fn assign(&mut self, name: &str, value: Value) {
        let tainted = self.shared.tainted.iter().any(|t| t == name);
        if let Some(slot) = self
            .scopes
            .iter_mut()
            .rev()
            .flat_map(|scope| scope.iter_mut().rev())
            .find(|(bound, _)| bound == name)
        {
            slot.1 = if tainted { Value::Unknown } else { value };
        }
    }

    /// Makes the variables `names` unknown (but some value of a type, which stays one: see
    /// [`Interp::bind`]).
    fn forget(&mut self, names: &[String]) {
        self.skipped = true;
        for name in names {
            if !matches!(self.lookup(name), Some(Value::Obj { .. })) {
                self.assign(name, Value::Unknown);
            }
        }
    }

    fn scoped<T>(&mut self, f: impl FnOnce(&mut Self) -> R<T>) -> R<T> {
        self.scopes.push(Vec::new());
        let result = f(self);
        self.scopes.pop();
        result
    }

    /// Runs `f` in a new scope that holds `binds`.
    pub(super) fn scoped_with<T>(
        &mut self,
        binds: Binds,
        f: impl FnOnce(&mut Self) -> R<T>,
    ) -> R<T> {
        self.scoped(|this| {
            this.bind_all(binds);
            f(this)
        })
    }

    fn block(&mut self, block: &Block) -> R<Value> {
        self.scoped(|this| this.stmts(&block.stmts))
    }

    fn stmts(&mut self, stmts: &[Stmt]) -> R<Value> {
        let mut value = Value::Unknown;
        for stmt in stmts {
            value = Value::Unknown;
            match stmt {
                Stmt::Local(local) => self.local(local)?,
                Stmt::Item(_) => {}
                Stmt::Expr(expr, semi) => {
                    let result = self.expr(expr)?;
                    if semi.is_none() {
                        value = result;
                    }
                }
                Stmt::Macro(mac) => {
                    self.mac(&mac.mac)?;
                }
            }
        }
        Ok(value)
    }

    fn local(&mut self, local: &Local) -> R<()> {
        let Some(init) = &local.init else {
            for name in binding_names(&local.pat) {
                self.bind(&name, Value::Unknown);
            }
            return Ok(());
        };
        let value = self.expr(&init.expr)?;
        let mut binds = Vec::new();
        let matched = self.pattern(&local.pat, &value, &mut binds)?;
        match (matched, &init.diverge) {
            (Matches::Yes, _) | (_, None) => {}
            (Matches::No, Some((_, otherwise))) => {
                self.expr(otherwise)?;
                // The `else` of a `let`-`else` diverges; if it did not, stop here.
                return give_up(otherwise.span(), "the `else` of a `let` did not leave");
            }
            (Matches::Unknown, Some((_, otherwise))) => {
                self.unknown_branches(local.pat.span(), id_of(local), &[otherwise], &[])?;
                binds = unknowns(&local.pat);
            }
        }
        if matched != Matches::Yes && init.diverge.is_none() {
            binds = unknowns(&local.pat);
        }
        self.bind_all(binds);
        Ok(())
    }

    /// A block; one with a label is left by a `break` to that label.
    fn expr_block(&mut self, block: &ExprBlock) -> R<Value> {
        if block.label.is_some() {
            let label = label_name(block.label.as_ref());
            match self.block(&block.block) {
                Err(Ctl::Break(Some(name))) if Some(&name) == label.as_ref() => Ok(Value::Unknown),
                other => other,
            }
        } else {
            self.block(&block.block)
        }
    }

    fn expr_break(&mut self, expr_break: &ExprBreak) -> R<Value> {
        if let Some(value) = &expr_break.expr {
            self.expr(value)?;
        }
        Err(Ctl::Break(target_name(expr_break.label.as_ref())))
    }

    fn expr_return(&mut self, expr_return: &ExprReturn) -> R<Value> {
        self.returned = match &expr_return.expr {
            Some(value) => Some(self.expr(value)?),
            None => Some(Value::Tuple(Vec::new())),
        };
        self.returns.push(expr_return.return_token.span);
        Err(Ctl::Return)
    }

    /// `x?`: `None` returns; an error is the exceptional path, and the evaluation follows the
    /// usual one.
    fn expr_try(&mut self, expr_try: &ExprTry) -> R<Value> {
        let value = self.expr(&expr_try.expr)?;
        match value {
            Value::Opt(Some(inner)) | Value::MaybeOk(inner) => Ok(*inner),
            Value::Variant {
                ref ty,
                ref name,
                ref fields,
            } if ty == "Result" && fields.len() == 1 => {
                if name == "Ok" {
                    return Ok(fields[0].clone());
                }
                self.returned = Some(value.clone());
                self.returns.push(expr_try.question_token.span);
                Err(Ctl::Return)
            }
            Value::Opt(None) => {
                self.returns.push(expr_try.question_token.span);
                Err(Ctl::Return)
            }
            _ => Ok(Value::Unknown),
        }
    }

    fn condition(&mut self, cond: &Expr, binds: &mut Binds) -> R<Matches> {
        match cond {
            Expr::Let(expr_let) => {
                let value = self.expr(&expr_let.expr)?;
                self.pattern(&expr_let.pat, &value, binds)
            }
            Expr::Binary(binary) if matches!(binary.op, BinOp::And(_)) => {
                let left = self.condition(&binary.left, binds)?;
                match left {
                    Matches::No => Ok(Matches::No),
                    Matches::Yes => {
                        // The right side sees the left's bindings.
                        self.scopes.push(binds.clone());
                        let right = self.condition(&binary.right, binds);
                        self.scopes.pop();
                        right
                    }
                    Matches::Unknown => {
                        let effects = Effects::of_expr(&binary.right, self);
                        if effects.communicates || effects.leaves {
                            return give_up(
                                binary.left.span(),
                                "this condition is not computed from the rank and size",
                            );
                        }
                        Ok(Matches::Unknown)
                    }
                }
            }
            Expr::Paren(inner) if matches!(*inner.expr, Expr::Let(_)) => {
                self.condition(&inner.expr, binds)
            }
            other => {
                let value = self.expr(other)?;
                Ok(Matches::of_bool(value.bool().or_else(|| {
                    self.uniform_choice(&value, || {
                        format!(
                            "`{}`{}",
                            other.to_token_stream(),
                            words::at_line(other.span())
                        )
                    })
                })))
            }
        }
    }

    /// The direction of a condition on a uniform value, the same on every rank: `None` for
    /// any other value, or where directions are not chosen.
    /// `written`: the condition as written, for the errors.
    fn uniform_choice(&mut self, value: &Value, written: impl FnOnce() -> String) -> Option<bool> {
        let Value::Uniform(sym) = value else {
            return None;
        };
        if !self.decide_uniform {
            return None;
        }
        let oracle = self.shared.oracle?;
        self.chosen += 1;
        Some(oracle.borrow_mut().choose(sym, written))
    }

    fn expr_if(&mut self, expr_if: &ExprIf) -> R<Value> {
        let mut binds = Vec::new();
        // A condition on a uniform value is decided (every rank taking the same direction) only
        // where a branch communicates or leaves: elsewhere both are skipped at once.
        let decide = self.branches_matter(expr_if);
        let outer = std::mem::replace(&mut self.decide_uniform, decide);
        let cond = self.condition(&expr_if.cond, &mut binds);
        self.decide_uniform = outer;
        let cond = cond?;
        let otherwise = expr_if.else_branch.as_ref().map(|(_, e)| &**e);
        match cond {
            Matches::Yes => self.scoped_with(binds, |this| this.block(&expr_if.then_branch)),
            Matches::No => match otherwise {
                Some(otherwise) => self.expr(otherwise),
                None => Ok(Value::Unknown),
            },
            // The value of an expression inside one branch is asked for: it is reached on
            // that branch only.
            Matches::Unknown if self.captures_in(&expr_if.then_branch) => {
                self.scoped_with(binds, |this| this.block(&expr_if.then_branch))
            }
            Matches::Unknown if otherwise.is_some_and(|otherwise| self.captures_in(otherwise)) => {
                self.expr(otherwise.expect("the branch"))
            }
            Matches::Unknown => {
                let exprs: Vec<&Expr> = otherwise.into_iter().collect();
                self.unknown_branches(
                    expr_if.cond.span(),
                    id_of(expr_if),
                    &exprs,
                    &[&expr_if.then_branch],
                )?;
                Ok(Value::Unknown)
            }
        }
    }

    /// Whether only the value of an expression not reached yet is asked for (a field's or an
    /// argument's, in a function run for it): what the code communicates does not matter.
    fn seeks_value(&self) -> bool {
        self.shared.pure
            && self
                .capture
                .as_ref()
                .is_some_and(|targets| targets.iter().any(|(_, value)| value.is_none()))
    }

    /// Whether an expression whose value is asked for, not reached yet, is inside `node`.
    fn captures_in<T: HoldsExprs>(&self, node: &T) -> bool {
        self.capture.as_ref().is_some_and(|targets| {
            targets
                .iter()
                .any(|(target, value)| value.is_none() && node.holds_expr(*target))
        })
    }

    /// Whether a branch of an `if` communicates or leaves, once per `if` (a guess from the
    /// first time it is asked: deciding a condition where it was not needed costs runs, and
    /// not deciding one costs what the old evaluation did, both sound).
    fn branches_matter(&mut self, expr_if: &ExprIf) -> bool {
        if self.shared.oracle.is_none() {
            return false;
        }
        let id = id_of(expr_if);
        if let Some(&known) = self.branches_matter.get(&id) {
            return known;
        }
        let mut effects = vec![Effects::of_block(&expr_if.then_branch, self)];
        if let Some((_, otherwise)) = &expr_if.else_branch {
            effects.push(Effects::of_expr(otherwise, self));
        }
        let matters = effects
            .iter()
            .any(|effects| effects.communicates || effects.leaves);
        self.branches_matter.insert(id, matters);
        matters
    }

    /// Branches one of which runs, the condition not known: fine when none communicates or
    /// leaves; the variables they assign become unknown. Branches that only complete
    /// requests (`test`, `wait`) are fine too, as completions whose timing is not known.
    fn unknown_branches(
        &mut self,
        cond: Span,
        site: usize,
        exprs: &[&Expr],
        blocks: &[&Block],
    ) -> R<()> {
        let mut all = Effects::default();
        for expr in exprs {
            all.add(Effects::of_expr(expr, self));
        }
        for block in blocks {
            all.add(Effects::of_block(block, self));
        }
        if all.issues {
            return give_up(cond, unknown_condition(&all));
        }
        if all.leaves && !self.fails_only(&all) {
            return unsure(cond, unknown_condition(&all));
        }
        self.may_fail |= all.leaves;
        self.forget(&all.assigned);
        if all.communicates {
            self.completes_out_of_sight(cond, site)?;
        }
        Ok(())
    }

    /// A completion of requests whose timing is not known (`test` in a branch or loop on data):
    /// which requests it completes, and when, is not followed, so the messages are not played.
    fn completes_out_of_sight(&mut self, span: Span, site: usize) -> R<()> {
        let op = crate::ops::by_name("test").expect("`test` is an op");
        self.completion(op, span, site, None)
    }

    /// Records the completion of `requests` (`None`: which is not known) by `op` at `site`.
    fn completion(
        &mut self,
        op: crate::ops::Op,
        span: Span,
        site: usize,
        requests: Option<Vec<usize>>,
    ) -> R<()> {
        self.events.push(Event {
            op,
            span,
            site,
            kind: super::trace::Kind::Complete { requests },
            in_loop: self.loops.last().copied(),
            nonblocking: false,
            request: None,
            count: None,
            room: None,
            comm: None,
            split: None,
        });
        if self.events.len() > EVENT_LIMIT {
            return Err(Ctl::Stop(End::Budget));
        }
        Ok(())
    }

    fn expr_match(&mut self, expr_match: &ExprMatch) -> R<Value> {
        let value = self.expr(&expr_match.expr)?;
        for (index, arm) in expr_match.arms.iter().enumerate() {
            let mut binds = Vec::new();
            let mut matched = self.pattern(&arm.pat, &value, &mut binds)?;
            if matched == Matches::Yes
                && let Some((_, guard)) = &arm.guard
            {
                self.scopes.push(binds.clone());
                let guard = self.expr(guard);
                self.scopes.pop();
                matched = Matches::of_bool(guard?.bool());
            }
            match matched {
                Matches::Yes => return self.scoped_with(binds, |this| this.expr(&arm.body)),
                Matches::No => {}
                Matches::Unknown => {
                    let rest: Vec<&Expr> = expr_match.arms[index..]
                        .iter()
                        .flat_map(|arm| {
                            arm.guard
                                .iter()
                                .map(|(_, guard)| &**guard)
                                .chain([&*arm.body])
                        })
                        .collect();
                    self.unknown_branches(expr_match.expr.span(), id_of(expr_match), &rest, &[])?;
                    return Ok(Value::Unknown);
                }
            }
        }
        Ok(Value::Unknown)
    }

    fn for_loop(&mut self, for_loop: &ExprForLoop, whole: &Expr) -> R<Value> {
        if let Some(next) = self.uniform_range(for_loop)? {
            return self.looping(
                Loop {
                    id: id_of(for_loop),
                    span: for_loop.for_token.span,
                    label: label_name(for_loop.label.as_ref()),
                    body: &for_loop.body,
                    whole,
                },
                next,
            );
        }
        let iterable = self.expr(&for_loop.expr)?;
        let next = match iterable {
            // A range is walked lazily: the loop's budget bounds it, not its length.
            Value::Range(start, end) => Some(Next::Range(&for_loop.pat, start, end)),
            other => other
                .items(ITEM_LIMIT)
                .map(|items| Next::For(&for_loop.pat, items.into_iter())),
        };
        let Some(next) = next else {
            let effects = Effects::of_block(&for_loop.body, self);
            if effects.communicates || effects.leaves {
                return give_up(
                    for_loop.expr.span(),
                    "what this `for` loop iterates over is not computed from the rank and size",
                );
            }
            self.forget(&effects.assigned);
            return Ok(Value::Unknown);
        };
        self.looping(
            Loop {
                id: id_of(for_loop),
                span: for_loop.for_token.span,
                label: label_name(for_loop.label.as_ref()),
                body: &for_loop.body,
                whole,
            },
            next,
        )
    }

    /// A `for` over `a..b` or `a..=b` where an end is uniform and the other too or an
    /// integer: each trip goes on by a direction taken on every rank alike. `None` for any
    /// other `for` (evaluated as it is).
    fn uniform_range<'f>(&mut self, for_loop: &'f ExprForLoop) -> R<Option<Next<'f>>> {
        let Expr::Range(range) = &*for_loop.expr else {
            return Ok(None);
        };
        let (Some(start), Some(end)) = (&range.start, &range.end) else {
            return Ok(None);
        };
        if self.shared.oracle.is_none() {
            return Ok(None);
        }
        // Evaluated here and once again by the caller when this is not such a range: only
        // when neither end may have effects.
        let pure = |expr: &Expr| matches!(expr, Expr::Lit(_) | Expr::Path(_) | Expr::Field(_));
        if !pure(start) || !pure(end) {
            return Ok(None);
        }
        let first = self.expr(start)?;
        let last = self.expr(end)?;
        let uniform = |value: &Value| matches!(value, Value::Uniform(_));
        if !uniform(&first) && !uniform(&last) {
            return Ok(None);
        }
        // A loop that neither communicates nor leaves is skipped at once, as before.
        let effects = Effects::of_block(&for_loop.body, self);
        if !effects.communicates && !effects.leaves {
            return Ok(None);
        }
        let (Some((from, mut bases)), Some((to, more))) = (sym_part(&first), sym_part(&last))
        else {
            return Ok(None);
        };
        bases.extend(more);
        let id = id_of(for_loop);
        bases.push((id, usize::MAX));
        bases.sort_unstable();
        bases.dedup();
        let limits = match range.limits {
            syn::RangeLimits::HalfOpen(_) => "..",
            syn::RangeLimits::Closed(_) => "..=",
        };
        Ok(Some(Next::Uniform(UniformRange {
            pat: &for_loop.pat,
            span: for_loop.for_token.span,
            family: format!(
                "loop {id} entered after {} collectives, over {from}{limits}{to}",
                self.next_collective
            ),
            bases,
            trip: 0,
            item: first.int(),
        })))
    }

    fn expr_while(&mut self, expr_while: &ExprWhile, whole: &Expr) -> R<Value> {
        self.looping(
            Loop {
                id: id_of(expr_while),
                span: expr_while.while_token.span,
                label: label_name(expr_while.label.as_ref()),
                body: &expr_while.body,
                whole,
            },
            Next::While(&expr_while.cond),
        )
    }

    fn expr_loop(&mut self, expr_loop: &ExprLoop, whole: &Expr) -> R<Value> {
        self.looping(
            Loop {
                id: id_of(expr_loop),
                span: expr_loop.loop_token.span,
                label: label_name(expr_loop.label.as_ref()),
                body: &expr_loop.body,
                whole,
            },
            Next::Loop,
        )
    }

    /// Runs a loop to its end, counting its iterations.
    fn looping(&mut self, lp: Loop<'_>, next: Next<'_>) -> R<Value> {
        let effects = Effects::of_expr(lp.whole, self);
        self.loops.push(lp.id);
        let mut count: u32 = 0;
        let mut result = self.iterate(&lp, next, &effects, &mut count);
        self.loops.pop();
        if matches!(result, Err(Ctl::Unsure(_))) && !effects.issues && !effects.leaves {
            // A loop on data around completions (`while !done { .. test(..) .. }`, `loop {
            // match test(r) { Ok(x) => break x, .. } }`): it leaves after trips not known.
            self.forget(&effects.assigned);
            result = if effects.communicates {
                self.completes_out_of_sight(lp.span, lp.id)
            } else {
                Ok(())
            };
        }
        self.trips.push(Trip {
            id: lp.id,
            span: lp.span,
            count,
        });
        result.map(|()| Value::Unknown)
    }

    /// The iterations of a loop that may do `effects`, counted in `count`.
    fn iterate(
        &mut self,
        lp: &Loop<'_>,
        mut next: Next<'_>,
        effects: &Effects,
        count: &mut u32,
    ) -> R<()> {
        let quiet = !effects.communicates;
        let chosen_before = self.chosen;
        let entered = self.next_collective;
        // The state at the start of the trip before, once the loop took a direction on a
        // uniform value (the first trip's, kept in case it does so in the first trip);
        // whether it was widened.
        let mut previous: Option<Snapshot> =
            (!quiet && self.shared.oracle.is_some()).then(|| self.snapshot(&next));
        let mut compared = false;
        // A state that differed was passed over, without making anything unknown.
        let mut passed = false;
        let mut widened = false;
        // The trip that started last starts as the one before it did.
        let mut repeats = false;
        loop {
            self.tick()?;
            if quiet && *count >= QUIET_LOOP_LIMIT {
                // A long loop that does not communicate: what it assigns becomes unknown.
                if effects.leaves {
                    return give_up(lp.span, "a long loop that may `return` is not followed");
                }
                self.forget(&effects.assigned);
                return Ok(());
            }
            // A range or array with few items left ends soon: its trips are followed to the
            // end (making its position unknown would let it go on past its end).
            let ends_soon = match &next {
                Next::Range(_, start, end) => end.saturating_sub(*start) <= FEW_TRIPS,
                Next::For(_, items) => items.len() as i128 <= FEW_TRIPS,
                Next::Loop | Next::While(_) | Next::Uniform(_) => false,
            };
            if !quiet && self.chosen > chosen_before && !ends_soon {
                // The trips run as long as conditions on uniform values say: each run of the
                // ranks follows one number of trips. Once two trips start in the same state
                // (what differs made unknown once), every later trip does what the second
                // did: the runs that leave in the first of them (no repeat) and in the second
                // (one repeat) show what any number of repeats does, and the runs that go on
                // are not followed further.
                let now = self.snapshot(&next);
                if !compared && *count != 1 {
                    // The first direction was taken after the first trip: the first trip's
                    // state is not the one before.
                    previous = None;
                }
                compared = true;
                match previous.take() {
                    Some(before) if repeats => {
                        if !now.within(&before) {
                            return give_up(
                                lp.span,
                                "this loop is left on a value that is the same on every rank, \
                                 but the state of its trips keeps changing",
                            );
                        }
                        return Err(Ctl::Stop(End::Covered));
                    }
                    None => previous = Some(now),
                    Some(before) if now.within(&before) => {
                        repeats = true;
                        previous = Some(before);
                    }
                    Some(_) if !passed => {
                        // The first trips often differ (a flag set once, a counter): the
                        // next may still repeat this one as it is.
                        passed = true;
                        previous = Some(now);
                    }
                    Some(_) if widened => {
                        return give_up(
                            lp.span,
                            "this loop is left on a value that is the same on every rank, but \
                             the state of its trips keeps changing (a variable it updates that \
                             the check computes)",
                        );
                    }
                    Some(before) => {
                        self.widen(&before, &now, &mut next, (lp.id, lp.span), entered)?;
                        widened = true;
                        previous = Some(self.snapshot(&next));
                    }
                }
            }
            let mut binds = Vec::new();
            let outer = std::mem::replace(&mut self.decide_uniform, !quiet || effects.leaves);
            let going_on = self.next_iteration(&mut next, &mut binds);
            self.decide_uniform = outer;
            match going_on? {
                Matches::Yes => {}
                Matches::No => return Ok(()),
                Matches::Unknown => {
                    let why = "this loop's condition is not computed from the rank and size, \
                               and the loop communicates";
                    if effects.issues {
                        return give_up(lp.span, why);
                    }
                    if effects.leaves {
                        return unsure(lp.span, why);
                    }
                    self.forget(&effects.assigned);
                    if effects.communicates {
                        self.completes_out_of_sight(lp.span, lp.id)?;
                    }
                    return Ok(());
                }
            }
            let body = self.scoped_with(binds, |this| this.block(lp.body));
            *count = count.saturating_add(1);
            match body {
                Ok(_) => {}
                Err(Ctl::Break(None)) => return Ok(()),
                Err(Ctl::Break(Some(name))) if Some(&name) == lp.label.as_ref() => return Ok(()),
                Err(Ctl::Continue(None)) => {}
                Err(Ctl::Continue(Some(name))) if Some(&name) == lp.label.as_ref() => {}
                Err(other) => return Err(other),
            }
        }
    }

    /// Whether the loop runs again, the item of a `for` bound in `binds`.
    fn next_iteration(&mut self, next: &mut Next<'_>, binds: &mut Binds) -> R<Matches> {
        Ok(match next {
            Next::Loop => Matches::Yes,
            Next::While(cond) => self.condition(cond, binds)?,
            Next::Range(pat, start, end) => {
                if *start < *end {
                    let item = Value::Int(*start);
                    *start += 1;
                    self.pattern(pat, &item, binds)?;
                    Matches::Yes
                } else {
                    Matches::No
                }
            }
            Next::Uniform(range) => {
                let sym = Value::Uniform(Rc::new(Sym {
                    text: format!("{} goes on at trip {}", range.family, range.trip),
                    bases: range.bases.clone(),
                    family: Some(range.family.clone()),
                }));
                range.trip += 1;
                let span = range.span;
                let goes_on = self
                    .uniform_choice(&sym, || format!("the loop{} goes on", words::at_line(span)));
                match goes_on {
                    Some(true) => {
                        let item = range.item.map_or(Value::Unknown, Value::Int);
                        range.item = range.item.and_then(|item| item.checked_add(1));
                        self.pattern(range.pat, &item, binds)?;
                        Matches::Yes
                    }
                    Some(false) => Matches::No,
                    // Not decided here: as a condition not known.
                    None => Matches::Unknown,
                }
            }
            Next::For(pat, items) => match items.next() {
                Some(item) => {
                    self.pattern(pat, &item, binds)?;
                    Matches::Yes
                }
                None => Matches::No,
            },
        })
    }
}
