//! Node-local notions: every rank's host name (the UTS host name, as MPI libraries group ranks
//! into nodes) is gathered, and the node-local rank and size that MPI gives
//! (`node_local_rank`, `MPI_Comm_split_type` shared), and the launcher's local rank
//! (`local_rank_from_launcher`), must match the grouping by name; the device choice follows the
//! local rank. On one host every rank shares one node; the multi-host test runs it on two. Not
//! over the TCP settings: MPICH's `MPIR_CVAR_NOLOCAL` makes every rank a node of its own.
//! ranks: 1 2 3
//! transports: shm

use spmd::cuda::{device_for_local_rank, local_rank_from_launcher, node_local_rank};
use spmd::prelude::*;

/// The host name this process sees (that of its UTS namespace).
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|name| name.trim().to_owned())
        .unwrap_or_else(|error| panic!("cannot read the host name: {error}"))
}

/// FNV-1a: host names travel as one number each.
fn fingerprint(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let rank = comm.rank();
    let name = host_name();
    let (hosts, token) = allgather(&fingerprint(&name), &comm, spmd::token());
    let mine = hosts[rank];
    let expected_local = hosts[..rank].iter().filter(|&&h| h == mine).count();
    let expected_size = hosts.iter().filter(|&&h| h == mine).count();
    let nodes = {
        let mut distinct = hosts.clone();
        distinct.sort_unstable();
        distinct.dedup();
        distinct.len()
    };

    let (local, local_size) = node_local_rank(&comm);
    assert_eq!(
        (local, local_size),
        (expected_local, expected_size),
        "rank {rank} on {name}: MPI's node-local rank and size"
    );
    let from_launcher = local_rank_from_launcher(|var| std::env::var(var).ok());
    assert_eq!(
        from_launcher,
        Some(expected_local),
        "rank {rank} on {name}: the launcher's local rank"
    );
    // Two devices per node: the ranks of each node take them in turn.
    assert_eq!(device_for_local_rank(local, 2), Some(expected_local % 2));
    println!(
        "rank {rank} on host {name}: node-local rank {local} of {local_size}, {nodes} node(s)"
    );
    let token = barrier(&comm, token);
    drop(token);
}
