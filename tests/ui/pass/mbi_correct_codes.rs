//! Correct codes of the MPI Bugs Initiative (MBI), written with spmd: the shapes of
//! `CollMatchingGenerator.py`'s and `CollP2PMessageRaceGenerator.py`'s `_ok` programs. Each
//! branches on the rank in a way that a syntactic rule takes for a collective that only some
//! ranks reach; the pattern check evaluates them and accepts them. Their incorrect twins are
//! in `tests/ui/mbi_incorrect_twins.rs`.

use spmd::prelude::*;

// ANCHOR: always_true
/// `CallOrdering_MPI_Bcast_MPI_Bcast_ok`: every rank calls `bcast` twice, under a condition
/// that holds on every rank (`rank < nprocs`), with no `else`.
#[spmd_jit]
fn call_ordering_bcast_bcast(comm: &Comm, buf: &[i32]) -> Vec<i32> {
    let (rank, nprocs) = (comm.rank(), comm.size());
    let mut out = buf.to_vec();
    if rank < nprocs {
        out = bcast(&out[..], 0, comm);
        out = bcast(&out[..], 0, comm);
    }
    out
}
// ANCHOR_END: always_true

/// `CallOrdering_MPI_Allreduce_MPI_Gather_ok`: two different collectives, in the same order on
/// every rank.
#[spmd_jit]
fn call_ordering_allreduce_gather(comm: &Comm, x: i32) -> Option<Vec<i32>> {
    let (rank, nprocs) = (comm.rank(), comm.size());
    let root = 0;
    let mut gathered = None;
    if rank < nprocs {
        let sum = allreduce(&x, Sum, comm);
        gathered = gather(&sum, root, comm);
    }
    gathered
}

/// `CallOrdering_MPI_Reduce_ok`: one collective.
#[spmd_jit]
fn call_ordering_reduce(comm: &Comm, x: i32) -> Option<i32> {
    let rank = comm.rank();
    let nprocs = comm.size();
    let mut total = None;
    if rank < nprocs {
        total = reduce(&x, Sum, 0, comm);
    }
    total
}

/// `CallOrdering_MPI_Barrier_MPI_Scatter_ok`.
#[spmd_jit]
fn call_ordering_barrier_scatter(comm: &Comm, data: &[i32]) -> Vec<i32> {
    let (rank, nprocs) = (comm.rank(), comm.size());
    let mut mine = Vec::new();
    if rank < nprocs {
        barrier(comm);
        mine = scatter(data, 0, comm);
    }
    mine
}

/// `CallOrdering_MPI_Ibarrier_MPI_Ibcast_ok`: nonblocking collectives, each completed before
/// the next.
#[spmd_jit]
fn call_ordering_ibarrier_ibcast(comm: &Comm, buf: Vec<i32>) -> Vec<i32> {
    let (rank, nprocs) = (comm.rank(), comm.size());
    let mut out = buf;
    if rank < nprocs {
        let request = ibarrier(comm);
        wait(request);
        let request = ibcast(out, 0, comm);
        out = wait(request);
    }
    out
}

/// `CallOrdering_MPI_Iallreduce_MPI_Iallreduce_ok`.
#[spmd_jit]
fn call_ordering_iallreduce_iallreduce(comm: &Comm, x: i32) -> i32 {
    let (rank, nprocs) = (comm.rank(), comm.size());
    let mut total = x;
    if rank < nprocs {
        let first = iallreduce(&total, Sum, comm);
        total = wait(first);
        let second = iallreduce(&total, Max, comm);
        total = wait(second);
    }
    total
}

// ANCHOR: message_race
/// `MessageRace_MPI_Bcast_MPI_Send_MPI_Irecv_ok`, for the 4 ranks it is written for: ranks 0
/// and 2 send to rank 1, which receives both from any source around the collective that every
/// rank calls on its own branch.
#[spmd_jit]
fn message_race_bcast(comm: &Comm, x: i32) -> i32 {
    assert_eq!(comm.size(), 4, "the MBI code runs on 4 processes");
    let rank = comm.rank();
    let root = 0;
    let mut got = x;
    if rank == 0 {
        got = bcast(&got, root, comm);
        send(&x, 1, comm);
    } else if rank == 2 {
        got = bcast(&got, root, comm);
        send(&x, 1, comm);
    } else if rank == 1 {
        let first = irecv(&x, ANY_SOURCE, comm);
        got = bcast(&got, root, comm);
        let second = irecv(&x, ANY_SOURCE, comm);
        let (a, b) = wait_all((first, second), comm);
        got += a + b;
    } else if rank == 3 {
        got = bcast(&got, root, comm);
    }
    got
}
// ANCHOR_END: message_race

/// `MessageRace_MPI_Allreduce_MPI_Isend_MPI_Irecv_ok`: the same with nonblocking sends.
#[spmd_jit]
fn message_race_allreduce_isend(comm: &Comm, x: i32) -> i32 {
    assert_eq!(comm.size(), 4, "the MBI code runs on 4 processes");
    let rank = comm.rank();
    let mut got = x;
    if rank == 0 {
        got = allreduce(&got, Sum, comm);
        let request = isend(&x, 1, comm);
        wait(request);
    } else if rank == 2 {
        got = allreduce(&got, Sum, comm);
        let request = isend(&x, 1, comm);
        wait(request);
    } else if rank == 1 {
        let first = irecv(&x, ANY_SOURCE, comm);
        got = allreduce(&got, Sum, comm);
        let second = irecv(&x, ANY_SOURCE, comm);
        let (a, b) = wait_all((first, second), comm);
        got += a + b;
    } else if rank == 3 {
        got = allreduce(&got, Sum, comm);
    }
    got
}

/// `MessageRace_MPI_Barrier_MPI_Send_MPI_Irecv_ok`.
#[spmd_jit]
fn message_race_barrier(comm: &Comm, x: i32) -> i32 {
    assert_eq!(comm.size(), 4, "the MBI code runs on 4 processes");
    let rank = comm.rank();
    let mut got = x;
    if rank == 0 || rank == 2 {
        barrier(comm);
        send(&x, 1, comm);
    } else if rank == 1 {
        let first = irecv(&x, Source::any(), comm);
        barrier(comm);
        let second = irecv(&x, Source::any(), comm);
        got += wait(first) + wait(second);
    } else if rank == 3 {
        barrier(comm);
    }
    got
}

fn main() {}
