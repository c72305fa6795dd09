//! An exchange where rank 0 sends 32,768 `f64`s and rank 1 expects 16,384: rank 1's result
//! allocation (in a canary file) is untouched past its end, and the job stops with spmd's
//! error on rank 1; rank 0 receives rank 1's 8,192 into room for more. (Rank 1 sends another
//! size than it receives, so that only its result is of the size the test allocator places.)
//! ranks: 2
//! timeout: 30
//! canary: 1
//! expect-failure: `sendrecv` failed on rank 1 of 2
//! expect-failure: is larger than the receive template, which holds 16384 elements of f64: it has 32768 (262144 bytes); nothing was written

use spmd::prelude::*;
use spmd_tests::canary::CanaryAlloc;

#[global_allocator]
static ALLOCATOR: CanaryAlloc = CanaryAlloc::new();

const ROOM: usize = 16_384;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let token = spmd::token();
    let peer = Source::rank(1 - comm.rank());
    let to = Dest::rank(1 - comm.rank());
    if comm.rank() == 0 {
        let mut room = vec![0.0f64; ROOM];
        let (_, token) = sendrecv_into(&vec![1.0f64; 2 * ROOM], &mut room, peer, to, &comm, token);
        let (_, _token) = recv(&0u8, 1, &comm, token);
    } else {
        let template = vec![0.0f64; ROOM];
        let sent = vec![2.0f64; ROOM / 2];
        ALLOCATOR.arm(1, ROOM * 8, 4 * ROOM * 8);
        let (_, _token) = sendrecv(&sent, &template, peer, to, &comm, token);
        unreachable!("the exchange must refuse the message");
    }
}
