//! Calls of the runtime's ops: the event each records, with its peers, tags, root and operator.

use proc_macro2::Span;
use syn::{Expr, ExprCall};

use super::{Ctl, EVENT_LIMIT, End, Interp, R, Value, give_up, id_of};
use std::rc::Rc;

use crate::analyse::pattern::trace::{Event, Kind, SplitAt, strip};
use crate::analyse::pattern::value::Sym;
use crate::ops::{Op, REDUCTION_OPERATORS, Role};

/// The name of the reduction operator of an op call, when it is one of the runtime's.
fn reduction_name(expr: &Expr) -> Option<String> {
    let Expr::Path(path) = strip(expr) else {
        return None;
    };
    let last = path.path.segments.last()?.ident.to_string();
    REDUCTION_OPERATORS.contains(&last.as_str()).then_some(last)
}

impl Interp<'_> {
    /// The number of this rank's split of the communicator `parent` about to be made (from
    /// 0), counted.
    fn split_ordinal(&mut self, parent: usize) -> usize {
        match self.splits_made.iter_mut().find(|(id, _)| *id == parent) {
            Some((_, made)) => {
                *made += 1;
                *made - 1
            }
            None => {
                self.splits_made.push((parent, 1));
                0
            }
        }
    }

    /// A call of an op: an event, but for the completion of requests (`wait`, `wait_all`,
    /// `test`), which is none: the requests' ops were recorded when they were issued.
    pub(super) fn op_call(&mut self, op: Op, span: Span, call: &ExprCall) -> R<Value> {
        let count = call.args.len();
        let explicit = count == op.explicit_arity();
        if count != op.implicit_arity() && !explicit {
            return give_up(span, "this call has the wrong number of arguments");
        }
        let mut values = Vec::new();
        for arg in &call.args {
            values.push(self.expr(arg)?);
        }
        if op.is_nonblocking() && !op.issues_request() {
            // `wait`, `wait_all`: the requests they complete; `test` may or may not.
            let requests = match (op.name, values.first()) {
                ("wait" | "wait_all", Some(value)) => requests_in(value),
                _ => None,
            };
            self.completion(op, span, id_of(call), requests)?;
            return Ok(result_of(op, explicit, None));
        }
        // The request an issuing op returns: numbered whether or not it moves a message (a
        // request of a send to no one completes at once).
        let request = op.issues_request().then(|| {
            self.next_request += 1;
            self.next_request - 1
        });
        let param = |role: Role| {
            op.position(role)
                .and_then(|index| Some((values.get(index)?, call.args.iter().nth(index)?)))
        };
        // The call's communicator: the function's own, or one that `split` made.
        let group = match param(Role::Comm) {
            Some((Value::Comm(group), _)) => Some(Rc::clone(group)),
            Some((_, comm)) if self.shared.comm.is(comm) => None,
            Some((_, comm)) => return give_up(span, other_communicator(comm)),
            None => None,
        };
        let unknown_peer = |what: &str| {
            give_up::<Kind>(
                span,
                format!(
                    "the {what} of `{}` is not computed from the rank and size",
                    op.name
                ),
            )
        };
        let kind = if op.is_collective() {
            let root = param(Role::Root).and_then(|(value, _)| value.int());
            let reduction = param(Role::Reduction).and_then(|(_, expr)| reduction_name(expr));
            Kind::Collective {
                family: op.family,
                root,
                reduction,
            }
        } else {
            // Per peer: not a parameter of the op (`None`), not known (`Some(None)`), no one
            // (`Some(Some(None))`), or a rank or any (`Some(Some(Some(..)))`).
            let dest = param(Role::Dest).map(|(value, _)| match value {
                Value::Int(rank) => Some(Some((*rank, 0))),
                Value::Dest { rank, tag } => Some(Some((*rank, *tag))),
                Value::NoOne => Some(None),
                _ => None,
            });
            let source = param(Role::Source).map(|(value, _)| match value {
                Value::Int(rank) => Some(Some((Some(*rank), None))),
                Value::Source { rank, tag } => Some(Some((*rank, *tag))),
                Value::NoOne => Some(None),
                _ => None,
            });
            let send = |(to, tag)| Kind::Send { to, tag };
            let recv = |(from, tag)| Kind::Recv { from, tag };
            let kind = match (dest, source) {
                (Some(None), _) => Some(unknown_peer("destination")?),
                (_, Some(None)) => Some(unknown_peer("source")?),
                (Some(Some(to)), None) => to.map(send),
                (None, Some(Some(from))) => from.map(recv),
                (Some(Some(to)), Some(Some(from))) => match (to, from) {
                    (Some((to, send_tag)), Some((from, recv_tag))) => Some(Kind::Sendrecv {
                        to,
                        send_tag,
                        from,
                        recv_tag,
                    }),
                    (Some(to), None) => Some(send(to)),
                    (None, Some(from)) => Some(recv(from)),
                    (None, None) => None,
                },
                (None, None) => return give_up(span, "this op is not known"),
            };
            match kind {
                Some(kind) => kind,
                // With no one to send to or receive from, the op does nothing.
                None => return Ok(result_of(op, explicit, request)),
            }
        };
        // What it sends and what its receive holds, where the buffers' lengths are known.
        let data = param(Role::Data)
            .or_else(|| param(Role::InPlace))
            .and_then(|(value, _)| elements(value));
        let count = if op.is_collective() {
            data.filter(|_| SAME_COUNT.contains(&op.family))
        } else {
            data
        };
        let room = param(Role::Template)
            .map(|(value, _)| (value, true))
            .or_else(|| param(Role::Output).map(|(value, _)| (value, false)))
            .and_then(|(value, exact)| Some((elements(value)?, exact)));
        let split = (op.name == "split").then(|| {
            let parent = group.as_ref().map_or(0, |group| group.id);
            let ordinal = self.split_ordinal(parent);
            let color = param(Role::Color).and_then(|(value, _)| value.int());
            SplitAt {
                parent,
                ordinal,
                color,
            }
        });
        let uniform = if op.is_collective() {
            let number = self.next_collective;
            self.next_collective += 1;
            // The same result on every rank, of data not computed: any value, the same
            // everywhere. (A result of data that is computed is some value the evaluation
            // does not work out: not taken as any value.)
            let data_unknown = param(Role::Data).is_some_and(|(value, _)| match value {
                Value::Unknown => true,
                // `[x; n]`, `vec![x; n]`: a length, items not followed.
                Value::Array(items) => items.iter().all(|item| *item == Value::Unknown),
                _ => false,
            });
            (op.same_on_every_rank && !op.issues_request() && data_unknown).then(|| {
                let site = id_of(call);
                Sym::value(format!("c{site}#{number}"), vec![(site, number)])
            })
        } else {
            None
        };
        self.events.push(Event {
            op,
            span,
            site: id_of(call),
            kind,
            in_loop: self.loops.last().copied(),
            // A request whose issue waits for every rank is a blocking collective until then.
            nonblocking: op.issues_request() && !op.issue_waits_for_all,
            request,
            count,
            room,
            comm: group,
            split,
        });
        if self.events.len() > EVENT_LIMIT {
            return Err(Ctl::Stop(End::Budget));
        }
        if let Some(made) = split {
            // The communicator of this rank's colour, once the round before saw every rank's.
            let value = match (made.color, self.shared.splits) {
                (Some(color), Some(splits)) => splits
                    .borrow()
                    .group(made.parent, made.ordinal, color)
                    .map_or(Value::Unknown, Value::Comm),
                _ => Value::Unknown,
            };
            return Ok(if explicit {
                Value::Tuple(vec![value, Value::Token])
            } else {
                value
            });
        }
        match uniform {
            Some(value) if !explicit => Ok(value),
            Some(value) => Ok(Value::Tuple(vec![value, Value::Token])),
            None => Ok(result_of(op, explicit, request)),
        }
    }
}

/// Why the evaluation cannot follow a call on the communicator `comm`, neither the function's
/// nor one that `split` made in it with colours known on every rank.
fn other_communicator(comm: &Expr) -> String {
    let name = match strip(comm) {
        Expr::Path(path) => path.path.get_ident().map_or_else(
            || "this communicator".to_owned(),
            |ident| format!("`{ident}`"),
        ),
        _ => "this communicator".to_owned(),
    };
    format!(
        "this call uses {name}, {OTHER_COMMUNICATOR}, whose ranks the check does not know: the \
         check follows communicators made by `split` in the function, with colours computed \
         from the rank and size on every rank"
    )
}

/// What the give-up of a call on a communicator the check does not know says: a function that
/// gives up so may be checked with its callers, which may know it.
pub(crate) const OTHER_COMMUNICATOR: &str = "another communicator than the function's";

/// The collectives whose count every rank must pass alike (the runtime's agreement compares
/// it), by family: not the v-collectives, nor `scatter`, whose buffer only the root fills.
const SAME_COUNT: &[&str] = &[
    "allreduce",
    "reduce",
    "bcast",
    "gather",
    "allgather",
    "alltoall",
    "scan",
    "exscan",
    "iallreduce",
    "ireduce",
    "ibcast",
    "igather",
    "iallgather",
    "ialltoall",
    "iscan",
    "iexscan",
];

/// The number of elements of a buffer argument, when its value says: an array or `Vec` whose
/// length is known (of single elements, not of arrays or tuples), or a single number.
fn elements(value: &Value) -> Option<i128> {
    match value {
        Value::Array(items)
            if items
                .iter()
                .all(|item| !matches!(item, Value::Array(_) | Value::Tuple(_))) =>
        {
            Some(items.len() as i128)
        }
        Value::Int(_) | Value::Bool(_) => Some(1),
        _ => None,
    }
}

/// The value of an op's call: its token in explicit mode, beside its request or a value not
/// known.
fn result_of(op: Op, explicit: bool, request: Option<usize>) -> Value {
    let value = request.map_or(Value::Unknown, Value::Request);
    match (explicit, op.returns_value()) {
        (false, _) => value,
        (true, false) => Value::Token,
        (true, true) => Value::Tuple(vec![value, Value::Token]),
    }
}

/// The requests a `wait` or `wait_all` is given: one, or a tuple or array of them (nested);
/// `None` when any is not known.
fn requests_in(value: &Value) -> Option<Vec<usize>> {
    match value {
        Value::Request(id) => Some(vec![*id]),
        Value::Tuple(items) | Value::Array(items) => {
            let mut all = Vec::new();
            for item in items {
                all.extend(requests_in(item)?);
            }
            Some(all)
        }
        _ => None,
    }
}
