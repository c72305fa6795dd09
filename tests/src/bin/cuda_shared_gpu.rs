//! Two ranks on one node pick their devices from their node-local ranks: with one GPU they
//! share it, with more they get different ones. Both then reduce 2^20 elements, each on its own
//! stream, many times in a row, so that a missing synchronisation shows as a wrong sum.
//! ranks: 2
//! requires: cuda-gpu
//! timeout: 120

use spmd::prelude::*;

// ANCHOR: select
fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    // Device `node-local rank % devices on the node`: one rank per GPU when launched so.
    let context = spmd::cuda::select_device(&comm).unwrap_or_else(|error| panic!("{error}"));
    let stream = context.new_stream().expect("a stream");
    // ANCHOR_END: select
    let (local_rank, local_size) = spmd::cuda::node_local_rank(&comm);
    let devices = spmd::cuda::device_count().expect("a driver");
    assert_eq!(
        Some(context.ordinal()),
        spmd::cuda::device_for_local_rank(local_rank, devices)
    );
    if local_size == 2 && devices == 1 {
        assert_eq!(context.ordinal(), 0, "one GPU: both ranks share it");
    } else if local_size == 2 {
        // The two ranks report their devices to each other: they differ.
        let token = spmd::token();
        let (both, token) = allgather(&context.ordinal(), &comm, token);
        drop(token);
        assert_ne!(both[0], both[1], "two GPUs: one each");
    }

    let size = comm.size();
    let len = 1 << 20;
    for round in 0..10 {
        let data: Vec<f32> = (0..len)
            .map(|i| ((i % 100) + comm.rank() + round) as f32)
            .collect();
        let on_device = stream.clone_htod(&data).expect("upload");
        let copy = stream.clone_dtod(&on_device).expect("device copy");
        let token = spmd::token();
        let (sum, token) = allreduce(&copy, Sum, &comm, token);
        drop(token);
        let sum = stream.clone_dtoh(&sum).expect("download");
        for (i, &x) in sum.iter().enumerate().step_by(4099) {
            let expected = (size * ((i % 100) + round) + size * (size - 1) / 2) as f32;
            assert_eq!(x, expected, "round {round}, element {i}");
        }
    }
}
