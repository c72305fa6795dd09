//! `send`, `recv`, `recv_with_status` and `recv_into`: a send-then-receive / receive-then-send
//! pair, tags matched out of order, any source, any tag, the receive `Status`, short messages
//! into `recv_into`, and every buffer kind (array, slice, `Vec`, `[T; N]`, scalar, empty).
//! ranks: 2 3 4

use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let rank = comm.rank();
    let size = comm.size();
    let mut token = spmd::token();

    // Rank 0 sends then receives while rank 1 receives then sends: each ends with the other's
    // data. Ranks above 1 take no part.
    let mine = Array2::from_shape_fn((2, 3), |(i, j)| (100 * rank + 10 * i + j) as f64);
    let other = |r: usize| Array2::from_shape_fn((2, 3), |(i, j)| (100 * r + 10 * i + j) as f64);
    if rank == 0 {
        token = send(&mine, 1, &comm, token);
        let (got, t) = recv(&Array2::<f64>::zeros((2, 3)), 1, &comm, token);
        token = t;
        assert_eq!(got, other(1), "rank {rank}: rank 1's array");
    } else if rank == 1 {
        let (got, t) = recv(&Array2::<f64>::zeros((2, 3)), 0, &comm, token);
        assert_eq!(got, other(0), "rank {rank}: rank 0's array");
        token = send(&mine, 0, &comm, t);
    }

    // Tags: rank 0 sends tag 7 then tag 3; rank 1 receives tag 3 first, then tag 7. (Small
    // messages, which MPI libraries send eagerly, so the first send does not wait.)
    if rank == 0 {
        token = send(&[7i16; 4], Dest::rank(1).tag(7), &comm, token);
        token = send(&[3i16; 2], Dest::rank(1).tag(3), &comm, token);
    } else if rank == 1 {
        let (three, status, t) = recv_with_status(&[0i16; 2], Source::rank(0).tag(3), &comm, token);
        assert_eq!(three, [3, 3], "rank {rank}: tag 3 message");
        assert_eq!(
            (status.source, status.tag, status.count()),
            (0, 3, 2),
            "rank {rank}: status of the tag 3 message"
        );
        let (seven, status, t) = recv_with_status(&[0i16; 4], Source::rank(0).tag(7), &comm, t);
        assert_eq!(seven, [7; 4], "rank {rank}: tag 7 message");
        assert_eq!(
            (status.source, status.tag, status.count()),
            (0, 7, 4),
            "rank {rank}"
        );
        token = t;
    }

    // Any source: every rank above 0 sends [r, 10 r] with tag r; rank 0 takes them in whatever
    // order they come and checks each against its status.
    if rank == 0 {
        let mut seen = vec![false; size];
        for _ in 1..size {
            let (got, status, t) = recv_with_status(&vec![0u64; 2], ANY_SOURCE, &comm, token);
            token = t;
            let from = status.source;
            assert!(
                (1..size).contains(&from),
                "rank {rank}: source {from} out of 1..{size}"
            );
            assert!(!seen[from], "rank {rank}: two messages from rank {from}");
            seen[from] = true;
            assert_eq!(
                status.tag, from as i32,
                "rank {rank}: tag of rank {from}'s message"
            );
            assert_eq!(
                status.count(),
                2,
                "rank {rank}: count of rank {from}'s message"
            );
            assert_eq!(
                got,
                vec![from as u64, 10 * from as u64],
                "rank {rank}: from {from}"
            );
        }
        assert!(
            seen[1..].iter().all(|&s| s),
            "rank {rank}: every rank sent once"
        );
    } else {
        let payload = vec![rank as u64, 10 * rank as u64];
        token = send(&payload, Dest::rank(0).tag(rank as i32), &comm, token);
    }
    // No message of the next step may be matched by the any-source receives above.
    token = barrier(&comm, token);

    // Any tag from one rank (a plain rank accepts any tag), and any source with one tag.
    if rank == size - 1 {
        token = send(&-2.5f32, Dest::rank(0).tag(42), &comm, token);
        token = send(&1.5f32, Dest::rank(0).tag(5), &comm, token);
    } else if rank == 0 {
        let (x, status, t) = recv_with_status(&0.0f32, size - 1, &comm, token);
        assert_eq!(x, -2.5, "rank {rank}: scalar from rank {}", size - 1);
        assert_eq!(
            (status.source, status.tag, status.count()),
            (size - 1, 42, 1),
            "rank {rank}"
        );
        let (y, status, t) = recv_with_status(&0.0f32, Source::any().tag(5), &comm, t);
        assert_eq!(y, 1.5, "rank {rank}: scalar with tag 5");
        assert_eq!((status.source, status.tag), (size - 1, 5), "rank {rank}");
        token = t;
    }

    // `recv_into` a longer buffer: the status says how many came, the rest is left alone.
    // Also a slice of a `Vec`, a `[T; N]` and an empty message.
    if rank == 0 {
        let data: Vec<i64> = (0..10).map(|i| i * i).collect();
        token = send(&data[2..5], 1, &comm, token);
        token = send(&[true, false, true], Dest::rank(1).tag(1), &comm, token);
        token = send(&Vec::<u32>::new(), Dest::rank(1).tag(2), &comm, token);
        token = send(
            &Array3::from_shape_fn((2, 2, 2), |(i, j, k)| (4 * i + 2 * j + k) as u8),
            1,
            &comm,
            token,
        );
    } else if rank == 1 {
        let mut buf = vec![-1i64; 5];
        let (status, t) = recv_into(&mut buf, 0, &comm, token);
        assert_eq!(
            (status.source, status.tag, status.count()),
            (0, 0, 3),
            "rank {rank}"
        );
        assert_eq!(
            buf,
            [4, 9, 16, -1, -1],
            "rank {rank}: three received, two untouched"
        );
        let (flags, t) = recv(&[false; 3], Source::rank(0).tag(1), &comm, t);
        assert_eq!(flags, [true, false, true], "rank {rank}: bool array");
        let (empty, status, t) = recv_with_status(&Vec::<u32>::new(), 0, &comm, t);
        assert!(empty.is_empty(), "rank {rank}: empty message");
        assert_eq!(
            (status.tag, status.count()),
            (2, 0),
            "rank {rank}: empty message status"
        );
        let mut cube = Array3::<u8>::zeros((2, 2, 2));
        let (status, t) = recv_into(&mut cube, 0, &comm, t);
        assert_eq!(status.count(), 8, "rank {rank}");
        assert_eq!(
            cube.iter().copied().collect::<Vec<_>>(),
            (0..8).collect::<Vec<u8>>(),
            "rank {rank}"
        );
        token = t;
    }

    // Everyone is done before anyone leaves.
    drop(barrier(&comm, token));
}
