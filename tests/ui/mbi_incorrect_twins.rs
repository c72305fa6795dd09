//! The incorrect twins of `tests/ui/pass/mbi_correct_codes.rs`, from the same MBI generator
//! (`CollMatchingGenerator.py`'s `_nok` programs): each is still rejected, by the pattern
//! check, with the world size and the ranks.

use spmd::prelude::*;

/// `CallOrdering_MPI_Bcast_MPI_Allreduce_nok`: odd ranks call `bcast` then `allreduce`, even
/// ranks the other order.
#[spmd_jit]
fn call_ordering_bcast_allreduce(comm: &Comm, x: i32) -> i32 {
    let rank = comm.rank();
    if rank % 2 == 1 {
        let y = bcast(&x, 0, comm);
        allreduce(&y, Sum, comm)
    } else {
        let y = allreduce(&x, Sum, comm);
        bcast(&y, 0, comm)
    }
}

/// `CallOrdering_MPI_Reduce_none_nok`: odd ranks call `reduce`, even ranks no collective.
#[spmd_jit]
fn call_ordering_reduce_none(comm: &Comm, x: i32) -> Option<i32> {
    let rank = comm.rank();
    let mut total = None;
    if rank % 2 == 1 {
        total = reduce(&x, Sum, 0, comm);
    }
    total
}

/// `CallOrdering_MPI_Ibarrier_MPI_Barrier_nok`: a nonblocking and a blocking collective in
/// opposite orders.
#[spmd_jit]
fn call_ordering_ibarrier_barrier(comm: &Comm) {
    let rank = comm.rank();
    if rank % 2 == 1 {
        let request = ibarrier(comm);
        wait(request);
        barrier(comm);
    } else {
        barrier(comm);
        let request = ibarrier(comm);
        wait(request);
    }
}

/// `MessageRace_MPI_Bcast_MPI_Send_MPI_Irecv` with a rank that skips its collective: rank 3
/// calls none.
#[spmd_jit]
fn message_race_missing_collective(comm: &Comm, x: i32) -> i32 {
    assert_eq!(comm.size(), 4, "the MBI code runs on 4 processes");
    let rank = comm.rank();
    let mut got = x;
    if rank == 0 || rank == 2 {
        got = bcast(&got, 0, comm);
        send(&x, 1, comm);
    } else if rank == 1 {
        let first = irecv(&x, ANY_SOURCE, comm);
        got = bcast(&got, 0, comm);
        let second = irecv(&x, ANY_SOURCE, comm);
        got += wait(first) + wait(second);
    }
    got
}

fn main() {}
