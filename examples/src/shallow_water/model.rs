//! The non-linear shallow-water model of mpi4jax's demo (`examples/shallow_water.py` there,
//! itself adapted from github.com/dionhaefner/shallow-water): a zonal jet in geostrophic
//! balance on a beta plane, periodic in x, walls in y, Arakawa C grid, Adams-Bashforth time
//! stepping, with the domain split over the ranks of a communicator.
//!
//! This module holds the parameters, the state and the time step; the split over the ranks is
//! in `decomposition`, the fields in `field`, the halo exchange in `halo` and the sweeps of a
//! step in `update`. It depends on `spmd` only.
//!
//! Layout: every field is a `(ny + 2) x (nx + 2)` block of this rank's cells, row-major, rows
//! along y (row 0 is the south), with one ghost cell on each side. Hot loops run over whole
//! rows as slices, so that they vectorise.

use std::fmt;
use std::ops::{Add, Div, Mul, Neg, Sub};
use std::time::Duration;

use spmd::Element;
use spmd::ndarray::{self, Array3};
use spmd::prelude::*;

use super::decomposition::Decomposition;
pub use super::decomposition::GridSize;
use super::field::{Field, Grid};
use super::halo::{COLUMNS, EXCHANGE_ORDER, Edges, Halo};
use super::update::{
    Constants, Scratch, edge_columns, friction, friction_edges, update_depth_and_velocity,
    update_overlapped,
};

// ANCHOR: parameters
/// Interior cells of the global grid in x.
pub const NX_GLOBAL: usize = 360;
/// Interior cells of the global grid in y.
pub const NY_GLOBAL: usize = 180;
/// Grid spacing in x, in metres.
pub const DX: f64 = 5e3;
/// Grid spacing in y, in metres.
pub const DY: f64 = 5e3;

/// Gravitational acceleration, in m/s².
pub const GRAVITY: f64 = 9.81;
/// Mean fluid depth, in metres.
pub const DEPTH: f64 = 100.0;
/// Coriolis parameter `f = CORIOLIS_F + y * CORIOLIS_BETA` (a beta plane), in 1/s and
/// 1/(m s).
pub const CORIOLIS_F: f64 = 2e-4;
/// See [`CORIOLIS_F`].
pub const CORIOLIS_BETA: f64 = 2e-11;
/// Lateral viscosity, in m²/s.
pub const LATERAL_VISCOSITY: f64 = 1e-3 * CORIOLIS_F * (DX * DX);
/// Seconds in a model day.
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

/// The prognostic variables of one rank's block, and their tendencies of the previous step
/// (for Adams-Bashforth).
#[derive(Debug, Clone, PartialEq)]
pub struct State<T> {
    /// Fluid depth at cell centres.
    pub(super) h: Field<T>,
    /// Velocity in x at east faces.
    pub(super) u: Field<T>,
    /// Velocity in y at north faces.
    pub(super) v: Field<T>,
    /// The tendencies of `h`, `u`, `v` of the previous step.
    pub(super) dh: Field<T>,
    pub(super) du: Field<T>,
    pub(super) dv: Field<T>,
}

/// The model on one rank: its block of the state, and what a time step needs.
#[derive(Debug)]
pub struct Model<T> {
    grid: Decomposition,
    /// This rank's block of the state.
    pub state: State<T>,
    scratch: Scratch<T>,
    halo: Halo<T>,
    /// Coriolis parameter of each local row.
    coriolis: Vec<T>,
    /// Model time in seconds.
    pub time: f64,
    /// Steps taken.
    pub steps: u64,
    /// Overlap the exchange of the updated edge rows with the update of the block.
    overlap: bool,
    /// The overlapped steps taken, and the time they waited for their edge rows after the
    /// sweep: near zero when the rows travelled during the sweep.
    pub overlapped_steps: u64,
    /// See [`Model::overlapped_steps`].
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
            scratch: Scratch::new(ny, nx),
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
    /// `update::update_overlapped`). The state is the same, bit for bit.
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
