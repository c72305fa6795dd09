//! Structs as elements: what `#[derive(spmd::Element)]` implements, and the MPI datatype it
//! builds for a struct, once per type.
//!
//! The derive is the only way to make a struct an element without `unsafe`: [`Element`]
//! requires the crate's sealed supertrait, which is implemented for the built-in elements and
//! for every [`StructElement`], an `unsafe` trait whose contract the derive proves field by
//! field (every field a [`Field`], its offset taken with `offset_of!`).
//!
//! # Padding
//! A struct's datatype is an `MPI_Type_create_struct` of its fields, one block per field at
//! the field's offset, resized to `size_of` so that element `i` of a slice is found at
//! `i * size_of`. MPI reads and writes exactly the bytes of the fields, never the padding
//! between and after them: a send reads only initialised bytes (every field of a valid value
//! is initialised), and a receive leaves the padding of the receive buffer as it was. The
//! message itself carries no padding: its size is the sum of the fields' sizes
//! ([`StructElement::WIRE_SIZE`]), which the receives divide by to count elements.
//!
//! Why this is sound, op by op (the argument the `SAFETY` comments of `sys` rely on when they
//! pass a struct's datatype with a pointer):
//! - *Send*: MPI reads, for each of the `n` elements, the bytes the datatype's type map lists:
//!   each field's bytes at its `offset_of!` offset plus `i * size_of`. A `&[T]` of valid
//!   values has every such byte initialised; the padding, which may be uninitialised, is not
//!   in the type map and is never read.
//! - *Receive*: MPI writes only the same field bytes, inside the buffer (the receives never let
//!   it write more elements than the buffer holds). The buffer held valid values before (the
//!   allocating receives fill it with [`StructElement::ZERO`], the `_into` forms take the
//!   caller's values), so after the write every field holds either its old value or bytes MPI
//!   wrote: any bytes are a value of every field type but `bool`, and the `bool` bytes are
//!   validated (`sys::validate`, from [`Layout::bools`]) before safe code sees them. The
//!   padding is never written and never read as a value.

use std::any::TypeId;
use std::collections::HashMap;
use std::ffi::c_int;
use std::sync::{Mutex, OnceLock, RwLock};

use mpi::ffi;

use crate::element::Element;

/// A type a field of a `#[derive(spmd::Element)]` struct may have: every element (structs
/// that derive it included) and fixed-size arrays `[T; N]` of them.
///
/// # Safety
/// `ELEMENT_DATATYPE` must describe exactly the initialised, non-padding bytes of one
/// `Self::Base` at its extent `size_of::<Self::Base>()`, `Self` must be `COUNT` consecutive
/// `Base`s, `WIRE_SIZE` the number of bytes the datatype of `Self` moves, and `bool_offsets`
/// exactly the bytes that must be 0 or 1. Implemented here for elements and arrays; not for
/// user code.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a field of a `#[derive(spmd::Element)]` struct",
    label = "not an element, nor an array of elements",
    note = "a field must be an element (an integer, a float, `bool`, `Complex<f32>`, `Complex<f64>`, `f16`, `bf16`, or a struct that derives `spmd::Element` itself) or a fixed-size array `[T; N]` of elements: plain data, without references, pointers or heap memory"
)]
pub unsafe trait Field: Copy + Send + Sync + PartialEq + std::fmt::Debug + 'static {
    /// The element the field is made of (`Self` for an element, `T` for `[T; N]`).
    type Base: Element;
    /// How many `Base`s the field holds.
    const COUNT: usize;
    /// The all-zero value.
    const ZERO: Self;
    /// Whether every bit pattern of the field's non-padding bytes is a value.
    const ANY_BITS_VALID: bool;
    /// The number of bytes the field's data occupies on the wire (no padding).
    const WIRE_SIZE: usize;
}

// SAFETY: an element's datatype describes one element at its size (built-in types: their exact
// MPI type; structs: by this module's construction), and its sealed facts are the element's.
unsafe impl<T: Element> Field for T {
    type Base = T;
    const COUNT: usize = 1;
    const ZERO: T = <T as crate::element::sealed::Sealed>::ZERO;
    const ANY_BITS_VALID: bool = <T as crate::element::sealed::Sealed>::ANY_BITS_VALID;
    const WIRE_SIZE: usize = <T as crate::element::sealed::Sealed>::WIRE_SIZE;
}

// SAFETY: an array is `N` consecutive `T`s without padding between them, each `COUNT` bases.
unsafe impl<T: Field, const N: usize> Field for [T; N] {
    type Base = T::Base;
    const COUNT: usize = N * T::COUNT;
    const ZERO: [T; N] = [T::ZERO; N];
    const ANY_BITS_VALID: bool = T::ANY_BITS_VALID;
    const WIRE_SIZE: usize = N * T::WIRE_SIZE;
}

/// A struct that `#[derive(spmd::Element)]` made an element. Not a public API: implement it
/// through the derive.
///
/// # Safety
/// `Self` must be a struct whose fields are all [`Field`]s, `ZERO` its value with every field
/// zero, `ANY_BITS_VALID` whether every field's is, `WIRE_SIZE` the sum of the fields', and
/// `layout` must return a [`Layout`] built by [`Layout::build`] from exactly the fields and
/// offsets of `Self`.
#[doc(hidden)]
pub unsafe trait StructElement: Copy + Send + Sync + 'static {
    /// The value with every field zero.
    const ZERO: Self;
    /// Whether every bit pattern of every field is a value (no `bool` inside).
    const ANY_BITS_VALID: bool;
    /// The number of bytes one element occupies on the wire: the fields' sizes, no padding.
    const WIRE_SIZE: usize;
    /// The struct's MPI datatype and the offsets of its `bool` bytes, built once.
    fn layout() -> &'static Layout;
}

/// One field of a struct, as [`Layout::build`] takes it.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct FieldLayout {
    offset: usize,
    count: usize,
    base_size: usize,
    datatype: fn() -> ffi::MPI_Datatype,
    bools: fn() -> &'static [usize],
}

impl FieldLayout {
    /// The field of type `F` at byte `offset` of its struct.
    pub fn of<F: Field>(offset: usize) -> FieldLayout {
        FieldLayout {
            offset,
            count: F::COUNT,
            base_size: size_of::<F::Base>(),
            datatype: <F::Base as Element>::datatype,
            bools: <F::Base as crate::element::sealed::Sealed>::bool_offsets,
        }
    }
}

/// A struct's committed MPI datatype and where its `bool` bytes lie, made on first use and
/// kept for the life of the process (MPI frees it at finalize).
#[doc(hidden)]
pub struct Layout {
    datatype: DatatypeHandle,
    bools: Box<[usize]>,
}

impl std::fmt::Debug for Layout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Layout")
            .field("bools", &self.bools)
            .finish_non_exhaustive()
    }
}

/// A datatype's handle, shared by the threads that may use MPI.
#[derive(Clone, Copy)]
struct DatatypeHandle(ffi::MPI_Datatype);

/// Every struct datatype made, freed right before `MPI_Finalize` ([`release`]).
static MADE: Mutex<Vec<DatatypeHandle>> = Mutex::new(Vec::new());

/// Frees the struct datatypes made so far: called once, right before `MPI_Finalize`, when no
/// communicator is left to use them (MPICH reports datatypes still alive at finalize as
/// leaked).
pub(crate) fn release() {
    let made = std::mem::take(&mut *MADE.lock().unwrap_or_else(|poison| poison.into_inner()));
    for DatatypeHandle(mut datatype) in made {
        // SAFETY: `datatype` is a committed datatype made by `Layout::build`, freed once (taken
        // out of the list), and no communicator is left to use it: MPI is finalised right
        // after this.
        unsafe { ffi::MPI_Type_free(&mut datatype) };
    }
}

// SAFETY: a handle is a process-wide name of an MPI object (a pointer in Open MPI, an integer in
// MPICH); MPI lets every thread that may call it use it, and only such threads make ops.
unsafe impl Send for DatatypeHandle {}
// SAFETY: as for `Send`; the handle is never written after it is made.
unsafe impl Sync for DatatypeHandle {}

impl Layout {
    /// The datatype of `T`, a struct of `size_of::<T>()` bytes with `fields`: one block per
    /// field (`count` base elements at its offset), resized to the struct's size, committed.
    /// Panics if MPI is not initialised or refuses.
    pub fn build<T: 'static>(name: &str, fields: &[FieldLayout]) -> Layout {
        let mut initialised: c_int = 0;
        // SAFETY: `initialised` is a valid out-pointer; MPI_Initialized may be called any time.
        unsafe { ffi::MPI_Initialized(&mut initialised) };
        assert!(
            initialised != 0,
            "spmd: the MPI datatype of `{name}` is made when it is first sent or received, \
             which needs MPI: call `spmd::init()` first"
        );
        let too_large = |what: usize| -> ! {
            panic!("spmd: `{name}` is too large for an MPI datatype ({what} elements or bytes)")
        };
        let lengths: Vec<c_int> = fields
            .iter()
            .map(|f| c_int::try_from(f.count).unwrap_or_else(|_| too_large(f.count)))
            .collect();
        let offsets: Vec<ffi::MPI_Aint> = fields
            .iter()
            .map(|f| ffi::MPI_Aint::try_from(f.offset).unwrap_or_else(|_| too_large(f.offset)))
            .collect();
        let types: Vec<ffi::MPI_Datatype> = fields.iter().map(|f| (f.datatype)()).collect();
        let n = c_int::try_from(fields.len()).unwrap_or_else(|_| too_large(fields.len()));
        let size = size_of::<T>();
        let extent = ffi::MPI_Aint::try_from(size).unwrap_or_else(|_| too_large(size));
        let check = |function: &str, code: c_int| {
            assert!(
                code == 0,
                "spmd: {function} failed (error {code}) making the MPI datatype of `{name}`"
            );
        };
        let mut packed = std::mem::MaybeUninit::<ffi::MPI_Datatype>::uninit();
        // SAFETY: the three arrays hold `n` entries each; `packed` is a valid out-pointer.
        let code = unsafe {
            ffi::MPI_Type_create_struct(
                n,
                lengths.as_ptr(),
                offsets.as_ptr(),
                types.as_ptr(),
                packed.as_mut_ptr(),
            )
        };
        check("MPI_Type_create_struct", code);
        // SAFETY: the call succeeded, so it wrote the handle.
        let mut packed = unsafe { packed.assume_init() };
        let mut resized = std::mem::MaybeUninit::<ffi::MPI_Datatype>::uninit();
        // SAFETY: `packed` is a valid datatype; `resized` is a valid out-pointer.
        let code = unsafe { ffi::MPI_Type_create_resized(packed, 0, extent, resized.as_mut_ptr()) };
        check("MPI_Type_create_resized", code);
        // SAFETY: the call succeeded, so it wrote the handle.
        let mut resized = unsafe { resized.assume_init() };
        // SAFETY: `resized` is a valid, uncommitted datatype.
        check("MPI_Type_commit", unsafe {
            ffi::MPI_Type_commit(&mut resized)
        });
        // SAFETY: `packed` is no longer needed: the resized type keeps what it describes.
        check("MPI_Type_free", unsafe { ffi::MPI_Type_free(&mut packed) });
        let mut bools = Vec::new();
        for field in fields {
            let inner = (field.bools)();
            for i in 0..field.count {
                bools.extend(inner.iter().map(|b| field.offset + i * field.base_size + b));
            }
        }
        MADE.lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .push(DatatypeHandle(resized));
        Layout {
            datatype: DatatypeHandle(resized),
            bools: bools.into_boxed_slice(),
        }
    }

    /// The layout of the generic struct `T`, made by `build` the first time it is asked for:
    /// a `static` in a generic function is one for all its instances, so these are kept by
    /// type.
    pub fn cached<T: 'static>(build: impl FnOnce() -> Layout) -> &'static Layout {
        static LAYOUTS: OnceLock<RwLock<HashMap<TypeId, &'static Layout>>> = OnceLock::new();
        let layouts = LAYOUTS.get_or_init(Default::default);
        let key = TypeId::of::<T>();
        if let Some(layout) = layouts.read().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return layout;
        }
        // Built without the lock: a generic struct's fields may be generic structs, whose
        // layouts are looked up here too. Two threads that race may both build one; the first
        // stored is kept, the other's committed datatype stays unused (MPI frees it at
        // finalize).
        let built: &'static Layout = Box::leak(Box::new(build()));
        let mut layouts = layouts.write().unwrap_or_else(|e| e.into_inner());
        layouts.entry(key).or_insert(built)
    }

    /// The committed datatype of one element.
    #[inline]
    pub fn datatype(&self) -> ffi::MPI_Datatype {
        self.datatype.0
    }

    /// The offsets, within one element, of the bytes that hold a `bool`.
    #[inline]
    pub fn bools(&self) -> &[usize] {
        &self.bools
    }
}
