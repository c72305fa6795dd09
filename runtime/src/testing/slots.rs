//! A share of the machine's cores for each job, so that tests run in parallel (by `cargo test`'s
//! threads or `cargo nextest`'s processes) never start more ranks at once than there are cores,
//! unless one job alone needs more.
//!
//! Each core is a lock file (`flock`), in a folder of the temporary directory per user; a job of
//! `N` ranks holds `min(N, cores)` of them while it runs. One job at a time picks its slots,
//! holding a gate lock meanwhile, so two jobs never each hold part of what both need. The locks
//! go with the process: a test killed midway leaves none behind.

use std::fs::{File, OpenOptions};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The slots a job holds; dropping it frees them.
#[derive(Debug)]
pub(super) struct Slots {
    _held: Vec<File>,
}

/// Waits until `ranks` slots (at most one per core) are free and takes them.
pub(super) fn acquire(ranks: usize) -> Result<Slots, String> {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let dir = folder()?;
    let gate = open(&dir.join("gate"))?;
    lock(&gate, true).map_err(|error| problem(&dir, error))?;
    let wanted = ranks.clamp(1, cores);
    let mut held = Vec::with_capacity(wanted);
    let mut free: Vec<usize> = (0..cores).collect();
    while held.len() < wanted {
        let mut index = 0;
        while index < free.len() && held.len() < wanted {
            let file = open(&dir.join(format!("core-{}", free[index])))?;
            if lock(&file, false).map_err(|error| problem(&dir, error))? {
                held.push(file);
                free.swap_remove(index);
            } else {
                index += 1;
            }
        }
        if held.len() < wanted {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    drop(gate);
    Ok(Slots { _held: held })
}

/// `<temp>/spmd-test-slots-<uid>`, made if missing.
fn folder() -> Result<PathBuf, String> {
    // SAFETY: `getuid` has no preconditions and cannot fail.
    let uid = unsafe { libc::getuid() };
    let dir = std::env::temp_dir().join(format!("spmd-test-slots-{uid}"));
    std::fs::create_dir_all(&dir).map_err(|error| problem(&dir, error))?;
    Ok(dir)
}

fn open(path: &Path) -> Result<File, String> {
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|error| problem(path, error))
}

/// Takes `file`'s exclusive lock, waiting for it when `wait`; `false` when it is held elsewhere.
fn lock(file: &File, wait: bool) -> std::io::Result<bool> {
    let operation = if wait {
        libc::LOCK_EX
    } else {
        libc::LOCK_EX | libc::LOCK_NB
    };
    loop {
        // SAFETY: `flock` on a descriptor that `file` owns and keeps open for the call.
        if unsafe { libc::flock(file.as_raw_fd(), operation) } == 0 {
            return Ok(true);
        }
        let error = std::io::Error::last_os_error();
        match error.raw_os_error() {
            Some(libc::EINTR) => continue,
            Some(libc::EWOULDBLOCK) if !wait => return Ok(false),
            _ => return Err(error),
        }
    }
}

fn problem(path: &Path, error: std::io::Error) -> String {
    format!(
        "cannot use the lock files that keep parallel tests from starting more ranks than there \
         are cores, in {}: {error}; make the temporary directory writable, or point TMPDIR to \
         one that is",
        path.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_holds_its_slots_until_dropped() {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let all = acquire(cores + 3).unwrap();
        assert_eq!(all._held.len(), cores);
        let dir = folder().unwrap();
        let taken = (0..cores)
            .filter(|core| {
                let file = open(&dir.join(format!("core-{core}"))).unwrap();
                !lock(&file, false).unwrap()
            })
            .count();
        assert_eq!(taken, cores);
        drop(all);
        let one = acquire(1).unwrap();
        assert_eq!(one._held.len(), 1);
    }
}
