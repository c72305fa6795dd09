//! The op table: every communication op of the runtime, with the facts the macro's analyses
//! and the runtime's exports read (its kind, the role of each argument, what it returns, the
//! family it matches with). Adding an op is one entry here plus its runtime function: the
//! runtime re-exports exactly the ops of this table (`spmd_macros::__for_each_op!`), so an
//! entry without a function, or a function without an entry, does not compile.

use syn::{Expr, PathSegment};

use crate::imports;

/// What an op does between ranks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Between two ranks, matched by peer and tag (`send`, `recv`, `isend`, ...).
    PointToPoint,
    /// Every rank of the communicator calls it, in the same order (`allreduce`, `ibcast`, ...).
    Collective,
    /// Completes requests that other ops issued (`wait`, `wait_all`, `test`).
    Completion,
}

/// What an op's call gives back beside (or instead of) the next token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Returns {
    /// The token alone: `send`, `barrier`, the in-place ops, the `_into` ops but the receives.
    Token,
    /// A value: `(value, token)` in explicit mode, the value in implicit mode.
    Value,
    /// A request for a nonblocking operation, completed later by a [`Kind::Completion`] op.
    Request,
}

/// What one argument of an op is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// Data sent or reduced, read only (`&buf`, `&sendbuf`).
    Data,
    /// A template for the shape and type of what is received (`&template`).
    Template,
    /// A buffer the op writes its result into (`&mut buf` of a receive, `&mut recvbuf`).
    Output,
    /// A buffer that is both input and result (`&mut buf` of the in-place ops).
    InPlace,
    /// The rank (and tag) a message goes to.
    Dest,
    /// The rank (and tag) a message comes from.
    Source,
    /// The root rank of a rooted collective.
    Root,
    /// The reduction operator (`Sum`, `Max`, ...).
    Reduction,
    /// Block sizes, one per rank (`&sendcounts`, `&recvcounts` of the v-collectives).
    Counts,
    /// The colour of a split: the ranks that pass the same one share the new communicator.
    Color,
    /// The communicator.
    Comm,
    /// One request to complete.
    Request,
    /// Several requests to complete.
    Requests,
}

/// One argument of an op, as the op's documentation writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Param {
    /// What it is for.
    pub(crate) role: Role,
    /// How the documentation writes it: `&buf`, `&mut recvbuf`, `root`, ...
    pub(crate) text: &'static str,
}

/// The runtime module that defines an op (`spmd::ops::<module>`), for its re-export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Module {
    /// `ops::p2p`: blocking point-to-point.
    P2p,
    /// `ops::collective`: blocking collectives without a reduction operator.
    Collective,
    /// `ops::reduction`: blocking collectives with a reduction operator.
    Reduction,
    /// `ops::nonblocking`: the nonblocking ops and their completion.
    Nonblocking,
    /// `ops::varying`: the collectives whose blocks vary from rank to rank, and the
    /// reduce-scatters.
    Varying,
}

impl Module {
    /// The module's name in the runtime.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Module::P2p => "p2p",
            Module::Collective => "collective",
            Module::Reduction => "reduction",
            Module::Nonblocking => "nonblocking",
            Module::Varying => "varying",
        }
    }
}

/// One op of the runtime: its entry in [`OPS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Op {
    /// The op's name, also its function name in `spmd`.
    pub(crate) name: &'static str,
    /// The ops it matches across ranks share a family: `allreduce` on one rank and
    /// `allreduce_in_place` on another are one collective. A nonblocking collective is its own
    /// family (MPI never matches it with a blocking one).
    pub(crate) family: &'static str,
    /// What it does between ranks.
    pub(crate) kind: Kind,
    /// The arguments before the token, as the user writes them (`comm` last, but for `wait`
    /// and `test`, whose request carries its communicator).
    pub(crate) params: &'static [Param],
    /// What a call gives back.
    pub(crate) returns: Returns,
    /// Gives every rank the same value (so a value computed from it is not rank-dependent).
    pub(crate) same_on_every_rank: bool,
    /// The form of this op that receives into the caller's buffer and reports how many
    /// elements came: what a truncation error suggests.
    pub(crate) receive_into: Option<&'static str>,
    /// The runtime module that defines it.
    pub(crate) module: Module,
    /// Issues a request, but its issue waits for every rank to issue it, as a blocking
    /// collective does (the nonblocking v-collectives exchange their counts there).
    pub(crate) issue_waits_for_all: bool,
}

impl Op {
    /// The number of arguments in implicit mode (no token).
    pub(crate) fn implicit_arity(self) -> usize {
        self.params.len()
    }

    /// The number of arguments in explicit mode (token last).
    pub(crate) fn explicit_arity(self) -> usize {
        self.params.len() + 1
    }

    /// Every rank of the communicator must call it, in the same order.
    pub(crate) fn is_collective(self) -> bool {
        self.kind == Kind::Collective
    }

    /// Returns a value beside the token (`(value, token)`), not the token alone.
    pub(crate) fn returns_value(self) -> bool {
        self.returns != Returns::Token
    }

    /// Issues a nonblocking operation: its value is a request.
    pub(crate) fn issues_request(self) -> bool {
        self.returns == Returns::Request
    }

    /// Issues or completes a nonblocking operation.
    pub(crate) fn is_nonblocking(self) -> bool {
        self.issues_request() || self.kind == Kind::Completion
    }

    /// The position of its argument of `role`, if it has one.
    pub(crate) fn position(self, role: Role) -> Option<usize> {
        self.params.iter().position(|param| param.role == role)
    }

    /// The two accepted forms, for error messages: `op(a, b, comm)` and `op(a, b, comm, token)`.
    pub(crate) fn forms(self) -> String {
        let params: Vec<&str> = self.params.iter().map(|param| param.text).collect();
        let params = params.join(", ");
        format!(
            "`{name}({params})`, or with an explicit token `{name}({params}, token)`",
            name = self.name
        )
    }

    const fn new(
        name: &'static str,
        family: &'static str,
        kind: Kind,
        module: Module,
        params: &'static [Param],
    ) -> Op {
        Op {
            name,
            family,
            kind,
            params,
            returns: Returns::Value,
            same_on_every_rank: false,
            receive_into: None,
            module,
            issue_waits_for_all: false,
        }
    }

    /// Returns the token alone.
    const fn token_only(self) -> Op {
        Op {
            returns: Returns::Token,
            ..self
        }
    }

    /// Returns a request.
    const fn request(self) -> Op {
        Op {
            returns: Returns::Request,
            ..self
        }
    }

    /// Gives every rank the same value.
    const fn same_on_every_rank(self) -> Op {
        Op {
            same_on_every_rank: true,
            ..self
        }
    }

    /// Issues a request whose issue waits for every rank.
    const fn issue_waits_for_all(self) -> Op {
        Op {
            issue_waits_for_all: true,
            ..self
        }
    }

    /// Suggests `op` on truncation.
    const fn receive_into(self, op: &'static str) -> Op {
        Op {
            receive_into: Some(op),
            ..self
        }
    }
}

const fn param(role: Role, text: &'static str) -> Param {
    Param { role, text }
}

const BUF: Param = param(Role::Data, "&buf");
const SENDBUF: Param = param(Role::Data, "&sendbuf");
const TEMPLATE: Param = param(Role::Template, "&template");
const INTO_BUF: Param = param(Role::Output, "&mut buf");
/// `isend`'s buffer: lent (`&buf`) or a `Vec` handed over.
const SEND_BUF: Param = param(Role::Data, "buf");
/// `irecv_into`'s buffer: lent (`&mut buf`) or a `Vec` handed over.
const RECV_BUF: Param = param(Role::Output, "buf");
/// `ibcast`'s and `iallreduce`'s buffer: lent (`&buf`) or a `Vec` handed over.
const COLLECTIVE_BUF: Param = param(Role::Data, "buf");
const RECVBUF: Param = param(Role::Output, "&mut recvbuf");
/// A nonblocking `_into` op's send buffer: lent (`&sendbuf`) or a `Vec` handed over.
const SEND_INTO: Param = param(Role::Data, "sendbuf");
/// A nonblocking `_into` op's receive buffer: lent (`&mut recvbuf`) or a `Vec` handed over.
const RECV_INTO: Param = param(Role::Output, "recvbuf");
const IN_PLACE: Param = param(Role::InPlace, "&mut buf");
const DEST: Param = param(Role::Dest, "dest");
const SOURCE: Param = param(Role::Source, "source");
const ROOT: Param = param(Role::Root, "root");
const OP: Param = param(Role::Reduction, "op");
const COMM: Param = param(Role::Comm, "comm");
const COLOR: Param = param(Role::Color, "color");
const SENDCOUNTS: Param = param(Role::Counts, "&sendcounts");
const RECVCOUNTS: Param = param(Role::Counts, "&recvcounts");
const COUNTS: Param = param(Role::Counts, "&counts");
const REQUEST: Param = param(Role::Request, "request");
const REQUESTS: Param = param(Role::Requests, "requests");

const fn p2p(name: &'static str, family: &'static str, params: &'static [Param]) -> Op {
    Op::new(name, family, Kind::PointToPoint, Module::P2p, params)
}

const fn collective(name: &'static str, family: &'static str, params: &'static [Param]) -> Op {
    Op::new(name, family, Kind::Collective, Module::Collective, params)
}

const fn reduction(name: &'static str, family: &'static str, params: &'static [Param]) -> Op {
    Op::new(name, family, Kind::Collective, Module::Reduction, params)
}

const fn varying(name: &'static str, family: &'static str, params: &'static [Param]) -> Op {
    Op::new(name, family, Kind::Collective, Module::Varying, params)
}

const fn nonblocking(name: &'static str, kind: Kind, params: &'static [Param]) -> Op {
    Op::new(name, name, kind, Module::Nonblocking, params).request()
}

/// The `_into` form of a nonblocking op, matched with the op `family` across ranks.
const fn nonblocking_in(
    name: &'static str,
    family: &'static str,
    kind: Kind,
    params: &'static [Param],
) -> Op {
    Op::new(name, family, kind, Module::Nonblocking, params).request()
}

const fn completion(name: &'static str, params: &'static [Param]) -> Op {
    Op::new(name, name, Kind::Completion, Module::Nonblocking, params)
}

/// Every op of the runtime. The names are reserved inside a `#[spmd_jit]` body.
pub(crate) const OPS: &[Op] = &[
    p2p("send", "send", &[BUF, DEST, COMM]).token_only(),
    p2p("recv", "recv", &[TEMPLATE, SOURCE, COMM]).receive_into("recv_into"),
    p2p("recv_with_status", "recv", &[TEMPLATE, SOURCE, COMM]).receive_into("recv_into"),
    p2p("recv_into", "recv", &[INTO_BUF, SOURCE, COMM]).receive_into("recv_into"),
    p2p(
        "sendrecv",
        "sendrecv",
        &[SENDBUF, TEMPLATE, SOURCE, DEST, COMM],
    )
    .receive_into("sendrecv_into"),
    p2p(
        "sendrecv_with_status",
        "sendrecv",
        &[SENDBUF, TEMPLATE, SOURCE, DEST, COMM],
    )
    .receive_into("sendrecv_into"),
    p2p(
        "sendrecv_into",
        "sendrecv",
        &[SENDBUF, RECVBUF, SOURCE, DEST, COMM],
    )
    .receive_into("sendrecv_into"),
    // ANCHOR: entries
    reduction("allreduce", "allreduce", &[BUF, OP, COMM]).same_on_every_rank(),
    reduction("allreduce_in_place", "allreduce", &[IN_PLACE, OP, COMM]).token_only(),
    reduction("allreduce_into", "allreduce", &[SENDBUF, RECVBUF, OP, COMM]).token_only(),
    reduction("reduce", "reduce", &[BUF, OP, ROOT, COMM]),
    reduction("reduce_in_place", "reduce", &[IN_PLACE, OP, ROOT, COMM]).token_only(),
    reduction("reduce_into", "reduce", &[SENDBUF, RECVBUF, OP, ROOT, COMM]).token_only(),
    collective("bcast", "bcast", &[BUF, ROOT, COMM]).same_on_every_rank(),
    collective("bcast_in_place", "bcast", &[IN_PLACE, ROOT, COMM]).token_only(),
    collective("gather", "gather", &[BUF, ROOT, COMM]),
    collective("gather_into", "gather", &[SENDBUF, RECVBUF, ROOT, COMM]).token_only(),
    collective("allgather", "allgather", &[BUF, COMM]).same_on_every_rank(),
    collective("allgather_into", "allgather", &[SENDBUF, RECVBUF, COMM]).token_only(),
    collective("scatter", "scatter", &[BUF, ROOT, COMM]),
    collective("scatter_into", "scatter", &[SENDBUF, RECVBUF, ROOT, COMM]).token_only(),
    collective("alltoall", "alltoall", &[BUF, COMM]),
    collective("alltoall_into", "alltoall", &[SENDBUF, RECVBUF, COMM]).token_only(),
    reduction("scan", "scan", &[BUF, OP, COMM]),
    reduction("scan_in_place", "scan", &[IN_PLACE, OP, COMM]).token_only(),
    reduction("scan_into", "scan", &[SENDBUF, RECVBUF, OP, COMM]).token_only(),
    reduction("exscan", "exscan", &[BUF, OP, COMM]),
    reduction("exscan_in_place", "exscan", &[IN_PLACE, OP, COMM]).token_only(),
    reduction("exscan_into", "exscan", &[SENDBUF, RECVBUF, OP, COMM]).token_only(),
    collective("barrier", "barrier", &[COMM]).token_only(),
    collective("split", "split", &[COLOR, COMM]),
    varying("gatherv", "gatherv", &[BUF, ROOT, COMM]),
    varying(
        "gatherv_into",
        "gatherv",
        &[SENDBUF, RECVBUF, RECVCOUNTS, ROOT, COMM],
    )
    .token_only(),
    varying("allgatherv", "allgatherv", &[BUF, COMM]).same_on_every_rank(),
    varying(
        "allgatherv_into",
        "allgatherv",
        &[SENDBUF, RECVBUF, RECVCOUNTS, COMM],
    )
    .token_only(),
    varying("scatterv", "scatterv", &[SENDBUF, SENDCOUNTS, ROOT, COMM]),
    varying(
        "scatterv_into",
        "scatterv",
        &[SENDBUF, SENDCOUNTS, RECVBUF, ROOT, COMM],
    )
    .token_only(),
    varying("alltoallv", "alltoallv", &[SENDBUF, SENDCOUNTS, COMM]),
    varying(
        "alltoallv_into",
        "alltoallv",
        &[SENDBUF, SENDCOUNTS, RECVBUF, RECVCOUNTS, COMM],
    )
    .token_only(),
    varying(
        "reduce_scatter_block",
        "reduce_scatter_block",
        &[BUF, OP, COMM],
    ),
    varying(
        "reduce_scatter_block_into",
        "reduce_scatter_block",
        &[SENDBUF, RECVBUF, OP, COMM],
    )
    .token_only(),
    varying("reduce_scatter", "reduce_scatter", &[BUF, COUNTS, OP, COMM]),
    varying(
        "reduce_scatter_into",
        "reduce_scatter",
        &[SENDBUF, RECVBUF, COUNTS, OP, COMM],
    )
    .token_only(),
    nonblocking("isend", Kind::PointToPoint, &[SEND_BUF, DEST, COMM]),
    nonblocking("irecv", Kind::PointToPoint, &[TEMPLATE, SOURCE, COMM]).receive_into("irecv_into"),
    nonblocking("irecv_into", Kind::PointToPoint, &[RECV_BUF, SOURCE, COMM])
        .receive_into("irecv_into"),
    // ANCHOR_END: entries
    nonblocking(
        "isendrecv",
        Kind::PointToPoint,
        &[SENDBUF, TEMPLATE, SOURCE, DEST, COMM],
    )
    .receive_into("isendrecv_into"),
    nonblocking_in(
        "isendrecv_into",
        "isendrecv",
        Kind::PointToPoint,
        &[SEND_INTO, RECV_INTO, SOURCE, DEST, COMM],
    )
    .receive_into("isendrecv_into"),
    nonblocking("ibarrier", Kind::Collective, &[COMM]),
    nonblocking("ibcast", Kind::Collective, &[COLLECTIVE_BUF, ROOT, COMM]),
    nonblocking("iallreduce", Kind::Collective, &[COLLECTIVE_BUF, OP, COMM]),
    nonblocking_in(
        "iallreduce_into",
        "iallreduce",
        Kind::Collective,
        &[SEND_INTO, RECV_INTO, OP, COMM],
    ),
    nonblocking("iscan", Kind::Collective, &[COLLECTIVE_BUF, OP, COMM]),
    nonblocking_in(
        "iscan_into",
        "iscan",
        Kind::Collective,
        &[SEND_INTO, RECV_INTO, OP, COMM],
    ),
    nonblocking("iexscan", Kind::Collective, &[COLLECTIVE_BUF, OP, COMM]),
    nonblocking_in(
        "iexscan_into",
        "iexscan",
        Kind::Collective,
        &[SEND_INTO, RECV_INTO, OP, COMM],
    ),
    nonblocking("ireduce", Kind::Collective, &[BUF, OP, ROOT, COMM]),
    nonblocking_in(
        "ireduce_into",
        "ireduce",
        Kind::Collective,
        &[SEND_INTO, RECV_INTO, OP, ROOT, COMM],
    ),
    nonblocking("igather", Kind::Collective, &[BUF, ROOT, COMM]),
    nonblocking_in(
        "igather_into",
        "igather",
        Kind::Collective,
        &[SEND_INTO, RECV_INTO, ROOT, COMM],
    ),
    nonblocking("ireduce_scatter_block", Kind::Collective, &[BUF, OP, COMM]),
    nonblocking(
        "ireduce_scatter",
        Kind::Collective,
        &[BUF, COUNTS, OP, COMM],
    ),
    nonblocking_in(
        "ireduce_scatter_into",
        "ireduce_scatter",
        Kind::Collective,
        &[SEND_INTO, RECV_INTO, COUNTS, OP, COMM],
    ),
    nonblocking("iscatter", Kind::Collective, &[BUF, ROOT, COMM]),
    nonblocking_in(
        "iscatter_into",
        "iscatter",
        Kind::Collective,
        &[SEND_INTO, RECV_INTO, ROOT, COMM],
    ),
    nonblocking("igatherv", Kind::Collective, &[BUF, ROOT, COMM]).issue_waits_for_all(),
    nonblocking_in(
        "igatherv_into",
        "igatherv",
        Kind::Collective,
        &[SEND_INTO, RECV_INTO, RECVCOUNTS, ROOT, COMM],
    )
    .issue_waits_for_all(),
    nonblocking("iallgatherv", Kind::Collective, &[BUF, COMM]).issue_waits_for_all(),
    nonblocking_in(
        "iallgatherv_into",
        "iallgatherv",
        Kind::Collective,
        &[SEND_INTO, RECV_INTO, RECVCOUNTS, COMM],
    )
    .issue_waits_for_all(),
    nonblocking(
        "iscatterv",
        Kind::Collective,
        &[SENDBUF, SENDCOUNTS, ROOT, COMM],
    )
    .issue_waits_for_all(),
    nonblocking_in(
        "iscatterv_into",
        "iscatterv",
        Kind::Collective,
        &[SEND_INTO, SENDCOUNTS, RECV_INTO, ROOT, COMM],
    )
    .issue_waits_for_all(),
    nonblocking("ialltoallv", Kind::Collective, &[SENDBUF, SENDCOUNTS, COMM]).issue_waits_for_all(),
    nonblocking_in(
        "ialltoallv_into",
        "ialltoallv",
        Kind::Collective,
        &[SEND_INTO, SENDCOUNTS, RECV_INTO, RECVCOUNTS, COMM],
    )
    .issue_waits_for_all(),
    nonblocking("iallgather", Kind::Collective, &[BUF, COMM]),
    nonblocking_in(
        "iallgather_into",
        "iallgather",
        Kind::Collective,
        &[SEND_INTO, RECV_INTO, COMM],
    ),
    nonblocking("ialltoall", Kind::Collective, &[BUF, COMM]),
    nonblocking_in(
        "ialltoall_into",
        "ialltoall",
        Kind::Collective,
        &[SEND_INTO, RECV_INTO, COMM],
    ),
    completion("wait", &[REQUEST]),
    // `wait_all` takes the communicator for its record; a request carries its own.
    completion("wait_all", &[REQUESTS, COMM]),
    completion("test", &[REQUEST]),
];

/// The runtime's reduction operators (`spmd::Sum`, ...), which a collective's `op` argument
/// names.
pub(crate) const REDUCTION_OPERATORS: &[&str] = &[
    "Sum", "Prod", "Max", "Min", "LAnd", "LOr", "LXor", "BAnd", "BOr", "BXor",
];

/// The op called `name`, if any.
pub(crate) fn by_name(name: &str) -> Option<Op> {
    OPS.iter().copied().find(|op| op.name == name)
}

/// The op that a single name means in the file being expanded: an op's own name, or a rename
/// of one in the file's `use` items (see [`imports`]).
pub(crate) fn op_named(name: &str) -> Option<Op> {
    by_name(name).or_else(|| imports::original_name(name).and_then(|original| by_name(&original)))
}

/// The op a call's callee names: a bare op name (`allreduce`) or a rename of one imported in
/// the file (`ar` after `use spmd::allreduce as ar`), or one under `spmd` or a rename of the
/// crate (`spmd::allreduce`, `::spmd::allreduce`, `sp::allreduce`). Any other path is a plain
/// function.
pub(crate) fn called_op(callee: &Expr) -> Option<(Op, &PathSegment)> {
    let Expr::Path(path) = callee else {
        return None;
    };
    if path.qself.is_some() {
        return None;
    }
    let segments = &path.path.segments;
    let last = segments.last()?;
    let under_spmd = |first: &PathSegment| {
        imports::is_crate_name(&first.ident.to_string()) && first.arguments.is_none()
    };
    match segments.len() {
        // A bare name: an op's, or a rename of one (`use spmd::allreduce as ar`).
        1 if path.path.leading_colon.is_none() => {
            op_named(&last.ident.to_string()).map(|op| (op, last))
        }
        2 if segments.first().is_some_and(under_spmd) => {
            by_name(&last.ident.to_string()).map(|op| (op, last))
        }
        _ => None,
    }
}

/// Whether `callee` is the runtime's `scope` (bare, a rename of it, or under `spmd`): its
/// closure argument runs once, at once, in place, so the calls in it are ordered as if written
/// where the call is.
pub(crate) fn is_scope_fn(callee: &Expr) -> bool {
    let Expr::Path(path) = callee else {
        return false;
    };
    let segments = &path.path.segments;
    let Some(last) = segments.last() else {
        return false;
    };
    let named_scope = last.ident == "scope";
    path.qself.is_none()
        && match segments.len() {
            1 => {
                path.path.leading_colon.is_none()
                    && (named_scope
                        || imports::original_name(&last.ident.to_string())
                            .is_some_and(|original| original == "scope"))
            }
            2 => {
                named_scope
                    && segments
                        .first()
                        .is_some_and(|first| imports::is_crate_name(&first.ident.to_string()))
            }
            _ => false,
        }
}

/// Whether `callee` is the runtime's `token()` (bare or under `spmd`).
pub(crate) fn is_token_fn(callee: &Expr) -> bool {
    let Expr::Path(path) = callee else {
        return false;
    };
    let segments = &path.path.segments;
    let is_token = segments.last().is_some_and(|last| last.ident == "token");
    path.qself.is_none()
        && is_token
        && match segments.len() {
            1 => path.path.leading_colon.is_none(),
            2 => segments
                .first()
                .is_some_and(|first| imports::is_crate_name(&first.ident.to_string())),
            _ => false,
        }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique() {
        for (i, a) in OPS.iter().enumerate() {
            assert!(
                OPS.iter().skip(i + 1).all(|b| a.name != b.name),
                "{}",
                a.name
            );
        }
    }

    #[test]
    fn token_only_ops() {
        let token_only: Vec<&str> = OPS
            .iter()
            .filter(|op| !op.returns_value())
            .map(|op| op.name)
            .collect();
        assert_eq!(token_only.len(), 21, "{token_only:?}");
        assert!(by_name("recv_into").is_some_and(Op::returns_value));
    }

    #[test]
    fn every_op_takes_comm_last() {
        // But `wait` and `test`, whose request carries its communicator.
        let without = ["wait", "test"];
        assert!(
            OPS.iter()
                .filter(|op| !without.contains(&op.name))
                .all(|op| op.params.last().map(|param| param.role) == Some(Role::Comm))
        );
    }

    #[test]
    fn the_facts_agree() {
        for op in OPS {
            let has = |role| op.position(role).is_some();
            // A family is one of its ops: the blocking op whose forms match each other.
            let family = by_name(op.family).unwrap_or_else(|| panic!("{}", op.name));
            assert_eq!(family.kind, op.kind, "{}", op.name);
            assert_eq!(family.issues_request(), op.issues_request(), "{}", op.name);
            if has(Role::Root) || has(Role::Reduction) {
                assert!(op.is_collective(), "{}", op.name);
            }
            if op.kind == Kind::PointToPoint {
                assert!(has(Role::Dest) || has(Role::Source), "{}", op.name);
            }
            // A blocking collective returns the token alone when its result is in the
            // caller's buffer, or when it has none (`barrier`).
            if op.is_collective() && !op.issues_request() {
                let no_result = has(Role::Output) || has(Role::InPlace) || op.params == [COMM];
                assert_eq!(op.returns == Returns::Token, no_result, "{}", op.name);
            }
            if let Some(into) = op.receive_into {
                let into = by_name(into).unwrap_or_else(|| panic!("{}", op.name));
                assert!(has(Role::Source) && into.position(Role::Output).is_some());
                assert!(into.returns_value(), "{} reports a status", into.name);
            }
            if op.same_on_every_rank {
                assert!(op.is_collective() && !op.is_nonblocking(), "{}", op.name);
            }
            // Only a collective's issue can wait for every rank; the forms of a family alike.
            if op.issue_waits_for_all {
                assert!(op.is_collective() && op.issues_request(), "{}", op.name);
            }
            assert_eq!(
                family.issue_waits_for_all, op.issue_waits_for_all,
                "{}",
                op.name
            );
        }
    }
}
