//! The envelope of the fused agreement: one `MPI_Allreduce` that makes the ranks agree on a
//! collective and, when its data is small, carries and reduces the data too.
//!
//! An [`Envelope`] is [`ENVELOPE_BYTES`] bytes: a header of [`WORDS`] words and a flag, then a
//! payload. Every collective's agreement is an `MPI_Allreduce` (`MPI_Iallreduce` for a
//! nonblocking one) of one envelope (one element of a contiguous datatype of that many bytes)
//! with this module's user-defined operation, on the communicator's private duplicate: whatever
//! the ranks passed, MPI sees the same count, datatype and operation on every rank, and every
//! buffer it writes is an envelope.
//!
//! The operation sets the flag when the two operands' words differ or either is flagged (so
//! every rank ends with the flag set exactly when some two ranks passed different words; the
//! words become their element-wise maximum, which keeps the operation commutative and
//! associative), and, only when neither is flagged, the words are equal and the last word (the
//! descriptor) asks for it, reduces the payloads as the descriptor says: element type,
//! operator and count, bounded by the payload's size whatever a peer wrote. Once the words
//! differ, the payload holds the element-wise minimum of the words instead (its data is read by
//! no one: the agreement fails), so that a flagged envelope gives each word's range
//! ([`Envelope::ranges`]), which is what a nonblocking collective's refusal names. (A blocking
//! one asks which rank passed what in the disagreement's own exchange, `check::disagreement`.)
//!
//! Above the flag's bit, the flag word carries the proof tag each rank presents
//! (`crate::proof`), combined apart from the words: the common tag when every contributor
//! presented the same one, `MIXED` otherwise, whether or not the words agree.

use std::ffi::{c_int, c_void};
use std::mem::MaybeUninit;
use std::sync::OnceLock;

use mpi::ffi;

use super::{RawComm, SysResult, code, error_string, validate};
use crate::element::{Element, OpHandle, OpKind, code as codes};
use crate::local;

/// The bits of a proof tag (`crate::proof`), which the flag word carries above its bit.
pub(crate) const TAG_MASK: u64 = (1 << 62) - 1;

/// The tag an agreement ends with when the ranks presented different ones (or some none).
pub(crate) const MIXED: u64 = TAG_MASK;

/// Combines two ranks' tags: the tag when they are equal, [`MIXED`] otherwise (commutative and
/// associative, as an MPI operation must be).
pub(crate) fn combine_tags(a: u64, b: u64) -> u64 {
    if a == b { a } else { MIXED }
}

/// The words the ranks agree on, the descriptor last.
pub(crate) const WORDS: usize = 7;

/// The header's words: the words agreed on, then the flag.
const HEADER_WORDS: usize = WORDS + 1;

/// The size of an envelope: MPI moves it as one element. A small allreduce costs about what an
/// `MPI_Allreduce` of this many bytes costs, and every agreement costs that much, so it is
/// small: 256 bytes took ~15% longer than 128 on two ranks over shared memory.
pub(crate) const ENVELOPE_BYTES: usize = 128;

/// The payload's size: what is left after the header (eight `f64`s).
pub(crate) const PAYLOAD_BYTES: usize = ENVELOPE_BYTES - HEADER_WORDS * 8;

/// What one rank passes to the fused agreement, and what it gets back.
#[derive(Clone, Copy)]
#[repr(C, align(8))]
pub(crate) struct Envelope {
    /// The words, then the flag word: its bit 0 set once two contributors passed different
    /// words; above it, the proof tag they presented (`crate::proof`): the common one, or
    /// `MIXED` once two differ (0 for none).
    header: [u64; HEADER_WORDS],
    /// The data, as the descriptor (the last word) says; zeros when it carries none.
    payload: [u8; PAYLOAD_BYTES],
}

const _: () = assert!(size_of::<Envelope>() == ENVELOPE_BYTES && PAYLOAD_BYTES >= WORDS * 8);

/// The descriptor of a payload of `count` elements of `size` bytes of the type coded `ty`,
/// reduced with `op`: ranks whose element types have the same code but not the same size
/// (`usize` on 32- and 64-bit machines) disagree. `count` is at most the payload's size.
pub(crate) fn descriptor(ty: u8, op: OpKind, size: usize, count: usize) -> u64 {
    (u64::from(ty) << 56)
        | (u64::from(local::op_code(op)) << 48)
        | ((size as u64 & 0xffff) << 32)
        | (count as u64 & 0xffff_ffff)
}

/// The type code, operator code and count of a descriptor.
fn decoded(descriptor: u64) -> (u8, u8, usize) {
    (
        (descriptor >> 56) as u8,
        (descriptor >> 48) as u8,
        (descriptor & 0xffff_ffff) as usize,
    )
}

/// How an agreement carries a collective's data.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Carry {
    /// Every rank puts its data; the operation reduces them with this operator (allreduce,
    /// reduce).
    Reduce(OpKind),
    /// The ranks that send put their data at the offsets they own, the others nothing (zero
    /// bytes); the operation ors the bytes together, which gives each byte the one rank's that
    /// put it (bcast: the root's).
    Place,
}

impl Carry {
    /// The descriptor of `elements` of `T` carried this way, or `None` when they do not fit
    /// the payload or `T` cannot travel this way (no reduction of `T` with this operator in
    /// [`local`]; padding bytes, which are not initialised, in a struct to be placed).
    pub(crate) fn descriptor<T: Element>(self, elements: usize) -> Option<u64> {
        let bytes = elements.checked_mul(size_of::<T>())?;
        if bytes > PAYLOAD_BYTES {
            return None;
        }
        match self {
            Carry::Reduce(kind) if local::reduces(T::LOCAL, kind) => {
                Some(descriptor(T::LOCAL, kind, size_of::<T>(), elements))
            }
            Carry::Place if T::WIRE_SIZE == size_of::<T>() => {
                Some(descriptor(codes::U8, OpKind::BOr, 1, bytes))
            }
            _ => None,
        }
    }
}

impl Envelope {
    /// An envelope of `words`, not flagged, with no payload.
    pub(crate) fn new(words: [u64; WORDS]) -> Envelope {
        let mut header = [0u64; HEADER_WORDS];
        header[..WORDS].copy_from_slice(&words);
        Envelope {
            header,
            payload: [0; PAYLOAD_BYTES],
        }
    }

    /// Copies `data` into the payload, from element `at` on.
    ///
    /// # Panics
    /// If `data` does not fit the payload there ([`Carry::descriptor`] says whether a whole
    /// collective's data fits).
    pub(crate) fn carry<T: Element>(&mut self, data: &[T], at: usize) {
        let bytes = size_of_val(data);
        let start = within_payload::<T>(at, bytes);
        assert!(
            T::WIRE_SIZE == size_of::<T>(),
            "a payload of a type with padding"
        );
        // SAFETY: `data` is valid for reads of `bytes` bytes, all initialised (`T` has no
        // padding: its wire size is its size, asserted above), and the payload holds at least
        // `start + bytes` bytes (`within_payload`); the two do not overlap.
        unsafe {
            std::ptr::copy_nonoverlapping(
                data.as_ptr().cast::<u8>(),
                self.payload.as_mut_ptr().add(start),
                bytes,
            );
        }
    }

    /// This envelope presenting the proof tag `tag` (at most `TAG_MASK`; 0 for none).
    pub(crate) fn tagged(mut self, tag: u64) -> Envelope {
        debug_assert!(tag <= TAG_MASK);
        self.header[WORDS] = (self.header[WORDS] & 1) | (tag << 1);
        self
    }

    /// Whether every rank that contributed to this envelope passed the same words.
    pub(crate) fn unanimous(&self) -> bool {
        self.header[WORDS] & 1 == 0
    }

    /// The proof tag every contributor presented, when they all presented the same one (0
    /// when none did, `MIXED` when two differ).
    pub(crate) fn tag(&self) -> u64 {
        self.header[WORDS] >> 1
    }

    /// The words, as agreed: every rank's when [`unanimous`](Envelope::unanimous).
    pub(crate) fn words(&self) -> [u64; WORDS] {
        let mut words = [0u64; WORDS];
        words.copy_from_slice(&self.header[..WORDS]);
        words
    }

    /// For an agreed envelope that is not unanimous, the smallest and the largest value the
    /// ranks passed for each word (the operation keeps the smallest in the payload then).
    pub(crate) fn ranges(&self) -> Option<([u64; WORDS], [u64; WORDS])> {
        if self.unanimous() {
            return None;
        }
        let smallest = std::array::from_fn(|index| word(&self.payload, index));
        Some((smallest, self.words()))
    }

    /// Reduces with `kind`, in rank order, the first `upto` blocks of `out.len()` elements of
    /// the payload (one per rank, each placed at its rank's offset) into `out`, then validates
    /// them as a receive does: a scan's result (`upto` = rank + 1) or an exscan's (`upto` =
    /// rank). Leaves `out` as it is when `upto` is 0.
    ///
    /// # Panics
    /// If the blocks do not fit the payload, or `T` and `kind` are not a pair `local` reduces.
    pub(crate) fn deliver_prefix<T: Element>(
        &self,
        out: &mut [T],
        upto: usize,
        kind: OpKind,
    ) -> SysResult {
        if upto == 0 {
            return Ok(());
        }
        let bytes = size_of_val(out);
        let mut folded = [0u8; PAYLOAD_BYTES];
        let first = within_payload::<T>(0, bytes);
        folded[..bytes].copy_from_slice(&self.payload[first..][..bytes]);
        for rank in 1..upto {
            let block = rank
                .checked_mul(out.len())
                .expect("a block inside the payload");
            let start = within_payload::<T>(block, bytes);
            let reduced = local::reduce_bytes(
                T::LOCAL,
                local::op_code(kind),
                out.len(),
                &self.payload[start..][..bytes],
                &mut folded[..bytes],
            );
            assert!(reduced, "a prefix of a pair `local` does not reduce");
        }
        // SAFETY: `out` is valid for writes of `bytes` bytes, and `folded` holds as many; they
        // do not overlap. As in `deliver`, `validate` repairs any invalid value before `out`
        // is read as `T`.
        unsafe {
            std::ptr::copy_nonoverlapping(folded.as_ptr(), out.as_mut_ptr().cast::<u8>(), bytes);
        }
        validate("MPI_Allreduce", out)
    }

    /// Copies the payload's elements from element `from` on into `out`, then validates them
    /// as a receive does (a `bool` that is not 0 or 1 is repaired and reported).
    ///
    /// # Panics
    /// If `out` does not fit the payload from there.
    pub(crate) fn deliver<T: Element>(&self, out: &mut [T], from: usize) -> SysResult {
        let bytes = size_of_val(out);
        let start = within_payload::<T>(from, bytes);
        // SAFETY: `out` is valid for writes of `bytes` bytes and the payload holds at least
        // `start + bytes` (`within_payload`); they do not overlap. The bytes written may be an
        // invalid value only for types with invalid bit patterns (`bool`), which `validate`
        // repairs before `out` is read as `T`, as after MPI writes into a receive buffer.
        unsafe {
            std::ptr::copy_nonoverlapping(
                self.payload.as_ptr().add(start),
                out.as_mut_ptr().cast::<u8>(),
                bytes,
            );
        }
        validate("MPI_Allreduce", out)
    }
}

/// The byte offset of element `element` of `T` in the payload.
///
/// # Panics
/// If `bytes` from there do not fit the payload.
fn within_payload<T>(element: usize, bytes: usize) -> usize {
    let start = element.checked_mul(size_of::<T>());
    match start.and_then(|start| Some(start).zip(start.checked_add(bytes))) {
        Some((start, end)) if end <= PAYLOAD_BYTES => start,
        _ => panic!("a payload of {bytes} bytes from element {element}"),
    }
}

/// Runs the fused agreement of `mine` on `comm`: every rank gets the same envelope back.
pub(crate) fn allreduce(comm: RawComm<'_>, mine: &Envelope) -> SysResult<Envelope> {
    // Initialised, as every receive buffer of this crate: whatever MPI writes or leaves, the
    // envelope holds values.
    let mut out = Envelope::new([0; WORDS]);
    // SAFETY: `mine` is one envelope, readable for `ENVELOPE_BYTES` bytes; `out` is writable
    // for as many, one element of the envelope datatype, which is all this rank asks MPI to
    // write.
    let result = unsafe {
        ffi::MPI_Allreduce(
            std::ptr::from_ref(mine).cast::<c_void>(),
            std::ptr::from_mut(&mut out).cast::<c_void>(),
            1,
            datatype(),
            operation(),
            comm.handle,
        )
    };
    code("MPI_Allreduce", result)?;
    Ok(out)
}

/// Starts the fused agreement of `envelopes[0]` into `envelopes[1]` on `comm` without
/// blocking (`MPI_Iallreduce`): every rank's `envelopes[1]` becomes the same once `request`
/// completes.
///
/// # Safety
/// MPI reads and writes `envelopes` until the request completes: they must stay where they are
/// and be used by nothing else until then (never freed before, leaked if it never completes).
pub(crate) unsafe fn iallreduce(
    comm: RawComm<'_>,
    envelopes: &mut [Envelope; 2],
    request: &mut ffi::MPI_Request,
) -> SysResult {
    let [mine, out] = envelopes;
    // Initialised, as every receive buffer of this crate (see `allreduce`).
    *out = Envelope::new([0; WORDS]);
    // SAFETY: `mine` and `out` are one envelope each, one element of the envelope datatype;
    // the caller keeps them alive and in place until the request completes.
    let result = unsafe {
        ffi::MPI_Iallreduce(
            std::ptr::from_ref(mine).cast::<c_void>(),
            std::ptr::from_mut(out).cast::<c_void>(),
            1,
            datatype(),
            operation(),
            comm.handle,
            request,
        )
    };
    code("MPI_Iallreduce", result)
}

/// The envelope's datatype, once made.
static TYPE: OnceLock<Handle<ffi::MPI_Datatype>> = OnceLock::new();

/// The envelope's operation, once made.
static OP: OnceLock<OpHandle> = OnceLock::new();

/// Frees the envelope's datatype and operation, if they were made: called once, right before
/// `MPI_Finalize`, when no communicator is left (MPICH reports datatypes still alive at
/// finalize as leaked).
pub(crate) fn release() {
    if let Some(&Handle(mut made)) = TYPE.get() {
        // SAFETY: `made` is a committed datatype of this module's, and no communicator is left
        // to use it: nothing calls `datatype()` after this (MPI is finalised right after).
        unsafe { ffi::MPI_Type_free(&mut made) };
    }
    if let Some(&OpHandle(mut made)) = OP.get() {
        // SAFETY: as above, for the operation.
        unsafe { ffi::MPI_Op_free(&mut made) };
    }
}

/// The envelope's datatype: `ENVELOPE_BYTES` contiguous bytes, made on first use and kept
/// until [`release`].
fn datatype() -> ffi::MPI_Datatype {
    TYPE.get_or_init(|| {
        let mut made = MaybeUninit::<ffi::MPI_Datatype>::uninit();
        // SAFETY: MPI writes the new datatype's handle; `RSMPI_UINT8_T` is a constant set
        // before `main`.
        let result = unsafe {
            ffi::MPI_Type_contiguous(
                ENVELOPE_BYTES as c_int,
                ffi::RSMPI_UINT8_T,
                made.as_mut_ptr(),
            )
        };
        made_or_panic("MPI_Type_contiguous", result);
        // SAFETY: MPI_Type_contiguous succeeded, so it wrote the handle.
        let mut made = unsafe { made.assume_init() };
        // SAFETY: `made` is a datatype just made, not yet committed.
        made_or_panic("MPI_Type_commit", unsafe {
            ffi::MPI_Type_commit(&mut made)
        });
        Handle(made)
    })
    .0
}

/// The envelope's operation, made on first use and kept until [`release`].
fn operation() -> ffi::MPI_Op {
    OP.get_or_init(|| {
        let mut made = MaybeUninit::<ffi::MPI_Op>::uninit();
        // SAFETY: `combine` is a valid `MPI_User_function` for the envelope datatype, the only
        // one it is used with, and lives as long as the program; MPI writes the handle.
        let result = unsafe { ffi::MPI_Op_create(Some(combine), 1, made.as_mut_ptr()) };
        made_or_panic("MPI_Op_create", result);
        // SAFETY: MPI_Op_create succeeded, so it wrote the handle.
        OpHandle(unsafe { made.assume_init() })
    })
    .0
}

/// A process-wide MPI handle, shared by the threads that may use MPI.
#[derive(Clone, Copy)]
struct Handle<T>(T);

// SAFETY: a datatype handle is a process-wide name of an MPI object (a pointer in Open MPI, an
// integer in MPICH), never written after it is made; only threads that may call MPI use it.
unsafe impl<T> Send for Handle<T> {}
// SAFETY: as for `Send`.
unsafe impl<T> Sync for Handle<T> {}

/// Panics with MPI's words when making the envelope's datatype or operation failed: nothing
/// can agree without them.
fn made_or_panic(function: &str, result: c_int) {
    if result != 0 {
        panic!(
            "spmd: {function} failed with error {result} ({}) while making the agreement before \
             collectives",
            error_string(result)
        );
    }
}

/// The envelope's operation: `inout = inout op input` for `*len` envelopes, as MPI calls a
/// user-defined operation. The envelopes are copied as bytes: MPI may hand buffers of its own,
/// aligned or not.
///
/// # Safety
/// `input` and `inout` must be valid for `*len` envelopes (reads, and reads and writes), as
/// MPI guarantees for the envelope datatype, the only one this operation is used with.
unsafe extern "C" fn combine(
    input: *mut c_void,
    inout: *mut c_void,
    len: *mut c_int,
    _datatype: *mut ffi::MPI_Datatype,
) {
    // SAFETY: MPI passes a valid count.
    let n = usize::try_from(unsafe { *len }).unwrap_or(0);
    for i in 0..n {
        // Copied in and out through raw pointers, so that nothing here relies on MPI's two
        // buffers not overlapping, nor on their alignment.
        let (mut incoming, mut accumulated) = ([0u8; ENVELOPE_BYTES], [0u8; ENVELOPE_BYTES]);
        // SAFETY: both buffers hold `n` envelopes of `ENVELOPE_BYTES` bytes (the caller's
        // contract), so the `i`th of each is inside them; the local arrays are as long.
        unsafe {
            std::ptr::copy(
                input.cast::<u8>().add(i * ENVELOPE_BYTES),
                incoming.as_mut_ptr(),
                ENVELOPE_BYTES,
            );
            std::ptr::copy(
                inout.cast::<u8>().add(i * ENVELOPE_BYTES),
                accumulated.as_mut_ptr(),
                ENVELOPE_BYTES,
            );
        }
        combine_bytes(&incoming, &mut accumulated);
        // SAFETY: as above, for writing the `i`th envelope of `inout`.
        unsafe {
            std::ptr::copy(
                accumulated.as_ptr(),
                inout.cast::<u8>().add(i * ENVELOPE_BYTES),
                ENVELOPE_BYTES,
            );
        }
    }
}

/// The `index`th header word of an envelope's bytes.
fn word(bytes: &[u8], index: usize) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[index * 8..][..8]);
    u64::from_ne_bytes(word)
}

/// Combines one incoming envelope into the accumulated one, both as bytes (MPI's buffers need
/// not be aligned for `u64`).
fn combine_bytes(incoming: &[u8], accumulated: &mut [u8]) {
    let header = HEADER_WORDS * 8;
    let (flag_in, flag_acc) = (word(incoming, WORDS), word(accumulated, WORDS));
    let tag = combine_tags(flag_in >> 1, flag_acc >> 1);
    let agreeing =
        flag_in & 1 == 0 && flag_acc & 1 == 0 && incoming[..WORDS * 8] == accumulated[..WORDS * 8];
    if agreeing {
        accumulated[WORDS * 8..][..8].copy_from_slice(&(tag << 1).to_ne_bytes());
        let descriptor = word(accumulated, WORDS - 1);
        if descriptor != 0 {
            let (ty, op, count) = decoded(descriptor);
            local::reduce_bytes(
                ty,
                op,
                count,
                &incoming[header..],
                &mut accumulated[header..],
            );
        }
        return;
    }
    // A flagged envelope keeps the smallest of the words in its payload (an unflagged one's
    // smallest are its words): with the largest in the header, a rank that sees the
    // disagreement can say what the ranks' values range over without asking them again.
    let smallest = |bytes: &[u8], index: usize| {
        if word(bytes, WORDS) & 1 == 0 {
            word(bytes, index)
        } else {
            word(&bytes[header..], index)
        }
    };
    for index in 0..WORDS {
        let larger = word(accumulated, index).max(word(incoming, index));
        let smaller = smallest(accumulated, index).min(smallest(incoming, index));
        accumulated[index * 8..][..8].copy_from_slice(&larger.to_ne_bytes());
        accumulated[header + index * 8..][..8].copy_from_slice(&smaller.to_ne_bytes());
    }
    accumulated[WORDS * 8..][..8].copy_from_slice(&((tag << 1) | 1).to_ne_bytes());
}

/// [`combine_bytes`] of two envelopes.
#[cfg(test)]
pub(crate) fn combine_one(incoming: &Envelope, accumulated: &mut Envelope) {
    // SAFETY: an envelope is `ENVELOPE_BYTES` initialised bytes (no padding: asserted by its
    // size), and any bytes written back are an envelope.
    let (incoming, accumulated) = unsafe {
        (
            std::slice::from_raw_parts(std::ptr::from_ref(incoming).cast::<u8>(), ENVELOPE_BYTES),
            std::slice::from_raw_parts_mut(
                std::ptr::from_mut(accumulated).cast::<u8>(),
                ENVELOPE_BYTES,
            ),
        )
    };
    combine_bytes(incoming, accumulated);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope(words: [u64; WORDS], data: &[f64]) -> Envelope {
        let mut envelope = Envelope::new(words);
        envelope.carry(data, 0);
        envelope
    }

    #[test]
    fn agreeing_envelopes_reduce_their_payloads() {
        let words = [1, 2, 3, 0, 5, 0, descriptor(codes::F64, OpKind::Sum, 8, 3)];
        let mut accumulated = envelope(words, &[1.0, 2.0, 3.0]);
        combine_one(&envelope(words, &[10.0, 20.0, 30.0]), &mut accumulated);
        combine_one(&envelope(words, &[100.0, 200.0, 300.0]), &mut accumulated);
        assert!(accumulated.unanimous());
        let mut out = [0.0; 3];
        accumulated.deliver(&mut out, 0).unwrap();
        assert_eq!(out, [111.0, 222.0, 333.0]);
    }

    #[test]
    fn proof_tags_combine_apart_from_the_words() {
        let words = [1, 2, 3, 0, 5, 0, descriptor(codes::F64, OpKind::Sum, 8, 1)];
        // Every rank presenting tag 7: agreed, tag 7, payload reduced.
        let mut accumulated = envelope(words, &[1.0]).tagged(7);
        combine_one(&envelope(words, &[2.0]).tagged(7), &mut accumulated);
        assert!(accumulated.unanimous());
        assert_eq!(accumulated.tag(), 7);
        let mut out = [0.0];
        accumulated.deliver(&mut out, 0).unwrap();
        assert_eq!(out, [3.0]);
        // A rank presenting none (or another): still agreed on the words, the tag mixed.
        for other in [0, 8] {
            let mut mixed = accumulated;
            combine_one(&envelope(words, &[4.0]).tagged(other), &mut mixed);
            assert!(mixed.unanimous());
            assert_eq!(mixed.tag(), MIXED);
            // Mixed stays mixed, whatever comes after.
            combine_one(&envelope(words, &[0.0]).tagged(7), &mut mixed);
            assert_eq!(mixed.tag(), MIXED);
        }
        // Disagreeing words with equal tags: flagged, the tag kept.
        let mut other = words;
        other[2] = 4;
        let mut flagged = envelope(words, &[1.0]).tagged(7);
        combine_one(&envelope(other, &[1.0]).tagged(7), &mut flagged);
        assert!(!flagged.unanimous());
        assert_eq!(flagged.tag(), 7);
    }

    #[test]
    fn disagreeing_envelopes_leave_the_payload_and_show_the_disagreement() {
        let words = [1, 2, 3, 0, 5, 0, descriptor(codes::F64, OpKind::Sum, 8, 1)];
        let mut other = words;
        other[2] = 4;
        let mut accumulated = envelope(words, &[1.0]);
        combine_one(&envelope(other, &[10.0]), &mut accumulated);
        assert!(!accumulated.unanimous());
        // Once the header shows a disagreement, no later envelope is reduced into it, and
        // the envelope holds the range of every word.
        combine_one(&envelope(words, &[100.0]), &mut accumulated);
        let mut lower = words;
        lower[2] = 1;
        let mut third = envelope(lower, &[1000.0]);
        combine_one(&accumulated, &mut third);
        for (combined, least) in [(accumulated, 3), (third, 1)] {
            let (smallest, largest) = combined.ranges().unwrap();
            assert_eq!((smallest[2], largest[2]), (least, 4));
            assert_eq!(smallest[..2], words[..2]);
            assert_eq!(largest[3..], words[3..]);
        }
    }

    #[test]
    fn ranges_do_not_depend_on_the_order_of_combination() {
        let base = [1, 2, 3, 0, 5, 0, 0];
        let ranks: Vec<[u64; WORDS]> = (0..4u64)
            .map(|rank| {
                let mut words = base;
                words[2] = [7, 3, 9, 5][rank as usize];
                words[3] = rank % 2;
                words
            })
            .collect();
        let orders: [[usize; 4]; 3] = [[0, 1, 2, 3], [3, 2, 1, 0], [2, 0, 3, 1]];
        for order in orders {
            // A chain in this order, and a tree: (a b) (c d).
            let mut chain = Envelope::new(ranks[order[0]]);
            for &rank in &order[1..] {
                combine_one(&Envelope::new(ranks[rank]), &mut chain);
            }
            let mut left = Envelope::new(ranks[order[0]]);
            combine_one(&Envelope::new(ranks[order[1]]), &mut left);
            let mut right = Envelope::new(ranks[order[2]]);
            combine_one(&Envelope::new(ranks[order[3]]), &mut right);
            combine_one(&left, &mut right);
            for combined in [chain, right] {
                let (smallest, largest) = combined.ranges().unwrap();
                assert_eq!((smallest[2], largest[2]), (3, 9));
                assert_eq!((smallest[3], largest[3]), (0, 1));
                assert_eq!((smallest[4], largest[4]), (5, 5));
            }
        }
        assert_eq!(Envelope::new(base).ranges(), None);
    }

    #[test]
    fn a_count_past_the_payload_reduces_only_what_fits() {
        let words = [
            1,
            2,
            3,
            0,
            5,
            0,
            descriptor(codes::U8, OpKind::BOr, 1, 1 << 30),
        ];
        let mut accumulated = Envelope::new(words);
        accumulated.carry(&[1u8; PAYLOAD_BYTES], 0);
        let mut incoming = Envelope::new(words);
        incoming.carry(&[2u8; PAYLOAD_BYTES], 0);
        combine_one(&incoming, &mut accumulated);
        let mut out = [0u8; PAYLOAD_BYTES];
        accumulated.deliver(&mut out, 0).unwrap();
        assert!(out.iter().all(|&byte| byte == 3));
    }

    #[test]
    fn offsets_are_bounded_by_the_payload_without_overflow() {
        assert_eq!(within_payload::<u64>(7, 8), 56);
        assert_eq!(within_payload::<u8>(PAYLOAD_BYTES, 0), PAYLOAD_BYTES);
        for (element, bytes) in [
            (8, 1),
            (0, PAYLOAD_BYTES + 1),
            (usize::MAX / 4, 8),
            (1, usize::MAX),
        ] {
            let refused = std::panic::catch_unwind(|| within_payload::<u64>(element, bytes));
            assert!(refused.is_err(), "{element} {bytes}");
        }
    }

    #[test]
    fn bools_from_a_peer_are_validated() {
        let words = [1, 2, 3, 0, 5, 0, descriptor(codes::BOOL, OpKind::LOr, 1, 2)];
        let mut accumulated = Envelope::new(words);
        accumulated.carry(&[7u8, 0], 0);
        let mut out = [false; 2];
        assert!(accumulated.deliver(&mut out, 0).is_err());
        assert_eq!(out, [true, false]);
    }
}
