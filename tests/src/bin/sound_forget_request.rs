//! A forgotten request (`std::mem::forget`) never lets MPI write into memory the program uses:
//! rank 0 posts a 4 MiB receive and forgets the request before the message is even sent; it then
//! fills new buffers (which the allocator may place where a freed receive buffer was), and the
//! message arrives. The request owns its receive buffer, so forgetting it leaks that buffer
//! and the new ones keep their values. With a borrowed buffer, `forget` would end the borrow
//! and MPI would write into reused memory.
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
        // The message arrives while rank 0 waits in the second barrier.
        let token = barrier(&comm, token);
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
        barrier(&comm, token)
    };
    drop(token);
}
