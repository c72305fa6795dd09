// Structs that derive `spmd::Element`: nested, with array and `bool` fields, tuple structs and
// generic ones, through ops that do not reduce, in implicit and explicit mode.
use spmd::prelude::*;

#[derive(Clone, Copy, PartialEq, Debug, spmd::Element)]
#[repr(C)]
struct Velocity([f32; 3]);

#[derive(Clone, Copy, PartialEq, Debug, spmd::Element)]
#[repr(C, align(16))]
struct Particle {
    position: [f64; 3],
    velocity: Velocity,
    mass: f64,
    id: u64,
    alive: bool,
}

#[derive(Clone, Copy, PartialEq, Debug, spmd::Element)]
#[repr(C)]
struct Pair<T, const N: usize> {
    first: T,
    rest: [[T; N]; 2],
}

fn elements<T: spmd::Element>() {}

#[spmd_jit]
fn exchange(comm: &Comm, particles: &[Particle]) -> Vec<Particle> {
    let (from, to) = comm.shift(1);
    let got = sendrecv(particles, particles, from, to, comm);
    let everyone = allgather(&got[..], comm);
    bcast(&everyone[..], 0, comm)
}

fn explicit(comm: &Comm, pairs: &[Pair<i32, 4>], token: Token) -> (Parts<Pair<i32, 4>>, Token) {
    allgatherv(pairs, comm, token)
}

fn main() {
    elements::<Particle>();
    elements::<Velocity>();
    elements::<Pair<bool, 3>>();
    let _ = (exchange, explicit);
}
