//! A communicator made by the `unsafe` `Comm::without_agreement` runs its collectives without
//! the ranks' agreement first, with the same results: barrier and ibarrier become MPI's own,
//! nonblocking collectives start when issued. Its duplicates keep the choice.
//! ranks: 1 2 3 4

use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    assert!(comm.agrees());
    // SAFETY: every rank calls the collectives below in the same order with the same counts,
    // roots, element types and operators (none depends on the rank).
    let fast = unsafe { comm.without_agreement() };
    assert!(!fast.agrees());
    assert!(!fast.with_check(false).agrees());
    let (rank, size) = (fast.rank(), fast.size());
    let token = spmd::token();

    let token = barrier(&fast, token);
    let (sum, token) = allreduce(&[rank as i64, 1][..], Sum, &fast, token);
    assert_eq!(sum, [(size * (size - 1) / 2) as i64, size as i64]);
    let mut data = [rank as f32; 5];
    let token = bcast_in_place(&mut data[..], size - 1, &fast, token);
    assert_eq!(data, [(size - 1) as f32; 5]);
    let (all, token) = allgather(&[rank as u16][..], &fast, token);
    assert_eq!(all, (0..size as u16).collect::<Vec<_>>());

    let (barrier_request, token) = ibarrier(&fast, token);
    let (max, token) = iallreduce(&[rank as u8][..], Max, &fast, token);
    let (max, token) = wait(max, token);
    assert_eq!(max, [(size - 1) as u8]);
    let ((), token) = wait(barrier_request, token);

    // The agreeing communicator still works beside it.
    let (count, _token) = allreduce(&1u32, Sum, &comm, token);
    assert_eq!(count, size as u32);
    if rank == 0 {
        println!("ok");
    }
}
