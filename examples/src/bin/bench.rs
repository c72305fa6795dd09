//! Benchmark: each op through spmd and the same operation through rsmpi directly (and, for
//! allreduce and ping-pong, through MPI's C functions as a C program calls them), in one run.
//! ranks: 2
//! env: SPMD_BENCH_QUICK=1
//!
//! For every op (allreduce of f64 with `Sum`, ping-pong `send`/`recv`, `sendrecv`, `bcast`,
//! `allgather`, `alltoall`) and message sizes from 8 B to 64 MiB, the program times "raw"
//! (rsmpi called directly on preallocated buffers) and "ours" (the in-place or `_into` form of
//! the spmd op on the same buffers) in the same process, on the same communicator, interleaved
//! block by block, and prints the median time of one call of each and their ratio. Allreduce
//! has two more forms: the allocating functional `allreduce`, and `allreduce_in_place` on a
//! communicator with check mode on. Allreduce and ping-pong also have a "C" form: the same
//! `MPI_Allreduce`, `MPI_Send` and `MPI_Recv` called through the C functions with no wrapper,
//! which is what a C program runs; it shares the process, and so MPI's threading level
//! (`MPI_THREAD_FUNNELED`, spmd's default; the report's first line names it), with the other
//! forms. `SPMD_THREADS=single` runs everything at `MPI_THREAD_SINGLE`, the level of C's
//! `MPI_Init`: the C form is then what a C program that calls `MPI_Init` runs. `cargo xtask
//! bench` measures the cost of each level against plain `MPI_Init` separately, with
//! `examples/c/levels.c`.
//!
//! A counting global allocator shows the heap allocations made per call. Every form's result
//! is checked once per size before it is timed.
//!
//! Run it with `cargo xtask bench` (or `cargo xtask bench --quick`). Options: `--out DIR` writes
//! `ops.md` and `ops.png` there (default: `bench/` in the cargo target folder); `--quick` (or
//! the variable SPMD_BENCH_QUICK=1) runs a few small sizes, asserts that the in-place and
//! `_into` forms allocate nothing, and writes no file; `--op NAME` times one op only (e.g.
//! `--op ping-pong`, or several separated by commas); `--seconds S` sets the time spent on each (op, size, form), 0.5 by
//! default, three times that from 1 MiB on. Timings are never asserted.

#[path = "../font.rs"]
mod font;

use std::alloc::{GlobalAlloc, Layout, System};
use std::ffi::c_int;
use std::fmt::Write as _;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use spmd::mpi::collective::SystemOperation;
use spmd::mpi::ffi;
use spmd::mpi::point_to_point::send_receive_into;
use spmd::mpi::topology::SimpleCommunicator;
use spmd::mpi::traits::*;
use spmd::ndarray::{Array1, ArrayViewMut1, ArrayViewMut2, s};
use spmd::{
    Comm, Sum, Token, allgather_into, allreduce, allreduce_in_place, allreduce_into, alltoall_into,
    bcast_in_place, recv_into, send, sendrecv_into, spmd_jit,
};

// ---- allocation counting --------------------------------------------------------------------

// ANCHOR: allocator
/// The global allocator: the system's, counting every allocation (and reallocation) made
/// through it. MPI's own `malloc`s do not go through it; every Rust allocation does.
struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every method forwards to `System` with the caller's arguments, so the contract of
// `GlobalAlloc` holds as it does for `System`; counting touches no memory handed out.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded from our caller, who upholds `alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded from our caller, who upholds `alloc_zeroed`'s contract.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded from our caller: `ptr` was allocated by this allocator (that is, by
        // `System`) with `layout`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded from our caller: `ptr` was allocated by `System` with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The number of allocations made so far by this process.
fn allocations() -> usize {
    ALLOCATIONS.load(Ordering::Relaxed)
}
// ANCHOR_END: allocator

// ---- what is measured -----------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Allreduce,
    PingPong,
    Sendrecv,
    Bcast,
    Allgather,
    Alltoall,
    /// `sendrecv` of one column of an `n x 4` row-major array into another column: the halo
    /// exchange of a domain split along its columns, on memory that is not contiguous.
    HaloColumn,
}

impl Op {
    const ALL: [Op; 7] = [
        Op::Allreduce,
        Op::PingPong,
        Op::Sendrecv,
        Op::Bcast,
        Op::Allgather,
        Op::Alltoall,
        Op::HaloColumn,
    ];

    fn name(self) -> &'static str {
        match self {
            Op::Allreduce => "allreduce",
            Op::PingPong => "ping-pong",
            Op::Sendrecv => "sendrecv",
            Op::Bcast => "bcast",
            Op::Allgather => "allgather",
            Op::Alltoall => "alltoall",
            Op::HaloColumn => "halo-column",
        }
    }

    fn variants(self) -> &'static [Variant] {
        match self {
            Op::Allreduce => &[
                Variant::C,
                Variant::Raw,
                Variant::Ours,
                Variant::InPlace,
                Variant::Functional,
                Variant::Checked,
            ],
            Op::HaloColumn => &[Variant::Raw, Variant::Ours, Variant::StagedPerCall],
            Op::PingPong => &[Variant::C, Variant::Raw, Variant::Ours],
            _ => &[Variant::Raw, Variant::Ours],
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Variant {
    /// MPI's C functions called directly, as a C program calls them (no Rust wrapper).
    C,
    /// rsmpi called directly.
    Raw,
    /// The spmd hot-loop form of the same operation: `_into` (or in place for `bcast`).
    Ours,
    /// `allreduce_in_place`.
    InPlace,
    /// `allreduce(&buf, Sum, ...)`, which returns a new `Vec`.
    Functional,
    /// `allreduce_in_place` on a communicator with check mode on.
    Checked,
    /// The halo exchange with a fresh staging copy per call: what spmd did before the
    /// per-call-site cache, and what code that copies columns by hand usually does.
    StagedPerCall,
}

impl Variant {
    fn name(self) -> &'static str {
        match self {
            Variant::C => "C",
            Variant::Raw => "raw",
            Variant::Ours => "ours",
            Variant::InPlace => "ours, in place",
            Variant::Functional => "ours, functional",
            Variant::Checked => "ours, check mode",
            Variant::StagedPerCall => "ours, staging per call",
        }
    }

    /// Whether the form must make no heap allocation per call.
    fn must_not_allocate(self) -> bool {
        matches!(
            self,
            Variant::C | Variant::Raw | Variant::Ours | Variant::InPlace
        )
    }
}

/// Everything the ops need: the communicator (with and without check mode) and who the peer is.
#[derive(Debug)]
struct Ctx {
    comm: Comm,
    checked: Comm,
    rank: usize,
    size: usize,
    peer: usize,
}

impl Ctx {
    fn world(&self) -> &SimpleCommunicator {
        self.comm.as_mpi()
    }

    fn barrier(&self) {
        self.world().barrier();
    }
}

/// The preallocated buffers of one (op, size): `a` is sent (or reduced in place), `b` receives.
#[derive(Debug)]
struct Bufs {
    /// Elements per message (per block for alltoall).
    n: usize,
    a: Vec<f64>,
    b: Vec<f64>,
}

impl Bufs {
    fn new(op: Op, n: usize, size: usize) -> Bufs {
        let (a, b) = match op {
            Op::Allreduce | Op::PingPong | Op::Sendrecv => (n, n),
            Op::Bcast => (n, 0),
            Op::Allgather => (n, n * size),
            Op::Alltoall => (n * size, n * size),
            // The field, and raw's hand-made staging: one column out, one in.
            Op::HaloColumn => (n * HALO_COLUMNS, 2 * n),
        };
        Bufs {
            n,
            a: vec![GARBAGE; a],
            b: vec![GARBAGE; b],
        }
    }
}

/// Columns of the halo benchmark's field: column 1 is sent, column 0 receives.
const HALO_COLUMNS: usize = 4;

// ANCHOR: jit_forms
// The spmd forms, written as users write them: `#[spmd_jit]` functions without tokens.

#[spmd_jit]
fn jit_allreduce(a: &[f64], b: &mut [f64], comm: &Comm) {
    allreduce_into(a, b, Sum, comm)
}

#[spmd_jit]
fn jit_allreduce_in_place(a: &mut [f64], comm: &Comm) {
    allreduce_in_place(a, Sum, comm)
}

#[spmd_jit]
fn jit_ping_pong(a: &[f64], b: &mut [f64], first: bool, peer: usize, comm: &Comm) {
    if first {
        send(a, peer, comm);
        recv_into(b, peer, comm);
    } else {
        recv_into(b, peer, comm);
        send(b, peer, comm);
    }
}

#[spmd_jit]
fn jit_sendrecv(a: &[f64], b: &mut [f64], peer: usize, comm: &Comm) {
    sendrecv_into(a, b, spmd::Source::rank(peer), spmd::Dest::rank(peer), comm);
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

/// The halo exchange on array columns: the call site's staging buffers are reused.
#[spmd_jit]
fn jit_halo(out: &ArrayViewMut1<f64>, ghost: &mut ArrayViewMut1<f64>, peer: usize, comm: &Comm) {
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

/// Runs an implicit-mode (`#[spmd_jit]`) call from code that holds an explicit token: the
/// token goes back to the thread for the call and is taken again after it.
#[inline(always)]
fn implicit(token: Token, call: impl FnOnce()) -> Token {
    drop(token);
    call();
    spmd::token()
}

/// One call of an implicit-mode (`#[spmd_jit]`) form, made with no token held, as a program
/// makes it.
#[inline(always)]
fn step_jit(ctx: &Ctx, op: Op, variant: Variant, bufs: &mut Bufs) {
    let comm = &ctx.comm;
    let peer = ctx.peer;
    let Bufs { a, b, .. } = bufs;
    match (op, variant) {
        (Op::Allreduce, Variant::Ours) => jit_allreduce(a, b, comm),
        (Op::Allreduce, Variant::InPlace) => jit_allreduce_in_place(a, comm),
        (Op::PingPong, Variant::Ours) => jit_ping_pong(a, b, ctx.rank == 0, peer, comm),
        (Op::Sendrecv, Variant::Ours) => jit_sendrecv(a, b, peer, comm),
        (Op::Bcast, Variant::Ours) => jit_bcast(a, comm),
        (Op::Allgather, Variant::Ours) => jit_allgather(a, b, comm),
        (Op::Alltoall, Variant::Ours) => jit_alltoall(a, b, comm),
        (Op::HaloColumn, Variant::Ours) => {
            let (out, mut ghost) = halo_columns(a);
            jit_halo(&out, &mut ghost, peer, comm)
        }
        (op, variant) => unreachable!(
            "{} has no `#[spmd_jit]` form `{}`",
            op.name(),
            variant.name()
        ),
    }
}

impl Variant {
    /// Whether the form is called from a `#[spmd_jit]` function (timed with no token held).
    fn is_implicit(self) -> bool {
        matches!(self, Variant::Ours | Variant::InPlace)
    }
}

// ANCHOR: step
/// One call of `op` in form `variant` on the preallocated buffers: the body of the timed loop.
#[inline(always)]
fn step(ctx: &Ctx, op: Op, variant: Variant, bufs: &mut Bufs, token: Token) -> Token {
    let world = ctx.world();
    let comm = &ctx.comm;
    let peer = ctx.peer;
    let Bufs { a, b, .. } = bufs;
    match (op, variant) {
        (Op::Allreduce, Variant::C) => {
            c_allreduce(a, b, world);
            token
        }
        (Op::PingPong, Variant::C) => {
            c_ping_pong(a, b, ctx.rank == 0, peer, world);
            token
        }
        (Op::Allreduce, Variant::Raw) => {
            world.all_reduce_into(&a[..], &mut b[..], SystemOperation::sum());
            token
        }
        (Op::Allreduce, Variant::Ours | Variant::InPlace) => {
            implicit(token, || step_jit(ctx, op, variant, bufs))
        }
        (Op::Allreduce, Variant::Functional) => {
            let (sum, token) = allreduce(&a[..], Sum, comm, token);
            black_box(sum);
            token
        }
        (Op::Allreduce, Variant::Checked) => {
            allreduce_in_place(&mut a[..], Sum, &ctx.checked, token)
        }
        (Op::PingPong, Variant::Raw) => {
            let other = world.process_at_rank(peer as i32);
            if ctx.rank == 0 {
                other.send(&a[..]);
                other.receive_into(&mut b[..]);
            } else {
                other.receive_into(&mut b[..]);
                other.send(&b[..]);
            }
            token
        }
        (Op::PingPong, Variant::Ours) => implicit(token, || step_jit(ctx, op, variant, bufs)),
        (Op::Sendrecv, Variant::Raw) => {
            let other = world.process_at_rank(peer as i32);
            send_receive_into(&a[..], &other, &mut b[..], &other);
            token
        }
        (Op::Sendrecv, Variant::Ours) => implicit(token, || step_jit(ctx, op, variant, bufs)),
        (Op::Bcast, Variant::Raw) => {
            world.process_at_rank(0).broadcast_into(&mut a[..]);
            token
        }
        (Op::Bcast, Variant::Ours) => implicit(token, || step_jit(ctx, op, variant, bufs)),
        (Op::Allgather, Variant::Raw) => {
            world.all_gather_into(&a[..], &mut b[..]);
            token
        }
        (Op::Allgather, Variant::Ours) => implicit(token, || step_jit(ctx, op, variant, bufs)),
        (Op::Alltoall, Variant::Raw) => {
            world.all_to_all_into(&a[..], &mut b[..]);
            token
        }
        (Op::Alltoall, Variant::Ours) => implicit(token, || step_jit(ctx, op, variant, bufs)),
        (Op::HaloColumn, Variant::Raw) => {
            // What a careful user of raw MPI writes: copy the column into preallocated
            // contiguous memory, exchange, copy the received column back.
            let (out, mut ghost) = halo_columns(a);
            let (send_col, recv_col) = b.split_at_mut(out.len());
            for (dst, src) in send_col.iter_mut().zip(out.iter()) {
                *dst = *src;
            }
            let other = world.process_at_rank(peer as i32);
            send_receive_into(&send_col[..], &other, recv_col, &other);
            for (dst, src) in ghost.iter_mut().zip(recv_col.iter()) {
                *dst = *src;
            }
            token
        }
        (Op::HaloColumn, Variant::Ours) => implicit(token, || step_jit(ctx, op, variant, bufs)),
        (Op::HaloColumn, Variant::StagedPerCall) => {
            let (out, mut ghost) = halo_columns(a);
            let staged_out = out.to_owned();
            let mut staged_in = Array1::<f64>::zeros(ghost.len());
            let (_, token) = sendrecv_into(
                &staged_out,
                &mut staged_in,
                spmd::Source::rank(peer),
                spmd::Dest::rank(peer),
                comm,
                token,
            );
            ghost.assign(&staged_in);
            token
        }
        (op, variant) => unreachable!("{} has no form `{}`", op.name(), variant.name()),
    }
}
// ANCHOR_END: step

// ---- correctness ----------------------------------------------------------------------------

/// What receive buffers hold before a call, so that a buffer the call did not write is caught.
const GARBAGE: f64 = -1.0;

/// The value a rank puts at index `i` of what it sends; exact in `f64` for every size here.
fn pattern(rank: usize, i: usize) -> f64 {
    (rank * 1_000_003 + i) as f64
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

/// Runs `op` once in form `variant` on known data and asserts the result on this rank.
fn verify(ctx: &Ctx, op: Op, variant: Variant, bufs: &mut Bufs, token: Token) -> Token {
    let (rank, size, peer, n) = (ctx.rank, ctx.size, ctx.peer, bufs.n);
    let what = format!(
        "rank {rank}: {} ({}) of {}",
        op.name(),
        variant.name(),
        format_size(n * 8)
    );
    bufs.b.fill(GARBAGE);
    match op {
        Op::Allreduce => {
            for (i, x) in bufs.a.iter_mut().enumerate() {
                *x = pattern(rank, i);
            }
            let sum = |i: usize| (0..size).map(|r| pattern(r, i)).sum::<f64>();
            match variant {
                Variant::C | Variant::Raw | Variant::Ours => {
                    let token = step(ctx, op, variant, bufs, token);
                    check_eq(&what, &bufs.b, sum);
                    token
                }
                Variant::InPlace | Variant::Checked => {
                    let token = step(ctx, op, variant, bufs, token);
                    check_eq(&what, &bufs.a, sum);
                    token
                }
                Variant::Functional => {
                    let (result, token) = allreduce(&bufs.a, Sum, &ctx.comm, token);
                    check_eq(&what, &result, sum);
                    check_eq(&what, &bufs.a, |i| pattern(rank, i));
                    token
                }
                Variant::StagedPerCall => unreachable!("allreduce has no per-call staging form"),
            }
        }
        Op::PingPong => {
            for (i, x) in bufs.a.iter_mut().enumerate() {
                *x = if rank == 0 { pattern(0, i) } else { GARBAGE };
            }
            let token = step(ctx, op, variant, bufs, token);
            // Rank 1 received rank 0's message and sent it back, so both hold it.
            check_eq(&what, &bufs.b, |i| pattern(0, i));
            token
        }
        Op::Sendrecv => {
            for (i, x) in bufs.a.iter_mut().enumerate() {
                *x = pattern(rank, i);
            }
            let token = step(ctx, op, variant, bufs, token);
            check_eq(&what, &bufs.b, |i| pattern(peer, i));
            token
        }
        Op::Bcast => {
            for (i, x) in bufs.a.iter_mut().enumerate() {
                *x = pattern(rank, i);
            }
            let token = step(ctx, op, variant, bufs, token);
            check_eq(&what, &bufs.a, |i| pattern(0, i));
            token
        }
        Op::Allgather => {
            for (i, x) in bufs.a.iter_mut().enumerate() {
                *x = pattern(rank, i);
            }
            let token = step(ctx, op, variant, bufs, token);
            check_eq(&what, &bufs.b, |i| pattern(i / n, i % n));
            token
        }
        Op::Alltoall => {
            for (i, x) in bufs.a.iter_mut().enumerate() {
                *x = block_pattern(rank, i / n, n, i % n);
            }
            let token = step(ctx, op, variant, bufs, token);
            // Block p of the result is block `rank` of rank p's send buffer.
            check_eq(&what, &bufs.b, |i| block_pattern(i / n, rank, n, i % n));
            token
        }
        Op::HaloColumn => {
            for (i, x) in bufs.a.iter_mut().enumerate() {
                *x = pattern(rank, i);
            }
            let token = step(ctx, op, variant, bufs, token);
            // Column 0 holds the peer's column 1; every other element is unchanged.
            check_eq(&what, &bufs.a, |i| {
                if i % HALO_COLUMNS == 0 {
                    pattern(peer, i + 1)
                } else {
                    pattern(rank, i)
                }
            });
            token
        }
    }
}

// ---- timing ---------------------------------------------------------------------------------

/// How long to spend timing one (op, size, form), and the bounds on the repetitions.
#[derive(Clone, Copy, Debug)]
struct Plan {
    quick: bool,
    /// Seconds of timed calls per (op, size, form).
    target: f64,
    /// Seconds of timed calls per (op, size, form) from `LARGE` bytes on, where a call takes
    /// milliseconds and its time varies most.
    large_target: f64,
    min_reps: usize,
    max_reps: usize,
    /// The timed calls are split into this many blocks (at most), alternating the forms; from
    /// `LARGE` bytes on, every sample is a block of its own.
    blocks: usize,
}

/// Message size from which the forms alternate sample by sample.
const LARGE: usize = 1 << 20;

impl Plan {
    fn new(quick: bool) -> Plan {
        if quick {
            Plan {
                quick,
                target: 0.0,
                large_target: 0.0,
                min_reps: 40,
                max_reps: 40,
                blocks: 4,
            }
        } else {
            Plan {
                quick,
                target: 0.5,
                large_target: 1.5,
                min_reps: 20,
                max_reps: 200_000,
                blocks: 10,
            }
        }
    }

    /// Message sizes in bytes: 8 B to 32 MiB in powers of 4, then 64 MiB.
    fn sizes(&self) -> Vec<usize> {
        if self.quick {
            vec![8, 512, 32 << 10]
        } else {
            let mut sizes: Vec<usize> = (0..12).map(|k| 8 << (2 * k)).collect();
            sizes.push(64 << 20);
            sizes
        }
    }
}

// ANCHOR: timed_block
/// Times `iters` samples of `batch` calls each after a barrier, recording seconds per call;
/// rank 0's times are what counts. Small messages are timed in batches, so that the clock's
/// own cost and granularity (tens of nanoseconds) do not swamp calls of a few hundred.
/// Returns the token and the number of heap allocations the calls made.
#[inline(never)]
fn timed_block(
    ctx: &Ctx,
    op: Op,
    variant: Variant,
    bufs: &mut Bufs,
    token: Token,
    (iters, batch): (usize, usize),
    samples: &mut Vec<f64>,
) -> (Token, usize) {
    // Room for every sample, so that recording one never allocates inside the loop.
    samples.reserve(iters);
    // The `#[spmd_jit]` forms run as in a program: the thread's token is not held around them.
    let mut held = if variant.is_implicit() {
        drop(token);
        None
    } else {
        Some(token)
    };
    ctx.barrier();
    let before = allocations();
    for _ in 0..iters {
        let start = Instant::now();
        for _ in 0..batch {
            held = match held.take() {
                Some(token) => Some(step(ctx, op, variant, bufs, token)),
                None => {
                    step_jit(ctx, op, variant, bufs);
                    None
                }
            };
        }
        samples.push(start.elapsed().as_secs_f64() / batch as f64);
    }
    let made = allocations() - before;
    (held.unwrap_or_else(spmd::token), made)
}
// ANCHOR_END: timed_block

/// A small deterministic generator of permutations (xorshift64), seeded alike on every rank.
struct Shuffle(u64);

impl Shuffle {
    fn new(seed: u64) -> Shuffle {
        Shuffle(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Fisher-Yates.
    fn permute(&mut self, items: &mut [usize]) {
        for i in (1..items.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

/// The median of `values` (sorts them).
fn median_of(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// How long `form` takes relative to `base`: the median over the blocks of the ratio of the
/// two forms' medians within each block. Interleaving makes drift hit both forms alike;
/// pairing them block by block also keeps a slow spell of the machine (other tenants, memory
/// traffic) from shifting one form's median more than the other's.
fn ratio(form: &Cell, base: &Cell) -> f64 {
    let mut ratios: Vec<f64> = form
        .blocks
        .iter()
        .zip(&base.blocks)
        .map(|(f, b)| f / b)
        .collect();
    median_of(&mut ratios)
}

/// The result of one (op, size, form).
#[derive(Clone, Debug)]
struct Cell {
    op: Op,
    bytes: usize,
    variant: Variant,
    /// Median seconds per call (ping-pong: per one-way message, half the round trip).
    median: f64,
    /// The median of each block's samples, in block order: the forms of one block ran within
    /// the same fraction of a second, so their ratios block by block cancel the machine's slow
    /// spells (see [`ratio`]).
    blocks: Vec<f64>,
    reps: usize,
    /// Heap allocations per call, the larger of the two ranks.
    allocs_per_call: f64,
}

/// Warms up, picks the repetition count (rank 0 decides, every rank follows), then times every
/// form of `op` at `bytes`, interleaved block by block.
fn measure(ctx: &Ctx, plan: &Plan, op: Op, bytes: usize, mut token: Token) -> (Vec<Cell>, Token) {
    let variants = op.variants();
    let mut bufs = Bufs::new(op, bytes / 8, ctx.size);
    for &variant in variants {
        token = verify(ctx, op, variant, &mut bufs, token);
    }
    if op == Op::Allreduce {
        // Repeated in-place sums of zeros stay zeros: no overflow to infinity while timing.
        bufs.a.fill(0.0);
    }

    // Warm-up, which also estimates the time of one call.
    let warm = if bytes <= 64 << 10 { 50 } else { 3 };
    let mut scratch = Vec::new();
    let mut estimate: f64 = 0.0;
    for &variant in variants {
        scratch.clear();
        (token, _) = timed_block(ctx, op, variant, &mut bufs, token, (warm, 1), &mut scratch);
        estimate = estimate.max(median_of(&mut scratch));
    }
    // Calls shorter than BATCH_TIME are timed in batches that last about that long.
    const BATCH_TIME: f64 = 5e-6;
    let batch = (BATCH_TIME / estimate.max(1e-9)).ceil().clamp(1.0, 64.0) as u64;
    let mut plan_of_rank0 = [
        if plan.quick {
            plan.min_reps as u64
        } else {
            let target = if bytes >= LARGE {
                plan.large_target
            } else {
                plan.target
            };
            ((target / (estimate.max(1e-9) * batch as f64)).ceil() as u64)
                .clamp(plan.min_reps as u64, plan.max_reps as u64)
        },
        batch,
    ];
    ctx.world()
        .process_at_rank(0)
        .broadcast_into(&mut plan_of_rank0[..]);
    let [reps, batch] = plan_of_rank0.map(|n| n as usize);
    // Large messages: the forms alternate call by call, so that the machine's state (what
    // else runs, where memory sits) changes under each form alike.
    let blocks = if bytes >= LARGE {
        reps
    } else {
        plan.blocks.min(reps)
    };
    let per_block = reps.div_ceil(blocks);

    let mut samples: Vec<Vec<f64>> = variants
        .iter()
        .map(|_| Vec::with_capacity(per_block * blocks))
        .collect();
    let mut allocs = vec![0u64; variants.len()];
    let mut order: Vec<usize> = (0..variants.len()).collect();
    let mut shuffle = Shuffle::new(bytes as u64);
    for _ in 0..blocks {
        // A fresh order every block (the same on every rank), so that neither drift nor what
        // the form before left in the caches favours one form.
        shuffle.permute(&mut order);
        for &v in &order {
            let made;
            (token, made) = timed_block(
                ctx,
                op,
                variants[v],
                &mut bufs,
                token,
                (per_block, batch),
                &mut samples[v],
            );
            allocs[v] += made as u64;
        }
    }
    let mut max_allocs = vec![0u64; variants.len()];
    ctx.world()
        .all_reduce_into(&allocs[..], &mut max_allocs[..], SystemOperation::max());

    let calls = (per_block * blocks * batch) as f64;
    let cells = variants
        .iter()
        .zip(samples.iter_mut())
        .zip(&max_allocs)
        .map(|((&variant, samples), &allocs)| {
            let scale = if op == Op::PingPong { 0.5 } else { 1.0 };
            let blocks = samples
                .chunks_mut(per_block)
                .map(|block| median_of(block) * scale)
                .collect();
            let median = median_of(samples);
            Cell {
                op,
                bytes,
                variant,
                median: median * scale,
                blocks,
                reps: samples.len(),
                allocs_per_call: allocs as f64 / calls,
            }
        })
        .collect();
    (cells, token)
}

// ---- report ---------------------------------------------------------------------------------

fn format_size(bytes: usize) -> String {
    if bytes >= 1 << 20 {
        format!("{} MiB", bytes >> 20)
    } else if bytes >= 1 << 10 {
        format!("{} KiB", bytes >> 10)
    } else {
        format!("{bytes} B")
    }
}

fn format_time(seconds: f64) -> String {
    if seconds < 0.0 {
        return format!("-{}", format_time(-seconds));
    }
    let (value, unit) = if seconds < 1e-6 {
        (seconds * 1e9, "ns")
    } else if seconds < 1e-3 {
        (seconds * 1e6, "µs")
    } else if seconds < 1.0 {
        (seconds * 1e3, "ms")
    } else {
        (seconds, "s")
    };
    if value < 10.0 {
        format!("{value:.2} {unit}")
    } else if value < 100.0 {
        format!("{value:.1} {unit}")
    } else {
        format!("{value:.0} {unit}")
    }
}

fn format_allocs(per_call: f64) -> String {
    if per_call == 0.0 {
        "0".into()
    } else {
        format!("{per_call:.2}")
    }
}

fn find(cells: &[Cell], op: Op, bytes: usize, variant: Variant) -> &Cell {
    cells
        .iter()
        .find(|c| c.op == op && c.bytes == bytes && c.variant == variant)
        .expect("every (op, size, form) was measured")
}

/// The ratio target of the design: 1.10 up to 1 KiB, 1.03 from 1 MiB.
fn target(bytes: usize) -> Option<f64> {
    if bytes <= 1 << 10 {
        Some(1.10)
    } else if bytes >= 1 << 20 {
        Some(1.03)
    } else {
        None
    }
}

// ANCHOR: overhead
/// The cost of spmd's own work per call, measured where MPI's is smallest: an allreduce of one
/// `f64` on a communicator of one rank (a duplicate of `MPI_COMM_SELF`), so that the rest of
/// the machine and the other rank cannot blur a difference of a few nanoseconds. Returns the
/// median over rounds of nanoseconds per call: rsmpi, spmd explicit, spmd `#[spmd_jit]`.
fn self_overhead(calls: usize) -> [f64; 3] {
    let own = Comm::duplicate_of(&SimpleCommunicator::self_comm());
    let a = [1.0f64];
    let mut b = [0.0f64];
    let mut rounds: [Vec<f64>; 3] = Default::default();
    for _ in 0..9 {
        let start = Instant::now();
        for _ in 0..calls {
            own.as_mpi()
                .all_reduce_into(&a[..], &mut b[..], SystemOperation::sum());
        }
        rounds[0].push(start.elapsed().as_secs_f64() * 1e9 / calls as f64);
        let mut token = spmd::token();
        let start = Instant::now();
        for _ in 0..calls {
            token = allreduce_into(&a[..], &mut b[..], Sum, &own, token);
        }
        rounds[1].push(start.elapsed().as_secs_f64() * 1e9 / calls as f64);
        drop(token);
        let start = Instant::now();
        for _ in 0..calls {
            jit_allreduce(&a, &mut b, &own);
        }
        rounds[2].push(start.elapsed().as_secs_f64() * 1e9 / calls as f64);
    }
    assert_eq!(b[0], 1.0, "a one-rank sum is the input");
    rounds.map(|mut r| median_of(&mut r))
}
// ANCHOR_END: overhead

/// The overhead measurement as markdown.
fn overhead_section(out: &mut String, [raw, explicit, jit]: &[f64; 3]) {
    let _ = writeln!(
        out,
        "\nPer-call cost of spmd's own work (allreduce of one f64 on a one-rank communicator, \
         where MPI's own work is smallest; median of 9 rounds):\n"
    );
    let _ = writeln!(
        out,
        "| rsmpi | spmd, explicit token | spmd, `#[spmd_jit]` | added by spmd |"
    );
    let _ = writeln!(out, "|---:|---:|---:|---:|");
    let _ = writeln!(
        out,
        "| {raw:.1} ns | {explicit:.1} ns | {jit:.1} ns | {:.1} ns, {:.1} ns |",
        explicit - raw,
        jit - raw
    );
}

/// The results as markdown: the main table, the allreduce forms, and what is over target.
fn report(cells: &[Cell], sizes: &[usize], machine: &str) -> String {
    let ops = measured_ops(cells);
    let mut out = String::new();
    let _ = writeln!(out, "{machine}\n");
    let _ = writeln!(
        out,
        "| op | size | raw (rsmpi) | ours (spmd) | ours / raw | allocs per call (raw, ours) |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|");
    let mut over = Vec::new();
    // The non-contiguous exchange has a table of its own (`halo_forms`): its raw form is not
    // one MPI call but a user's hand-written packing around one.
    for &op in ops.iter().filter(|&&op| op != Op::HaloColumn) {
        for &bytes in sizes {
            let raw = find(cells, op, bytes, Variant::Raw);
            let ours = find(cells, op, bytes, Variant::Ours);
            let ratio = ratio(ours, raw);
            if target(bytes).is_some_and(|limit| ratio > limit) {
                over.push(format!("{} {} ({ratio:.3})", op.name(), format_size(bytes)));
            }
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {ratio:.3} | {}, {} |",
                op.name(),
                format_size(bytes),
                format_time(raw.median),
                format_time(ours.median),
                format_allocs(raw.allocs_per_call),
                format_allocs(ours.allocs_per_call),
            );
        }
    }
    let c_over = c_forms(&mut out, cells, sizes);
    over.extend(c_over);
    if ops.contains(&Op::Allreduce) {
        allreduce_forms(&mut out, cells, sizes);
    }
    let mut halo_over = Vec::new();
    if ops.contains(&Op::HaloColumn) {
        halo_over = halo_forms(&mut out, cells, sizes);
    }
    summary(&mut out, cells, &over, &halo_over);
    out
}

/// The ops that `cells` holds, in their usual order.
fn measured_ops(cells: &[Cell]) -> Vec<Op> {
    Op::ALL
        .into_iter()
        .filter(|&op| cells.iter().any(|c| c.op == op))
        .collect()
}

/// The table of the ops that have a C form (allreduce, ping-pong): rsmpi and spmd against MPI
/// called from C, in the same process, at spmd's threading level. Returns the entries over
/// target (ours / C).
fn c_forms(out: &mut String, cells: &[Cell], sizes: &[usize]) -> Vec<String> {
    let ops: Vec<Op> = measured_ops(cells)
        .into_iter()
        .filter(|op| op.variants().contains(&Variant::C))
        .collect();
    if ops.is_empty() {
        return Vec::new();
    }
    let _ = writeln!(
        out,
        "\nAgainst C: the same calls made as a C program makes them (`MPI_Allreduce`, \
         `MPI_Send`/`MPI_Recv` through the C functions, no wrapper), in the same process, so at \
         the threading level spmd initialised MPI with (see the threading section for the cost \
         of that level against `MPI_Init`):\n"
    );
    let _ = writeln!(
        out,
        "| op | size | C | raw (rsmpi) | ours (spmd) | raw / C | ours / C |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|");
    let mut over = Vec::new();
    for op in ops {
        for &bytes in sizes {
            let c = find(cells, op, bytes, Variant::C);
            let raw = find(cells, op, bytes, Variant::Raw);
            let ours = find(cells, op, bytes, Variant::Ours);
            let ours_c = ratio(ours, c);
            if target(bytes).is_some_and(|limit| ours_c > limit) {
                over.push(format!(
                    "{} {} vs C ({ours_c:.3})",
                    op.name(),
                    format_size(bytes)
                ));
            }
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {:.3} | {ours_c:.3} |",
                op.name(),
                format_size(bytes),
                format_time(c.median),
                format_time(raw.median),
                format_time(ours.median),
                ratio(raw, c),
            );
        }
    }
    over
}

/// The table of allreduce's four forms.
fn allreduce_forms(out: &mut String, cells: &[Cell], sizes: &[usize]) {
    let _ = writeln!(
        out,
        "\nAllreduce forms (ratios against raw; check cost = check mode minus in place):\n"
    );
    let _ = writeln!(
        out,
        "| size | raw | in place | functional | ratio | allocs/call | check mode | ratio | check cost | allocs/call |"
    );
    let _ = writeln!(out, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for &bytes in sizes {
        let raw = find(cells, Op::Allreduce, bytes, Variant::Raw);
        let ours = find(cells, Op::Allreduce, bytes, Variant::InPlace);
        let functional = find(cells, Op::Allreduce, bytes, Variant::Functional);
        let checked = find(cells, Op::Allreduce, bytes, Variant::Checked);
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {:.3} | {} | {} | {:.3} | {} | {} |",
            format_size(bytes),
            format_time(raw.median),
            format_time(ours.median),
            format_time(functional.median),
            ratio(functional, raw),
            format_allocs(functional.allocs_per_call),
            format_time(checked.median),
            ratio(checked, raw),
            format_time(checked.median - ours.median),
            format_allocs(checked.allocs_per_call),
        );
    }
}

/// The halo exchange of an array column, which is not contiguous: `sendrecv_into` on the
/// column views (staged in the call site's cache) against a hand-written copy around rsmpi's
/// `send_receive_into`, and against a fresh staging copy per call (what the cache saves).
/// Returns the sizes where ours / raw is over target.
fn halo_forms(out: &mut String, cells: &[Cell], sizes: &[usize]) -> Vec<String> {
    let _ = writeln!(
        out,
        "\nNon-contiguous buffers: halo exchange of an array column; raw copies the column into \
         preallocated memory by hand around rsmpi's call; ours passes the column views, staged \
         on the stack up to 1 KiB and above that in memory cached per call site; the last form \
         stages into fresh memory every call:\n"
    );
    let _ = writeln!(
        out,
        "| column size | raw, hand-copied | ours, cached | ours / raw | allocs/call | ours, staging per call | allocs/call | per call / cached |"
    );
    let _ = writeln!(out, "|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut over = Vec::new();
    for &bytes in sizes {
        let raw = find(cells, Op::HaloColumn, bytes, Variant::Raw);
        let ours = find(cells, Op::HaloColumn, bytes, Variant::Ours);
        let fresh = find(cells, Op::HaloColumn, bytes, Variant::StagedPerCall);
        let ours_raw = ratio(ours, raw);
        if target(bytes).is_some_and(|limit| ours_raw > limit) {
            over.push(format!("{} ({ours_raw:.3})", format_size(bytes)));
        }
        let _ = writeln!(
            out,
            "| {} | {} | {} | {ours_raw:.3} | {} | {} | {} | {:.3} |",
            format_size(bytes),
            format_time(raw.median),
            format_time(ours.median),
            format_allocs(ours.allocs_per_call),
            format_time(fresh.median),
            format_allocs(fresh.allocs_per_call),
            ratio(fresh, ours),
        );
    }
    over
}

/// How many calls each median is of, and what is over target.
fn summary(out: &mut String, cells: &[Cell], over: &[String], halo_over: &[String]) {
    let reps: Vec<usize> = cells.iter().map(|c| c.reps).collect();
    let _ = writeln!(
        out,
        "\nMedian of {} to {} samples per cell, timed on rank 0; a sample is one call, or for \
         calls under 5 µs a batch of up to 64 calls lasting about 5 µs; ping-pong is half the \
         round trip; alltoall's size is one block (each rank sends one block to each rank). \
         Ratios are block by block: the median, over the blocks, of the two forms' medians' \
         ratio within a block (in a full run, 10 blocks below 1 MiB, one per sample from 1 MiB \
         on).",
        reps.iter().min().unwrap_or(&0),
        reps.iter().max().unwrap_or(&0)
    );
    if over.is_empty() {
        let _ = writeln!(
            out,
            "\nEvery op's ratio is within target (1.10 up to 1 KiB, 1.03 from 1 MiB)."
        );
    } else {
        let _ = writeln!(
            out,
            "\nOver target (1.10 up to 1 KiB, 1.03 from 1 MiB): {}.",
            over.join(", ")
        );
    }
    if !cells.iter().any(|c| c.op == Op::HaloColumn) {
        // Not measured.
    } else if halo_over.is_empty() {
        let _ = writeln!(
            out,
            "\nThe non-contiguous exchange is within the same targets."
        );
    } else {
        let _ = writeln!(
            out,
            "\nNon-contiguous exchange over the same targets: {}.",
            halo_over.join(", ")
        );
    }
}

// ---- plot -----------------------------------------------------------------------------------

fn plot(cells: &[Cell], sizes: &[usize], path: &Path) -> Result<(), String> {
    use plotters::coord::combinators::BindKeyPoints;
    use plotters::prelude::*;

    font::register()?;
    let failed = |e: &dyn std::fmt::Display| format!("drawing {}: {e}", path.display());

    let ops = measured_ops(cells);
    // Two panels per row, one per op.
    let rows = ops.len().div_ceil(2).max(1);
    let height = 60 + 420 * rows as u32;
    let root = BitMapBackend::new(path, (1500, height)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| failed(&e))?;
    let root = root
        .titled(
            "spmd vs rsmpi vs C: median time per call (2 ranks)",
            ("sans-serif", 30),
        )
        .map_err(|e| failed(&e))?;
    let panels = root.split_evenly((rows, 2));
    let x_range = (sizes[0] as f64 / 1.5)..(sizes[sizes.len() - 1] as f64 * 1.5);
    let x_ticks: Vec<f64> = sizes.iter().step_by(2).map(|&b| b as f64).collect();
    for (op, panel) in ops.into_iter().zip(panels.iter()) {
        let mine: Vec<&Cell> = cells.iter().filter(|c| c.op == op).collect();
        let low = mine.iter().map(|c| c.median).fold(f64::INFINITY, f64::min);
        let high = mine.iter().map(|c| c.median).fold(0.0, f64::max);
        let mut chart = ChartBuilder::on(panel)
            .caption(
                match op {
                    Op::PingPong => "ping-pong (one way: half the round trip)",
                    Op::HaloColumn => "halo-column (a column of an n x 4 array)",
                    _ => op.name(),
                },
                ("sans-serif", 24),
            )
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(80)
            .build_cartesian_2d(
                x_range.clone().log_scale().with_key_points(x_ticks.clone()),
                (low / 1.5..high * 1.5).log_scale(),
            )
            .map_err(|e| failed(&e))?;
        chart
            .configure_mesh()
            .x_desc("message size")
            .y_desc("time per call")
            .x_label_formatter(&|x| format_size(x.round() as usize))
            .y_label_formatter(&|y| format_time(*y))
            .label_style(("sans-serif", 14))
            .draw()
            .map_err(|e| failed(&e))?;
        for &variant in op.variants() {
            // Raw is drawn wide and light, so that ours, drawn over it, shows where they meet.
            let (color, width) = match variant {
                Variant::C => (RGBColor(60, 60, 60).to_rgba(), 2),
                Variant::Raw => (RGBColor(120, 160, 230).to_rgba(), 6),
                Variant::Ours => (RGBColor(200, 30, 30).to_rgba(), 2),
                Variant::InPlace => (RGBColor(230, 90, 160).to_rgba(), 2),
                Variant::Functional => (RGBColor(230, 160, 0).to_rgba(), 2),
                Variant::Checked => (RGBColor(40, 150, 60).to_rgba(), 2),
                Variant::StagedPerCall => (RGBColor(140, 60, 170).to_rgba(), 2),
            };
            let points: Vec<(f64, f64)> = mine
                .iter()
                .filter(|c| c.variant == variant)
                .map(|c| (c.bytes as f64, c.median))
                .collect();
            chart
                .draw_series(LineSeries::new(points.clone(), color.stroke_width(width)))
                .map_err(|e| failed(&e))?
                .label(variant.name())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(width))
                });
            chart
                .draw_series(
                    points
                        .iter()
                        .map(|&p| Circle::new(p, width.max(3), color.filled())),
                )
                .map_err(|e| failed(&e))?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .label_font(("sans-serif", 14))
            .draw()
            .map_err(|e| failed(&e))?;
    }
    root.present().map_err(|e| failed(&e))?;
    Ok(())
}

/// The machine's cores: `/proc/cpuinfo` where there is one (mpirun may bind each rank to one
/// core, which is all `available_parallelism` would see), else what the process may use.
fn cores() -> usize {
    std::fs::read_to_string("/proc/cpuinfo")
        .map(|info| info.lines().filter(|l| l.starts_with("processor")).count())
        .ok()
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
}

// ---- main -----------------------------------------------------------------------------------

/// The value of option `name` (`--name VALUE`), if given.
fn option<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    let i = args.iter().position(|a| a == name)?;
    let value = args
        .get(i + 1)
        .unwrap_or_else(|| panic!("`{name}` needs a value"));
    Some(value)
}

/// `--out DIR`, else `bench/` in `CARGO_TARGET_DIR` or the workspace's `target/`.
fn out_dir(args: &[String]) -> PathBuf {
    if let Some(dir) = option(args, "--out") {
        return PathBuf::from(dir);
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => workspace.join(dir),
        None => workspace.join("target"),
    };
    target.join("bench")
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick")
        || std::env::var("SPMD_BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0");
    let out = out_dir(&args);

    let universe = spmd::init();
    let comm = universe.world();
    assert_eq!(
        comm.size(),
        2,
        "the benchmark runs on exactly 2 ranks (ping-pong pairs rank 0 with rank 1): \
         start it with `mpirun -n 2`"
    );
    let checked = comm.with_check(true);
    let ctx = Ctx {
        rank: comm.rank(),
        size: comm.size(),
        peer: 1 - comm.rank(),
        comm,
        checked,
    };
    let mut plan = Plan::new(quick);
    if let Some(seconds) = option(&args, "--seconds") {
        plan.target = seconds
            .parse()
            .unwrap_or_else(|_| panic!("`--seconds` takes a number, got `{seconds}`"));
        plan.large_target = 3.0 * plan.target;
    }
    let ops: Vec<Op> = match option(&args, "--op") {
        None => Op::ALL.to_vec(),
        Some(names) => names
            .split(',')
            .map(|name| {
                Op::ALL
                    .into_iter()
                    .find(|op| op.name() == name)
                    .unwrap_or_else(|| {
                        panic!(
                            "`--op` takes one or more of {} (separated by commas), got `{name}`",
                            Op::ALL.map(Op::name).join(", ")
                        )
                    })
            })
            .collect(),
    };
    let sizes = plan.sizes();
    let started = Instant::now();

    let mut token = spmd::token();
    let mut cells = Vec::new();
    for &op in &ops {
        for &bytes in &sizes {
            let (mut measured, next) = measure(&ctx, &plan, op, bytes, token);
            token = next;
            if ctx.rank == 0 && !quick {
                for cell in &measured {
                    eprintln!(
                        "bench: {:<9} {:>7} {:<16} {:>9} ({} calls, {} allocs/call)",
                        op.name(),
                        format_size(bytes),
                        cell.variant.name(),
                        format_time(cell.median),
                        cell.reps,
                        format_allocs(cell.allocs_per_call)
                    );
                }
            }
            cells.append(&mut measured);
        }
    }
    drop(token);

    // The in-place and `_into` forms (and rsmpi) must make no heap allocation in steady state.
    // The counts are the larger of the two ranks', so every rank sees the same and fails alike.
    let allocating: Vec<String> = cells
        .iter()
        .filter(|c| c.variant.must_not_allocate() && c.allocs_per_call != 0.0)
        .map(|c| {
            format!(
                "{} ({}) of {}: {} allocations per call",
                c.op.name(),
                c.variant.name(),
                format_size(c.bytes),
                c.allocs_per_call
            )
        })
        .collect();

    let overhead = self_overhead(if quick { 2_000 } else { 400_000 });

    if ctx.rank == 0 {
        let version = spmd::mpi::environment::library_version()
            .map(|v| v.split([',', '\n']).next().unwrap_or("").trim().to_string())
            .unwrap_or_else(|_| "unknown MPI".into());
        // The transport, when the environment picks one (the TCP run of `cargo xtask bench`).
        let transport = match std::env::var("OMPI_MCA_btl") {
            Ok(btl) => format!(" over Open MPI's `{btl}` BTLs"),
            Err(_) => String::new(),
        };
        let level = match spmd::mpi::environment::threading_support() {
            spmd::mpi::Threading::Single => "MPI_THREAD_SINGLE",
            spmd::mpi::Threading::Funneled => "MPI_THREAD_FUNNELED",
            spmd::mpi::Threading::Serialized => "MPI_THREAD_SERIALIZED",
            spmd::mpi::Threading::Multiple => "MPI_THREAD_MULTIPLE",
        };
        let machine = format!(
            "2 ranks on one machine with {} cores{transport}; {version}, {level}; {} run, {:.0} s.",
            cores(),
            if quick { "quick" } else { "full" },
            started.elapsed().as_secs_f64()
        );
        let mut table = report(&cells, &sizes, &machine);
        overhead_section(&mut table, &overhead);
        println!("{table}");
        if !quick {
            std::fs::create_dir_all(&out)
                .unwrap_or_else(|e| panic!("cannot create {}: {e}", out.display()));
            let md = out.join("ops.md");
            std::fs::write(&md, &table)
                .unwrap_or_else(|e| panic!("cannot write {}: {e}", md.display()));
            println!("wrote {}", md.display());
            let png = out.join("ops.png");
            if let Err(problem) = plot(&cells, &sizes, &png) {
                panic!("no plot: {problem}");
            }
            println!("wrote {}", png.display());
        }
    }
    assert!(
        !quick || allocating.is_empty(),
        "steady-state calls that must not allocate did:\n  {}",
        allocating.join("\n  ")
    );
    if !quick && !allocating.is_empty() && ctx.rank == 0 {
        eprintln!(
            "bench: warning: steady-state calls that must not allocate did:\n  {}",
            allocating.join("\n  ")
        );
    }
}
