//! Every collective and point-to-point op on empty buffers of bytes and `bool`s (whose
//! dangling address, 1, is `MPI_IN_PLACE`'s value in Open MPI): each completes with an empty
//! result.
//! ranks: 1 2 3

use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let (rank, size) = (comm.rank(), comm.size());
    let token = spmd::token();
    let empty: &[u8] = &[];
    let no_flags: &[bool] = &[];
    let (got, token) = allgather(empty, &comm, token);
    assert!(got.is_empty());
    let mut out: [u8; 0] = [];
    let token = allgather_into(empty, &mut out[..], &comm, token);
    let (got, token) = gather(no_flags, 0, &comm, token);
    assert_eq!(got.map(|got| got.len()), (rank == 0).then_some(0));
    let (got, token) = alltoall(empty, &comm, token);
    assert!(got.is_empty());
    let (got, token) = scatter(no_flags, 0, &comm, token);
    assert!(got.is_empty());
    let (got, token) = bcast(empty, 0, &comm, token);
    assert!(got.is_empty());
    let (got, token) = allreduce(empty, BOr, &comm, token);
    assert!(got.is_empty());
    let (got, token) = reduce(no_flags, LOr, 0, &comm, token);
    assert_eq!(got.map(|got| got.len()), (rank == 0).then_some(0));
    let (got, token) = scan(empty, BXor, &comm, token);
    assert!(got.is_empty());
    let (got, token) = exscan(empty, BXor, &comm, token);
    assert!(got.is_empty());
    let (got, token) = sendrecv(
        empty,
        empty,
        Source::rank((rank + size - 1) % size),
        Dest::rank((rank + 1) % size),
        &comm,
        token,
    );
    assert!(got.is_empty());
    let (request, token) = iallgather(empty, &comm, token);
    let (got, token) = wait(request, token);
    assert!(got.is_empty());
    let (request, token) = iallreduce(empty, BOr, &comm, token);
    let (got, token) = wait(request, token);
    assert!(got.is_empty());
    let (request, token) = ialltoall(no_flags, &comm, token);
    let (got, token) = wait(request, token);
    assert!(got.is_empty());
    let (request, token) = igather(empty, 0, &comm, token);
    let (got, token) = wait(request, token);
    assert_eq!(got.map(|got| got.len()), (rank == 0).then_some(0));
    let (request, token) = ireduce_scatter_block(empty, BOr, &comm, token);
    let (got, token) = wait(request, token);
    assert!(got.is_empty());
    drop(token);
}
