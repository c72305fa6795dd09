//! Structs as elements (`#[derive(spmd::Element)]`): a struct with padding between and after its
//! fields, a nested struct, array fields and `bool` fields travels through the point-to-point
//! ops, the collectives, the v-collectives and nonblocking ops, in slices, `Vec`s and strided
//! views; the counts of received messages are in elements, though the padding does not travel;
//! two instances of a generic struct each get their own datatype, and a generic struct nests in
//! one. Every datatype made is freed before `MPI_Finalize` (MPICH reports the others as leaked).
//! ranks: 1 2 3 4
//! refuse-output: leaked

use spmd::ndarray::s;
use spmd::prelude::*;

#[derive(Clone, Copy, PartialEq, Debug, spmd::Element)]
#[repr(C)]
struct Charge {
    value: i16,
    kind: u8,
}

/// 56 bytes, of which 42 are data: padding after `alive`, before `position`, after `flags` and
/// at the end.
#[derive(Clone, Copy, PartialEq, Debug, spmd::Element)]
#[repr(C)]
struct Particle {
    id: u32,
    alive: bool,
    charge: Charge,
    position: [f64; 3],
    flags: [bool; 2],
    spin: Complex32,
}

#[derive(Clone, Copy, PartialEq, Debug, spmd::Element)]
#[repr(C)]
struct Pair<T> {
    first: T,
    rest: [T; 2],
}

/// Particle `k` of rank `owner`: every field depends on both.
fn particle(owner: usize, k: usize) -> Particle {
    let id = (1000 * owner + k) as u32;
    Particle {
        id,
        alive: k.is_multiple_of(2),
        charge: Charge {
            value: -(id as i16),
            kind: (k % 7) as u8,
        },
        position: [owner as f64, k as f64 + 0.5, -(id as f64)],
        flags: [owner % 2 == 1, k.is_multiple_of(3)],
        spin: Complex32::new(k as f32, -(owner as f32)),
    }
}

fn blank() -> Particle {
    Particle {
        id: u32::MAX,
        alive: true,
        charge: Charge { value: 7, kind: 7 },
        position: [-9.0; 3],
        flags: [true; 2],
        spin: Complex32::new(-1.0, -1.0),
    }
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let (rank, size) = (comm.rank(), comm.size());
    assert_eq!(size_of::<Particle>(), 56, "the test needs padding");
    let token = spmd::token();
    let (left, right) = ((rank + size - 1) % size, (rank + 1) % size);
    let mine: Vec<Particle> = (0..3).map(|k| particle(rank, k)).collect();
    let of = |p: usize, n: usize| -> Vec<Particle> { (0..n).map(|k| particle(p, k)).collect() };

    // Around the ring, with the count of the received message.
    let (got, status, token) = sendrecv_with_status(
        &mine[..],
        &[blank(); 3],
        Source::rank(left),
        Dest::rank(right),
        &comm,
        token,
    );
    assert_eq!(got[..], of(left, 3)[..], "rank {rank}: sendrecv");
    assert_eq!(
        status.count(),
        3,
        "rank {rank}: counted in elements, padding aside"
    );

    // Into a longer buffer: the elements past the message keep their values.
    let mut room = [blank(); 5];
    let (status, token) = sendrecv_into(
        &mine[..2],
        &mut room,
        Source::rank(left),
        Dest::rank(right),
        &comm,
        token,
    );
    assert_eq!(status.count(), 2, "rank {rank}: sendrecv_into count");
    assert_eq!(room[..2], of(left, 2)[..], "rank {rank}: sendrecv_into");
    assert_eq!(
        room[2..],
        [blank(); 3],
        "rank {rank}: sendrecv_into past the message"
    );

    // One struct, in an array of one.
    let (got, token) = sendrecv(
        &[mine[2]],
        &[blank()],
        Source::rank(left),
        Dest::rank(right),
        &comm,
        token,
    );
    assert_eq!(got, [particle(left, 2)], "rank {rank}: one struct");

    // Nonblocking: around the ring, and an allgather.
    let (incoming, token) = irecv(&[blank(); 3], left, &comm, token);
    let (outgoing, token) = isend(&mine[..], right, &comm, token);
    let ((got, ()), token) = wait_all((incoming, outgoing), &comm, token);
    assert_eq!(got[..], of(left, 3)[..], "rank {rank}: irecv");
    let (request, token) = iallgather(&mine[..2], &comm, token);
    let (got, token) = wait(request, token);
    let expected: Vec<Particle> = (0..size).flat_map(|p| of(p, 2)).collect();
    assert_eq!(got, expected, "rank {rank}: iallgather");

    // bcast from the last rank.
    let (got, token) = bcast(&mine[..], size - 1, &comm, token);
    assert_eq!(got, of(size - 1, 3), "rank {rank}: bcast");

    // gather at rank 0 from a strided view: particles 0 and 2 of four.
    let four = Array1::from_vec(of(rank, 4));
    let (got, token) = gather(&four.slice(s![..;2]), 0, &comm, token);
    if rank == 0 {
        let got = got.expect("the root gets the stack");
        let expected: Vec<Particle> = (0..size)
            .flat_map(|p| [particle(p, 0), particle(p, 2)])
            .collect();
        assert_eq!(
            got.iter().copied().collect::<Vec<_>>(),
            expected,
            "rank 0: gather of a strided view"
        );
    } else {
        assert!(got.is_none());
    }

    // allgather into a Vec.
    let (got, token) = allgather(&mine[..], &comm, token);
    let everything: Vec<Particle> = (0..size).flat_map(|p| of(p, 3)).collect();
    assert_eq!(got, everything, "rank {rank}: allgather");

    // scatter from rank 0: rank p gets particles 2p and 2p + 1 of rank 0's.
    let (got, token) = scatter(&of(0, 2 * size)[..], 0, &comm, token);
    assert_eq!(
        got,
        [particle(0, 2 * rank), particle(0, 2 * rank + 1)],
        "rank {rank}: scatter"
    );

    // alltoall: rank r sends particle(r, 10 d + j) to rank d, for j in 0..2.
    let outgoing: Vec<Particle> = (0..size)
        .flat_map(|d| [particle(rank, 10 * d), particle(rank, 10 * d + 1)])
        .collect();
    let (got, token) = alltoall(&outgoing[..], &comm, token);
    let expected: Vec<Particle> = (0..size)
        .flat_map(|s| [particle(s, 10 * rank), particle(s, 10 * rank + 1)])
        .collect();
    assert_eq!(got, expected, "rank {rank}: alltoall");

    // alltoallv: rank r sends d + 1 particles to rank d.
    let sendcounts: Vec<usize> = (1..=size).collect();
    let outgoing: Vec<Particle> = (0..size)
        .flat_map(|d| (0..=d).map(move |j| particle(rank, 10 * d + j)))
        .collect();
    let (got, token) = alltoallv(&outgoing[..], &sendcounts, &comm, token);
    assert_eq!(got.len(), size);
    for s in 0..size {
        let expected: Vec<Particle> = (0..=rank).map(|j| particle(s, 10 * rank + j)).collect();
        assert_eq!(
            got[s],
            expected[..],
            "rank {rank}: alltoallv block from {s}"
        );
    }

    // gatherv and allgatherv of r + 1 particles from rank r.
    let (got, token) = gatherv(&of(rank, rank + 1)[..], size - 1, &comm, token);
    if rank == size - 1 {
        let got = got.expect("the root gets the parts");
        for p in 0..size {
            assert_eq!(got[p], of(p, p + 1)[..], "rank {rank}: gatherv block {p}");
        }
    } else {
        assert!(got.is_none());
    }
    let (got, token) = allgatherv(&of(rank, rank + 1)[..], &comm, token);
    for p in 0..size {
        assert_eq!(
            got[p],
            of(p, p + 1)[..],
            "rank {rank}: allgatherv block {p}"
        );
    }

    // Two instances of a generic struct, of different sizes, in one program.
    let wide = Pair {
        first: rank as i64 - 100,
        rest: [rank as i64, i64::MIN + rank as i64],
    };
    let narrow = Pair {
        first: rank as u8,
        rest: [2 * rank as u8, 255 - rank as u8],
    };
    let (wides, token) = allgather(&[wide][..], &comm, token);
    let (narrows, token) = allgather(&[narrow][..], &comm, token);
    for p in 0..size {
        assert_eq!(
            wides[p].rest,
            [p as i64, i64::MIN + p as i64],
            "Pair<i64> {p}"
        );
        assert_eq!(
            narrows[p].rest,
            [2 * p as u8, 255 - p as u8],
            "Pair<u8> {p}"
        );
    }
    // A generic struct of a generic struct, with `bool`s inside: its datatype is made from the
    // inner one's, made on the way.
    let inner = |k: usize| Pair {
        first: k % 2 == 1,
        rest: [k.is_multiple_of(3), true],
    };
    let nested = Pair {
        first: inner(rank),
        rest: [inner(rank + 1), inner(rank + 2)],
    };
    let (nesteds, token) = allgather(&[nested][..], &comm, token);
    for (p, got) in nesteds.iter().enumerate() {
        assert_eq!(got.first, inner(p), "Pair<Pair<bool>> {p}");
        assert_eq!(
            got.rest,
            [inner(p + 1), inner(p + 2)],
            "Pair<Pair<bool>> {p}"
        );
    }
    // One struct is a buffer of one element, as a number is: sent, received into, broadcast
    // in place, gathered into a `Vec` of structs, and received nonblocking.
    let one = particle(rank, 9);
    let (got, token) = sendrecv(
        &one,
        &blank(),
        Source::rank(left),
        Dest::rank(right),
        &comm,
        token,
    );
    assert_eq!(got, particle(left, 9), "one struct around the ring");
    let mut into = blank();
    let (status, token) = sendrecv_into(
        &one,
        &mut into,
        Source::rank(right),
        Dest::rank(left),
        &comm,
        token,
    );
    assert_eq!(into, particle(right, 9), "one struct received into");
    assert_eq!(status.count(), 1, "one struct received into: the count");
    let mut root_one = if rank == 0 { particle(0, 5) } else { blank() };
    let token = bcast_in_place(&mut root_one, 0, &comm, token);
    assert_eq!(root_one, particle(0, 5), "one struct broadcast in place");
    let (all, token) = allgather(&one, &comm, token);
    let expected: Vec<Particle> = (0..size).map(|p| particle(p, 9)).collect();
    assert_eq!(all, expected, "one struct per rank gathered");
    let (received, token) = irecv(&blank(), left, &comm, token);
    let (sent, token) = isend(&one, right, &comm, token);
    let ((got, ()), token) = wait_all((received, sent), &comm, token);
    assert_eq!(got, particle(left, 9), "one struct through irecv and isend");
    drop(token);
    println!("rank {rank}: structs travel through every op");
}
