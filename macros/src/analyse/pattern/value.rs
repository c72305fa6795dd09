//! The values the evaluation follows: integers and booleans computed from the rank, the size,
//! literals and constants, and what is built from them (tuples, arrays, `Option`s, ranges, the
//! peers of point-to-point ops, process grids). Anything else is [`Value::Unknown`].

/// A value of the evaluated body.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
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
    /// `Dest::none()`, `Source::none()` (with any tag): no peer, so the send or receive
    /// does nothing.
    NoOne,
    /// `comm.cartesian(dims, periodic)`: the ranks on a grid of `dims` (chosen where 0),
    /// periodic or not per axis, as `rank` sees it.
    Grid {
        dims: Vec<i128>,
        periodic: Vec<bool>,
        rank: i128,
    },
    /// The request a nonblocking op returned, by its number in the rank's trace.
    Request(usize),
    /// A communicator that `split` made in the body, with its members.
    Comm(std::rc::Rc<super::trace::Group>),
    /// An explicit token, as `spmd::token()` or an op returns it (or a value holding one).
    Token,
    /// A struct built by a literal of the crate's code (`Grid { rows: 2, cols }`): its type's
    /// name and its fields' values.
    Struct {
        ty: String,
        fields: Vec<(String, Value)>,
    },
    /// A variant of an enum of the crate (`Side::West`), or `Ok(..)`/`Err(..)` (`ty` is
    /// `Result`), with its fields' values.
    Variant {
        ty: String,
        name: String,
        fields: Vec<Value>,
    },
    /// `Ok(value)` on the path where a function of the crate succeeds, which may also have
    /// returned an `Err` on a path the evaluation could not decide.
    MaybeOk(Box<Value>),
    /// Some value of the crate's type `ty` (`self`, a parameter whose type is written): its
    /// fields are what every constructor of the crate sets them to, and its methods are the
    /// type's `impl`s.
    Obj {
        ty: String,
    },
    /// Not computed from the rank and size, but provably the same on every rank: the result
    /// of a collective that hands every rank the same value (`allreduce`, `bcast`,
    /// `allgather`), a literal the evaluation does not compute (`1e-4`), and what is computed
    /// from these and integers. Branches on it take the same direction on every rank.
    Uniform(std::rc::Rc<Sym>),
    /// A closure that does not communicate nor assign, by the address of its syntax node
    /// (kept for the check under way, see `interp::closures`), with the values of
    /// the variables in scope where it was made: a call of it evaluates its body with them.
    Closure {
        id: usize,
        env: std::rc::Rc<Vec<(String, Value)>>,
    },
    /// The argument a call of the crate passes, taken per rank: the value of the expression
    /// of `site` when its function runs on the rank evaluated (see
    /// `interp::callers_arguments`); `text` is the call's function, for messages. Bound to a
    /// parameter, it becomes that value.
    AtCall {
        site: std::rc::Rc<Site>,
        text: String,
    },
    /// Not computed from the rank and size.
    Unknown,
}

/// Where a value is made: the function, and the expression that gives it (a field's value in
/// a struct literal, an argument of a call).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Site {
    pub(crate) fn_name: String,
    /// The function's body, by identity.
    pub(crate) block: usize,
    /// The expression, by identity.
    pub(crate) target: usize,
}

/// A uniform value, as written symbolically: equal texts are equal values on every rank (the
/// same collective, by its site and its number among the rank's collectives, and the same
/// operations on it).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Sym {
    pub(crate) text: String,
    /// The collectives it is computed from, by (site, number): none for a constant.
    pub(crate) bases: Vec<(usize, usize)>,
    /// For whether a loop goes on at its k-th trip: the loop and its bounds without `k`. The
    /// conditions of one family are met in order and the loop stops at the first that is
    /// false: they combine freely.
    pub(crate) family: Option<String>,
}

/// The longest text a symbol keeps as written: a longer one is kept as its digest (a value
/// summed over a loop's trips would otherwise grow its text, and the cost of each step with
/// it, at every trip).
const TEXT_LIMIT: usize = 96;

impl Sym {
    /// A uniform value: `text` and the collectives it comes from.
    pub(crate) fn value(text: String, bases: Vec<(usize, usize)>) -> Value {
        Value::Uniform(std::rc::Rc::new(Sym {
            text: compact(text),
            bases,
            family: None,
        }))
    }
}

/// `text`, or its digest if longer than [`TEXT_LIMIT`]: 128 bits of two salted hashes, so that equal texts have equal digests in every run (a symbol's text is compared,
/// never shown), and different ones, at the counts of symbols a check makes, do not meet.
fn compact(text: String) -> String {
    use std::hash::{Hash, Hasher};
    if text.len() <= TEXT_LIMIT {
        return text;
    }
    let digest = |salt: u8| {
        // `DefaultHasher::new()` hashes alike in every run of a program.
        let mut hasher = std::hash::DefaultHasher::new();
        salt.hash(&mut hasher);
        text.hash(&mut hasher);
        hasher.finish()
    };
    format!("#{:016x}{:016x}", digest(1), digest(2))
}

/// A value as a part of a uniform value's text: an integer or boolean (whose value then enters
/// the text: ranks with different ones get different symbols), or a uniform value; `None`
/// for anything else.
pub(crate) fn sym_part(value: &Value) -> Option<(String, Vec<(usize, usize)>)> {
    match value {
        Value::Int(v) => Some((v.to_string(), Vec::new())),
        Value::Bool(b) => Some((b.to_string(), Vec::new())),
        Value::Uniform(sym) => Some((sym.text.clone(), sym.bases.clone())),
        _ => None,
    }
}

/// `a op b` where one of them is uniform and the other an integer, boolean or uniform value.
pub(crate) fn uniform_binary(op: &str, a: &Value, b: &Value) -> Option<Value> {
    if !matches!(a, Value::Uniform(_)) && !matches!(b, Value::Uniform(_)) {
        return None;
    }
    let (x, mut xb) = sym_part(a)?;
    let (y, yb) = sym_part(b)?;
    // `x == x`, `x - x`: a value against itself is not any value (one direction of a
    // condition on it is never taken).
    if xb.iter().any(|base| yb.contains(base)) {
        return None;
    }
    xb.extend(yb);
    xb.sort_unstable();
    xb.dedup();
    Some(Sym::value(format!("({x} {op} {y})"), xb))
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
            // A communicator made by `split`: a function given it may communicate.
            Value::Token | Value::Comm(_) => true,
            Value::Tuple(items) | Value::Array(items) => items.iter().any(Value::holds_token),
            Value::Opt(Some(inner)) | Value::MaybeOk(inner) => inner.holds_token(),
            Value::Struct { fields, .. } => fields.iter().any(|(_, value)| value.holds_token()),
            Value::Variant { fields, .. } => fields.iter().any(Value::holds_token),
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

/// What two values have in common: the same value where they agree, unknown parts where they
/// differ (a field that one constructor sets to 1 and another to 2 is not known).
pub(crate) fn join(a: &Value, b: &Value) -> Value {
    match (a, b) {
        _ if a == b => a.clone(),
        (
            Value::Struct { ty, fields },
            Value::Struct {
                ty: other_ty,
                fields: other_fields,
            },
        ) if ty == other_ty && fields.len() == other_fields.len() => Value::Struct {
            ty: ty.clone(),
            fields: fields
                .iter()
                .zip(other_fields)
                .map(|((name, x), (other_name, y))| {
                    let value = if name == other_name {
                        join(x, y)
                    } else {
                        Value::Unknown
                    };
                    (name.clone(), value)
                })
                .collect(),
        },
        (Value::Tuple(xs), Value::Tuple(ys)) if xs.len() == ys.len() => {
            Value::Tuple(xs.iter().zip(ys).map(|(x, y)| join(x, y)).collect())
        }
        (Value::Array(xs), Value::Array(ys)) if xs.len() == ys.len() => {
            Value::Array(xs.iter().zip(ys).map(|(x, y)| join(x, y)).collect())
        }
        _ => Value::Unknown,
    }
}

impl Value {
    /// The value as code would write it, for messages (`_` for what is not known).
    pub(crate) fn describe(&self) -> String {
        let list = |items: &[Value]| {
            items
                .iter()
                .map(Value::describe)
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            Value::Int(value) => value.to_string(),
            Value::Bool(value) => value.to_string(),
            Value::Tuple(items) => format!("({})", list(items)),
            Value::Array(items) => format!("[{}]", list(items)),
            Value::Opt(None) => "None".to_owned(),
            Value::Opt(Some(inner)) => format!("Some({})", inner.describe()),
            Value::Variant { ty, name, fields } if fields.is_empty() => format!("{ty}::{name}"),
            Value::Variant { ty, name, fields } => format!("{ty}::{name}({})", list(fields)),
            Value::AtCall { text, .. } => format!("its value at the call in `{text}`, per rank"),
            _ => "_".to_owned(),
        }
    }
}
