//! What is measured: the ops, their forms, their buffers, the check of their results, and one
//! call of each form.
//!
//! An op is a type that implements [`Benchmarked`], listed in [`OPS`]; the command line, the
//! measurement, the report and the plot know the ops only through that list, so adding an op
//! is its `impl` (with its `#[spmd_jit]` form among the others) and its entry in [`OPS`].

use std::ffi::c_int;
use std::hint::black_box;

use spmd::mpi::collective::SystemOperation;
use spmd::mpi::ffi;
use spmd::mpi::point_to_point::send_receive_into;
use spmd::mpi::topology::SimpleCommunicator;
use spmd::mpi::traits::*;
use spmd::ndarray::{Array1, ArrayViewMut1, ArrayViewMut2, s};
use spmd::{
    Comm, Sum, Token, allgather_into, allreduce, allreduce_in_place, allreduce_into, alltoall_into,
    alltoallv, alltoallv_into, bcast_in_place, iallreduce, iallreduce_into, ialltoall_into,
    ialltoallv_into, irecv_into, isend, isendrecv_into, recv_into, reduce_scatter_block_into, send,
    sendrecv_into, spmd_jit, wait, wait_all,
};

use crate::measure::{Cell, Plan, measure};
use crate::report::format_size;

/// One form of an op: the same operation called another way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// MPI's C functions called directly, as a C program calls them (no Rust wrapper).
    C,
    /// rsmpi called directly.
    Raw,
    /// The spmd hot-loop form of the same operation: `_into` (or in place for `bcast`).
    Ours,
    /// `allreduce_in_place`; for `iallreduce`, a `Vec` handed over and reduced in place.
    InPlace,
    /// `allreduce(&buf, Sum, ...)`, which returns a new `Vec`.
    Functional,
    /// `allreduce_in_place` on a communicator with check mode on.
    Checked,
    /// The `_into` (or in-place) form on a communicator made by the `unsafe`
    /// `Comm::without_agreement`: the collective without the ranks' agreement before it (for
    /// a nonblocking collective, with `Vec`s handed over: the path with no guard and no copy).
    Unagreed,
    /// A point-to-point op on a communicator made by the `unsafe` `Comm::unguarded`: MPI
    /// receives without spmd first learning the message's size (for a nonblocking op, with
    /// `Vec`s handed over: the path with no guard and no copy).
    Unguarded,
    /// A nonblocking op given `Vec`s handed over (moved into the requests and handed back by
    /// the wait) instead of lent buffers: no copy.
    HandedOver,
    /// The halo exchange with a fresh staging copy per call: what spmd did before the
    /// per-call-site cache, and what code that copies columns by hand usually does.
    StagedPerCall,
    /// A nonblocking op given buffers lent to a `spmd::scope`: MPI works in them, no copy.
    Scoped,
    /// [`Variant::Scoped`] on a communicator made by `Comm::unguarded` (point-to-point) or
    /// `Comm::without_agreement` (collectives): no guard and no copy.
    ScopedUnguarded,
    /// A `#[spmd_jit]` function the pattern check proved, on buffers whose length is in their
    /// type (`[f64; N]`): a run of equal collectives agrees once, at its first.
    Proven,
}

impl Variant {
    /// The form's name in the report and the plot.
    pub fn name(self) -> &'static str {
        match self {
            Variant::C => "C",
            Variant::Raw => "raw",
            Variant::Ours => "ours",
            Variant::InPlace => "ours, in place",
            Variant::Functional => "ours, functional",
            Variant::Checked => "ours, check mode",
            Variant::Unagreed => "ours, without agreement",
            Variant::Unguarded => "ours, unguarded",
            Variant::HandedOver => "ours, handed over",
            Variant::StagedPerCall => "ours, staging per call",
            Variant::Scoped => "ours, scoped",
            Variant::ScopedUnguarded => "ours, scoped, unguarded",
            Variant::Proven => "ours, proven",
        }
    }

    /// Whether the form must make no heap allocation per call.
    pub fn must_not_allocate(self) -> bool {
        matches!(
            self,
            Variant::C
                | Variant::Raw
                | Variant::Ours
                | Variant::InPlace
                | Variant::Unagreed
                | Variant::Unguarded
                | Variant::HandedOver
                | Variant::Scoped
                | Variant::ScopedUnguarded
                | Variant::Proven
        )
    }

    /// Whether the form is called from a `#[spmd_jit]` function (timed with no token held).
    pub fn is_implicit(self) -> bool {
        matches!(
            self,
            Variant::Ours
                | Variant::InPlace
                | Variant::HandedOver
                | Variant::Unguarded
                | Variant::Scoped
                | Variant::ScopedUnguarded
                | Variant::Proven
        )
    }
}

/// Everything the ops need: the communicator (also with check mode on, without the
/// agreement before collectives, and with no guard at all) and who the peer is.
#[derive(Debug)]
pub struct Ctx {
    pub comm: Comm,
    pub checked: Comm,
    pub unagreed: Comm,
    pub unguarded: Comm,
    pub rank: usize,
    pub size: usize,
    pub peer: usize,
}

impl Ctx {
    pub fn world(&self) -> &SimpleCommunicator {
        self.comm.as_mpi()
    }

    pub fn barrier(&self) {
        self.world().barrier();
    }
}

/// The preallocated buffers of one (op, size): `a` is sent (or reduced in place), `b` receives.
#[derive(Debug)]
pub struct Bufs {
    /// Elements per message (per block for alltoall).
    pub n: usize,
    pub a: Vec<f64>,
    pub b: Vec<f64>,
}

impl Bufs {
    /// The buffers of op `B` for messages of `n` elements on `size` ranks.
    pub fn new<B: Benchmarked>(n: usize, size: usize) -> Bufs {
        let (a, b) = B::buffer_lens(n, size);
        Bufs {
            n,
            a: vec![GARBAGE; a],
            b: vec![GARBAGE; b],
        }
    }
}

/// One benchmarked op: its forms, its buffers, the check of its result, and one call of each
/// form, the body of the timed loop.
pub trait Benchmarked {
    /// The op's name, on the command line (`--op`) and in the report.
    const NAME: &'static str;
    /// The title of the op's panel in the plot.
    const TITLE: &'static str = Self::NAME;
    /// The forms timed, in the order of the report and the plot.
    const VARIANTS: &'static [Variant];
    /// Whether the raw form is one rsmpi call, so that ours / raw is what spmd costs: the ops
    /// of the report's main table.
    const RAW_IS_ONE_CALL: bool = true;
    /// Whether spmd's forms make heap allocations per call by design (a nonblocking request),
    /// so that the check that in-place and `_into` forms allocate nothing does not apply.
    const OURS_ALLOCATES: bool = false;
    /// The time reported per timed call: ping-pong reports one message, half the round trip.
    const TIME_SCALE: f64 = 1.0;

    /// The lengths of the buffers `a` and `b` for messages of `n` elements on `size` ranks.
    fn buffer_lens(n: usize, size: usize) -> (usize, usize);

    /// Runs `variant` once on known data (`b` holds [`GARBAGE`]) and asserts its result on
    /// this rank; `what` names the call in the message of a failure.
    fn verify(ctx: &Ctx, variant: Variant, bufs: &mut Bufs, what: &str, token: Token) -> Token;

    /// Readies the buffers for the timed calls, after the checks.
    fn before_timing(_bufs: &mut Bufs) {}

    /// One call of a form that holds the token, on the preallocated buffers.
    fn call(ctx: &Ctx, variant: Variant, bufs: &mut Bufs, token: Token) -> Token;

    /// One call of an implicit-mode (`#[spmd_jit]`) form ([`Variant::is_implicit`]), made with
    /// no token held, as a program makes it.
    fn call_jit(ctx: &Ctx, variant: Variant, bufs: &mut Bufs);
}

/// An op as the command line, the report and the plot see it: what [`Benchmarked`] says of
/// it, and its measurement.
#[derive(Clone, Copy, Debug)]
pub struct Op {
    pub name: &'static str,
    pub title: &'static str,
    pub variants: &'static [Variant],
    pub raw_is_one_call: bool,
    pub ours_allocates: bool,
    measure_at: Measure,
}

/// The measurement of an op at one size: [`measure`] for the op's type.
type Measure = fn(&Ctx, &Plan, usize, Token) -> (Vec<Cell>, Token);

impl Op {
    /// The op `B`.
    pub const fn of<B: Benchmarked>() -> Op {
        Op {
            name: B::NAME,
            title: B::TITLE,
            variants: B::VARIANTS,
            raw_is_one_call: B::RAW_IS_ONE_CALL,
            ours_allocates: B::OURS_ALLOCATES,
            measure_at: measure::<B>,
        }
    }

    /// Checks, then times every form of the op at `bytes` (see [`measure`]).
    pub fn measure(self, ctx: &Ctx, plan: &Plan, bytes: usize, token: Token) -> (Vec<Cell>, Token) {
        (self.measure_at)(ctx, plan, bytes, token)
    }
}

// Ops are told apart by name: comparing the function pointers would not be reliable.
impl PartialEq for Op {
    fn eq(&self, other: &Op) -> bool {
        self.name == other.name
    }
}

impl Eq for Op {}

/// Allreduce, whose forms have a table of their own in the report.
pub const ALLREDUCE: Op = Op::of::<Allreduce>();
/// The halo exchange of an array column, which has a table of its own in the report.
pub const HALO_COLUMN: Op = Op::of::<HaloColumn>();

/// Every op, in the order they run and are reported.
pub const OPS: &[Op] = &[
    ALLREDUCE,
    Op::of::<PingPong>(),
    Op::of::<Sendrecv>(),
    Op::of::<Bcast>(),
    Op::of::<Allgather>(),
    Op::of::<Alltoall>(),
    Op::of::<Alltoallv>(),
    Op::of::<ReduceScatterBlock>(),
    Op::of::<Exchange>(),
    Op::of::<Isendrecv>(),
    Op::of::<Iallreduce>(),
    Op::of::<Ialltoall>(),
    Op::of::<Ialltoallv>(),
    Op::of::<AllreduceRun>(),
    HALO_COLUMN,
];

/// One call of form `variant` of op `B` with the token held, as the checks make it: an
/// implicit-mode form gets the thread's token for the call.
#[inline(always)]
fn step<B: Benchmarked>(ctx: &Ctx, variant: Variant, bufs: &mut Bufs, token: Token) -> Token {
    if variant.is_implicit() {
        implicit(token, || B::call_jit(ctx, variant, bufs))
    } else {
        B::call(ctx, variant, bufs, token)
    }
}

// ANCHOR: jit_forms
// The spmd forms, written as users write them: `#[spmd_jit]` functions without tokens.

#[spmd_jit]
pub fn jit_allreduce(a: &[f64], b: &mut [f64], comm: &Comm) {
    allreduce_into(a, b, Sum, comm)
}

#[spmd_jit]
fn jit_allreduce_in_place(a: &mut [f64], comm: &Comm) {
    allreduce_in_place(a, Sum, comm)
}

#[spmd_jit]
fn jit_ping_pong(a: &[f64], b: &mut [f64], comm: &Comm) {
    assert_eq!(comm.size(), 2, "the benchmark pairs rank 0 with rank 1");
    let peer = 1 - comm.rank();
    if comm.rank() == 0 {
        send(a, peer, comm);
        recv_into(b, peer, comm);
    } else {
        recv_into(b, peer, comm);
        send(b, peer, comm);
    }
}

#[spmd_jit]
fn jit_sendrecv(a: &[f64], b: &mut [f64], comm: &Comm) {
    assert_eq!(comm.size(), 2, "the benchmark pairs rank 0 with rank 1");
    let peer = 1 - comm.rank();
    sendrecv_into(a, b, spmd::Source::rank(peer), spmd::Dest::rank(peer), comm);
}

#[spmd_jit]
fn jit_exchange(a: &[f64], b: &mut [f64], comm: &Comm) {
    assert_eq!(comm.size(), 2, "the benchmark pairs rank 0 with rank 1");
    let peer = 1 - comm.rank();
    let receive = irecv_into(b, peer, comm);
    let sent = isend(a, peer, comm);
    wait_all((receive, sent), comm);
}

/// `iallreduce_into` from a lent buffer into another, then `wait`.
#[spmd_jit]
fn jit_iallreduce(a: &[f64], b: &mut [f64], comm: &Comm) {
    wait(iallreduce_into(a, b, Sum, comm));
}

/// `iallreduce` of a `Vec` handed over, reduced in place and handed back by the wait.
#[spmd_jit]
fn jit_iallreduce_in_place(a: Vec<f64>, comm: &Comm) -> Vec<f64> {
    wait(iallreduce(a, Sum, comm))
}

/// `iallreduce_into` with both `Vec`s handed over and handed back by the wait.
#[spmd_jit]
fn jit_iallreduce_handed_over(a: Vec<f64>, b: Vec<f64>, comm: &Comm) -> (Vec<f64>, Vec<f64>) {
    wait(iallreduce_into(a, b, Sum, comm))
}

/// `isendrecv_into` with the peer, lent buffers.
#[spmd_jit]
fn jit_isendrecv(a: &[f64], b: &mut [f64], comm: &Comm) {
    assert_eq!(comm.size(), 2, "the benchmark pairs rank 0 with rank 1");
    let peer = 1 - comm.rank();
    let exchanged = isendrecv_into(a, b, spmd::Source::rank(peer), spmd::Dest::rank(peer), comm);
    wait(exchanged);
}

/// `isendrecv_into` with the peer, `Vec`s handed over.
#[spmd_jit]
fn jit_isendrecv_handed_over(a: Vec<f64>, b: Vec<f64>, comm: &Comm) -> [Vec<f64>; 2] {
    assert_eq!(comm.size(), 2, "the benchmark pairs rank 0 with rank 1");
    let peer = 1 - comm.rank();
    let exchanged = isendrecv_into(a, b, spmd::Source::rank(peer), spmd::Dest::rank(peer), comm);
    let (a, (b, _)) = wait(exchanged);
    [a, b]
}

/// `ialltoall_into` between buffers lent to a scope.
#[spmd_jit]
fn jit_ialltoall_scoped(a: &[f64], b: &mut [f64], comm: &Comm) {
    spmd::scope(|scope| {
        wait(ialltoall_into(scope.lend(a), scope.lend_mut(b), comm));
    });
}

/// `iallreduce_into` between buffers lent to a scope.
#[spmd_jit]
fn jit_iallreduce_scoped(a: &[f64], b: &mut [f64], comm: &Comm) {
    spmd::scope(|scope| {
        wait(iallreduce_into(scope.lend(a), scope.lend_mut(b), Sum, comm));
    });
}

/// `isendrecv_into` with the peer, buffers lent to a scope.
#[spmd_jit]
fn jit_isendrecv_scoped(a: &[f64], b: &mut [f64], comm: &Comm) {
    assert_eq!(comm.size(), 2, "the benchmark pairs rank 0 with rank 1");
    let peer = 1 - comm.rank();
    spmd::scope(|scope| {
        let (source, dest) = (spmd::Source::rank(peer), spmd::Dest::rank(peer));
        wait(isendrecv_into(
            scope.lend(a),
            scope.lend_mut(b),
            source,
            dest,
            comm,
        ));
    });
}

/// `irecv_into` + `isend` + `wait_all` with the peer, buffers lent to a scope.
#[spmd_jit]
fn jit_exchange_scoped(a: &[f64], b: &mut [f64], comm: &Comm) {
    assert_eq!(comm.size(), 2, "the benchmark pairs rank 0 with rank 1");
    let peer = 1 - comm.rank();
    spmd::scope(|scope| {
        let receive = irecv_into(scope.lend_mut(b), peer, comm);
        let sent = isend(scope.lend(a), peer, comm);
        wait_all((receive, sent), comm);
    });
}

/// `ialltoall_into` between lent buffers.
#[spmd_jit]
fn jit_ialltoall(a: &[f64], b: &mut [f64], comm: &Comm) {
    wait(ialltoall_into(a, b, comm));
}

/// `ialltoall_into` with both `Vec`s handed over.
#[spmd_jit]
fn jit_ialltoall_handed_over(a: Vec<f64>, b: Vec<f64>, comm: &Comm) -> (Vec<f64>, Vec<f64>) {
    wait(ialltoall_into(a, b, comm))
}

/// `ialltoallv_into` between lent buffers, with the same counts to and from every rank.
#[spmd_jit]
fn jit_ialltoallv(a: &[f64], counts: &[usize], b: &mut [f64], comm: &Comm) {
    wait(ialltoallv_into(a, counts, b, counts, comm));
}

/// `ialltoallv_into` with both `Vec`s handed over.
#[spmd_jit]
fn jit_ialltoallv_handed_over(
    a: Vec<f64>,
    counts: &[usize],
    b: Vec<f64>,
    comm: &Comm,
) -> (Vec<f64>, Vec<f64>) {
    wait(ialltoallv_into(a, counts, b, counts, comm))
}

/// The exchange with the buffers handed over: moved into the requests, handed back by the wait.
#[spmd_jit]
fn jit_exchange_handed_over(a: Vec<f64>, b: Vec<f64>, comm: &Comm) -> [Vec<f64>; 2] {
    assert_eq!(comm.size(), 2, "the benchmark pairs rank 0 with rank 1");
    let peer = 1 - comm.rank();
    let receive = irecv_into(b, peer, comm);
    let sent = isend(a, peer, comm);
    let ((b, _), a) = wait_all((receive, sent), comm);
    [a, b]
}

#[spmd_jit]
fn jit_bcast(a: &mut [f64], comm: &Comm) {
    bcast_in_place(a, 0, comm)
}

#[spmd_jit]
fn jit_allgather(a: &[f64], b: &mut [f64], comm: &Comm) {
    allgather_into(a, b, comm)
}

#[spmd_jit]
fn jit_alltoall(a: &[f64], b: &mut [f64], comm: &Comm) {
    alltoall_into(a, b, comm)
}

/// `alltoallv_into` with the same counts to and from every rank, checked against the senders'.
#[spmd_jit]
fn jit_alltoallv(a: &[f64], counts: &[usize], b: &mut [f64], comm: &Comm) {
    alltoallv_into(a, counts, b, counts, comm)
}

#[spmd_jit]
fn jit_reduce_scatter_block(a: &[f64], b: &mut [f64], comm: &Comm) {
    reduce_scatter_block_into(a, b, Sum, comm)
}

/// The halo exchange on array columns: the call site's staging buffers are reused.
#[spmd_jit]
fn jit_halo(out: &ArrayViewMut1<f64>, ghost: &mut ArrayViewMut1<f64>, comm: &Comm) {
    assert_eq!(comm.size(), 2, "the benchmark pairs rank 0 with rank 1");
    let peer = 1 - comm.rank();
    sendrecv_into(
        out,
        ghost,
        spmd::Source::rank(peer),
        spmd::Dest::rank(peer),
        comm,
    );
}
// ANCHOR_END: jit_forms

/// Column 1 (sent) and column 0 (received) of the `n x HALO_COLUMNS` field.
fn halo_columns(field: &mut [f64]) -> (ArrayViewMut1<'_, f64>, ArrayViewMut1<'_, f64>) {
    let rows = field.len() / HALO_COLUMNS;
    let view = ArrayViewMut2::from_shape((rows, HALO_COLUMNS), field)
        .expect("the field holds rows x HALO_COLUMNS elements");
    view.multi_slice_move((s![.., 1], s![.., 0]))
}

// ANCHOR: c_forms
/// `MPI_Allreduce` of `a` into `b` with `MPI_SUM`, called as a C program calls it: the
/// reference the other forms are compared with.
#[inline(always)]
fn c_allreduce(a: &[f64], b: &mut [f64], world: &SimpleCommunicator) {
    assert_eq!(a.len(), b.len(), "the C allreduce needs equal buffers");
    let count = c_int::try_from(a.len()).expect("the benchmark's sizes fit in an int");
    // SAFETY: `a` and `b` hold `count` f64s each (`MPI_DOUBLE`), do not overlap (one is shared,
    // the other exclusive), and live through the blocking call; the communicator is valid.
    let code = unsafe {
        ffi::MPI_Allreduce(
            a.as_ptr().cast(),
            b.as_mut_ptr().cast(),
            count,
            ffi::RSMPI_DOUBLE,
            ffi::RSMPI_SUM,
            world.as_raw(),
        )
    };
    assert_eq!(code, 0, "MPI_Allreduce failed");
}

/// One exchange with the peer as a C program writes it: `MPI_Irecv`, `MPI_Isend`, then
/// `MPI_Waitall`.
#[inline(always)]
fn c_exchange(a: &[f64], b: &mut [f64], peer: usize, world: &SimpleCommunicator) {
    let count = c_int::try_from(a.len()).expect("the benchmark's sizes fit in an int");
    assert_eq!(a.len(), b.len(), "the C exchange needs equal buffers");
    let peer = c_int::try_from(peer).expect("ranks fit in an int");
    let comm = world.as_raw();
    // SAFETY: the receive writes at most `count` f64s into a live exclusive slice and the send
    // reads `count` f64s from a live shared slice, both until MPI_Waitall returns below; the
    // request slots are written by the starts before the wait reads them.
    let codes = unsafe {
        let mut requests = [ffi::RSMPI_REQUEST_NULL; 2];
        let received = ffi::MPI_Irecv(
            b.as_mut_ptr().cast(),
            count,
            ffi::RSMPI_DOUBLE,
            peer,
            0,
            comm,
            &mut requests[0],
        );
        let sent = ffi::MPI_Isend(
            a.as_ptr().cast(),
            count,
            ffi::RSMPI_DOUBLE,
            peer,
            0,
            comm,
            &mut requests[1],
        );
        let waited = ffi::MPI_Waitall(2, requests.as_mut_ptr(), ffi::RSMPI_STATUSES_IGNORE);
        [received, sent, waited]
    };
    assert_eq!(codes, [0, 0, 0], "the C exchange failed");
}

/// `MPI_Iallreduce` of `a` into `b` with `MPI_SUM`, then `MPI_Wait`, as a C program writes it.
#[inline(always)]
fn c_iallreduce(a: &[f64], b: &mut [f64], world: &SimpleCommunicator) {
    assert_eq!(a.len(), b.len(), "the C iallreduce needs equal buffers");
    let count = c_int::try_from(a.len()).expect("the benchmark's sizes fit in an int");
    // SAFETY: `a` and `b` hold `count` f64s each, do not overlap, and live until MPI_Wait
    // returns below; the request slot is written by MPI_Iallreduce before the wait reads it.
    let codes = unsafe {
        let mut request = ffi::RSMPI_REQUEST_NULL;
        let started = ffi::MPI_Iallreduce(
            a.as_ptr().cast(),
            b.as_mut_ptr().cast(),
            count,
            ffi::RSMPI_DOUBLE,
            ffi::RSMPI_SUM,
            world.as_raw(),
            &mut request,
        );
        let waited = ffi::MPI_Wait(&mut request, ffi::RSMPI_STATUS_IGNORE);
        [started, waited]
    };
    assert_eq!(codes, [0, 0], "the C iallreduce failed");
}

/// `MPI_Ialltoall` of `a` into `b` (blocks of `a.len() / size`), then `MPI_Wait`, as a C
/// program writes it.
#[inline(always)]
fn c_ialltoall(a: &[f64], b: &mut [f64], world: &SimpleCommunicator) {
    assert_eq!(a.len(), b.len(), "the C ialltoall needs equal buffers");
    let size = usize::try_from(world.size()).expect("a size is positive");
    let block = c_int::try_from(a.len() / size).expect("the benchmark's sizes fit in an int");
    // SAFETY: `a` and `b` hold `size` blocks of `block` f64s each, do not overlap, and live until
    // MPI_Wait returns below; the request slot is written by MPI_Ialltoall before the wait.
    let codes = unsafe {
        let mut request = ffi::RSMPI_REQUEST_NULL;
        let started = ffi::MPI_Ialltoall(
            a.as_ptr().cast(),
            block,
            ffi::RSMPI_DOUBLE,
            b.as_mut_ptr().cast(),
            block,
            ffi::RSMPI_DOUBLE,
            world.as_raw(),
            &mut request,
        );
        let waited = ffi::MPI_Wait(&mut request, ffi::RSMPI_STATUS_IGNORE);
        [started, waited]
    };
    assert_eq!(codes, [0, 0], "the C ialltoall failed");
}

/// `MPI_Alltoallv` as a C program calls it when it knows the counts: `n` elements to and from
/// every rank.
#[inline(always)]
fn c_alltoallv(a: &[f64], b: &mut [f64], n: usize, world: &SimpleCommunicator) {
    let size = usize::try_from(world.size()).expect("a size is positive");
    assert!(size <= 64 && a.len() == n * size && b.len() == n * size);
    let block = c_int::try_from(n).expect("the benchmark's sizes fit in an int");
    let counts = [block; 64];
    let mut displs = [0 as c_int; 64];
    for p in 1..size {
        displs[p] = displs[p - 1] + block;
    }
    // SAFETY: `a` and `b` hold `size` blocks of `n` f64s at the displacements given, and do not
    // overlap.
    let code = unsafe {
        ffi::MPI_Alltoallv(
            a.as_ptr().cast(),
            counts.as_ptr(),
            displs.as_ptr(),
            ffi::RSMPI_DOUBLE,
            b.as_mut_ptr().cast(),
            counts.as_ptr(),
            displs.as_ptr(),
            ffi::RSMPI_DOUBLE,
            world.as_raw(),
        )
    };
    assert_eq!(code, 0, "the C alltoallv failed");
}

/// `MPI_Ialltoallv` of one block of `n` per rank with the counts known, then `MPI_Wait`, as a
/// C program writes it.
#[inline(always)]
fn c_ialltoallv(a: &[f64], b: &mut [f64], n: usize, world: &SimpleCommunicator) {
    let size = usize::try_from(world.size()).expect("a size is positive");
    assert!(size <= 64 && a.len() == n * size && b.len() == n * size);
    let block = c_int::try_from(n).expect("the benchmark's sizes fit in an int");
    let counts = [block; 64];
    let mut displs = [0 as c_int; 64];
    for p in 1..size {
        displs[p] = displs[p - 1] + block;
    }
    // SAFETY: `a` and `b` hold `size` blocks of `n` f64s at the displacements given, do not
    // overlap, and live (with the counts and displacements) until MPI_Wait returns below.
    let codes = unsafe {
        let mut request = ffi::RSMPI_REQUEST_NULL;
        let started = ffi::MPI_Ialltoallv(
            a.as_ptr().cast(),
            counts.as_ptr(),
            displs.as_ptr(),
            ffi::RSMPI_DOUBLE,
            b.as_mut_ptr().cast(),
            counts.as_ptr(),
            displs.as_ptr(),
            ffi::RSMPI_DOUBLE,
            world.as_raw(),
            &mut request,
        );
        let waited = ffi::MPI_Wait(&mut request, ffi::RSMPI_STATUS_IGNORE);
        [started, waited]
    };
    assert_eq!(codes, [0, 0], "the C ialltoallv failed");
}

/// One ping-pong as a C program writes it: `MPI_Send` then `MPI_Recv` on the first rank,
/// `MPI_Recv` then `MPI_Send` of what came on the other.
#[inline(always)]
fn c_ping_pong(a: &[f64], b: &mut [f64], first: bool, peer: usize, world: &SimpleCommunicator) {
    let count = c_int::try_from(a.len()).expect("the benchmark's sizes fit in an int");
    assert_eq!(a.len(), b.len(), "the C ping-pong needs equal buffers");
    let peer = c_int::try_from(peer).expect("ranks fit in an int");
    let comm = world.as_raw();
    // SAFETY: the send reads `count` f64s from a live slice and the receive writes at most
    // `count` f64s into a live exclusive slice (MPI truncates longer messages with an error,
    // which the assertion reports); the status is ignored.
    let codes = unsafe {
        if first {
            let sent = ffi::MPI_Send(a.as_ptr().cast(), count, ffi::RSMPI_DOUBLE, peer, 0, comm);
            let received = ffi::MPI_Recv(
                b.as_mut_ptr().cast(),
                count,
                ffi::RSMPI_DOUBLE,
                peer,
                0,
                comm,
                ffi::RSMPI_STATUS_IGNORE,
            );
            [sent, received]
        } else {
            let received = ffi::MPI_Recv(
                b.as_mut_ptr().cast(),
                count,
                ffi::RSMPI_DOUBLE,
                peer,
                0,
                comm,
                ffi::RSMPI_STATUS_IGNORE,
            );
            let sent = ffi::MPI_Send(b.as_ptr().cast(), count, ffi::RSMPI_DOUBLE, peer, 0, comm);
            [received, sent]
        }
    };
    assert_eq!(codes, [0, 0], "MPI_Send or MPI_Recv failed");
}
// ANCHOR_END: c_forms

/// `MPI_Sendrecv` with the peer, called as a C program calls it.
fn c_sendrecv(a: &[f64], b: &mut [f64], peer: usize, world: &SimpleCommunicator) {
    let count = c_int::try_from(a.len()).expect("the benchmark's sizes fit in an int");
    assert_eq!(a.len(), b.len(), "the C sendrecv needs equal buffers");
    let peer = c_int::try_from(peer).expect("ranks fit in an int");
    // SAFETY: the send reads `count` f64s from a live slice and the receive writes at most
    // `count` f64s into a live exclusive slice (both ranks send `count`); the status is
    // ignored.
    let code = unsafe {
        ffi::MPI_Sendrecv(
            a.as_ptr().cast(),
            count,
            ffi::RSMPI_DOUBLE,
            peer,
            0,
            b.as_mut_ptr().cast(),
            count,
            ffi::RSMPI_DOUBLE,
            peer,
            0,
            world.as_raw(),
            ffi::RSMPI_STATUS_IGNORE,
        )
    };
    assert_eq!(code, 0, "MPI_Sendrecv failed");
}

/// Runs an implicit-mode (`#[spmd_jit]`) call from code that holds an explicit token: the
/// token goes back to the thread for the call and is taken again after it.
#[inline(always)]
fn implicit(token: Token, call: impl FnOnce()) -> Token {
    drop(token);
    call();
    spmd::token()
}

/// What a `call` does with a form its op does not list in [`Benchmarked::VARIANTS`], which
/// the measurement never asks for.
fn no_form(op: &str, variant: Variant) -> ! {
    unreachable!("{op} has no form `{}`", variant.name())
}

/// What a `call_jit` does with a form that is not an implicit-mode form of its op.
fn no_jit_form(op: &str, variant: Variant) -> ! {
    unreachable!("{op} has no `#[spmd_jit]` form `{}`", variant.name())
}

// ---- the ops --------------------------------------------------------------------------------

// ANCHOR: allreduce_op
/// Allreduce of `f64` with `Sum`, in seven forms: C, rsmpi, and spmd's `_into`, in-place,
/// functional, check-mode and unagreed forms.
#[derive(Debug)]
pub struct Allreduce;

impl Benchmarked for Allreduce {
    const NAME: &'static str = "allreduce";
    const VARIANTS: &'static [Variant] = &[
        Variant::C,
        Variant::Raw,
        Variant::Ours,
        Variant::InPlace,
        Variant::Functional,
        Variant::Checked,
        Variant::Unagreed,
    ];

    fn buffer_lens(n: usize, _size: usize) -> (usize, usize) {
        (n, n)
    }

    fn verify(ctx: &Ctx, variant: Variant, bufs: &mut Bufs, what: &str, token: Token) -> Token {
        let (rank, size) = (ctx.rank, ctx.size);
        fill_pattern(rank, &mut bufs.a);
        let sum = |i: usize| (0..size).map(|r| pattern(r, i)).sum::<f64>();
        match variant {
            Variant::C | Variant::Raw | Variant::Ours | Variant::Unagreed => {
                let token = step::<Self>(ctx, variant, bufs, token);
                check_eq(what, &bufs.b, sum);
                token
            }
            Variant::InPlace | Variant::Checked => {
                let token = step::<Self>(ctx, variant, bufs, token);
                check_eq(what, &bufs.a, sum);
                token
            }
            Variant::Functional => {
                let (result, token) = allreduce(&bufs.a, Sum, &ctx.comm, token);
                check_eq(what, &result, sum);
                check_eq(what, &bufs.a, |i| pattern(rank, i));
                token
            }
            Variant::StagedPerCall
            | Variant::HandedOver
            | Variant::Unguarded
            | Variant::Scoped
            | Variant::ScopedUnguarded
            | Variant::Proven => no_form(Self::NAME, variant),
        }
    }

    fn before_timing(bufs: &mut Bufs) {
        // Repeated in-place sums of zeros stay zeros: no overflow to infinity while timing.
        bufs.a.fill(0.0);
    }

    #[inline(always)]
    fn call(ctx: &Ctx, variant: Variant, bufs: &mut Bufs, token: Token) -> Token {
        let Bufs { a, b, .. } = bufs;
        match variant {
            Variant::C => {
                c_allreduce(a, b, ctx.world());
                token
            }
            Variant::Raw => {
                ctx.world()
                    .all_reduce_into(&a[..], &mut b[..], SystemOperation::sum());
                token
            }
            Variant::Functional => {
                let (sum, token) = allreduce(&a[..], Sum, &ctx.comm, token);
                black_box(sum);
                token
            }
            Variant::Checked => allreduce_in_place(&mut a[..], Sum, &ctx.checked, token),
            Variant::Unagreed => allreduce_into(&a[..], &mut b[..], Sum, &ctx.unagreed, token),
            _ => no_form(Self::NAME, variant),
        }
    }

    #[inline(always)]
    fn call_jit(ctx: &Ctx, variant: Variant, bufs: &mut Bufs) {
        let Bufs { a, b, .. } = bufs;
        match variant {
            Variant::Ours => jit_allreduce(a, b, &ctx.comm),
            Variant::InPlace => jit_allreduce_in_place(a, &ctx.comm),
            _ => no_jit_form(Self::NAME, variant),
        }
    }
}
// ANCHOR_END: allreduce_op

/// Ping-pong: rank 0 sends, rank 1 receives and sends the message back.
#[derive(Debug)]
pub struct PingPong;

impl Benchmarked for PingPong {
    const NAME: &'static str = "ping-pong";
    const TITLE: &'static str = "ping-pong (one way: half the round trip)";
    const VARIANTS: &'static [Variant] =
        &[Variant::C, Variant::Raw, Variant::Ours, Variant::Unguarded];
    const TIME_SCALE: f64 = 0.5;

    fn buffer_lens(n: usize, _size: usize) -> (usize, usize) {
        (n, n)
    }

    fn verify(ctx: &Ctx, variant: Variant, bufs: &mut Bufs, what: &str, token: Token) -> Token {
        for (i, x) in bufs.a.iter_mut().enumerate() {
            *x = if ctx.rank == 0 {
                pattern(0, i)
            } else {
                GARBAGE
            };
        }
        let token = step::<Self>(ctx, variant, bufs, token);
        // Rank 1 received rank 0's message and sent it back, so both hold it.
        check_eq(what, &bufs.b, |i| pattern(0, i));
        token
    }

    #[inline(always)]
    fn call(ctx: &Ctx, variant: Variant, bufs: &mut Bufs, token: Token) -> Token {
        let Bufs { a, b, .. } = bufs;
        match variant {
            Variant::C => {
                c_ping_pong(a, b, ctx.rank == 0, ctx.peer, ctx.world());
                token
            }
            Variant::Raw => {
                let other = ctx.world().process_at_rank(ctx.peer as i32);
                if ctx.rank == 0 {
                    other.send(&a[..]);
                    other.receive_into(&mut b[..]);
                } else {
                    other.receive_into(&mut b[..]);
                    other.send(&b[..]);
                }
                token
            }
            _ => no_form(Self::NAME, variant),
        }
    }

    #[inline(always)]
    fn call_jit(ctx: &Ctx, variant: Variant, bufs: &mut Bufs) {
        let Bufs { a, b, .. } = bufs;
        match variant {
            Variant::Ours => jit_ping_pong(a, b, &ctx.comm),
            Variant::Unguarded => jit_ping_pong(a, b, &ctx.unguarded),
            _ => no_jit_form(Self::NAME, variant),
        }
    }
}

/// `sendrecv` between the two ranks.
#[derive(Debug)]
pub struct Sendrecv;

impl Benchmarked for Sendrecv {
    const NAME: &'static str = "sendrecv";
    const VARIANTS: &'static [Variant] =
        &[Variant::C, Variant::Raw, Variant::Ours, Variant::Unguarded];

    fn buffer_lens(n: usize, _size: usize) -> (usize, usize) {
        (n, n)
    }

    fn verify(ctx: &Ctx, variant: Variant, bufs: &mut Bufs, what: &str, token: Token) -> Token {
        fill_pattern(ctx.rank, &mut bufs.a);
        let token = step::<Self>(ctx, variant, bufs, token);
        check_eq(what, &bufs.b, |i| pattern(ctx.peer, i));
        token
    }

    #[inline(always)]
    fn call(ctx: &Ctx, variant: Variant, bufs: &mut Bufs, token: Token) -> Token {
        let Bufs { a, b, .. } = bufs;
        match variant {
            Variant::C => {
                c_sendrecv(a, b, ctx.peer, ctx.world());
                token
            }
            Variant::Raw => {
                let other = ctx.world().process_at_rank(ctx.peer as i32);
                send_receive_into(&a[..], &other, &mut b[..], &other);
                token
            }
            _ => no_form(Self::NAME, variant),
        }
    }

    #[inline(always)]
    fn call_jit(ctx: &Ctx, variant: Variant, bufs: &mut Bufs) {
        let Bufs { a, b, .. } = bufs;
        match variant {
            Variant::Ours => jit_sendrecv(a, b, &ctx.comm),
            Variant::Unguarded => jit_sendrecv(a, b, &ctx.unguarded),
            _ => no_jit_form(Self::NAME, variant),
        }
    }
}

/// `bcast` from rank 0, in place.
#[derive(Debug)]
pub struct Bcast;

impl Benchmarked for Bcast {
    const NAME: &'static str = "bcast";
    const VARIANTS: &'static [Variant] = &[Variant::Raw, Variant::Ours, Variant::Unagreed];

    fn buffer_lens(n: usize, _size: usize) -> (usize, usize) {
        (n, 0)
    }

    fn verify(ctx: &Ctx, variant: Variant, bufs: &mut Bufs, what: &str, token: Token) -> Token {
        fill_pattern(ctx.rank, &mut bufs.a);
        let token = step::<Self>(ctx, variant, bufs, token);
        check_eq(what, &bufs.a, |i| pattern(0, i));
        token
    }

    #[inline(always)]
    fn call(ctx: &Ctx, variant: Variant, bufs: &mut Bufs, token: Token) -> Token {
        match variant {
            Variant::Raw => {
                ctx.world()
                    .process_at_rank(0)
                    .broadcast_into(&mut bufs.a[..]);
                token
            }
            Variant::Unagreed => bcast_in_place(&mut bufs.a[..], 0, &ctx.unagreed, token),
            _ => no_form(Self::NAME, variant),
        }
    }

    #[inline(always)]
    fn call_jit(ctx: &Ctx, variant: Variant, bufs: &mut Bufs) {
        match variant {
            Variant::Ours => jit_bcast(&mut bufs.a, &ctx.comm),
            _ => no_jit_form(Self::NAME, variant),
        }
    }
}

/// `allgather`: every rank's message to every rank.
#[derive(Debug)]
pub struct Allgather;

impl Benchmarked for Allgather {
    const NAME: &'static str = "allgather";
    const VARIANTS: &'static [Variant] = &[Variant::Raw, Variant::Ours, Variant::Unagreed];

    fn buffer_lens(n: usize, size: usize) -> (usize, usize) {
        (n, n * size)
    }

    fn verify(ctx: &Ctx, variant: Variant, bufs: &mut Bufs, what: &str, token: Token) -> Token {
        let n = bufs.n;
        fill_pattern(ctx.rank, &mut bufs.a);
        let token = step::<Self>(ctx, variant, bufs, token);
        check_eq(what, &bufs.b, |i| pattern(i / n, i % n));
        token
    }

    #[inline(always)]
    fn call(ctx: &Ctx, variant: Variant, bufs: &mut Bufs, token: Token) -> Token {
        let Bufs { a, b, .. } = bufs;
        match variant {
            Variant::Raw => {
                ctx.world().all_gather_into(&a[..], &mut b[..]);
                token
            }
            Variant::Unagreed => allgather_into(&a[..], &mut b[..], &ctx.unagreed, token),
            _ => no_form(Self::NAME, variant),
        }
    }

    #[inline(always)]
    fn call_jit(ctx: &Ctx, variant: Variant, bufs: &mut Bufs) {
        let Bufs { a, b, .. } = bufs;
        match variant {
            Variant::Ours => jit_allgather(a, b, &ctx.comm),
            _ => no_jit_form(Self::NAME, variant),
        }
    }
}

/// `alltoall`, whose size is that of one block: each rank sends one block to each rank.
#[derive(Debug)]
pub struct Alltoall;

impl Benchmarked for Alltoall {
    const NAME: &'static str = "alltoall";
    const VARIANTS: &'static [Variant] = &[Variant::Raw, Variant::Ours, Variant::Unagreed];

    fn buffer_lens(n: usize, size: usize) -> (usize, usize) {
        (n * size, n * size)
    }

    fn verify(ctx: &Ctx, variant: Variant, bufs: &mut Bufs, what: &str, token: Token) -> Token {
        let (rank, n) = (ctx.rank, bufs.n);
        for (i, x) in bufs.a.iter_mut().enumerate() {
            *x = block_pattern(rank, i / n, n, i % n);
        }
        let token = step::<Self>(ctx, variant, bufs, token);
        // Block p of the result is block `rank` of rank p's send buffer.
        check_eq(what, &bufs.b, |i| block_pattern(i / n, rank, n, i % n));
        token
    }

    #[inline(always)]
    fn call(ctx: &Ctx, variant: Variant, bufs: &mut Bufs, token: Token) -> Token {
        let Bufs { a, b, .. } = bufs;
        match variant {
            Variant::Raw => {
                ctx.world().all_to_all_into(&a[..], &mut b[..]);
                token
            }
            Variant::Unagreed => alltoall_into(&a[..], &mut b[..], &ctx.unagreed, token),
            _ => no_form(Self::NAME, variant),
        }
    }

    #[inline(always)]
    fn call_jit(ctx: &Ctx, variant: Variant, bufs: &mut Bufs) {
        let Bufs { a, b, .. } = bufs;
        match variant {
            Variant::Ours => jit_alltoall(a, b, &ctx.comm),
            _ => no_jit_form(Self::NAME, variant),
        }
    }
}

/// `alltoallv` of one block of `n` per rank (a size is that of one block). C is one
/// `MPI_Alltoallv` with the counts known; raw is what a program writes by hand for counts it
/// does not know (rsmpi's `all_to_all_into` of the counts, then `all_to_all_varcount_into`);
/// ours is `alltoallv_into` with the counts given, which exchanges the senders' counts to check
/// them; functional is `alltoallv`, which exchanges them itself and allocates its result;
/// without agreement, `alltoallv_into` unguarded.
#[derive(Debug)]
pub struct Alltoallv;

impl Benchmarked for Alltoallv {
    const NAME: &'static str = "alltoallv";
    const TITLE: &'static str = "alltoallv (size of one block)";
    const VARIANTS: &'static [Variant] = &[
        Variant::C,
        Variant::Raw,
        Variant::Ours,
        Variant::Functional,
        Variant::Unagreed,
    ];
    const RAW_IS_ONE_CALL: bool = false;

    fn buffer_lens(n: usize, size: usize) -> (usize, usize) {
        (n * size, n * size)
    }

    fn verify(ctx: &Ctx, variant: Variant, bufs: &mut Bufs, what: &str, token: Token) -> Token {
        let (rank, n) = (ctx.rank, bufs.n);
        for (i, x) in bufs.a.iter_mut().enumerate() {
            *x = block_pattern(rank, i / n, n, i % n);
        }
        let token = if variant == Variant::Functional {
            let (parts, token) = alltoallv(&bufs.a, &vec![n; ctx.size], &ctx.comm, token);
            bufs.b.copy_from_slice(parts.as_flat());
            token
        } else {
            step::<Self>(ctx, variant, bufs, token)
        };
        check_eq(what, &bufs.b, |i| block_pattern(i / n, rank, n, i % n));
        token
    }

    #[inline(always)]
    fn call(ctx: &Ctx, variant: Variant, bufs: &mut Bufs, token: Token) -> Token {
        let Bufs { a, b, n } = bufs;
        let counts = [*n; 64];
        let counts = &counts[..ctx.size];
        match variant {
            Variant::C => {
                c_alltoallv(a, b, *n, ctx.world());
                token
            }
            Variant::Raw => {
                use spmd::mpi::datatype::{Partition, PartitionMut};
                let world = ctx.world();
                let sent = [c_int::try_from(*n).expect("sizes fit in an int"); 64];
                let sent = &sent[..ctx.size];
                let mut received = [0 as c_int; 64];
                world.all_to_all_into(sent, &mut received[..ctx.size]);
                let received = &received[..ctx.size];
                let mut send_displs = [0 as c_int; 64];
                let mut recv_displs = [0 as c_int; 64];
                for p in 1..ctx.size {
                    send_displs[p] = send_displs[p - 1] + sent[p - 1];
                    recv_displs[p] = recv_displs[p - 1] + received[p - 1];
                }
                let send = Partition::new(&a[..], sent, &send_displs[..ctx.size]);
                let mut recv = PartitionMut::new(&mut b[..], received, &recv_displs[..ctx.size]);
                world.all_to_all_varcount_into(&send, &mut recv);
                token
            }
            Variant::Functional => {
                let (parts, token) = alltoallv(&a[..], counts, &ctx.comm, token);
                black_box(parts);
                token
            }
            Variant::Unagreed => {
                alltoallv_into(&a[..], counts, &mut b[..], counts, &ctx.unagreed, token)
            }
            _ => no_form(Self::NAME, variant),
        }
    }

    #[inline(always)]
    fn call_jit(ctx: &Ctx, variant: Variant, bufs: &mut Bufs) {
        let counts = [bufs.n; 64];
        let Bufs { a, b, .. } = bufs;
        match variant {
            Variant::Ours => jit_alltoallv(a, &counts[..ctx.size], b, &ctx.comm),
            _ => no_jit_form(Self::NAME, variant),
        }
    }
}

/// `reduce_scatter_block_into` with `Sum`, whose size is that of one block.
#[derive(Debug)]
pub struct ReduceScatterBlock;

impl Benchmarked for ReduceScatterBlock {
    const NAME: &'static str = "reduce-scatter-block";
    const TITLE: &'static str = "reduce_scatter_block (size of one block)";
    const VARIANTS: &'static [Variant] =
        &[Variant::C, Variant::Raw, Variant::Ours, Variant::Unagreed];

    fn buffer_lens(n: usize, size: usize) -> (usize, usize) {
        (n * size, n)
    }

    fn verify(ctx: &Ctx, variant: Variant, bufs: &mut Bufs, what: &str, token: Token) -> Token {
        let n = bufs.n;
        for (i, x) in bufs.a.iter_mut().enumerate() {
            *x = (i % 1000) as f64;
        }
        let token = step::<Self>(ctx, variant, bufs, token);
        let (rank, size) = (ctx.rank, ctx.size as f64);
        check_eq(what, &bufs.b, |i| ((rank * n + i) % 1000) as f64 * size);
        token
    }

    #[inline(always)]
    fn call(ctx: &Ctx, variant: Variant, bufs: &mut Bufs, token: Token) -> Token {
        let Bufs { a, b, .. } = bufs;
        match variant {
            Variant::C => {
                let n = c_int::try_from(b.len()).expect("sizes fit in an int");
                // SAFETY: `a` holds `size` blocks of `n` f64s and `b` one; they do not overlap.
                let code = unsafe {
                    ffi::MPI_Reduce_scatter_block(
                        a.as_ptr().cast(),
                        b.as_mut_ptr().cast(),
                        n,
                        ffi::RSMPI_DOUBLE,
                        ffi::RSMPI_SUM,
                        ctx.world().as_raw(),
                    )
                };
                assert_eq!(code, 0, "the C reduce-scatter failed");
                token
            }
            Variant::Raw => {
                ctx.world()
                    .reduce_scatter_block_into(&a[..], &mut b[..], SystemOperation::sum());
                token
            }
            Variant::Unagreed => {
                reduce_scatter_block_into(&a[..], &mut b[..], Sum, &ctx.unagreed, token)
            }
            _ => no_form(Self::NAME, variant),
        }
    }

    #[inline(always)]
    fn call_jit(ctx: &Ctx, variant: Variant, bufs: &mut Bufs) {
        let Bufs { a, b, .. } = bufs;
        match variant {
            Variant::Ours => jit_reduce_scatter_block(a, b, &ctx.comm),
            _ => no_jit_form(Self::NAME, variant),
        }
    }
}

/// One exchange with the peer through nonblocking ops: `irecv_into`, `isend`, `wait_all`.
#[derive(Debug)]
pub struct Exchange;

impl Benchmarked for Exchange {
    const NAME: &'static str = "irecv-isend";
    const TITLE: &'static str = "irecv-isend (irecv_into + isend + wait_all)";
    const VARIANTS: &'static [Variant] = &[
        Variant::C,
        Variant::Raw,
        Variant::Ours,
        Variant::HandedOver,
        Variant::Unguarded,
        Variant::Scoped,
        Variant::ScopedUnguarded,
    ];

    fn buffer_lens(n: usize, _size: usize) -> (usize, usize) {
        (n, n)
    }

    fn verify(ctx: &Ctx, variant: Variant, bufs: &mut Bufs, what: &str, token: Token) -> Token {
        fill_pattern(ctx.rank, &mut bufs.a);
        let token = step::<Self>(ctx, variant, bufs, token);
        check_eq(what, &bufs.b, |i| pattern(ctx.peer, i));
        check_eq(what, &bufs.a, |i| pattern(ctx.rank, i));
        token
    }

    #[inline(always)]
    fn call(ctx: &Ctx, variant: Variant, bufs: &mut Bufs, token: Token) -> Token {
        let Bufs { a, b, .. } = bufs;
        match variant {
            Variant::C => {
                c_exchange(a, b, ctx.peer, ctx.world());
                token
            }
            Variant::Raw => {
                let other = ctx.world().process_at_rank(ctx.peer as i32);
                spmd::mpi::request::scope(|scope| {
                    let received = other.immediate_receive_into(scope, &mut b[..]);
                    let sent = other.immediate_send(scope, &a[..]);
                    received.wait();
                    sent.wait();
                });
                token
            }
            _ => no_form(Self::NAME, variant),
        }
    }

    #[inline(always)]
    fn call_jit(ctx: &Ctx, variant: Variant, bufs: &mut Bufs) {
        let Bufs { a, b, .. } = bufs;
        match variant {
            Variant::Ours => jit_exchange(a, b, &ctx.comm),
            Variant::Scoped => jit_exchange_scoped(a, b, &ctx.comm),
            Variant::ScopedUnguarded => jit_exchange_scoped(a, b, &ctx.unguarded),
            Variant::HandedOver | Variant::Unguarded => {
                let comm = if variant == Variant::Unguarded {
                    &ctx.unguarded
                } else {
                    &ctx.comm
                };
                let [sent, received] =
                    jit_exchange_handed_over(std::mem::take(a), std::mem::take(b), comm);
                (*a, *b) = (sent, received);
            }
            _ => no_jit_form(Self::NAME, variant),
        }
    }
}

/// `iallreduce` of `f64` with `Sum`, then `wait`: `iallreduce_into` lent, a `Vec` reduced in
/// place, `iallreduce_into` with `Vec`s handed over, and handed over without the agreement.
#[derive(Debug)]
pub struct Iallreduce;

impl Benchmarked for Iallreduce {
    const NAME: &'static str = "iallreduce";
    const TITLE: &'static str = "iallreduce (+ wait)";
    const VARIANTS: &'static [Variant] = &[
        Variant::C,
        Variant::Raw,
        Variant::Ours,
        Variant::InPlace,
        Variant::HandedOver,
        Variant::Unagreed,
        Variant::Scoped,
        Variant::ScopedUnguarded,
    ];

    fn buffer_lens(n: usize, _size: usize) -> (usize, usize) {
        (n, n)
    }

    fn verify(ctx: &Ctx, variant: Variant, bufs: &mut Bufs, what: &str, token: Token) -> Token {
        let size = ctx.size;
        fill_pattern(ctx.rank, &mut bufs.a);
        let sum = |i: usize| (0..size).map(|r| pattern(r, i)).sum::<f64>();
        let token = step::<Self>(ctx, variant, bufs, token);
        // The in-place form reduces `a`; the others write `b`.
        let result = if variant == Variant::InPlace {
            &bufs.a
        } else {
            &bufs.b
        };
        check_eq(what, result, sum);
        token
    }

    fn before_timing(bufs: &mut Bufs) {
        // Repeated in-place sums of zeros stay zeros.
        bufs.a.fill(0.0);
    }

    #[inline(always)]
    fn call(ctx: &Ctx, variant: Variant, bufs: &mut Bufs, token: Token) -> Token {
        let Bufs { a, b, .. } = bufs;
        match variant {
            Variant::C => {
                c_iallreduce(a, b, ctx.world());
                token
            }
            Variant::Raw => {
                spmd::mpi::request::scope(|scope| {
                    ctx.world()
                        .immediate_all_reduce_into(
                            scope,
                            &a[..],
                            &mut b[..],
                            SystemOperation::sum(),
                        )
                        .wait();
                });
                token
            }
            Variant::Unagreed => {
                let (request, token) = iallreduce_into(
                    std::mem::take(a),
                    std::mem::take(b),
                    Sum,
                    &ctx.unagreed,
                    token,
                );
                let ((sent, reduced), token) = wait(request, token);
                (*a, *b) = (sent, reduced);
                token
            }
            _ => no_form(Self::NAME, variant),
        }
    }

    #[inline(always)]
    fn call_jit(ctx: &Ctx, variant: Variant, bufs: &mut Bufs) {
        let Bufs { a, b, .. } = bufs;
        match variant {
            Variant::Ours => jit_iallreduce(a, b, &ctx.comm),
            Variant::Scoped => jit_iallreduce_scoped(a, b, &ctx.comm),
            Variant::ScopedUnguarded => jit_iallreduce_scoped(a, b, &ctx.unagreed),
            Variant::InPlace => *a = jit_iallreduce_in_place(std::mem::take(a), &ctx.comm),
            Variant::HandedOver => {
                (*a, *b) =
                    jit_iallreduce_handed_over(std::mem::take(a), std::mem::take(b), &ctx.comm);
            }
            _ => no_jit_form(Self::NAME, variant),
        }
    }
}

/// `isendrecv_into` with the peer, then `wait`: the exchange of [`Exchange`] in one op.
#[derive(Debug)]
pub struct Isendrecv;

impl Benchmarked for Isendrecv {
    const NAME: &'static str = "isendrecv";
    const TITLE: &'static str = "isendrecv (isendrecv_into + wait)";
    const VARIANTS: &'static [Variant] = &[
        Variant::C,
        Variant::Raw,
        Variant::Ours,
        Variant::HandedOver,
        Variant::Unguarded,
        Variant::Scoped,
        Variant::ScopedUnguarded,
    ];

    fn buffer_lens(n: usize, _size: usize) -> (usize, usize) {
        (n, n)
    }

    fn verify(ctx: &Ctx, variant: Variant, bufs: &mut Bufs, what: &str, token: Token) -> Token {
        fill_pattern(ctx.rank, &mut bufs.a);
        let token = step::<Self>(ctx, variant, bufs, token);
        check_eq(what, &bufs.b, |i| pattern(ctx.peer, i));
        check_eq(what, &bufs.a, |i| pattern(ctx.rank, i));
        token
    }

    #[inline(always)]
    fn call(ctx: &Ctx, variant: Variant, bufs: &mut Bufs, token: Token) -> Token {
        // C and rsmpi have no nonblocking sendrecv before MPI 4: the same exchange as
        // `Exchange`'s, `MPI_Irecv` + `MPI_Isend` + `MPI_Waitall`.
        Exchange::call(ctx, variant, bufs, token)
    }

    #[inline(always)]
    fn call_jit(ctx: &Ctx, variant: Variant, bufs: &mut Bufs) {
        let Bufs { a, b, .. } = bufs;
        match variant {
            Variant::Ours => jit_isendrecv(a, b, &ctx.comm),
            Variant::Scoped => jit_isendrecv_scoped(a, b, &ctx.comm),
            Variant::ScopedUnguarded => jit_isendrecv_scoped(a, b, &ctx.unguarded),
            Variant::HandedOver | Variant::Unguarded => {
                let comm = if variant == Variant::Unguarded {
                    &ctx.unguarded
                } else {
                    &ctx.comm
                };
                let [sent, received] =
                    jit_isendrecv_handed_over(std::mem::take(a), std::mem::take(b), comm);
                (*a, *b) = (sent, received);
            }
            _ => no_jit_form(Self::NAME, variant),
        }
    }
}

/// `ialltoall_into`, then `wait`, whose size is that of one block.
#[derive(Debug)]
pub struct Ialltoall;

impl Benchmarked for Ialltoall {
    const NAME: &'static str = "ialltoall";
    const TITLE: &'static str = "ialltoall (+ wait; size of one block)";
    const VARIANTS: &'static [Variant] = &[
        Variant::C,
        Variant::Raw,
        Variant::Ours,
        Variant::HandedOver,
        Variant::Unagreed,
        Variant::Scoped,
        Variant::ScopedUnguarded,
    ];

    fn buffer_lens(n: usize, size: usize) -> (usize, usize) {
        Alltoall::buffer_lens(n, size)
    }

    fn verify(ctx: &Ctx, variant: Variant, bufs: &mut Bufs, what: &str, token: Token) -> Token {
        let (rank, n) = (ctx.rank, bufs.n);
        for (i, x) in bufs.a.iter_mut().enumerate() {
            *x = block_pattern(rank, i / n, n, i % n);
        }
        let token = step::<Self>(ctx, variant, bufs, token);
        check_eq(what, &bufs.b, |i| block_pattern(i / n, rank, n, i % n));
        token
    }

    #[inline(always)]
    fn call(ctx: &Ctx, variant: Variant, bufs: &mut Bufs, token: Token) -> Token {
        let Bufs { a, b, .. } = bufs;
        match variant {
            Variant::C => {
                c_ialltoall(a, b, ctx.world());
                token
            }
            Variant::Raw => {
                spmd::mpi::request::scope(|scope| {
                    ctx.world()
                        .immediate_all_to_all_into(scope, &a[..], &mut b[..])
                        .wait();
                });
                token
            }
            Variant::Unagreed => {
                let (request, token) =
                    ialltoall_into(std::mem::take(a), std::mem::take(b), &ctx.unagreed, token);
                let ((sent, received), token) = wait(request, token);
                (*a, *b) = (sent, received);
                token
            }
            _ => no_form(Self::NAME, variant),
        }
    }

    #[inline(always)]
    fn call_jit(ctx: &Ctx, variant: Variant, bufs: &mut Bufs) {
        let Bufs { a, b, .. } = bufs;
        match variant {
            Variant::Ours => jit_ialltoall(a, b, &ctx.comm),
            Variant::Scoped => jit_ialltoall_scoped(a, b, &ctx.comm),
            Variant::ScopedUnguarded => jit_ialltoall_scoped(a, b, &ctx.unagreed),
            Variant::HandedOver => {
                (*a, *b) =
                    jit_ialltoall_handed_over(std::mem::take(a), std::mem::take(b), &ctx.comm);
            }
            _ => no_jit_form(Self::NAME, variant),
        }
    }
}

/// `ialltoallv_into` of one block of `n` per rank (a size is that of one block), then `wait`: C
/// is `MPI_Ialltoallv` with the counts known, raw rsmpi's `immediate_all_to_all_varcount_into`
/// with them; ours exchanges the senders' counts at the issue
/// to check them, lent buffers or `Vec`s handed over; without agreement, unguarded.
#[derive(Debug)]
pub struct Ialltoallv;

impl Benchmarked for Ialltoallv {
    const NAME: &'static str = "ialltoallv";
    const TITLE: &'static str = "ialltoallv (+ wait; size of one block)";
    const VARIANTS: &'static [Variant] = &[
        Variant::C,
        Variant::Raw,
        Variant::Ours,
        Variant::HandedOver,
        Variant::Unagreed,
    ];

    fn buffer_lens(n: usize, size: usize) -> (usize, usize) {
        Alltoallv::buffer_lens(n, size)
    }

    fn verify(ctx: &Ctx, variant: Variant, bufs: &mut Bufs, what: &str, token: Token) -> Token {
        let (rank, n) = (ctx.rank, bufs.n);
        for (i, x) in bufs.a.iter_mut().enumerate() {
            *x = block_pattern(rank, i / n, n, i % n);
        }
        let token = step::<Self>(ctx, variant, bufs, token);
        check_eq(what, &bufs.b, |i| block_pattern(i / n, rank, n, i % n));
        token
    }

    #[inline(always)]
    fn call(ctx: &Ctx, variant: Variant, bufs: &mut Bufs, token: Token) -> Token {
        let Bufs { a, b, n } = bufs;
        let counts = [*n; 64];
        let counts = &counts[..ctx.size];
        match variant {
            Variant::C => {
                c_ialltoallv(a, b, *n, ctx.world());
                token
            }
            Variant::Raw => {
                use spmd::mpi::datatype::{Partition, PartitionMut};
                let block = c_int::try_from(*n).expect("sizes fit in an int");
                let known = [block; 64];
                let known = &known[..ctx.size];
                let mut displs = [0 as c_int; 64];
                for p in 1..ctx.size {
                    displs[p] = displs[p - 1] + block;
                }
                let displs = &displs[..ctx.size];
                let send = Partition::new(&a[..], known, displs);
                let mut recv = PartitionMut::new(&mut b[..], known, displs);
                spmd::mpi::request::scope(|scope| {
                    ctx.world()
                        .immediate_all_to_all_varcount_into(scope, &send, &mut recv)
                        .wait();
                });
                token
            }
            Variant::Unagreed => {
                let (request, token) = ialltoallv_into(
                    std::mem::take(a),
                    counts,
                    std::mem::take(b),
                    counts,
                    &ctx.unagreed,
                    token,
                );
                let ((sent, received), token) = wait(request, token);
                (*a, *b) = (sent, received);
                token
            }
            _ => no_form(Self::NAME, variant),
        }
    }

    #[inline(always)]
    fn call_jit(ctx: &Ctx, variant: Variant, bufs: &mut Bufs) {
        let counts = [bufs.n; 64];
        let counts = &counts[..ctx.size];
        let Bufs { a, b, .. } = bufs;
        match variant {
            Variant::Ours => jit_ialltoallv(a, counts, b, &ctx.comm),
            Variant::HandedOver => {
                (*a, *b) = jit_ialltoallv_handed_over(
                    std::mem::take(a),
                    counts,
                    std::mem::take(b),
                    &ctx.comm,
                );
            }
            _ => no_jit_form(Self::NAME, variant),
        }
    }
}

/// `sendrecv` of one column of an `n x 4` row-major array into another column: the halo
/// exchange of a domain split along its columns, on memory that is not contiguous.
#[derive(Debug)]
pub struct HaloColumn;

impl Benchmarked for HaloColumn {
    const NAME: &'static str = "halo-column";
    const TITLE: &'static str = "halo-column (a column of an n x 4 array)";
    const VARIANTS: &'static [Variant] = &[Variant::Raw, Variant::Ours, Variant::StagedPerCall];
    // Raw is a user's hand-written packing around one rsmpi call.
    const RAW_IS_ONE_CALL: bool = false;

    fn buffer_lens(n: usize, _size: usize) -> (usize, usize) {
        // The field, and raw's hand-made staging: one column out, one in.
        (n * HALO_COLUMNS, 2 * n)
    }

    fn verify(ctx: &Ctx, variant: Variant, bufs: &mut Bufs, what: &str, token: Token) -> Token {
        let (rank, peer) = (ctx.rank, ctx.peer);
        fill_pattern(rank, &mut bufs.a);
        let token = step::<Self>(ctx, variant, bufs, token);
        // Column 0 holds the peer's column 1; every other element is unchanged.
        check_eq(what, &bufs.a, |i| {
            if i % HALO_COLUMNS == 0 {
                pattern(peer, i + 1)
            } else {
                pattern(rank, i)
            }
        });
        token
    }

    #[inline(always)]
    fn call(ctx: &Ctx, variant: Variant, bufs: &mut Bufs, token: Token) -> Token {
        let peer = ctx.peer;
        let Bufs { a, b, .. } = bufs;
        match variant {
            Variant::Raw => {
                // What a careful user of raw MPI writes: copy the column into preallocated
                // contiguous memory, exchange, copy the received column back.
                let (out, mut ghost) = halo_columns(a);
                let (send_col, recv_col) = b.split_at_mut(out.len());
                for (dst, src) in send_col.iter_mut().zip(out.iter()) {
                    *dst = *src;
                }
                let other = ctx.world().process_at_rank(peer as i32);
                send_receive_into(&send_col[..], &other, recv_col, &other);
                for (dst, src) in ghost.iter_mut().zip(recv_col.iter()) {
                    *dst = *src;
                }
                token
            }
            Variant::StagedPerCall => {
                let (out, mut ghost) = halo_columns(a);
                let staged_out = out.to_owned();
                let mut staged_in = Array1::<f64>::zeros(ghost.len());
                let (_, token) = sendrecv_into(
                    &staged_out,
                    &mut staged_in,
                    spmd::Source::rank(peer),
                    spmd::Dest::rank(peer),
                    &ctx.comm,
                    token,
                );
                ghost.assign(&staged_in);
                token
            }
            _ => no_form(Self::NAME, variant),
        }
    }

    #[inline(always)]
    fn call_jit(ctx: &Ctx, variant: Variant, bufs: &mut Bufs) {
        match variant {
            Variant::Ours => {
                let (out, mut ghost) = halo_columns(&mut bufs.a);
                jit_halo(&out, &mut ghost, &ctx.comm)
            }
            _ => no_jit_form(Self::NAME, variant),
        }
    }
}

/// Columns of the halo benchmark's field: column 1 is sent, column 0 receives.
const HALO_COLUMNS: usize = 4;

// ---- correctness ----------------------------------------------------------------------------

/// What receive buffers hold before a call, so that a buffer the call did not write is caught.
pub const GARBAGE: f64 = -1.0;

/// Runs `variant` of op `B` once on known data and asserts the result on this rank.
pub fn verify<B: Benchmarked>(ctx: &Ctx, variant: Variant, bufs: &mut Bufs, token: Token) -> Token {
    let what = format!(
        "rank {}: {} ({}) of {}",
        ctx.rank,
        B::NAME,
        variant.name(),
        format_size(bufs.n * 8)
    );
    bufs.b.fill(GARBAGE);
    B::verify(ctx, variant, bufs, &what, token)
}

/// The value a rank puts at index `i` of what it sends; exact in `f64` for every size here.
fn pattern(rank: usize, i: usize) -> f64 {
    (rank * 1_000_003 + i) as f64
}

/// Fills `buffer` with `rank`'s [`pattern`].
fn fill_pattern(rank: usize, buffer: &mut [f64]) {
    for (i, x) in buffer.iter_mut().enumerate() {
        *x = pattern(rank, i);
    }
}

/// Block `block` of rank `rank`'s alltoall send buffer, index `i` within the block.
fn block_pattern(rank: usize, block: usize, n: usize, i: usize) -> f64 {
    ((rank * 64 + block) * n + i) as f64
}

fn check_eq(what: &str, got: &[f64], expected: impl Fn(usize) -> f64) {
    if let Some((i, &value)) = got.iter().enumerate().find(|&(i, &x)| x != expected(i)) {
        panic!(
            "{what}: element {i} of {} is {value}, expected {}",
            got.len(),
            expected(i)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the command line and the report take for granted of every op in [`OPS`].
    #[test]
    fn every_op_has_a_name_of_its_own_and_the_forms_the_report_compares() {
        for (i, op) in OPS.iter().enumerate() {
            assert!(
                OPS[..i].iter().all(|other| other.name != op.name),
                "two ops named {}",
                op.name
            );
            assert!(!op.name.contains(','), "`--op` splits names at commas");
            for form in [Variant::Raw, Variant::Ours] {
                assert!(op.variants.contains(&form), "{} has no {form:?}", op.name);
            }
        }
        assert!(OPS.contains(&ALLREDUCE) && OPS.contains(&HALO_COLUMN));
    }
}

/// How many allreduces one timed call of [`AllreduceRun`] makes.
const RUN: usize = 32;

/// A run of [`RUN`] allreduces of `f64` with `Sum` in one function, as an iterative solver
/// makes them (the time reported is per allreduce): C's loop, rsmpi's, spmd's loop on slices (each
/// agreed), spmd's loop on `[f64; N]` in a proven function (agreed at its first, the others
/// with no agreement), and the loop on a communicator without agreement.
#[derive(Debug)]
pub struct AllreduceRun;

impl Benchmarked for AllreduceRun {
    const NAME: &'static str = "allreduce-run";
    const TITLE: &'static str = "allreduce, a run of 32 in one function (per allreduce)";
    const VARIANTS: &'static [Variant] = &[
        Variant::C,
        Variant::Raw,
        Variant::Ours,
        Variant::Proven,
        Variant::Unagreed,
    ];
    const RAW_IS_ONE_CALL: bool = false;
    const TIME_SCALE: f64 = 1.0 / RUN as f64;

    fn buffer_lens(n: usize, _size: usize) -> (usize, usize) {
        (n, n)
    }

    fn verify(ctx: &Ctx, variant: Variant, bufs: &mut Bufs, what: &str, token: Token) -> Token {
        let (rank, size) = (ctx.rank, ctx.size);
        fill_pattern(rank, &mut bufs.a);
        let sum = |i: usize| (0..size).map(|r| pattern(r, i)).sum::<f64>();
        let token = step::<Self>(ctx, variant, bufs, token);
        check_eq(what, &bufs.b, sum);
        token
    }

    #[inline(always)]
    fn call(ctx: &Ctx, variant: Variant, bufs: &mut Bufs, mut token: Token) -> Token {
        let Bufs { a, b, .. } = bufs;
        match variant {
            Variant::C => {
                for _ in 0..RUN {
                    c_allreduce(a, b, ctx.world());
                }
                token
            }
            Variant::Raw => {
                for _ in 0..RUN {
                    ctx.world()
                        .all_reduce_into(&a[..], &mut b[..], SystemOperation::sum());
                }
                token
            }
            Variant::Unagreed => {
                for _ in 0..RUN {
                    token = allreduce_into(&a[..], &mut b[..], Sum, &ctx.unagreed, token);
                }
                token
            }
            _ => no_form(Self::NAME, variant),
        }
    }

    #[inline(always)]
    fn call_jit(ctx: &Ctx, variant: Variant, bufs: &mut Bufs) {
        let Bufs { a, b, n } = bufs;
        match variant {
            Variant::Ours => jit_allreduce_run(a, b, &ctx.comm),
            Variant::Proven => {
                macro_rules! fixed {
                    ($($len:literal)*) => {
                        match *n {
                            $($len => jit_allreduce_run_fixed::<$len>(
                                a[..].try_into().expect("n elements"),
                                (&mut b[..]).try_into().expect("n elements"),
                                &ctx.comm,
                            ),)*
                            other => panic!(
                                "the proven allreduce run has forms for powers of two \
                                 elements only, not {other}"
                            ),
                        }
                    };
                }
                fixed!(1 2 4 8 16 32 64 128 256 512 1024 2048 4096 8192 16384 32768 65536
                    131072 262144 524288 1048576 2097152 4194304 8388608)
            }
            _ => no_jit_form(Self::NAME, variant),
        }
    }
}

/// [`RUN`] allreduces of slices: their length is not in their type, so each agrees.
#[spmd_jit]
fn jit_allreduce_run(a: &[f64], b: &mut [f64], comm: &Comm) {
    for _ in 0..32 {
        allreduce_into(a, b, Sum, comm);
    }
}

/// [`RUN`] allreduces of `[f64; N]` in a function the pattern check proves: the first agrees,
/// the others skip the agreement.
#[spmd_jit]
fn jit_allreduce_run_fixed<const N: usize>(a: &[f64; N], b: &mut [f64; N], comm: &Comm) {
    for _ in 0..32 {
        allreduce_into(a, b, Sum, comm);
    }
}
