//! The communication ops `#[spmd_jit]` knows: their names, arities and kinds.

use syn::{Expr, PathSegment};

use crate::imports;

/// One op of the runtime, as a call site in a `#[spmd_jit]` body sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Op {
    /// The op's name, also its function name in `spmd`.
    pub(crate) name: &'static str,
    /// The arguments before the token, as the user writes them (`comm` is always last).
    pub(crate) params: &'static [&'static str],
    /// Every rank of the communicator must call it, in the same order.
    pub(crate) collective: bool,
    /// Returns a value beside the token (`(value, token)`), not the token alone.
    pub(crate) returns_value: bool,
    /// Issues a nonblocking operation (returns a request) or completes one (`wait`,
    /// `wait_all`, `test`): the pattern check does not simulate these.
    pub(crate) nonblocking: bool,
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

    /// The two accepted forms, for error messages: `op(a, b, comm)` and `op(a, b, comm, token)`.
    pub(crate) fn forms(self) -> String {
        let params = self.params.join(", ");
        format!(
            "`{name}({params})`, or with an explicit token `{name}({params}, token)`",
            name = self.name
        )
    }
}

const fn op(name: &'static str, params: &'static [&'static str], collective: bool) -> Op {
    // The `_in_place`, `_into` (except the receives, which return a `Status`), `send` and
    // `barrier` ops return the token alone.
    let returns_value = !matches!(
        name.as_bytes(),
        b"send"
            | b"barrier"
            | b"allreduce_in_place"
            | b"allreduce_into"
            | b"reduce_in_place"
            | b"reduce_into"
            | b"scan_into"
            | b"exscan_into"
            | b"bcast_in_place"
            | b"scan_in_place"
            | b"exscan_in_place"
            | b"gather_into"
            | b"allgather_into"
            | b"scatter_into"
            | b"alltoall_into"
    );
    let nonblocking = matches!(
        name.as_bytes(),
        b"isend"
            | b"irecv"
            | b"irecv_into"
            | b"isendrecv"
            | b"ibarrier"
            | b"ibcast"
            | b"iallreduce"
            | b"iallgather"
            | b"ialltoall"
            | b"wait"
            | b"wait_all"
            | b"test"
    );
    Op {
        name,
        params,
        collective,
        returns_value,
        nonblocking,
    }
}

const P2P: bool = false;
const COLLECTIVE: bool = true;

/// Every op of the runtime. The names are reserved inside a `#[spmd_jit]` body.
pub(crate) const OPS: &[Op] = &[
    op("send", &["&buf", "dest", "comm"], P2P),
    op("recv", &["&template", "source", "comm"], P2P),
    op("recv_with_status", &["&template", "source", "comm"], P2P),
    op("recv_into", &["&mut buf", "source", "comm"], P2P),
    op(
        "sendrecv",
        &["&sendbuf", "&template", "source", "dest", "comm"],
        P2P,
    ),
    op(
        "sendrecv_with_status",
        &["&sendbuf", "&template", "source", "dest", "comm"],
        P2P,
    ),
    op(
        "sendrecv_into",
        &["&sendbuf", "&mut recvbuf", "source", "dest", "comm"],
        P2P,
    ),
    op("allreduce", &["&buf", "op", "comm"], COLLECTIVE),
    op(
        "allreduce_in_place",
        &["&mut buf", "op", "comm"],
        COLLECTIVE,
    ),
    op(
        "allreduce_into",
        &["&sendbuf", "&mut recvbuf", "op", "comm"],
        COLLECTIVE,
    ),
    op("reduce", &["&buf", "op", "root", "comm"], COLLECTIVE),
    op(
        "reduce_in_place",
        &["&mut buf", "op", "root", "comm"],
        COLLECTIVE,
    ),
    op(
        "reduce_into",
        &["&sendbuf", "&mut recvbuf", "op", "root", "comm"],
        COLLECTIVE,
    ),
    op("bcast", &["&buf", "root", "comm"], COLLECTIVE),
    op("bcast_in_place", &["&mut buf", "root", "comm"], COLLECTIVE),
    op("gather", &["&buf", "root", "comm"], COLLECTIVE),
    op(
        "gather_into",
        &["&sendbuf", "&mut recvbuf", "root", "comm"],
        COLLECTIVE,
    ),
    op("allgather", &["&buf", "comm"], COLLECTIVE),
    op(
        "allgather_into",
        &["&sendbuf", "&mut recvbuf", "comm"],
        COLLECTIVE,
    ),
    op("scatter", &["&buf", "root", "comm"], COLLECTIVE),
    op(
        "scatter_into",
        &["&sendbuf", "&mut recvbuf", "root", "comm"],
        COLLECTIVE,
    ),
    op("alltoall", &["&buf", "comm"], COLLECTIVE),
    op(
        "alltoall_into",
        &["&sendbuf", "&mut recvbuf", "comm"],
        COLLECTIVE,
    ),
    op("scan", &["&buf", "op", "comm"], COLLECTIVE),
    op("scan_in_place", &["&mut buf", "op", "comm"], COLLECTIVE),
    op(
        "scan_into",
        &["&sendbuf", "&mut recvbuf", "op", "comm"],
        COLLECTIVE,
    ),
    op("exscan", &["&buf", "op", "comm"], COLLECTIVE),
    op("exscan_in_place", &["&mut buf", "op", "comm"], COLLECTIVE),
    op(
        "exscan_into",
        &["&sendbuf", "&mut recvbuf", "op", "comm"],
        COLLECTIVE,
    ),
    op("barrier", &["comm"], COLLECTIVE),
    op("isend", &["&buf", "dest", "comm"], P2P),
    op("irecv", &["&template", "source", "comm"], P2P),
    op("irecv_into", &["&mut buf", "source", "comm"], P2P),
    op(
        "isendrecv",
        &["&sendbuf", "&template", "source", "dest", "comm"],
        P2P,
    ),
    op("ibarrier", &["comm"], COLLECTIVE),
    op("ibcast", &["&buf", "root", "comm"], COLLECTIVE),
    op("iallreduce", &["&buf", "op", "comm"], COLLECTIVE),
    op("iallgather", &["&buf", "comm"], COLLECTIVE),
    op("ialltoall", &["&buf", "comm"], COLLECTIVE),
    // Completion: the request carries its communicator (`wait_all` takes one for its record).
    op("wait", &["request"], P2P),
    op("wait_all", &["requests", "comm"], P2P),
    op("test", &["request"], P2P),
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
            .filter(|op| !op.returns_value)
            .map(|op| op.name)
            .collect();
        assert_eq!(token_only.len(), 15, "{token_only:?}");
        assert!(by_name("recv_into").is_some_and(|op| op.returns_value));
    }

    #[test]
    fn every_op_takes_comm_last() {
        // But `wait` and `test`, whose request carries its communicator.
        let without = ["wait", "test"];
        assert!(
            OPS.iter()
                .filter(|op| !without.contains(&op.name))
                .all(|op| op.params.last() == Some(&"comm"))
        );
    }
}
