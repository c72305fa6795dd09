//! The shallow-water model with the exchange of its updated edge rows overlapped (`--overlap`)
//! gives the same state, bit for bit and ghost cells included, as with the blocking exchange, on
//! every split (one block; two rows of one block, whose neighbours north and south are one rank;
//! two rows of two, with ghost corners from the diagonal neighbours): the edge rows are updated
//! ahead of the sweep from the same old values, and the ghost columns follow the rows. Also on a
//! grid other than the default one, and when the two steps alternate on one model, as
//! `--compare-overlap` runs them.
//! ranks: 1 2 4
//! timeout: 120

use spmd::Comm;
use spmd::mpi::topology::Communicator;
use spmd_examples::shallow_water::model::{GridSize, Model, Real};

const STEPS: u64 = 25;

fn compare<T: Real>(comm: &Comm, grid: GridSize) {
    let mut blocking = Model::<T>::on(comm, grid).expect("a supported world size");
    let mut overlapped = Model::<T>::on(comm, grid)
        .expect("a supported world size")
        .overlapped(true);
    let mut alternating = Model::<T>::on(comm, grid).expect("a supported world size");
    let start = blocking.local_fields();
    blocking.advance(comm, STEPS);
    overlapped.advance(comm, STEPS);
    for chunk in 0..STEPS / 5 {
        alternating = alternating.overlapped(chunk % 2 == 1);
        alternating.advance(comm, 5);
    }
    assert!(blocking.local_fields() != start, "the model did not move");
    for (name, model) in [
        ("overlapped", &overlapped),
        (
            "alternating (blocking and overlapped steps by turns)",
            &alternating,
        ),
    ] {
        assert!(
            blocking.state == model.state,
            "{}: the {name} model differs from the blocking one on rank {} of {}",
            std::any::type_name::<T>(),
            comm.rank(),
            comm.size()
        );
    }
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
