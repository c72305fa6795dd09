//! A `bool` field of a struct never holds a byte other than 0 or 1, whatever a peer sends: rank
//! 0 sends structs of the same layout with `u8` where rank 1's have `bool`s (one of them in a
//! nested struct). Only the bytes of the `bool` fields are validated: element 0, whose other
//! fields hold bytes above 1 but whose `bool`s are 0 and 1, passes; element 1's nested `bool`
//! holds 7, which the receive repairs and reports, naming element 1.
//! ranks: 2
//! timeout: 20
//! expect-failure: `recv` failed on rank 1 of 2 (op #0) at tests/src/bin/sound_bool_in_struct.rs
//! expect-failure: received byte 7 for the `bool` at element 1 (MPI_Mrecv)
//! expect-failure: send and receive the same element type on both sides

use spmd::prelude::*;

#[derive(Clone, Copy, PartialEq, Debug, spmd::Element)]
#[repr(C)]
struct Inner {
    level: u16,
    on: bool,
}

#[derive(Clone, Copy, PartialEq, Debug, spmd::Element)]
#[repr(C)]
struct Flagged {
    id: u32,
    alive: bool,
    inner: Inner,
}

/// `Inner` with a byte where it has a `bool`.
#[derive(Clone, Copy, PartialEq, Debug, spmd::Element)]
#[repr(C)]
struct RawInner {
    level: u16,
    on: u8,
}

/// `Flagged` with bytes where it has `bool`s.
#[derive(Clone, Copy, PartialEq, Debug, spmd::Element)]
#[repr(C)]
struct RawFlagged {
    id: u32,
    alive: u8,
    inner: RawInner,
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    assert_eq!(size_of::<Flagged>(), size_of::<RawFlagged>());
    let token = spmd::token();
    if comm.rank() == 0 {
        let raw = [
            RawFlagged {
                id: 0x0707_0707,
                alive: 1,
                inner: RawInner {
                    level: 0x0909,
                    on: 0,
                },
            },
            RawFlagged {
                id: 2,
                alive: 0,
                inner: RawInner { level: 3, on: 7 },
            },
        ];
        let token = send(&raw[..], 1, &comm, token);
        drop(token);
    } else {
        let blank = Flagged {
            id: 0,
            alive: false,
            inner: Inner {
                level: 0,
                on: false,
            },
        };
        let (got, token) = recv(&[blank; 2], 0, &comm, token);
        drop(token);
        panic!("rank 1 went on with {got:?}");
    }
    // Rank 0 waits for rank 1's error to end the job.
    let (_, token) = recv(&0u8, 1, &comm, spmd::token());
    drop(token);
}
