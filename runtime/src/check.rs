//! Check mode (`SPMD_CHECK=1`, [`Options::check`](crate::Options::check),
//! [`Comm::with_check`](crate::Comm::with_check)): cross-rank agreement on every op.
//!
//! Before each collective, the ranks of the communicator exchange a fingerprint of what they are
//! about to do (op, element type, count, root, reduction operator); before each point-to-point
//! message, the sender sends the receiver a header (element type, count, call site). Both travel
//! on a private duplicate of the communicator, so they never match the program's own messages.
//! A mismatch stops the job with every involved rank's op and call site side by side.
//!
//! When check mode is off for a communicator, each op pays one branch on a null pointer.

use std::ffi::c_int;
use std::fmt::Write as _;
use std::mem::MaybeUninit;

use mpi::ffi;

use crate::call::{Call, Peer};
use crate::element::Element;
use crate::watchdog;

/// What a collective is about to do, as compared across ranks.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Collective {
    pub(crate) elem: &'static str,
    pub(crate) count: usize,
    pub(crate) root: Option<c_int>,
    pub(crate) reduction: Option<&'static str>,
}

impl Collective {
    /// A collective without root or operator.
    pub(crate) fn plain(elem: &'static str, count: usize) -> Self {
        Collective {
            elem,
            count,
            root: None,
            reduction: None,
        }
    }

    pub(crate) fn rooted(elem: &'static str, count: usize, root: c_int) -> Self {
        Collective {
            root: Some(root),
            ..Collective::plain(elem, count)
        }
    }

    pub(crate) fn reducing(elem: &'static str, count: usize, reduction: &'static str) -> Self {
        Collective {
            reduction: Some(reduction),
            ..Collective::plain(elem, count)
        }
    }
}

/// Bytes of the description in a point-to-point header.
const TEXT: usize = 224;
/// Bytes of a whole header: element hash, count, sequence number, description.
const HEADER: usize = 24 + TEXT;
/// Bytes of one rank's description of a collective, exchanged after a mismatch.
const LINE: usize = 512;

/// FNV-1a: a stable hash, identical on every rank.
fn fnv(parts: &[&[u8]]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &byte in *part {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        // Separates parts, so ("ab", "c") and ("a", "bc") differ.
        hash ^= 0xff;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// Copies `text` into a fixed-size, NUL-padded field, cut at a character boundary.
fn fixed<const N: usize>(text: &str) -> [u8; N] {
    let mut field = [0u8; N];
    let mut end = text.len().min(N);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    field[..end].copy_from_slice(&text.as_bytes()[..end]);
    field
}

fn unfixed(field: &[u8]) -> String {
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    String::from_utf8_lossy(&field[..end]).into_owned()
}

impl Call<'_> {
    /// Tells the watchdog what this op is about to block in.
    #[cold]
    #[inline(never)]
    fn watch(&self, peer: Peer) {
        watchdog::enter(
            self.op,
            peer,
            self.site,
            self.seq,
            self.comm.rank(),
            self.comm.size(),
        );
    }

    /// `allreduce(Sum)`, `bcast(root=2)`, or the bare op name.
    fn op_label(&self, what: &Collective) -> String {
        match (what.reduction, what.root) {
            (Some(op), Some(root)) => format!("`{}({op}, root={root})`", self.op),
            (Some(op), None) => format!("`{}({op})`", self.op),
            (None, Some(root)) => format!("`{}(root={root})`", self.op),
            (None, None) => format!("`{}`", self.op),
        }
    }

    fn site_label(&self) -> String {
        format!(
            "{}:{}:{} (op #{})",
            self.site.file(),
            self.site.line(),
            self.site.column(),
            self.seq
        )
    }

    /// Check mode: makes every rank of the communicator agree on `what` before the collective
    /// runs. On disagreement the lowest rank stops the job with every rank's op side by side.
    #[inline]
    pub(crate) fn agree(&self, what: Collective) {
        if watchdog::enabled() {
            let peer = what.root.map_or(Peer::None, Peer::Root);
            self.watch(peer);
        }
        if let Some(check) = self.comm.check_raw() {
            self.agree_on(check, what);
        }
    }

    #[cold]
    #[inline(never)]
    fn agree_on(&self, check: ffi::MPI_Comm, what: Collective) {
        let root = what.root.map_or(-1, i64::from).to_le_bytes();
        let count = (what.count as u64).to_le_bytes();
        let mine = fnv(&[
            self.op.as_bytes(),
            what.elem.as_bytes(),
            &count,
            &root,
            what.reduction.unwrap_or("").as_bytes(),
        ]);
        let size = self.comm.size();
        // No allocation per collective on communicators of up to 64 ranks.
        let mut small = [0u64; 64];
        let mut large = Vec::new();
        let all: &mut [u64] = if size <= small.len() {
            &mut small[..size]
        } else {
            large.resize(size, 0);
            &mut large
        };
        // SAFETY: one u64 is sent and `all` has room for one from each of the `size` ranks of
        // the check communicator, which has the same ranks as the op's.
        let code = unsafe {
            ffi::MPI_Allgather(
                (&raw const mine).cast(),
                1,
                u64::datatype(),
                all.as_mut_ptr().cast(),
                1,
                u64::datatype(),
                check,
            )
        };
        self.check(code, "MPI_Allgather (check mode)");
        if all.iter().all(|&hash| hash == mine) {
            return;
        }
        // Every rank saw the same fingerprints, so every rank is here: exchange descriptions.
        let line = format!(
            "{} of {} x{} at {}",
            self.op_label(&what),
            what.elem,
            what.count,
            self.site_label()
        );
        let line: [u8; LINE] = fixed(&line);
        let mut lines = vec![0u8; LINE * size];
        // SAFETY: LINE bytes sent; `lines` has room for LINE bytes from each rank.
        let code = unsafe {
            ffi::MPI_Allgather(
                line.as_ptr().cast(),
                LINE as c_int,
                u8::datatype(),
                lines.as_mut_ptr().cast(),
                LINE as c_int,
                u8::datatype(),
                check,
            )
        };
        self.check(code, "MPI_Allgather (check mode)");
        if self.comm.rank() != 0 {
            // Rank 0 reports for everyone and aborts the job; waiting here keeps the output to
            // one report.
            // SAFETY: the check communicator is valid; rank 0 never enters this barrier, so the
            // job ends by rank 0's abort.
            unsafe { ffi::MPI_Barrier(check) };
        }
        let mut table = String::from("check mode: the ranks disagree on this collective:");
        for (rank, line) in lines.chunks(LINE).enumerate() {
            let marker = if all[rank] == all[0] { ' ' } else { '!' };
            let _ = write!(table, "\n   {marker} rank {rank}: {}", unfixed(line));
        }
        self.fail(
            table,
            "every rank must call the same collectives in the same order, with the same root, \
             element type, count and reduction operator (`!` marks the ranks that differ from \
             rank 0)",
        )
    }

    fn header(&self, elem: &'static str, count: usize, peer_label: &str) -> [u8; HEADER] {
        let mut header = [0u8; HEADER];
        header[..8].copy_from_slice(&fnv(&[elem.as_bytes()]).to_le_bytes());
        header[8..16].copy_from_slice(&(count as u64).to_le_bytes());
        header[16..24].copy_from_slice(&self.seq.to_le_bytes());
        let text = format!(
            "`{}` of {elem} x{count}{peer_label} at {}",
            self.op,
            self.site_label()
        );
        header[24..].copy_from_slice(&fixed::<TEXT>(&text));
        header
    }

    /// Check mode: tells `dest` what this rank is about to send it.
    #[inline]
    pub(crate) fn announce(&self, elem: &'static str, count: usize, dest: c_int, tag: c_int) {
        if watchdog::enabled() {
            self.watch(Peer::Dest(dest));
        }
        if let Some(check) = self.comm.check_raw() {
            self.announce_on(check, elem, count, dest, tag);
        }
    }

    #[cold]
    #[inline(never)]
    fn announce_on(
        &self,
        check: ffi::MPI_Comm,
        elem: &'static str,
        count: usize,
        dest: c_int,
        tag: c_int,
    ) {
        let header = self.header(elem, count, &format!(" to rank {dest} (tag {tag})"));
        // SAFETY: HEADER bytes from a live array; the check communicator is valid.
        let code = unsafe {
            ffi::MPI_Send(
                header.as_ptr().cast(),
                HEADER as c_int,
                u8::datatype(),
                dest,
                tag,
                check,
            )
        };
        self.check(code, "MPI_Send (check mode)");
    }

    /// Check mode: receives the sender's header and compares it with this receive. Returns the
    /// source and tag to receive the data from: the sender's, when `source` or `tag` is "any".
    #[inline]
    pub(crate) fn expect(
        &self,
        elem: &'static str,
        count: usize,
        exact: bool,
        source: c_int,
        tag: c_int,
    ) -> (c_int, c_int) {
        self.header_for_receive(None, elem, count, exact, source, tag)
    }

    /// Check mode for `sendrecv`: announces to `dest` and expects from `source` in one step,
    /// so that two ranks exchanging with each other cannot block on their headers.
    #[inline]
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn exchange(
        &self,
        send: (&'static str, usize, c_int, c_int),
        elem: &'static str,
        count: usize,
        exact: bool,
        source: c_int,
        tag: c_int,
    ) -> (c_int, c_int) {
        self.header_for_receive(Some(send), elem, count, exact, source, tag)
    }

    /// What [`expect`](Call::expect) and [`exchange`](Call::exchange) share: the watchdog
    /// record, and the header exchange when check mode is on.
    #[inline]
    #[allow(clippy::too_many_arguments)]
    fn header_for_receive(
        &self,
        send: Option<(&'static str, usize, c_int, c_int)>,
        elem: &'static str,
        count: usize,
        exact: bool,
        source: c_int,
        tag: c_int,
    ) -> (c_int, c_int) {
        if watchdog::enabled() {
            self.watch(match send {
                Some((_, _, dest, _)) => Peer::Exchange { dest, source },
                None => Peer::Source(source),
            });
        }
        match self.comm.check_raw() {
            Some(check) => self.expect_on(check, send, elem, count, exact, source, tag),
            None => (source, tag),
        }
    }

    #[cold]
    #[inline(never)]
    #[allow(clippy::too_many_arguments)]
    fn expect_on(
        &self,
        check: ffi::MPI_Comm,
        send: Option<(&'static str, usize, c_int, c_int)>,
        elem: &'static str,
        count: usize,
        exact: bool,
        source: c_int,
        tag: c_int,
    ) -> (c_int, c_int) {
        let mut theirs = [0u8; HEADER];
        let mut status = MaybeUninit::<ffi::MPI_Status>::uninit();
        let code = match send {
            Some((send_elem, send_count, dest, send_tag)) => {
                let mine = self.header(
                    send_elem,
                    send_count,
                    &format!(" to rank {dest} (tag {send_tag})"),
                );
                // SAFETY: both arrays hold HEADER bytes; the status is a valid out-pointer.
                unsafe {
                    ffi::MPI_Sendrecv(
                        mine.as_ptr().cast(),
                        HEADER as c_int,
                        u8::datatype(),
                        dest,
                        send_tag,
                        theirs.as_mut_ptr().cast(),
                        HEADER as c_int,
                        u8::datatype(),
                        source,
                        tag,
                        check,
                        status.as_mut_ptr(),
                    )
                }
            }
            // SAFETY: `theirs` has room for HEADER bytes; the status is a valid out-pointer.
            None => unsafe {
                ffi::MPI_Recv(
                    theirs.as_mut_ptr().cast(),
                    HEADER as c_int,
                    u8::datatype(),
                    source,
                    tag,
                    check,
                    status.as_mut_ptr(),
                )
            },
        };
        self.check(code, "MPI_Recv (check mode)");
        // SAFETY: a successful receive filled the status.
        let status = unsafe { status.assume_init() };
        let (from, from_tag) = (status.MPI_SOURCE, status.MPI_TAG);
        let word = |range: std::ops::Range<usize>| {
            let mut bytes = [0u8; 8];
            bytes.copy_from_slice(&theirs[range]);
            u64::from_le_bytes(bytes)
        };
        let (their_elem, their_count) = (word(0..8), word(8..16) as usize);
        let same_type = their_elem == fnv(&[elem.as_bytes()]);
        let fits = if exact {
            their_count == count
        } else {
            their_count <= count
        };
        if !(same_type && fits) {
            let wanted = if exact {
                format!("{elem} x{count}")
            } else {
                format!("{elem} x(up to {count})")
            };
            self.fail(
                format!(
                    "check mode: the message does not match its receive:\n     rank {}: `{}` \
                     expects {wanted} from rank {from} (tag {from_tag}) at {}\n     rank {from}: \
                     sent {}",
                    self.comm.rank(),
                    self.op,
                    self.site_label(),
                    unfixed(&theirs[24..])
                ),
                "a receive's template must have the element type and count of the message it \
                 receives",
            );
        }
        (from, from_tag)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_separate_parts() {
        assert_ne!(fnv(&[b"ab", b"c"]), fnv(&[b"a", b"bc"]));
        assert_eq!(fnv(&[b"f64"]), fnv(&[b"f64"]));
        assert_ne!(fnv(&[b"f64"]), fnv(&[b"f32"]));
    }

    #[test]
    fn fixed_fields_cut_at_char_boundaries() {
        let field: [u8; 4] = fixed("aé€");
        assert_eq!(unfixed(&field), "aé");
        let field: [u8; 8] = fixed("abc");
        assert_eq!(unfixed(&field), "abc");
    }
}
