// A reference field means nothing on another rank: refused.
#[derive(Clone, Copy, PartialEq, Debug, spmd::Element)]
#[repr(C)]
struct Borrowed {
    id: u64,
    mass: &'static f64,
}

fn main() {}
