//! Collectives whose blocks vary in size from rank to rank: `gatherv`, `allgatherv`,
//! `scatterv`, `alltoallv`, each with the counts exchanged by the op itself or given (the
//! `_into` forms), and the reduce-scatters.
//!
//! # Soundness
//! MPI receives block `p` of a v-collective at the displacement and with the count this rank
//! passes for `p`; a rank that sends more writes past it (Open MPI 4.1 does not bound the
//! write). So no block size is taken from the caller alone:
//! - the forms without counts to receive (`gatherv`, `allgatherv`, `scatterv`, `alltoallv`)
//!   exchange the senders' counts first, on the communicator's private duplicate, and receive
//!   exactly those: inside the agreement itself when they fit its payload (16 counts: a gather's
//!   or scatter's on up to 16 ranks, an all-to-all's on up to 4, [`Call::agree_counts`]), in
//!   a collective of their own after it otherwise;
//! - the `_into` forms, which take the receive counts, exchange the senders' counts in the same
//!   way and compare: a rank whose counts differ from what is sent to it fails before any data
//!   moves (and ends the job), so the ranks that go on receive only what they have room for.
//!   On a communicator made by the `unsafe` [`Comm::without_agreement`] the comparison is
//!   skipped, as the agreement is, and the counts are the caller's promise.
//! - the reduce-scatters need the same counts on every rank: the agreement before the
//!   collective compares a hash of them.

use std::ffi::c_int;
use std::fmt;
use std::ops::Index;

use crate::buffer::{Buffer, BufferMut, every_element, zeroed};
use crate::call::{Call, Reporter};
use crate::check::Collective;
use crate::comm::Comm;
use crate::element::{Element, Reduces};
use crate::guard::{Mine, Take};
use crate::ident::{Payload, Peer};
use crate::sys;
use crate::sys::Taking;
use crate::sys::fused::Carry;
use crate::token::Token;

/// Blocks of different lengths laid end to end in one `Vec`: what the v-collectives return,
/// one block per rank (block `r` from rank `r`).
///
/// ```
/// let parts = spmd::Parts::from_vecs(vec![vec![1, 2], vec![], vec![3]]);
/// assert_eq!(parts.len(), 3);
/// assert_eq!(&parts[0], &[1, 2]);
/// assert!(parts[1].is_empty());
/// assert_eq!(parts.counts().collect::<Vec<_>>(), [2, 0, 1]);
/// assert_eq!(parts.as_flat(), &[1, 2, 3]);
/// ```
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Parts<T> {
    data: Vec<T>,
    /// `offsets[p]..offsets[p + 1]` is block `p`: one more than the blocks, starting at 0 and
    /// ending at `data.len()`, never decreasing.
    offsets: Vec<usize>,
}

impl<T> Parts<T> {
    /// The blocks of `counts`, laid end to end in `data`.
    ///
    /// # Panics
    /// If the counts do not add up to `data.len()`.
    pub fn from_counts(data: Vec<T>, counts: &[usize]) -> Parts<T> {
        let mut offsets = Vec::with_capacity(counts.len() + 1);
        offsets.push(0usize);
        let mut at = 0usize;
        for &count in counts {
            at = at
                .checked_add(count)
                .unwrap_or_else(|| panic!("`Parts::from_counts`: the counts overflow `usize`"));
            offsets.push(at);
        }
        assert!(
            at == data.len(),
            "`Parts::from_counts`: the counts add up to {at}, but the data has {} elements",
            data.len()
        );
        Parts { data, offsets }
    }

    /// The blocks `parts`, in order, copied into one `Vec`.
    pub fn from_vecs<P: AsRef<[T]>>(parts: impl IntoIterator<Item = P>) -> Parts<T>
    where
        T: Clone,
    {
        let mut data = Vec::new();
        let mut offsets = vec![0];
        for part in parts {
            data.extend_from_slice(part.as_ref());
            offsets.push(data.len());
        }
        Parts { data, offsets }
    }

    /// The number of blocks.
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Whether there are no blocks.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Block `index`, or `None` past the last.
    pub fn get(&self, index: usize) -> Option<&[T]> {
        let (start, end) = (*self.offsets.get(index)?, *self.offsets.get(index + 1)?);
        Some(&self.data[start..end])
    }

    /// The blocks, in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &[T]> + '_ {
        self.offsets
            .windows(2)
            .map(|bounds| &self.data[bounds[0]..bounds[1]])
    }

    /// The length of each block, in order.
    pub fn counts(&self) -> impl ExactSizeIterator<Item = usize> + '_ {
        self.offsets.windows(2).map(|bounds| bounds[1] - bounds[0])
    }

    /// Every element, the blocks laid end to end.
    pub fn as_flat(&self) -> &[T] {
        &self.data
    }

    /// Every element, the blocks laid end to end, without copying.
    pub fn into_flat(self) -> Vec<T> {
        self.data
    }

    /// The blocks as separate `Vec`s.
    pub fn into_vecs(self) -> Vec<Vec<T>> {
        let mut data = self.data;
        let mut parts = Vec::with_capacity(self.offsets.len() - 1);
        for bounds in self.offsets.windows(2).rev() {
            parts.push(data.split_off(bounds[0]));
        }
        parts.reverse();
        parts
    }
}

impl<T> Index<usize> for Parts<T> {
    type Output = [T];

    /// Block `index`.
    ///
    /// # Panics
    /// Past the last block.
    fn index(&self, index: usize) -> &[T] {
        let len = self.len();
        self.get(index)
            .unwrap_or_else(|| panic!("block {index} of `Parts` with {len} blocks"))
    }
}

impl<T: fmt::Debug> fmt::Debug for Parts<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

// ---- counts ----------------------------------------------------------------------------------

/// Runs `f` on `len` zeroed `u64`s: on the stack up to 128, so that the count exchanges of a
/// communicator of up to 64 ranks make no heap allocation.
pub(crate) fn scratch<R>(len: usize, f: impl FnOnce(&mut [u64]) -> R) -> R {
    let mut small = [0u64; 128];
    let mut large = Vec::new();
    let words = if len <= small.len() {
        &mut small[..len]
    } else {
        large.resize(len, 0);
        &mut large[..]
    };
    f(words)
}

/// `counts` as `usize`s.
pub(crate) fn to_usizes(counts: &[u64]) -> Vec<usize> {
    counts.iter().map(|&count| count as usize).collect()
}

/// A rank-order table of how the counts this rank was given differ from what is sent to it.
impl Reporter {
    /// [`Call::same_counts`], once the call has returned (a nonblocking op's counts).
    pub(crate) fn same_counts(&self, given: &[usize], sent: &[u64], what: &str) {
        if let Some(table) = differences(given, sent, what) {
            self.fail(
                format!(
                    "no data moved: the counts this rank receives differ from what the ranks \
                     send it:{table}"
                ),
                format!(
                    "`{what}[r]` must be the number of elements rank `r` sends this rank; or \
                     call `{}`, which exchanges the counts itself",
                    self.id.op.trim_end_matches("_into")
                ),
            );
        }
    }
}

fn differences(given: &[usize], sent: &[u64], what: &str) -> Option<String> {
    let mut lines = Vec::new();
    for (rank, (&given, &sent)) in given.iter().zip(sent).enumerate() {
        if given as u64 != sent {
            lines.push(format!(
                "\n     rank {rank} sends {sent} elements; `{what}[{rank}]` here is {given}"
            ));
        }
    }
    if lines.is_empty() {
        return None;
    }
    let shown = lines.len().min(8);
    let mut text: String = lines[..shown].concat();
    if lines.len() > shown {
        text.push_str(&format!("\n     ... and {} more", lines.len() - shown));
    }
    Some(text)
}

impl Call<'_> {
    /// Gathers every rank's count `mine` at `root` on the private duplicate, into `all` (one
    /// per rank, significant at the root only).
    pub(crate) fn gather_count(&self, mine: usize, root: c_int, all: &mut [u64]) {
        let control = self.comm.control_raw();
        let at_root = self.comm.rank() == root as usize;
        let all = at_root.then_some(all);
        self.mpi(sys::gather(control, &[mine as u64], all, root));
    }

    /// Gathers every rank's count `mine` on every rank, into `all` (one per rank).
    pub(crate) fn allgather_count(&self, mine: usize, all: &mut [u64]) {
        self.mpi(sys::allgather(self.comm.control_raw(), &[mine as u64], all));
    }

    /// This rank's count of the root's `counts` (significant at the root only).
    pub(crate) fn scatter_count(&self, counts: &[usize], root: c_int) -> usize {
        let mut mine = [0u64];
        let at_root = self.comm.rank() == root as usize;
        scratch(if at_root { counts.len() } else { 0 }, |words| {
            for (word, &count) in words.iter_mut().zip(counts) {
                *word = count as u64;
            }
            let words: &[u64] = words;
            let words = at_root.then_some(words);
            self.mpi(sys::scatter(
                self.comm.control_raw(),
                words,
                &mut mine,
                root,
            ));
        });
        mine[0] as usize
    }

    /// What each rank sends this one, into `received`, from what this one sends each
    /// (`send_counts`).
    pub(crate) fn exchange_counts(&self, send_counts: &[usize], received: &mut [u64]) {
        scratch(send_counts.len(), |send| {
            for (word, &count) in send.iter_mut().zip(send_counts) {
                *word = count as u64;
            }
            self.mpi(sys::alltoall(self.comm.control_raw(), send, received));
        });
    }

    /// Fails unless the counts this rank was given (`given`, named `what`) are those sent to
    /// it (`sent`).
    pub(crate) fn same_counts(&self, given: &[usize], sent: &[u64], what: &str) {
        self.reporter().same_counts(given, sent, what);
    }

    /// `counts` has one count per rank, or the op's error.
    fn one_per_rank(&self, counts: &[usize], what: &str) {
        let size = self.comm.size();
        if counts.len() != size {
            self.fail(
                format!("`{what}` has {} counts, for {size} ranks", counts.len()),
                format!(
                    "give `{}` one count per rank of the communicator",
                    self.op()
                ),
            );
        }
    }

    /// The sum of `counts` (one per rank), which must be the length of the buffer `buf`
    /// (`len` elements), or the op's error.
    pub(crate) fn tiles(&self, counts: &[usize], what: &str, len: usize, buf: &str) -> usize {
        self.one_per_rank(counts, what);
        let total = counts
            .iter()
            .try_fold(0usize, |total, &count| total.checked_add(count));
        if total != Some(len) {
            let total = total.map_or("more than `usize::MAX`".to_string(), |t| t.to_string());
            self.fail(
                format!("`{what}` adds up to {total} elements, but {buf} has {len}"),
                format!(
                    "the blocks of `{what}` lie end to end in {buf}: their sum must be its \
                     length"
                ),
            );
        }
        self.count_arg(buf, len);
        len
    }
}

/// How an agreement ended that may have carried a v-collective's counts
/// ([`Call::agree_counts`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Counting {
    /// The ranks agreed, and the counts came with the agreement.
    Carried,
    /// The ranks agreed (every rank entered the collective); the counts are still to be
    /// exchanged.
    Pending,
    /// No agreement: a communicator made by the `unsafe` `Comm::without_agreement`.
    Unagreed,
}

/// `counts` as the `u32` slots an agreement carries (see [`Call::agree_counts`]), when they,
/// the `slots` of the whole agreement and the `taken` counts of this rank fit its payload.
/// Every count here is at most `c_int::MAX` (the ops check their buffers' lengths and the sums
/// of their counts first), so a `u32` holds it.
pub(crate) fn count_slots(
    counts: &[usize],
    slots: usize,
    taken: usize,
) -> Option<[u32; sys::CARRIED_COUNTS]> {
    if [slots, counts.len(), taken]
        .iter()
        .any(|&n| n > sys::CARRIED_COUNTS)
    {
        return None;
    }
    let mut put = [0u32; sys::CARRIED_COUNTS];
    for (slot, &count) in put.iter_mut().zip(counts) {
        *slot = u32::try_from(count).expect("a count of at most `c_int::MAX` elements");
    }
    Some(put)
}

impl Call<'_> {
    /// The agreement on a v-collective `what`, carrying its counts when they fit the payload
    /// (`slots` counts in all, as `u32`s, each rank putting `mine` from slot `at` on): the
    /// counts this rank takes (`taken`, in slots) are then in `out` (as many as it holds), and
    /// the exchange of counts after the agreement is saved. Otherwise only the agreement ran.
    pub(crate) fn agree_counts(
        &self,
        what: Collective,
        slots: usize,
        mine: Option<(&[usize], usize)>,
        taken: Taking,
        out: &mut [u64],
    ) -> Counting {
        let agreed = if self.comm.is_checked() || self.comm.agrees() {
            Counting::Pending
        } else {
            Counting::Unagreed
        };
        let (given, at) = mine.unwrap_or((&[], 0));
        let Some(put) = count_slots(given, slots, out.len()) else {
            self.agree(what);
            return agreed;
        };
        let mut carried = [0u32; sys::CARRIED_COUNTS];
        let take = Take::As(taken, &mut carried[..out.len()]);
        let mine = if given.is_empty() {
            Mine::Nothing
        } else {
            Mine::At(&put[..given.len()], at)
        };
        if !self.agree_carrying(what, Carry::Place, slots, mine, take) {
            return agreed;
        }
        for (out, &count) in out.iter_mut().zip(&carried[..]) {
            *out = u64::from(count);
        }
        Counting::Carried
    }
}

/// What the ranks of a v-collective agree on: the op, its element type and root; the counts
/// vary from rank to rank, and are exchanged after.
pub(crate) fn varying(elem: &'static str, root: Option<c_int>) -> Collective {
    Collective {
        root,
        ..Collective::plain(elem, 0)
    }
}

// ---- gatherv ---------------------------------------------------------------------------------

/// Collects `buf` from every rank at `root`, however many elements each rank has
/// (`MPI_Gatherv`, after a gather of the counts).
///
/// Returns `Some(parts)` at the root (block `r` from rank `r`) and `None` elsewhere.
#[track_caller]
pub fn gatherv<B>(
    buf: &B,
    root: usize,
    comm: &Comm,
    token: Token,
) -> (Option<Parts<B::Elem>>, Token)
where
    B: Buffer + ?Sized,
{
    let call = Call::new("gatherv", comm, &token);
    let root = call.rank_arg("root", root);
    let len = buf.element_count();
    call.count_arg("the buffer", len);
    let at_root = comm.rank() == root as usize;
    let mut all = vec![0u64; if at_root { comm.size() } else { 0 }];
    let taken = if at_root {
        Taking::From(0)
    } else {
        Taking::Nothing
    };
    let what = varying(B::Elem::NAME, Some(root));
    let mine = Some((&[len][..], comm.rank()));
    if call.agree_counts(what, comm.size(), mine, taken, &mut all) != Counting::Carried {
        call.gather_count(len, root, &mut all);
    }
    let counts = at_root.then(|| to_usizes(&all));
    let result = buf.with_elements(|input| match counts {
        Some(counts) => {
            let total = counts.iter().sum();
            call.count_arg("the gathered result", total);
            let mut data = zeroed(total);
            call.mpi(sys::gatherv(
                comm.raw(),
                input,
                Some((&mut data, &counts)),
                root,
            ));
            Some(Parts::from_counts(data, &counts))
        }
        None => {
            call.mpi(sys::gatherv(comm.raw(), input, None, root));
            None
        }
    });
    (
        result,
        call.finish(token, Payload::of::<B::Elem>(len), Peer::Root(root)),
    )
}

/// [`gatherv`] into an existing buffer (`MPI_Gatherv`): at the root, `recvbuf` receives rank
/// `r`'s elements as block `r` of `recvcounts` (one count per rank, the blocks end to end,
/// filling `recvbuf`); off the root `recvbuf` and `recvcounts` are not used (pass empty ones).
///
/// The root compares `recvcounts` with the counts the ranks send before any data moves.
#[track_caller]
pub fn gatherv_into<S, R>(
    sendbuf: &S,
    recvbuf: &mut R,
    recvcounts: &[usize],
    root: usize,
    comm: &Comm,
    token: Token,
) -> Token
where
    S: Buffer + ?Sized,
    R: BufferMut<Elem = S::Elem> + ?Sized,
{
    let call = Call::new("gatherv_into", comm, &token);
    let root = call.rank_arg("root", root);
    let len = sendbuf.element_count();
    call.count_arg("the send buffer", len);
    let at_root = comm.rank() == root as usize;
    if at_root {
        call.tiles(
            recvcounts,
            "recvcounts",
            recvbuf.element_count(),
            "the receive buffer",
        );
    }
    let what = varying(S::Elem::NAME, Some(root));
    let taken = if at_root {
        Taking::From(0)
    } else {
        Taking::Nothing
    };
    scratch(if at_root { comm.size() } else { 0 }, |sent| {
        let mine = Some((&[len][..], comm.rank()));
        match call.agree_counts(what, comm.size(), mine, taken, sent) {
            Counting::Carried => {}
            Counting::Pending => call.gather_count(len, root, sent),
            Counting::Unagreed => return,
        }
        if at_root {
            call.same_counts(recvcounts, sent, "recvcounts");
        }
    });
    sendbuf.with_elements(|input| {
        if at_root {
            recvbuf.with_elements_out(
                |out| {
                    call.mpi(sys::gatherv(
                        comm.raw(),
                        input,
                        Some((out, recvcounts)),
                        root,
                    ))
                },
                every_element,
            );
        } else {
            call.mpi(sys::gatherv(comm.raw(), input, None, root));
        }
    });
    call.finish(token, Payload::of::<S::Elem>(len), Peer::Root(root))
}

// ---- allgatherv ------------------------------------------------------------------------------

/// Collects `buf` from every rank at every rank, however many elements each rank has
/// (`MPI_Allgatherv`, after an allgather of the counts): block `r` of the result is rank `r`'s.
#[track_caller]
pub fn allgatherv<B>(buf: &B, comm: &Comm, token: Token) -> (Parts<B::Elem>, Token)
where
    B: Buffer + ?Sized,
{
    let call = Call::new("allgatherv", comm, &token);
    let len = buf.element_count();
    call.count_arg("the buffer", len);
    let mut all = vec![0u64; comm.size()];
    let what = varying(B::Elem::NAME, None);
    let mine = Some((&[len][..], comm.rank()));
    if call.agree_counts(what, comm.size(), mine, Taking::From(0), &mut all) != Counting::Carried {
        call.allgather_count(len, &mut all);
    }
    let counts = to_usizes(&all);
    let total = counts.iter().sum();
    call.count_arg("the gathered result", total);
    let mut data = zeroed(total);
    buf.with_elements(|input| call.mpi(sys::allgatherv(comm.raw(), input, &mut data, &counts)));
    let token = call.finish(token, Payload::of::<B::Elem>(len), Peer::None);
    (Parts::from_counts(data, &counts), token)
}

/// [`allgatherv`] into an existing buffer (`MPI_Allgatherv`): `recvbuf` receives rank `r`'s
/// elements as block `r` of `recvcounts` (one count per rank, the blocks end to end, filling
/// `recvbuf`).
///
/// Every rank compares `recvcounts` with the counts the ranks send before any data moves.
#[track_caller]
pub fn allgatherv_into<S, R>(
    sendbuf: &S,
    recvbuf: &mut R,
    recvcounts: &[usize],
    comm: &Comm,
    token: Token,
) -> Token
where
    S: Buffer + ?Sized,
    R: BufferMut<Elem = S::Elem> + ?Sized,
{
    let call = Call::new("allgatherv_into", comm, &token);
    let len = sendbuf.element_count();
    call.count_arg("the send buffer", len);
    call.tiles(
        recvcounts,
        "recvcounts",
        recvbuf.element_count(),
        "the receive buffer",
    );
    let what = varying(S::Elem::NAME, None);
    scratch(comm.size(), |sent| {
        let mine = Some((&[len][..], comm.rank()));
        match call.agree_counts(what, comm.size(), mine, Taking::From(0), sent) {
            Counting::Carried => {}
            Counting::Pending => call.allgather_count(len, sent),
            Counting::Unagreed => return,
        }
        call.same_counts(recvcounts, sent, "recvcounts");
    });
    sendbuf.with_elements(|input| {
        recvbuf.with_elements_out(
            |out| call.mpi(sys::allgatherv(comm.raw(), input, out, recvcounts)),
            every_element,
        )
    });
    call.finish(token, Payload::of::<S::Elem>(len), Peer::None)
}

// ---- scatterv --------------------------------------------------------------------------------

/// Splits `sendbuf` at `root` into blocks of `sendcounts` (one count per rank, the blocks end
/// to end, filling `sendbuf`) and gives rank `r` block `r` (`MPI_Scatterv`, after a scatter
/// of the counts). Off the root `sendbuf` and `sendcounts` are not used (pass empty ones).
#[track_caller]
pub fn scatterv<B>(
    sendbuf: &B,
    sendcounts: &[usize],
    root: usize,
    comm: &Comm,
    token: Token,
) -> (Vec<B::Elem>, Token)
where
    B: Buffer + ?Sized,
{
    let call = Call::new("scatterv", comm, &token);
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
    let what = varying(B::Elem::NAME, Some(root));
    let mine = at_root.then_some((sendcounts, 0));
    let taken = Taking::From(comm.rank());
    let mut carried = [0u64];
    let len = match call.agree_counts(what, comm.size(), mine, taken, &mut carried) {
        Counting::Carried => carried[0] as usize,
        Counting::Pending | Counting::Unagreed => call.scatter_count(sendcounts, root),
    };
    let mut data = zeroed(len);
    if at_root {
        sendbuf.with_elements(|input| {
            call.mpi(sys::scatterv(
                comm.raw(),
                Some((input, sendcounts)),
                &mut data,
                root,
            ))
        });
    } else {
        call.mpi(sys::scatterv(comm.raw(), None, &mut data, root));
    }
    (
        data,
        call.finish(token, Payload::of::<B::Elem>(len), Peer::Root(root)),
    )
}

/// [`scatterv`] into an existing buffer (`MPI_Scatterv`): `recvbuf` receives this rank's
/// block of the root's `sendcounts`, and must be exactly as long.
///
/// Every rank compares its `recvbuf`'s length with the count the root sends it before any
/// data moves.
#[track_caller]
pub fn scatterv_into<S, R>(
    sendbuf: &S,
    sendcounts: &[usize],
    recvbuf: &mut R,
    root: usize,
    comm: &Comm,
    token: Token,
) -> Token
where
    S: Buffer + ?Sized,
    R: BufferMut<Elem = S::Elem> + ?Sized,
{
    let call = Call::new("scatterv_into", comm, &token);
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
    let len = recvbuf.element_count();
    call.count_arg("the receive buffer", len);
    let what = varying(S::Elem::NAME, Some(root));
    let mine = at_root.then_some((sendcounts, 0));
    let taken = Taking::From(comm.rank());
    let mut carried = [0u64];
    let sent = match call.agree_counts(what, comm.size(), mine, taken, &mut carried) {
        Counting::Carried => Some(carried[0] as usize),
        Counting::Pending => Some(call.scatter_count(sendcounts, root)),
        Counting::Unagreed => None,
    };
    if let Some(sent) = sent
        && sent != len
    {
        call.fail(
            format!(
                "no data moved: the root (rank {root}) sends this rank {sent} elements, but \
                     the receive buffer has {len}"
            ),
            "give `scatterv_into` a receive buffer as long as this rank's block of the \
                 root's `sendcounts`, or call `scatterv`, which allocates it",
        );
    }
    recvbuf.with_elements_out(
        |out| {
            if at_root {
                sendbuf.with_elements(|input| {
                    call.mpi(sys::scatterv(
                        comm.raw(),
                        Some((input, sendcounts)),
                        out,
                        root,
                    ))
                });
            } else {
                call.mpi(sys::scatterv(comm.raw(), None, out, root));
            }
        },
        every_element,
    );
    call.finish(token, Payload::of::<S::Elem>(len), Peer::Root(root))
}

// ---- alltoallv -------------------------------------------------------------------------------

/// Every rank sends block `p` of `sendbuf` (the blocks of `sendcounts`, one count per rank,
/// end to end, filling `sendbuf`) to rank `p`, and receives block `r` of the result from rank
/// `r` (`MPI_Alltoallv`, after an all-to-all of the counts).
///
/// A sample sort's bucket exchange: each rank has a bucket for each rank, of any size.
#[track_caller]
pub fn alltoallv<B>(
    sendbuf: &B,
    sendcounts: &[usize],
    comm: &Comm,
    token: Token,
) -> (Parts<B::Elem>, Token)
where
    B: Buffer + ?Sized,
{
    let call = Call::new("alltoallv", comm, &token);
    let len = call.tiles(
        sendcounts,
        "sendcounts",
        sendbuf.element_count(),
        "the send buffer",
    );
    let (rank, size) = (comm.rank(), comm.size());
    let mut received = vec![0u64; size];
    let what = varying(B::Elem::NAME, None);
    let mine = Some((sendcounts, rank * size));
    let column = Taking::Column {
        block: 1,
        index: rank,
        count: size,
    };
    let slots = size.saturating_mul(size);
    if call.agree_counts(what, slots, mine, column, &mut received) != Counting::Carried {
        call.exchange_counts(sendcounts, &mut received);
    }
    let counts = to_usizes(&received);
    let total = counts
        .iter()
        .try_fold(0usize, |total, &count| total.checked_add(count))
        .unwrap_or(usize::MAX);
    call.count_arg("the received blocks", total);
    let mut data = zeroed(total);
    sendbuf.with_elements(|input| {
        call.mpi(sys::alltoallv(
            comm.raw(),
            input,
            sendcounts,
            &mut data,
            &counts,
        ))
    });
    let token = call.finish(token, Payload::of::<B::Elem>(len), Peer::None);
    (Parts::from_counts(data, &counts), token)
}

/// [`alltoallv`] into an existing buffer (`MPI_Alltoallv`): `recvbuf` receives rank `r`'s
/// block as block `r` of `recvcounts` (one count per rank, the blocks end to end, filling
/// `recvbuf`).
///
/// Every rank compares `recvcounts` with the counts the ranks send it before any data moves.
#[track_caller]
pub fn alltoallv_into<S, R>(
    sendbuf: &S,
    sendcounts: &[usize],
    recvbuf: &mut R,
    recvcounts: &[usize],
    comm: &Comm,
    token: Token,
) -> Token
where
    S: Buffer + ?Sized,
    R: BufferMut<Elem = S::Elem> + ?Sized,
{
    let call = Call::new("alltoallv_into", comm, &token);
    let len = call.tiles(
        sendcounts,
        "sendcounts",
        sendbuf.element_count(),
        "the send buffer",
    );
    call.tiles(
        recvcounts,
        "recvcounts",
        recvbuf.element_count(),
        "the receive buffer",
    );
    let (rank, size) = (comm.rank(), comm.size());
    let what = varying(S::Elem::NAME, None);
    scratch(size, |sent| {
        let mine = Some((sendcounts, rank * size));
        let column = Taking::Column {
            block: 1,
            index: rank,
            count: size,
        };
        match call.agree_counts(what, size.saturating_mul(size), mine, column, sent) {
            Counting::Carried => {}
            Counting::Pending => call.exchange_counts(sendcounts, sent),
            Counting::Unagreed => return,
        }
        call.same_counts(recvcounts, sent, "recvcounts");
    });
    sendbuf.with_elements(|input| {
        recvbuf.with_elements_out(
            |out| {
                call.mpi(sys::alltoallv(
                    comm.raw(),
                    input,
                    sendcounts,
                    out,
                    recvcounts,
                ))
            },
            every_element,
        )
    });
    call.finish(token, Payload::of::<S::Elem>(len), Peer::None)
}

// ---- reduce-scatter --------------------------------------------------------------------------

/// What the ranks of a reduce-scatter agree on: element type, operator, and the block sizes.
pub(crate) fn reduce_scatter_fingerprint<T: Element, O: Reduces<T>>(
    counts: &[usize],
    block: usize,
) -> Collective {
    // FNV-1a of the counts' bytes, as `fnv` hashes one part, without collecting them.
    let mut blocks: u64 = 0xcbf2_9ce4_8422_2325;
    for &count in counts {
        for byte in (count as u64).to_le_bytes() {
            blocks ^= u64::from(byte);
            blocks = blocks.wrapping_mul(0x0100_0000_01b3);
        }
    }
    Collective {
        blocks,
        ..Collective::reducing(T::NAME, block, O::NAME)
    }
}

/// Combines `buf` from every rank with `op` and gives rank `r` block `r` of the result
/// (`MPI_Reduce_scatter_block`): `buf` holds `comm.size()` blocks of equal length.
///
/// The same as [`allreduce`](crate::allreduce) followed by each rank keeping its block, for
/// about half the traffic.
#[track_caller]
pub fn reduce_scatter_block<B, O>(
    buf: &B,
    op: O,
    comm: &Comm,
    token: Token,
) -> (Vec<B::Elem>, Token)
where
    B: Buffer + ?Sized,
    O: Reduces<B::Elem>,
{
    let _ = op;
    let call = Call::new("reduce_scatter_block", comm, &token);
    let len = buf.element_count();
    call.count_arg("the buffer", len);
    let block = call.split_count(len);
    call.agree(Collective::reducing(B::Elem::NAME, block, O::NAME));
    let mut data = zeroed(block);
    buf.with_elements(|input| {
        call.mpi(sys::reduce_scatter_block(
            comm.raw(),
            input,
            &mut data,
            O::KIND,
        ))
    });
    (
        data,
        call.finish(token, Payload::of::<B::Elem>(len), Peer::None),
    )
}

/// [`reduce_scatter_block`] into an existing buffer: `recvbuf` holds one block, `sendbuf`
/// `comm.size()` blocks of its length.
#[track_caller]
pub fn reduce_scatter_block_into<S, R, O>(
    sendbuf: &S,
    recvbuf: &mut R,
    op: O,
    comm: &Comm,
    token: Token,
) -> Token
where
    S: Buffer + ?Sized,
    R: BufferMut<Elem = S::Elem> + ?Sized,
    O: Reduces<S::Elem>,
{
    let _ = op;
    let call = Call::new("reduce_scatter_block_into", comm, &token);
    let len = sendbuf.element_count();
    call.count_arg("the send buffer", len);
    let block = call.split_count(len);
    call.expect_len(
        "the receive buffer",
        recvbuf.element_count(),
        block,
        "give `reduce_scatter_block_into` a receive buffer of the send buffer's length divided \
         by `comm.size()`",
    );
    call.agree(Collective::reducing(S::Elem::NAME, block, O::NAME));
    sendbuf.with_elements(|input| {
        recvbuf.with_elements_out(
            |out| call.mpi(sys::reduce_scatter_block(comm.raw(), input, out, O::KIND)),
            every_element,
        )
    });
    call.finish(token, Payload::of::<S::Elem>(len), Peer::None)
}

/// Combines `buf` from every rank with `op` and gives rank `r` block `r` of the result
/// (`MPI_Reduce_scatter`): `buf` holds the blocks of `counts` end to end (one count per rank,
/// the same `counts` on every rank, which the ranks agree on before any data moves).
#[track_caller]
pub fn reduce_scatter<B, O>(
    buf: &B,
    counts: &[usize],
    op: O,
    comm: &Comm,
    token: Token,
) -> (Vec<B::Elem>, Token)
where
    B: Buffer + ?Sized,
    O: Reduces<B::Elem>,
{
    let _ = op;
    let call = Call::new("reduce_scatter", comm, &token);
    let len = call.tiles(counts, "counts", buf.element_count(), "the buffer");
    let block = counts[comm.rank()];
    call.agree(reduce_scatter_fingerprint::<B::Elem, O>(counts, len));
    let mut data = zeroed(block);
    buf.with_elements(|input| {
        call.mpi(sys::reduce_scatter(
            comm.raw(),
            input,
            &mut data,
            counts,
            O::KIND,
        ))
    });
    (
        data,
        call.finish(token, Payload::of::<B::Elem>(len), Peer::None),
    )
}

/// [`reduce_scatter`] into an existing buffer of this rank's count.
#[track_caller]
pub fn reduce_scatter_into<S, R, O>(
    sendbuf: &S,
    recvbuf: &mut R,
    counts: &[usize],
    op: O,
    comm: &Comm,
    token: Token,
) -> Token
where
    S: Buffer + ?Sized,
    R: BufferMut<Elem = S::Elem> + ?Sized,
    O: Reduces<S::Elem>,
{
    let _ = op;
    let call = Call::new("reduce_scatter_into", comm, &token);
    let len = call.tiles(counts, "counts", sendbuf.element_count(), "the send buffer");
    call.expect_len(
        "the receive buffer",
        recvbuf.element_count(),
        counts[comm.rank()],
        "give `reduce_scatter_into` a receive buffer of `counts[rank]` elements",
    );
    call.agree(reduce_scatter_fingerprint::<S::Elem, O>(counts, len));
    sendbuf.with_elements(|input| {
        recvbuf.with_elements_out(
            |out| call.mpi(sys::reduce_scatter(comm.raw(), input, out, counts, O::KIND)),
            every_element,
        )
    });
    call.finish(token, Payload::of::<S::Elem>(len), Peer::None)
}
