//! Collectives small enough to travel inside their agreement: an allreduce or reduce is reduced
//! by `spmd`'s own functions, and for every pair of operator and element type, at the largest
//! count the agreement carries, its result is bit for bit MPI's own (an allreduce on a
//! communicator without the agreement, which hands the data to MPI's predefined operation);
//! a broadcast, gather, scatter or alltoall gives every rank what MPI would, for every root,
//! structs included. The values make
//! the result independent of the order of combination: integers that wrap (sums only for 32
//! and 64 bits: Open MPI's vectorised 8- and 16-bit sums saturate), floats whose sums and
//! products are exact, no NaN and no signed zero (whose `Max` and `Min` depend on the order,
//! see the reductions chapter). The nonblocking forms (`iallreduce`, `ibcast`, `igather`, their
//! `_into` forms, ...),
//! whose agreement carries their data the same way, give the same; so do the scans, whose ranks
//! place their data in the agreement and reduce it up to their rank themselves. The envelope's datatype is
//! freed before `MPI_Finalize` (MPICH reports one left alive as leaked).
//! ranks: 1 2 3 4
//! refuse-output: leaked

use spmd::half::{bf16, f16};
use spmd::num_complex::{Complex32, Complex64};
use spmd::prelude::*;
use spmd::{Element, Reduces};

/// A struct without padding: carried by a broadcast's agreement.
#[derive(Clone, Copy, PartialEq, Debug, spmd::Element)]
#[repr(C)]
struct Dense {
    id: u32,
    weight: f32,
}

/// A struct with padding (three bytes after `id`), whose bytes are not all initialised: never
/// carried, broadcast after the agreement.
#[derive(Clone, Copy, PartialEq, Debug, spmd::Element)]
#[repr(C)]
struct Padded {
    id: u8,
    weight: f32,
}

/// The bytes of data an agreement carries (the envelope's payload).
const PAYLOAD: usize = 64;

/// Reduces `data` with `op` on both communicators and compares the bits.
fn same<T, O>(data: &[T], op: O, comm: &Comm, mpi: &Comm, label: &str)
where
    T: Element,
    O: Reduces<T>,
{
    let token = spmd::token();
    let (ours, token) = allreduce(data, op, comm, token);
    let (theirs, token) = allreduce(data, op, mpi, token);
    let mut in_place = data.to_vec();
    let token = allreduce_in_place(&mut in_place[..], op, comm, token);
    let mut into = vec![data[0]; data.len()];
    let token = allreduce_into(data, &mut into[..], op, comm, token);
    // The reductions to a root, the last rank, give it the same.
    let root = comm.size() - 1;
    let (at_root, token) = reduce(data, op, root, comm, token);
    let mut reduced_in_place = data.to_vec();
    let token = reduce_in_place(&mut reduced_in_place[..], op, root, comm, token);
    let mut reduced_into = vec![data[0]; data.len()];
    let token = reduce_into(data, &mut reduced_into[..], op, root, comm, token);
    // The nonblocking forms, lent and handed over.
    let (request, token) = iallreduce(data, op, comm, token);
    let (nonblocking, token) = wait(request, token);
    let (request, token) = iallreduce(data.to_vec(), op, comm, token);
    let (handed_over, token) = wait(request, token);
    let mut nonblocking_into = vec![data[0]; data.len()];
    let (request, token) = iallreduce_into(data, &mut nonblocking_into[..], op, comm, token);
    let (((), ()), token) = wait(request, token);
    let (request, token) = ireduce(data, op, root, comm, token);
    let (nonblocking_at_root, token) = wait(request, token);
    let mut nonblocking_reduced_into = vec![data[0]; data.len()];
    let (request, token) = ireduce_into(
        data,
        &mut nonblocking_reduced_into[..],
        op,
        root,
        comm,
        token,
    );
    let (((), ()), token) = wait(request, token);
    // The scans below take the thread's token again.
    drop(token);
    let mut results = vec![
        ("allreduce", ours),
        ("allreduce_in_place", in_place),
        ("allreduce_into", into),
        ("iallreduce", nonblocking),
        ("iallreduce of a Vec", handed_over),
        ("iallreduce_into", nonblocking_into),
    ];
    if comm.rank() == root {
        results.push(("ireduce", nonblocking_at_root.expect("the root's result")));
        results.push(("reduce", at_root.expect("the root's result")));
        results.push(("reduce_in_place", reduced_in_place));
        results.push(("reduce_into", reduced_into));
        results.push(("ireduce_into", nonblocking_reduced_into));
    } else {
        assert_eq!(
            nonblocking_reduced_into[1..],
            vec![data[0]; data.len() - 1][..],
            "ireduce_into leaves its result buffer as it was off the root"
        );
        assert!(at_root.is_none() && nonblocking_at_root.is_none());
        assert_eq!(
            bits(&reduced_in_place),
            bits(data),
            "left as it was off the root"
        );
        assert_eq!(reduced_into[1..], vec![data[0]; data.len() - 1][..]);
    }
    for (form, result) in &results {
        assert_eq!(
            bits(result),
            bits(&theirs),
            "{form}({}) of {label} on rank {} of {}: {result:?}, MPI's own: {theirs:?}",
            O::NAME,
            comm.rank(),
            comm.size()
        );
    }
    // The scans, at the largest count whose every rank's data the agreement carries.
    prefixes(
        &data[..(data.len() / comm.size()).max(1)],
        op,
        comm,
        mpi,
        label,
    );
}

/// Scans and exscans `data` with `op` in every form on both communicators and compares the
/// bits: carried, each rank's result is reduced by `spmd` from the ranks' data placed in the
/// agreement.
fn prefixes<T, O>(data: &[T], op: O, comm: &Comm, mpi: &Comm, label: &str)
where
    T: Element,
    O: Reduces<T>,
{
    let token = spmd::token();
    let (theirs, token) = scan(data, op, mpi, token);
    let (theirs_exclusive, token) = exscan(data, op, mpi, token);
    let (ours, token) = scan(data, op, comm, token);
    let mut in_place = data.to_vec();
    let token = scan_in_place(&mut in_place[..], op, comm, token);
    let mut into = vec![data[0]; data.len()];
    let token = scan_into(data, &mut into[..], op, comm, token);
    let (request, token) = iscan(data, op, comm, token);
    let (nonblocking, token) = wait(request, token);
    let (request, token) = iscan(data.to_vec(), op, comm, token);
    let (handed_over, token) = wait(request, token);
    let (exclusive, token) = exscan(data, op, comm, token);
    let mut exclusive_in_place = data.to_vec();
    let token = exscan_in_place(&mut exclusive_in_place[..], op, comm, token);
    let mut exclusive_into = vec![data[0]; data.len()];
    let token = exscan_into(data, &mut exclusive_into[..], op, comm, token);
    let (request, token) = iexscan(data, op, comm, token);
    let (exclusive_nonblocking, token) = wait(request, token);
    let mut nonblocking_into = vec![data[0]; data.len()];
    let (request, token) = iscan_into(data, &mut nonblocking_into[..], op, comm, token);
    let (((), ()), token) = wait(request, token);
    let (request, token) = iexscan_into(data.to_vec(), data.to_vec(), op, comm, token);
    let ((_, exclusive_nonblocking_into), _token) = wait(request, token);
    let results = [
        ("scan", ours, &theirs),
        ("scan_in_place", in_place, &theirs),
        ("scan_into", into, &theirs),
        ("iscan", nonblocking, &theirs),
        ("iscan of a Vec", handed_over, &theirs),
        ("exscan", exclusive, &theirs_exclusive),
        ("exscan_in_place", exclusive_in_place, &theirs_exclusive),
        ("exscan_into", exclusive_into, &theirs_exclusive),
        ("iexscan", exclusive_nonblocking, &theirs_exclusive),
        ("iscan_into", nonblocking_into, &theirs),
        (
            "iexscan_into of Vecs",
            exclusive_nonblocking_into,
            &theirs_exclusive,
        ),
    ];
    for (form, result, expected) in &results {
        assert_eq!(
            bits(result),
            bits(expected),
            "{form}({}) of {label} x{} on rank {} of {}: {result:?}, MPI's own: {expected:?}",
            O::NAME,
            data.len(),
            comm.rank(),
            comm.size()
        );
    }
}

/// The bytes of `values`.
fn bits<T: Element>(values: &[T]) -> Vec<u8> {
    // SAFETY: none of the types compared here has padding; their bytes are initialised.
    unsafe { std::slice::from_raw_parts(values.as_ptr().cast::<u8>(), size_of_val(values)) }
        .to_vec()
}

/// Broadcasts rank `r`'s `make(r)` from every rank in turn, in both forms: every rank gets
/// the root's.
fn broadcast<T: Element>(make: impl Fn(usize) -> Vec<T>, comm: &Comm, label: &str) {
    let mut token = spmd::token();
    let mine = make(comm.rank());
    for root in 0..comm.size() {
        let (got, next) = bcast(&mine[..], root, comm, token);
        let mut in_place = mine.clone();
        let next = bcast_in_place(&mut in_place[..], root, comm, next);
        let (request, next) = ibcast(&mine[..], root, comm, next);
        let (nonblocking, next) = wait(request, next);
        let (request, next) = ibcast(mine.clone(), root, comm, next);
        let (handed_over, next) = wait(request, next);
        token = next;
        // Compared as values: a struct's padding is not data (none of these holds a NaN).
        let expected = make(root);
        assert_eq!(got, expected, "bcast of {label} from {root}");
        assert_eq!(in_place, expected, "bcast_in_place of {label} from {root}");
        assert_eq!(nonblocking, expected, "ibcast of {label} from {root}");
        assert_eq!(
            handed_over, expected,
            "ibcast of a Vec of {label} from {root}"
        );
    }
}

/// The gathers, scatters and alltoall of blocks of `block` elements, rank `r`'s block for rank
/// `s` being `make(r, s, block)`, in every form and from every root: every rank gets what MPI
/// would give it.
fn movement<T: Element>(make: impl Fn(usize, usize, usize) -> Vec<T>, block: usize, comm: &Comm) {
    let (rank, size) = (comm.rank(), comm.size());
    let label = format!("{} x{block} on {size} rank(s)", T::NAME);
    let mut token = spmd::token();
    // Gathers: rank r contributes its block for rank 0.
    let gathered: Vec<T> = (0..size).flat_map(|r| make(r, 0, block)).collect();
    let mine = make(rank, 0, block);
    let (all, next) = allgather(&mine[..], comm, token);
    assert_eq!(all, gathered, "allgather of {label}");
    let mut into = vec![mine[0]; size * block];
    let next = allgather_into(&mine[..], &mut into[..], comm, next);
    assert_eq!(into, gathered, "allgather_into of {label}");
    let (request, next) = iallgather(&mine[..], comm, next);
    let (all, next) = wait(request, next);
    assert_eq!(all, gathered, "iallgather of {label}");
    let mut into = vec![mine[0]; size * block];
    let (request, next) = iallgather_into(&mine[..], &mut into[..], comm, next);
    let (((), ()), next) = wait(request, next);
    token = next;
    assert_eq!(into, gathered, "iallgather_into of {label}");
    for root in 0..size {
        let (at_root, next) = gather(&mine[..], root, comm, token);
        let mut into = vec![mine[0]; size * block];
        let next = gather_into(&mine[..], &mut into[..], root, comm, next);
        let (request, next) = igather(&mine[..], root, comm, next);
        let (nonblocking, next) = wait(request, next);
        let mut nonblocking_into = vec![mine[0]; if rank == root { size * block } else { 0 }];
        let (request, next) = igather_into(&mine[..], &mut nonblocking_into[..], root, comm, next);
        let (((), ()), next) = wait(request, next);
        token = next;
        if rank == root {
            assert_eq!(nonblocking_into, gathered, "igather_into of {label}");
            assert_eq!(at_root.as_deref(), Some(&gathered[..]), "gather of {label}");
            assert_eq!(into, gathered, "gather_into of {label}");
            assert_eq!(
                nonblocking.as_deref(),
                Some(&gathered[..]),
                "igather of {label}"
            );
        } else {
            assert!(at_root.is_none() && nonblocking.is_none());
            assert_eq!(
                into,
                vec![mine[0]; size * block],
                "left as it was off the root"
            );
        }
        // Scatter: the root's blocks for each rank.
        let blocks: Vec<T> = (0..size).flat_map(|s| make(root, s, block)).collect();
        let (got, next) = scatter(&blocks[..], root, comm, token);
        let mut into = vec![blocks[0]; block];
        let next = scatter_into(&blocks[..], &mut into[..], root, comm, next);
        let (request, next) = iscatter(&blocks[..], root, comm, next);
        let (nonblocking, next) = wait(request, next);
        let mut nonblocking_into = vec![blocks[0]; block];
        let (request, next) =
            iscatter_into(&blocks[..], &mut nonblocking_into[..], root, comm, next);
        let (((), ()), next) = wait(request, next);
        token = next;
        assert_eq!(
            got,
            make(root, rank, block),
            "scatter of {label} from {root}"
        );
        assert_eq!(
            nonblocking,
            make(root, rank, block),
            "iscatter of {label} from {root}"
        );
        assert_eq!(
            nonblocking_into,
            make(root, rank, block),
            "iscatter_into of {label} from {root}"
        );
        assert_eq!(
            into,
            make(root, rank, block),
            "scatter_into of {label} from {root}"
        );
    }
    // Alltoall: rank r's block s goes to rank s.
    let outgoing: Vec<T> = (0..size).flat_map(|s| make(rank, s, block)).collect();
    let incoming: Vec<T> = (0..size).flat_map(|r| make(r, rank, block)).collect();
    let (got, next) = alltoall(&outgoing[..], comm, token);
    assert_eq!(got, incoming, "alltoall of {label}");
    let mut into = vec![outgoing[0]; size * block];
    let next = alltoall_into(&outgoing[..], &mut into[..], comm, next);
    assert_eq!(into, incoming, "alltoall_into of {label}");
    let (request, next) = ialltoall(&outgoing[..], comm, next);
    let (got, next) = wait(request, next);
    assert_eq!(got, incoming, "ialltoall of {label}");
    let mut into = vec![outgoing[0]; size * block];
    let (request, next) = ialltoall_into(&outgoing[..], &mut into[..], comm, next);
    let (((), ()), _token) = wait(request, next);
    assert_eq!(into, incoming, "ialltoall_into of {label}");
}

macro_rules! integers {
    ($comm:expr, $mpi:expr, $rank:expr; $($t:ty),*) => {$({
        let n = PAYLOAD / size_of::<$t>();
        // Values near the top of the range, so that sums and products wrap.
        let data: Vec<$t> = (0..n)
            .map(|i| <$t>::MAX.wrapping_sub(i as $t).wrapping_mul(($rank + 2) as $t).wrapping_add(i as $t))
            .collect();
        let label = stringify!($t);
        // Sums that stay in range: Open MPI 4.1's vectorised sums of 8- and 16-bit integers
        // saturate where C (and `spmd`) wraps (the reductions chapter), so only the wider
        // types' sums wrap here.
        let small: Vec<$t> = (0..n).map(|i| (i % 16 + $rank) as $t).collect();
        same(&small, Sum, $comm, $mpi, label);
        if size_of::<$t>() >= 4 {
            same(&data, Sum, $comm, $mpi, label);
        }
        same(&data, Prod, $comm, $mpi, label);
        // Debian 12's MPICH 4.0 compares `MPI_UINT8_T`s as signed for `MPI_MIN` and `MPI_MAX`
        // (191 and 127 give 191 as the minimum, in plain C too): `u8`s compared with MPI's
        // own stay below 128 (the carried reduction's unsigned answer is checked in `main`).
        let ordered = if stringify!($t) == "u8" { &small } else { &data };
        same(ordered, Min, $comm, $mpi, label);
        same(ordered, Max, $comm, $mpi, label);
        same(&data, BAnd, $comm, $mpi, label);
        same(&data, BOr, $comm, $mpi, label);
        same(&data, BXor, $comm, $mpi, label);
        let truths: Vec<$t> = (0..n).map(|i| ((i + $rank) % 3) as $t).collect();
        same(&truths, LAnd, $comm, $mpi, label);
        same(&truths, LOr, $comm, $mpi, label);
        same(&truths, LXor, $comm, $mpi, label);
    })*};
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    // SAFETY: every rank calls the same allreduces in the same order with the same counts,
    // element types and operators (none depends on the rank).
    let mpi = unsafe { comm.without_agreement() };
    let rank = comm.rank();

    integers!(&comm, &mpi, rank; i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);

    let floats: Vec<f64> = (0..PAYLOAD / 8)
        .map(|i| (i as f64 - 9.0) * (rank as f64 + 1.5))
        .collect();
    same(&floats, Sum, &comm, &mpi, "f64");
    same(&floats, Prod, &comm, &mpi, "f64");
    same(&floats, Min, &comm, &mpi, "f64");
    same(&floats, Max, &comm, &mpi, "f64");
    let singles: Vec<f32> = (0..PAYLOAD / 4)
        .map(|i| (i as f32 - 18.0) * (rank as f32 + 0.5))
        .collect();
    same(&singles, Sum, &comm, &mpi, "f32");
    same(&singles, Prod, &comm, &mpi, "f32");
    same(&singles, Min, &comm, &mpi, "f32");
    same(&singles, Max, &comm, &mpi, "f32");
    let halves: Vec<f16> = (0..PAYLOAD / 2)
        .map(|i| f16::from_f32((i % 7) as f32 - 3.0 + rank as f32))
        .collect();
    same(&halves, Sum, &comm, &mpi, "f16");
    same(&halves, Prod, &comm, &mpi, "f16");
    same(&halves, Min, &comm, &mpi, "f16");
    same(&halves, Max, &comm, &mpi, "f16");
    let brains: Vec<bf16> = (0..PAYLOAD / 2)
        .map(|i| bf16::from_f32((i % 5) as f32 * 0.5 - rank as f32))
        .collect();
    same(&brains, Sum, &comm, &mpi, "bf16");
    same(&brains, Prod, &comm, &mpi, "bf16");
    same(&brains, Min, &comm, &mpi, "bf16");
    same(&brains, Max, &comm, &mpi, "bf16");
    let complex: Vec<Complex64> = (0..PAYLOAD / 16)
        .map(|i| Complex64::new(i as f64 - 4.0, rank as f64 + 1.0))
        .collect();
    same(&complex, Sum, &comm, &mpi, "Complex<f64>");
    same(&complex, Prod, &comm, &mpi, "Complex<f64>");
    let complex: Vec<Complex32> = (0..PAYLOAD / 8)
        .map(|i| Complex32::new(rank as f32 - 1.0, i as f32 * 0.25))
        .collect();
    same(&complex, Sum, &comm, &mpi, "Complex<f32>");
    same(&complex, Prod, &comm, &mpi, "Complex<f32>");
    let truths: Vec<bool> = (0..PAYLOAD).map(|i| (i + rank).is_multiple_of(3)).collect();
    same(&truths, LAnd, &comm, &mpi, "bool");
    same(&truths, LOr, &comm, &mpi, "bool");
    same(&truths, LXor, &comm, &mpi, "bool");
    // One element more than the envelope carries: the allreduce runs after the agreement.
    same(&[rank as f64; PAYLOAD / 8 + 1], Sum, &comm, &mpi, "f64 x9");
    // Broadcasts: as many bytes as the agreement carries, and one element more (after it).
    broadcast(
        |r| {
            (0..PAYLOAD / 8)
                .map(|i| (r * 100 + i) as f64)
                .collect::<Vec<_>>()
        },
        &comm,
        "f64",
    );
    broadcast(
        |r| {
            (0..PAYLOAD / 8 + 1)
                .map(|i| (r * 100 + i) as f64)
                .collect::<Vec<_>>()
        },
        &comm,
        "f64 x9",
    );
    broadcast(
        |r| (0..PAYLOAD).map(|i| (r + i) % 2 == 0).collect::<Vec<_>>(),
        &comm,
        "bool",
    );
    broadcast(
        |r| {
            vec![
                Dense {
                    id: r as u32,
                    weight: r as f32 * 0.5
                };
                PAYLOAD / 8
            ]
        },
        &comm,
        "Dense",
    );
    broadcast(
        |r| {
            vec![
                Padded {
                    id: r as u8,
                    weight: -(r as f32)
                };
                2
            ]
        },
        &comm,
        "Padded",
    );
    broadcast(|r| vec![f16::from_f32(r as f32); 3], &comm, "f16");
    // Gathers, scatters and alltoalls, carried where `size * block` elements fit (up to 8
    // `f64`s on 4 ranks, 4 on 2...) and not where they do not.
    let size = comm.size();
    for block in [
        1,
        2,
        PAYLOAD / 8 / size,
        PAYLOAD / 8 / size + 1,
        PAYLOAD / 8 / (size * size),
    ] {
        let block = block.max(1);
        movement(
            |r, s, n| (0..n).map(|i| (r * 100 + s * 10 + i) as f64).collect(),
            block,
            &comm,
        );
        movement(
            |r, s, n| (0..n).map(|i| (r + 2 * s + i) % 3 == 1).collect(),
            block,
            &comm,
        );
        movement(
            |r, s, n| {
                (0..n)
                    .map(|i| Dense {
                        id: (r * 10 + s) as u32,
                        weight: i as f32,
                    })
                    .collect()
            },
            block,
            &comm,
        );
        movement(
            |r, s, n| {
                (0..n)
                    .map(|i| Padded {
                        id: (r * 10 + s) as u8,
                        weight: i as f32,
                    })
                    .collect()
            },
            block,
            &comm,
        );
    }
    // Bytes compare unsigned: 127 is smaller than 191 (the case MPICH 4.0 gets wrong).
    let token = spmd::token();
    let byte: u8 = if rank == 0 { 191 } else { 127 };
    let (min, token) = allreduce(&[byte][..], Min, &comm, token);
    let (max, token) = allreduce(&[byte][..], Max, &comm, token);
    assert_eq!(
        (min[0], max[0]),
        if size == 1 { (191, 191) } else { (127, 191) }
    );
    // A scalar, as `#[spmd_jit]` code passes it.
    let (total, _token) = allreduce(&(rank as f64), Sum, &comm, token);
    assert_eq!(total, (size * (size - 1) / 2) as f64);
    if rank == 0 {
        println!("ok");
    }
}
