// A struct travels through every op that does not reduce; a reduction of structs is refused,
// with the reason.
use spmd::prelude::*;

#[derive(Clone, Copy, PartialEq, Debug, spmd::Element)]
#[repr(C)]
struct Particle {
    position: [f64; 3],
    id: u64,
}

#[spmd_jit]
fn total(comm: &Comm, particles: &[Particle]) -> Vec<Particle> {
    allreduce(particles, Sum, comm)
}

fn main() {}
