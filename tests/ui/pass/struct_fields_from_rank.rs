//! Neighbours kept in a struct that every constructor builds from the rank and size: the check
//! knows them in the methods, so the exchange is checked (its twin,
//! `pattern_struct_field_wrong_neighbour.rs`, receives from the wrong neighbour and is
//! rejected). A constructor that fails with some sizes leaves them out.

use spmd::prelude::*;

// ANCHOR: ring
/// This rank's neighbours on a ring.
#[derive(Debug, Clone, Copy)]
struct Ring {
    left: usize,
    right: usize,
}

impl Ring {
    /// The ring of `comm`, on an even number of ranks only.
    fn new(comm: &Comm) -> Result<Ring, String> {
        let (rank, size) = (comm.rank(), comm.size());
        if size % 2 != 0 {
            return Err(format!("the ring runs on an even number of ranks, not {size}"));
        }
        Ok(Ring {
            left: (rank + size - 1) % size,
            right: (rank + 1) % size,
        })
    }
}

/// A halo exchange that keeps its ring.
struct Halo {
    ring: Ring,
    incoming: Vec<f64>,
}

impl Halo {
    fn new(ring: Ring) -> Halo {
        Halo {
            ring,
            incoming: vec![0.0; 4],
        }
    }

    /// Sends `x` to the right while receiving from the left.
    #[spmd_jit]
    fn shift_right(&mut self, comm: &Comm, x: &[f64]) {
        let from = Source::rank(self.ring.left);
        let to = Dest::rank(self.ring.right);
        sendrecv_into(x, &mut self.incoming[..x.len()], from, to, comm);
    }
}

/// The exchange of `comm`.
fn halo(comm: &Comm) -> Result<Halo, String> {
    let ring = Ring::new(comm)?;
    Ok(Halo::new(ring))
}
// ANCHOR_END: ring

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    if let Ok(mut halo) = halo(&comm) {
        halo.shift_right(&comm, &[1.0]);
    }
}
