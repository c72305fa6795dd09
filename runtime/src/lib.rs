//! SPMD programs over MPI, with communication order checked at compile time.
//!
//! Annotate a function with [`#[spmd_jit]`](spmd_jit) and call communication ops inside it
//! ([`allreduce`], [`send`], [`recv`], [`sendrecv`], [`bcast`], ...) on slices, `Vec`s, single
//! elements and `ndarray` arrays, without a token: the macro threads the thread's ordering
//! token through every op in program order and rejects, at compile time, orders it can see are
//! wrong. The program is an ordinary binary started with `mpirun -n N`; the work is done by the
//! system's MPI library (Open MPI or MPICH).
//!
//! ```no_run
//! use spmd::prelude::*;
//!
//! #[spmd_jit]
//! fn foo(comm: &Comm, arr: Array2<f64>) -> Array2<f64> {
//!     let arr = arr + comm.rank() as f64;
//!     allreduce(&arr, Sum, comm)
//! }
//!
//! fn main() {
//!     let universe = spmd::init();
//!     let comm = universe.world();
//!     let sum = foo(&comm, Array2::zeros((3, 3)));
//!     // `mpirun -n 4`: every element is 0 + 1 + 2 + 3.
//!     let ranks = comm.size();
//!     assert!(sum.iter().all(|&x| x == (ranks * (ranks - 1) / 2) as f64));
//! }
//! ```
//!
//! In explicit form, with or without the macro, an op takes the token last and returns the next
//! one: `let (sum, token) = allreduce(&arr, Sum, &comm, spmd::token());`.
//!
//! **The book** is the guide: getting started, using `spmd` from your own crate (it is not on
//! crates.io yet: depend on it by path or git), every op's signature in both forms,
//! sub-communicators, what the reductions do with NaN and overflow, debugging, GPUs and
//! performance. It is the mdBook in the `book/` folder of the
//! [repository](https://github.com/spmd-rs/spmd): `cargo xtask test` builds it into
//! `target/book/` (open `index.html`), or run `mdbook serve book` with mdbook 0.5.
//!
//! # Ops and their one convention
//! Every op is a free function `op(inputs..., comm, token)` that consumes the thread's
//! [`Token`] and returns the next one beside its value (`send`, `barrier`, the in-place
//! variants and the `_into` variants other than the receives return the token alone). Inside
//! `#[spmd_jit]` the token is left out. Ops return the kind of buffer they were given: slice or
//! `Vec` in, `Vec` out; array or view in, `Array` out; element in, element out. `*_in_place` and
//! `*_into` variants write into the caller's buffer, for hot loops. [`send`] and [`recv`] take
//! a peer as a bare rank or as a [`Dest`] / [`Source`] with a tag; [`sendrecv`] takes its peers
//! typed, source first as in mpi4jax, so that a swap does not compile:
//! `sendrecv(&send, &template, Source::rank(from), Dest::rank(to), comm)`, or with
//! `let (from, to) = comm.shift(1);` for a ring ([`Comm::shift`]). The reduction operators are
//! MPI's own: `Max` and `Min` neither reliably keep nor drop a NaN, and integer `Sum` and
//! `Prod` wrap (the book's "Reductions: NaN and overflow" shows both).
//!
//! Before any collective's data moves, the ranks agree on its family, element type, count,
//! root and operator: one small `MPI_Allreduce` (`MPI_Iallreduce` for the nonblocking ones,
//! whose data starts once it completed) on a private duplicate of the communicator, so that
//! another rank's wrong count is an error on every rank, never a write past a buffer or a hang.
//! The table gives each op's own MPI call, after that agreement for the collectives.
//!
//! | op | MPI | returns |
//! |----|-----|---------|
//! | [`send`] | `MPI_Send` | token |
//! | [`recv`], [`recv_with_status`], [`recv_into`] | `MPI_Mprobe` + `MPI_Mrecv` | the message (and [`Status`]) |
//! | [`sendrecv`], [`sendrecv_with_status`], [`sendrecv_into`] | `MPI_Isend` + `MPI_Mprobe` + `MPI_Mrecv` | the message |
//! | [`allreduce`], [`allreduce_in_place`], [`allreduce_into`] | `MPI_Allreduce` | the reduction, on every rank |
//! | [`reduce`], [`reduce_in_place`], [`reduce_into`] | `MPI_Reduce` | `Some(reduction)` at the root, `None` elsewhere |
//! | [`bcast`], [`bcast_in_place`] | `MPI_Bcast` | the root's data |
//! | [`gather`], [`gather_into`] | `MPI_Gather` | `Some(stacked)` at the root, `None` elsewhere |
//! | [`allgather`], [`allgather_into`] | `MPI_Allgather` | every rank's buffer, stacked |
//! | [`scatter`], [`scatter_into`] | `MPI_Scatter` | this rank's block |
//! | [`alltoall`], [`alltoall_into`] | `MPI_Alltoall` | one block from every rank |
//! | [`scan`], [`scan_in_place`], [`scan_into`] | `MPI_Scan` | inclusive prefix reduction |
//! | [`exscan`], [`exscan_in_place`], [`exscan_into`] | `MPI_Exscan` | exclusive prefix reduction (identity on rank 0) |
//! | [`gatherv`], [`gatherv_into`] | `MPI_Gather` of the counts + `MPI_Gatherv` | `Some(`[`Parts`]`)` at the root (block `r` from rank `r`), `None` elsewhere |
//! | [`allgatherv`], [`allgatherv_into`] | `MPI_Allgather` of the counts + `MPI_Allgatherv` | every rank's buffer, as [`Parts`] |
//! | [`scatterv`], [`scatterv_into`] | `MPI_Scatter` of the counts + `MPI_Scatterv` | this rank's block of the root's |
//! | [`alltoallv`], [`alltoallv_into`] | `MPI_Alltoall` of the counts + `MPI_Alltoallv` | one block of any size from every rank, as [`Parts`] |
//! | [`reduce_scatter_block`], [`reduce_scatter_block_into`] | `MPI_Reduce_scatter_block` | this rank's block of the reduction |
//! | [`reduce_scatter`], [`reduce_scatter_into`] | `MPI_Reduce_scatter` | this rank's block (of `counts[rank]`) of the reduction |
//! | [`barrier`] | the agreement alone (an `MPI_Allreduce`) | token |
//! | [`split`] | the agreement + `MPI_Comm_split` | the communicator of the rank's colour |
//! | [`isend`] | `MPI_Isend` | a [`Request`] for `()` |
//! | [`irecv`], [`irecv_into`] | `MPI_Improbe` + `MPI_Imrecv` | a [`Request`] for the message ([`Status`] for `irecv_into`) |
//! | [`isendrecv`], [`isendrecv_into`] | `MPI_Isend` + `MPI_Improbe` + `MPI_Imrecv` | a [`Request`] for the message (the buffers handed back and the [`Status`] for `isendrecv_into`) |
//! | [`iallreduce`], [`iallreduce_into`] | `MPI_Iallreduce` | a [`Request`] for the reduction |
//! | [`ibcast`] | `MPI_Ibcast` | a [`Request`] for the root's data |
//! | [`iscan`], [`iexscan`], [`iscan_into`], [`iexscan_into`] | `MPI_Iscan`, `MPI_Iexscan` | a [`Request`] for the prefix reduction |
//! | [`ireduce`], [`ireduce_into`] | `MPI_Ireduce` | a [`Request`] for `Some(reduction)` at the root, `None` elsewhere (the buffers handed back for `ireduce_into`) |
//! | [`igather`], [`igather_into`] | `MPI_Igather` | a [`Request`] for `Some(stacked)` at the root, `None` elsewhere (the buffers handed back for `igather_into`) |
//! | [`ireduce_scatter_block`] | `MPI_Ireduce_scatter_block` | a [`Request`] for this rank's block of the reduction |
//! | [`ireduce_scatter`], [`ireduce_scatter_into`] | `MPI_Ireduce_scatter` | a [`Request`] for this rank's block (of `counts[rank]`) of the reduction |
//! | [`iscatter`], [`iscatter_into`] | `MPI_Iscatter` | a [`Request`] for this rank's block |
//! | [`igatherv`], [`igatherv_into`] | `MPI_Gather` of the counts (at the issue) + `MPI_Igatherv` | a [`Request`] for `Some(`[`Parts`]`)` at the root, `None` elsewhere |
//! | [`iallgatherv`], [`iallgatherv_into`] | `MPI_Allgather` of the counts (at the issue) + `MPI_Iallgatherv` | a [`Request`] for every rank's buffer, as [`Parts`] |
//! | [`iscatterv`], [`iscatterv_into`] | `MPI_Scatter` of the counts (at the issue) + `MPI_Iscatterv` | a [`Request`] for this rank's block of the root's |
//! | [`ialltoallv`], [`ialltoallv_into`] | `MPI_Alltoall` of the counts (at the issue) + `MPI_Ialltoallv` | a [`Request`] for one block of any size from every rank, as [`Parts`] |
//! | [`iallgather`], [`iallgather_into`] | `MPI_Iallgather` | a [`Request`] for every rank's buffer, stacked |
//! | [`ialltoall`], [`ialltoall_into`] | `MPI_Ialltoall` | a [`Request`] for one block from every rank |
//! | [`ibarrier`] | the agreement alone (an `MPI_Iallreduce`) | a [`Request`] for `()` |
//! | [`wait`], [`wait_all`], [`test`](fn@test) | `MPI_Wait`, `MPI_Test` | the requests' results |
//!
//! # Failures
//! Bad arguments (a peer or root out of range, a buffer that does not split into one block per
//! rank, a message larger than its receive template, a count above `i32::MAX`) and MPI errors
//! panic with a message that names the op, the rank, the sequence number and the call site.
//! After [`init`], a panic on any rank aborts the whole job (`MPI_Abort`; a rank the launcher
//! leaves alive ends itself a few seconds later), so no rank hangs,
//! even inside `catch_unwind`: the panic hook that aborts runs before any unwinding.
//! `SPMD_DEBUG=1` prints one line per op.
//!
//! # Tests on several ranks
//! [`#[spmd::test(ranks = [1, 2, 4])]`](macro@test) on a `fn name(comm: &Comm)` makes one test
//! per world size (`name::ranks_1`, ...), which `cargo test` runs as a job of that many ranks
//! under the launcher of the MPI library the binary links, with every rank's output when it
//! fails.
//!
//! # CUDA (feature `cuda`)
//! With the `cuda` feature, every op also accepts `cudarc` device slices and views and returns
//! device memory; `spmd::cuda::select_device` picks each rank's GPU. The CUDA driver is loaded at
//! run time, so the feature builds, and programs without device buffers run, on machines
//! without CUDA. See the `spmd::cuda` module.

#![cfg_attr(docsrs, feature(doc_cfg))]

mod buffer;
mod cache;
mod call;
mod check;
mod comm;
#[cfg(feature = "cuda")]
#[cfg_attr(docsrs, doc(cfg(feature = "cuda")))]
pub mod cuda;
mod element;
mod env;
mod error;
mod grid;
mod guard;
mod ident;
mod local;
mod ops;
mod proof;
mod recycle;
mod scope;
mod settings;
mod structs;
mod sys;
mod tally;
mod testing;
mod token;
mod watchdog;

pub use buffer::{Buffer, BufferMut, Elements, Splittable, Stackable};
pub use cache::{Lent, Staged, staging_bytes};
pub use comm::Comm;
pub use element::{
    BAnd, BOr, BXor, Element, LAnd, LOr, LXor, Max, Min, Prod, ReduceOp, Reduces, Sum,
};
pub use env::{Options, Threads, Universe, init, init_with};
pub use grid::{Cartesian, GridError, dims_create};
pub use ops::handed::{CollectiveBuf, RecvBuf, ResultBuf, SendBuf};
pub use ops::nonblocking::{Request, Requests};
pub use ops::p2p::{
    ANY_SOURCE, Dest, IntoDest, IntoSource, SendrecvDest, SendrecvSource, Source, Status,
};
pub use ops::varying::Parts;
pub use scope::{Lend, LendMut, Scope, scope};
pub use settings::world_rank;
pub use spmd_macros::Element;
pub use spmd_macros::spmd_jit;
pub use spmd_macros::test;
pub use token::{Settle, Token, token};

/// Re-exports every op of the macro's table from the runtime module that defines it, and keeps
/// the table's facts the runtime reads ([`__private::OPS`]). The table is the only list of ops:
/// an entry without a function here is an unresolved import, and a function of `ops` without
/// an entry is dead code (both fail the build).
macro_rules! export_ops {
    ($($name:ident in $module:ident family $family:ident [$($param:literal),*] [$($receive_into:ident)?];)*) => {
        $(pub use ops::$module::$name;)*

        /// The op table's facts the runtime reads, one entry per op, in the table's order.
        #[doc(hidden)]
        pub const __OPS: &[crate::__private::OpEntry] = &[$(crate::__private::OpEntry {
            name: stringify!($name),
            family: stringify!($family),
            params: &[$($param),*],
            receive_into: [$(stringify!($receive_into))?].first().copied(),
        }),*];

        /// A stable hash of the family of the op called `op` (the ops that match each other
        /// across ranks, as the table says), for the agreement before a collective; 0 for a
        /// name that is not an op.
        pub(crate) fn family_hash(op: &str) -> u64 {
            match op {
                $(stringify!($name) => const { crate::check::fnv_str(stringify!($family)) },)*
                _ => 0,
            }
        }
    };
}
spmd_macros::__for_each_op!(export_ops);

/// `pub use crate::{op, ...}` for every op of the macro's table.
macro_rules! prelude_ops {
    ($($name:ident in $module:ident family $family:ident [$($param:literal),*] [$($receive_into:ident)?];)*) => {
        pub use crate::{$($name),*};
    };
}

pub use half;
pub use mpi;
pub use ndarray;
pub use num_complex;

/// Everything a typical SPMD program uses: the ops, [`Comm`], [`Token`], [`Parts`],
/// [`Cartesian`], the reduction operators, `#[spmd_jit]`, and `ndarray`'s array types.
pub mod prelude {
    pub use crate::{
        ANY_SOURCE, BAnd, BOr, BXor, Cartesian, Comm, Dest, LAnd, LOr, LXor, Max, Min, Parts, Prod,
        Source, Status, Sum, Token, spmd_jit,
    };
    spmd_macros::__for_each_op!(prelude_ops);
    pub use ndarray::{
        Array, Array0, Array1, Array2, Array3, ArrayD, ArrayView1, ArrayView2, Axis, array,
    };
    pub use num_complex::{Complex, Complex32, Complex64};
}

/// What the code generated by `#[spmd_jit]` calls. Not a public API: it may change in any
/// release, together with the macro (the two crates are pinned to the same version).
#[doc(hidden)]
pub mod __private {
    pub use crate::token::Settle;

    /// What `#[derive(spmd::Element)]` implements and calls.
    pub mod element {
        pub use crate::buffer::sealed::Sealed as BufferSealed;
        pub use crate::structs::{Field, FieldLayout, Layout, StructElement};
    }

    /// Every op, with the facts of the macro's op table that the runtime and its tests read.
    pub use crate::__OPS as OPS;

    /// What `#[spmd::test]` expands to.
    pub mod test {
        pub use crate::testing::{Case, Expect, Outcome, Transport, run};
    }

    /// One op of the macro's op table.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct OpEntry {
        /// Its name, also its function's.
        pub name: &'static str,
        /// Its matching family: the blocking op whose forms match it across ranks.
        pub family: &'static str,
        /// Its arguments before the token, as its documentation writes them.
        pub params: &'static [&'static str],
        /// The op that receives its message into the caller's buffer and reports the count:
        /// what a truncation error suggests. `None` for ops that receive no message.
        pub receive_into: Option<&'static str>,
    }

    /// The entry of the op called `name`.
    pub fn op(name: &str) -> Option<&'static OpEntry> {
        OPS.iter().find(|op| op.name == name)
    }

    /// Takes this thread's token for one op of a `#[spmd_jit]` function.
    #[inline]
    #[track_caller]
    pub fn take_token() -> crate::Token {
        crate::token()
    }

    /// Takes this thread's token for one op of the call numbered `call` (see
    /// [`Proof::enter`]) of a `#[spmd_jit]` function whose pattern check proved what `proof`
    /// says: the op may then skip its agreement (the book's reference chapter: where the
    /// guards are skipped).
    #[inline]
    #[track_caller]
    pub fn take_token_proven(proof: &'static Proof, call: u64) -> crate::Token {
        let token = crate::token();
        crate::proof::mark(proof, call);
        token
    }

    pub use crate::proof::Proof;

    /// How many agreements (blocking or nonblocking) this thread has made, for tests of the
    /// skipped agreement.
    pub fn agreements() -> u64 {
        crate::guard::agreements()
    }

    /// Splits an op's result: hands the token back to the thread, returns the value.
    #[inline]
    pub fn settle<R: Settle>(result: R) -> R::Value {
        result.settle()
    }
}
