use spmd::prelude::*;

/// A convergence loop whose every trip receives from the left neighbour, which never sends.
#[spmd_jit]
fn converge(comm: &Comm, u: &mut Vec<f64>) {
    let (rank, size) = (comm.rank(), comm.size());
    let left = (rank + size - 1) % size;
    loop {
        let ghost = recv(&u[0], Source::rank(left), comm);
        u[0] = 0.5 * (u[0] + ghost);
        let err = allreduce(&u[0], Max, comm);
        if err < 1e-6 {
            break;
        }
    }
}

fn main() {}
