//! The nonblocking v-collectives: `igatherv`, `iallgatherv`, `iscatterv`, `ialltoallv` and
//! their `_into` forms.
//!
//! # Nothing blocks at the issue
//! A v-collective's data may move only once the ranks know how much each receives: a peer's
//! wrong count must never make MPI write past a buffer (see [`ops::varying`](crate::ops::varying)).
//! The blocking ones agree on the op and exchange the counts before their data. The
//! nonblocking ones do the same in stages, none of which blocks the issue: the ranks' agreement
//! (the nonblocking one of every collective, `sys::agreement`), then the exchange of counts, a
//! nonblocking collective of the communicator itself (`MPI_Igather`, `MPI_Iallgather`,
//! `MPI_Iscatter` or `MPI_Ialltoall` of one count per rank; saved when the counts fit the
//! agreement's payload, which then carries them: [`carried_counts`]), then the data, each
//! started once the one before completed, wherever the program lets spmd advance (a `test`, a
//! `wait`, another op). The collective stays in the thread's list of waiting collectives until
//! its data started, so the later collectives of the communicator start after it on every
//! rank, in the same order. The `_into` forms compare the counts received with those they were given when
//! they come, and a difference ends the job with the op's error on that rank (the others may be
//! waiting for its data). The counts live in memory of the call site's cache (no allocation in
//! a loop of `_into` ops on up to 128 ranks); the allocating forms allocate their result once the
//! counts are known.
//!
//! In check mode, and for the allocating forms on a communicator made by
//! `Comm::without_agreement`, the issue agrees and exchanges the counts at once, blocking, as
//! before every collective there. The `_into` forms on such a communicator trust the counts
//! they are given (its `unsafe` contract) and start the data at their issue.

use std::cell::RefCell;
use std::mem::MaybeUninit;
use std::rc::Rc;

use crate::buffer::{Buffer, zeroed};
use crate::cache::Staged;
use crate::call::{Call, Reporter};
use crate::check::Collective;
use crate::comm::Comm;
use crate::element::Element;
use crate::ident::{Payload, Peer};
use crate::ops::handed::{ResultBuf, SendBuf};
use crate::ops::varying::{Parts, count_slots, to_usizes, varying};
use crate::sys::fused::{Carry, Envelope};
use crate::sys::{self, Blocks, InFlight, Memory, RawComm, Start, SysResult, Taking};
use crate::token::Token;

use super::{Request, completed, issue_collective};

/// `counts` as words for an exchange of counts, in memory of the call site's cache.
fn count_words(counts: &[usize]) -> Memory<u64> {
    // SAFETY: `init` writes every one of the `counts.len()` elements.
    let staged = unsafe {
        Staged::written_by(counts.len(), |room: &mut [MaybeUninit<u64>]| {
            for (word, &count) in room.iter_mut().zip(counts) {
                word.write(count as u64);
            }
        })
    };
    staged.into()
}

/// Room for `len` counts an exchange receives, in memory of the call site's cache.
fn count_room(len: usize) -> Memory<u64> {
    Staged::<u64>::for_output(len).into()
}

/// The memory of an exchange of counts: the counts sent, room for those received.
type CountBuffers = Option<(Memory<u64>, Memory<u64>)>;

/// Where this rank's counts lie in an agreement that carries them, and how many it takes.
type CarriedCounts = (Taking, usize);

/// The envelope whose agreement carries a v-collective's counts (`slots` in all, as `u32`s,
/// this rank putting `mine` from slot `at` on), and where the `len` counts this rank takes lie
/// (`taking`), when they fit the payload and the communicator agrees through it (see
/// `Call::carrying`): the exchange of counts after the agreement is then saved.
fn carried_counts(
    call: &Call<'_>,
    what: &Collective,
    (slots, mine, at): (usize, &[usize], usize),
    taking: Taking,
    len: usize,
) -> Option<(Envelope, CarriedCounts)> {
    let put = count_slots(mine, slots, len)?;
    let given = (!mine.is_empty()).then_some((&put[..mine.len()], at));
    let envelope = call.carrying(what, Carry::Place, slots, given)?;
    Some((envelope, (taking, len)))
}

/// What an all-to-all of counts carries on `comm` ([`carried_counts`]): each rank's row of
/// `sendcounts` at its rank's place among `size` rows, and this rank's column taken.
fn alltoall_counts<'s>(
    comm: &Comm,
    sendcounts: &'s [usize],
) -> ((usize, &'s [usize], usize), Taking) {
    let (rank, size) = (comm.rank(), comm.size());
    let column = Taking::Column {
        block: 1,
        index: rank,
        count: size,
    };
    ((size.saturating_mul(size), sendcounts, rank * size), column)
}

/// Calls `f` with `words` as `usize`s (on the stack for up to 128 of them).
fn with_usizes<T>(words: &[u64], f: impl FnOnce(&[usize]) -> T) -> T {
    let mut small = [0usize; 128];
    if words.len() <= small.len() {
        for (count, &word) in small.iter_mut().zip(words) {
            *count = word as usize;
        }
        f(&small[..words.len()])
    } else {
        f(&to_usizes(words))
    }
}

/// Calls `data` with the counts an `_into` form was given (`given`), once compared with the
/// counts the ranks sent it (`sent`, if they were exchanged): a difference ends the job with
/// the op's error.
fn checked_counts<T>(
    given: &[u64],
    sent: Option<&[u64]>,
    reporter: &Reporter,
    data: impl FnOnce(&[usize]) -> T,
) -> T {
    with_usizes(given, |counts| {
        if let Some(sent) = sent {
            reporter.same_counts(counts, sent, "recvcounts");
        }
        data(counts)
    })
}

/// The [`Start`] of a v-collective's data that waits for the counts `exchange` exchanges (on
/// the communicator itself) in `buffers` (the counts sent, room for those received); without
/// them, `data` starts at once with no counts (the `_into` forms on a communicator made by
/// `Comm::without_agreement`, whose counts are the caller's word: see [`count_buffers`]);
/// with `carried`, the counts come with the agreement and `exchange` is not called.
fn after_counts<S, R, E, D>(
    (buffers, carried): (CountBuffers, Option<CarriedCounts>),
    exchange: E,
    data: D,
) -> Start<S, R>
where
    S: Element,
    R: Element,
    E: for<'c> FnOnce(RawComm<'c>, Memory<u64>, Memory<u64>) -> SysResult<InFlight<'c, u64, u64>>
        + 'static,
    D: for<'c> FnOnce(RawComm<'c>, Option<&[u64]>) -> SysResult<InFlight<'c, S, R>> + 'static,
{
    match (buffers, carried) {
        (None, _) => sys::starter(move |comm: RawComm<'_>| data(comm, None)),
        (Some((words, room)), None) => sys::staged(
            move |comm: RawComm<'_>| exchange(comm, words, room),
            move |comm: RawComm<'_>, counts: &[u64]| data(comm, Some(counts)),
        ),
        (Some((words, room)), Some(carried)) => sys::staged_carried(
            move |comm: RawComm<'_>| exchange(comm, words, room),
            move |comm: RawComm<'_>, counts: &[u64]| data(comm, Some(counts)),
            carried,
        ),
    }
}

/// The buffers of an `_into` form's exchange of counts on `comm`: the counts it sends
/// (`words`) and room for the `room` it receives, from the call site's cache, taken now, at the
/// issue. None when the form starts its data at its issue with the counts it was given (no
/// agreement, no check mode: the caller vouches for them).
fn count_buffers(comm: &Comm, words: &[usize], room: usize) -> CountBuffers {
    let trusted = !comm.agrees() && !comm.is_checked();
    (!trusted).then(|| (count_words(words), count_room(room)))
}

/// Issues the collective `what` of an `_into` form, moving `len` elements (with `peer`, for
/// the records): `start` makes its [`Start`] from the memory of both buffers (the send's, and
/// the result's that `recvbuf` lends or hands over); the request hands both back, the result
/// buffer as MPI wrote it when `written` (otherwise, off a rooted collective's root, as it was).
// The pair of what each buffer hands back, written out: what the reader needs to see.
#[allow(clippy::type_complexity)]
fn issue_into<'a, S, R>(
    call: Call<'a>,
    token: Token,
    (len, peer, what): (usize, Peer, Collective),
    (sendbuf, recvbuf): (S, R),
    (written, envelope): (bool, Option<Envelope>),
    start: impl FnOnce(Memory<S::Elem>, Memory<S::Elem>) -> Start<S::Elem, S::Elem>,
) -> (Request<'a, (S::Back, R::Back)>, Token)
where
    S: SendBuf<'a>,
    R: ResultBuf<'a, Elem = S::Elem>,
{
    let (recv, kept) = recvbuf.into_result_memory(&call.lending);
    let start = start(sendbuf.into_memory(&call.lending), recv);
    issue_collective(
        call,
        token,
        (Payload::of::<S::Elem>(len), peer),
        what,
        (start, envelope),
        move |done, call, origin| {
            let done = completed(done, call, origin, None);
            let back = if written {
                R::result_back(kept, done.recv)
            } else {
                R::untouched_back(kept, done.recv)
            };
            (S::back(done.send), back)
        },
    )
}

/// `start`, as what starts a v-collective's data from its counts, for any communicator's
/// lifetime (a closure bound to a variable gets no such signature of itself).
fn data_from_counts<S, R, F>(start: F) -> F
where
    S: Element,
    R: Element,
    F: for<'c> FnOnce(RawComm<'c>, &[u64]) -> SysResult<InFlight<'c, S, R>>,
{
    start
}

/// Issues an allocating v-collective (`igatherv`, `iallgatherv`, `ialltoallv`): once
/// `exchange` exchanged the counts (or the agreement carried them, from `carried`'s envelope),
/// `data` starts its data from them (its result allocated then) and keeps the counts its
/// result is cut by, which `make` gets with the completed data.
#[allow(clippy::too_many_arguments)]
fn issue_allocating<'a, E, T, X, D, F>(
    call: Call<'a>,
    token: Token,
    (payload, peer, what): (Payload, Peer, Collective),
    carried: Option<(Envelope, CarriedCounts)>,
    (exchange, data): (X, D),
    make: F,
) -> (Request<'a, T>, Token)
where
    E: Element,
    T: 'a,
    X: for<'c> FnOnce(RawComm<'c>) -> SysResult<InFlight<'c, u64, u64>> + 'static,
    D: for<'c> FnOnce(RawComm<'c>, &[u64], Reporter) -> (SysResult<InFlight<'c, E, E>>, Vec<usize>)
        + 'static,
    F: FnOnce(Vec<E>, &[usize]) -> T + 'a,
{
    let reporter = call.reporter();
    let counts = Rc::new(RefCell::new(Vec::new()));
    let kept = Rc::clone(&counts);
    let then = data_from_counts(move |comm: RawComm<'_>, words: &[u64]| {
        let (flight, counts) = data(comm, words, reporter);
        *kept.borrow_mut() = counts;
        flight
    });
    let (start, envelope) = match carried {
        Some((envelope, carried)) => (sys::staged_carried(exchange, then, carried), Some(envelope)),
        None => (sys::staged(exchange, then), None),
    };
    issue_collective(
        call,
        token,
        (payload, peer),
        what,
        (start, envelope),
        move |done, call, origin| {
            let data = completed(done, call, origin, None).recv.into_vec();
            make(data, &counts.borrow())
        },
    )
}

// ---- igatherv --------------------------------------------------------------------------------

/// Starts collecting `buf` from every rank at `root`, however many elements each rank has
/// (`MPI_Igatherv`, after a gather of the counts); [`wait`](crate::wait) returns `Some(parts)`
/// at the root (block `r` from rank `r`) and `None` elsewhere, as [`gatherv`](crate::gatherv)
/// does. `buf` is copied when the op is issued.
///
/// Nothing blocks at the issue: the ranks' agreement, the gather of the counts and the data
/// follow each other in the background (see the module docs and the book's op reference,
/// "Nonblocking").
#[track_caller]
pub fn igatherv<'a, B>(
    buf: &B,
    root: usize,
    comm: &'a Comm,
    token: Token,
) -> (Request<'a, Option<Parts<B::Elem>>>, Token)
where
    B: Buffer + ?Sized,
{
    let call = Call::new("igatherv", comm, &token);
    let root = call.rank_arg("root", root);
    let len = buf.element_count();
    call.count_arg("the buffer", len);
    let at_root = comm.rank() == root as usize;
    let (mine, room) = (
        count_words(&[len]),
        count_room(if at_root { comm.size() } else { 0 }),
    );
    let send = buf.into_memory(&call.lending);
    let what = varying(B::Elem::NAME, Some(root));
    let (rank, size) = (comm.rank(), comm.size());
    let taken = if at_root { size } else { 0 };
    let carried = carried_counts(&call, &what, (size, &[len], rank), Taking::From(0), taken);
    issue_allocating(
        call,
        token,
        (Payload::of::<B::Elem>(len), Peer::Root(root), what),
        carried,
        (
            move |comm| sys::igather(comm, mine, room, root),
            move |comm, words: &[u64], reporter: Reporter| {
                let counts = to_usizes(words);
                let total = counts.iter().sum();
                reporter.count_arg("the gathered result", total);
                let recv = zeroed(total).into();
                (sys::igatherv(comm, send, recv, &counts, root), counts)
            },
        ),
        move |data, counts| at_root.then(|| Parts::from_counts(data, counts)),
    )
}

/// Starts [`igatherv`] into `recvbuf` (`MPI_Igatherv`), the nonblocking
/// [`gatherv_into`](crate::gatherv_into): at the root, `recvbuf` receives rank `r`'s elements
/// as block `r` of `recvcounts` (one count per rank, the blocks end to end, filling `recvbuf`);
/// off the root `recvbuf` and `recvcounts` are not used (pass empty ones; a lent `recvbuf`
/// keeps its values). [`wait`](crate::wait) returns what each buffer hands back, as a pair
/// (lent or handed over, as [`iallreduce_into`](crate::iallreduce_into)'s).
///
/// Nothing blocks at the issue: once the ranks agreed on the op, the root compares
/// `recvcounts` with the counts the ranks send, in the background, before the data moves (a
/// difference ends the job with this op's error).
#[track_caller]
// The pair of what each buffer hands back, written out: what the reader needs to see.
#[allow(clippy::type_complexity)]
pub fn igatherv_into<'a, S, R>(
    sendbuf: S,
    recvbuf: R,
    recvcounts: &[usize],
    root: usize,
    comm: &'a Comm,
    token: Token,
) -> (Request<'a, (S::Back, R::Back)>, Token)
where
    S: SendBuf<'a>,
    R: ResultBuf<'a, Elem = S::Elem>,
{
    let call = Call::new("igatherv_into", comm, &token);
    let root = call.rank_arg("root", root);
    let len = sendbuf.send_count();
    call.count_arg("the send buffer", len);
    let at_root = comm.rank() == root as usize;
    if at_root {
        call.tiles(
            recvcounts,
            "recvcounts",
            recvbuf.result_room(),
            "the receive buffer",
        );
    }
    let given = count_words(if at_root { recvcounts } else { &[] });
    let room = if at_root { comm.size() } else { 0 };
    let buffers = count_buffers(comm, &[len], room);
    let reporter = call.reporter();
    let what = varying(S::Elem::NAME, Some(root));
    let mine = (comm.size(), &[len][..], comm.rank());
    let (envelope, carried) = carried_counts(&call, &what, mine, Taking::From(0), room).unzip();
    issue_into(
        call,
        token,
        (len, Peer::Root(root), what),
        (sendbuf, recvbuf),
        (at_root, envelope),
        // Off the root MPI does not use the receive buffer: a `Vec` comes back as it was.
        move |send, recv| {
            after_counts(
                (buffers, carried),
                move |comm, mine, room| sys::igather(comm, mine, room, root),
                move |comm, sent| {
                    let sent = sent.filter(|_| at_root);
                    checked_counts(&given, sent, &reporter, |recvcounts| {
                        sys::igatherv(comm, send, recv, recvcounts, root)
                    })
                },
            )
        },
    )
}

// ---- iallgatherv -----------------------------------------------------------------------------

/// Starts collecting `buf` from every rank at every rank, however many elements each rank has
/// (`MPI_Iallgatherv`, after an allgather of the counts); [`wait`](crate::wait) returns the
/// blocks, block `r` from rank `r`, as [`allgatherv`](crate::allgatherv) does. `buf` is copied
/// when the op is issued.
///
/// Nothing blocks at the issue: the ranks' agreement, the exchange of the counts and the data
/// follow each other in the background.
#[track_caller]
pub fn iallgatherv<'a, B>(
    buf: &B,
    comm: &'a Comm,
    token: Token,
) -> (Request<'a, Parts<B::Elem>>, Token)
where
    B: Buffer + ?Sized,
{
    let call = Call::new("iallgatherv", comm, &token);
    let len = buf.element_count();
    call.count_arg("the buffer", len);
    let (mine, room) = (count_words(&[len]), count_room(comm.size()));
    let send = buf.into_memory(&call.lending);
    let what = varying(B::Elem::NAME, None);
    let (rank, size) = (comm.rank(), comm.size());
    let carried = carried_counts(&call, &what, (size, &[len], rank), Taking::From(0), size);
    issue_allocating(
        call,
        token,
        (Payload::of::<B::Elem>(len), Peer::None, what),
        carried,
        (
            move |comm| sys::iblocks(comm, Blocks::Allgather, mine, room, 1),
            move |comm, words: &[u64], reporter: Reporter| {
                let counts = to_usizes(words);
                let total = counts.iter().sum();
                reporter.count_arg("the gathered result", total);
                let recv = zeroed(total).into();
                (sys::iallgatherv(comm, send, recv, &counts), counts)
            },
        ),
        Parts::from_counts,
    )
}

/// Starts [`iallgatherv`] into `recvbuf` (`MPI_Iallgatherv`), the nonblocking
/// [`allgatherv_into`](crate::allgatherv_into): `recvbuf` receives rank `r`'s elements as
/// block `r` of `recvcounts` (one count per rank, the blocks end to end, filling `recvbuf`).
/// [`wait`](crate::wait) returns what each buffer hands back, as a pair (lent or handed over,
/// as [`iallreduce_into`](crate::iallreduce_into)'s).
///
/// Nothing blocks at the issue: once the ranks agreed on the op, every rank compares
/// `recvcounts` with the counts the ranks send, in the background, before the data moves (a
/// difference ends the job with this op's error).
#[track_caller]
// The pair of what each buffer hands back, written out: what the reader needs to see.
#[allow(clippy::type_complexity)]
pub fn iallgatherv_into<'a, S, R>(
    sendbuf: S,
    recvbuf: R,
    recvcounts: &[usize],
    comm: &'a Comm,
    token: Token,
) -> (Request<'a, (S::Back, R::Back)>, Token)
where
    S: SendBuf<'a>,
    R: ResultBuf<'a, Elem = S::Elem>,
{
    let call = Call::new("iallgatherv_into", comm, &token);
    let len = sendbuf.send_count();
    call.count_arg("the send buffer", len);
    call.tiles(
        recvcounts,
        "recvcounts",
        recvbuf.result_room(),
        "the receive buffer",
    );
    let given = count_words(recvcounts);
    let buffers = count_buffers(comm, &[len], comm.size());
    let reporter = call.reporter();
    let what = varying(S::Elem::NAME, None);
    let (rank, size) = (comm.rank(), comm.size());
    let mine = (size, &[len][..], rank);
    let (envelope, carried) = carried_counts(&call, &what, mine, Taking::From(0), size).unzip();
    issue_into(
        call,
        token,
        (len, Peer::None, what),
        (sendbuf, recvbuf),
        (true, envelope),
        move |send, recv| {
            after_counts(
                (buffers, carried),
                move |comm, mine, room| sys::iblocks(comm, Blocks::Allgather, mine, room, 1),
                move |comm, sent| {
                    checked_counts(&given, sent, &reporter, |recvcounts| {
                        sys::iallgatherv(comm, send, recv, recvcounts)
                    })
                },
            )
        },
    )
}

// ---- iscatterv -------------------------------------------------------------------------------

/// Starts splitting `sendbuf` at `root` into blocks of `sendcounts` (one count per rank, the
/// blocks end to end, filling `sendbuf`) and giving rank `r` block `r` (`MPI_Iscatterv`, after
/// a scatter of the counts); [`wait`](crate::wait) returns this rank's block, as
/// [`scatterv`](crate::scatterv) does. Off the root `sendbuf` and `sendcounts` are not used
/// (pass empty ones). The root's `sendbuf` is copied when the op is issued.
///
/// Nothing blocks at the issue: the ranks' agreement, the scatter of the counts and the data
/// follow each other in the background.
#[track_caller]
pub fn iscatterv<'a, B>(
    sendbuf: &B,
    sendcounts: &[usize],
    root: usize,
    comm: &'a Comm,
    token: Token,
) -> (Request<'a, Vec<B::Elem>>, Token)
where
    B: Buffer + ?Sized,
{
    let call = Call::new("iscatterv", comm, &token);
    let root = call.rank_arg("root", root);
    let at_root = comm.rank() == root as usize;
    let total = if at_root {
        call.tiles(
            sendcounts,
            "sendcounts",
            sendbuf.element_count(),
            "the send buffer",
        )
    } else {
        0
    };
    let (words, room) = (
        count_words(if at_root { sendcounts } else { &[] }),
        count_room(1),
    );
    let given = count_words(if at_root { sendcounts } else { &[] });
    let send = if at_root {
        sendbuf.into_memory(&call.lending)
    } else {
        Memory::default()
    };
    let what = varying(B::Elem::NAME, Some(root));
    let root_counts = if at_root { sendcounts } else { &[] };
    let mine = (comm.size(), root_counts, 0);
    let carried = carried_counts(&call, &what, mine, Taking::From(comm.rank()), 1);
    issue_allocating(
        call,
        token,
        (Payload::of::<B::Elem>(total), Peer::Root(root), what),
        carried,
        (
            move |comm| sys::iscatter(comm, words, room, root),
            move |comm, mine: &[u64], reporter: Reporter| {
                let len = mine[0] as usize;
                reporter.count_arg("this rank's block", len);
                let recv = zeroed(len).into();
                let flight = with_usizes(&given, |counts| {
                    sys::iscatterv(comm, send, counts, recv, root)
                });
                (flight, Vec::new())
            },
        ),
        |data, _| data,
    )
}

/// Starts [`iscatterv`] into `recvbuf` (`MPI_Iscatterv`), the nonblocking
/// [`scatterv_into`](crate::scatterv_into): `recvbuf` receives this rank's block of the root's
/// `sendcounts`, and must be exactly as long. Off the root `sendbuf` and `sendcounts` are not
/// used (pass empty ones). [`wait`](crate::wait) returns what each buffer hands back, as a
/// pair (lent or handed over, as [`iallreduce_into`](crate::iallreduce_into)'s).
///
/// Nothing blocks at the issue: once the ranks agreed on the op, every rank compares its
/// `recvbuf`'s length with the count the root sends it, in the background, before the data
/// moves (a difference ends the job with this op's error).
#[track_caller]
// The pair of what each buffer hands back, written out: what the reader needs to see.
#[allow(clippy::type_complexity)]
pub fn iscatterv_into<'a, S, R>(
    sendbuf: S,
    sendcounts: &[usize],
    recvbuf: R,
    root: usize,
    comm: &'a Comm,
    token: Token,
) -> (Request<'a, (S::Back, R::Back)>, Token)
where
    S: SendBuf<'a>,
    R: ResultBuf<'a, Elem = S::Elem>,
{
    let call = Call::new("iscatterv_into", comm, &token);
    let root = call.rank_arg("root", root);
    let at_root = comm.rank() == root as usize;
    if at_root {
        call.tiles(
            sendcounts,
            "sendcounts",
            sendbuf.send_count(),
            "the send buffer",
        );
    }
    let len = recvbuf.result_room();
    call.count_arg("the receive buffer", len);
    let root_counts = if at_root { sendcounts } else { &[] };
    let given = count_words(root_counts);
    let buffers = count_buffers(comm, root_counts, 1);
    let reporter = call.reporter();
    let what = varying(S::Elem::NAME, Some(root));
    let mine = (comm.size(), root_counts, 0);
    let from = Taking::From(comm.rank());
    let (envelope, carried) = carried_counts(&call, &what, mine, from, 1).unzip();
    issue_into(
        call,
        token,
        (len, Peer::Root(root), what),
        (sendbuf, recvbuf),
        (true, envelope),
        // Off the root MPI does not use the send buffer: a `Vec` comes back as it was.
        move |send, recv| {
            after_counts(
                (buffers, carried),
                move |comm, words, room| sys::iscatter(comm, words, room, root),
                move |comm, sent| {
                    if let Some(&[sent]) = sent
                        && sent as usize != len
                    {
                        reporter.fail(
                            format!(
                                "no data moved: the root (rank {root}) sends this rank {sent} \
                             elements, but the receive buffer has {len}"
                            ),
                            "give `iscatterv_into` a receive buffer as long as this rank's block \
                         of the root's `sendcounts`, or call `iscatterv`, which allocates it",
                        );
                    }
                    with_usizes(&given, |counts| {
                        sys::iscatterv(comm, send, counts, recv, root)
                    })
                },
            )
        },
    )
}

// ---- ialltoallv ------------------------------------------------------------------------------

/// Starts sending block `p` of `sendbuf` (the blocks of `sendcounts`, one count per rank, end
/// to end, filling `sendbuf`) to rank `p` on every rank (`MPI_Ialltoallv`, after an all-to-all
/// of the counts); [`wait`](crate::wait) returns the blocks received, block `r` from rank `r`,
/// as [`alltoallv`](crate::alltoallv) does. `sendbuf` is copied when the op is issued.
///
/// Nothing blocks at the issue: the ranks' agreement, the exchange of the counts and the data
/// follow each other in the background.
#[track_caller]
pub fn ialltoallv<'a, B>(
    sendbuf: &B,
    sendcounts: &[usize],
    comm: &'a Comm,
    token: Token,
) -> (Request<'a, Parts<B::Elem>>, Token)
where
    B: Buffer + ?Sized,
{
    let call = Call::new("ialltoallv", comm, &token);
    let len = call.tiles(
        sendcounts,
        "sendcounts",
        sendbuf.element_count(),
        "the send buffer",
    );
    let (words, room) = (count_words(sendcounts), count_room(comm.size()));
    let given = count_words(sendcounts);
    let send = sendbuf.into_memory(&call.lending);
    let what = varying(B::Elem::NAME, None);
    let (mine, column) = alltoall_counts(comm, sendcounts);
    let carried = carried_counts(&call, &what, mine, column, comm.size());
    issue_allocating(
        call,
        token,
        (Payload::of::<B::Elem>(len), Peer::None, what),
        carried,
        (
            move |comm| sys::iblocks(comm, Blocks::Alltoall, words, room, 1),
            move |comm, received: &[u64], reporter: Reporter| {
                let counts = to_usizes(received);
                let total = counts
                    .iter()
                    .try_fold(0usize, |total, &count| total.checked_add(count))
                    .unwrap_or(usize::MAX);
                reporter.count_arg("the received blocks", total);
                let recv = zeroed(total).into();
                let flight = with_usizes(&given, |sendcounts| {
                    sys::ialltoallv(comm, send, sendcounts, recv, &counts)
                });
                (flight, counts)
            },
        ),
        Parts::from_counts,
    )
}

/// Starts [`ialltoallv`] into `recvbuf` (`MPI_Ialltoallv`), the nonblocking
/// [`alltoallv_into`](crate::alltoallv_into): `recvbuf` receives rank `r`'s block as block `r`
/// of `recvcounts` (one count per rank, the blocks end to end, filling `recvbuf`).
/// [`wait`](crate::wait) returns what each buffer hands back, as a pair (lent or handed over,
/// as [`iallreduce_into`](crate::iallreduce_into)'s).
///
/// Nothing blocks at the issue: once the ranks agreed on the op, every rank compares
/// `recvcounts` with the counts the ranks send it, in the background, before the data moves
/// (a difference ends the job with this op's error).
#[track_caller]
// The pair of what each buffer hands back, written out: what the reader needs to see.
#[allow(clippy::type_complexity)]
pub fn ialltoallv_into<'a, S, R>(
    sendbuf: S,
    sendcounts: &[usize],
    recvbuf: R,
    recvcounts: &[usize],
    comm: &'a Comm,
    token: Token,
) -> (Request<'a, (S::Back, R::Back)>, Token)
where
    S: SendBuf<'a>,
    R: ResultBuf<'a, Elem = S::Elem>,
{
    let call = Call::new("ialltoallv_into", comm, &token);
    let len = call.tiles(
        sendcounts,
        "sendcounts",
        sendbuf.send_count(),
        "the send buffer",
    );
    call.tiles(
        recvcounts,
        "recvcounts",
        recvbuf.result_room(),
        "the receive buffer",
    );
    let (given_send, given_recv) = (count_words(sendcounts), count_words(recvcounts));
    let buffers = count_buffers(comm, sendcounts, comm.size());
    let reporter = call.reporter();
    let what = varying(S::Elem::NAME, None);
    let (mine, column) = alltoall_counts(comm, sendcounts);
    let (envelope, carried) = carried_counts(&call, &what, mine, column, comm.size()).unzip();
    issue_into(
        call,
        token,
        (len, Peer::None, what),
        (sendbuf, recvbuf),
        (true, envelope),
        move |send, recv| {
            after_counts(
                (buffers, carried),
                move |comm, words, room| sys::iblocks(comm, Blocks::Alltoall, words, room, 1),
                move |comm, sent| {
                    checked_counts(&given_recv, sent, &reporter, |recvcounts| {
                        with_usizes(&given_send, |sendcounts| {
                            sys::ialltoallv(comm, send, sendcounts, recv, recvcounts)
                        })
                    })
                },
            )
        },
    )
}
