// A function of the user's named like an op: in a `#[spmd_jit]` body the bare name is taken
// for the op, and the error says to call the user's function through a path.
use spmd::prelude::*;

fn gather(values: &[f64], scale: f64, comm: &Comm) -> Vec<f64> {
    values.iter().map(|v| v * scale * comm.size() as f64).collect()
}

#[spmd_jit]
fn twice(comm: &Comm) -> Vec<f64> {
    let total = allreduce(&1.0f64, Sum, comm);
    gather(&[total], 2.0, comm)
}

// Through a path it is the user's function, and compiles.
#[spmd_jit]
fn fine(comm: &Comm) -> Vec<f64> {
    let total = allreduce(&1.0f64, Sum, comm);
    self::gather(&[total], 2.0, comm)
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    drop((twice(&comm), fine(&comm)));
}
