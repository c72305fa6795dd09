//! Check mode warns of a possible message race without failing a correct program: rank 0
//! receives from any rank while the messages of ranks 1 and 2 both wait (each sender's later
//! message, received first by tag, makes sure its earlier one is there), so either could match
//! the first receive. The warning names the receive and both senders' sites; the sum is right
//! in every order, so the run succeeds.
//! ranks: 3
//! env: SPMD_CHECK=1
//! expect-output: possible message race: `recv` at tests/src/bin/check_race_warning.rs:24
//! expect-output: check_race_warning.rs:31

use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let token = spmd::token();
    let token = if comm.rank() == 0 {
        // The later messages first: the earlier ones, on the same channels, are then here.
        let (_, token) = recv(&0u8, Source::rank(1).tag(9), &comm, token);
        let (_, token) = recv(&0u8, Source::rank(2).tag(9), &comm, token);
        let mut sum = 0;
        let mut token = token;
        for _ in 0..2 {
            let (got, next) = recv(&0u32, Source::any().tag(0), &comm, token);
            sum += got;
            token = next;
        }
        assert_eq!(sum, 3, "both messages received, in either order");
        token
    } else {
        let token = send(&(comm.rank() as u32), 0, &comm, token);
        send(&1u8, Dest::rank(0).tag(9), &comm, token)
    };
    drop(token);
}
