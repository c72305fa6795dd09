//! The trace of one rank's evaluation: the communication calls it makes and how it ends, as the
//! simulation and the reports read them.

use std::rc::Rc;

use proc_macro2::Span;
use syn::{Expr, Member};

use crate::ops::Op;

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

    /// Whether `expr` names this communicator (as [`of`](CommName::of) would, without making
    /// a name: it is asked of every call's receiver and arguments).
    pub(super) fn is(&self, expr: &Expr) -> bool {
        match (self, strip(expr)) {
            (CommName::Var(name), Expr::Path(path)) if path.qself.is_none() => path
                .path
                .get_ident()
                .is_some_and(|ident| ident != "self" && ident == name),
            (CommName::SelfField(field), Expr::Field(access)) if is_self(&access.base) => {
                match &access.member {
                    Member::Named(named) => named == field,
                    Member::Unnamed(index) => index.index.to_string() == *field,
                }
            }
            _ => false,
        }
    }

    /// How to write `comm.size()` for this communicator, for messages.
    pub(crate) fn size_expr(&self) -> String {
        match self {
            CommName::Var(name) => format!("{name}.size()"),
            CommName::SelfField(field) => format!("self.{field}.size()"),
        }
    }
}

/// `&x`, `(x)` down to `x`.
pub(super) fn strip(expr: &Expr) -> &Expr {
    match expr {
        Expr::Reference(reference) => strip(&reference.expr),
        Expr::Paren(paren) => strip(&paren.expr),
        Expr::Group(group) => strip(&group.expr),
        _ => expr,
    }
}

/// Whether `expr` is `self` (or `&self`, `(self)`).
pub(super) fn is_self(expr: &Expr) -> bool {
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
    /// The op issues a request (`isend`, `ibcast`, ...) and does not wait (the nonblocking
    /// v-collectives wait at their issue for every rank: not these).
    pub(crate) nonblocking: bool,
    /// The request it issues, numbered per rank (`wait`'s [`Kind::Complete`] names it).
    pub(crate) request: Option<usize>,
    /// The elements it sends, when known: of a send's message, or of a collective whose count
    /// every rank must pass alike (`allreduce`, `bcast`, ...; not the v-collectives).
    pub(crate) count: Option<i128>,
    /// The elements its receive holds, when known, and whether the message must fill them
    /// (a template) or may be shorter (`_into`).
    pub(crate) room: Option<(i128, bool)>,
    /// The communicator of the call, when it is one that `split` made in the body (`None`:
    /// the function's own). Its peers and root are ranks of that communicator.
    pub(crate) comm: Option<Rc<Group>>,
    /// For a call of `split`: which split of its communicator this is on the rank, and the
    /// colour passed (`None`: not known).
    pub(crate) split: Option<SplitAt>,
}

impl Event {
    /// The id of the call's communicator: 0 for the function's own, a [`Group`]'s id for one
    /// that `split` made.
    pub(crate) fn comm_id(&self) -> usize {
        self.comm.as_ref().map_or(0, |group| group.id)
    }

    /// The world rank (a rank of the function's communicator) of `peer`, a rank of the call's
    /// communicator; `None` when it has no such rank.
    pub(crate) fn world_rank(&self, peer: i128) -> Option<usize> {
        match &self.comm {
            Some(group) => usize::try_from(peer)
                .ok()
                .and_then(|index| group.members.get(index).copied()),
            None => usize::try_from(peer).ok(),
        }
    }
}

/// A communicator that `split` made, the same for every rank in it: an id (from 1; 0 is the
/// function's communicator) and its members, as ranks of the function's communicator, in the
/// order of their ranks in the new one.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct Group {
    pub(crate) id: usize,
    pub(crate) members: Vec<usize>,
}

/// A call of `split`, as the rank made it: on the communicator `parent` (a [`Group`]'s id, or
/// 0), the rank's `ordinal`-th split of that communicator, with `color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SplitAt {
    pub(crate) parent: usize,
    pub(crate) ordinal: usize,
    pub(crate) color: Option<i128>,
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
    /// `wait`, `wait_all`: waits until each of these requests completed; `None` when which
    /// requests it is given is not known (or for `test`, whose outcome depends on timing).
    Complete {
        requests: Option<Vec<usize>>,
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
            Kind::Send { .. } | Kind::Collective { .. } | Kind::Complete { .. } => None,
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
    /// Stopped at the start of a trip of a loop left on a uniform condition, whose state
    /// repeats that of the trip before: what follows is what the runs that leave earlier
    /// already showed, so this run is not played.
    Covered,
    /// The function cannot run with this rank and size: no value it needs (its `self`) is
    /// ever made with them. Why, where.
    Excluded(GiveUp),
}

/// A loop's iterations, once the loop is left.
#[derive(Debug, Clone)]
pub(crate) struct Trip {
    pub(crate) id: usize,
    pub(crate) span: Span,
    pub(crate) count: u32,
}

/// The evaluation of one rank.
#[derive(Debug, Clone)]
pub(crate) struct Trace {
    pub(crate) events: Vec<Event>,
    pub(crate) end: End,
    pub(crate) trips: Vec<Trip>,
    /// The `return`s this rank took.
    pub(crate) returns: Vec<Span>,
}
