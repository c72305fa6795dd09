//! Which GPU a rank uses: its rank among the ranks of its node, modulo the node's devices.

use std::sync::Arc;

use cudarc::driver::CudaContext;
use mpi::topology::Communicator;

use super::{DeviceError, driver_available};
use crate::comm::Comm;

/// The device for the rank `local_rank` of a node with `device_count` devices
/// (`local_rank % device_count`), or `None` when the node has no device.
///
/// With as many ranks per node as devices, each rank gets its own device; with more ranks than
/// devices, ranks share them round-robin (rank 0 and rank `device_count` share device 0).
pub fn device_for_local_rank(local_rank: usize, device_count: usize) -> Option<usize> {
    (device_count > 0).then(|| local_rank % device_count)
}

/// This process's rank among the ranks of `comm` on the same node, and how many ranks of `comm`
/// run there (`MPI_Comm_split_type` with `MPI_COMM_TYPE_SHARED`).
///
/// Collective: every rank of `comm` must call it.
pub fn node_local_rank(comm: &Comm) -> (usize, usize) {
    let key = i32::try_from(comm.rank()).expect("MPI ranks fit in an int");
    let node = comm.as_mpi().split_shared(key);
    (node.rank() as usize, node.size() as usize)
}

/// The launcher variables that hold a process's rank on its node, in the order they are read.
const LAUNCHER_LOCAL_RANK: [&str; 4] = [
    "OMPI_COMM_WORLD_LOCAL_RANK", // Open MPI's mpirun
    "MPI_LOCALRANKID",            // MPICH's Hydra
    "SLURM_LOCALID",              // srun
    "PMI_LOCAL_RANK",             // PMIx launchers
];

/// This process's rank on its node as the launcher tells it, before MPI is initialised, from
/// `get(name)` (pass `|name| std::env::var(name).ok()`): the first of
/// `OMPI_COMM_WORLD_LOCAL_RANK`, `MPI_LOCALRANKID`, `SLURM_LOCALID`, `PMI_LOCAL_RANK` that holds
/// a number.
///
/// For programs that must pick their device before [`init`](crate::init), as some CUDA-aware
/// MPI set-ups require; after `init`, [`node_local_rank`] asks MPI itself.
pub fn local_rank_from_launcher(get: impl Fn(&str) -> Option<String>) -> Option<usize> {
    LAUNCHER_LOCAL_RANK
        .iter()
        .find_map(|name| get(name)?.trim().parse().ok())
}

/// The number of CUDA devices this process can see (after `CUDA_VISIBLE_DEVICES`).
pub fn device_count() -> Result<usize, DeviceError> {
    driver_available()?;
    match CudaContext::device_count() {
        Ok(count) => Ok(usize::try_from(count).unwrap_or(0)),
        Err(error) => Err(DeviceError::new(format!(
            "the CUDA driver could not count the devices: {error}; check that a GPU is present \
             (nvidia-smi) and that CUDA_VISIBLE_DEVICES does not hide every device"
        ))),
    }
}

/// The CUDA context of the GPU for this rank: device `node-local rank % devices on the node`
/// (see [`node_local_rank`], [`device_for_local_rank`]).
///
/// Launch one rank per GPU (`mpirun -n <GPUs per node × nodes>`, or `srun --gpus-per-task=1`)
/// and every rank gets its own device; ranks beyond the node's device count share devices.
/// Collective over `comm`: every rank must call it.
pub fn select_device(comm: &Comm) -> Result<Arc<CudaContext>, DeviceError> {
    let (local_rank, local_size) = node_local_rank(comm);
    let count = device_count()?;
    let Some(ordinal) = device_for_local_rank(local_rank, count) else {
        return Err(DeviceError::new(format!(
            "rank {} (rank {local_rank} of {local_size} on its node) found no CUDA device; \
             check nvidia-smi and CUDA_VISIBLE_DEVICES",
            comm.rank()
        )));
    };
    CudaContext::new(ordinal).map_err(|error| {
        DeviceError::new(format!(
            "rank {} could not open CUDA device {ordinal} (of {count}): {error}",
            comm.rank()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_rank_per_device_gets_its_own() {
        let devices: Vec<_> = (0..4).map(|rank| device_for_local_rank(rank, 4)).collect();
        assert_eq!(devices, [Some(0), Some(1), Some(2), Some(3)]);
    }

    #[test]
    fn more_ranks_than_devices_share_round_robin() {
        let devices: Vec<_> = (0..5).map(|rank| device_for_local_rank(rank, 2)).collect();
        assert_eq!(devices, [Some(0), Some(1), Some(0), Some(1), Some(0)]);
        assert_eq!(
            device_for_local_rank(7, 1),
            Some(0),
            "one GPU: everyone shares it"
        );
    }

    #[test]
    fn no_device_is_none() {
        assert_eq!(device_for_local_rank(0, 0), None);
        assert_eq!(device_for_local_rank(3, 0), None);
    }

    #[test]
    fn launcher_variables_in_order() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(key, _)| *key == name)
                    .map(|(_, value)| (*value).to_string())
            }
        };
        assert_eq!(local_rank_from_launcher(env(&[])), None);
        assert_eq!(
            local_rank_from_launcher(env(&[("SLURM_LOCALID", "3")])),
            Some(3)
        );
        assert_eq!(
            local_rank_from_launcher(env(&[
                ("SLURM_LOCALID", "3"),
                ("OMPI_COMM_WORLD_LOCAL_RANK", " 1\n")
            ])),
            Some(1),
            "Open MPI's own variable wins"
        );
        assert_eq!(
            local_rank_from_launcher(env(&[("MPI_LOCALRANKID", "x"), ("PMI_LOCAL_RANK", "2")])),
            Some(2),
            "a variable that holds no number is skipped"
        );
    }

    #[test]
    fn no_driver_is_an_error_not_a_panic() {
        // Where a driver is installed this only checks that the probe agrees with itself.
        match driver_available() {
            // With a driver, counting must not panic even without a device.
            Ok(()) => drop(device_count()),
            Err(error) => {
                assert!(error.message.contains("no CUDA driver found (libcuda.so)"));
                assert_eq!(device_count(), Err(error));
            }
        }
    }
}
