//! Reductions computed by this crate, with the semantics of MPI's predefined operations: what
//! the fused agreement (see [`guard`](crate::guard)) applies to the data it carries.
//!
//! Every pair of operator and element type that [`Reduces`](crate::Reduces) allows has its
//! function here, written as MPI's C code computes it: integer `Sum` and `Prod` wrap; the
//! logical operators give 0 or 1; `Min` and `Max` keep the accumulated value unless the
//! incoming one is strictly smaller (larger), which gives MPI's answer wherever the answer does
//! not depend on the order of combination (with a NaN, or zeros of both signs, it does, and
//! may differ from MPI's); `f16` and `bf16` use the functions of their user-defined
//! operations.
//!
//! The data arrives as bytes from other ranks: it is read unaligned as the element type, whose
//! every bit pattern is a value here (`bool` is reduced as its byte, any non-zero being true,
//! and the result validated where it is copied into the caller's elements).

use half::{bf16, f16};
use num_complex::{Complex32, Complex64};

use crate::element::{HALF_MAX, HALF_MIN, HALF_PROD, HALF_SUM, HalfFloat, OpKind, code};

/// The number of an operator in a descriptor.
pub(crate) const fn op_code(kind: OpKind) -> u8 {
    match kind {
        OpKind::Sum => 1,
        OpKind::Prod => 2,
        OpKind::Min => 3,
        OpKind::Max => 4,
        OpKind::LAnd => 5,
        OpKind::LOr => 6,
        OpKind::LXor => 7,
        OpKind::BAnd => 8,
        OpKind::BOr => 9,
        OpKind::BXor => 10,
    }
}

/// The operator numbered `code`, if any.
fn op_kind(code: u8) -> Option<OpKind> {
    Some(match code {
        1 => OpKind::Sum,
        2 => OpKind::Prod,
        3 => OpKind::Min,
        4 => OpKind::Max,
        5 => OpKind::LAnd,
        6 => OpKind::LOr,
        7 => OpKind::LXor,
        8 => OpKind::BAnd,
        9 => OpKind::BOr,
        10 => OpKind::BXor,
        _ => return None,
    })
}

/// `$call::<T>($args)` for the type `T` whose code is `$ty`; `false` for an unknown code.
macro_rules! by_code {
    ($ty:expr, $call:ident($($arg:expr),*)) => {
        match $ty {
            code::I8 => $call::<i8>($($arg),*),
            code::I16 => $call::<i16>($($arg),*),
            code::I32 => $call::<i32>($($arg),*),
            code::I64 => $call::<i64>($($arg),*),
            code::ISIZE => $call::<isize>($($arg),*),
            code::U8 => $call::<u8>($($arg),*),
            code::U16 => $call::<u16>($($arg),*),
            code::U32 => $call::<u32>($($arg),*),
            code::U64 => $call::<u64>($($arg),*),
            code::USIZE => $call::<usize>($($arg),*),
            code::F32 => $call::<f32>($($arg),*),
            code::F64 => $call::<f64>($($arg),*),
            code::BOOL => $call::<Truth>($($arg),*),
            code::C32 => $call::<Complex32>($($arg),*),
            code::C64 => $call::<Complex64>($($arg),*),
            code::F16 => $call::<f16>($($arg),*),
            code::BF16 => $call::<bf16>($($arg),*),
            _ => false,
        }
    };
}

/// Whether this module reduces elements of the type coded `ty` with `kind`.
pub(crate) fn reduces(ty: u8, kind: OpKind) -> bool {
    by_code!(ty, defined(kind))
}

/// Whether this module reduces elements of `T` with `kind`.
pub(crate) fn reduces_type<T: crate::element::Element>(kind: OpKind) -> bool {
    reduces(T::LOCAL, kind)
}

/// Whether `T` has a function for `kind`.
fn defined<T: Arith>(kind: OpKind) -> bool {
    T::function(kind).is_some()
}

/// `inout[i] = inout[i] op input[i]` for the first `count` elements of type `ty` (a [`code`])
/// held in the two byte slices, as far as both hold whole elements. Returns whether the type
/// and operator are a pair this crate reduces (nothing is written otherwise).
pub(crate) fn reduce_bytes(ty: u8, op: u8, count: usize, input: &[u8], inout: &mut [u8]) -> bool {
    let Some(kind) = op_kind(op) else {
        return false;
    };
    by_code!(ty, each(kind, count, input, inout))
}

/// The elementwise loop of [`reduce_bytes`] for one type.
fn each<T: Arith>(kind: OpKind, count: usize, input: &[u8], inout: &mut [u8]) -> bool {
    let Some(combine) = T::function(kind) else {
        return false;
    };
    let size = size_of::<T>();
    let n = count.min(input.len() / size).min(inout.len() / size);
    for i in 0..n {
        let (a, b) = (&inout[i * size..][..size], &input[i * size..][..size]);
        // SAFETY: `a` and `b` hold `size_of::<T>()` bytes each (sliced above), every bit
        // pattern of which is a `T` (`Arith` is implemented only for such types).
        let (a, b) = unsafe {
            (
                a.as_ptr().cast::<T>().read_unaligned(),
                b.as_ptr().cast::<T>().read_unaligned(),
            )
        };
        let value = combine(a, b);
        // SAFETY: as above: the `size` bytes at `i * size` are inside `inout`.
        unsafe {
            inout[i * size..][..size]
                .as_mut_ptr()
                .cast::<T>()
                .write_unaligned(value)
        };
    }
    true
}

/// An element type reduced by this module: every bit pattern of its size is a value.
trait Arith: Copy {
    /// `(accumulated, incoming) -> accumulated op incoming`, for the operators MPI defines on
    /// the type.
    fn function(kind: OpKind) -> Option<fn(Self, Self) -> Self>;
}

macro_rules! integers {
    ($($t:ty),*) => {$(
        impl Arith for $t {
            fn function(kind: OpKind) -> Option<fn($t, $t) -> $t> {
                Some(match kind {
                    OpKind::Sum => |a: $t, b: $t| a.wrapping_add(b),
                    OpKind::Prod => |a: $t, b: $t| a.wrapping_mul(b),
                    OpKind::Min => |a: $t, b: $t| if b < a { b } else { a },
                    OpKind::Max => |a: $t, b: $t| if b > a { b } else { a },
                    OpKind::LAnd => |a: $t, b: $t| <$t>::from(a != 0 && b != 0),
                    OpKind::LOr => |a: $t, b: $t| <$t>::from(a != 0 || b != 0),
                    OpKind::LXor => |a: $t, b: $t| <$t>::from((a != 0) != (b != 0)),
                    OpKind::BAnd => |a: $t, b: $t| a & b,
                    OpKind::BOr => |a: $t, b: $t| a | b,
                    OpKind::BXor => |a: $t, b: $t| a ^ b,
                })
            }
        }
    )*};
}

integers!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);

macro_rules! floats {
    ($($t:ty),*) => {$(
        impl Arith for $t {
            fn function(kind: OpKind) -> Option<fn($t, $t) -> $t> {
                Some(match kind {
                    OpKind::Sum => |a: $t, b: $t| a + b,
                    OpKind::Prod => |a: $t, b: $t| a * b,
                    // The accumulated value `a` stays unless `b` is strictly smaller (larger),
                    // so with a NaN on either side `a` stays. MPI's C code keeps its
                    // accumulated value only when that is strictly smaller, and MPI chooses
                    // which operand is which: with a NaN, or zeros of both signs, the survivor
                    // depends on the order of combination either way, and may differ from
                    // what MPI's own operation gives (the reductions chapter).
                    OpKind::Min => |a: $t, b: $t| if b < a { b } else { a },
                    OpKind::Max => |a: $t, b: $t| if b > a { b } else { a },
                    _ => return None,
                })
            }
        }
    )*};
}

floats!(f32, f64);

macro_rules! complex {
    ($($t:ty),*) => {$(
        impl Arith for $t {
            fn function(kind: OpKind) -> Option<fn($t, $t) -> $t> {
                Some(match kind {
                    OpKind::Sum => |a: $t, b: $t| a + b,
                    // `num_complex`'s product is the textbook formula, as MPICH computes it;
                    // Open MPI's C `a * b` differs only where an operand is infinite or NaN
                    // (C's Annex G recovery of infinities).
                    OpKind::Prod => |a: $t, b: $t| a * b,
                    _ => return None,
                })
            }
        }
    )*};
}

complex!(Complex32, Complex64);

macro_rules! halves {
    ($($t:ty),*) => {$(
        impl Arith for $t {
            fn function(kind: OpKind) -> Option<fn($t, $t) -> $t> {
                Some(match kind {
                    OpKind::Sum => |a: $t, b: $t| <$t>::combine(HALF_SUM, a, b),
                    OpKind::Prod => |a: $t, b: $t| <$t>::combine(HALF_PROD, a, b),
                    OpKind::Min => |a: $t, b: $t| <$t>::combine(HALF_MIN, a, b),
                    OpKind::Max => |a: $t, b: $t| <$t>::combine(HALF_MAX, a, b),
                    _ => return None,
                })
            }
        }
    )*};
}

halves!(f16, bf16);

/// A `bool` as the byte it travels as: any non-zero byte is true, and the logical operators
/// give 0 or 1, as MPI's `MPI_C_BOOL` operations do.
#[derive(Clone, Copy)]
#[repr(transparent)]
struct Truth(u8);

impl Arith for Truth {
    fn function(kind: OpKind) -> Option<fn(Truth, Truth) -> Truth> {
        Some(match kind {
            OpKind::LAnd => |a: Truth, b: Truth| Truth(u8::from(a.0 != 0 && b.0 != 0)),
            OpKind::LOr => |a: Truth, b: Truth| Truth(u8::from(a.0 != 0 || b.0 != 0)),
            OpKind::LXor => |a: Truth, b: Truth| Truth(u8::from((a.0 != 0) != (b.0 != 0))),
            _ => return None,
        })
    }
}
