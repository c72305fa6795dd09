//! Element types that can travel through MPI, and the reduction operators as types.

use half::{bf16, f16};
use mpi::datatype::Equivalence;
use mpi::ffi;
use mpi::raw::AsRaw;
use num_complex::{Complex32, Complex64};

pub(crate) mod sealed {
    #[diagnostic::on_unimplemented(
        message = "`{Self}` is not an element: only `#[derive(spmd::Element)]` makes a struct one",
        label = "`Element` cannot be implemented by hand",
        note = "derive it instead: `#[derive(Clone, Copy, PartialEq, Debug, spmd::Element)]` on a `#[repr(C)]` struct checks every field and builds the MPI datatype"
    )]
    pub trait Sealed: Sized {
        /// Whether every bit pattern of the type's size is a value of it (all but `bool`).
        const ANY_BITS_VALID: bool = true;
        /// The all-zero value, which receive buffers are filled with before MPI writes them.
        const ZERO: Self;
        /// The number of bytes of one element in a message: its size, less a struct's padding,
        /// which MPI does not move.
        const WIRE_SIZE: usize = size_of::<Self>();
        /// The offsets, within one element, of the bytes that must be 0 or 1 (those of its
        /// `bool`s): the only bytes a receive validates when `ANY_BITS_VALID` is false.
        fn bool_offsets() -> &'static [usize] {
            &[]
        }
        /// The reduction `kind` as a function for a user-defined MPI operation, for types MPI
        /// has no predefined operations for (`f16`, `bf16`); `None` for the others, which use
        /// MPI's own.
        fn user_op(kind: OpKind) -> Option<&'static super::UserOp> {
            let _ = kind;
            None
        }
        /// The type's code among those this crate reduces itself (`local::code`), for the
        /// fused agreement; 0 for types it does not (structs).
        const LOCAL: u8 = 0;
    }

    /// The supertrait that keeps [`Reduces`](super::Reduces) to this crate's pairs of operator
    /// and element type: no operator reduces a struct.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` cannot be made to reduce `{T}`: the pairs of operator and element are `spmd`'s own",
        label = "`Reduces` cannot be implemented outside `spmd`",
        note = "MPI's reduction operators apply only to the built-in element types; a struct that derives `spmd::Element` is never reduced: reduce its fields as separate buffers"
    )]
    pub trait SealedReduces<T> {}

    /// The supertrait that keeps [`ReduceOp`](super::ReduceOp) to this crate's operators.
    pub trait SealedOp {
        /// Which predefined MPI operation the operator is.
        const KIND: OpKind;
    }

    /// The predefined MPI reduction operations (mapped to their handles in `sys`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum OpKind {
        Sum,
        Prod,
        Min,
        Max,
        LAnd,
        LOr,
        LXor,
        BAnd,
        BOr,
        BXor,
    }
}

pub(crate) use sealed::OpKind;

/// The code of an element type that the fused agreement can reduce (`Sealed::LOCAL`), with
/// `local`'s functions; 0 for those it cannot (structs).
pub(crate) mod code {
    pub(crate) const I8: u8 = 1;
    pub(crate) const I16: u8 = 2;
    pub(crate) const I32: u8 = 3;
    pub(crate) const I64: u8 = 4;
    pub(crate) const ISIZE: u8 = 5;
    pub(crate) const U8: u8 = 6;
    pub(crate) const U16: u8 = 7;
    pub(crate) const U32: u8 = 8;
    pub(crate) const U64: u8 = 9;
    pub(crate) const USIZE: u8 = 10;
    pub(crate) const F32: u8 = 11;
    pub(crate) const F64: u8 = 12;
    pub(crate) const BOOL: u8 = 13;
    pub(crate) const C32: u8 = 14;
    pub(crate) const C64: u8 = 15;
    pub(crate) const F16: u8 = 16;
    pub(crate) const BF16: u8 = 17;
}

/// A type whose values `spmd` can send: every integer width, `f32`, `f64`, `bool`,
/// `Complex<f32>`, `Complex<f64>`, the half-precision floats `f16` and `bf16` of the
/// [`half`] crate, and `#[repr(C)]` structs of elements that derive it
/// ([`derive(Element)`](macro@crate::Element)).
///
/// Sealed: a struct becomes an element only through the derive, which checks every field, so
/// that every element has an exact MPI datatype. Structs travel through every op that does not
/// reduce; no reduction operator takes them ([`Reduces`]).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an element type `spmd` can send",
    label = "not an `spmd::Element`",
    note = "elements are the integers, `f32`, `f64`, `bool`, `Complex<f32>`, `Complex<f64>`, `f16`, `bf16`, and structs of elements with `#[repr(C)]` and `#[derive(Clone, Copy, PartialEq, Debug, spmd::Element)]`"
)]
pub trait Element:
    Copy + Send + Sync + PartialEq + std::fmt::Debug + 'static + sealed::Sealed
{
    /// The Rust name of the type, used in logs and error messages.
    const NAME: &'static str;

    /// The MPI datatype that describes one element.
    fn datatype() -> ffi::MPI_Datatype;
}

macro_rules! element {
    ($($t:ty => $code:ident),*) => {$(
        impl sealed::Sealed for $t {
            const ZERO: $t = 0 as $t;
            const LOCAL: u8 = code::$code;
        }
        impl Element for $t {
            const NAME: &'static str = stringify!($t);
            #[inline]
            fn datatype() -> ffi::MPI_Datatype {
                <$t as Equivalence>::equivalent_datatype().as_raw()
            }
        }
    )*};
}

element!(
    i8 => I8, i16 => I16, i32 => I32, i64 => I64, isize => ISIZE, u8 => U8, u16 => U16,
    u32 => U32, u64 => U64, usize => USIZE, f32 => F32, f64 => F64
);

impl sealed::Sealed for bool {
    const ANY_BITS_VALID: bool = false;
    const ZERO: bool = false;
    const LOCAL: u8 = code::BOOL;
    fn bool_offsets() -> &'static [usize] {
        &[0]
    }
}

// The derive's structs: their facts come from the `unsafe` trait the derive implements, whose
// contract it proves field by field.
impl<T: crate::structs::StructElement> sealed::Sealed for T {
    const ANY_BITS_VALID: bool = <T as crate::structs::StructElement>::ANY_BITS_VALID;
    const ZERO: T = <T as crate::structs::StructElement>::ZERO;
    const WIRE_SIZE: usize = <T as crate::structs::StructElement>::WIRE_SIZE;
    fn bool_offsets() -> &'static [usize] {
        T::layout().bools()
    }
}
impl Element for bool {
    const NAME: &'static str = "bool";
    #[inline]
    fn datatype() -> ffi::MPI_Datatype {
        <bool as Equivalence>::equivalent_datatype().as_raw()
    }
}

impl sealed::Sealed for Complex32 {
    const ZERO: Complex32 = Complex32::new(0.0, 0.0);
    const LOCAL: u8 = code::C32;
}
impl Element for Complex32 {
    const NAME: &'static str = "Complex<f32>";
    #[inline]
    fn datatype() -> ffi::MPI_Datatype {
        <Complex32 as Equivalence>::equivalent_datatype().as_raw()
    }
}

impl sealed::Sealed for Complex64 {
    const ZERO: Complex64 = Complex64::new(0.0, 0.0);
    const LOCAL: u8 = code::C64;
}
impl Element for Complex64 {
    const NAME: &'static str = "Complex<f64>";
    #[inline]
    fn datatype() -> ffi::MPI_Datatype {
        <Complex64 as Equivalence>::equivalent_datatype().as_raw()
    }
}

/// A reduction operator: `Sum`, `Prod`, `Min`, `Max`, `LAnd`, `LOr`, `LXor`, `BAnd`, `BOr`,
/// `BXor`.
///
/// Sealed: each operator is one of MPI's predefined operations.
pub trait ReduceOp: Copy + std::fmt::Debug + Send + Sync + 'static + sealed::SealedOp {
    /// The operator's name, used in logs and error messages.
    const NAME: &'static str;
}

/// `Self` can reduce elements of type `T`.
///
/// Only meaningful pairs are implemented, so that a bitwise reduction of floats or `Min` of
/// complex numbers is a compile error instead of an MPI error at run time. Sealed: no operator
/// reduces a struct that derives [`Element`], and none can be made to.
#[diagnostic::on_unimplemented(
    message = "the reduction operator `{Self}` cannot reduce elements of type `{T}`",
    label = "`{Self}` is not defined for `{T}`",
    note = "`Sum` and `Prod` take integers, floats (`f16` and `bf16` included) and complex numbers; `Min` and `Max` integers and floats; `LAnd`, `LOr` and `LXor` integers and `bool`; `BAnd`, `BOr` and `BXor` integers only",
    note = "structs that derive `spmd::Element` are never reduced: MPI's operators do not apply to them; reduce their fields as separate buffers"
)]
pub trait Reduces<T: Element>: ReduceOp + sealed::SealedReduces<T> {
    /// The identity of the operator: what `exscan` returns on rank 0.
    fn identity() -> T;
}

macro_rules! operator {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub struct $name;

        impl sealed::SealedOp for $name {
            const KIND: OpKind = OpKind::$name;
        }

        impl ReduceOp for $name {
            const NAME: &'static str = stringify!($name);
        }
    };
}

operator!(
    /// Sum of the elements (`MPI_SUM`).
    Sum
);
operator!(
    /// Product of the elements (`MPI_PROD`).
    Prod
);
operator!(
    /// Minimum (`MPI_MIN`).
    Min
);
operator!(
    /// Maximum (`MPI_MAX`).
    Max
);
operator!(
    /// Logical and (`MPI_LAND`): non-zero is true.
    LAnd
);
operator!(
    /// Logical or (`MPI_LOR`): non-zero is true.
    LOr
);
operator!(
    /// Logical exclusive or (`MPI_LXOR`): non-zero is true.
    LXor
);
operator!(
    /// Bitwise and (`MPI_BAND`).
    BAnd
);
operator!(
    /// Bitwise or (`MPI_BOR`).
    BOr
);
operator!(
    /// Bitwise exclusive or (`MPI_BXOR`).
    BXor
);

macro_rules! reduces {
    ($op:ident: $($t:ty => $identity:expr),* $(,)?) => {$(
        impl sealed::SealedReduces<$t> for $op {}
        impl Reduces<$t> for $op {
            #[inline]
            fn identity() -> $t {
                $identity
            }
        }
    )*};
}

macro_rules! integer_reductions {
    ($($t:ty),*) => {$(
        reduces!(Sum: $t => 0);
        reduces!(Prod: $t => 1);
        reduces!(Min: $t => <$t>::MAX);
        reduces!(Max: $t => <$t>::MIN);
        reduces!(LAnd: $t => 1);
        reduces!(LOr: $t => 0);
        reduces!(LXor: $t => 0);
        reduces!(BAnd: $t => !0);
        reduces!(BOr: $t => 0);
        reduces!(BXor: $t => 0);
    )*};
}

integer_reductions!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);

macro_rules! float_reductions {
    ($($t:ty),*) => {$(
        reduces!(Sum: $t => 0.0);
        reduces!(Prod: $t => 1.0);
        reduces!(Min: $t => <$t>::INFINITY);
        reduces!(Max: $t => <$t>::NEG_INFINITY);
    )*};
}

float_reductions!(f32, f64);

reduces!(Sum: Complex32 => Complex32::new(0.0, 0.0), Complex64 => Complex64::new(0.0, 0.0));
reduces!(Prod: Complex32 => Complex32::new(1.0, 0.0), Complex64 => Complex64::new(1.0, 0.0));
reduces!(LAnd: bool => true);
reduces!(LOr: bool => false);
reduces!(LXor: bool => false);

// ---- half-precision floats ------------------------------------------------------------------

/// A reduction MPI has no predefined operation for, done by a function of this crate that MPI
/// calls (a user-defined operation, `MPI_Op_create`): made the first time it is used, then
/// kept for the life of the process (MPI frees it at finalize).
pub struct UserOp {
    /// What MPI calls with `(in, inout, len, datatype)`: `inout[i] = inout[i] op in[i]`.
    pub(crate) function: UserFunction,
    /// The operation's handle, once made (by `sys`).
    pub(crate) handle: std::sync::OnceLock<OpHandle>,
}

/// The function of a user-defined MPI operation (`MPI_User_function`).
pub(crate) type UserFunction = unsafe extern "C" fn(
    *mut std::ffi::c_void,
    *mut std::ffi::c_void,
    *mut std::ffi::c_int,
    *mut ffi::MPI_Datatype,
);

/// An operation's handle, shared by the threads that may use MPI.
#[derive(Clone, Copy)]
pub(crate) struct OpHandle(pub(crate) ffi::MPI_Op);

// SAFETY: a handle is a process-wide name of an MPI object (a pointer in Open MPI, an integer in
// MPICH); MPI lets every thread that may call it use it, and only such threads reach `sys`.
unsafe impl Send for OpHandle {}
// SAFETY: as for `Send`; the handle is never written after it is made.
unsafe impl Sync for OpHandle {}

impl std::fmt::Debug for UserOp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserOp").finish_non_exhaustive()
    }
}

/// Combines `len` elements of `T` elementwise, `inout[i] = combine(inout[i], in[i])`, as MPI
/// asks of a user-defined operation. The elements are read and written unaligned: MPI may
/// hand any buffer of its own.
///
/// # Safety
/// `input` and `inout` must be valid for `*len` elements of `T` (reads, and reads and writes),
/// as MPI guarantees for the datatype the operation was used with; `len` must point to a
/// non-negative count.
unsafe extern "C" fn combine_elements<T: HalfFloat, const KIND: u8>(
    input: *mut std::ffi::c_void,
    inout: *mut std::ffi::c_void,
    len: *mut std::ffi::c_int,
    _datatype: *mut ffi::MPI_Datatype,
) {
    // SAFETY: MPI passes a valid count.
    let n = usize::try_from(unsafe { *len }).unwrap_or(0);
    let (input, inout) = (input.cast::<T>(), inout.cast::<T>());
    for i in 0..n {
        // SAFETY: both buffers hold `n` elements of `T` (the caller's contract); every bit
        // pattern of a half-precision float is a value.
        unsafe {
            let a = inout.add(i).read_unaligned();
            let b = input.add(i).read_unaligned();
            inout.add(i).write_unaligned(T::combine(KIND, a, b));
        }
    }
}

/// The arithmetic of `f16` and `bf16` that reductions need. Each operation is done in `f32`
/// and rounded once: `f32` carries more than twice the digits plus two of either type, so the
/// result is the correctly rounded one, as native half-precision arithmetic gives.
pub(crate) trait HalfFloat: Copy + sealed::Sealed + 'static {
    /// `a op b` for the reduction `kind` (`Sum`, `Prod`, `Min`, `Max`, numbered as
    /// [`HALF_SUM`] and the others). `Min` and `Max` keep `a` unless `b` is strictly
    /// smaller (larger), as MPI's own `MPI_MIN` and `MPI_MAX` do for `float`.
    fn combine(kind: u8, a: Self, b: Self) -> Self;
}

pub(crate) const HALF_SUM: u8 = 0;
pub(crate) const HALF_PROD: u8 = 1;
pub(crate) const HALF_MIN: u8 = 2;
pub(crate) const HALF_MAX: u8 = 3;

macro_rules! half_element {
    ($($t:ident => $code:ident),*) => {$(
        impl sealed::Sealed for $t {
            const ZERO: $t = $t::ZERO;
            const LOCAL: u8 = code::$code;
            fn user_op(kind: OpKind) -> Option<&'static UserOp> {
                static OPS: [UserOp; 4] = [
                    UserOp { function: combine_elements::<$t, HALF_SUM>, handle: std::sync::OnceLock::new() },
                    UserOp { function: combine_elements::<$t, HALF_PROD>, handle: std::sync::OnceLock::new() },
                    UserOp { function: combine_elements::<$t, HALF_MIN>, handle: std::sync::OnceLock::new() },
                    UserOp { function: combine_elements::<$t, HALF_MAX>, handle: std::sync::OnceLock::new() },
                ];
                match kind {
                    OpKind::Sum => Some(&OPS[0]),
                    OpKind::Prod => Some(&OPS[1]),
                    OpKind::Min => Some(&OPS[2]),
                    OpKind::Max => Some(&OPS[3]),
                    // `Reduces` gives half-precision floats no other operator.
                    _ => None,
                }
            }
        }

        impl Element for $t {
            const NAME: &'static str = stringify!($t);
            /// Two bytes with no arithmetic for MPI (`MPI_UINT16_T`): MPI moves them, and the
            /// reductions are this crate's own operations.
            #[inline]
            fn datatype() -> ffi::MPI_Datatype {
                <u16 as Equivalence>::equivalent_datatype().as_raw()
            }
        }

        impl HalfFloat for $t {
            #[inline]
            fn combine(kind: u8, a: $t, b: $t) -> $t {
                match kind {
                    HALF_SUM => a + b,
                    HALF_PROD => a * b,
                    HALF_MIN => if b < a { b } else { a },
                    _ => if b > a { b } else { a },
                }
            }
        }

        reduces!(Sum: $t => $t::ZERO);
        reduces!(Prod: $t => $t::ONE);
        reduces!(Min: $t => $t::INFINITY);
        reduces!(Max: $t => $t::NEG_INFINITY);
    )*};
}

half_element!(f16 => F16, bf16 => BF16);

#[cfg(test)]
mod tests {
    use super::*;
    use sealed::Sealed as _;

    /// Runs `kind`'s user function on `inout` and `input` as MPI would, from byte buffers
    /// offset by one so that the elements are not aligned.
    fn through_mpi_function<T: Element>(kind: OpKind, inout: &[T], input: &[T]) -> Vec<T> {
        let user = T::user_op(kind).expect("half types have user operations");
        let bytes = |values: &[T]| {
            let mut buffer = vec![0u8; 1 + size_of_val(values)];
            // SAFETY: `values` is plain data of `size_of_val` bytes.
            let raw = unsafe {
                std::slice::from_raw_parts(values.as_ptr().cast::<u8>(), size_of_val(values))
            };
            buffer[1..].copy_from_slice(raw);
            buffer
        };
        let (mut out, mut inp) = (bytes(inout), bytes(input));
        let mut len = std::ffi::c_int::try_from(inout.len()).unwrap();
        let mut datatype = T::datatype();
        // SAFETY: both buffers hold `len` elements from offset 1.
        unsafe {
            (user.function)(
                inp.as_mut_ptr().add(1).cast(),
                out.as_mut_ptr().add(1).cast(),
                &mut len,
                &mut datatype,
            );
        }
        (0..inout.len())
            .map(|i| {
                // SAFETY: element `i` lies within the buffer, read unaligned.
                unsafe { out.as_ptr().add(1).cast::<T>().add(i).read_unaligned() }
            })
            .collect()
    }

    #[test]
    fn half_sums_and_products_are_correctly_rounded() {
        // Every pair from a spread of f16 values, against f64 arithmetic (exact for one sum or
        // product of two f16 or bf16 values) rounded once.
        let values: Vec<f32> = (-40..=40)
            .map(|i| i as f32 * 0.37)
            .chain([1.0 + 2f32.powi(-10), 3.0 * 2f32.powi(-11), 65504.0, 1e-7])
            .collect();
        for &a in &values {
            let inout: Vec<f16> = values.iter().map(|_| f16::from_f32(a)).collect();
            let input: Vec<f16> = values.iter().map(|&b| f16::from_f32(b)).collect();
            let sums = through_mpi_function(OpKind::Sum, &inout, &input);
            let products = through_mpi_function(OpKind::Prod, &inout, &input);
            for ((&x, &y), (&sum, &product)) in
                inout.iter().zip(&input).zip(sums.iter().zip(&products))
            {
                let exact_sum = x.to_f64() + y.to_f64();
                let exact_product = x.to_f64() * y.to_f64();
                assert_eq!(
                    sum.to_bits(),
                    f16::from_f64(exact_sum).to_bits(),
                    "{x} + {y}"
                );
                assert_eq!(
                    product.to_bits(),
                    f16::from_f64(exact_product).to_bits(),
                    "{x} * {y}"
                );
            }
            let inout: Vec<bf16> = values.iter().map(|_| bf16::from_f32(a)).collect();
            let input: Vec<bf16> = values.iter().map(|&b| bf16::from_f32(b)).collect();
            let sums = through_mpi_function(OpKind::Sum, &inout, &input);
            for ((&x, &y), &sum) in inout.iter().zip(&input).zip(&sums) {
                let exact = x.to_f64() + y.to_f64();
                assert_eq!(sum.to_bits(), bf16::from_f64(exact).to_bits(), "{x} + {y}");
            }
        }
    }

    #[test]
    fn half_min_and_max_keep_the_first_unless_the_second_wins() {
        let nan = f16::NAN;
        let one = f16::ONE;
        let two = f16::from_f32(2.0);
        let min = through_mpi_function(OpKind::Min, &[one, two, nan, one], &[two, one, one, nan]);
        assert_eq!(min[..2], [one, one]);
        assert!(
            min[2].is_nan(),
            "NaN kept: nothing compares smaller than it"
        );
        assert_eq!(min[3], one, "a NaN coming in never wins");
        let max = through_mpi_function(OpKind::Max, &[one, two], &[two, one]);
        assert_eq!(max, [two, two]);
    }

    #[test]
    fn only_the_four_float_operators_exist_for_half_types() {
        assert!(f16::user_op(OpKind::BAnd).is_none());
        assert!(bf16::user_op(OpKind::LOr).is_none());
        assert!(f32::user_op(OpKind::Sum).is_none(), "MPI's own for f32");
        let sum = f16::user_op(OpKind::Sum).unwrap();
        assert!(!std::ptr::eq(sum, bf16::user_op(OpKind::Sum).unwrap()));
    }
}
