//! The values the evaluation follows: integers and booleans computed from the rank, the size,
//! literals and constants, and what is built from them (tuples, arrays, `Option`s, ranges, the
//! peers of point-to-point ops). Anything else is [`Value::Unknown`].

/// A value of the evaluated body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value {
    /// An integer of any Rust type (`usize` arithmetic below zero gives a negative value).
    Int(i128),
    Bool(bool),
    Tuple(Vec<Value>),
    /// An array literal, or a range made into items (`(a..b).rev()`).
    Array(Vec<Value>),
    /// `Some(..)` or `None`.
    Opt(Option<Box<Value>>),
    /// `start..end`, `end` excluded.
    Range(i128, i128),
    /// `Source::rank(r)`, `.tag(t)`, `ANY_SOURCE`: `None` is any.
    Source {
        rank: Option<i128>,
        tag: Option<i128>,
    },
    /// `Dest::rank(r)`, `.tag(t)`.
    Dest {
        rank: i128,
        tag: i128,
    },
    /// An explicit token, as `spmd::token()` or an op returns it (or a value holding one).
    Token,
    /// Not computed from the rank and size.
    Unknown,
}

impl Value {
    /// The integer, if it is one.
    pub(crate) fn int(&self) -> Option<i128> {
        match self {
            Value::Int(value) => Some(*value),
            _ => None,
        }
    }

    /// The boolean, if it is one.
    pub(crate) fn bool(&self) -> Option<bool> {
        match self {
            Value::Bool(value) => Some(*value),
            _ => None,
        }
    }

    /// Whether a token is inside (a token, or a tuple or array holding one).
    pub(crate) fn holds_token(&self) -> bool {
        match self {
            Value::Token => true,
            Value::Tuple(items) | Value::Array(items) => items.iter().any(Value::holds_token),
            Value::Opt(Some(inner)) => inner.holds_token(),
            _ => false,
        }
    }

    /// The items of an iterable value (`a..b`, an array), at most `limit` of them.
    pub(crate) fn items(&self, limit: usize) -> Option<Vec<Value>> {
        match self {
            Value::Range(start, end) => {
                let len = usize::try_from(end.saturating_sub(*start).max(0)).ok()?;
                if len > limit {
                    return None;
                }
                Some((*start..*end).map(Value::Int).collect())
            }
            Value::Array(items) if items.len() <= limit => Some(items.clone()),
            _ => None,
        }
    }
}
