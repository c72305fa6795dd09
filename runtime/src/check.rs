//! Check mode (`SPMD_CHECK=1`, [`Options::check`](crate::Options::check),
//! [`Comm::with_check`](crate::Comm::with_check)): cross-rank agreement on every op.
//!
//! Before each collective, the ranks of the communicator exchange a fingerprint of what they are
//! about to do (op, element type, count, root, reduction operator); before each point-to-point
//! message, the sender sends the receiver a header (element type, count, call site). Both travel
//! on a private duplicate of the communicator, so they never match the program's own messages.
//! A mismatch stops the job with every involved rank's op and call site side by side.
//!
//! These functions run on the check communicator only; the op's life (`call`) decides when.

use std::ffi::c_int;
use std::fmt::Write as _;

use crate::ident::OpId;
use crate::sys::{self, RawComm, SysError};

/// Why a check did not pass.
#[derive(Debug)]
pub(crate) enum Failure {
    /// An MPI call of the check itself failed.
    Sys(SysError),
    /// The ranks disagree: what, and how to fix it.
    Mismatch { problem: String, help: &'static str },
}

impl From<SysError> for Failure {
    fn from(error: SysError) -> Failure {
        Failure::Sys(error)
    }
}

/// What a point-to-point message is: element type, count, peer rank and tag.
pub(crate) type Message = (&'static str, usize, c_int, c_int);

/// What a collective is about to do, as compared across ranks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Collective {
    pub(crate) elem: &'static str,
    pub(crate) count: usize,
    pub(crate) root: Option<c_int>,
    /// The reduction operator's name, for reductions.
    pub(crate) operator: Option<&'static str>,
    /// A hash of the block sizes every rank must pass alike (`reduce_scatter`'s counts), 0 for
    /// none.
    pub(crate) blocks: u64,
}

impl Collective {
    /// A collective without root or operator.
    pub(crate) fn plain(elem: &'static str, count: usize) -> Self {
        Collective {
            elem,
            count,
            root: None,
            operator: None,
            blocks: 0,
        }
    }

    pub(crate) fn rooted(elem: &'static str, count: usize, root: c_int) -> Self {
        Collective {
            root: Some(root),
            ..Collective::plain(elem, count)
        }
    }

    pub(crate) fn reducing(elem: &'static str, count: usize, operator: &'static str) -> Self {
        Collective {
            operator: Some(operator),
            ..Collective::plain(elem, count)
        }
    }
}

/// Bytes of the description in a point-to-point header.
const TEXT: usize = 224;
/// Bytes of a whole header: element hash, count, sequence number, description.
pub(crate) const HEADER: usize = 24 + TEXT;
/// Bytes of one rank's description of a collective, exchanged after a mismatch.
const LINE: usize = 512;

/// FNV-1a of one string, at compile time where it can be: [`fnv`] of `[text]`.
pub(crate) const fn fnv_str(text: &str) -> u64 {
    let bytes = text.as_bytes();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut index = 0;
    while index < bytes.len() {
        hash ^= bytes[index] as u64;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
        index += 1;
    }
    hash ^= 0xff;
    hash.wrapping_mul(0x0100_0000_01b3)
}

/// FNV-1a: a stable hash, identical on every rank.
pub(crate) fn fnv(parts: &[&[u8]]) -> u64 {
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
pub(crate) fn fixed<const N: usize>(text: &str) -> [u8; N] {
    let mut field = [0u8; N];
    let mut end = text.len().min(N);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    field[..end].copy_from_slice(&text.as_bytes()[..end]);
    field
}

/// The text of a field made by [`fixed`].
pub(crate) fn unfixed(field: &[u8]) -> String {
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    String::from_utf8_lossy(&field[..end]).into_owned()
}

/// `allreduce(Sum)`, `bcast(root=2)`, or the bare op name.
fn op_label(id: &OpId, what: &Collective) -> String {
    match (what.operator, what.root) {
        (Some(op), Some(root)) => format!("`{}({op}, root={root})`", id.op),
        (Some(op), None) => format!("`{}({op})`", id.op),
        (None, Some(root)) => format!("`{}(root={root})`", id.op),
        (None, None) => format!("`{}`", id.op),
    }
}

/// Makes every rank of `check` agree on `what` before the collective runs. On disagreement
/// every rank learns every rank's op; rank 0 returns the table, the others wait for rank 0 to
/// end the job with it.
pub(crate) fn agree(check: RawComm<'_>, id: &OpId, what: Collective) -> Result<(), Failure> {
    let mine = fingerprint(id, &what);
    let size = check.size;
    // No allocation per collective on communicators of up to 64 ranks.
    let mut small = [0u64; 64];
    let mut large = Vec::new();
    let all: &mut [u64] = if size <= small.len() {
        &mut small[..size]
    } else {
        large.resize(size, 0);
        &mut large
    };
    sys::allgather(check, &[mine], all)?;
    if all.iter().all(|&hash| hash == mine) {
        return Ok(());
    }
    Err(disagreement(check, id, &what, "check mode: ")?)
}

/// One hash of everything about a collective that the ranks must agree on: its family (the
/// ops that match each other across ranks), element type, count, root and operator.
pub(crate) fn fingerprint(id: &OpId, what: &Collective) -> u64 {
    let root = what.root.map_or(-1, i64::from).to_le_bytes();
    let count = (what.count as u64).to_le_bytes();
    let family = crate::family_hash(id.op).to_le_bytes();
    fnv(&[
        &family,
        what.elem.as_bytes(),
        &count,
        &root,
        what.operator.unwrap_or("").as_bytes(),
        &what.blocks.to_le_bytes(),
    ])
}

/// The failure of a collective the ranks disagree on, once every rank of `comm` knows that
/// they do: exchanges every rank's fingerprint and description (collective over `comm`) and
/// makes the table. Rank 0 returns it; the others wait in a barrier that rank 0 never enters,
/// for rank 0 to end the job with it, so that the job prints one report.
pub(crate) fn disagreement(
    comm: RawComm<'_>,
    id: &OpId,
    what: &Collective,
    prefix: &str,
) -> Result<Failure, SysError> {
    let size = comm.size;
    let mine = fingerprint(id, what);
    let mut all = vec![0u64; size];
    sys::allgather(comm, &[mine], &mut all)?;
    let blocks = match what.blocks {
        0 => String::new(),
        hash => format!(" in blocks #{:08x}", hash >> 32),
    };
    let line = format!(
        "{} of {} x{}{blocks} at {}",
        op_label(id, what),
        what.elem,
        what.count,
        id.site_label()
    );
    let line: [u8; LINE] = fixed(&line);
    let mut lines = vec![0u8; LINE * size];
    sys::allgather(comm, &line, &mut lines)?;
    if comm.rank != 0 {
        sys::barrier(comm)?;
    }
    let mut table = format!("{prefix}the ranks disagree on this collective:");
    for (rank, line) in lines.chunks(LINE).enumerate() {
        let marker = if all[rank] == all[0] { ' ' } else { '!' };
        let _ = write!(table, "\n   {marker} rank {rank}: {}", unfixed(line));
    }
    Ok(Failure::Mismatch {
        problem: table,
        help: "every rank must call the same collectives in the same order, with the same root, \
               element type, count and reduction operator (`!` marks the ranks that differ from \
               rank 0)",
    })
}

fn header(id: &OpId, (elem, count, dest, tag): Message) -> [u8; HEADER] {
    let mut header = [0u8; HEADER];
    header[..8].copy_from_slice(&fnv(&[elem.as_bytes()]).to_le_bytes());
    header[8..16].copy_from_slice(&(count as u64).to_le_bytes());
    header[16..24].copy_from_slice(&id.seq.to_le_bytes());
    let text = format!(
        "`{}` of {elem} x{count} to rank {dest} (tag {tag}) at {}",
        id.op,
        id.site_label()
    );
    header[24..].copy_from_slice(&fixed::<TEXT>(&text));
    header
}

/// What a header says about its message: its send's op, element type, count, destination, tag
/// and call site.
pub(crate) fn describe(header: &[u8; HEADER]) -> String {
    unfixed(&header[24..])
}

/// Tells the destination of `message` what this rank is about to send it.
pub(crate) fn announce(check: RawComm<'_>, id: &OpId, message: Message) -> Result<(), Failure> {
    let (_, _, dest, tag) = message;
    sys::send(check, &header(id, message), dest, tag)?;
    Ok(())
}

/// Starts telling the destination of `message`, which a nonblocking send is about to send it,
/// without waiting: the destination may be this rank, which receives the header only when it
/// completes its receive.
pub(crate) fn post(
    check: RawComm<'_>,
    id: &OpId,
    message: Message,
) -> Result<sys::Posted, Failure> {
    let (_, _, dest, tag) = message;
    Ok(sys::Posted::start(
        check,
        Box::new(header(id, message)),
        dest,
        tag,
    )?)
}

/// Receives the sender's header (announcing `send` to its destination in the same step, for
/// `sendrecv`, so that two ranks exchanging with each other cannot block on their headers)
/// and compares it with this receive of `count` elements of `elem` (exactly, or at most when
/// `exact` is false). Returns the source and tag to receive the data from: the sender's, when
/// `source` or `tag` is "any".
#[allow(clippy::too_many_arguments)]
pub(crate) fn expect(
    check: RawComm<'_>,
    id: &OpId,
    send: Option<Message>,
    elem: &'static str,
    count: usize,
    exact: bool,
    source: c_int,
    tag: c_int,
) -> Result<(c_int, c_int), Failure> {
    if source == sys::proc_null() {
        // A receive from no one has no sender to compare with; a `sendrecv`'s send still
        // tells its receiver.
        if let Some(message) = send {
            let (_, _, dest, send_tag) = message;
            sys::send(check, &header(id, message), dest, send_tag)?;
        }
        return Ok((source, tag));
    }
    let mut theirs = [0u8; HEADER];
    let status = match send {
        Some(message) => {
            let (_, _, dest, send_tag) = message;
            sys::sendrecv(
                check,
                &header(id, message),
                dest,
                send_tag,
                &mut theirs,
                source,
                tag,
            )?
        }
        None => sys::recv(check, &mut theirs, source, tag)?,
    };
    let (from, from_tag) = (status.source(), status.tag());
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
    if same_type && fits {
        races(check, id, source, tag, (from, from_tag), &theirs)?;
        return Ok((from, from_tag));
    }
    let wanted = if exact {
        format!("{elem} x{count}")
    } else {
        format!("{elem} x(up to {count})")
    };
    Err(Failure::Mismatch {
        problem: format!(
            "check mode: the message does not match its receive:\n     rank {}: `{}` expects \
             {wanted} from rank {from} (tag {from_tag}) at {}\n     rank {from}: sent {}",
            check.rank,
            id.op,
            id.site_label(),
            unfixed(&theirs[24..])
        ),
        help: "a receive's template must have the element type and count of the message it \
               receives",
    })
}

/// A receive from any rank that took one rank's message while another rank's, which it also
/// accepts, was waiting: reported once that other message's header arrives (with its site).
struct Race {
    /// The check communicator ([`RawComm::key`]).
    comm: mpi::ffi::MPI_Comm,
    /// The rank whose message was also waiting, and its tag.
    other: c_int,
    tag: c_int,
    /// The receive: op and site.
    receive: String,
    /// The message it took: from whom, and what its header says.
    took: (c_int, String),
}

thread_local! {
    /// Possible races waiting for the other message's header.
    static RACES: std::cell::RefCell<Vec<Race>> = const { std::cell::RefCell::new(Vec::new()) };
    /// The receive sites already warned about.
    static WARNED: std::cell::RefCell<Vec<&'static std::panic::Location<'static>>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Check mode's warning of message races: a receive from `ANY_SOURCE` (`source`) with `tag`
/// that took the message of `from` whose header is `theirs`, while another rank's message that
/// it accepts was already there, may take that one in another run. The warning waits for that
/// other message's header, to name both senders' sites; it fails nothing (every order may be
/// correct). Once per receive site.
fn races(
    check: RawComm<'_>,
    id: &OpId,
    source: c_int,
    tag: c_int,
    (from, from_tag): (c_int, c_int),
    theirs: &[u8; HEADER],
) -> Result<(), Failure> {
    // This header may be the other message of an earlier race.
    let key = check.key();
    let found: Vec<Race> = RACES.with(|races| {
        let mut races = races.borrow_mut();
        let (found, kept) = std::mem::take(&mut *races).into_iter().partition(|race| {
            race.comm == key
                && race.other == from
                && (race.tag == sys::any_tag() || race.tag == from_tag)
        });
        *races = kept;
        found
    });
    for race in found {
        crate::settings::write_stderr(&format!(
            "[spmd] check mode: rank {}: possible message race: {} accepts messages from any \
             rank; it took rank {}'s ({}), while rank {from}'s ({}) was also waiting, which \
             another run may give it instead. Harmless if every order is correct; else \
             receive from a named rank\n",
            check.rank,
            race.receive,
            race.took.0,
            race.took.1,
            unfixed(&theirs[24..]),
        ));
    }
    if source != sys::any_source() {
        return Ok(());
    }
    let Some((other, other_tag)) = sys::iprobe(check, source, tag)? else {
        return Ok(());
    };
    if other == from {
        // The sender's next message: messages from one rank keep their order.
        return Ok(());
    }
    let first = WARNED.with(|warned| {
        let mut warned = warned.borrow_mut();
        let first = !warned.contains(&id.site);
        if first {
            warned.push(id.site);
        }
        first
    });
    if first {
        RACES.with(|races| {
            races.borrow_mut().push(Race {
                comm: key,
                other,
                tag: other_tag,
                receive: format!("`{}` at {}", id.op, id.site_label()),
                took: (from, unfixed(&theirs[24..])),
            });
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_separate_parts() {
        assert_ne!(fnv(&[b"ab", b"c"]), fnv(&[b"a", b"bc"]));
        assert_eq!(fnv(&[b"f64"]), fnv(&[b"f64"]));
        assert_ne!(fnv(&[b"f64"]), fnv(&[b"f32"]));
        assert_eq!(fnv_str("bcast"), fnv(&[b"bcast"]));
    }

    #[test]
    fn the_forms_of_one_collective_share_a_family() {
        assert_eq!(
            crate::family_hash("bcast"),
            crate::family_hash("bcast_in_place")
        );
        assert_eq!(
            crate::family_hash("allreduce"),
            crate::family_hash("allreduce_into")
        );
        assert_ne!(crate::family_hash("bcast"), crate::family_hash("ibcast"));
        assert_ne!(crate::family_hash("bcast"), crate::family_hash("scatter"));
        assert_eq!(crate::family_hash("no such op"), 0);
    }

    #[test]
    fn fixed_fields_cut_at_char_boundaries() {
        let field: [u8; 4] = fixed("aé€");
        assert_eq!(unfixed(&field), "aé");
        let field: [u8; 8] = fixed("abc");
        assert_eq!(unfixed(&field), "abc");
    }
}
