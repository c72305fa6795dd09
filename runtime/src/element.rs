//! Element types that can travel through MPI, and the reduction operators as types.

use mpi::datatype::Equivalence;
use mpi::ffi;
use mpi::raw::AsRaw;
use num_complex::{Complex32, Complex64};

pub(crate) mod sealed {
    pub trait Sealed {
        /// Whether every bit pattern of the type's size is a value of it (all but `bool`).
        const ANY_BITS_VALID: bool = true;
        /// The all-zero value, which receive buffers are filled with before MPI writes them.
        const ZERO: Self;
    }

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

/// A type whose values `spmd` can send: every integer width, `f32`, `f64`, `bool`,
/// `Complex<f32>` and `Complex<f64>`.
///
/// Sealed: the set is fixed so that every element has an exact MPI datatype.
pub trait Element:
    Copy + Send + Sync + PartialEq + std::fmt::Debug + 'static + sealed::Sealed
{
    /// The Rust name of the type, used in logs and error messages.
    const NAME: &'static str;

    /// The MPI datatype that describes one element.
    fn datatype() -> ffi::MPI_Datatype;
}

macro_rules! element {
    ($($t:ty),*) => {$(
        impl sealed::Sealed for $t {
            const ZERO: $t = 0 as $t;
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

element!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize, f32, f64);

impl sealed::Sealed for bool {
    const ANY_BITS_VALID: bool = false;
    const ZERO: bool = false;
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
/// complex numbers is a compile error instead of an MPI error at run time.
#[diagnostic::on_unimplemented(
    message = "the reduction operator `{Self}` cannot reduce elements of type `{T}`",
    label = "`{Self}` is not defined for `{T}`",
    note = "`Sum` and `Prod` take integers, floats and complex numbers; `Min` and `Max` integers and floats; `LAnd`, `LOr` and `LXor` integers and `bool`; `BAnd`, `BOr` and `BXor` integers only"
)]
pub trait Reduces<T: Element>: ReduceOp {
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
