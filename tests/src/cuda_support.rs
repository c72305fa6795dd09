//! What the CUDA test programs share: rank-dependent host data, device copies of it made on a
//! stream that is still busy when an op starts, and the comparison of a device result with the
//! host result of the same op. Included by path (`#[path = "../cuda_support.rs"]`).

use std::sync::Arc;

use spmd::cuda::cudarc::driver::{CudaSlice, CudaStream};

/// Rank `rank`'s element `i`: small integers, so that sums and products are exact.
pub fn host(rank: usize, len: usize) -> Vec<f64> {
    (0..len).map(|i| (rank * 7 + i % 13) as f64).collect()
}

/// `data` on the device, produced by a copy still queued on `stream`.
pub fn device(stream: &Arc<CudaStream>, data: &[f64]) -> CudaSlice<f64> {
    let staging = stream.clone_htod(data).expect("upload");
    stream.clone_dtod(&staging).expect("device copy")
}

/// Panics, naming `what` and the first differing element, unless the device buffer (read on
/// its own stream) holds `host`.
#[track_caller]
pub fn same(device: &CudaSlice<f64>, host: &[f64], what: &str) {
    let got = device.stream().clone_dtoh(device).expect("download");
    assert_eq!(got.len(), host.len(), "{what}: length");
    if let Some(i) = (0..host.len()).find(|&i| got[i] != host[i]) {
        panic!(
            "{what}: element {i} of {} is {} on the device, {} on the host",
            host.len(),
            got[i],
            host[i]
        );
    }
}
