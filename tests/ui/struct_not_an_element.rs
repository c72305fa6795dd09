// A struct without the derive is not an element: the error says how to make it one.
use spmd::prelude::*;

#[derive(Clone, Copy, PartialEq, Debug)]
#[repr(C)]
struct Particle {
    position: [f64; 3],
    id: u64,
}

#[spmd_jit]
fn everyone(comm: &Comm, particles: &[Particle]) -> Vec<Particle> {
    allgather(particles, comm)
}

fn main() {}
