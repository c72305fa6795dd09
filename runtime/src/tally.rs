//! Check mode's account of point-to-point messages, so that a message sent and never received
//! fails the job instead of passing silently.
//!
//! MPI lets a small send complete before its receive is posted (the message goes eagerly), so a
//! program that forgets a receive ends normally, with a wrong answer. In check mode every
//! message is preceded by a header on the communicator's control duplicate (see
//! [`check`](crate::check)), and each rank counts the messages it sends to each rank and
//! receives from each rank ([`Tally`]). When a checked communicator ends (its last handle is
//! dropped, or [`Comm::into_mpi`](crate::Comm::into_mpi) gives it back), the ranks exchange
//! their counts ([`settle`]): rank `i` learns how many messages each rank `j` sent it and
//! compares that with how many it received. The headers of the messages it never received are
//! still waiting for it on the control duplicate, each naming its send's op, call site, element
//! type and count: rank `i` receives them, and the job fails with their list.
//!
//! Counts, not a probe: after a barrier a message may still be on its way, so a probe that
//! finds nothing proves nothing, while the count its sender gives cannot miss it.
//!
//! Outside check mode nothing is counted: the communicator has no tally, and the ops reach the
//! counting only on check mode's own path.

use std::cell::Cell;
use std::ffi::c_int;
use std::fmt::Write as _;
use std::panic::Location;

use crate::check::{self, Failure};
use crate::element::OpKind;
use crate::sys::{self, RawComm, Reduction};
use crate::watchdog;

/// How many of one sender's unreceived messages a report names; the others are counted.
const NAMED: u64 = 4;
/// Bytes of one rank's part of the report, gathered to rank 0.
const PART: usize = 2048;

/// The messages one rank of a checked communicator sent to, and received from, each rank.
#[derive(Debug)]
pub(crate) struct Tally {
    sent: Box<[Cell<u64>]>,
    received: Box<[Cell<u64>]>,
    /// Where the communicator was made, for the report and the watchdog.
    made_at: &'static Location<'static>,
}

impl Tally {
    /// No messages yet, on a communicator of `size` ranks made at `made_at`.
    pub(crate) fn new(size: usize, made_at: &'static Location<'static>) -> Tally {
        let zeros = || (0..size).map(|_| Cell::new(0)).collect();
        Tally {
            sent: zeros(),
            received: zeros(),
            made_at,
        }
    }

    /// Where the communicator was made.
    pub(crate) fn made_at(&self) -> &'static Location<'static> {
        self.made_at
    }

    /// Counts a message (its header sent) to `dest`.
    #[inline]
    pub(crate) fn sent(&self, dest: c_int) {
        bump(&self.sent, dest);
    }

    /// Counts a message (its header received) from `source`.
    #[inline]
    pub(crate) fn received(&self, source: c_int) {
        bump(&self.received, source);
    }
}

/// Adds one to the count of `rank`; a rank outside the communicator (MPI's "no one") has none.
#[inline]
fn bump(counts: &[Cell<u64>], rank: c_int) {
    if let Some(count) = usize::try_from(rank).ok().and_then(|rank| counts.get(rank)) {
        count.set(count.get() + 1);
    }
}

/// Compares every rank's counts of `tally` at the end of the communicator whose control
/// duplicate is `check` (collective over it). `Ok` when every message sent was received. Else
/// rank 0 returns the list of the messages never received, with each one's send, and the
/// other ranks wait for rank 0 to end the job with it.
pub(crate) fn settle(check: RawComm<'_>, tally: &Tally) -> Result<(), Failure> {
    let (rank, size) = (check.rank, check.size);
    if watchdog::enabled() {
        watchdog::enter_settle(tally.made_at, rank, size);
    }
    let sent: Vec<u64> = tally.sent.iter().map(Cell::get).collect();
    let mut sent_to_me = vec![0u64; size];
    sys::alltoall(check, &sent, &mut sent_to_me)?;
    let mut lost_here = 0u64;
    let mut part = String::new();
    for (from, (&sent, received)) in sent_to_me.iter().zip(tally.received.iter()).enumerate() {
        let lost = sent.saturating_sub(received.get());
        lost_here += lost;
        // The headers of the messages never received wait here, in the order they were sent.
        for _ in 0..lost.min(NAMED) {
            let mut header = [0u8; check::HEADER];
            sys::recv(check, &mut header, from as c_int, sys::any_tag())?;
            let _ = writeln!(part, "     rank {from}: {}", check::describe(&header));
        }
        if lost > NAMED {
            let _ = writeln!(
                part,
                "     rank {from}: and {} more messages to rank {rank}",
                lost - NAMED
            );
        }
    }
    let mut lost_in_all = [0u64];
    sys::reduce_all(
        check,
        Reduction::All,
        &[lost_here],
        &mut lost_in_all,
        OpKind::Sum,
    )?;
    if watchdog::enabled() {
        watchdog::leave();
    }
    let [lost_in_all] = lost_in_all;
    if lost_in_all == 0 {
        return Ok(());
    }
    let part: [u8; PART] = check::fixed(&part);
    let mut parts = (rank == 0).then(|| vec![0u8; PART * size]);
    sys::gather(check, &part, parts.as_deref_mut(), 0)?;
    let Some(parts) = parts else {
        // Rank 0 reports and ends the job; this barrier, which it never enters, waits for that.
        sys::barrier(check)?;
        unreachable!("rank 0 never enters the barrier");
    };
    let mut problem = format!(
        "check mode: {lost_in_all} {} sent on the communicator made at {} never received \
         (counted when the communicator ended):\n",
        if lost_in_all == 1 {
            "message was"
        } else {
            "messages were"
        },
        tally.made_at
    );
    for part in parts.chunks(PART) {
        problem.push_str(&check::unfixed(part));
    }
    Err(Failure::Mismatch {
        problem: problem.trim_end().to_owned(),
        help: "every message must be received: give each send a receive on its destination \
               rank (same communicator, a matching source and tag), or remove the send; MPI \
               lets a small message's send complete before anyone receives it, so only check \
               mode sees the loss",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_go_to_ranks_of_the_communicator_only() {
        let tally = Tally::new(3, Location::caller());
        tally.sent(2);
        tally.sent(2);
        tally.received(0);
        // MPI's "no one" and "any" are negative: no rank's count.
        tally.sent(-2);
        tally.received(-1);
        tally.sent(3);
        let counts = |cells: &[Cell<u64>]| cells.iter().map(Cell::get).collect::<Vec<_>>();
        assert_eq!(counts(&tally.sent), [0, 0, 2]);
        assert_eq!(counts(&tally.received), [1, 0, 0]);
    }
}
