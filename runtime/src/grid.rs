//! Process grids: the ranks of a communicator laid out on a Cartesian grid, periodic or not per
//! axis, with each rank's coordinates and its neighbours (MPI's `MPI_Dims_create`,
//! `MPI_Cart_coords` and `MPI_Cart_shift`, computed from the rank and size alone: no new
//! communicator, nothing to free, and the compile-time check follows it).

use std::fmt;

use crate::comm::Comm;
use crate::ops::p2p::{Dest, Source};

/// The ranks of a communicator on an `N`-dimensional grid, in row-major order (the last axis
/// varies fastest, as `MPI_Cart_create` without reordering lays them out).
///
/// Made by [`Comm::cartesian`]. A pure computation on the rank and size: it holds no
/// communicator and costs nothing to copy. On an axis that is not periodic, the ranks on the
/// edge have no neighbour beyond it: [`shift`](Cartesian::shift) then gives
/// [`Source::none()`] / [`Dest::none()`], with which a send sends nothing and a receive
/// receives nothing, so a halo exchange needs no special case on the boundary.
///
/// ```no_run
/// # use spmd::{sendrecv_into, Cartesian};
/// # let universe = spmd::init();
/// # let comm = universe.world();
/// # let token = spmd::token();
/// // As square a grid as the size allows, open on both axes.
/// let grid = comm.cartesian([0, 0], [false, false]);
/// let [rows, cols] = grid.dims();
/// let [row, col] = grid.coords();
/// // Send my last row down, receive my ghost row from above (from no one on the top edge).
/// let (from, to) = grid.shift(0, 1);
/// let mut ghost = [0.0f64; 8];
/// let (_, token) = sendrecv_into(&[1.0f64; 8], &mut ghost, from, to, &comm, token);
/// # drop((rows, cols, row, col, token));
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Cartesian<const N: usize> {
    dims: [usize; N],
    periodic: [bool; N],
    rank: usize,
    coords: [usize; N],
}

impl Comm {
    /// This communicator's ranks on a Cartesian grid of `dims` (a 0 lets the grid choose that
    /// axis's length, as `MPI_Dims_create` does: as balanced as the size allows, the longest
    /// axis first), periodic or not per axis.
    ///
    /// # Panics
    /// When the lengths cannot multiply to the communicator's size (a given length that does
    /// not divide it, or given lengths whose product differs from it); every rank then panics
    /// alike, since every rank computes the same. Use [`dims_create`] first to check.
    #[track_caller]
    pub fn cartesian<const N: usize>(&self, dims: [usize; N], periodic: [bool; N]) -> Cartesian<N> {
        match Cartesian::new(self.rank(), self.size(), dims, periodic) {
            Ok(grid) => grid,
            Err(error) => panic!("spmd: `cartesian`: {error}"),
        }
    }
}

impl<const N: usize> Cartesian<N> {
    /// The grid of `size` ranks with axis lengths `dims` (0: chosen, see
    /// [`Comm::cartesian`]) as `rank` sees it, or why there is none.
    pub fn new(
        rank: usize,
        size: usize,
        dims: [usize; N],
        periodic: [bool; N],
    ) -> Result<Cartesian<N>, GridError> {
        let dims = dims_create(size, dims)?;
        if rank >= size {
            return Err(GridError {
                problem: format!("rank {rank} is not below the size {size}"),
            });
        }
        Ok(Cartesian {
            dims,
            periodic,
            rank,
            coords: coords_in(&dims, rank),
        })
    }

    /// The length of each axis; their product is the size.
    pub fn dims(&self) -> [usize; N] {
        self.dims
    }

    /// Whether each axis wraps around.
    pub fn periodic(&self) -> [bool; N] {
        self.periodic
    }

    /// This rank.
    pub fn rank(&self) -> usize {
        self.rank
    }

    /// This rank's coordinates (`MPI_Cart_coords`): each below its axis's length.
    pub fn coords(&self) -> [usize; N] {
        self.coords
    }

    /// The coordinates of `rank`, if it is on the grid.
    pub fn coords_of(&self, rank: usize) -> Option<[usize; N]> {
        let size: usize = self.dims.iter().product();
        (rank < size).then(|| coords_in(&self.dims, rank))
    }

    /// The rank at `coords` (`MPI_Cart_rank`): wrapped around on a periodic axis; `None` off
    /// the edge of one that is not.
    pub fn rank_at(&self, coords: [isize; N]) -> Option<usize> {
        let mut rank = 0usize;
        for ((&len, &periodic), &at) in self.dims.iter().zip(&self.periodic).zip(&coords) {
            let at = if periodic {
                at.rem_euclid(len as isize)
            } else if (0..len as isize).contains(&at) {
                at
            } else {
                return None;
            };
            rank = rank * len + at as usize;
        }
        Some(rank)
    }

    /// The rank `offset` steps from this one along `axis`, or `None` beyond the edge of an
    /// axis that is not periodic.
    ///
    /// # Panics
    /// When `axis` is not below `N`.
    #[track_caller]
    pub fn neighbour(&self, axis: usize, offset: isize) -> Option<usize> {
        assert!(
            axis < N,
            "spmd: `neighbour`: axis {axis} of a grid of {N} axes; axes are numbered from 0"
        );
        let mut at = self.coords.map(|c| c as isize);
        at[axis] += offset;
        self.rank_at(at)
    }

    /// The peers of a shift by `offset` along `axis` (`MPI_Cart_shift`), as `(source, dest)`
    /// for [`sendrecv`](crate::sendrecv): the message goes to the rank `offset` steps ahead and
    /// comes from the rank `offset` steps behind. Beyond the edge of an axis that is not
    /// periodic, the peer is no one ([`Source::none()`] / [`Dest::none()`]).
    ///
    /// # Panics
    /// When `axis` is not below `N`.
    #[track_caller]
    pub fn shift(&self, axis: usize, offset: isize) -> (Source, Dest) {
        (
            Source::rank_or_none(self.neighbour(axis, -offset)),
            Dest::rank_or_none(self.neighbour(axis, offset)),
        )
    }
}

/// The coordinates of `rank` (below the product of `dims`) on a grid of `dims`, row-major.
fn coords_in<const N: usize>(dims: &[usize; N], rank: usize) -> [usize; N] {
    let mut coords = [0; N];
    let mut rest = rank;
    for (coord, &len) in coords.iter_mut().zip(dims).rev() {
        *coord = rest % len;
        rest /= len;
    }
    coords
}

impl<const N: usize> fmt::Debug for Cartesian<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cartesian")
            .field("dims", &self.dims)
            .field("periodic", &self.periodic)
            .field("rank", &self.rank)
            .field("coords", &self.coords)
            .finish()
    }
}

/// Why no grid has the lengths asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GridError {
    problem: String,
}

impl fmt::Display for GridError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.problem)
    }
}

impl std::error::Error for GridError {}

/// The axis lengths of a grid of `size` ranks (`MPI_Dims_create`): each nonzero length of
/// `dims` is kept, and the zeros are filled as balanced as the size allows, longest first (12
/// ranks on two axes: `[4, 3]`; 8 on three: `[2, 2, 2]`; `[0, 3]` of 12: `[4, 3]`). The same
/// lengths as MPICH's `MPI_Dims_create` (checked up to 128 ranks on two and three axes), and
/// as Open MPI's but where that one is less balanced (72 on two axes: `[9, 8]`, not
/// `[12, 6]`); computed here, so the same whatever the MPI library.
///
/// An error when the given lengths do not divide `size`, or when none is 0 and their product
/// is not `size`.
pub fn dims_create<const N: usize>(size: usize, dims: [usize; N]) -> Result<[usize; N], GridError> {
    let fixed: usize = dims.iter().filter(|&&len| len != 0).product();
    let free = dims.iter().filter(|&&len| len == 0).count();
    let error = |why: &str| GridError {
        problem: format!(
            "no grid of {size} ranks has the axis lengths {dims:?} ({why}); give 0 for the \
             lengths the grid may choose, or lengths whose product is the size"
        ),
    };
    if N == 0 {
        return if size == 1 {
            Ok(dims)
        } else {
            Err(error("a grid without axes holds one rank"))
        };
    }
    if size == 0 || !size.is_multiple_of(fixed) {
        return Err(error("the given lengths do not divide the size"));
    }
    let rest = size / fixed;
    if free == 0 {
        return if rest == 1 {
            Ok(dims)
        } else {
            Err(error("their product is not the size"))
        };
    }
    // Of the ways to write what is left as a product of `free` lengths, longest first, the
    // one whose longest and shortest lengths differ least (the first of those in the order
    // of a longer first length): the most balanced grid.
    let mut best: Option<Vec<usize>> = None;
    let mut lengths = Vec::with_capacity(free);
    balanced(rest, free, rest, &mut lengths, &mut best);
    let mut chosen = best.expect("every size has a factorisation").into_iter();
    Ok(dims.map(|len| {
        if len == 0 {
            chosen.next().expect("one length per free axis")
        } else {
            len
        }
    }))
}

/// Tries every way to finish `lengths` with `axes` more lengths of product `n`, none longer
/// than `longest` (so in non-increasing order), keeping in `best` the first whose spread
/// (longest minus shortest) is least.
fn balanced(
    n: usize,
    axes: usize,
    longest: usize,
    lengths: &mut Vec<usize>,
    best: &mut Option<Vec<usize>>,
) {
    if axes == 1 {
        if n <= longest {
            lengths.push(n);
            let spread = |l: &[usize]| l[0] - l[l.len() - 1];
            if best.as_ref().is_none_or(|b| spread(lengths) < spread(b)) {
                *best = Some(lengths.clone());
            }
            lengths.pop();
        }
        return;
    }
    for len in (1..=longest.min(n)).rev() {
        if n.is_multiple_of(len) {
            lengths.push(len);
            balanced(n / len, axes - 1, len, lengths, best);
            lengths.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dims_are_balanced_longest_first_as_mpi_makes_them() {
        // MPI_Dims_create's answers (Open MPI 4.1 and MPICH 4.0 agree on these).
        let two: &[(usize, [usize; 2])] = &[
            (1, [1, 1]),
            (2, [2, 1]),
            (3, [3, 1]),
            (4, [2, 2]),
            (6, [3, 2]),
            (8, [4, 2]),
            (9, [3, 3]),
            (12, [4, 3]),
            (16, [4, 4]),
            (18, [6, 3]),
            (24, [6, 4]),
            (36, [6, 6]),
            (64, [8, 8]),
            (72, [9, 8]),
            (7, [7, 1]),
        ];
        for &(size, want) in two {
            assert_eq!(dims_create(size, [0, 0]), Ok(want), "{size} ranks");
        }
        assert_eq!(dims_create(8, [0, 0, 0]), Ok([2, 2, 2]));
        assert_eq!(dims_create(12, [0, 0, 0]), Ok([3, 2, 2]));
        assert_eq!(dims_create(12, [0, 3]), Ok([4, 3]));
        assert_eq!(dims_create(12, [2, 0, 0]), Ok([2, 3, 2]));
        assert_eq!(dims_create(6, [2, 3]), Ok([2, 3]));
    }

    #[test]
    fn impossible_lengths_are_refused_with_the_reason() {
        let error = dims_create(6, [4, 0]).unwrap_err().to_string();
        assert!(error.contains("do not divide"), "{error}");
        let error = dims_create(6, [2, 2]).unwrap_err().to_string();
        assert!(error.contains("do not divide"), "{error}");
        let error = dims_create(6, [3, 1]).unwrap_err().to_string();
        assert!(error.contains("product is not the size"), "{error}");
        assert!(Cartesian::new(6, 6, [0, 0], [false; 2]).is_err());
    }

    #[test]
    fn coordinates_and_shifts_on_an_open_and_a_periodic_axis() {
        // 6 ranks as 3 rows x 2 columns; rows open, columns periodic.
        let at = |rank| Cartesian::new(rank, 6, [3, 2], [false, true]).unwrap();
        assert_eq!(at(0).coords(), [0, 0]);
        assert_eq!(at(3).coords(), [1, 1]);
        assert_eq!(at(5).coords(), [2, 1]);
        assert_eq!(at(4).coords_of(3), Some([1, 1]));
        // Down the rows: the top row receives from no one, the bottom sends to no one.
        assert_eq!(at(0).shift(0, 1), (Source::none(), Dest::rank(2)));
        assert_eq!(at(2).shift(0, 1), (Source::rank(0), Dest::rank(4)));
        assert_eq!(at(4).shift(0, 1), (Source::rank(2), Dest::none()));
        assert_eq!(at(4).shift(0, -1), (Source::none(), Dest::rank(2)));
        // Along the periodic columns: always someone.
        assert_eq!(at(0).shift(1, 1), (Source::rank(1), Dest::rank(1)));
        assert_eq!(at(5).neighbour(1, 3), Some(4));
        assert_eq!(at(5).rank_at([-1, -1]), None);
        assert_eq!(at(5).rank_at([2, -1]), Some(5));
    }

    #[test]
    fn one_rank_is_its_own_grid() {
        let grid = Cartesian::new(0, 1, [0, 0], [false, false]).unwrap();
        assert_eq!(grid.dims(), [1, 1]);
        assert_eq!(grid.shift(0, 1), (Source::none(), Dest::none()));
        let ring = Cartesian::new(0, 1, [0], [true]).unwrap();
        assert_eq!(ring.shift(0, 1), (Source::rank(0), Dest::rank(0)));
    }
}
