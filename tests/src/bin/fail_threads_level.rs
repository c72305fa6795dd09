//! An `SPMD_THREADS` that names no level stops the program before MPI starts, with the levels
//! there are.
//! ranks: 1 2
//! env: SPMD_THREADS=several
//! timeout: 20
//! expect-failure: SPMD_THREADS="several" is not a threading level
//! expect-failure: `single` (MPI_THREAD_SINGLE), `funneled` (the default) or `multiple`

fn main() {
    let _universe = spmd::init();
    unreachable!("init accepted SPMD_THREADS=several");
}
