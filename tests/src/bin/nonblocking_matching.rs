//! Nonblocking receives are matched by spmd (so that their size is known before any byte lands),
//! with what a posted receive promises:
//! - order: a message goes to the earliest issued receive that accepts it, whatever order the
//!   requests are completed in, and a blocking receive after them gets a later message;
//! - progress: a rank blocked in a point-to-point call (here a blocking `send` of 4 MiB, which
//!   waits for its receiver) matches its waiting nonblocking receives, so a ring of
//!   `irecv`, `send`, `wait` never deadlocks.
//!
//! ranks: 2 3 4
//! timeout: 60

use spmd::prelude::*;

const LARGE: usize = 1 << 19;

#[spmd_jit(unchecked)]
fn order(comm: &Comm) {
    // Same envelope: three receives, completed in reverse order.
    if comm.rank() == 1 {
        for value in [1i32, 2, 3] {
            send(&value, 0, comm);
        }
        // Tag 5 twice: the first goes to the earlier receive, which takes any tag.
        send(&10i32, Dest::rank(0).tag(5), comm);
        send(&20i32, Dest::rank(0).tag(5), comm);
    } else if comm.rank() == 0 {
        let first = irecv(&0i32, 1, comm);
        let second = irecv(&0i32, 1, comm);
        let third = recv(&0i32, 1, comm);
        let second = wait(second);
        let first = wait(first);
        assert_eq!((first, second, third), (1, 2, 3), "same envelope");

        let any_tag = irecv(&0i32, Source::rank(1), comm);
        let tag_5 = irecv(&0i32, Source::rank(1).tag(5), comm);
        let tag_5 = wait(tag_5);
        let any_tag = wait(any_tag);
        assert_eq!((any_tag, tag_5), (10, 20), "a wildcard tag before a tag");
    }
}

#[spmd_jit(unchecked)]
fn progress(comm: &Comm) -> Vec<f64> {
    let (from, to) = comm.shift(1);
    let request = irecv(&vec![0.0f64; LARGE], from, comm);
    send(&vec![comm.rank() as f64; LARGE], to, comm);
    wait(request)
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    order(&comm);
    let got = progress(&comm);
    let left = (comm.rank() + comm.size() - 1) % comm.size();
    assert!(got.iter().all(|&x| x == left as f64), "ring");
    drop(barrier(&comm, spmd::token()));
}
