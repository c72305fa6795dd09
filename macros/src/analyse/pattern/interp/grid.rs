//! The runtime's process grids (`Comm::cartesian`, `spmd::dims_create`), as the evaluation
//! computes them: the same axis lengths, coordinates and neighbours as the runtime's, so that
//! peers computed through a grid are known.

use super::Value;

/// The axis lengths of a grid of `size` ranks: the nonzero lengths of `dims` kept, the zeros
/// filled as balanced as the size allows, longest first; `None` where the runtime refuses
/// them. The runtime's `dims_create`, on `i128`s (its unit tests and this module's pin both
/// to the same values).
pub(super) fn dims_create(size: i128, dims: &[i128]) -> Option<Vec<i128>> {
    /// One answer kept: the size, the lengths asked, the answer.
    type Made = (i128, Vec<i128>, Option<Vec<i128>>);
    thread_local! {
        /// The last answers: every rank of a size asks the same (a pure function of its
        /// arguments, so kept whatever the check).
        static MADE: std::cell::RefCell<Vec<Made>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    if let Some(found) = MADE.with_borrow(|made| {
        made.iter()
            .find(|(n, asked, _)| *n == size && asked == dims)
            .map(|(_, _, answer)| answer.clone())
    }) {
        return found;
    }
    let answer = dims_create_uncached(size, dims);
    MADE.with_borrow_mut(|made| {
        if made.len() == 8 {
            made.remove(0);
        }
        made.push((size, dims.to_vec(), answer.clone()));
    });
    answer
}

fn dims_create_uncached(size: i128, dims: &[i128]) -> Option<Vec<i128>> {
    if dims.iter().any(|&len| len < 0) || size < 1 {
        return None;
    }
    let fixed: i128 = dims.iter().filter(|&&len| len != 0).product();
    let free = dims.iter().filter(|&&len| len == 0).count();
    if dims.is_empty() {
        return (size == 1).then(Vec::new);
    }
    if size % fixed != 0 {
        return None;
    }
    let rest = size / fixed;
    if free == 0 {
        return (rest == 1).then(|| dims.to_vec());
    }
    let mut best = None;
    balanced(rest, free, rest, &mut Vec::new(), &mut best);
    let mut chosen = best?.into_iter();
    dims.iter()
        .map(|&len| if len == 0 { chosen.next() } else { Some(len) })
        .collect()
}

/// Every way to finish `lengths` with `axes` lengths of product `n`, none above `longest`;
/// the first of least spread is kept in `best`.
fn balanced(
    n: i128,
    axes: usize,
    longest: i128,
    lengths: &mut Vec<i128>,
    best: &mut Option<Vec<i128>>,
) {
    if axes == 1 {
        if n <= longest {
            lengths.push(n);
            let spread = |l: &[i128]| l[0] - l[l.len() - 1];
            if best.as_ref().is_none_or(|b| spread(lengths) < spread(b)) {
                *best = Some(lengths.clone());
            }
            lengths.pop();
        }
        return;
    }
    for len in (1..=longest.min(n)).rev() {
        if n % len == 0 {
            lengths.push(len);
            balanced(n / len, axes - 1, len, lengths, best);
            lengths.pop();
        }
    }
}

/// The coordinates of `rank` (row-major: the last axis varies fastest).
fn coords_of(dims: &[i128], rank: i128) -> Option<Vec<i128>> {
    let size: i128 = dims.iter().product();
    if !(0..size).contains(&rank) {
        return None;
    }
    let mut coords = vec![0; dims.len()];
    let mut rest = rank;
    for axis in (0..dims.len()).rev() {
        coords[axis] = rest % dims[axis];
        rest /= dims[axis];
    }
    Some(coords)
}

/// The rank at `coords`: wrapped on periodic axes, `None` off the edge of the others.
fn rank_at(dims: &[i128], periodic: &[bool], coords: &[i128]) -> Option<i128> {
    if coords.len() != dims.len() {
        return None;
    }
    let mut rank = 0;
    for axis in 0..dims.len() {
        let mut at = coords[axis];
        if periodic[axis] {
            at = at.rem_euclid(dims[axis]);
        } else if !(0..dims[axis]).contains(&at) {
            return None;
        }
        rank = rank * dims[axis] + at;
    }
    Some(rank)
}

/// The rank `offset` steps from `rank` along `axis`, if there is one; `Err` for an axis
/// outside the grid.
fn neighbour(
    dims: &[i128],
    periodic: &[bool],
    rank: i128,
    axis: i128,
    offset: i128,
) -> Result<Option<i128>, ()> {
    let axis = usize::try_from(axis).map_err(|_| ())?;
    let mut at = coords_of(dims, rank).ok_or(())?;
    *at.get_mut(axis).ok_or(())? += offset;
    Ok(rank_at(dims, periodic, &at))
}

fn opt(value: Option<i128>) -> Value {
    Value::Opt(value.map(|value| Box::new(Value::Int(value))))
}

fn ints(values: &[i128]) -> Value {
    Value::Array(values.iter().copied().map(Value::Int).collect())
}

/// A method of the grid of `dims` as `rank` sees it, given its arguments' values.
pub(super) fn method(
    dims: &[i128],
    periodic: &[bool],
    rank: i128,
    name: &str,
    args: &[Value],
) -> Value {
    let arg = |i: usize| args.get(i).and_then(Value::int);
    match name {
        "dims" => ints(dims),
        "periodic" => Value::Array(periodic.iter().copied().map(Value::Bool).collect()),
        "rank" => Value::Int(rank),
        "coords" => coords_of(dims, rank).map_or(Value::Unknown, |c| ints(&c)),
        "coords_of" => match arg(0) {
            Some(other) => Value::Opt(coords_of(dims, other).map(|c| Box::new(ints(&c)))),
            None => Value::Unknown,
        },
        "rank_at" => match args.first() {
            Some(Value::Array(items)) => {
                match items.iter().map(Value::int).collect::<Option<Vec<_>>>() {
                    Some(coords) => opt(rank_at(dims, periodic, &coords)),
                    None => Value::Unknown,
                }
            }
            _ => Value::Unknown,
        },
        "neighbour" | "shift" => {
            let (Some(axis), Some(offset)) = (arg(0), arg(1)) else {
                return Value::Unknown;
            };
            let (Ok(ahead), Ok(behind)) = (
                neighbour(dims, periodic, rank, axis, offset),
                neighbour(dims, periodic, rank, axis, -offset),
            ) else {
                return Value::Unknown;
            };
            if name == "neighbour" {
                return opt(ahead);
            }
            Value::Tuple(vec![
                behind.map_or(Value::NoOne, |rank| Value::Source {
                    rank: Some(rank),
                    tag: None,
                }),
                ahead.map_or(Value::NoOne, |rank| Value::Dest { rank, tag: 0 }),
            ])
        }
        "clone" => Value::Grid {
            dims: dims.to_vec(),
            periodic: periodic.to_vec(),
            rank,
        },
        _ => Value::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_lengths_as_the_runtime() {
        // The runtime's table (runtime/src/grid.rs), which MPICH's MPI_Dims_create gives.
        for (size, want) in [
            (1, [1, 1]),
            (2, [2, 1]),
            (4, [2, 2]),
            (6, [3, 2]),
            (8, [4, 2]),
            (12, [4, 3]),
            (18, [6, 3]),
            (72, [9, 8]),
            (7, [7, 1]),
        ] {
            assert_eq!(dims_create(size, &[0, 0]), Some(want.to_vec()), "{size}");
        }
        assert_eq!(dims_create(12, &[0, 0, 0]), Some(vec![3, 2, 2]));
        assert_eq!(dims_create(12, &[0, 3]), Some(vec![4, 3]));
        assert_eq!(dims_create(6, &[4, 0]), None);
        assert_eq!(dims_create(6, &[3, 1]), None);
    }

    #[test]
    fn shifts_give_no_one_off_an_open_edge() {
        let (dims, periodic) = (vec![3, 2], vec![false, true]);
        let shift = |rank, axis, offset| {
            method(
                &dims,
                &periodic,
                rank,
                "shift",
                &[Value::Int(axis), Value::Int(offset)],
            )
        };
        assert_eq!(
            shift(0, 0, 1),
            Value::Tuple(vec![Value::NoOne, Value::Dest { rank: 2, tag: 0 }])
        );
        assert_eq!(
            shift(4, 0, 1),
            Value::Tuple(vec![
                Value::Source {
                    rank: Some(2),
                    tag: None
                },
                Value::NoOne
            ])
        );
        assert_eq!(
            shift(0, 1, 1),
            Value::Tuple(vec![
                Value::Source {
                    rank: Some(1),
                    tag: None
                },
                Value::Dest { rank: 1, tag: 0 }
            ])
        );
        assert_eq!(shift(0, 2, 1), Value::Unknown);
    }
}
