//! Agreements skipped where a proof and the run agree that they are not needed.
//!
//! Every collective agrees before its data moves ([`guard`](crate::guard)): one small
//! `MPI_Allreduce` on the communicator's control duplicate. In a loop of the same collective
//! (the residual's allreduce of an iterative solver, a barrier per step) the agreement is
//! what the collective costs on small data. This module lets a run of equal collectives skip
//! it, without ever letting MPI see two ranks disagree.
//!
//! # When a collective skips its agreement
//!
//! All of these, on this rank:
//! 1. its call is in the body of a `#[spmd_jit]` function whose pattern check played every
//!    rank of this communicator's size to the end with no problem, on a single run (no branch
//!    on a value the ranks only share by a collective's result, which MPI does not promise to
//!    be bit-identical everywhere): the macro gives such calls a [`Proof`] naming the sizes;
//! 2. it is a collective whose every rank's result depends on every rank's data (allreduce,
//!    allgather, alltoall, barrier): no rank can leave it before every rank has entered it;
//! 3. its buffer's length is fixed by its type (an element, `[T; N]`), so the ranks' counts
//!    cannot drift apart from call to call;
//! 4. the binary has a build identity (the linker's build-id);
//! 5. the previous collective on this communicator was either agreed with every rank
//!    presenting the same proof of the same binary (the *streak*'s head), or skipped, and had
//!    the same op, element type, count and operator as this one.
//!
//! A skipped collective moves its data on a third communicator of its own (the *fast*
//! duplicate, made by every rank together right after the first agreement that opens a
//! streak), never on the communicator the user sees nor on the control duplicate.
//!
//! # Why MPI never sees two ranks disagree (what memory safety rests on)
//!
//! Only skipped collectives use the fast duplicate. Take the control agreements that open
//! streaks, in the order every rank makes them (they are collectives on one communicator, so
//! the order is the same everywhere). Between the agreement that opens a streak and the next
//! agreement on the control duplicate, every rank's calls on the fast duplicate are that
//! streak's collective, with the signature every rank agreed on: a rank leaves a streak only
//! through an agreement. If two ranks make different numbers of them, the rank that makes more
//! blocks in one that needs every rank (condition 2), while the other blocks in the next
//! agreement, which needs every rank too: the job stops there (a deadlock, which the watchdog
//! reports), and no fast collective ever meets one of another signature. A rank that is
//! elsewhere (another function, another binary, a communicator's end) presents another proof
//! or none at the next agreement, and no streak opens. Nothing in this argument trusts another
//! rank's code: a wrong proof, another binary or a rank's own mistake can make a job hang,
//! never make MPI write outside a buffer.
//!
//! # Why a proven program does not hang instead of failing with spmd's error
//!
//! What could make one rank leave a streak while another goes on skipping is a difference of
//! control flow between ranks inside the proven function, or of counts from call to call: the
//! pattern check proved the first absent for every size the proof names, and condition 3 rules
//! out the second. Any collective that differs from the streak's is agreed, as always.

use std::cell::Cell;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::check::{Collective, fnv};
use crate::sys::fused::{MIXED, TAG_MASK};

/// What `#[spmd_jit]` proved of a function: the communicator sizes its pattern check played
/// to the end on a single run with no problem. Made by the macro only.
#[derive(Debug)]
pub struct Proof {
    /// The function's identity, the same in every process of the same binary.
    tag: u64,
    /// The proven sizes, ascending.
    sizes: &'static [u32],
    /// How many times the function was entered in this process.
    entered: AtomicU64,
}

impl Proof {
    /// A proof of the function tagged `tag` for `sizes`.
    #[doc(hidden)]
    pub const fn new(tag: u64, sizes: &'static [u32]) -> Proof {
        Proof {
            tag,
            sizes,
            entered: AtomicU64::new(0),
        }
    }

    /// Counts an entry into the function and returns its number: the ops of one call present
    /// it with the proof, so that a streak never outlives the call that opened it (what the
    /// proof says nothing about is what the callers do between calls). Ranks whose numbers
    /// differ (a function called more often on some ranks, or from several threads) present
    /// different tags, and then agree as usual.
    #[doc(hidden)]
    #[inline]
    pub fn enter(&'static self) -> u64 {
        self.entered.fetch_add(1, Ordering::Relaxed)
    }

    /// The tag this proof presents at an agreement on a communicator of `size` ranks, in the
    /// call numbered `call`: the function's tag mixed with the call's number and the binary's
    /// build identity, never 0 nor [`MIXED`], and fewer than 63 bits; `0` when the proof does
    /// not cover `size` or the binary has no identity.
    pub(crate) fn tag_for(&self, size: usize, call: u64) -> u64 {
        let Ok(size) = u32::try_from(size) else {
            return 0;
        };
        if self.sizes.binary_search(&size).is_err() {
            return 0;
        }
        let Some(build) = build_identity() else {
            return 0;
        };
        // A multiply-xorshift mix: cheap, and the same in every process.
        let mut mixed = self.tag ^ build ^ call.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        mixed ^= mixed >> 31;
        mixed = mixed.wrapping_mul(0xbf58_476d_1ce4_e5b9);
        mixed ^= mixed >> 29;
        match mixed & TAG_MASK {
            0 | MIXED => 1,
            tag => tag,
        }
    }
}

thread_local! {
    /// The proof (and call number) `#[spmd_jit]` gave with the token of the op about to start
    /// on this thread: set by `take_token_proven` after it took the token, taken by the op if
    /// it may skip its agreement (`Call::skips`), and cleared by every other taking of the
    /// thread's token (`crate::token`, which every op of an unproven function and every chain
    /// of explicit tokens starts with), so that it never reaches another op than the one it
    /// was given with. Kept here rather than in the token, which every op moves.
    static MARK: Cell<Option<(&'static Proof, u64)>> = const { Cell::new(None) };
}

/// Marks the op about to start on this thread with `proof` and the call number `call`.
#[inline]
pub(crate) fn mark(proof: &'static Proof, call: u64) {
    MARK.with(|mark| mark.set(Some((proof, call))));
}

/// Takes the mark of the op starting on this thread, if `#[spmd_jit]` gave it one.
#[inline]
pub(crate) fn take_mark() -> Option<(&'static Proof, u64)> {
    MARK.with(Cell::take)
}

/// Clears this thread's mark: the token is taken for an op (or a chain) no proof covers.
#[inline]
pub(crate) fn clear_mark() {
    MARK.with(|mark| mark.set(None));
}

/// Whether an op is one whose every rank's result depends on every rank's data, so that no
/// rank leaves it before all have entered it (condition 2 of the module's docs). A scan, a
/// broadcast, a reduce, a gather or a scatter is not one: some rank's part is done without
/// waiting for all (the root of a broadcast, rank 0 of a scan).
pub(crate) fn waits_for_every_rank(op: &str) -> bool {
    matches!(
        op,
        "allreduce"
            | "allreduce_into"
            | "allreduce_in_place"
            | "allgather"
            | "allgather_into"
            | "alltoall"
            | "alltoall_into"
            | "barrier"
    )
}

/// The run of equal collectives a communicator is in: the proof tag every rank presented at
/// its head, and the op and its signature, which each skipped collective must repeat.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Streak {
    pub(crate) tag: u64,
    pub(crate) op: &'static str,
    pub(crate) what: Collective,
}

impl Streak {
    /// Whether a collective `op` of `what` presenting `tag` repeats this streak's.
    pub(crate) fn continues(&self, tag: u64, op: &'static str, what: &Collective) -> bool {
        self.tag == tag && self.op == op && self.what == *what
    }
}

/// A communicator's streak, if it is in one.
pub(crate) type StreakCell = Cell<Option<Streak>>;

/// The binary's build identity: a hash of the GNU build-id note of the main program (which
/// the linker writes from the binary's contents), read once; `None` when it has none.
pub(crate) fn build_identity() -> Option<u64> {
    static IDENTITY: OnceLock<Option<u64>> = OnceLock::new();
    *IDENTITY.get_or_init(|| read_build_id().map(|id| fnv(&[&id])))
}

/// The main program's build-id, from its `PT_NOTE` segments.
fn read_build_id() -> Option<Vec<u8>> {
    let mut found: Option<Vec<u8>> = None;
    // SAFETY: `dl_iterate_phdr` calls `callback` with valid `dl_phdr_info` records, the
    // first being the main program's; `data` is the `found` above, alive for the whole call.
    unsafe {
        libc::dl_iterate_phdr(
            Some(callback),
            std::ptr::from_mut(&mut found).cast::<libc::c_void>(),
        );
    }
    return found;

    /// Reads the build-id of the first object (the main program) and stops.
    ///
    /// # Safety
    /// As `dl_iterate_phdr` calls it, with `data` the `Option<Vec<u8>>` above.
    unsafe extern "C" fn callback(
        info: *mut libc::dl_phdr_info,
        _size: libc::size_t,
        data: *mut libc::c_void,
    ) -> libc::c_int {
        // SAFETY: the caller's contract: `info` is valid and `data` is the `Option<Vec<u8>>`.
        let (info, found) = unsafe { (&*info, &mut *data.cast::<Option<Vec<u8>>>()) };
        let headers: &[libc::Elf64_Phdr] = if info.dlpi_phdr.is_null() {
            &[]
        } else {
            // SAFETY: the loader gives `dlpi_phnum` program headers at `dlpi_phdr`.
            unsafe { std::slice::from_raw_parts(info.dlpi_phdr, usize::from(info.dlpi_phnum)) }
        };
        for header in headers.iter().filter(|h| h.p_type == libc::PT_NOTE) {
            let start = (info.dlpi_addr as usize).wrapping_add(header.p_vaddr as usize);
            // SAFETY: a `PT_NOTE` segment is loaded (it lies in a `PT_LOAD` one) at its
            // virtual address plus the object's base, `p_memsz` bytes long.
            let notes =
                unsafe { std::slice::from_raw_parts(start as *const u8, header.p_memsz as usize) };
            if let Some(id) = gnu_build_id(notes) {
                *found = Some(id.to_vec());
                break;
            }
        }
        // The first object is the main program: stop there.
        1
    }
}

/// The descriptor of the `NT_GNU_BUILD_ID` note among `notes` (ELF notes, 4-byte aligned).
fn gnu_build_id(notes: &[u8]) -> Option<&[u8]> {
    const NT_GNU_BUILD_ID: u32 = 3;
    let word = |at: usize| -> Option<u32> {
        let bytes = notes.get(at..at.checked_add(4)?)?;
        Some(u32::from_ne_bytes(bytes.try_into().ok()?))
    };
    let align = |n: usize| n.checked_add(3).map(|n| n & !3);
    let mut at = 0;
    while at + 12 <= notes.len() {
        let (name_size, desc_size, kind) =
            (word(at)? as usize, word(at + 4)? as usize, word(at + 8)?);
        let name_at = at + 12;
        let desc_at = name_at.checked_add(align(name_size)?)?;
        let end = desc_at.checked_add(align(desc_size)?)?;
        let name = notes.get(name_at..name_at.checked_add(name_size)?)?;
        let desc = notes.get(desc_at..desc_at.checked_add(desc_size)?)?;
        if kind == NT_GNU_BUILD_ID && name == b"GNU\0" && !desc.is_empty() {
            return Some(desc);
        }
        at = end;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::fused::combine_tags;

    #[test]
    fn tags_combine_to_the_common_one_or_mixed_in_any_order() {
        let tags = [5u64, 5, 5];
        assert_eq!(tags.iter().copied().reduce(combine_tags), Some(5));
        for order in [[5u64, 0, 5], [0, 5, 5], [5, 5, 0], [5, 7, 5], [7, 5, 5]] {
            assert_eq!(order.iter().copied().reduce(combine_tags), Some(MIXED));
            // Associativity: (a b) c = a (b c).
            let [a, b, c] = order;
            assert_eq!(
                combine_tags(combine_tags(a, b), c),
                combine_tags(a, combine_tags(b, c))
            );
        }
    }

    #[test]
    fn this_binary_has_a_build_identity_and_proofs_tag_only_their_sizes() {
        assert!(build_identity().is_some(), "the linker wrote no build-id");
        let proof = Proof::new(42, &[2, 4]);
        let tag = proof.tag_for(2, 0);
        assert!(tag != 0 && tag != MIXED && tag <= TAG_MASK);
        assert_eq!(proof.tag_for(4, 0), tag);
        assert_eq!(proof.tag_for(3, 0), 0);
        assert_eq!(proof.tag_for(1, 0), 0);
        assert_ne!(proof.tag_for(2, 1), tag);
        assert_ne!(Proof::new(43, &[2]).tag_for(2, 0), tag);
    }

    #[test]
    fn build_ids_are_found_among_notes() {
        let mut notes = Vec::new();
        // Another note first: name "ABC\0", 2 bytes of descriptor (padded to 4).
        for word in [4u32, 2, 1] {
            notes.extend_from_slice(&word.to_ne_bytes());
        }
        notes.extend_from_slice(b"ABC\0\x01\x02\0\0");
        for word in [4u32, 3, 3] {
            notes.extend_from_slice(&word.to_ne_bytes());
        }
        notes.extend_from_slice(b"GNU\0\x0a\x0b\x0c\0");
        assert_eq!(gnu_build_id(&notes), Some(&[0x0a, 0x0b, 0x0c][..]));
        assert_eq!(gnu_build_id(&notes[..20]), None);
    }
}
