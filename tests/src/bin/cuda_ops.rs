//! Every op on CUDA device slices and views of 1, 31, 33, 1000 and 2^20 elements (sizes that
//! are and are not multiples of the warp size, and one large enough to expose a missing stream
//! synchronisation), each checked against the same op on host vectors. The device buffers are
//! produced by device-to-device copies still queued on a non-default stream when the op starts.
//! ranks: 2 3
//! requires: cuda-gpu
//! timeout: 180

use spmd::prelude::*;

#[path = "../cuda_support.rs"]
mod cuda_support;

use cuda_support::{device, host, same};

const SIZES: [usize; 5] = [1, 31, 33, 1000, 1 << 20];

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let (rank, size) = (comm.rank(), comm.size());
    let (next, prev) = ((rank + 1) % size, (rank + size - 1) % size);
    let last = size - 1;
    let context = spmd::cuda::select_device(&comm).unwrap_or_else(|error| panic!("{error}"));
    let stream = context.new_stream().expect("a stream");
    let mut token = spmd::token();

    for n in SIZES {
        let mine = host(rank, n);
        let dev = device(&stream, &mine);

        // Reductions, on the slice and on a view of it.
        let (d, t) = allreduce(&dev, Sum, &comm, token);
        let (h, t) = allreduce(&mine, Sum, &comm, t);
        same(&d, &h, "allreduce");
        let (d, t) = allreduce(&dev.slice(..), Max, &comm, t);
        let (h, t) = allreduce(&mine, Max, &comm, t);
        same(&d, &h, "allreduce of a view");
        let mut d = device(&stream, &mine);
        let t = allreduce_in_place(&mut d, Prod, &comm, t);
        let (h, t) = allreduce(&mine, Prod, &comm, t);
        same(&d, &h, "allreduce_in_place");
        let mut d = device(&stream, &mine);
        let t = allreduce_in_place(&mut d.as_view_mut(), Min, &comm, t);
        let (h, t) = allreduce(&mine, Min, &comm, t);
        same(&d, &h, "allreduce_in_place on a mutable view");
        let (d, t) = reduce(&dev, Sum, 0, &comm, t);
        let (h, t) = reduce(&mine, Sum, 0, &comm, t);
        assert_eq!(
            d.is_some(),
            comm.rank() == 0,
            "reduce: Some at the root only"
        );
        if let (Some(d), Some(h)) = (&d, &h) {
            same(d, h, "reduce");
        }
        let mut d = device(&stream, &mine);
        let t = reduce_in_place(&mut d, Sum, last, &comm, t);
        let (h, t) = reduce(&mine, Sum, last, &comm, t);
        same(&d, h.as_deref().unwrap_or(&mine), "reduce_in_place");
        let (d, t) = scan(&dev, Sum, &comm, t);
        let (h, t) = scan(&mine, Sum, &comm, t);
        same(&d, &h, "scan");
        let mut d = device(&stream, &mine);
        let t = scan_in_place(&mut d, Sum, &comm, t);
        same(&d, &h, "scan_in_place");
        let (d, t) = exscan(&dev, Sum, &comm, t);
        let (h, t) = exscan(&mine, Sum, &comm, t);
        same(&d, &h, "exscan");
        let mut d = device(&stream, &mine);
        let t = exscan_in_place(&mut d, Sum, &comm, t);
        same(&d, &h, "exscan_in_place");

        // Broadcast, gathers.
        let (d, t) = bcast(&dev, last, &comm, t);
        same(&d, &host(last, n), "bcast");
        let mut d = device(&stream, &mine);
        let t = bcast_in_place(&mut d, 0, &comm, t);
        same(&d, &host(0, n), "bcast_in_place");
        let (d, t) = gather(&dev, 0, &comm, t);
        let (h, t) = gather(&mine, 0, &comm, t);
        assert_eq!(d.is_some(), rank == 0, "gather: Some at the root only");
        if let (Some(d), Some(h)) = (d, h) {
            same(&d, &h, "gather");
        }
        let mut d = device(&stream, &vec![0.0; n * size]);
        let t = gather_into(&dev, &mut d, last, &comm, t);
        let (h, t) = gather(&mine, last, &comm, t);
        if let Some(h) = h {
            same(&d, &h, "gather_into");
        }
        let (d, t) = allgather(&dev.slice(..), &comm, t);
        let (h, t) = allgather(&mine, &comm, t);
        same(&d, &h, "allgather of a view");
        let mut d = device(&stream, &vec![0.0; n * size]);
        let t = allgather_into(&dev, &mut d, &comm, t);
        same(&d, &h, "allgather_into");

        // Scatter and alltoall split a buffer of one block per rank.
        let blocks = host(rank, n * size);
        let dev_blocks = device(&stream, &blocks);
        let (d, t) = scatter(&dev_blocks, last, &comm, t);
        let (h, t) = scatter(&blocks, last, &comm, t);
        same(&d, &h, "scatter");
        let mut d = device(&stream, &vec![0.0; n]);
        let t = scatter_into(&dev_blocks, &mut d, 0, &comm, t);
        let (h, t) = scatter(&blocks, 0, &comm, t);
        same(&d, &h, "scatter_into");
        let (d, t) = alltoall(&dev_blocks, &comm, t);
        let (h, t) = alltoall(&blocks, &comm, t);
        same(&d, &h, "alltoall");
        let mut d = device(&stream, &vec![0.0; n * size]);
        let t = alltoall_into(&dev_blocks.slice(..), &mut d, &comm, t);
        same(&d, &h, "alltoall_into");

        // Point to point around the ring: even ranks send first, odd ranks receive first.
        let template = device(&stream, &vec![0.0; n]);
        let t = if rank % 2 == 0 {
            let t = send(&dev, next, &comm, t);
            let (d, status, t) = recv_with_status(&template, prev, &comm, t);
            same(&d, &host(prev, n), "recv_with_status");
            assert_eq!((status.source, status.count()), (prev, n));
            t
        } else {
            let (d, t) = recv(&template, prev, &comm, t);
            same(&d, &host(prev, n), "recv");
            send(&dev.slice(..), next, &comm, t)
        };
        let t = if rank % 2 == 0 {
            let mut d = device(&stream, &vec![-1.0; n + 3]);
            let (status, t) = recv_into(&mut d, prev, &comm, t);
            assert_eq!(status.count(), n);
            let mut expected = host(prev, n);
            expected.extend([-1.0; 3]);
            same(
                &d,
                &expected,
                "recv_into keeps the elements past the message",
            );
            send(&dev, next, &comm, t)
        } else {
            let t = send(&dev, next, &comm, t);
            let mut d = device(&stream, &vec![0.0; n]);
            let (_, t) = recv_into(&mut d, prev, &comm, t);
            same(&d, &host(prev, n), "recv_into");
            t
        };
        let (d, t) = sendrecv(
            &dev,
            &template,
            Source::rank(prev),
            Dest::rank(next),
            &comm,
            t,
        );
        same(&d, &host(prev, n), "sendrecv");
        let (d, status, t) = sendrecv_with_status(
            &dev.slice(..),
            &template,
            Source::rank(prev),
            Dest::rank(next),
            &comm,
            t,
        );
        same(&d, &host(prev, n), "sendrecv_with_status");
        assert_eq!(status.count(), n);
        let mut d = device(&stream, &vec![0.0; n]);
        let (_, t) = sendrecv_into(&dev, &mut d, Source::rank(prev), Dest::rank(next), &comm, t);
        same(&d, &host(prev, n), "sendrecv_into");

        token = barrier(&comm, t);
    }

    // An integer type and a bitwise operator.
    let bits: Vec<u32> = (0..33).map(|i| 1 << ((i + rank) % 32)).collect();
    let dev_bits = stream.clone_htod(&bits).expect("upload");
    let (d, t) = allreduce(&dev_bits, BOr, &comm, token);
    let (h, t) = allreduce(&bits, BOr, &comm, t);
    assert_eq!(stream.clone_dtoh(&d).expect("download"), h, "BOr of u32");
    drop(t);
}
