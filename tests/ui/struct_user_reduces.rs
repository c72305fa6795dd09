// An operator cannot be made to reduce a struct: `Reduces` is sealed, so MPI's operators are
// never applied to a struct's datatype.
use spmd::{Reduces, Sum};

#[derive(Clone, Copy, PartialEq, Debug, spmd::Element)]
#[repr(C)]
struct Particle {
    position: [f64; 3],
    id: u64,
}

impl Reduces<Particle> for Sum {
    fn identity() -> Particle {
        Particle {
            position: [0.0; 3],
            id: 0,
        }
    }
}

fn main() {}
