//! A 2-D heat solver on a plate that does not wrap around: the ranks form a grid
//! (`Comm::cartesian`, as square as the size allows, open on both axes), each owning a block of
//! the plate with a ring of ghost cells. Every Jacobi step exchanges the block's edges with the
//! four neighbours; on the plate's edge the neighbour is no one (`Source::none()` /
//! `Dest::none()`), so the exchange needs no special case there and the ghost cells keep the
//! boundary temperature (the top edge held at 1, the others at 0). Steps run until the largest
//! change falls below a tolerance (an `allreduce` of the maximum). Rank 0 then gathers the
//! plate (`gatherv`: blocks may differ in size) and checks it against the same steps on one
//! process, exactly, then prints the steps and the temperature at the centre.
//! ranks: 1 2 3 4
//! args: --rows 16 --cols 12

use spmd::prelude::*;
use spmd::{gatherv, sendrecv_into};

/// The temperature held on the top edge; the other edges are held at 0.
const HOT: f64 = 1.0;
/// Steps stop once no cell changes by more than this.
const TOLERANCE: f64 = 1e-4;
/// At most this many steps.
const MAX_STEPS: usize = 20_000;

/// The part `index` of `len` cells split into `parts` nearly equal parts: its start and length.
fn part(len: usize, parts: usize, index: usize) -> (usize, usize) {
    let start = index * len / parts;
    (start, (index + 1) * len / parts - start)
}

/// One rank's block of the plate: `rows x cols` cells of its own, within a ring of ghost cells
/// (the neighbours' edges, or the plate's boundary).
struct Block {
    /// This rank's place on the grid of ranks.
    grid: Cartesian<2>,
    /// The first row and column of the plate that the block owns.
    origin: (usize, usize),
    /// The block's cells, ghosts included: `(rows + 2) x (cols + 2)`.
    u: Array2<f64>,
}

impl Block {
    /// This rank's block of a plate of `rows x cols` cells, at 0 but for the hot top edge.
    fn new(comm: &Comm, rows: usize, cols: usize) -> Block {
        let grid = comm.cartesian([0, 0], [false, false]);
        let [grid_rows, grid_cols] = grid.dims();
        let [row, col] = grid.coords();
        let (row0, my_rows) = part(rows, grid_rows, row);
        let (col0, my_cols) = part(cols, grid_cols, col);
        let mut u = Array2::zeros((my_rows + 2, my_cols + 2));
        if row == 0 {
            // The ghost row above the plate's top edge holds the boundary temperature.
            u.row_mut(0).fill(HOT);
        }
        Block {
            grid,
            origin: (row0, col0),
            u,
        }
    }

    /// The block's own cells, without ghosts.
    fn interior(&self) -> Array2<f64> {
        let (rows, cols) = self.u.dim();
        self.u
            .slice(ndarray::s![1..rows - 1, 1..cols - 1])
            .to_owned()
    }
}

// ANCHOR: exchange
/// Fills the ghost cells of `u` with the neighbours' edges: each edge goes to the neighbour on
/// that side, and the ghost cells on the other side receive the matching edge of that
/// neighbour. On the plate's edge the peer is no one: nothing is sent, and the ghost cells keep
/// the boundary temperature. Columns are strided views: sent and received in place.
#[spmd_jit]
fn exchange(u: &mut Array2<f64>, comm: &Comm) {
    let grid = comm.cartesian([0, 0], [false, false]);
    let (rows, cols) = u.dim();
    let (last_row, last_col) = (rows - 2, cols - 2);
    // Down: my last row to the rank below, my top ghost row from the rank above.
    let (above, below) = grid.shift(0, 1);
    let edge = u.row(last_row).to_owned();
    sendrecv_into(&edge, &mut u.row_mut(0), above, below, comm);
    // Up: my first row to the rank above, my bottom ghost row from the rank below.
    let (below, above) = grid.shift(0, -1);
    let edge = u.row(1).to_owned();
    sendrecv_into(&edge, &mut u.row_mut(rows - 1), below, above, comm);
    // Right, then left, the same way along the columns.
    let (west, east) = grid.shift(1, 1);
    let edge = u.column(last_col).to_owned();
    sendrecv_into(&edge, &mut u.column_mut(0), west, east, comm);
    let (east, west) = grid.shift(1, -1);
    let edge = u.column(1).to_owned();
    sendrecv_into(&edge, &mut u.column_mut(cols - 1), east, west, comm);
}
// ANCHOR_END: exchange

/// One Jacobi step on the cells of `u` inside its ring of ghosts: each becomes the mean of its
/// four neighbours. Returns the new cells and the largest change.
fn jacobi(u: &Array2<f64>) -> (Array2<f64>, f64) {
    let (rows, cols) = u.dim();
    let mut next = u.clone();
    let mut change = 0.0f64;
    for i in 1..rows - 1 {
        for j in 1..cols - 1 {
            let value = 0.25 * (u[[i - 1, j]] + u[[i + 1, j]] + u[[i, j - 1]] + u[[i, j + 1]]);
            change = change.max((value - u[[i, j]]).abs());
            next[[i, j]] = value;
        }
    }
    (next, change)
}

/// Steps until converged: returns the number of steps.
#[spmd_jit]
fn solve(block: &mut Block, comm: &Comm) -> usize {
    for step in 1..=MAX_STEPS {
        exchange(&mut block.u, comm);
        let (next, change) = jacobi(&block.u);
        block.u = next;
        let largest = allreduce(&change, Max, comm);
        if largest < TOLERANCE {
            return step;
        }
    }
    MAX_STEPS
}

// ANCHOR: gather
/// The whole plate on rank 0 (`None` elsewhere): every block, placed where it belongs.
#[spmd_jit]
fn gather_plate(block: &Block, rows: usize, cols: usize, comm: &Comm) -> Option<Array2<f64>> {
    let interior = block.interior();
    let (rows0, cols0) = block.origin;
    let place = [rows0, cols0, interior.nrows(), interior.ncols()].map(|x| x as u64);
    let places = gather(&place, 0, comm);
    let cells = gatherv(&interior, 0, comm);
    let (places, cells) = (places?, cells?);
    let mut plate = Array2::zeros((rows, cols));
    for (place, values) in places.iter().zip(cells.iter()) {
        let [r0, c0, n, m] = place.map(|x| x as usize);
        let values = Array2::from_shape_vec((n, m), values.to_vec()).expect("the block's shape");
        plate
            .slice_mut(ndarray::s![r0..r0 + n, c0..c0 + m])
            .assign(&values);
    }
    Some(plate)
}
// ANCHOR_END: gather

/// The same steps on the whole plate in one process: the reference.
fn serial(rows: usize, cols: usize) -> (Array2<f64>, usize) {
    let mut u = Array2::zeros((rows + 2, cols + 2));
    u.row_mut(0).fill(HOT);
    for step in 1..=MAX_STEPS {
        let (next, change) = jacobi(&u);
        u = next;
        if change < TOLERANCE {
            return (
                u.slice(ndarray::s![1..rows + 1, 1..cols + 1]).to_owned(),
                step,
            );
        }
    }
    (
        u.slice(ndarray::s![1..rows + 1, 1..cols + 1]).to_owned(),
        MAX_STEPS,
    )
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut rows, mut cols) = (30, 22);
    while let Some(flag) = args.next() {
        let mut value = || {
            args.next()
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or_else(|| panic!("{flag} needs a number"))
        };
        match flag.as_str() {
            "--rows" => rows = value(),
            "--cols" => cols = value(),
            other => panic!("unknown argument {other}: use --rows N --cols N"),
        }
    }
    let universe = spmd::init();
    let comm = universe.world();
    let mut block = Block::new(&comm, rows, cols);
    let [grid_rows, grid_cols] = block.grid.dims();
    assert!(
        rows >= grid_rows && cols >= grid_cols,
        "a plate of {rows} x {cols} cells cannot be shared by a {grid_rows} x {grid_cols} grid"
    );
    let steps = solve(&mut block, &comm);
    let plate = gather_plate(&block, rows, cols, &comm);
    if let Some(plate) = plate {
        let (reference, serial_steps) = serial(rows, cols);
        assert_eq!(steps, serial_steps, "the steps of one process");
        assert!(
            plate == reference,
            "the plate differs from the one computed by one process"
        );
        assert!(plate.iter().all(|&t| (0.0..=HOT).contains(&t)));
        println!(
            "heat: {rows} x {cols} cells on a {grid_rows} x {grid_cols} grid of ranks: {steps} \
             steps, centre at {:.4}",
            plate[[rows / 2, cols / 2]]
        );
    }
}
