//! Evaluation of a body for one rank of one world size: the communication calls it makes, in
//! order.
//!
//! The body is run as an interpreter would, over [`Value`]s: integers and booleans computed from
//! `comm.rank()`, `comm.size()`, literals, `const`s and the `let`s bound from them. Whatever
//! else the body computes (data, floats, calls of plain functions) is [`Value::Unknown`]. An
//! unknown value is harmless until the communication depends on it: a branch, loop, peer or
//! tag that is unknown where it decides a call, or a call that may communicate out of sight (a
//! function or method given the communicator or a token), stops the evaluation of this rank
//! with a [`GiveUp`] that says why. Branches on unknown conditions that do not communicate and
//! do not leave (`return`, `break`) are skipped, the variables they assign made unknown.

use std::collections::HashMap;

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{
    BinOp, Block, Expr, ExprCall, ExprForLoop, ExprIf, ExprMatch, ExprMethodCall, ExprWhile, Lit,
    Local, Macro, Member, Pat, RangeLimits, Stmt, Token, Type, UnOp,
};

use super::value::Value;
use crate::analyse::syntax::{binding_names, macro_name};
use crate::ops::{self, Op};

/// The most iterations of a loop that does not communicate before its effects are made
/// unknown instead of followed.
const QUIET_LOOP_LIMIT: u32 = 4096;

/// The communicator of the ops, as the body names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CommName {
    /// A variable or parameter: `comm`.
    Var(String),
    /// A field of `self`: `self.comm`.
    SelfField(String),
}

impl CommName {
    /// The communicator an op's `comm` argument names (`comm`, `&comm`, `&self.comm`).
    pub(crate) fn of(expr: &Expr) -> Option<CommName> {
        match strip(expr) {
            Expr::Path(path) if path.qself.is_none() => path
                .path
                .get_ident()
                .filter(|ident| *ident != "self")
                .map(|ident| CommName::Var(ident.to_string())),
            Expr::Field(field) if is_self(&field.base) => match &field.member {
                Member::Named(name) => Some(CommName::SelfField(name.to_string())),
                Member::Unnamed(index) => Some(CommName::SelfField(index.index.to_string())),
            },
            _ => None,
        }
    }

    fn is(&self, expr: &Expr) -> bool {
        CommName::of(expr).as_ref() == Some(self)
    }

    /// How to write `comm.size()` for this communicator, for messages.
    pub(crate) fn size_expr(&self) -> String {
        match self {
            CommName::Var(name) => format!("{name}.size()"),
            CommName::SelfField(field) => format!("self.{field}.size()"),
        }
    }
}

/// `&x`, `(x)`, `x.clone()` down to `x`.
fn strip(expr: &Expr) -> &Expr {
    match expr {
        Expr::Reference(reference) => strip(&reference.expr),
        Expr::Paren(paren) => strip(&paren.expr),
        Expr::Group(group) => strip(&group.expr),
        _ => expr,
    }
}

fn is_self(expr: &Expr) -> bool {
    matches!(strip(expr), Expr::Path(path) if path.path.is_ident("self"))
}

/// One communication call, as a rank makes it.
#[derive(Debug, Clone)]
pub(crate) struct Event {
    pub(crate) op: Op,
    /// The callee's span.
    pub(crate) span: Span,
    /// The call site, the same for every rank and iteration.
    pub(crate) site: usize,
    pub(crate) kind: Kind,
    /// The innermost loop around the call, if any.
    pub(crate) in_loop: Option<usize>,
}

/// What a call does, with its peers, tags, root and operator evaluated.
#[derive(Debug, Clone)]
pub(crate) enum Kind {
    Send {
        to: i128,
        tag: i128,
    },
    /// `from: None` is `ANY_SOURCE`; `tag: None` any tag.
    Recv {
        from: Option<i128>,
        tag: Option<i128>,
    },
    Sendrecv {
        to: i128,
        send_tag: i128,
        from: Option<i128>,
        recv_tag: Option<i128>,
    },
    /// `family`: the op without `_in_place`/`_into`; `root`, `op`: `None` when not known.
    Collective {
        family: &'static str,
        root: Option<i128>,
        reduction: Option<String>,
    },
}

impl Kind {
    /// What a receiving event receives: its source and tag (`None`: any), or `None` for an
    /// event that receives nothing.
    pub(crate) fn receives(&self) -> Option<(Option<i128>, Option<i128>)> {
        match *self {
            Kind::Recv { from, tag }
            | Kind::Sendrecv {
                from,
                recv_tag: tag,
                ..
            } => Some((from, tag)),
            Kind::Send { .. } | Kind::Collective { .. } => None,
        }
    }
}

/// Why a rank's evaluation stopped before its end.
#[derive(Debug, Clone)]
pub(crate) struct GiveUp {
    pub(crate) span: Span,
    pub(crate) why: String,
}

/// How the evaluation of a rank ended.
#[derive(Debug, Clone)]
pub(crate) enum End {
    /// Ran to the end of the body (or a `return`).
    Done,
    /// Panicked (`assert!`, `panic!`, `unwrap` of `None`, division by zero) at the span.
    Panic(Span),
    /// Could not follow the body further.
    GaveUp(GiveUp),
    /// Ran out of steps.
    Budget,
}

/// A loop's iterations, once the loop is left.
#[derive(Debug, Clone)]
pub(crate) struct Trip {
    pub(crate) id: usize,
    pub(crate) span: Span,
    pub(crate) count: u32,
}

/// The evaluation of one rank.
#[derive(Debug)]
pub(crate) struct Trace {
    pub(crate) events: Vec<Event>,
    pub(crate) end: End,
    pub(crate) trips: Vec<Trip>,
    /// The `return`s this rank took.
    pub(crate) returns: Vec<Span>,
}

/// What is the same for every rank: the function's communicator and constants.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) comm: CommName,
    /// `const`s of the body and of the file, by name (`None`: defined more than once).
    pub(crate) consts: HashMap<String, Option<Expr>>,
    /// Parameters of type `Token`.
    pub(crate) token_params: Vec<String>,
    /// The other parameters' names (unknown values, hiding constants of the same name).
    pub(crate) params: Vec<String>,
    /// The function is a method: `self` may hold the communicator (or a clone of it), so its
    /// methods, and functions given `self`, may communicate.
    pub(crate) has_self: bool,
    /// Variables whose value may change out of sight (`&mut x`, assigned in a closure).
    pub(crate) tainted: Vec<String>,
}

/// Control leaving an expression other than by its value.
enum Ctl {
    Return,
    Break(Option<String>),
    Continue(Option<String>),
    Stop(End),
}

type R<T> = Result<T, Ctl>;

fn give_up<T>(span: Span, why: impl Into<String>) -> R<T> {
    Err(Ctl::Stop(End::GaveUp(GiveUp {
        span,
        why: why.into(),
    })))
}

/// Evaluates `body` for `rank` of `size`, spending at most `budget` steps (decreased).
pub(crate) fn run(
    shared: &Shared,
    body: &Block,
    size: i128,
    rank: i128,
    budget: &mut u64,
) -> Trace {
    let mut interp = Interp {
        shared,
        size,
        rank,
        scopes: vec![Vec::new()],
        events: Vec::new(),
        loops: Vec::new(),
        trips: Vec::new(),
        returns: Vec::new(),
        budget,
        const_depth: 0,
    };
    for name in &shared.params {
        interp.bind(name, Value::Unknown);
    }
    for name in &shared.token_params {
        interp.bind(name, Value::Token);
    }
    let end = match interp.block(body) {
        Ok(_) | Err(Ctl::Return) => End::Done,
        Err(Ctl::Break(_) | Ctl::Continue(_)) => End::Done,
        Err(Ctl::Stop(end)) => end,
    };
    Trace {
        events: interp.events,
        end,
        trips: interp.trips,
        returns: interp.returns,
    }
}

struct Interp<'a> {
    shared: &'a Shared,
    size: i128,
    rank: i128,
    scopes: Vec<Vec<(String, Value)>>,
    events: Vec<Event>,
    /// The loops entered: id and iterations so far.
    loops: Vec<(usize, u32)>,
    trips: Vec<Trip>,
    returns: Vec<Span>,
    budget: &'a mut u64,
    const_depth: u32,
}

/// The outcome of matching a value against a pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Matches {
    Yes,
    No,
    Unknown,
}

fn id_of<T>(node: &T) -> usize {
    std::ptr::from_ref(node) as usize
}

fn int_type(ty: &Type) -> bool {
    matches!(ty, Type::Path(path) if path.qself.is_none() && path.path.get_ident().is_some_and(|ident| INT_TYPES.contains(&ident.to_string().as_str())))
}

const INT_TYPES: &[&str] = &[
    "usize", "isize", "u8", "u16", "u32", "u64", "u128", "i8", "i16", "i32", "i64", "i128",
];

fn unsigned(ty: &Type) -> bool {
    matches!(ty, Type::Path(path) if path.path.get_ident().is_some_and(|ident| ident.to_string().starts_with('u')))
}

/// The name of the reduction operator of an op call, when it is one of the runtime's.
fn reduction_name(expr: &Expr) -> Option<String> {
    const REDUCTIONS: &[&str] = &[
        "Sum", "Prod", "Max", "Min", "LAnd", "LOr", "LXor", "BAnd", "BOr", "BXor",
    ];
    let Expr::Path(path) = strip(expr) else {
        return None;
    };
    let last = path.path.segments.last()?.ident.to_string();
    REDUCTIONS.contains(&last.as_str()).then_some(last)
}

/// The op's family: `allreduce` for `allreduce_in_place` and `allreduce_into`.
fn family(op: Op) -> &'static str {
    let name = op.name;
    name.strip_suffix("_in_place")
        .or_else(|| name.strip_suffix("_into"))
        .unwrap_or(name)
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
        let value = if self.shared.tainted.iter().any(|t| t == name) {
            Value::Unknown
        } else {
            value
        };
        if let Some(scope) = self.scopes.last_mut() {
            scope.push((name.to_owned(), value));
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

    /// Makes the variables `names` unknown.
    fn forget(&mut self, names: &[String]) {
        for name in names {
            self.assign(name, Value::Unknown);
        }
    }

    fn scoped<T>(&mut self, f: impl FnOnce(&mut Self) -> R<T>) -> R<T> {
        self.scopes.push(Vec::new());
        let result = f(self);
        self.scopes.pop();
        result
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
                self.unknown_branches(local.pat.span(), &[otherwise], &[])?;
                binds = unknowns(&local.pat);
            }
        }
        if matched != Matches::Yes && init.diverge.is_none() {
            binds = unknowns(&local.pat);
        }
        for (name, value) in binds {
            self.bind(&name, value);
        }
        Ok(())
    }

    fn expr(&mut self, expr: &Expr) -> R<Value> {
        self.tick()?;
        match expr {
            Expr::Lit(lit) => Ok(literal(&lit.lit)),
            Expr::Path(path) => Ok(self.path(path)),
            Expr::Paren(inner) => self.expr(&inner.expr),
            Expr::Group(inner) => self.expr(&inner.expr),
            Expr::Reference(reference) => self.expr(&reference.expr),
            Expr::Unary(unary) => {
                let value = self.expr(&unary.expr)?;
                Ok(match (unary.op, value) {
                    (UnOp::Neg(_), Value::Int(v)) => Value::Int(-v),
                    (UnOp::Not(_), Value::Bool(b)) => Value::Bool(!b),
                    (UnOp::Deref(_), value) => value,
                    _ => Value::Unknown,
                })
            }
            Expr::Binary(binary) => self.binary(binary),
            Expr::Assign(assign) => {
                let value = self.expr(&assign.right)?;
                self.store(&assign.left, value)?;
                Ok(Value::Unknown)
            }
            Expr::Cast(cast) => {
                let value = self.expr(&cast.expr)?;
                Ok(match value {
                    Value::Int(v) if int_type(&cast.ty) && (v >= 0 || !unsigned(&cast.ty)) => {
                        Value::Int(v)
                    }
                    Value::Bool(b) if int_type(&cast.ty) => Value::Int(i128::from(b)),
                    _ => Value::Unknown,
                })
            }
            Expr::Tuple(tuple) => {
                let mut items = Vec::new();
                for elem in &tuple.elems {
                    items.push(self.expr(elem)?);
                }
                Ok(Value::Tuple(items))
            }
            Expr::Array(array) => {
                let mut items = Vec::new();
                for elem in &array.elems {
                    items.push(self.expr(elem)?);
                }
                Ok(Value::Array(items))
            }
            Expr::Block(block) => {
                if block.label.is_some() {
                    let label = block.label.as_ref().map(|l| l.name.ident.to_string());
                    match self.block(&block.block) {
                        Err(Ctl::Break(Some(name))) if Some(&name) == label.as_ref() => {
                            Ok(Value::Unknown)
                        }
                        other => other,
                    }
                } else {
                    self.block(&block.block)
                }
            }
            Expr::Unsafe(block) => self.block(&block.block),
            Expr::Const(block) => self.block(&block.block),
            Expr::If(expr_if) => self.expr_if(expr_if),
            Expr::Match(expr_match) => self.expr_match(expr_match),
            Expr::ForLoop(for_loop) => self.for_loop(for_loop, expr),
            Expr::While(expr_while) => self.expr_while(expr_while, expr),
            Expr::Loop(expr_loop) => {
                let label = expr_loop.label.as_ref().map(|l| l.name.ident.to_string());
                self.looping(
                    Loop {
                        id: id_of(expr_loop),
                        span: expr_loop.loop_token.span,
                        label,
                        body: &expr_loop.body,
                        whole: expr,
                    },
                    Next::Loop,
                )
            }
            Expr::Break(expr_break) => {
                if let Some(value) = &expr_break.expr {
                    self.expr(value)?;
                }
                Err(Ctl::Break(
                    expr_break.label.as_ref().map(|l| l.ident.to_string()),
                ))
            }
            Expr::Continue(expr_continue) => Err(Ctl::Continue(
                expr_continue.label.as_ref().map(|l| l.ident.to_string()),
            )),
            Expr::Return(expr_return) => {
                if let Some(value) = &expr_return.expr {
                    self.expr(value)?;
                }
                self.returns.push(expr_return.return_token.span);
                Err(Ctl::Return)
            }
            Expr::Try(expr_try) => {
                let value = self.expr(&expr_try.expr)?;
                match value {
                    Value::Opt(Some(inner)) => Ok(*inner),
                    Value::Opt(None) => {
                        self.returns.push(expr_try.question_token.span);
                        Err(Ctl::Return)
                    }
                    // An error is the exceptional path: the evaluation follows the usual one.
                    _ => Ok(Value::Unknown),
                }
            }
            Expr::Index(index) => {
                let base = self.expr(&index.expr)?;
                let at = self.expr(&index.index)?;
                Ok(match (base, at.int()) {
                    (Value::Array(items), Some(i)) => usize::try_from(i)
                        .ok()
                        .and_then(|i| items.get(i).cloned())
                        .unwrap_or(Value::Unknown),
                    _ => Value::Unknown,
                })
            }
            Expr::Field(field) => {
                if self.shared.comm.is(expr) {
                    return Ok(Value::Unknown);
                }
                let base = self.expr(&field.base)?;
                Ok(match (base, &field.member) {
                    (Value::Tuple(items), Member::Unnamed(index)) => items
                        .get(index.index as usize)
                        .cloned()
                        .unwrap_or(Value::Unknown),
                    _ => Value::Unknown,
                })
            }
            Expr::Range(range) => {
                let start = match &range.start {
                    Some(start) => self.expr(start)?.int(),
                    None => None,
                };
                let end = match &range.end {
                    Some(end) => self.expr(end)?.int(),
                    None => None,
                };
                Ok(match (start, end, range.limits) {
                    (Some(start), Some(end), RangeLimits::HalfOpen(_)) => Value::Range(start, end),
                    (Some(start), Some(end), RangeLimits::Closed(_)) => {
                        Value::Range(start, end + 1)
                    }
                    _ => Value::Unknown,
                })
            }
            Expr::Call(call) => self.call(call),
            Expr::MethodCall(call) => self.method(call),
            Expr::Macro(mac) => self.mac(&mac.mac),
            Expr::Closure(closure) => {
                if Effects::of_expr(&closure.body, self).communicates {
                    return give_up(
                        closure.or1_token.span,
                        "a closure communicates: it runs whenever it is called",
                    );
                }
                Ok(Value::Unknown)
            }
            Expr::Let(expr_let) => {
                // Outside a condition: evaluate for effects.
                self.expr(&expr_let.expr)?;
                Ok(Value::Unknown)
            }
            Expr::Struct(expr_struct) => {
                for field in &expr_struct.fields {
                    self.expr(&field.expr)?;
                }
                if let Some(rest) = &expr_struct.rest {
                    self.expr(rest)?;
                }
                Ok(Value::Unknown)
            }
            Expr::Repeat(repeat) => {
                self.expr(&repeat.expr)?;
                Ok(Value::Unknown)
            }
            Expr::Async(_) => Ok(Value::Unknown),
            other => {
                let effects = Effects::of_expr(other, self);
                if effects.communicates || effects.leaves {
                    return give_up(other.span(), "this expression is not followed");
                }
                self.forget(&effects.assigned);
                Ok(Value::Unknown)
            }
        }
    }

    fn path(&mut self, path: &syn::ExprPath) -> Value {
        let segments = &path.path.segments;
        if path.qself.is_some() {
            return Value::Unknown;
        }
        let last = match segments.last() {
            Some(last) => last.ident.to_string(),
            None => return Value::Unknown,
        };
        if segments.len() == 1 {
            if let Some(value) = self.lookup(&last) {
                return value.clone();
            }
            if last == "None" {
                return Value::Opt(None);
            }
        }
        if last == "ANY_SOURCE" {
            return Value::Source {
                rank: None,
                tag: None,
            };
        }
        if segments.len() == 1 {
            return self.constant(&last);
        }
        Value::Unknown
    }

    fn constant(&mut self, name: &str) -> Value {
        let Some(Some(expr)) = self.shared.consts.get(name) else {
            return Value::Unknown;
        };
        if self.const_depth > 16 {
            return Value::Unknown;
        }
        self.const_depth += 1;
        // A constant's expression sees no local variable.
        let scopes = std::mem::replace(&mut self.scopes, vec![Vec::new()]);
        let value = self.expr(expr).unwrap_or(Value::Unknown);
        self.scopes = scopes;
        self.const_depth -= 1;
        match value {
            Value::Int(_) | Value::Bool(_) => value,
            _ => Value::Unknown,
        }
    }

    /// `target = value`: a variable takes it; anything else is evaluated for its effects.
    fn store(&mut self, target: &Expr, value: Value) -> R<()> {
        match target {
            Expr::Path(path) if path.path.get_ident().is_some() => {
                if let Some(ident) = path.path.get_ident() {
                    self.assign(&ident.to_string(), value);
                }
                Ok(())
            }
            Expr::Tuple(tuple) => {
                for (index, elem) in tuple.elems.iter().enumerate() {
                    let item = match &value {
                        Value::Tuple(items) => items.get(index).cloned().unwrap_or(Value::Unknown),
                        _ => Value::Unknown,
                    };
                    self.store(elem, item)?;
                }
                Ok(())
            }
            Expr::Paren(inner) => self.store(&inner.expr, value),
            Expr::Infer(_) => Ok(()),
            other => {
                let effects = Effects::of_expr(other, self);
                if effects.communicates {
                    return give_up(other.span(), "this assignment's target communicates");
                }
                self.forget(&effects.assigned);
                Ok(())
            }
        }
    }

    fn binary(&mut self, binary: &syn::ExprBinary) -> R<Value> {
        // Short-circuits first: the right side may not run.
        if let BinOp::And(_) | BinOp::Or(_) = binary.op {
            let is_and = matches!(binary.op, BinOp::And(_));
            let left = self.expr(&binary.left)?;
            return match left.bool() {
                Some(b) if b != is_and => Ok(Value::Bool(b)),
                Some(_) => {
                    let right = self.expr(&binary.right)?;
                    Ok(right.bool().map_or(Value::Unknown, Value::Bool))
                }
                None => {
                    let effects = Effects::of_expr(&binary.right, self);
                    if effects.communicates || effects.leaves {
                        return give_up(
                            binary.left.span(),
                            "this condition is not computed from the rank and size, and what \
                             follows it communicates",
                        );
                    }
                    self.forget(&effects.assigned);
                    Ok(Value::Unknown)
                }
            };
        }
        let compound = compound_op(&binary.op);
        let left = self.expr(&binary.left)?;
        let right = self.expr(&binary.right)?;
        let op = compound.as_ref().unwrap_or(&binary.op);
        let result = match apply(op, &left, &right) {
            Ok(value) => value,
            Err(()) => return Err(Ctl::Stop(End::Panic(binary.span()))),
        };
        if compound.is_some() {
            self.store(&binary.left, result)?;
            return Ok(Value::Unknown);
        }
        Ok(result)
    }

    fn condition(&mut self, cond: &Expr, binds: &mut Vec<(String, Value)>) -> R<Matches> {
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
            other => Ok(match self.expr(other)?.bool() {
                Some(true) => Matches::Yes,
                Some(false) => Matches::No,
                None => Matches::Unknown,
            }),
        }
    }

    fn expr_if(&mut self, expr_if: &ExprIf) -> R<Value> {
        let mut binds = Vec::new();
        let cond = self.condition(&expr_if.cond, &mut binds)?;
        let otherwise = expr_if.else_branch.as_ref().map(|(_, e)| &**e);
        match cond {
            Matches::Yes => self.scoped(|this| {
                for (name, value) in binds {
                    this.bind(&name, value);
                }
                this.block(&expr_if.then_branch)
            }),
            Matches::No => match otherwise {
                Some(otherwise) => self.expr(otherwise),
                None => Ok(Value::Unknown),
            },
            Matches::Unknown => {
                let exprs: Vec<&Expr> = otherwise.into_iter().collect();
                self.unknown_branches(expr_if.cond.span(), &exprs, &[&expr_if.then_branch])?;
                Ok(Value::Unknown)
            }
        }
    }

    /// Branches one of which runs, the condition not known: fine when none communicates or
    /// leaves; the variables they assign become unknown.
    fn unknown_branches(&mut self, cond: Span, exprs: &[&Expr], blocks: &[&Block]) -> R<()> {
        let mut assigned = Vec::new();
        for expr in exprs {
            let effects = Effects::of_expr(expr, self);
            if effects.communicates || effects.leaves {
                return give_up(cond, unknown_condition(&effects));
            }
            assigned.extend(effects.assigned);
        }
        for block in blocks {
            let effects = Effects::of_block(block, self);
            if effects.communicates || effects.leaves {
                return give_up(cond, unknown_condition(&effects));
            }
            assigned.extend(effects.assigned);
        }
        self.forget(&assigned);
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
                matched = match guard?.bool() {
                    Some(true) => Matches::Yes,
                    Some(false) => Matches::No,
                    None => Matches::Unknown,
                };
            }
            match matched {
                Matches::Yes => {
                    return self.scoped(|this| {
                        for (name, value) in binds {
                            this.bind(&name, value);
                        }
                        this.expr(&arm.body)
                    });
                }
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
                    self.unknown_branches(expr_match.expr.span(), &rest, &[])?;
                    return Ok(Value::Unknown);
                }
            }
        }
        Ok(Value::Unknown)
    }

    fn for_loop(&mut self, for_loop: &ExprForLoop, whole: &Expr) -> R<Value> {
        let iterable = self.expr(&for_loop.expr)?;
        let label = for_loop.label.as_ref().map(|l| l.name.ident.to_string());
        let next = match iterable {
            // A range is walked lazily: the loop's budget bounds it, not its length.
            Value::Range(start, end) => Some(Next::Range(&for_loop.pat, start, end)),
            other => other
                .items(1 << 16)
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
                label,
                body: &for_loop.body,
                whole,
            },
            next,
        )
    }

    fn expr_while(&mut self, expr_while: &ExprWhile, whole: &Expr) -> R<Value> {
        let label = expr_while.label.as_ref().map(|l| l.name.ident.to_string());
        self.looping(
            Loop {
                id: id_of(expr_while),
                span: expr_while.while_token.span,
                label,
                body: &expr_while.body,
                whole,
            },
            Next::While(&expr_while.cond),
        )
    }

    /// Runs a loop to its end, counting its iterations.
    fn looping(&mut self, lp: Loop<'_>, mut next: Next<'_>) -> R<Value> {
        let effects = Effects::of_expr(lp.whole, self);
        let quiet = !effects.communicates;
        self.loops.push((lp.id, 0));
        let mut count: u32 = 0;
        let result = loop {
            if let Err(stop) = self.tick() {
                break Err(stop);
            }
            if quiet && count >= QUIET_LOOP_LIMIT {
                // A long loop that does not communicate: what it assigns becomes unknown.
                if effects.leaves {
                    break give_up(lp.span, "a long loop that may `return` is not followed");
                }
                self.forget(&effects.assigned);
                break Ok(());
            }
            let mut binds = Vec::new();
            let go = match &mut next {
                Next::Loop => Matches::Yes,
                Next::While(cond) => match self.condition(cond, &mut binds) {
                    Ok(matches) => matches,
                    Err(stop) => break Err(stop),
                },
                Next::Range(pat, start, end) => {
                    if *start < *end {
                        let item = Value::Int(*start);
                        *start += 1;
                        match self.pattern(pat, &item, &mut binds) {
                            Ok(_) => Matches::Yes,
                            Err(stop) => break Err(stop),
                        }
                    } else {
                        Matches::No
                    }
                }
                Next::For(pat, items) => match items.next() {
                    Some(item) => match self.pattern(pat, &item, &mut binds) {
                        Ok(_) => Matches::Yes,
                        Err(stop) => break Err(stop),
                    },
                    None => Matches::No,
                },
            };
            match go {
                Matches::Yes => {}
                Matches::No => break Ok(()),
                Matches::Unknown => {
                    if effects.communicates || effects.leaves {
                        break give_up(
                            lp.span,
                            "this loop's condition is not computed from the rank and size, and \
                             the loop communicates",
                        );
                    }
                    self.forget(&effects.assigned);
                    break Ok(());
                }
            }
            if let Some(current) = self.loops.last_mut() {
                current.1 = count;
            }
            let body = self.scoped(|this| {
                for (name, value) in binds {
                    this.bind(&name, value);
                }
                this.block(lp.body)
            });
            count = count.saturating_add(1);
            match body {
                Ok(_) => {}
                Err(Ctl::Break(None)) => break Ok(()),
                Err(Ctl::Break(Some(name))) if Some(&name) == lp.label.as_ref() => break Ok(()),
                Err(Ctl::Continue(None)) => {}
                Err(Ctl::Continue(Some(name))) if Some(&name) == lp.label.as_ref() => {}
                Err(other) => break Err(other),
            }
        };
        self.loops.pop();
        self.trips.push(Trip {
            id: lp.id,
            span: lp.span,
            count,
        });
        result.map(|()| Value::Unknown)
    }

    fn call(&mut self, call: &ExprCall) -> R<Value> {
        if let Some((op, segment)) = ops::called_op(&call.func) {
            return self.op_call(op, segment.ident.span(), call);
        }
        if ops::is_token_fn(&call.func) {
            return Ok(Value::Token);
        }
        let names: Vec<String> = match &*call.func {
            Expr::Path(path) if path.qself.is_none() => path
                .path
                .segments
                .iter()
                .map(|segment| segment.ident.to_string())
                .collect(),
            _ => Vec::new(),
        };
        let mut args = Vec::new();
        for arg in &call.args {
            args.push(self.expr(arg)?);
        }
        let last = |n: usize| -> Vec<&str> {
            names
                .iter()
                .rev()
                .take(n)
                .rev()
                .map(String::as_str)
                .collect()
        };
        let arg = |i: usize| args.get(i).cloned().unwrap_or(Value::Unknown);
        match (names.len(), last(2).as_slice()) {
            (1, ["Some"]) => return Ok(Value::Opt(Some(Box::new(arg(0))))),
            (_, ["Source", "rank"]) => {
                return Ok(arg(0).int().map_or(Value::Unknown, |rank| Value::Source {
                    rank: Some(rank),
                    tag: None,
                }));
            }
            (_, ["Source", "any"]) => {
                return Ok(Value::Source {
                    rank: None,
                    tag: None,
                });
            }
            (_, ["Dest", "rank"]) => {
                return Ok(arg(0)
                    .int()
                    .map_or(Value::Unknown, |rank| Value::Dest { rank, tag: 0 }));
            }
            (1, ["min" | "max"]) | (_, ["cmp", "min" | "max"]) => {
                let method = names.last().map(String::as_str).unwrap_or_default();
                return self.value_method(&arg(0), method, &args[1..], call.span());
            }
            (2, [ty, method]) if INT_TYPES.contains(ty) && !args.is_empty() => {
                return self.value_method(&arg(0), method, &args[1..], call.span());
            }
            (1, ["drop"]) => return Ok(Value::Unknown),
            _ => {}
        }
        if call.args.iter().any(|arg| hands_over(self, arg)) {
            return give_up(
                call.func.span(),
                format!(
                    "`{}` is given the communicator or a token: what it communicates is not \
                     seen (calls of other functions, `#[spmd_jit]` ones included, are not \
                     followed)",
                    names.join("::")
                ),
            );
        }
        Ok(Value::Unknown)
    }

    fn op_call(&mut self, op: Op, span: Span, call: &ExprCall) -> R<Value> {
        if op.nonblocking {
            return give_up(
                span,
                format!(
                    "`{}` is nonblocking: requests and their completion are not simulated",
                    op.name
                ),
            );
        }
        let count = call.args.len();
        let explicit = count == op.explicit_arity();
        if count != op.implicit_arity() && !explicit {
            return give_up(span, "this call has the wrong number of arguments");
        }
        let mut values = Vec::new();
        for arg in &call.args {
            values.push(self.expr(arg)?);
        }
        let param = |name: &str| {
            op.params
                .iter()
                .position(|param| *param == name)
                .and_then(|index| Some((values.get(index)?, call.args.iter().nth(index)?)))
        };
        if let Some((_, comm)) = param("comm")
            && !self.shared.comm.is(comm)
        {
            return give_up(span, "this call uses another communicator");
        }
        let unknown_peer = |what: &str| {
            give_up::<Kind>(
                span,
                format!(
                    "the {what} of `{}` is not computed from the rank and size",
                    op.name
                ),
            )
        };
        let kind = if op.collective {
            let root = param("root").and_then(|(value, _)| value.int());
            let reduction = param("op").and_then(|(_, expr)| reduction_name(expr));
            Kind::Collective {
                family: family(op),
                root,
                reduction,
            }
        } else {
            let dest = param("dest").map(|(value, _)| match value {
                Value::Int(rank) => Some((*rank, 0)),
                Value::Dest { rank, tag } => Some((*rank, *tag)),
                _ => None,
            });
            let source = param("source").map(|(value, _)| match value {
                Value::Int(rank) => Some((Some(*rank), None)),
                Value::Source { rank, tag } => Some((*rank, *tag)),
                _ => None,
            });
            match (dest, source) {
                (Some(None), _) => unknown_peer("destination")?,
                (_, Some(None)) => unknown_peer("source")?,
                (Some(Some((to, tag))), None) => Kind::Send { to, tag },
                (None, Some(Some((from, tag)))) => Kind::Recv { from, tag },
                (Some(Some((to, send_tag))), Some(Some((from, recv_tag)))) => Kind::Sendrecv {
                    to,
                    send_tag,
                    from,
                    recv_tag,
                },
                (None, None) => return give_up(span, "this op is not known"),
            }
        };
        self.events.push(Event {
            op,
            span,
            site: id_of(call),
            kind,
            in_loop: self.loops.last().map(|(id, _)| *id),
        });
        if self.events.len() > 100_000 {
            return Err(Ctl::Stop(End::Budget));
        }
        Ok(match (explicit, op.returns_value) {
            (false, _) => Value::Unknown,
            (true, false) => Value::Token,
            (true, true) => Value::Tuple(vec![Value::Unknown, Value::Token]),
        })
    }

    fn method(&mut self, call: &ExprMethodCall) -> R<Value> {
        let name = call.method.to_string();
        let comm = &self.shared.comm;
        if comm.is(&call.receiver) {
            return match name.as_str() {
                "rank" => Ok(Value::Int(self.rank)),
                "size" => Ok(Value::Int(self.size)),
                "shift" => {
                    let offset = match call.args.first() {
                        Some(arg) => self.expr(arg)?.int(),
                        None => None,
                    };
                    Ok(match offset {
                        Some(k) if self.size > 0 => Value::Tuple(vec![
                            Value::Source {
                                rank: Some((self.rank - k).rem_euclid(self.size)),
                                tag: None,
                            },
                            Value::Dest {
                                rank: (self.rank + k).rem_euclid(self.size),
                                tag: 0,
                            },
                        ]),
                        _ => Value::Unknown,
                    })
                }
                "is_checked" => Ok(Value::Unknown),
                _ => give_up(
                    call.method.span(),
                    format!("`.{name}()` of the communicator may communicate"),
                ),
            };
        }
        if self.shared.has_self && is_self(&call.receiver) {
            return give_up(
                call.method.span(),
                format!(
                    "`self.{name}(..)` may communicate through `self`: calls of other methods, \
                     `#[spmd_jit]` ones included, are not followed"
                ),
            );
        }
        let receiver = self.expr(&call.receiver)?;
        // Closures that the value runs now: `cond.then(|| ..)`, `opt.map(|x| ..)`.
        if let (Some(Expr::Closure(closure)), true) = (
            call.args.first(),
            matches!(
                (&receiver, name.as_str()),
                (Value::Bool(_), "then")
                    | (
                        Value::Opt(_),
                        "map" | "and_then" | "filter" | "unwrap_or_else" | "is_some_and"
                    )
                    | (Value::Range(..) | Value::Array(_), "map" | "filter")
            ),
        ) {
            return self.closure_method(&receiver, &name, closure);
        }
        let mut args = Vec::new();
        for arg in &call.args {
            args.push(self.expr(arg)?);
        }
        if call.args.iter().any(|arg| hands_over(self, arg)) || receiver.holds_token() {
            return give_up(
                call.method.span(),
                format!(
                    "`.{name}(..)` is given the communicator or a token: what it communicates is \
                     not seen"
                ),
            );
        }
        self.value_method(&receiver, &name, &args, call.method.span())
    }

    fn closure_method(
        &mut self,
        receiver: &Value,
        name: &str,
        closure: &syn::ExprClosure,
    ) -> R<Value> {
        if Effects::of_expr(&closure.body, self).communicates {
            return give_up(closure.or1_token.span, "a closure communicates");
        }
        let run = |this: &mut Self, arg: Option<&Value>| -> R<Value> {
            this.scoped(|this| {
                if let (Some(pat), Some(arg)) = (closure.inputs.first(), arg) {
                    let mut binds = Vec::new();
                    this.pattern(pat, arg, &mut binds)?;
                    for (name, value) in binds {
                        this.bind(&name, value);
                    }
                }
                match this.expr(&closure.body) {
                    Err(Ctl::Return) => Ok(Value::Unknown),
                    other => other,
                }
            })
        };
        if let Some(items) = receiver.items(QUIET_LOOP_LIMIT as usize) {
            let mut out = Vec::new();
            for item in items {
                let result = run(self, Some(&item))?;
                match (name, result.bool()) {
                    ("map", _) => out.push(result),
                    (_, Some(true)) => out.push(item),
                    (_, Some(false)) => {}
                    (_, None) => return Ok(Value::Unknown),
                }
            }
            return Ok(Value::Array(out));
        }
        Ok(match (receiver, name) {
            (Value::Bool(true), "then") => Value::Opt(Some(Box::new(run(self, None)?))),
            (Value::Bool(false), "then") => Value::Opt(None),
            (Value::Opt(Some(inner)), "map") => Value::Opt(Some(Box::new(run(self, Some(inner))?))),
            (Value::Opt(Some(inner)), "and_then") => match run(self, Some(inner))? {
                value @ Value::Opt(_) => value,
                _ => Value::Unknown,
            },
            (Value::Opt(Some(inner)), "filter") => match run(self, Some(inner))?.bool() {
                Some(true) => receiver.clone(),
                Some(false) => Value::Opt(None),
                None => Value::Unknown,
            },
            (Value::Opt(Some(inner)), "is_some_and") => run(self, Some(inner))?
                .bool()
                .map_or(Value::Unknown, Value::Bool),
            (Value::Opt(Some(inner)), "unwrap_or_else") => (**inner).clone(),
            (Value::Opt(None), "unwrap_or_else") => run(self, None)?,
            (Value::Opt(None), "is_some_and") => Value::Bool(false),
            (Value::Opt(None), _) => Value::Opt(None),
            _ => Value::Unknown,
        })
    }

    /// A method of a known value.
    fn value_method(
        &mut self,
        receiver: &Value,
        name: &str,
        args: &[Value],
        span: Span,
    ) -> R<Value> {
        let panic = || Err(Ctl::Stop(End::Panic(span)));
        let arg = |i: usize| args.get(i).and_then(Value::int);
        Ok(match receiver {
            Value::Int(a) => {
                let a = *a;
                match (name, arg(0), arg(1)) {
                    ("min", Some(b), _) => Value::Int(a.min(b)),
                    ("max", Some(b), _) => Value::Int(a.max(b)),
                    ("clamp", Some(lo), Some(hi)) if lo <= hi => Value::Int(a.clamp(lo, hi)),
                    ("pow", Some(e), _) if (0..128).contains(&e) => {
                        a.checked_pow(e as u32).map_or(Value::Unknown, Value::Int)
                    }
                    ("abs", _, _) => Value::Int(a.abs()),
                    ("abs_diff", Some(b), _) => Value::Int((a - b).abs()),
                    ("rem_euclid" | "div_euclid", Some(0), _) => return panic(),
                    ("rem_euclid", Some(b), _) => Value::Int(a.rem_euclid(b)),
                    ("div_euclid", Some(b), _) => Value::Int(a.div_euclid(b)),
                    ("is_power_of_two", _, _) if a >= 0 => Value::Bool(a > 0 && a & (a - 1) == 0),
                    ("next_power_of_two", _, _) if a >= 0 => Value::Int(if a <= 1 {
                        1
                    } else {
                        1 << (128 - (a - 1).leading_zeros())
                    }),
                    ("trailing_zeros", _, _) if a > 0 => Value::Int(i128::from(a.trailing_zeros())),
                    ("count_ones", _, _) if a >= 0 => Value::Int(i128::from(a.count_ones())),
                    ("ilog2", _, _) if a > 0 => Value::Int(i128::from(a.ilog2())),
                    ("ilog2", _, _) => return panic(),
                    ("isqrt", _, _) if a >= 0 => Value::Int(a.isqrt()),
                    // Ranks and sizes are `usize`: below zero is `None`.
                    ("checked_sub", Some(b), _) => {
                        Value::Opt((a - b >= 0).then(|| Box::new(Value::Int(a - b))))
                    }
                    ("checked_add", Some(b), _) => Value::Opt(Some(Box::new(Value::Int(a + b)))),
                    ("checked_div" | "checked_rem", Some(0), _) => Value::Opt(None),
                    ("checked_div", Some(b), _) => Value::Opt(Some(Box::new(Value::Int(a / b)))),
                    ("checked_rem", Some(b), _) => Value::Opt(Some(Box::new(Value::Int(a % b)))),
                    ("saturating_sub", Some(b), _) if a >= 0 && b >= 0 => {
                        Value::Int((a - b).max(0))
                    }
                    ("saturating_add", Some(b), _) => Value::Int(a + b),
                    ("clone" | "to_owned" | "into", _, _) => Value::Int(a),
                    ("try_into" | "try_from", _, _) if a >= 0 => {
                        Value::Opt(Some(Box::new(Value::Int(a))))
                    }
                    _ => Value::Unknown,
                }
            }
            Value::Bool(b) => match (name, args.first()) {
                ("then_some", Some(value)) => Value::Opt(b.then(|| Box::new(value.clone()))),
                ("clone" | "to_owned" | "into", _) => Value::Bool(*b),
                _ => Value::Unknown,
            },
            Value::Opt(inner) => match (name, inner) {
                ("is_some", _) => Value::Bool(inner.is_some()),
                ("is_none", _) => Value::Bool(inner.is_none()),
                ("unwrap" | "expect", Some(inner)) => (**inner).clone(),
                ("unwrap" | "expect", None) => return panic(),
                ("unwrap_or", Some(inner)) => (**inner).clone(),
                ("unwrap_or", None) => args.first().cloned().unwrap_or(Value::Unknown),
                ("clone" | "copied" | "cloned" | "as_ref" | "to_owned", _) => receiver.clone(),
                _ => Value::Unknown,
            },
            Value::Source { rank, .. } => match (name, arg(0)) {
                ("tag", Some(tag)) => Value::Source {
                    rank: *rank,
                    tag: Some(tag),
                },
                ("clone", _) => receiver.clone(),
                _ => Value::Unknown,
            },
            Value::Dest { rank, .. } => match (name, arg(0)) {
                ("tag", Some(tag)) => Value::Dest { rank: *rank, tag },
                ("clone", _) => receiver.clone(),
                _ => Value::Unknown,
            },
            Value::Range(start, end) => match (name, arg(0)) {
                ("contains", Some(x)) => Value::Bool(*start <= x && x < *end),
                ("len" | "count", _) => Value::Int((end - start).max(0)),
                ("into_iter" | "clone", _) => receiver.clone(),
                ("rev", _) => match receiver.items(1 << 16) {
                    Some(mut items) => {
                        items.reverse();
                        Value::Array(items)
                    }
                    None => Value::Unknown,
                },
                ("step_by", Some(step)) if step > 0 => match receiver.items(1 << 16) {
                    Some(items) => Value::Array(items.into_iter().step_by(step as usize).collect()),
                    None => Value::Unknown,
                },
                ("step_by", Some(_)) => return panic(),
                _ => Value::Unknown,
            },
            Value::Array(items) => match (name, args.first()) {
                ("len" | "count", _) => Value::Int(items.len() as i128),
                ("contains", Some(x)) if *x != Value::Unknown => {
                    if items.contains(x) {
                        Value::Bool(true)
                    } else if items.contains(&Value::Unknown) {
                        Value::Unknown
                    } else {
                        Value::Bool(false)
                    }
                }
                ("iter" | "into_iter" | "copied" | "cloned" | "clone" | "to_vec", _) => {
                    receiver.clone()
                }
                ("rev", _) => Value::Array(items.iter().rev().cloned().collect()),
                ("step_by", Some(Value::Int(step))) if *step > 0 => {
                    Value::Array(items.iter().step_by(*step as usize).cloned().collect())
                }
                ("enumerate", _) => Value::Array(
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, item)| Value::Tuple(vec![Value::Int(i as i128), item.clone()]))
                        .collect(),
                ),
                _ => Value::Unknown,
            },
            Value::Tuple(_) if matches!(name, "clone" | "to_owned") => receiver.clone(),
            _ => Value::Unknown,
        })
    }

    fn mac(&mut self, mac: &Macro) -> R<Value> {
        let name = macro_name(mac);
        let span = mac.path.span();
        let parse_args = || {
            Punctuated::<Expr, Token![,]>::parse_terminated
                .parse2(mac.tokens.clone())
                .ok()
        };
        match name.as_str() {
            "assert" | "debug_assert" => {
                if let Some(args) = parse_args()
                    && let Some(cond) = args.first()
                    && self.expr(cond)?.bool() == Some(false)
                {
                    return Err(Ctl::Stop(End::Panic(span)));
                }
                Ok(Value::Unknown)
            }
            "assert_eq" | "assert_ne" | "debug_assert_eq" | "debug_assert_ne" => {
                if let Some(args) = parse_args()
                    && let (Some(left), Some(right)) = (args.first(), args.iter().nth(1))
                {
                    let left = self.expr(left)?;
                    let right = self.expr(right)?;
                    let known = |v: &Value| matches!(v, Value::Int(_) | Value::Bool(_));
                    if known(&left) && known(&right) && (left == right) != name.ends_with("eq") {
                        return Err(Ctl::Stop(End::Panic(span)));
                    }
                }
                Ok(Value::Unknown)
            }
            "panic" | "unreachable" | "todo" | "unimplemented" => Err(Ctl::Stop(End::Panic(span))),
            "println" | "print" | "eprintln" | "eprint" | "format" | "write" | "writeln"
            | "format_args" | "vec" | "matches" | "dbg" => {
                if tokens_mention(mac.tokens.clone(), &self.shared.comm) {
                    // `println!("{}", comm.rank())` is fine; anything else with the
                    // communicator is not followed.
                    let tokens = &mac.tokens;
                    let fine = match syn::parse2::<Expr>(quote::quote!([#tokens])) {
                        Ok(array) if name == "vec" => !hands_over(self, &array),
                        _ => parse_args()
                            .is_some_and(|args| args.iter().all(|arg| !hands_over(self, arg))),
                    };
                    if !fine {
                        return give_up(span, format!("`{name}!` is given the communicator"));
                    }
                }
                Ok(Value::Unknown)
            }
            _ => {
                if tokens_mention(mac.tokens.clone(), &self.shared.comm) {
                    return give_up(span, format!("`{name}!` is given the communicator"));
                }
                let mut names = Vec::new();
                idents(mac.tokens.clone(), &mut names);
                self.forget(&names);
                Ok(Value::Unknown)
            }
        }
    }

    fn pattern(
        &mut self,
        pat: &Pat,
        value: &Value,
        binds: &mut Vec<(String, Value)>,
    ) -> R<Matches> {
        self.tick()?;
        let compare = |this: &mut Self, expected: Value| match (&expected, value) {
            (Value::Int(_) | Value::Bool(_), Value::Int(_) | Value::Bool(_)) => {
                if expected == *value {
                    Matches::Yes
                } else {
                    Matches::No
                }
            }
            _ => {
                let _ = this;
                Matches::Unknown
            }
        };
        Ok(match pat {
            Pat::Wild(_) | Pat::Rest(_) => Matches::Yes,
            Pat::Ident(ident) => {
                let name = ident.ident.to_string();
                if ident.subpat.is_none() && ident.by_ref.is_none() && ident.mutability.is_none() {
                    if name == "None" {
                        return Ok(match value {
                            Value::Opt(None) => Matches::Yes,
                            Value::Opt(Some(_)) => Matches::No,
                            _ => Matches::Unknown,
                        });
                    }
                    if is_const_name(&name) && self.shared.consts.contains_key(&name) {
                        let expected = self.constant(&name);
                        return Ok(compare(self, expected));
                    }
                }
                let matched = match &ident.subpat {
                    Some((_, sub)) => self.pattern(sub, value, binds)?,
                    None => Matches::Yes,
                };
                binds.push((name, value.clone()));
                matched
            }
            Pat::Lit(lit) => compare(self, literal(&lit.lit)),
            Pat::Range(range) => {
                let bound =
                    |this: &mut Self, expr: &Option<Box<Expr>>| -> R<Option<Option<i128>>> {
                        Ok(match expr {
                            Some(expr) => Some(this.expr(expr)?.int()),
                            None => None,
                        })
                    };
                let start = bound(self, &range.start)?;
                let end = bound(self, &range.end)?;
                let (Some(x), Some(start), Some(end)) = (
                    value.int(),
                    start.unwrap_or(Some(i128::MIN)),
                    end.unwrap_or(Some(i128::MAX)),
                ) else {
                    return Ok(Matches::Unknown);
                };
                let inside = match range.limits {
                    RangeLimits::HalfOpen(_) => start <= x && x < end,
                    RangeLimits::Closed(_) => start <= x && x <= end,
                };
                if inside { Matches::Yes } else { Matches::No }
            }
            Pat::Or(or) => {
                let mut unknown = false;
                for case in &or.cases {
                    let mut case_binds = Vec::new();
                    match self.pattern(case, value, &mut case_binds)? {
                        Matches::Yes if !unknown => {
                            binds.extend(case_binds);
                            return Ok(Matches::Yes);
                        }
                        Matches::No => {}
                        _ => unknown = true,
                    }
                }
                if unknown {
                    Matches::Unknown
                } else {
                    Matches::No
                }
            }
            Pat::Tuple(tuple) => {
                let has_rest = tuple.elems.iter().any(|p| matches!(p, Pat::Rest(_)));
                let items: Vec<Value> = match value {
                    Value::Tuple(items) if items.len() == tuple.elems.len() && !has_rest => {
                        items.clone()
                    }
                    _ => vec![Value::Unknown; tuple.elems.len()],
                };
                self.all(tuple.elems.iter().zip(&items), binds)?
            }
            Pat::TupleStruct(tuple) => {
                let is_some = tuple.path.is_ident("Some") && tuple.elems.len() == 1;
                match (is_some, value) {
                    (true, Value::Opt(Some(inner))) => {
                        let inner = (**inner).clone();
                        self.all(tuple.elems.iter().zip(std::iter::once(&inner)), binds)?
                    }
                    (true, Value::Opt(None)) => Matches::No,
                    _ => {
                        let unknown = vec![Value::Unknown; tuple.elems.len()];
                        self.all(tuple.elems.iter().zip(&unknown), binds)?;
                        Matches::Unknown
                    }
                }
            }
            Pat::Path(path) => match path.path.get_ident().map(ToString::to_string) {
                Some(name) if name == "None" => match value {
                    Value::Opt(None) => Matches::Yes,
                    Value::Opt(Some(_)) => Matches::No,
                    _ => Matches::Unknown,
                },
                Some(name) if self.shared.consts.contains_key(&name) => {
                    let expected = self.constant(&name);
                    compare(self, expected)
                }
                _ => Matches::Unknown,
            },
            Pat::Type(typed) => self.pattern(&typed.pat, value, binds)?,
            Pat::Reference(reference) => self.pattern(&reference.pat, value, binds)?,
            Pat::Paren(paren) => self.pattern(&paren.pat, value, binds)?,
            other => {
                binds.extend(unknowns(other));
                Matches::Unknown
            }
        })
    }

    /// Matches every pattern with its value: `No` if one fails, `Unknown` if one is unknown.
    fn all<'p>(
        &mut self,
        pairs: impl Iterator<Item = (&'p Pat, &'p Value)>,
        binds: &mut Vec<(String, Value)>,
    ) -> R<Matches> {
        let mut result = Matches::Yes;
        for (pat, value) in pairs {
            match self.pattern(pat, value, binds)? {
                Matches::Yes => {}
                Matches::No => result = Matches::No,
                Matches::Unknown if result == Matches::Yes => result = Matches::Unknown,
                Matches::Unknown => {}
            }
        }
        Ok(result)
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
}

/// `SCREAMING_CASE`: the name of a constant.
fn is_const_name(name: &str) -> bool {
    name.chars().any(|c| c.is_ascii_uppercase())
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// The identifiers among `tokens`.
fn idents(tokens: TokenStream, names: &mut Vec<String>) {
    for tree in tokens {
        match tree {
            TokenTree::Ident(ident) => names.push(ident.to_string()),
            TokenTree::Group(group) => idents(group.stream(), names),
            _ => {}
        }
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

fn literal(lit: &Lit) -> Value {
    match lit {
        Lit::Int(int) => int
            .base10_parse::<i128>()
            .map_or(Value::Unknown, Value::Int),
        Lit::Bool(b) => Value::Bool(b.value),
        _ => Value::Unknown,
    }
}

/// `+=` as `+`, and so on.
fn compound_op(op: &BinOp) -> Option<BinOp> {
    Some(match op {
        BinOp::AddAssign(t) => BinOp::Add(Token![+](t.spans[0])),
        BinOp::SubAssign(t) => BinOp::Sub(Token![-](t.spans[0])),
        BinOp::MulAssign(t) => BinOp::Mul(Token![*](t.spans[0])),
        BinOp::DivAssign(t) => BinOp::Div(Token![/](t.spans[0])),
        BinOp::RemAssign(t) => BinOp::Rem(Token![%](t.spans[0])),
        BinOp::BitXorAssign(t) => BinOp::BitXor(Token![^](t.spans[0])),
        BinOp::BitAndAssign(t) => BinOp::BitAnd(Token![&](t.spans[0])),
        BinOp::BitOrAssign(t) => BinOp::BitOr(Token![|](t.spans[0])),
        BinOp::ShlAssign(t) => BinOp::Shl(Token![<<](t.spans[0])),
        BinOp::ShrAssign(t) => BinOp::Shr(Token![>>](t.spans[0])),
        _ => return None,
    })
}

/// `left op right`; `Err` when it panics (division by zero).
fn apply(op: &BinOp, left: &Value, right: &Value) -> Result<Value, ()> {
    use Value::{Bool, Int};
    Ok(match (left, right) {
        (Int(a), Int(b)) => {
            let (a, b) = (*a, *b);
            match op {
                BinOp::Add(_) => a.checked_add(b).map_or(Value::Unknown, Int),
                BinOp::Sub(_) => a.checked_sub(b).map_or(Value::Unknown, Int),
                BinOp::Mul(_) => a.checked_mul(b).map_or(Value::Unknown, Int),
                BinOp::Div(_) if b == 0 => return Err(()),
                BinOp::Rem(_) if b == 0 => return Err(()),
                BinOp::Div(_) => Int(a / b),
                BinOp::Rem(_) => Int(a % b),
                BinOp::BitAnd(_) if a >= 0 && b >= 0 => Int(a & b),
                BinOp::BitOr(_) if a >= 0 && b >= 0 => Int(a | b),
                BinOp::BitXor(_) if a >= 0 && b >= 0 => Int(a ^ b),
                BinOp::Shl(_) if (0..64).contains(&b) && a >= 0 => {
                    a.checked_shl(b as u32).map_or(Value::Unknown, Int)
                }
                BinOp::Shr(_) if (0..128).contains(&b) => Int(a >> b),
                BinOp::Eq(_) => Bool(a == b),
                BinOp::Ne(_) => Bool(a != b),
                BinOp::Lt(_) => Bool(a < b),
                BinOp::Le(_) => Bool(a <= b),
                BinOp::Gt(_) => Bool(a > b),
                BinOp::Ge(_) => Bool(a >= b),
                _ => Value::Unknown,
            }
        }
        (Bool(a), Bool(b)) => match op {
            BinOp::Eq(_) => Bool(a == b),
            BinOp::Ne(_) => Bool(a != b),
            BinOp::BitAnd(_) => Bool(*a & *b),
            BinOp::BitOr(_) => Bool(*a | *b),
            BinOp::BitXor(_) => Bool(*a ^ *b),
            _ => Value::Unknown,
        },
        _ => Value::Unknown,
    })
}

/// What a piece of the body may do, read from its syntax: communicate, leave the enclosing
/// code (`return`, or `break`/`continue` out of it), and which variables it assigns.
#[derive(Debug, Default)]
pub(crate) struct Effects {
    pub(crate) communicates: bool,
    pub(crate) leaves: bool,
    pub(crate) assigned: Vec<String>,
}

impl Effects {
    fn of_expr(expr: &Expr, interp: &Interp<'_>) -> Effects {
        let mut finder = EffectFinder::new(interp);
        finder.visit_expr(expr);
        finder.effects
    }

    fn of_block(block: &Block, interp: &Interp<'_>) -> Effects {
        let mut finder = EffectFinder::new(interp);
        finder.visit_block(block);
        finder.effects
    }
}

struct EffectFinder<'a, 'b> {
    interp: &'a Interp<'b>,
    effects: Effects,
    /// Loops entered inside the piece: a `break` in them stays inside.
    loop_depth: usize,
    labels: Vec<String>,
}

impl<'a, 'b> EffectFinder<'a, 'b> {
    fn new(interp: &'a Interp<'b>) -> Self {
        EffectFinder {
            interp,
            effects: Effects::default(),
            loop_depth: 0,
            labels: Vec::new(),
        }
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

    fn assigned(&mut self, target: &Expr) {
        match target {
            Expr::Path(path) => {
                if let Some(ident) = path.path.get_ident() {
                    self.effects.assigned.push(ident.to_string());
                }
            }
            Expr::Tuple(tuple) => tuple.elems.iter().for_each(|e| self.assigned(e)),
            Expr::Paren(inner) => self.assigned(&inner.expr),
            _ => {}
        }
    }

    /// Whether passing `expr` to a function may let it communicate: the communicator, `self`
    /// when the communicator is a field of it, or a token.
    fn hands_over(&self, expr: &Expr) -> bool {
        hands_over(self.interp, expr)
    }
}

/// Whether passing `expr` to a function may let it communicate: the communicator, `self` when
/// the communicator is a field of it, or a token.
fn hands_over(interp: &Interp<'_>, expr: &Expr) -> bool {
    let comm = &interp.shared.comm;
    if comm.is(expr) {
        return true;
    }
    if interp.shared.has_self && is_self(expr) {
        return true;
    }
    let mut mentions = Mentions {
        interp,
        found: false,
    };
    mentions.visit_expr(expr);
    mentions.found
}

/// Finds the communicator or a token inside an argument (not `comm.rank()`, `comm.size()`).
struct Mentions<'a, 'b> {
    interp: &'a Interp<'b>,
    found: bool,
}

impl<'ast> Visit<'ast> for Mentions<'_, '_> {
    fn visit_expr(&mut self, expr: &'ast Expr) {
        let comm = &self.interp.shared.comm;
        match expr {
            _ if comm.is(expr) => self.found = true,
            Expr::MethodCall(call)
                if comm.is(&call.receiver)
                    && matches!(call.method.to_string().as_str(), "rank" | "size" | "shift") =>
            {
                call.args.iter().for_each(|arg| self.visit_expr(arg));
            }
            Expr::Field(field) if is_self(&field.base) => {}
            // An op's result is data; its own arguments are followed where it is called.
            Expr::Call(call) if ops::called_op(&call.func).is_some() => {}
            Expr::Path(path) => {
                if let Some(ident) = path.path.get_ident() {
                    let name = ident.to_string();
                    let is_token = self.interp.lookup(&name).is_some_and(Value::holds_token);
                    let is_self = name == "self" && self.interp.shared.has_self;
                    if is_token || is_self {
                        self.found = true;
                    }
                }
            }
            Expr::Closure(_) => visit::visit_expr(self, expr),
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
fn tokens_mention(tokens: TokenStream, comm: &CommName) -> bool {
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
        if ops::called_op(&call.func).is_some() || call.args.iter().any(|arg| self.hands_over(arg))
        {
            self.effects.communicates = true;
        }
        visit::visit_expr_call(self, call);
    }

    fn visit_expr_method_call(&mut self, call: &'ast ExprMethodCall) {
        let comm = &self.interp.shared.comm;
        let on_comm = comm.is(&call.receiver)
            && !matches!(call.method.to_string().as_str(), "rank" | "size" | "shift");
        let on_self = self.interp.shared.has_self && is_self(&call.receiver);
        if on_comm || on_self || call.args.iter().any(|arg| self.hands_over(arg)) {
            self.effects.communicates = true;
        }
        visit::visit_expr_method_call(self, call);
    }

    fn visit_macro(&mut self, mac: &'ast Macro) {
        if tokens_mention(mac.tokens.clone(), &self.interp.shared.comm) {
            self.effects.communicates = true;
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
        visit::visit_expr_return(self, ret);
    }

    fn visit_expr_break(&mut self, expr: &'ast syn::ExprBreak) {
        if self.escapes(expr.label.as_ref()) {
            self.effects.leaves = true;
        }
        visit::visit_expr_break(self, expr);
    }

    fn visit_expr_continue(&mut self, expr: &'ast syn::ExprContinue) {
        if self.escapes(expr.label.as_ref()) {
            self.effects.leaves = true;
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
        let leaves = self.effects.leaves;
        let depth = std::mem::replace(&mut self.loop_depth, 1);
        visit::visit_expr_closure(self, closure);
        self.loop_depth = depth;
        self.effects.leaves = leaves;
    }

    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// Every name `pat` binds, each to an unknown value.
fn unknowns(pat: &Pat) -> Vec<(String, Value)> {
    binding_names(pat)
        .into_iter()
        .map(|name| (name, Value::Unknown))
        .collect()
}
