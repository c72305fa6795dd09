//! The halo exchange: the ghost cells of a rank's fields, filled from its neighbours.

use spmd::prelude::*;

use super::decomposition::{Decomposition, Side};
use super::field::{Edge, Field, Grid};
use super::model::Real;

// ANCHOR: halo
/// Halo exchange: fills the ghost cells of fields from the neighbouring ranks.
///
/// The order is mpi4jax's `enforce_boundaries`: send west while receiving from the east, then
/// north/south, east/west, south/north. Whole rows and columns travel, ghost corners included,
/// so that after the four steps the corners are right too. Several fields go in one message
/// per direction (the reference sends each field on its own).
#[derive(Debug)]
pub(super) struct Halo<T> {
    grid: Decomposition,
    send_buf: Vec<T>,
    recv_buf: Vec<T>,
    /// The rows of `h`, `u`, `v` from the neighbours south (0) and north (1), for the
    /// overlapped step.
    pub(super) rows_in: [Vec<T>; 2],
}

/// (side sent to, side received from), in order.
pub(super) const EXCHANGE_ORDER: [(Side, Side); 4] = [
    (Side::West, Side::East),
    (Side::North, Side::South),
    (Side::East, Side::West),
    (Side::South, Side::North),
];

/// The columns only, after rows that came otherwise.
pub(super) const COLUMNS: [(Side, Side); 2] = [(Side::West, Side::East), (Side::East, Side::West)];

impl<T: Real> Halo<T> {
    /// The exchange of `grid`'s block, its buffers sized for [`MAX_FIELDS`] fields.
    pub(super) fn new(grid: Decomposition) -> Self {
        let longest = (grid.nx + 2).max(grid.ny + 2) * MAX_FIELDS;
        Halo {
            grid,
            send_buf: vec![T::default(); longest],
            recv_buf: vec![T::default(); longest],
            rows_in: [(); 2].map(|()| vec![T::default(); 3 * (grid.nx + 2)]),
        }
    }

    /// The row or column that goes out across `side`, and the one that comes in from it.
    fn edges(&self, side: Side) -> (Edge, Edge) {
        let (ny, nx) = (self.grid.ny, self.grid.nx);
        match side {
            Side::West => (Edge::Column(1), Edge::Column(0)),
            Side::East => (Edge::Column(nx), Edge::Column(nx + 1)),
            Side::South => (Edge::Row(1), Edge::Row(0)),
            Side::North => (Edge::Row(ny), Edge::Row(ny + 1)),
        }
    }

    /// Fills the ghost cells of `fields` on every edge.
    pub(super) fn exchange(&mut self, comm: &Comm, fields: &mut [(Grid, &mut Field<T>)]) {
        self.exchange_edges(comm, fields, Edges::All, &EXCHANGE_ORDER);
    }

    /// Fills the ghost cells of `fields` on `edges`, in `order` ((side sent to, side received
    /// from), as in [`EXCHANGE_ORDER`]).
    #[spmd_jit]
    pub(super) fn exchange_edges(
        &mut self,
        comm: &Comm,
        fields: &mut [(Grid, &mut Field<T>)],
        edges: Edges,
        order: &[(Side, Side)],
    ) {
        assert!(fields.len() <= MAX_FIELDS, "at most {MAX_FIELDS} fields");
        let across = |side: Side| match edges {
            Edges::Inner if self.grid.on_seam(side) => None,
            _ => self.grid.neighbour(side),
        };
        for &(send_side, recv_side) in order {
            let dest = across(send_side);
            let source = across(recv_side);
            let edge_len = match send_side {
                Side::West | Side::East => self.grid.ny + 2,
                Side::South | Side::North => self.grid.nx + 2,
            };
            let len = edge_len * fields.len();
            let (out_edge, _) = self.edges(send_side);
            let (_, in_edge) = self.edges(recv_side);
            if dest.is_some() {
                let chunks = self.send_buf[..len].chunks_exact_mut(edge_len);
                for ((_, field), chunk) in fields.iter().zip(chunks) {
                    field.copy_edge(out_edge, chunk);
                }
            }
            let outgoing = &self.send_buf[..len];
            let incoming = &mut self.recv_buf[..len];
            match (dest, source) {
                (Some(dest), Some(source)) => {
                    sendrecv_into(
                        outgoing,
                        incoming,
                        Source::rank(source),
                        Dest::rank(dest),
                        comm,
                    );
                }
                (Some(dest), None) => send(outgoing, dest, comm),
                (None, Some(source)) => {
                    recv_into(incoming, source, comm);
                }
                (None, None) => continue,
            }
            if source.is_some() {
                for ((_, field), chunk) in fields.iter_mut().zip(incoming.chunks_exact(edge_len)) {
                    field.set_edge(in_edge, chunk);
                }
            }
        }
        // The wall condition goes with the model's own exchanges only, as in the reference: the
        // refresh after friction leaves the friction's residue in the wall row of `v`, which the
        // next step's vorticity and energy read before its first exchange zeroes it again.
        if self.grid.at_north_wall() && matches!(edges, Edges::All) {
            for (grid, field) in fields.iter_mut() {
                if *grid == Grid::V {
                    field.row_mut(self.grid.ny).fill(T::default());
                }
            }
        }
    }
}

impl<T: Real> Halo<T> {
    /// Sends `to_east` to the eastern neighbour while receiving `from_west` from the western
    /// one, then `to_west` to the west while receiving `from_east`; periodic in x, the seam
    /// included (on one column of ranks, a rank is its own neighbour).
    #[spmd_jit]
    pub(super) fn exchange_columns(
        &mut self,
        comm: &Comm,
        to_east: &[T],
        from_west: &mut [T],
        to_west: &[T],
        from_east: &mut [T],
    ) {
        let west = self.grid.neighbour(Side::West).expect("x is periodic");
        let east = self.grid.neighbour(Side::East).expect("x is periodic");
        sendrecv_into(
            to_east,
            from_west,
            Source::rank(west),
            Dest::rank(east),
            comm,
        );
        sendrecv_into(
            to_west,
            from_east,
            Source::rank(east),
            Dest::rank(west),
            comm,
        );
    }
}

impl<T: Real> Halo<T> {
    /// Sends `to_east` to the eastern neighbour while receiving `from_west` from the western
    /// one (periodic in x), then `to_north` to the northern neighbour while receiving
    /// `from_south` from the southern one; on the walls there is nobody to send to, and
    /// `from_south` is zero south of the southern wall.
    #[spmd_jit]
    pub(super) fn exchange_friction(
        &mut self,
        comm: &Comm,
        to_east: &[T],
        from_west: &mut [T],
        to_north: &[T],
        from_south: &mut [T],
    ) {
        let west = self.grid.neighbour(Side::West).expect("x is periodic");
        let east = self.grid.neighbour(Side::East).expect("x is periodic");
        sendrecv_into(
            to_east,
            from_west,
            Source::rank(west),
            Dest::rank(east),
            comm,
        );
        let north = self.grid.neighbour(Side::North);
        let south = self.grid.neighbour(Side::South);
        match (north, south) {
            (Some(north), Some(south)) => {
                sendrecv_into(
                    to_north,
                    from_south,
                    Source::rank(south),
                    Dest::rank(north),
                    comm,
                );
            }
            (Some(north), None) => {
                send(to_north, north, comm);
                from_south.fill(T::default());
            }
            (None, Some(south)) => {
                recv_into(from_south, south, comm);
            }
            (None, None) => from_south.fill(T::default()),
        }
    }
}

/// Which edges of a block a halo exchange fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Edges {
    /// All of them.
    All,
    /// Those between two blocks, not those on the periodic seam.
    Inner,
}

/// The most fields exchanged in one go.
const MAX_FIELDS: usize = 4;
// ANCHOR_END: halo
