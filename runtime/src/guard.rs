//! The agreement before every collective: MPI never sees counts that could disagree.
//!
//! A collective whose ranks pass different counts (or roots, element types, operators, or
//! different collectives altogether) is undefined behaviour in MPI, and not a harmless one:
//! Open MPI 4.1 writes a longer broadcast past the end of a shorter receive buffer, and hangs
//! in an allreduce whose counts differ. So before the data of a collective moves, the ranks
//! agree on what it is, on the communicator's private duplicate: one `MPI_Allreduce` of an
//! envelope (`sys::fused`) whose header holds [`WORDS`] words and a descriptor, combined by an
//! operation of this crate that flags any two that differ. A disagreement is then known to
//! every rank at once, before any data moved, and becomes `spmd`'s error with every rank's op,
//! count and call site.
//!
//! The envelope has room for data: a collective whose data fits ([`agree_carrying`]) travels
//! inside its own agreement, reduced on the way by the same operation once it has seen that
//! the ranks agree (`local` computes MPI's reductions; the data-moving collectives have each
//! rank place its part at its own offset, and the bytes are ored; a scan's ranks place their
//! data so, and each reduces the blocks up to its own with `local`), so a small collective
//! costs one `MPI_Allreduce`, not two. Every rank's envelope has the same size, datatype and
//! operation whatever it carries, so MPI never sees two ranks disagree, even when they do.
//!
//! A nonblocking collective agrees with the same envelope, nonblocking itself ([`gate`]), and
//! carries its data the same way when it fits ([`carrying`]): then the agreement is the whole
//! collective; otherwise its data starts once the agreement completed (see `sys::agreement`).
//! A disagreement ends the job on the first rank that sees it, with what this rank passed and
//! the range of what the ranks passed (the envelope keeps each word's smallest and largest
//! value once the ranks disagree).
//!
//! Check mode replaces this with its own, stricter agreement (the same words, hashed, gathered
//! from every rank), so a communicator pays for one of the two, never both.

use std::rc::Rc;

use crate::check::{self, Collective, Failure, fnv_str};
use crate::comm::Comm;
use crate::element::{Element, OpKind};
use crate::error::Error;
use crate::ident::OpId;
use crate::sys::fused::{self, Carry, Envelope};
use crate::sys::{Gated, RawComm, Start, SysResult, Taking};

const _: () = assert!(fused::WORDS == WORDS + 1);

thread_local! {
    /// How many agreements this thread made.
    static AGREEMENTS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

fn count_agreement() {
    AGREEMENTS.with(|count| count.set(count.get() + 1));
}

/// How many agreements (blocking or nonblocking) this thread has made: what the tests of the
/// skipped agreement count.
pub(crate) fn agreements() -> u64 {
    AGREEMENTS.with(std::cell::Cell::get)
}

/// The words the ranks agree on: family, element type, count, root, operator and block sizes.
const WORDS: usize = 6;

/// What the ranks must agree on about `what`: the op's family (the ops that match each other
/// across ranks, as the op table says), its element type, count, root (0 for none), reduction
/// operator (0 for none) and the hash of its block sizes (0 for none).
fn words(id: &OpId, what: &Collective) -> [u64; WORDS] {
    [
        crate::family_hash(id.op),
        fnv_str(what.elem),
        what.count as u64,
        what.root
            .map_or(0, |root| u64::from(root.unsigned_abs()) + 1),
        what.operator.map_or(0, fnv_str),
        what.blocks,
    ]
}

/// Makes the ranks of `control` (a collective's private duplicate) agree on `what` before
/// the collective moves any data, this rank presenting the proof tag `tag` (`crate::proof`; 0
/// for none). Every rank returns the same: `Ok` with the tag every rank presented (0 or
/// `proof::MIXED` unless all presented the same), or the failure naming every rank's op,
/// count and call site (rank 0 returns it; the others wait for rank 0 to end the job with it).
pub(crate) fn agree(
    control: RawComm<'_>,
    id: &OpId,
    what: Collective,
    tag: u64,
) -> Result<u64, Failure> {
    let envelope = Envelope::new(envelope_words(id, &what, 0)).tagged(tag);
    count_agreement();
    let agreed = fused::allreduce(control, &envelope)?;
    settle(control, id, &what, &agreed)?;
    Ok(agreed.tag())
}

/// What a rank puts into an agreement that carries data.
pub(crate) enum Mine<'a, T> {
    /// These elements, at the payload's start.
    Given(&'a [T]),
    /// These elements, from this element of the payload on (a gather: the rank's own block).
    At(&'a [T], usize),
    /// What the result buffer holds now (an op in place).
    Out,
    /// Nothing: this rank only receives (a broadcast off the root).
    Nothing,
}

/// What a rank takes from an agreement that carried data.
pub(crate) enum Take<'a, T> {
    /// Nothing (a reduce or gather off the root).
    Nothing,
    /// As many elements as the buffer holds, from the payload's start.
    Whole(&'a mut [T]),
    /// As many elements as the buffer holds, from this element of the payload on (a scatter:
    /// the rank's own block).
    From(&'a mut [T], usize),
    /// Block `index` of each of the `count` rows of `count` blocks of `block` elements, into
    /// consecutive blocks of the buffer (an alltoall: what every rank put for this one).
    Column {
        out: &'a mut [T],
        block: usize,
        index: usize,
        count: usize,
    },
    /// As the [`Taking`] says (what the nonblocking collectives take; a v-collective's counts).
    As(Taking, &'a mut [T]),
    /// The reduction with `kind`, in rank order, of the blocks (of the buffer's length) of the
    /// ranks before `rank`, and of `rank` itself when `inclusive` (a scan; an exscan is not):
    /// each rank put its block at its rank's offset.
    Prefix {
        out: &'a mut [T],
        rank: usize,
        inclusive: bool,
        kind: OpKind,
    },
}

impl<'a, T> From<Option<&'a mut [T]>> for Take<'a, T> {
    fn from(out: Option<&'a mut [T]>) -> Take<'a, T> {
        out.map_or(Take::Nothing, Take::Whole)
    }
}

/// As [`agree`], for a collective whose data can travel inside the agreement: `total` elements
/// of `T` carried as `carry` says, this rank putting `mine` and taking what `take` says. When
/// the data fits the envelope ([`Carry::descriptor`]), the agreement carries it, the result is
/// taken, and this returns `true`: the collective is done. Otherwise it is still to be done,
/// and this returns `false`. Beside it, the tag every rank presented, as [`agree`] returns it
/// (this rank presenting `tag`, beside `control`). A disagreement is the same error as [`agree`]'s, and leaves
/// the result buffer as it was.
///
/// # Panics
/// If what `mine` covers reaches past `total` elements, what `take` covers past the payload,
/// or `mine` is [`Mine::Out`] without a buffer to take into.
pub(crate) fn agree_carrying<T: Element>(
    (control, tag): (RawComm<'_>, u64),
    id: &OpId,
    what: Collective,
    carry: Carry,
    total: usize,
    mine: Mine<'_, T>,
    take: Take<'_, T>,
) -> Result<(bool, u64), Failure> {
    let given = match (&mine, &take) {
        (Mine::Given(data), _) => Some((*data, 0)),
        (Mine::At(data, at), _) => Some((*data, *at)),
        (Mine::Out, Take::Whole(out)) => Some((&out[..], 0)),
        (Mine::Out, Take::Prefix { out, rank, .. }) => Some((&out[..], rank * out.len())),
        (Mine::Out, _) => panic!("an agreement given no buffer to carry"),
        (Mine::Nothing, _) => None,
    };
    let Some(envelope) = carrying(id, &what, carry, total, given) else {
        return Ok((false, agree(control, id, what, tag)?));
    };
    count_agreement();
    let agreed = fused::allreduce(control, &envelope.tagged(tag))?;
    settle(control, id, &what, &agreed)?;
    let tag = agreed.tag();
    // Where this rank's result lies in the payload: the nonblocking collectives' delivery.
    let (taking, out) = match take {
        Take::Nothing => return Ok((true, tag)),
        Take::Whole(out) => (Taking::From(0), out),
        Take::From(out, from) => (Taking::From(from), out),
        Take::As(taking, out) => (taking, out),
        Take::Column {
            out,
            block,
            index,
            count,
        } => (
            Taking::Column {
                block,
                index,
                count,
            },
            out,
        ),
        Take::Prefix {
            out,
            rank,
            inclusive,
            kind,
        } => {
            let upto = rank + usize::from(inclusive);
            (Taking::Prefix { upto, kind }, out)
        }
    };
    taking.deliver(&agreed, out)?;
    Ok((true, tag))
}

/// The envelope of a collective `what` of `total` elements of `T` carried as `carry`, this
/// rank putting `given` (elements, from this element of the payload on), when the data fits
/// the payload; `None` when it does not (the agreement then carries no data).
///
/// # Panics
/// If `given` reaches past `total` elements.
pub(crate) fn carrying<T: Element>(
    id: &OpId,
    what: &Collective,
    carry: Carry,
    total: usize,
    given: Option<(&[T], usize)>,
) -> Option<Envelope> {
    let descriptor = carry.descriptor::<T>(total)?;
    let mut envelope = Envelope::new(envelope_words(id, what, descriptor));
    if let Some((data, at)) = given {
        assert!(
            at.checked_add(data.len()).is_some_and(|end| end <= total),
            "{} elements carried from {at} of {total}",
            data.len()
        );
        envelope.carry(data, at);
    }
    Some(envelope)
}

/// [`words`] and the payload's descriptor (0 for none): what the envelope's header holds.
fn envelope_words(id: &OpId, what: &Collective, descriptor: u64) -> [u64; fused::WORDS] {
    let mut all = [0u64; fused::WORDS];
    all[..WORDS].copy_from_slice(&words(id, what));
    all[WORDS] = descriptor;
    all
}

/// `Ok` when the agreed envelope says that every rank passed the same words, or the failure
/// naming every rank's op, count and call site.
fn settle(
    control: RawComm<'_>,
    id: &OpId,
    what: &Collective,
    agreed: &Envelope,
) -> Result<(), Failure> {
    if agreed.unanimous() {
        return Ok(());
    }
    Err(check::disagreement(control, id, what, "no data moved: ")?)
}

/// Starts the agreement of a nonblocking collective `what` on `comm`, whose data `start`
/// starts once every rank agreed (see `sys::agreement`): the agreement is `envelope` (from
/// [`carrying`]) when it carries the data, and `start` then a `sys::carried` one.
pub(crate) fn gate<S: Element, R: Element>(
    comm: &Comm,
    id: &OpId,
    what: Collective,
    start: Start<S, R>,
    envelope: Option<Envelope>,
) -> SysResult<Rc<Gated<S, R>>> {
    // A nonblocking collective ends any streak of skipped agreements (`crate::proof`).
    comm.set_streak(None);
    count_agreement();
    let (id, rank, size) = (*id, comm.rank(), comm.size());
    let envelope = envelope.unwrap_or_else(|| Envelope::new(envelope_words(&id, &what, 0)));
    let refusal = crate::recycle::boxed(move |agreed: &Envelope| {
        Error {
            op: id.op,
            rank,
            size,
            seq: id.seq,
            site: id.site,
            problem: refusal(&id, &what, agreed),
            help: "every rank must issue the same collectives in the same order, with the same \
                   root, element type, count and reduction operator"
                .into(),
        }
        .to_string()
    });
    Gated::issue(comm.raw(), comm.control_raw(), &envelope, refusal, start)
}

/// What a rank that saw a nonblocking collective's disagreement knows of it: what it passed,
/// and for each word the ranks disagree on, the smallest and largest value they passed.
fn refusal(id: &OpId, what: &Collective, agreed: &Envelope) -> String {
    let label = match (what.operator, what.root) {
        (Some(op), Some(root)) => format!("`{}({op}, root={root})`", id.op),
        (Some(op), None) => format!("`{}({op})`", id.op),
        (None, Some(root)) => format!("`{}(root={root})`", id.op),
        (None, None) => format!("`{}`", id.op),
    };
    let mut text = format!(
        "no data moved: the ranks disagree on this collective: this rank issued {label} of {} \
         x{} at {}, and",
        what.elem,
        what.count,
        id.site_label()
    );
    let (smallest, largest) = agreed
        .ranges()
        .unwrap_or_else(|| (agreed.words(), agreed.words()));
    let min = |index: usize| smallest[index];
    let max = |index: usize| largest[index];
    let mut differences = Vec::new();
    if min(0) != max(0) {
        differences.push("another rank issued another collective".to_string());
    }
    if min(1) != max(1) {
        differences.push("another rank's element type differs".to_string());
    }
    if min(2) != max(2) {
        differences.push(format!(
            "the ranks' counts range from {} to {}",
            min(2),
            max(2)
        ));
    }
    if min(3) != max(3) {
        let root = |word: u64| match word {
            0 => "none".to_string(),
            word => (word - 1).to_string(),
        };
        differences.push(format!(
            "the ranks' roots range from {} to {}",
            root(min(3)),
            root(max(3))
        ));
    }
    if min(4) != max(4) {
        differences.push("another rank's reduction operator differs".to_string());
    }
    if min(5) != max(5) {
        differences.push("another rank's block sizes (counts per rank) differ".to_string());
    }
    if differences.is_empty() {
        // Only the payload's descriptor differs: the same type name with another size (`usize`
        // on 32- and 64-bit machines).
        differences.push("another rank's element type has another size".to_string());
    }
    text.push(' ');
    text.push_str(&differences.join(", and "));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The agreed envelope of several ranks' words, combined as MPI would.
    fn agreed(ranks: &[[u64; fused::WORDS]]) -> Envelope {
        let mut all = ranks.iter().map(|words| Envelope::new(*words));
        let first = all.next().expect("one rank at least");
        all.fold(first, |mut accumulated, incoming| {
            fused::combine_one(&incoming, &mut accumulated);
            accumulated
        })
    }

    #[test]
    fn a_refusal_names_the_range_of_what_the_ranks_passed() {
        let id = OpId {
            op: "iallreduce",
            site: std::panic::Location::caller(),
            seq: 1,
        };
        let what = Collective::plain("f64", 4);
        let mine = envelope_words(&id, &what, 0);
        let mut more = mine;
        more[2] = 9;
        let mut fewer = mine;
        fewer[2] = 2;
        let text = refusal(&id, &what, &agreed(&[mine, more, fewer]));
        assert!(
            text.contains("the ranks' counts range from 2 to 9"),
            "{text}"
        );
        assert!(!text.contains("another collective"), "{text}");
        let mut root = mine;
        root[3] = 3;
        let text = refusal(&id, &what, &agreed(&[root, mine]));
        assert!(
            text.contains("the ranks' roots range from none to 2"),
            "{text}"
        );
    }
}
