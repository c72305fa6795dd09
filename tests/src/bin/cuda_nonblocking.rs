//! The nonblocking ops on CUDA device slices and views, each checked against the same op on host
//! vectors: a ring of `irecv` + `isend` posted before anything completes, `irecv_into` a
//! device buffer completed by a `test` loop, `isendrecv`, and `iallreduce`, `ibcast`,
//! `iallgather`, `ialltoall` in flight together. The device buffers are produced by copies still
//! queued on a non-default stream when the op is issued (the op must wait for them), and the
//! sent buffer is overwritten on the device right after the issue (the request must own what it
//! sends).
//! ranks: 1 2 3
//! requires: cuda-gpu
//! timeout: 120

use std::sync::Arc;

use spmd::cuda::cudarc::driver::{CudaSlice, CudaStream};
use spmd::prelude::*;

#[path = "../cuda_support.rs"]
mod cuda_support;

use cuda_support::{device, host, same};

const SIZES: [usize; 3] = [1, 1000, 1 << 20];

/// Both requests of the ring in flight before either completes; the sent buffer is
/// overwritten on the device once the send is issued.
#[spmd_jit]
fn ring(comm: &Comm, stream: &Arc<CudaStream>, mine: &mut CudaSlice<f64>) -> CudaSlice<f64> {
    let (from, to) = comm.shift(1);
    let template = stream.alloc_zeros::<f64>(mine.len()).expect("alloc");
    let incoming = irecv(&template, from, comm);
    let outgoing = isend(&*mine, to, comm);
    stream.memset_zeros(mine).expect("memset");
    wait(outgoing);
    wait(incoming)
}

/// A receive into device memory, completed by `test`, with `isendrecv` beside it.
#[spmd_jit]
fn into_device(
    comm: &Comm,
    stream: &Arc<CudaStream>,
    mine: &CudaSlice<f64>,
    out: &mut CudaSlice<f64>,
) -> CudaSlice<f64> {
    let (rank, size) = (comm.rank(), comm.size());
    let (next, prev) = ((rank + 1) % size, (rank + size - 1) % size);
    let template = stream.alloc_zeros::<f64>(mine.len()).expect("alloc");
    let mut pending = irecv_into(out, Source::rank(prev).tag(7), comm);
    let outgoing = isend(&mine.slice(..), Dest::rank(next).tag(7), comm);
    // Sent backwards: this rank gets the next rank's buffer.
    let swapped = isendrecv(
        mine,
        &template,
        Source::rank(next).tag(8),
        Dest::rank(prev).tag(8),
        comm,
    );
    let status = loop {
        match test(pending) {
            Ok(status) => break status,
            Err(request) => pending = request,
        }
    };
    assert_eq!(status.count(), mine.len(), "irecv_into: the count received");
    let (swapped, ()) = wait_all((swapped, outgoing), comm);
    swapped
}

/// The collectives at once, on a device slice and a view of it.
#[spmd_jit]
fn collectives(
    comm: &Comm,
    x: &CudaSlice<f64>,
) -> (
    CudaSlice<f64>,
    CudaSlice<f64>,
    CudaSlice<f64>,
    CudaSlice<f64>,
) {
    let root = comm.size() - 1;
    let sum = iallreduce(x, Sum, comm);
    let view = x.slice(..);
    let from_root = ibcast(&view, root, comm);
    let gathered = iallgather(x, comm);
    let exchanged = ialltoall(x, comm);
    wait_all((sum, from_root, gathered, exchanged), comm)
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let (rank, size) = (comm.rank(), comm.size());
    let (next, prev) = ((rank + 1) % size, (rank + size - 1) % size);
    let context = spmd::cuda::select_device(&comm).unwrap_or_else(|error| panic!("{error}"));
    let stream = context.new_stream().expect("a stream");

    for n in SIZES {
        let mine = host(rank, n);

        let mut sent = device(&stream, &mine);
        let got = ring(&comm, &stream, &mut sent);
        same(&got, &host(prev, n), "ring (irecv, isend)");
        same(
            &sent,
            &vec![0.0; n],
            "the sent buffer, overwritten after the issue",
        );

        let dev = device(&stream, &mine);
        let mut out = stream.alloc_zeros::<f64>(n).expect("alloc");
        let swapped = into_device(&comm, &stream, &dev, &mut out);
        same(&out, &host(prev, n), "irecv_into");
        same(&swapped, &host(next, n), "isendrecv");

        // A multiple of the world size, for `ialltoall`.
        let m = n.div_ceil(size) * size;
        let x = host(rank, m);
        let (sum, from_root, gathered, exchanged) = collectives(&comm, &device(&stream, &x));
        let sum_host: Vec<f64> = (0..m)
            .map(|i| (0..size).map(|r| host(r, m)[i]).sum())
            .collect();
        same(&sum, &sum_host, "iallreduce");
        same(&from_root, &host(size - 1, m), "ibcast");
        let gathered_host: Vec<f64> = (0..size).flat_map(|r| host(r, m)).collect();
        same(&gathered, &gathered_host, "iallgather");
        let block = m / size;
        let exchanged_host: Vec<f64> = (0..size)
            .flat_map(|r| host(r, m)[rank * block..(rank + 1) * block].to_vec())
            .collect();
        same(&exchanged, &exchanged_host, "ialltoall");
    }
    if rank == 0 {
        println!("nonblocking ops on device buffers agree with host buffers");
    }
}
