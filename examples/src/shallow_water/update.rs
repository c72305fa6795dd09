//! The sweeps of a time step: the update of the depth and velocity (with the mass fluxes,
//! vorticity and kinetic energy made on the fly), its overlapped form, and the friction.

use std::ops::RangeInclusive;
use std::time::{Duration, Instant};

use spmd::Request;
use spmd::prelude::*;

use super::decomposition::{Decomposition, Side};
use super::field::{Edge, Field};
use super::model::{DX, DY, GRAVITY, LATERAL_VISCOSITY, Real, State, time_step};

#[derive(Debug)]
pub(super) struct Scratch<T> {
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
    pub(super) to_east: Vec<T>,
    pub(super) from_west: Vec<T>,
    pub(super) to_west: Vec<T>,
    pub(super) from_east: Vec<T>,
    /// Rolling rows of the friction fluxes of `v` (those of `u` are made on the fly): through
    /// the east faces of the current row, and `[previous, current]` through the north faces.
    friction_east: Vec<T>,
    friction_north: [Vec<T>; 2],
    /// Their ghost values, made by the neighbours: a column (`ny + 2`) of fluxes through the
    /// east faces of our eastern column goes east, the row (`nx + 2`) through the north faces
    /// of our northern row goes north.
    pub(super) friction_to_east: Vec<T>,
    pub(super) friction_from_west: Vec<T>,
    pub(super) friction_to_north: Vec<T>,
    pub(super) friction_from_south: Vec<T>,
    /// Two rows of new values, for sweeps that write a field they read a row ahead.
    rows: [Vec<T>; 2],
    /// For the overlapped step, southern (0) and northern (1) edge rows: the new `h`, `u`,
    /// `v` that go to the neighbour, and a row of every field of the state.
    rows_out: [Vec<T>; 2],
    saved_rows: [[Vec<T>; 6]; 2],
}

impl<T: Real> Scratch<T> {
    /// The scratch space of a block of `ny x nx` interior cells.
    pub(super) fn new(ny: usize, nx: usize) -> Self {
        Scratch {
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
        }
    }
}

/// Defines a sweep twice from one body: as compiled for the default target (SSE2 on x86-64)
/// and for AVX2 with FMA, and picks the latter at run time where the CPU has both. The two
/// give the same results bit for bit: the same operations in the same order, only more lanes
/// at once, and [`Real::mul_add`] rounds once either way (in software on the default target,
/// which is slow: that version is there for old CPUs only).
macro_rules! sweep {
    ($(#[$meta:meta])* $vis:vis fn $name:ident<T: Real>($($arg:ident: $ty:ty),* $(,)?) $body:block) => {
        $(#[$meta])*
        $vis fn $name<T: Real>($($arg: $ty),*) {
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
pub(super) fn edge_columns<T: Real>(
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
pub(super) fn update_depth_and_velocity<T: Real>(
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
pub(super) struct Constants<T> {
    rdx: T,
    rdy: T,
    minus_g_rdx: T,
    minus_g_rdy: T,
    dt_a: T,
    dt_b: T,
}

impl<T: Real> Constants<T> {
    /// The constants of a step with Adams-Bashforth weights `a` and `b`.
    pub(super) fn new(a: T, b: T) -> Self {
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
/// ghost columns follow, blocking (`Halo::exchange_edges` on `COLUMNS`): sent after the rows
/// came, they carry the ghost corners, as the four-step exchange does. Returns how long it
/// waited for the rows after the sweep.
#[spmd_jit]
pub(super) fn update_overlapped<T: Real>(
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
    // The row buffers are handed over to the requests (no copy) and come back with them.
    let mut receives = Vec::new();
    let mut sends = Vec::new();
    // Tags tell the two directions apart where the rank north and south is one rank.
    if let Some(south) = south {
        let row = std::mem::take(&mut rows_in[0]);
        receives.push(irecv_into(row, Source::rank(south).tag(FROM_SOUTH), comm));
        let row = std::mem::take(&mut s.rows_out[0]);
        sends.push(isend(row, Dest::rank(south).tag(FROM_NORTH), comm));
    }
    if let Some(north) = north {
        let row = std::mem::take(&mut rows_in[1]);
        receives.push(irecv_into(row, Source::rank(north).tag(FROM_NORTH), comm));
        let row = std::mem::take(&mut s.rows_out[1]);
        sends.push(isend(row, Dest::rank(north).tag(FROM_SOUTH), comm));
    }
    let (mut received, mut sent) = (Vec::new(), Vec::new());
    // The sweep, in pieces: a `test` between two lets MPI move the messages on (a large one
    // goes in several exchanges, each waiting for a call into MPI on both sides).
    let last = if north.is_some() { ny - 1 } else { ny };
    for piece in 0..SWEEP_PIECES {
        let rows = 1 + last * piece / SWEEP_PIECES..=last * (piece + 1) / SWEEP_PIECES;
        update_depth_and_velocity(grid, coriolis, state, s, k, rows, piece > 0);
        if piece + 1 < SWEEP_PIECES {
            receives = pending(receives, &mut received);
            sends = pending(sends, &mut sent);
        }
    }
    if north.is_some() {
        state.swap_rows(ny, &mut s.saved_rows[1]);
    }
    let waiting = Instant::now();
    sent.extend(wait_all(sends, comm));
    received.extend(wait_all(receives, comm));
    let waited = waiting.elapsed();
    // Every buffer back in its place: a received row by its tag, a sent one in either slot
    // it left (both are rewritten before the next send).
    for (row, status) in received {
        let side = usize::from(status.tag == FROM_NORTH);
        rows_in[side] = row;
    }
    for row in sent {
        if let Some(slot) = s.rows_out.iter_mut().find(|slot| slot.is_empty()) {
            *slot = row;
        }
    }
    let width = grid.nx + 2;
    for (j, side, neighbour) in [(0, 0, south), (ny + 1, 1, north)] {
        if neighbour.is_some() {
            let incoming = &rows_in[side];
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

/// The tag of a row that comes from the south neighbour (and goes north).
const FROM_SOUTH: i32 = 3;
/// The tag of a row that comes from the north neighbour (and goes south).
const FROM_NORTH: i32 = 4;

/// The requests of `requests` that have not completed (`test`); the results of those that
/// have go to `done`.
#[spmd_jit]
fn pending<'a, T>(requests: Vec<Request<'a, T>>, done: &mut Vec<T>) -> Vec<Request<'a, T>> {
    let mut left = Vec::new();
    for request in requests {
        match test(request) {
            Ok(result) => done.push(result),
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
pub(super) fn friction_edges<T: Real>(grid: Decomposition, u: &Field<T>, v: &Field<T>, s: &mut Scratch<T>) {
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
pub(super) fn friction<T: Real>(grid: Decomposition, u: &mut Field<T>, v: &mut Field<T>, s: &mut Scratch<T>) {
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
