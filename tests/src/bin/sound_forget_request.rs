//! A forgotten request (`std::mem::forget`) never lets MPI write into memory the program uses:
//! rank 0 issues a 4 MiB receive and forgets the request before the message is even sent; it then
//! fills new buffers (which the allocator may place where a freed receive buffer was), and the
//! message arrives, matched to the forgotten receive while rank 0 waits in a later `recv`. The
//! request owns its receive memory, so forgetting it leaks that memory and the new buffers keep
//! their values. With a borrowed buffer, `forget` would end the borrow and MPI would write into
//! reused memory. (The message is matched in a point-to-point call: a rank blocked in a
//! collective matches no nonblocking receive, see the op reference.) Then the same with a `Vec`
//! handed over to `irecv_into` (forgetting the request leaks the `Vec`), and with a lent buffer,
//! whose request receives into the call site's staging memory: the site's next call, while the
//! forgotten receive's message lands, must get other memory.
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

        // A `Vec` handed over, forgotten with its request.
        let (request, token) = irecv_into(vec![0.0f64; LEN], Source::rank(1).tag(1), &comm, token);
        std::mem::forget(request);
        // A lent buffer at one call site, twice: the first request forgotten, the second
        // waited for while the first one's message lands.
        let mut token = token;
        for tag in [2, 3] {
            let mut lent = vec![0.0f64; LEN];
            let request;
            (request, token) = irecv_into(&mut lent, Source::rank(1).tag(tag), &comm, token);
            if tag == 2 {
                std::mem::forget(request);
                continue;
            }
            let status;
            (status, token) = wait(request, token);
            assert_eq!(status.count(), LEN);
            assert!(
                lent.iter().all(|&x| x == 3.0),
                "the site's second receive got the forgotten one's memory"
            );
        }
        let mine: Vec<f64> = vec![5.0; LEN];
        let (_, token) = recv(&0u8, 1, &comm, token);
        assert!(mine.iter().all(|&x| x == 5.0));
        token
    } else {
        let token = barrier(&comm, token);
        let token = send(&vec![-1.0f64; LEN], 0, &comm, token);
        let token = send(&1u8, 0, &comm, token);
        let mut token = token;
        for tag in [1, 2, 3] {
            token = send(
                &vec![tag as f64; LEN][..],
                Dest::rank(0).tag(tag),
                &comm,
                token,
            );
        }
        send(&1u8, 0, &comm, token)
    };
    drop(token);
}
