//! One field of a rank's block, and where on the grid it lives.

use std::fmt;

use spmd::ndarray::Array2;

use super::model::Real;

/// Where a field lives on the C grid: cell centres (`h`), east faces (`u`), north faces (`v`).
/// A `v` field is zero on the northern wall.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Grid {
    H,
    U,
    V,
}

/// One field of a rank's block, ghost cells included, row-major.
#[derive(Clone, PartialEq)]
pub(super) struct Field<T> {
    data: Vec<T>,
    width: usize,
}

impl<T: Real> Field<T> {
    /// A field of zeros for a block of `ny x nx` interior cells.
    pub(super) fn zeros(ny: usize, nx: usize) -> Self {
        Field {
            data: vec![T::default(); (ny + 2) * (nx + 2)],
            width: nx + 2,
        }
    }

    /// Rows, ghost rows included.
    pub(super) fn height(&self) -> usize {
        self.data.len() / self.width
    }

    /// Row `j` (0 and `height() - 1` are ghost rows), ghost columns included.
    #[inline]
    pub(super) fn row(&self, j: usize) -> &[T] {
        &self.data[j * self.width..(j + 1) * self.width]
    }

    /// Row `j`, to write.
    #[inline]
    pub(super) fn row_mut(&mut self, j: usize) -> &mut [T] {
        &mut self.data[j * self.width..(j + 1) * self.width]
    }

    /// The interior cells, as an `ny x nx` array of `f64`.
    pub(super) fn interior(&self) -> Array2<f64> {
        let (ny, nx) = (self.height() - 2, self.width - 2);
        Array2::from_shape_fn((ny, nx), |(j, i)| self.row(j + 1)[i + 1].to_f64())
    }

    /// Copies one edge (a ghost or a boundary row or column) into `out`.
    pub(super) fn copy_edge(&self, edge: Edge, out: &mut [T]) {
        match edge {
            Edge::Row(j) => out.copy_from_slice(self.row(j)),
            Edge::Column(i) => {
                for (o, row) in out.iter_mut().zip(self.data.chunks_exact(self.width)) {
                    *o = row[i];
                }
            }
        }
    }

    /// Writes `from` into one edge.
    pub(super) fn set_edge(&mut self, edge: Edge, from: &[T]) {
        match edge {
            Edge::Row(j) => self.row_mut(j).copy_from_slice(from),
            Edge::Column(i) => {
                for (x, row) in from.iter().zip(self.data.chunks_exact_mut(self.width)) {
                    row[i] = *x;
                }
            }
        }
    }
}

impl<T> fmt::Debug for Field<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Field")
            .field("height", &(self.data.len() / self.width))
            .field("width", &self.width)
            .finish()
    }
}

/// A row or a column of a field, by index, ghost cells counted.
#[derive(Debug, Clone, Copy)]
pub(super) enum Edge {
    Row(usize),
    Column(usize),
}
