//! The nonblocking v-collectives: `igatherv`, `iallgatherv`, `iscatterv`, `ialltoallv` and
//! their `_into` forms.
//!
//! # What blocks at the issue
//! A v-collective's data may move only once the ranks know how much each receives: a peer's
//! wrong count must never make MPI write past a buffer (see [`ops::varying`](crate::ops::varying)).
//! These ops therefore do at their issue what the blocking ones do before their data: the
//! ranks agree on the op (blocking, as a blocking collective's agreement), then exchange the
//! counts on the communicator's private duplicate, and the `_into` forms compare them with
//! the counts they were given. Only then is the data's nonblocking operation started, and the
//! issue returns. So the issue waits for every rank to issue the op, as a blocking collective
//! does; what overlaps with the program's work is the data, which is what costs time for
//! large blocks.
//!
//! The counts could be exchanged without blocking too: as a second stage of the nonblocking
//! agreement (`sys::agreement`), started on the communicator once the agreement completed, with
//! the later collectives of the communicator held back until the data started, so that every
//! rank starts them in the same order. That is not done.

use crate::buffer::{Buffer, zeroed};
use crate::call::Call;
use crate::comm::Comm;
use crate::element::Element;
use crate::ident::{Payload, Peer};
use crate::ops::handed::{ResultBuf, SendBuf};
use crate::ops::varying::{Parts, scratch, to_usizes, varying};
use crate::sys::{self, InFlight, Memory, RawComm, SysResult};
use crate::token::Token;

use super::{Request, completed, issue};

/// Issues the data of an `_into` form once the counts are known good: `start` gets the memory
/// of both buffers; the request hands both back, the result buffer as MPI wrote it when
/// `written` (otherwise, off a rooted collective's root, as it was).
// The pair of what each buffer hands back, written out: what the reader needs to see.
#[allow(clippy::type_complexity)]
fn issue_into<'a, S, R>(
    call: Call<'a>,
    token: Token,
    (len, peer): (usize, Peer),
    (sendbuf, recvbuf): (S, R),
    written: bool,
    start: impl FnOnce(
        RawComm<'a>,
        Memory<S::Elem>,
        Memory<S::Elem>,
    ) -> SysResult<InFlight<'a, S::Elem, S::Elem>>,
) -> (Request<'a, (S::Back, R::Back)>, Token)
where
    S: SendBuf,
    R: ResultBuf<'a, Elem = S::Elem>,
{
    let (recv, kept) = recvbuf.into_result_memory();
    let flight = start(call.comm.raw(), sendbuf.into_memory(), recv);
    issue(
        call,
        token,
        Payload::of::<S::Elem>(len),
        peer,
        flight,
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

// ---- igatherv --------------------------------------------------------------------------------

/// Starts collecting `buf` from every rank at `root`, however many elements each rank has
/// (`MPI_Igatherv`, after a gather of the counts); [`wait`](crate::wait) returns `Some(parts)`
/// at the root (block `r` from rank `r`) and `None` elsewhere, as [`gatherv`](crate::gatherv)
/// does. `buf` is copied when the op is issued.
///
/// The ranks agree on the op and gather the counts when it is issued, which waits for every
/// rank to issue it; the data moves in the background (see the book's op reference,
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
    call.agree(varying(B::Elem::NAME, Some(root)));
    let at_root = comm.rank() == root as usize;
    let mut all = vec![0u64; if at_root { comm.size() } else { 0 }];
    call.gather_count(len, root, &mut all);
    let counts = to_usizes(&all);
    let total = counts.iter().sum();
    call.count_arg("the gathered result", total);
    let flight = sys::igatherv(
        comm.raw(),
        buf.into_memory(),
        zeroed(total).into(),
        &counts,
        root,
    );
    issue(
        call,
        token,
        Payload::of::<B::Elem>(len),
        Peer::Root(root),
        flight,
        move |done, call, origin| {
            let data = completed(done, call, origin, None).recv.into_vec();
            at_root.then(|| Parts::from_counts(data, &counts))
        },
    )
}

/// Starts [`igatherv`] into `recvbuf` (`MPI_Igatherv`), the nonblocking
/// [`gatherv_into`](crate::gatherv_into): at the root, `recvbuf` receives rank `r`'s elements
/// as block `r` of `recvcounts` (one count per rank, the blocks end to end, filling `recvbuf`);
/// off the root `recvbuf` and `recvcounts` are not used (pass empty ones; a lent `recvbuf`
/// keeps its values). [`wait`](crate::wait) returns what each buffer hands back, as a pair
/// (lent or handed over, as [`iallreduce_into`](crate::iallreduce_into)'s).
///
/// When the op is issued the ranks agree on it and the root compares `recvcounts` with the
/// counts the ranks send, which waits for every rank to issue it; the data moves in the
/// background.
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
    S: SendBuf,
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
    if call.agree(varying(S::Elem::NAME, Some(root))) {
        scratch(if at_root { comm.size() } else { 0 }, |sent| {
            call.gather_count(len, root, sent);
            if at_root {
                call.same_counts(recvcounts, sent, "recvcounts");
            }
        });
    }
    let counts = if at_root { recvcounts } else { &[] };
    issue_into(
        call,
        token,
        (len, Peer::Root(root)),
        (sendbuf, recvbuf),
        at_root,
        // Off the root MPI does not use the receive buffer: a `Vec` comes back as it was.
        |comm, send, recv| sys::igatherv(comm, send, recv, counts, root),
    )
}

// ---- iallgatherv -----------------------------------------------------------------------------

/// Starts collecting `buf` from every rank at every rank, however many elements each rank has
/// (`MPI_Iallgatherv`, after an allgather of the counts); [`wait`](crate::wait) returns the
/// blocks, block `r` from rank `r`, as [`allgatherv`](crate::allgatherv) does. `buf` is copied
/// when the op is issued.
///
/// The ranks agree on the op and exchange the counts when it is issued, which waits for every
/// rank to issue it; the data moves in the background.
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
    call.agree(varying(B::Elem::NAME, None));
    let mut all = vec![0u64; comm.size()];
    call.allgather_count(len, &mut all);
    let counts = to_usizes(&all);
    let total = counts.iter().sum();
    call.count_arg("the gathered result", total);
    let flight = sys::iallgatherv(comm.raw(), buf.into_memory(), zeroed(total).into(), &counts);
    issue(
        call,
        token,
        Payload::of::<B::Elem>(len),
        Peer::None,
        flight,
        move |done, call, origin| {
            let data = completed(done, call, origin, None).recv.into_vec();
            Parts::from_counts(data, &counts)
        },
    )
}

/// Starts [`iallgatherv`] into `recvbuf` (`MPI_Iallgatherv`), the nonblocking
/// [`allgatherv_into`](crate::allgatherv_into): `recvbuf` receives rank `r`'s elements as
/// block `r` of `recvcounts` (one count per rank, the blocks end to end, filling `recvbuf`).
/// [`wait`](crate::wait) returns what each buffer hands back, as a pair (lent or handed over,
/// as [`iallreduce_into`](crate::iallreduce_into)'s).
///
/// When the op is issued the ranks agree on it and every rank compares `recvcounts` with the
/// counts the ranks send, which waits for every rank to issue it; the data moves in the
/// background.
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
    S: SendBuf,
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
    if call.agree(varying(S::Elem::NAME, None)) {
        scratch(comm.size(), |sent| {
            call.allgather_count(len, sent);
            call.same_counts(recvcounts, sent, "recvcounts");
        });
    }
    issue_into(
        call,
        token,
        (len, Peer::None),
        (sendbuf, recvbuf),
        true,
        |comm, send, recv| sys::iallgatherv(comm, send, recv, recvcounts),
    )
}

// ---- iscatterv -------------------------------------------------------------------------------

/// Starts splitting `sendbuf` at `root` into blocks of `sendcounts` (one count per rank, the
/// blocks end to end, filling `sendbuf`) and giving rank `r` block `r` (`MPI_Iscatterv`, after
/// a scatter of the counts); [`wait`](crate::wait) returns this rank's block, as
/// [`scatterv`](crate::scatterv) does. Off the root `sendbuf` and `sendcounts` are not used
/// (pass empty ones). The root's `sendbuf` is copied when the op is issued.
///
/// The ranks agree on the op and scatter the counts when it is issued, which waits for every
/// rank to issue it; the data moves in the background.
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
    if at_root {
        call.tiles(
            sendcounts,
            "sendcounts",
            sendbuf.element_count(),
            "the send buffer",
        );
    }
    call.agree(varying(B::Elem::NAME, Some(root)));
    let len = call.scatter_count(sendcounts, root);
    let send = if at_root {
        sendbuf.into_memory()
    } else {
        Memory::default()
    };
    let counts = if at_root { sendcounts } else { &[] };
    let flight = sys::iscatterv(comm.raw(), send, counts, zeroed(len).into(), root);
    issue(
        call,
        token,
        Payload::of::<B::Elem>(len),
        Peer::Root(root),
        flight,
        move |done, call, origin| completed(done, call, origin, None).recv.into_vec(),
    )
}

/// Starts [`iscatterv`] into `recvbuf` (`MPI_Iscatterv`), the nonblocking
/// [`scatterv_into`](crate::scatterv_into): `recvbuf` receives this rank's block of the root's
/// `sendcounts`, and must be exactly as long. Off the root `sendbuf` and `sendcounts` are not
/// used (pass empty ones). [`wait`](crate::wait) returns what each buffer hands back, as a
/// pair (lent or handed over, as [`iallreduce_into`](crate::iallreduce_into)'s).
///
/// When the op is issued the ranks agree on it and every rank compares its `recvbuf`'s length
/// with the count the root sends it, which waits for every rank to issue it; the data moves
/// in the background.
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
    S: SendBuf,
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
    if call.agree(varying(S::Elem::NAME, Some(root))) {
        let sent = call.scatter_count(sendcounts, root);
        if sent != len {
            call.fail(
                format!(
                    "no data moved: the root (rank {root}) sends this rank {sent} elements, but \
                     the receive buffer has {len}"
                ),
                "give `iscatterv_into` a receive buffer as long as this rank's block of the \
                 root's `sendcounts`, or call `iscatterv`, which allocates it",
            );
        }
    }
    let counts = if at_root { sendcounts } else { &[] };
    issue_into(
        call,
        token,
        (len, Peer::Root(root)),
        (sendbuf, recvbuf),
        true,
        // Off the root MPI does not use the send buffer: a `Vec` comes back as it was.
        |comm, send, recv| sys::iscatterv(comm, send, counts, recv, root),
    )
}

// ---- ialltoallv ------------------------------------------------------------------------------

/// Starts sending block `p` of `sendbuf` (the blocks of `sendcounts`, one count per rank, end
/// to end, filling `sendbuf`) to rank `p` on every rank (`MPI_Ialltoallv`, after an all-to-all
/// of the counts); [`wait`](crate::wait) returns the blocks received, block `r` from rank `r`,
/// as [`alltoallv`](crate::alltoallv) does. `sendbuf` is copied when the op is issued.
///
/// The ranks agree on the op and exchange the counts when it is issued, which waits for every
/// rank to issue it; the data moves in the background.
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
    call.agree(varying(B::Elem::NAME, None));
    let mut received = vec![0u64; comm.size()];
    call.exchange_counts(sendcounts, &mut received);
    let counts = to_usizes(&received);
    let total = counts
        .iter()
        .try_fold(0usize, |total, &count| total.checked_add(count))
        .unwrap_or(usize::MAX);
    call.count_arg("the received blocks", total);
    let flight = sys::ialltoallv(
        comm.raw(),
        sendbuf.into_memory(),
        sendcounts,
        zeroed(total).into(),
        &counts,
    );
    issue(
        call,
        token,
        Payload::of::<B::Elem>(len),
        Peer::None,
        flight,
        move |done, call, origin| {
            let data = completed(done, call, origin, None).recv.into_vec();
            Parts::from_counts(data, &counts)
        },
    )
}

/// Starts [`ialltoallv`] into `recvbuf` (`MPI_Ialltoallv`), the nonblocking
/// [`alltoallv_into`](crate::alltoallv_into): `recvbuf` receives rank `r`'s block as block `r`
/// of `recvcounts` (one count per rank, the blocks end to end, filling `recvbuf`).
/// [`wait`](crate::wait) returns what each buffer hands back, as a pair (lent or handed over,
/// as [`iallreduce_into`](crate::iallreduce_into)'s).
///
/// When the op is issued the ranks agree on it and every rank compares `recvcounts` with the
/// counts the ranks send it, which waits for every rank to issue it; the data moves in the
/// background.
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
    S: SendBuf,
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
    if call.agree(varying(S::Elem::NAME, None)) {
        scratch(comm.size(), |sent| {
            call.exchange_counts(sendcounts, sent);
            call.same_counts(recvcounts, sent, "recvcounts");
        });
    }
    issue_into(
        call,
        token,
        (len, Peer::None),
        (sendbuf, recvbuf),
        true,
        |comm, send, recv| sys::ialltoallv(comm, send, sendcounts, recv, recvcounts),
    )
}
