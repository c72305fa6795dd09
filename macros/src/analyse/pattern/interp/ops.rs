//! Calls of the runtime's ops: the event each records, with its peers, tags, root and operator.

use proc_macro2::Span;
use syn::{Expr, ExprCall};

use super::{Ctl, EVENT_LIMIT, End, Interp, R, Value, give_up, id_of};
use crate::analyse::pattern::trace::{Event, Kind, strip};
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
            return Ok(result_of(op, explicit));
        }
        let param = |role: Role| {
            op.position(role)
                .and_then(|index| Some((values.get(index)?, call.args.iter().nth(index)?)))
        };
        if let Some((_, comm)) = param(Role::Comm)
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
        let kind = if op.is_collective() {
            let root = param(Role::Root).and_then(|(value, _)| value.int());
            let reduction = param(Role::Reduction).and_then(|(_, expr)| reduction_name(expr));
            Kind::Collective {
                family: op.family,
                root,
                reduction,
            }
        } else {
            let dest = param(Role::Dest).map(|(value, _)| match value {
                Value::Int(rank) => Some((*rank, 0)),
                Value::Dest { rank, tag } => Some((*rank, *tag)),
                _ => None,
            });
            let source = param(Role::Source).map(|(value, _)| match value {
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
            in_loop: self.loops.last().copied(),
            // A request whose issue waits for every rank is a blocking collective until then.
            nonblocking: op.issues_request() && !op.issue_waits_for_all,
        });
        if self.events.len() > EVENT_LIMIT {
            return Err(Ctl::Stop(End::Budget));
        }
        Ok(result_of(op, explicit))
    }
}

/// The value of an op's call: its token in explicit mode, beside a value not known.
fn result_of(op: Op, explicit: bool) -> Value {
    match (explicit, op.returns_value()) {
        (false, _) => Value::Unknown,
        (true, false) => Value::Token,
        (true, true) => Value::Tuple(vec![Value::Unknown, Value::Token]),
    }
}
