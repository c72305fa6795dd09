//! `struct_fields_from_rank.rs` receiving from the wrong neighbour: the ring is built from the
//! rank and size in its only constructor, so the check knows it in the method and finds the
//! message that nobody receives.

use spmd::prelude::*;

#[derive(Debug, Clone, Copy)]
struct Ring {
    left: usize,
    right: usize,
}

impl Ring {
    fn new(comm: &Comm) -> Ring {
        let (rank, size) = (comm.rank(), comm.size());
        Ring {
            left: (rank + size - 1) % size,
            right: (rank + 1) % size,
        }
    }
}

struct Halo {
    ring: Ring,
    incoming: Vec<f64>,
}

impl Halo {
    fn new(comm: &Comm) -> Halo {
        Halo {
            ring: Ring::new(comm),
            incoming: vec![0.0; 4],
        }
    }

    #[spmd_jit]
    fn shift_right(&mut self, comm: &Comm, x: &[f64]) {
        let from = Source::rank(self.ring.right);
        let to = Dest::rank(self.ring.right);
        sendrecv_into(x, &mut self.incoming[..x.len()], from, to, comm);
    }
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    Halo::new(&comm).shift_right(&comm, &[1.0]);
}
