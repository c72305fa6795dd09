//! The shallow-water model with its first halo exchange overlapped (`--overlap`) gives the same
//! solution, bit for bit, as with the blocking exchange, on every split: the first and last cell
//! of each row, updated before their ghost columns came, are updated again from the inputs the
//! sweep kept, by the same operations. Also on a grid other than the default one.
//! ranks: 1 2 4
//! timeout: 120

#[path = "../../../examples/src/shallow_water/model.rs"]
#[allow(dead_code)]
mod model;

use model::{GridSize, Model, Real};
use spmd::Comm;
use spmd::mpi::topology::Communicator;

const STEPS: u64 = 25;

fn compare<T: Real>(comm: &Comm, grid: GridSize) {
    let mut blocking = Model::<T>::on(comm, grid).expect("a supported world size");
    let mut overlapped = Model::<T>::on(comm, grid)
        .expect("a supported world size")
        .overlapped(true);
    let start = blocking.local_fields();
    blocking.advance(comm, STEPS);
    overlapped.advance(comm, STEPS);
    assert!(blocking.local_fields() != start, "the model did not move");
    assert!(
        blocking.state == overlapped.state,
        "{}: the overlapped model differs on rank {} of {}",
        std::any::type_name::<T>(),
        comm.rank(),
        comm.size()
    );
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    compare::<f64>(&comm, GridSize::DEFAULT);
    compare::<f32>(&comm, GridSize::DEFAULT);
    // Another grid (`--grid 96x40`): blocks of 48 x 20 cells on 4 ranks.
    compare::<f64>(&comm, GridSize { nx: 96, ny: 40 });
    if comm.as_mpi().rank() == 0 {
        println!("overlapped == blocking after {STEPS} steps");
    }
}
