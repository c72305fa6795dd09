//! A forgotten request (`std::mem::forget`) never lets MPI write into memory the program uses:
//! rank 0 issues a 4 MiB receive and forgets the request before the message is even sent; it then
//! fills new buffers (which the allocator may place where a freed receive buffer was), and the
//! message arrives, matched to the forgotten receive while rank 0 waits in a later `recv`. The
//! request owns its receive memory, so forgetting it leaks that memory and the new buffers keep
//! their values. With a borrowed buffer, `forget` would end the borrow and MPI would write into
//! reused memory. (The message is matched in a point-to-point call: a rank blocked in a
//! collective matches no nonblocking receive, see the op reference.)
//! ranks: 2

use spmd::prelude::*;

const LEN: usize = 1 << 19;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let token = spmd::token();
    let token = if comm.rank() == 0 {
        let template = vec![0.0f64; LEN];
        let (request, token) = irecv(&template, 1, &comm, token);
        std::mem::forget(request);
        drop(template);
        let mine: Vec<Vec<f64>> = (0..8).map(|i| vec![i as f64; LEN]).collect();
        let token = barrier(&comm, token);
        // The message arrives while rank 0 waits for rank 1's word that it was sent.
        let (_, token) = recv(&0u8, 1, &comm, token);
        for (i, buffer) in mine.iter().enumerate() {
            assert!(
                buffer.iter().all(|&x| x == i as f64),
                "buffer {i} was overwritten by the forgotten receive"
            );
        }
        token
    } else {
        let token = barrier(&comm, token);
        let token = send(&vec![-1.0f64; LEN], 0, &comm, token);
        send(&1u8, 0, &comm, token)
    };
    drop(token);
}
