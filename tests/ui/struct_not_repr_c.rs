// A struct without `#[repr(C)]` has no layout that every program agrees on: refused.
#[derive(Clone, Copy, PartialEq, Debug, spmd::Element)]
struct Particle {
    position: [f64; 3],
    id: u64,
}

fn main() {}
