//! The non-linear shallow-water model of mpi4jax's demo (`examples/shallow_water.py` there,
//! itself adapted from github.com/dionhaefner/shallow-water): a zonal jet in geostrophic
//! balance on a beta plane, periodic in x, walls in y, Arakawa C grid, Adams-Bashforth time
//! stepping, with the domain split over the ranks of a communicator.
//!
//! Shared by the `shallow_water` example and the `sw_decomposition` test program, which include
//! this file with `#[path]`; it depends on `spmd` only.
//!
//! Layout: every field is a `(ny + 2) x (nx + 2)` block of this rank's cells, row-major, rows
//! along y (row 0 is the south), with one ghost cell on each side. Hot loops run over whole
//! rows as slices, so that they vectorise.

use std::fmt;
use std::ops::{Add, Div, Mul, Neg, RangeInclusive, Sub};
use std::time::{Duration, Instant};

use spmd::ndarray::{self, Array3};
use spmd::prelude::*;
use spmd::{Element, Request};

// ANCHOR: parameters
/// Interior cells of the global grid in x and y.
pub const NX_GLOBAL: usize = 360;
/// Interior cells of the global grid in y.
pub const NY_GLOBAL: usize = 180;
/// Grid spacing in x and y, in metres.
pub const DX: f64 = 5e3;
/// Grid spacing in y, in metres.
pub const DY: f64 = 5e3;

pub const GRAVITY: f64 = 9.81;
/// Mean fluid depth, in metres.
pub const DEPTH: f64 = 100.0;
/// Coriolis parameter `f = CORIOLIS_F + y * CORIOLIS_BETA` (a beta plane).
pub const CORIOLIS_F: f64 = 2e-4;
pub const CORIOLIS_BETA: f64 = 2e-11;
pub const LATERAL_VISCOSITY: f64 = 1e-3 * CORIOLIS_F * (DX * DX);
pub const DAY_IN_SECONDS: f64 = 86_400.0;

/// Coefficients of the (slightly damped) second-order Adams-Bashforth scheme.
const ADAMS_BASHFORTH_A: f64 = 1.5 + 0.1;
const ADAMS_BASHFORTH_B: f64 = -(0.5 + 0.1);

/// The time step, from the CFL condition of the fastest gravity waves: about 19.95 s.
pub fn time_step() -> f64 {
    0.125 * DX.min(DY) / (GRAVITY * DEPTH).sqrt()
}
// ANCHOR_END: parameters

/// The floating-point type the model runs in: `f32` or `f64`.
pub trait Real:
    Element
    + Default
    + PartialOrd
    + fmt::Display
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
{
    /// The nearest value of this type.
    fn of(x: f64) -> Self;
    /// The value as an `f64` (exact).
    fn to_f64(self) -> f64;
    /// `self * a + b` with one rounding (a fused multiply-add): the same result on every
    /// machine, one instruction where the CPU has FMA.
    fn mul_add(self, a: Self, b: Self) -> Self;
}

impl Real for f32 {
    #[inline]
    fn of(x: f64) -> Self {
        x as f32
    }
    #[inline]
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
    #[inline(always)]
    fn mul_add(self, a: Self, b: Self) -> Self {
        f32::mul_add(self, a, b)
    }
}

impl Real for f64 {
    #[inline]
    fn of(x: f64) -> Self {
        x
    }
    #[inline]
    fn to_f64(self) -> f64 {
        self
    }
    #[inline(always)]
    fn mul_add(self, a: Self, b: Self) -> Self {
        f64::mul_add(self, a, b)
    }
}

// ANCHOR: decomposition
/// How the global grid is split: `ranks_y` (1 or 2) rows of `ranks_x` ranks each, as in
/// mpi4jax's demo; rank `r` holds block `(r / ranks_x, r % ranks_x)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decomposition {
    pub ranks_y: usize,
    pub ranks_x: usize,
    /// This rank's block row (0 is the south) and column (0 is the west).
    pub block_y: usize,
    pub block_x: usize,
    /// Interior cells of this rank's block.
    pub ny: usize,
    pub nx: usize,
}

/// The world sizes the demo supports on its default grid: those that split 360 x 180 cells
/// evenly into blocks of at least 2 x 2.
pub const SUPPORTED_SIZES: [usize; 6] = [1, 2, 4, 6, 8, 16];

/// The size of the global grid in cells (`--grid NXxNY`): 360 x 180 unless set. The spacing
/// stays [`DX`] x [`DY`], so a larger grid is a larger ocean (for weak scaling).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GridSize {
    pub nx: usize,
    pub ny: usize,
}

impl GridSize {
    /// 360 x 180 cells, the reference's grid.
    pub const DEFAULT: GridSize = GridSize {
        nx: NX_GLOBAL,
        ny: NY_GLOBAL,
    };
}

impl Decomposition {
    /// The block of `rank` of `size` ranks on the default grid.
    pub fn new(size: usize, rank: usize) -> Result<Self, String> {
        Decomposition::of(size, rank, GridSize::DEFAULT)
    }

    /// The block of `rank` of `size` ranks on a grid of `global` cells: 1 row of blocks on one
    /// rank, 2 rows of `size / 2` blocks otherwise, every block at least 2 x 2 cells.
    pub fn of(size: usize, rank: usize, global: GridSize) -> Result<Self, String> {
        let ranks_y = size.clamp(1, 2);
        let ranks_x = size / ranks_y;
        let splits = size > 0
            && size.is_multiple_of(ranks_y)
            && global.ny.is_multiple_of(ranks_y)
            && global.nx.is_multiple_of(ranks_x)
            && global.ny / ranks_y >= 2
            && global.nx / ranks_x >= 2;
        if !splits {
            let GridSize { nx, ny } = global;
            return Err(if global == GridSize::DEFAULT {
                format!("the shallow-water demo runs on {SUPPORTED_SIZES:?} ranks, not {size}")
            } else {
                format!(
                    "a {nx} x {ny} grid does not split over {size} ranks: on 2 or more ranks, \
                     {ny} rows must split in 2 and {nx} columns in (ranks / 2), every block at \
                     least 2 x 2 cells"
                )
            });
        }
        Ok(Decomposition {
            ranks_y,
            ranks_x,
            block_y: rank / ranks_x,
            block_x: rank % ranks_x,
            ny: global.ny / ranks_y,
            nx: global.nx / ranks_x,
        })
    }

    /// The global grid.
    pub fn global(&self) -> GridSize {
        GridSize {
            nx: self.nx * self.ranks_x,
            ny: self.ny * self.ranks_y,
        }
    }

    fn rank_of(&self, block_y: usize, block_x: usize) -> usize {
        block_y * self.ranks_x + block_x
    }

    /// The rank across `side`, if any: periodic in x, walls in y.
    pub fn neighbour(&self, side: Side) -> Option<usize> {
        let (y, x) = (self.block_y, self.block_x);
        match side {
            Side::West => Some(self.rank_of(y, (x + self.ranks_x - 1) % self.ranks_x)),
            Side::East => Some(self.rank_of(y, (x + 1) % self.ranks_x)),
            Side::South => (y > 0).then(|| self.rank_of(y - 1, x)),
            Side::North => (y + 1 < self.ranks_y).then(|| self.rank_of(y + 1, x)),
        }
    }

    /// Whether the edge on `side` is the periodic seam of the global grid (x = 0 = 360 cells).
    pub fn on_seam(&self, side: Side) -> bool {
        match side {
            Side::West => self.block_x == 0,
            Side::East => self.block_x + 1 == self.ranks_x,
            Side::South | Side::North => false,
        }
    }

    /// Whether this block touches the northern wall.
    pub fn at_north_wall(&self) -> bool {
        self.block_y + 1 == self.ranks_y
    }

    /// Global index (ghost cells counted, so 0 is the southern ghost row) of local row 0.
    pub fn row_offset(&self) -> usize {
        self.block_y * self.ny
    }

    /// Global index of local column 0.
    pub fn column_offset(&self) -> usize {
        self.block_x * self.nx
    }
}
// ANCHOR_END: decomposition

/// A side of a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    West,
    East,
    South,
    North,
}

/// Where a field lives on the C grid: cell centres (`h`), east faces (`u`), north faces (`v`).
/// A `v` field is zero on the northern wall.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grid {
    H,
    U,
    V,
}

/// One field of a rank's block, ghost cells included, row-major.
#[derive(Clone, PartialEq)]
pub struct Field<T> {
    data: Vec<T>,
    width: usize,
}

impl<T: Real> Field<T> {
    /// A field of zeros for a block of `ny x nx` interior cells.
    pub fn zeros(ny: usize, nx: usize) -> Self {
        Field {
            data: vec![T::default(); (ny + 2) * (nx + 2)],
            width: nx + 2,
        }
    }

    /// Rows, ghost rows included.
    pub fn height(&self) -> usize {
        self.data.len() / self.width
    }

    /// Row `j` (0 and `height() - 1` are ghost rows), ghost columns included.
    #[inline]
    pub fn row(&self, j: usize) -> &[T] {
        &self.data[j * self.width..(j + 1) * self.width]
    }

    #[inline]
    pub fn row_mut(&mut self, j: usize) -> &mut [T] {
        &mut self.data[j * self.width..(j + 1) * self.width]
    }

    /// The interior cells, as an `ny x nx` array of `f64`.
    pub fn interior(&self) -> Array2<f64> {
        let (ny, nx) = (self.height() - 2, self.width - 2);
        Array2::from_shape_fn((ny, nx), |(j, i)| self.row(j + 1)[i + 1].to_f64())
    }

    /// Copies one edge (a ghost or a boundary row or column) into `out`.
    fn copy_edge(&self, edge: Edge, out: &mut [T]) {
        match edge {
            Edge::Row(j) => out.copy_from_slice(self.row(j)),
            Edge::Column(i) => {
                for (o, row) in out.iter_mut().zip(self.data.chunks_exact(self.width)) {
                    *o = row[i];
                }
            }
        }
    }

    fn set_edge(&mut self, edge: Edge, from: &[T]) {
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

#[derive(Debug, Clone, Copy)]
enum Edge {
    Row(usize),
    Column(usize),
}

// ANCHOR: halo
/// Halo exchange: fills the ghost cells of fields from the neighbouring ranks.
///
/// The order is mpi4jax's `enforce_boundaries`: send west while receiving from the east, then
/// north/south, east/west, south/north. Whole rows and columns travel, ghost corners included,
/// so that after the four steps the corners are right too. Several fields go in one message
/// per direction (the reference sends each field on its own).
#[derive(Debug)]
pub struct Halo<T> {
    grid: Decomposition,
    send_buf: Vec<T>,
    recv_buf: Vec<T>,
    /// The rows of `h`, `u`, `v` from the neighbours south (0) and north (1), for the
    /// overlapped step.
    rows_in: [Vec<T>; 2],
}

/// (side sent to, side received from), in order.
pub const EXCHANGE_ORDER: [(Side, Side); 4] = [
    (Side::West, Side::East),
    (Side::North, Side::South),
    (Side::East, Side::West),
    (Side::South, Side::North),
];

/// The columns only, after rows that came otherwise.
pub const COLUMNS: [(Side, Side); 2] = [(Side::West, Side::East), (Side::East, Side::West)];

impl<T: Real> Halo<T> {
    pub fn new(grid: Decomposition) -> Self {
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
    pub fn exchange(&mut self, comm: &Comm, fields: &mut [(Grid, &mut Field<T>)]) {
        self.exchange_edges(comm, fields, Edges::All, &EXCHANGE_ORDER);
    }

    /// Fills the ghost cells of `fields` on `edges`, in `order` ((side sent to, side received
    /// from), as in [`EXCHANGE_ORDER`]).
    #[spmd_jit]
    pub fn exchange_edges(
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
    pub fn exchange_columns(
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
    pub fn exchange_friction(
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
pub enum Edges {
    /// All of them.
    All,
    /// Those between two blocks, not those on the periodic seam.
    Inner,
}

/// The most fields exchanged in one go.
const MAX_FIELDS: usize = 4;
// ANCHOR_END: halo

/// The prognostic variables of one rank's block, and their tendencies of the previous step
/// (for Adams-Bashforth).
#[derive(Debug, Clone, PartialEq)]
pub struct State<T> {
    /// Fluid depth at cell centres.
    pub h: Field<T>,
    /// Velocity in x at east faces.
    pub u: Field<T>,
    /// Velocity in y at north faces.
    pub v: Field<T>,
    dh: Field<T>,
    du: Field<T>,
    dv: Field<T>,
}

/// Scratch space of a time step.
#[derive(Debug)]
struct Scratch<T> {
    /// Rolling rows (`nx + 2` wide, ghost columns included) of the mass fluxes through the
    /// east and north faces, the potential vorticity (at cell corners) and the kinetic energy
    /// (at cell centres): `[previous, current]` of `flux_north` and `q`, `[current, next]` of
    /// `flux_east` and `ke`. They are made on the fly, a row ahead of the update that uses them.
    flux_east: [Vec<T>; 2],
    flux_north: [Vec<T>; 2],
    q: [Vec<T>; 2],
    ke: [Vec<T>; 2],
    /// The ghost columns of those rows, one value a row (`ny + 2`), made by the neighbours:
    /// `flux_east` then `q` of our eastern column go east, `flux_north` then `ke` of our
    /// western column go west.
    to_east: Vec<T>,
    from_west: Vec<T>,
    to_west: Vec<T>,
    from_east: Vec<T>,
    /// Rolling rows of the friction fluxes of `v` (those of `u` are made on the fly): through
    /// the east faces of the current row, and `[previous, current]` through the north faces.
    friction_east: Vec<T>,
    friction_north: [Vec<T>; 2],
    /// Their ghost values, made by the neighbours: a column (`ny + 2`) of fluxes through the
    /// east faces of our eastern column goes east, the row (`nx + 2`) through the north faces
    /// of our northern row goes north.
    friction_to_east: Vec<T>,
    friction_from_west: Vec<T>,
    friction_to_north: Vec<T>,
    friction_from_south: Vec<T>,
    /// Two rows of new values, for sweeps that write a field they read a row ahead.
    rows: [Vec<T>; 2],
    /// For the overlapped step, southern (0) and northern (1) edge rows: the new `h`, `u`,
    /// `v` that go to the neighbour, and a row of every field of the state.
    rows_out: [Vec<T>; 2],
    saved_rows: [[Vec<T>; 6]; 2],
}

/// The model on one rank: its block of the state, and what a time step needs.
#[derive(Debug)]
pub struct Model<T> {
    pub grid: Decomposition,
    pub state: State<T>,
    scratch: Scratch<T>,
    halo: Halo<T>,
    /// Coriolis parameter of each local row.
    coriolis: Vec<T>,
    /// Model time in seconds and steps taken.
    pub time: f64,
    pub steps: u64,
    /// Overlap the exchange of the updated edge rows with the update of the block.
    overlap: bool,
    /// The overlapped steps taken, and the time they waited for their edge rows after the
    /// sweep: near zero when the rows travelled during the sweep.
    pub overlapped_steps: u64,
    pub overlap_wait: Duration,
}

// ANCHOR: initial
/// The initial state, on the global grid (ghost cells included): a zonal jet
/// `u = 10 exp(-(y - Ly/2)^2 / (0.02 Lx)^2)` in geostrophic balance with the height
/// (`dh/dy = -f u / g`, summed from the south), centred on the mean depth, plus a small
/// perturbation that breaks the symmetry. Computed in `f64` whatever the model's type.
fn initial_global(global: GridSize) -> (Vec<f64>, Vec<f64>, usize, usize) {
    let (ny, nx) = (global.ny + 2, global.nx + 2);
    // Coordinates of cell j, i: (j - 1) * DY, (i - 1) * DX.
    let y = |j: usize| (j as f64 - 1.0) * DY;
    let x = |i: usize| (i as f64 - 1.0) * DX;
    let length_x = x(nx - 2) - x(1);
    let length_y = y(ny - 2) - y(1);
    let jet: Vec<f64> = (0..ny)
        .map(|j| 10.0 * (-(y(j) - 0.5 * length_y).powi(2) / (0.02 * length_x).powi(2)).exp())
        .collect();
    let mut balance = Vec::with_capacity(ny);
    let mut sum = 0.0;
    for (j, &u) in jet.iter().enumerate() {
        sum += -DY * u * (CORIOLIS_F + y(j) * CORIOLIS_BETA) / GRAVITY;
        balance.push(sum);
    }
    let mean = balance.iter().sum::<f64>() / ny as f64;
    let mut h = Vec::with_capacity(ny * nx);
    let mut u = Vec::with_capacity(ny * nx);
    for j in 0..ny {
        for i in 0..nx {
            let wave = (x(i) / length_x * 10.0 * std::f64::consts::PI).sin()
                * (y(j) / length_y * 8.0 * std::f64::consts::PI).cos();
            h.push(DEPTH + balance[j] - mean + 0.2 * wave);
            u.push(jet[j]);
        }
    }
    (h, u, ny, nx)
}
// ANCHOR_END: initial

impl<T: Real> Model<T> {
    /// The model at time 0 on this rank of `comm`, ghost cells filled, on the default grid.
    pub fn new(comm: &Comm) -> Result<Self, String> {
        Model::on(comm, GridSize::DEFAULT)
    }

    /// The model at time 0 on this rank of `comm`, on a grid of `global` cells.
    pub fn on(comm: &Comm, global: GridSize) -> Result<Self, String> {
        let grid = Decomposition::of(comm.size(), comm.rank(), global)?;
        let (ny, nx) = (grid.ny, grid.nx);
        let (h_global, u_global, _, nx_global) = initial_global(global);
        let local = |global: &[f64]| {
            let mut field = Field::zeros(ny, nx);
            for j in 0..ny + 2 {
                let start = (grid.row_offset() + j) * nx_global + grid.column_offset();
                for (x, &g) in field.row_mut(j).iter_mut().zip(&global[start..]) {
                    *x = T::of(g);
                }
            }
            field
        };
        let mut state = State {
            h: local(&h_global),
            u: local(&u_global),
            v: Field::zeros(ny, nx),
            dh: Field::zeros(ny, nx),
            du: Field::zeros(ny, nx),
            dv: Field::zeros(ny, nx),
        };
        let mut halo = Halo::new(grid);
        halo.exchange(
            comm,
            &mut [
                (Grid::H, &mut state.h),
                (Grid::U, &mut state.u),
                (Grid::V, &mut state.v),
            ],
        );
        let coriolis = (0..ny + 2)
            .map(|j| {
                T::of(CORIOLIS_F + ((grid.row_offset() + j) as f64 - 1.0) * DY * CORIOLIS_BETA)
            })
            .collect();
        Ok(Model {
            grid,
            state,
            scratch: Scratch {
                flux_east: [vec![T::default(); nx + 2], vec![T::default(); nx + 2]],
                flux_north: [vec![T::default(); nx + 2], vec![T::default(); nx + 2]],
                q: [vec![T::default(); nx + 2], vec![T::default(); nx + 2]],
                ke: [vec![T::default(); nx + 2], vec![T::default(); nx + 2]],
                to_east: vec![T::default(); 2 * (ny + 2)],
                from_west: vec![T::default(); 2 * (ny + 2)],
                to_west: vec![T::default(); 2 * (ny + 2)],
                from_east: vec![T::default(); 2 * (ny + 2)],
                friction_east: vec![T::default(); nx + 2],
                friction_north: [vec![T::default(); nx + 2], vec![T::default(); nx + 2]],
                friction_to_east: vec![T::default(); ny + 2],
                friction_from_west: vec![T::default(); ny + 2],
                friction_to_north: vec![T::default(); nx + 2],
                friction_from_south: vec![T::default(); nx + 2],
                rows: [vec![T::default(); nx], vec![T::default(); nx]],
                rows_out: [(); 2].map(|()| vec![T::default(); 3 * (nx + 2)]),
                saved_rows: [(); 2].map(|()| [(); 6].map(|()| vec![T::default(); nx + 2])),
            },
            halo,
            coriolis,
            time: 0.0,
            steps: 0,
            overlap: false,
            overlapped_steps: 0,
            overlap_wait: Duration::ZERO,
        })
    }

    /// The same model, its steps overlapping the exchange of their updated edge rows with the
    /// neighbours north and south with the update of the rest of the block (see
    /// [`update_overlapped`]). The state is the same, bit for bit.
    pub fn overlapped(self, on: bool) -> Self {
        Model {
            overlap: on,
            ..self
        }
    }

    /// Advances the model by `n` time steps; the first step of a run is a forward Euler step,
    /// the others Adams-Bashforth.
    pub fn advance(&mut self, comm: &Comm, n: u64) {
        for _ in 0..n {
            self.step(comm);
        }
    }

    // ANCHOR: step
    /// One time step: two sweeps over the block, with halo exchanges between them. The mass
    /// fluxes, vorticity and kinetic energy are made on the fly inside the update, so only
    /// their edge columns travel (their ghost rows are made from the ghost rows of the state);
    /// likewise the friction fluxes inside the friction sweep.
    ///
    /// The last exchange makes the model independent of the split. The reference updates `u`
    /// and `v` by friction after their last exchange, so their ghost cells keep the values from
    /// before the friction until the next step, and the vorticity and kinetic energy near an
    /// edge use them. On one rank that only happens on the periodic seam; split over ranks, it
    /// would also happen on every edge between blocks, where one rank has the new values
    /// inside. So the edges between blocks are refreshed after the friction, and the seam is
    /// left as the one-rank model has it: every split then computes the one-rank solution.
    fn step(&mut self, comm: &Comm) {
        let (a, b) = if self.steps == 0 {
            (1.0, 0.0)
        } else {
            (ADAMS_BASHFORTH_A, ADAMS_BASHFORTH_B)
        };
        let State { h, u, v, .. } = &self.state;
        let s = &mut self.scratch;
        edge_columns(self.grid, &self.coriolis, h, u, v, s);
        self.halo.exchange_columns(
            comm,
            &s.to_east,
            &mut s.from_west,
            &s.to_west,
            &mut s.from_east,
        );
        let k = Constants::new(T::of(a), T::of(b));
        let (grid, coriolis) = (self.grid, &self.coriolis);
        if self.overlap {
            let rows_in = &mut self.halo.rows_in;
            let waited = update_overlapped(comm, grid, coriolis, &mut self.state, s, rows_in, k);
            self.overlapped_steps += 1;
            self.overlap_wait += waited;
            let State { h, u, v, .. } = &mut self.state;
            let fields = &mut [(Grid::H, h), (Grid::U, u), (Grid::V, v)];
            self.halo.exchange_edges(comm, fields, Edges::All, &COLUMNS);
        } else {
            update_depth_and_velocity(grid, coriolis, &mut self.state, s, k, 1..=grid.ny, false);
            let State { h, u, v, .. } = &mut self.state;
            self.halo
                .exchange(comm, &mut [(Grid::H, h), (Grid::U, u), (Grid::V, v)]);
        }
        let State { u, v, .. } = &mut self.state;
        friction_edges(self.grid, u, v, s);
        self.halo.exchange_friction(
            comm,
            &s.friction_to_east,
            &mut s.friction_from_west,
            &s.friction_to_north,
            &mut s.friction_from_south,
        );
        friction(self.grid, u, v, s);
        // Refresh the edges between blocks after the friction (see above).
        let State { u, v, .. } = &mut self.state;
        self.halo.exchange_edges(
            comm,
            &mut [(Grid::U, u), (Grid::V, v)],
            Edges::Inner,
            &EXCHANGE_ORDER,
        );
        self.steps += 1;
        self.time = self.steps as f64 * time_step();
    }
    // ANCHOR_END: step
}

/// Defines a sweep twice from one body: as compiled for the default target (SSE2 on x86-64)
/// and for AVX2 with FMA, and picks the latter at run time where the CPU has both. The two
/// give the same results bit for bit: the same operations in the same order, only more lanes
/// at once, and [`Real::mul_add`] rounds once either way (in software on the default target,
/// which is slow: that version is there for old CPUs only).
macro_rules! sweep {
    ($(#[$meta:meta])* fn $name:ident<T: Real>($($arg:ident: $ty:ty),* $(,)?) $body:block) => {
        $(#[$meta])*
        fn $name<T: Real>($($arg: $ty),*) {
            #[inline(always)]
            fn portable<T: Real>($($arg: $ty),*) $body

            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx2,fma")]
                unsafe fn avx2<T: Real>($($arg: $ty),*) {
                    portable($($arg),*)
                }
                if std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("fma")
                {
                    // SAFETY: the CPU has AVX2 and FMA, as just checked.
                    return unsafe { avx2($($arg),*) };
                }
            }
            portable($($arg),*)
        }
    };
}

/// The interior of a row, shifted by `offset` columns (-1, 0 or +1): `n` cells.
#[inline(always)]
fn shifted<T>(row: &[T], offset: isize, n: usize) -> &[T] {
    let start = (1 + offset) as usize;
    &row[start..start + n]
}

#[inline(always)]
fn interior_mut<T>(row: &mut [T], n: usize) -> &mut [T] {
    &mut row[1..1 + n]
}

// ANCHOR: kernel
/// The mass flux through a face: the mean depth of the two cells either side, times the
/// velocity through it.
#[inline(always)]
fn face_flux<T: Real>(h_a: T, h_b: T, velocity: T) -> T {
    T::of(0.5) * (h_a + h_b) * velocity
}

/// A quarter of the potential vorticity at a cell's north-east corner: `f` plus the relative
/// vorticity from `[v, v east]` and `[u, u north]`, over the mean depth of the four cells
/// around it. The momentum equations average it over two corners and the fluxes over two
/// faces, so they want a quarter of it: that is the sum of the depths in place of their mean.
#[inline(always)]
fn potential_vorticity<T: Real>(f: T, v: [T; 2], u: [T; 2], h: [T; 4]) -> T {
    let (rdx, rdy) = (T::of(1.0 / DX), T::of(1.0 / DY));
    let vorticity = (v[1] - v[0]).mul_add(rdx, (u[0] - u[1]).mul_add(rdy, f));
    vorticity / ((h[0] + h[1]) + (h[2] + h[3]))
}

/// The kinetic energy of a cell, from the velocities at its four faces.
#[inline(always)]
fn kinetic_energy<T: Real>(u: T, u_west: T, v: T, v_south: T) -> T {
    let squares = u.mul_add(u, u_west.mul_add(u_west, v.mul_add(v, v_south * v_south)));
    T::of(0.25) * squares
}

/// The fields of the state as they were at the start of a time step, from which the mass
/// fluxes, potential vorticity and kinetic energy are made, a row at a time.
///
/// The depth at the faces uses `h` with its ghost cells, except north of the northern wall,
/// where the depth is taken equal to the last interior row (mpi4jax's "edge" padding).
/// Rows beyond the walls are zero, as the reference's padding has them.
struct Old<'a, T> {
    grid: Decomposition,
    coriolis: &'a [T],
    h: &'a Field<T>,
    u: &'a Field<T>,
    v: &'a Field<T>,
}

impl<T: Real> Old<'_, T> {
    /// The row of `h` north of row `k`.
    #[inline(always)]
    fn north_of(&self, k: usize) -> usize {
        if k == self.grid.ny && self.grid.at_north_wall() {
            k
        } else {
            k + 1
        }
    }

    /// Whether row `k` of `flux_north` and `q` is made (rows 0 to `ny`, but for the one south
    /// of the southern wall).
    #[inline(always)]
    fn makes_north(&self, k: usize) -> bool {
        k <= self.grid.ny && !(k == 0 && self.grid.block_y == 0)
    }

    /// Whether row `k` of `flux_east` and `ke` is made (rows 1 to `ny + 1`, but for the one
    /// north of the northern wall).
    #[inline(always)]
    fn makes_east(&self, k: usize) -> bool {
        (1..=self.grid.ny + 1).contains(&k) && !(k == self.grid.ny + 1 && self.grid.at_north_wall())
    }

    /// The interior cells of row `k` of `flux_north` and `q`.
    #[inline(always)]
    fn north_flux_vorticity(&self, k: usize, flux_north: &mut [T], q: &mut [T]) {
        let n = self.grid.nx;
        if !self.makes_north(k) {
            flux_north.fill(T::default());
            q.fill(T::default());
            return;
        }
        let (h, u, v) = (self.h, self.u, self.v);
        let (f, north) = (self.coriolis[k], self.north_of(k));
        let (h_c, h_e) = (shifted(h.row(k), 0, n), shifted(h.row(k), 1, n));
        let (h_n, h_ne) = (shifted(h.row(north), 0, n), shifted(h.row(north), 1, n));
        let (u_c, u_n) = (shifted(u.row(k), 0, n), shifted(u.row(k + 1), 0, n));
        let (v_c, v_e) = (shifted(v.row(k), 0, n), shifted(v.row(k), 1, n));
        let (fn_, q) = (interior_mut(flux_north, n), interior_mut(q, n));
        for i in 0..n {
            fn_[i] = face_flux(h_c[i], h_n[i], v_c[i]);
            q[i] = potential_vorticity(
                f,
                [v_c[i], v_e[i]],
                [u_c[i], u_n[i]],
                [h_c[i], h_e[i], h_n[i], h_ne[i]],
            );
        }
        if k == self.grid.ny && self.grid.at_north_wall() {
            // No mass crosses the northern wall, whatever the wall row of `v` holds (friction
            // leaves a residue there until the next exchange zeroes it).
            fn_.fill(T::default());
        }
    }

    /// The interior cells of row `k` of `flux_east` and `ke`.
    #[inline(always)]
    fn east_flux_energy(&self, k: usize, flux_east: &mut [T], ke: &mut [T]) {
        let n = self.grid.nx;
        if !self.makes_east(k) {
            flux_east.fill(T::default());
            ke.fill(T::default());
            return;
        }
        let (h, u, v) = (self.h, self.u, self.v);
        let (h_c, h_e) = (shifted(h.row(k), 0, n), shifted(h.row(k), 1, n));
        let (u_c, u_w) = (shifted(u.row(k), 0, n), shifted(u.row(k), -1, n));
        let (v_c, v_s) = (shifted(v.row(k), 0, n), shifted(v.row(k - 1), 0, n));
        let (fe, ke) = (interior_mut(flux_east, n), interior_mut(ke, n));
        for i in 0..n {
            fe[i] = face_flux(h_c[i], h_e[i], u_c[i]);
            ke[i] = kinetic_energy(u_c[i], u_w[i], v_c[i], v_s[i]);
        }
    }
}

sweep! {
/// The values of `flux_east` and `q` in this block's eastern column and of `flux_north` and
/// `ke` in its western one, for every row: the neighbours' ghost columns of them. Made the
/// same way as in [`Old::north_flux_vorticity`] and [`Old::east_flux_energy`], one cell at a
/// time.
fn edge_columns<T: Real>(
    grid: Decomposition,
    coriolis: &[T],
    h: &Field<T>,
    u: &Field<T>,
    v: &Field<T>,
    s: &mut Scratch<T>,
) {
    let old = Old {
        grid,
        coriolis,
        h,
        u,
        v,
    };
    let (ny, e) = (grid.ny, grid.nx);
    let zero = T::default();
    let (east_fe, east_q) = s.to_east.split_at_mut(ny + 2);
    let (west_fn, west_ke) = s.to_west.split_at_mut(ny + 2);
    for k in 0..ny + 2 {
        if old.makes_east(k) {
            let (h_k, u_k) = (h.row(k), u.row(k));
            let (v_k, v_s) = (v.row(k), v.row(k - 1));
            east_fe[k] = face_flux(h_k[e], h_k[e + 1], u_k[e]);
            west_ke[k] = kinetic_energy(u_k[1], u_k[0], v_k[1], v_s[1]);
        } else {
            (east_fe[k], west_ke[k]) = (zero, zero);
        }
        if old.makes_north(k) {
            let (h_k, h_n) = (h.row(k), h.row(old.north_of(k)));
            let (u_k, u_n, v_k) = (u.row(k), u.row(k + 1), v.row(k));
            west_fn[k] = if k == ny && grid.at_north_wall() {
                zero
            } else {
                face_flux(h_k[1], h_n[1], v_k[1])
            };
            east_q[k] = potential_vorticity(
                coriolis[k],
                [v_k[e], v_k[e + 1]],
                [u_k[e], u_n[e]],
                [h_k[e], h_k[e + 1], h_n[e], h_n[e + 1]],
            );
        } else {
            (west_fn[k], east_q[k]) = (zero, zero);
        }
    }
}
}
// ANCHOR_END: kernel

sweep! {
/// Tendencies of `h`, `u`, `v` (continuity and momentum equations), and the Adams-Bashforth
/// update `x += dt (a dx_new + b dx_old)`.
///
/// The mass fluxes, potential vorticity and kinetic energy are made on the fly, a row ahead,
/// into rolling rows: row `j` of `h`, `u`, `v` needs those of rows `j - 1` to `j + 1`, made
/// from the old values of rows `j - 1` to `j + 2`. Their ghost columns are the neighbours'
/// [`edge_columns`]. Only `rows` are updated (all of them, `1..=ny`, but in
/// [`update_overlapped`]), from the old values of the rows around them; with `resume`, the
/// sweep goes on where the last one stopped (the row before `rows`), whose rolling rows it
/// left in `s`.
fn update_depth_and_velocity<T: Real>(
    grid: Decomposition,
    coriolis: &[T],
    state: &mut State<T>,
    s: &mut Scratch<T>,
    k: Constants<T>,
    rows: RangeInclusive<usize>,
    resume: bool,
) {
    let (n, ny) = (grid.nx, grid.ny);
    let State {
        h,
        u,
        v,
        dh,
        du,
        dv,
    } = state;
    let Scratch {
        flux_east,
        flux_north,
        q,
        ke,
        from_west,
        from_east,
        rows: new_rows,
        ..
    } = s;
    let (west_fe, west_q) = from_west.split_at(ny + 2);
    let (east_fn, east_ke) = from_east.split_at(ny + 2);
    let [fe_cur, fe_next] = flux_east;
    let [fn_prev, fn_cur] = flux_north;
    let [q_prev, q_cur] = q;
    let [ke_cur, ke_next] = ke;
    let old = Old {
        grid,
        coriolis,
        h,
        u,
        v,
    };
    let first = *rows.start();
    debug_assert!(first >= 1 && *rows.end() <= ny);
    if !resume {
        old.north_flux_vorticity(first - 1, fn_prev, q_prev);
        old.east_flux_energy(first, fe_cur, ke_cur);
        (fn_prev[n + 1], q_prev[0]) = (east_fn[first - 1], west_q[first - 1]);
        (fe_cur[0], ke_cur[n + 1]) = (west_fe[first], east_ke[first]);
    }
    for j in rows {
        let old = Old {
            grid,
            coriolis,
            h,
            u,
            v,
        };
        old.north_flux_vorticity(j, fn_cur, q_cur);
        old.east_flux_energy(j + 1, fe_next, ke_next);
        (fn_cur[n + 1], q_cur[0]) = (east_fn[j], west_q[j]);
        (fe_next[0], ke_next[n + 1]) = (west_fe[j + 1], east_ke[j + 1]);
        let (fe_c, fe_w) = (shifted(fe_cur, 0, n), shifted(fe_cur, -1, n));
        let (fe_n, fe_nw) = (shifted(fe_next, 0, n), shifted(fe_next, -1, n));
        let (fn_c, fn_e) = (shifted(fn_cur, 0, n), shifted(fn_cur, 1, n));
        let (fn_s, fn_se) = (shifted(fn_prev, 0, n), shifted(fn_prev, 1, n));
        let (q_c, q_w, q_s) = (
            shifted(q_cur, 0, n),
            shifted(q_cur, -1, n),
            shifted(q_prev, 0, n),
        );
        let (ke_c, ke_e, ke_n) = (
            shifted(ke_cur, 0, n),
            shifted(ke_cur, 1, n),
            shifted(ke_next, 0, n),
        );
        let (h_c, h_e, h_n) = (
            shifted(h.row(j), 0, n),
            shifted(h.row(j), 1, n),
            shifted(h.row(j + 1), 0, n),
        );
        let dh_old = interior_mut(dh.row_mut(j), n);
        let du_old = interior_mut(du.row_mut(j), n);
        let dv_old = interior_mut(dv.row_mut(j), n);
        let u_row = interior_mut(u.row_mut(j), n);
        let v_row = interior_mut(v.row_mut(j), n);
        let h_new = &mut new_rows[0][..n];
        for i in 0..n {
            let x = CellInputs {
                fe_c: fe_c[i],
                fe_w: fe_w[i],
                fe_n: fe_n[i],
                fe_nw: fe_nw[i],
                fn_c: fn_c[i],
                fn_e: fn_e[i],
                fn_s: fn_s[i],
                fn_se: fn_se[i],
                q_c: q_c[i],
                q_w: q_w[i],
                q_s: q_s[i],
                ke_c: ke_c[i],
                ke_e: ke_e[i],
                ke_n: ke_n[i],
                h_c: h_c[i],
                h_e: h_e[i],
                h_n: h_n[i],
                dh_old: dh_old[i],
                du_old: du_old[i],
                dv_old: dv_old[i],
                u: u_row[i],
                v: v_row[i],
            };
            let [h_i, u_i, v_i, dh_i, du_i, dv_i] = update_cell(x, k);
            h_new[i] = h_i;
            u_row[i] = u_i;
            v_row[i] = v_i;
            du_old[i] = du_i;
            dv_old[i] = dv_i;
            dh_old[i] = dh_i;
        }
        // Row j of `h` is read by no later row: the new values can go in now.
        interior_mut(h.row_mut(j), n).copy_from_slice(h_new);
        std::mem::swap(fe_cur, fe_next);
        std::mem::swap(fn_prev, fn_cur);
        std::mem::swap(q_prev, q_cur);
        std::mem::swap(ke_cur, ke_next);
    }
}
}

/// The inputs of one cell's update of `h`, `u` and `v`: the mass fluxes, vorticity and kinetic
/// energy around it (`_c` the cell's own, `_w`, `_e`, `_n`, `_s` its neighbours'), and its old
/// values and tendencies.
#[derive(Debug, Clone, Copy, Default)]
struct CellInputs<T> {
    fe_c: T,
    fe_w: T,
    fe_n: T,
    fe_nw: T,
    fn_c: T,
    fn_e: T,
    fn_s: T,
    fn_se: T,
    q_c: T,
    q_w: T,
    q_s: T,
    ke_c: T,
    ke_e: T,
    ke_n: T,
    h_c: T,
    h_e: T,
    h_n: T,
    dh_old: T,
    du_old: T,
    dv_old: T,
    u: T,
    v: T,
}

/// The constants of the update: `1 / dx`, `1 / dy`, `-g / dx`, `-g / dy`, and the
/// Adams-Bashforth weights times the time step.
#[derive(Debug, Clone, Copy)]
struct Constants<T> {
    rdx: T,
    rdy: T,
    minus_g_rdx: T,
    minus_g_rdy: T,
    dt_a: T,
    dt_b: T,
}

impl<T: Real> Constants<T> {
    fn new(a: T, b: T) -> Self {
        Constants {
            rdx: T::of(1.0 / DX),
            rdy: T::of(1.0 / DY),
            minus_g_rdx: T::of(-GRAVITY / DX),
            minus_g_rdy: T::of(-GRAVITY / DY),
            dt_a: T::of(time_step()) * a,
            dt_b: T::of(time_step()) * b,
        }
    }
}

/// One cell's update: its new `h`, `u`, `v` and its tendencies `dh`, `du`, `dv`
/// (`x += dt (a dx_new + b dx_old)`). The same operations, in the same order, for every cell
/// and every caller, so a cell updated again gets the same bits.
#[inline(always)]
fn update_cell<T: Real>(x: CellInputs<T>, k: Constants<T>) -> [T; 6] {
    // `q` is a quarter of the vorticity: see `potential_vorticity`.
    let dh_new = (x.fe_w - x.fe_c).mul_add(k.rdx, (x.fn_s - x.fn_c) * k.rdy);
    let du_new = x.q_c.mul_add(
        x.fn_c + x.fn_e,
        x.q_s.mul_add(
            x.fn_s + x.fn_se,
            (x.h_e - x.h_c).mul_add(k.minus_g_rdx, (x.ke_c - x.ke_e) * k.rdx),
        ),
    );
    let dv_new = (-x.q_c).mul_add(
        x.fe_c + x.fe_n,
        (-x.q_w).mul_add(
            x.fe_w + x.fe_nw,
            (x.h_n - x.h_c).mul_add(k.minus_g_rdy, (x.ke_c - x.ke_n) * k.rdy),
        ),
    );
    [
        dh_new.mul_add(k.dt_a, x.dh_old.mul_add(k.dt_b, x.h_c)),
        du_new.mul_add(k.dt_a, x.du_old.mul_add(k.dt_b, x.u)),
        dv_new.mul_add(k.dt_a, x.dv_old.mul_add(k.dt_b, x.v)),
        dh_new,
        du_new,
        dv_new,
    ]
}

// ANCHOR: overlap
/// [`update_depth_and_velocity`] overlapped with the exchange of its result's edge rows with
/// the neighbours north and south. Each edge row a neighbour needs is updated first, its old
/// values kept aside for the sweep (the rows next to it read them), and posted (`isend`, and
/// `irecv_into` for the neighbour's); the sweep then updates the block while they travel. The
/// ghost columns follow, blocking ([`Halo::exchange_edges`] on [`COLUMNS`]): sent after the
/// rows came, they carry the ghost corners, as the four-step exchange does. Returns how long
/// it waited for the rows after the sweep.
#[spmd_jit]
fn update_overlapped<T: Real>(
    comm: &Comm,
    grid: Decomposition,
    coriolis: &[T],
    state: &mut State<T>,
    s: &mut Scratch<T>,
    rows_in: &mut [Vec<T>; 2],
    k: Constants<T>,
) -> Duration {
    let ny = grid.ny;
    let (south, north) = (grid.neighbour(Side::South), grid.neighbour(Side::North));
    // The new northern row, kept until the sweep is done with the old one.
    if north.is_some() {
        update_edge_row(grid, coriolis, state, s, k, ny, 1);
    }
    if south.is_some() {
        update_edge_row(grid, coriolis, state, s, k, 1, 0);
    }
    let [from_south, from_north] = rows_in;
    let mut receives = Vec::new();
    let mut sends = Vec::new();
    // Tags tell the two directions apart where the rank north and south is one rank.
    if let Some(south) = south {
        receives.push(irecv_into(from_south, Source::rank(south).tag(3), comm));
        sends.push(isend(&s.rows_out[0], Dest::rank(south).tag(4), comm));
    }
    if let Some(north) = north {
        receives.push(irecv_into(from_north, Source::rank(north).tag(4), comm));
        sends.push(isend(&s.rows_out[1], Dest::rank(north).tag(3), comm));
    }
    // The sweep, in pieces: a `test` between two lets MPI move the messages on (a large one
    // goes in several exchanges, each waiting for a call into MPI on both sides).
    let last = if north.is_some() { ny - 1 } else { ny };
    for piece in 0..SWEEP_PIECES {
        let rows = 1 + last * piece / SWEEP_PIECES..=last * (piece + 1) / SWEEP_PIECES;
        update_depth_and_velocity(grid, coriolis, state, s, k, rows, piece > 0);
        if piece + 1 < SWEEP_PIECES {
            receives = pending(receives);
            sends = pending(sends);
        }
    }
    if north.is_some() {
        state.swap_rows(ny, &mut s.saved_rows[1]);
    }
    let waiting = Instant::now();
    wait_all(sends, comm);
    wait_all(receives, comm);
    let waited = waiting.elapsed();
    let width = grid.nx + 2;
    for (j, incoming, neighbour) in [(0, &*from_south, south), (ny + 1, &*from_north, north)] {
        if neighbour.is_some() {
            for (field, row) in state.h_u_v().into_iter().zip(incoming.chunks_exact(width)) {
                field.set_edge(Edge::Row(j), row);
            }
        }
    }
    waited
}
// ANCHOR_END: overlap

/// The pieces of [`update_overlapped`]'s sweep.
const SWEEP_PIECES: usize = 4;

/// The requests of `requests` that have not completed (`test`).
#[spmd_jit]
fn pending<T>(requests: Vec<Request<'_, T>>) -> Vec<Request<'_, T>> {
    let mut left = Vec::new();
    for request in requests {
        match test(request) {
            Ok(_) => {}
            Err(request) => left.push(request),
        }
    }
    left
}

/// Updates row `j` alone (1 or `ny`), puts its new `h`, `u`, `v` in `s.rows_out[side]` and
/// its new values in `s.saved_rows[side]`, and gives the row back its old values, which the
/// sweep reads.
fn update_edge_row<T: Real>(
    grid: Decomposition,
    coriolis: &[T],
    state: &mut State<T>,
    s: &mut Scratch<T>,
    k: Constants<T>,
    j: usize,
    side: usize,
) {
    state.copy_rows(j, &mut s.saved_rows[side]);
    update_depth_and_velocity(grid, coriolis, state, s, k, j..=j, false);
    let width = grid.nx + 2;
    for (field, out) in state
        .h_u_v()
        .into_iter()
        .zip(s.rows_out[side].chunks_exact_mut(width))
    {
        out.copy_from_slice(field.row(j));
    }
    state.swap_rows(j, &mut s.saved_rows[side]);
}

impl<T: Real> State<T> {
    /// `h`, `u` and `v`, in the order the halo exchange packs them.
    fn h_u_v(&mut self) -> [&mut Field<T>; 3] {
        [&mut self.h, &mut self.u, &mut self.v]
    }

    /// Every field, the tendencies included.
    fn all(&mut self) -> [&mut Field<T>; 6] {
        [
            &mut self.h,
            &mut self.u,
            &mut self.v,
            &mut self.dh,
            &mut self.du,
            &mut self.dv,
        ]
    }

    /// Copies row `j` of every field into `rows`.
    fn copy_rows(&mut self, j: usize, rows: &mut [Vec<T>; 6]) {
        for (field, row) in self.all().into_iter().zip(rows) {
            row.copy_from_slice(field.row(j));
        }
    }

    /// Swaps row `j` of every field with `rows`.
    fn swap_rows(&mut self, j: usize, rows: &mut [Vec<T>; 6]) {
        for (field, row) in self.all().into_iter().zip(rows) {
            field.row_mut(j).swap_with_slice(row);
        }
    }
}

/// Constants of the lateral friction: `nu dt / dx^2` (and `dy`), `nu / dx` (and `dy`),
/// `dt / dx` (and `dy`).
#[derive(Clone, Copy)]
struct Friction<T> {
    k: (T, T),
    nu_over_d: (T, T),
    dt_over_d: (T, T),
}

impl<T: Real> Friction<T> {
    #[inline(always)]
    fn new() -> Self {
        let (nu, dt) = (LATERAL_VISCOSITY, time_step());
        Friction {
            k: (T::of(nu * dt / (DX * DX)), T::of(nu * dt / (DY * DY))),
            nu_over_d: (T::of(nu / DX), T::of(nu / DY)),
            dt_over_d: (T::of(dt / DX), T::of(dt / DY)),
        }
    }

    /// `u` at a face after friction, from `u` there and at the faces west, east, south and
    /// north of it. The flux of `u` through a face is `nu du / dx`; there is none through a
    /// wall.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn u(self, c: T, w: T, e: T, s: T, n: T, south_wall: bool, north_wall: bool) -> T {
        let zero = T::default();
        let d_n = if north_wall { zero } else { n - c };
        let d_s = if south_wall { zero } else { c - s };
        ((e - c) - (c - w)).mul_add(self.k.0, (d_n - d_s).mul_add(self.k.1, c))
    }

    /// The friction flux of `v` through an east face (`axis` 0) or a north face (`axis` 1),
    /// from `v` beyond the face and the new `u` at the centre: the reference takes the
    /// difference with `u` there, not `v`, and it is kept for agreement.
    #[inline(always)]
    fn flux_v(self, v_beyond: T, u_new: T, axis: usize) -> T {
        let nu_over_d = if axis == 0 {
            self.nu_over_d.0
        } else {
            self.nu_over_d.1
        };
        (v_beyond - u_new) * nu_over_d
    }
}

sweep! {
/// The friction fluxes of `v` that the neighbours need from this block, ahead of the friction
/// sweep: through the east faces of the eastern column, for every row (the eastern
/// neighbour's western ghost column), and through the north faces of the last row (the
/// northern neighbour's southern ghost row), made as [`friction`] makes them.
fn friction_edges<T: Real>(grid: Decomposition, u: &Field<T>, v: &Field<T>, s: &mut Scratch<T>) {
    let (ny, e) = (grid.ny, grid.nx);
    let c = Friction::<T>::new();
    let south_wall = |j: usize| j == 1 && grid.block_y == 0;
    let north_wall = |j: usize| j == ny && grid.at_north_wall();
    for j in 1..=ny {
        let (u_s, u_c, u_n) = (u.row(j - 1), u.row(j), u.row(j + 1));
        let x = c.u(u_c[e], u_c[e - 1], u_c[e + 1], u_s[e], u_n[e], south_wall(j), north_wall(j));
        s.friction_to_east[j] = c.flux_v(v.row(j)[e + 1], x, 0);
    }
    if grid.neighbour(Side::North).is_some() {
        let (u_s, u_c, u_n) = (u.row(ny - 1), u.row(ny), u.row(ny + 1));
        let v_n = v.row(ny + 1);
        for i in 1..=grid.nx {
            let x = c.u(u_c[i], u_c[i - 1], u_c[i + 1], u_s[i], u_n[i], south_wall(ny), false);
            s.friction_to_north[i] = c.flux_v(v_n[i], x, 1);
        }
    }
}
}

sweep! {
/// Applies the friction of `u` and `v`.
///
/// The fluxes of `u` are made on the fly from `u`, whose ghost cells are current: the flux
/// across a block's edge is the one its neighbour computes from the same two values, so no
/// exchange is needed. The fluxes of `v` take the new `u`, so they are made row by row, a row
/// ahead of the update of `v`; their ghost values west and south are the neighbours'
/// [`friction_edges`]. The walls have no flux.
fn friction<T: Real>(grid: Decomposition, u: &mut Field<T>, v: &mut Field<T>, s: &mut Scratch<T>) {
    let n = grid.nx;
    let c = Friction::<T>::new();
    let zero = T::default();
    let Scratch {
        friction_east: ge,
        friction_north: [gn_prev, gn_cur],
        friction_from_west: from_west,
        friction_from_south: from_south,
        rows: [waiting, fresh],
        ..
    } = s;
    // New rows of `u` wait one row before they are stored: row j + 1 reads the old row j.
    let (mut waiting, mut fresh) = (waiting, fresh);
    let (mut gn_prev, mut gn_cur) = (gn_prev, gn_cur);
    gn_prev.copy_from_slice(from_south);
    for (j, &west) in (1..=grid.ny).zip(&from_west[1..]) {
        let north_wall = j == grid.ny && grid.at_north_wall();
        let south_wall = j == 1 && grid.block_y == 0;
        {
            let (u_s, u_c, u_n) = (u.row(j - 1), u.row(j), u.row(j + 1));
            let (u_c, u_w, u_e) = (shifted(u_c, 0, n), shifted(u_c, -1, n), shifted(u_c, 1, n));
            let (u_s, u_n) = (shifted(u_s, 0, n), shifted(u_n, 0, n));
            let (v_e, v_n) = (shifted(v.row(j), 1, n), shifted(v.row(j + 1), 0, n));
            let (ge, gn) = (interior_mut(ge, n), interior_mut(gn_cur, n));
            let u_new = &mut fresh[..n];
            for i in 0..n {
                let x = c.u(u_c[i], u_w[i], u_e[i], u_s[i], u_n[i], south_wall, north_wall);
                u_new[i] = x;
                ge[i] = c.flux_v(v_e[i], x, 0);
                // Nothing crosses the northern wall.
                gn[i] = if north_wall { zero } else { c.flux_v(v_n[i], x, 1) };
            }
        }
        ge[0] = west;
        let (ge_c, ge_w) = (shifted(ge, 0, n), shifted(ge, -1, n));
        let (gn_c, gn_s) = (shifted(gn_cur, 0, n), shifted(gn_prev, 0, n));
        let (dt_rdx, dt_rdy) = c.dt_over_d;
        let v_row = interior_mut(v.row_mut(j), n);
        for i in 0..n {
            v_row[i] = (ge_c[i] - ge_w[i]).mul_add(dt_rdx, (gn_c[i] - gn_s[i]).mul_add(dt_rdy, v_row[i]));
        }
        if j > 1 {
            interior_mut(u.row_mut(j - 1), n).copy_from_slice(&waiting[..n]);
        }
        std::mem::swap(&mut waiting, &mut fresh);
        std::mem::swap(&mut gn_prev, &mut gn_cur);
    }
    interior_mut(u.row_mut(grid.ny), n).copy_from_slice(&waiting[..n]);
}
}

/// How many chunks of [`STEPS_PER_CHUNK`] steps follow the first step to reach `t1` seconds,
/// counted as mpi4jax's demo counts them (time summed in `f64`, one chunk at a time).
pub fn chunk_count(t1: f64) -> u64 {
    let dt = time_step();
    let mut t = dt;
    let mut chunks = 0;
    while t < t1 {
        t += dt * STEPS_PER_CHUNK as f64;
        chunks += 1;
    }
    chunks
}

/// Steps per chunk of the run (mpi4jax's `PLOT_EVERY`).
pub const STEPS_PER_CHUNK: u64 = 100;

impl<T: Real> Model<T> {
    /// This rank's interior cells of `h`, `u`, `v`, stacked: `3 x ny x nx`, in `f64`.
    pub fn local_fields(&self) -> Array3<f64> {
        let State { h, u, v, .. } = &self.state;
        ndarray::stack(
            Axis(0),
            &[
                h.interior().view(),
                u.interior().view(),
                v.interior().view(),
            ],
        )
        .expect("the fields of one block have one shape")
    }
}

// ANCHOR: gather
/// Gathers every rank's [`Model::local_fields`] at rank 0 and puts the blocks in place:
/// `3 x ny x nx` of the global grid at rank 0, `None` elsewhere.
#[spmd_jit]
pub fn gather_global(comm: &Comm, local: &Array3<f64>) -> Option<Array3<f64>> {
    let blocks = gather(local, 0, comm)?;
    let size = comm.size();
    let (ranks_y, ranks_x) = (size.clamp(1, 2), size / size.clamp(1, 2));
    let global = GridSize {
        ny: local.shape()[1] * ranks_y,
        nx: local.shape()[2] * ranks_x,
    };
    let mut fields = Array3::zeros((3, global.ny, global.nx));
    for (rank, block) in blocks.outer_iter().enumerate() {
        let grid = Decomposition::of(size, rank, global).expect("the world size was checked");
        let (y0, x0) = (grid.block_y * grid.ny, grid.block_x * grid.nx);
        fields
            .slice_mut(ndarray::s![.., y0..y0 + grid.ny, x0..x0 + grid.nx])
            .assign(&block);
    }
    Some(fields)
}
// ANCHOR_END: gather
