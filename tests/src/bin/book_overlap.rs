//! The book's "Overlapping communication" chapter: a 1-D diffusion on a ring of ranks, each
//! step's halo exchange overlapped with the interior update (with copies, and with no copy
//! through a scope), checked bit for bit against the same steps with a blocking exchange.
//! ranks: 1 2 3 4

use spmd::prelude::*;

/// One rank's cells, with a ghost cell at each end.
type Cells = Array1<f64>;

/// The diffusion update of cells `range` of `old` into `new`.
fn update(old: &Cells, new: &mut Cells, range: std::ops::Range<usize>) {
    for i in range {
        new[i] = old[i] + 0.25 * (old[i - 1] - 2.0 * old[i] + old[i + 1]);
    }
}

// ANCHOR: blocking
/// One step, blocking: fill both ghost cells, then update every cell.
#[spmd_jit]
fn step_blocking(comm: &Comm, old: &mut Cells, new: &mut Cells) {
    let n = old.len() - 2;
    let (from_left, to_right) = comm.shift(1);
    let (from_right, to_left) = comm.shift(-1);
    old[0] = sendrecv(&old[n], &0.0, from_left, to_right, comm);
    old[n + 1] = sendrecv(&old[1], &0.0, from_right, to_left, comm);
    update(old, new, 1..n + 1);
}
// ANCHOR_END: blocking

// ANCHOR: overlap
/// One step, overlapped: post the exchange, update the cells that need no ghost cell while
/// the messages travel, then wait and update the two edge cells.
#[spmd_jit]
fn step_overlapped(comm: &Comm, old: &mut Cells, new: &mut Cells) {
    let n = old.len() - 2;
    let (left, right) = (comm.shift(1).0, comm.shift(-1).0);
    let (to_right, to_left) = (comm.shift(1).1, comm.shift(-1).1);
    let template = 0.0;
    let from_left = irecv(&template, left, comm);
    let from_right = irecv(&template, right, comm);
    let sent_right = isend(&old[n], to_right, comm);
    let sent_left = isend(&old[1], to_left, comm);
    // Cells 2..n read no ghost cell: they are updated while the messages travel.
    update(old, new, 2..n);
    let (left_ghost, right_ghost, (), ()) =
        wait_all((from_left, from_right, sent_right, sent_left), comm);
    old[0] = left_ghost;
    old[n + 1] = right_ghost;
    update(old, new, 1..2);
    update(old, new, n..n + 1);
}
// ANCHOR_END: overlap

// ANCHOR: scoped
/// One step, overlapped with no copy: the edge cells are sent from `old` and the ghost cells
/// received in place, the buffers lent to a scope until its end.
#[spmd_jit]
fn step_scoped(comm: &Comm, old: &mut Cells, new: &mut Cells) {
    let n = old.len() - 2;
    let (left, right) = (comm.shift(1).0, comm.shift(-1).0);
    let (to_right, to_left) = (comm.shift(1).1, comm.shift(-1).1);
    let mut ghosts = [0.0; 2];
    let (left_ghost, right_ghost) = ghosts.split_at_mut(1);
    let cells = old.as_slice().expect("a contiguous array");
    spmd::scope(|scope| {
        let from_left = irecv_into(scope.lend_mut(left_ghost), left, comm);
        let from_right = irecv_into(scope.lend_mut(right_ghost), right, comm);
        let sent_right = isend(scope.lend(&cells[n..n + 1]), to_right, comm);
        let sent_left = isend(scope.lend(&cells[1..2]), to_left, comm);
        // Cells 2..n read no ghost cell: they are updated while the messages travel.
        update(old, new, 2..n);
        wait_all((from_left, from_right, sent_right, sent_left), comm);
    });
    // The scope has ended: `old` is free again.
    old[0] = ghosts[0];
    old[n + 1] = ghosts[1];
    update(old, new, 1..2);
    update(old, new, n..n + 1);
}
// ANCHOR_END: scoped

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let n = 1000;
    let start = Cells::from_shape_fn(n + 2, |i| ((comm.rank() * n + i) % 97) as f64);
    let (mut a, mut a_new) = (start.clone(), start.clone());
    let (mut b, mut b_new) = (start.clone(), start.clone());
    let (mut c, mut c_new) = (start.clone(), start);
    for _ in 0..50 {
        step_blocking(&comm, &mut a, &mut a_new);
        std::mem::swap(&mut a, &mut a_new);
        step_overlapped(&comm, &mut b, &mut b_new);
        std::mem::swap(&mut b, &mut b_new);
        step_scoped(&comm, &mut c, &mut c_new);
        std::mem::swap(&mut c, &mut c_new);
    }
    // The same bits, ghost cells included.
    assert_eq!(a, b, "rank {}: overlapped steps differ", comm.rank());
    assert_eq!(a, c, "rank {}: scoped steps differ", comm.rank());
}
