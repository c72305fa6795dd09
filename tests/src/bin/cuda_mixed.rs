//! Device and host buffers mixed in one `#[spmd_jit]` function: device in, device out; host in,
//! host out; a device send into a host receive and the reverse. One call site in a loop keeps
//! its pinned staging memory: after the first iteration no more is pinned.
//! ranks: 1 2 3
//! requires: cuda-gpu

use std::sync::Arc;

use spmd::cuda::cudarc::driver::{CudaSlice, CudaStream};
use spmd::prelude::*;

// ANCHOR: mixed
/// One step of a solver whose field lives on the GPU and whose diagnostics live on the host.
#[spmd_jit]
fn step(comm: &Comm, field: &CudaSlice<f64>, residuals: &[f64]) -> (CudaSlice<f64>, Vec<f64>) {
    // Device in, device out, on `field`'s stream.
    let summed = allreduce(field, Sum, comm);
    // Host in, host out.
    let worst = allreduce(residuals, Max, comm);
    (summed, worst)
}
// ANCHOR_END: mixed

/// Rank 0's device buffer lands in every rank's host vector, and back into device memory.
#[spmd_jit]
fn crossing(comm: &Comm, stream: &Arc<CudaStream>, len: usize) -> (Vec<f64>, CudaSlice<f64>) {
    let mine: Vec<f64> = (0..len).map(|i| (comm.rank() * 1000 + i) as f64).collect();
    let on_device = stream.clone_htod(&mine).expect("upload");
    // Device send buffer, host receive buffer: the result has the host buffer's kind.
    let mut gathered = vec![0.0; len * comm.size()];
    allgather_into(&on_device, &mut gathered, comm);
    // Host send buffer, device receive buffer.
    let mut back = stream.alloc_zeros::<f64>(len * comm.size()).expect("alloc");
    allgather_into(&mine, &mut back, comm);
    (gathered, back)
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let (rank, size) = (comm.rank(), comm.size());
    let context = spmd::cuda::select_device(&comm).unwrap_or_else(|error| panic!("{error}"));
    let stream = context.new_stream().expect("a stream");

    let mut pinned_after_first = None;
    for iteration in 0..20 {
        let field: Vec<f64> = (0..1000).map(|i| (rank + i) as f64).collect();
        let field = stream.clone_htod(&field).expect("upload");
        let residuals = [rank as f64, iteration as f64];
        let (summed, worst) = step(&comm, &field, &residuals);
        let summed = stream.clone_dtoh(&summed).expect("download");
        for (i, &x) in summed.iter().enumerate() {
            assert_eq!(x, (size * i + size * (size - 1) / 2) as f64, "element {i}");
        }
        assert_eq!(worst, vec![(size - 1) as f64, iteration as f64]);
        let pinned = spmd::cuda::pinned_bytes();
        match pinned_after_first {
            None => pinned_after_first = Some(pinned),
            Some(first) => assert_eq!(pinned, first, "iteration {iteration} pinned more memory"),
        }
    }

    for len in [1, 31, 33, 1000] {
        let (gathered, back) = crossing(&comm, &stream, len);
        let expected: Vec<f64> = (0..size)
            .flat_map(|p| (0..len).map(move |i| (p * 1000 + i) as f64))
            .collect();
        assert_eq!(gathered, expected, "device to host, {len} elements");
        assert_eq!(
            stream.clone_dtoh(&back).expect("download"),
            expected,
            "host to device, {len} elements"
        );
    }
}
