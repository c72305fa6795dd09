//! The shallow-water model of the `shallow_water` example gives the same solution, bit for bit,
//! whatever the number of ranks it is split over: rank 0 runs it alone on a communicator of its
//! own and compares with the solution of the whole world, gathered. Every cell is computed by the
//! same operations in the same order on any split, so the two must be equal, not just close.
//! ranks: 1 2 4
//! timeout: 120

use spmd::Comm;
use spmd::mpi::topology::{Color, Communicator};
use spmd::ndarray::Array3;
use spmd_examples::shallow_water::model::{Model, NX_GLOBAL, NY_GLOBAL, Real, gather_global};

/// Steps of the comparison run: the first (Euler) step and Adams-Bashforth ones after it.
const STEPS: u64 = 25;

fn solve<T: Real>(comm: &Comm) -> Option<Array3<f64>> {
    let mut model = Model::<T>::new(comm).expect("a supported world size");
    model.advance(comm, STEPS);
    assert_eq!(model.steps, STEPS);
    gather_global(comm, &model.local_fields())
}

fn compare<T: Real>(world: &Comm, alone: Option<&Comm>) {
    let split = solve::<T>(world);
    let single = alone.map(solve::<T>);
    if world.rank() == 0 {
        let split = split.expect("rank 0 is the root");
        let single = single
            .expect("rank 0 runs alone")
            .expect("rank 0 is its own root");
        assert_eq!(split.shape(), [3, NY_GLOBAL, NX_GLOBAL]);
        assert!(split.iter().all(|x| x.is_finite()));
        for (k, name) in ["h", "u", "v"].iter().enumerate() {
            let (a, b) = (
                split.index_axis(spmd::ndarray::Axis(0), k),
                single.index_axis(spmd::ndarray::Axis(0), k),
            );
            let worst = a
                .iter()
                .zip(b.iter())
                .map(|(x, y)| (x - y).abs())
                .fold(0.0, f64::max);
            assert!(
                worst == 0.0,
                "{}: {name} on {} ranks differs from 1 rank by up to {worst:e}",
                std::any::type_name::<T>(),
                world.size()
            );
        }
        // The run must have moved: a comparison of two initial states proves little.
        let u0 = Model::<T>::new(alone.expect("rank 0 runs alone"))
            .expect("1 rank")
            .local_fields();
        assert!(u0 != single, "the model did not change in {STEPS} steps");
        println!(
            "{}: {} ranks == 1 rank after {STEPS} steps",
            std::any::type_name::<T>(),
            world.size()
        );
    }
}

fn main() {
    let universe = spmd::init();
    let world = universe.world();
    let color = if world.rank() == 0 {
        Color::with_value(0)
    } else {
        Color::undefined()
    };
    let alone = world.as_mpi().split_by_color(color).map(Comm::from_mpi);
    assert_eq!(alone.is_some(), world.rank() == 0);
    if let Some(alone) = &alone {
        assert_eq!(alone.size(), 1);
    }
    compare::<f64>(&world, alone.as_ref());
    compare::<f32>(&world, alone.as_ref());
}
