//! Every op and every form, called through `#[spmd_jit]` in implicit mode and again with
//! explicit tokens, on a ring of any size; both record the same values. `tests/tests/op_list.rs`
//! checks that this file calls every op the macro knows, in both functions. From 2 ranks: on
//! one, a blocking send to itself before its receive is unsafe MPI (MPICH waits there forever).
//! ranks: 2 3 4

use spmd::prelude::*;

/// What every rank checks after each op: the op's name and the values it produced.
type Log = Vec<(&'static str, Vec<i64>)>;

#[spmd_jit]
fn implicit(comm: &Comm) -> Log {
    assert!(comm.size() >= 2);
    let (rank, size) = (comm.rank(), comm.size());
    let (right, left) = ((rank + 1) % size, (rank + size - 1) % size);
    let r = rank as i64;
    let everyone: Vec<i64> = (0..size as i64).collect();
    let mut log = Log::new();

    // Point to point, around the ring: even ranks send first, odd ranks receive first, so no
    // rank's send waits on a rank that is itself sending (safe whatever the message size, which
    // the compile-time check verifies for every size).
    let even = rank % 2 == 0;
    if even {
        send(&[r, r], right, comm);
    }
    let got = recv(&[0i64; 2], left, comm);
    if !even {
        send(&[r, r], right, comm);
    }
    log.push(("recv", got.to_vec()));
    if even {
        send(&r, Dest::rank(right).tag(3), comm);
    }
    let (got, status) = recv_with_status(&0i64, Source::rank(left).tag(3), comm);
    if !even {
        send(&r, Dest::rank(right).tag(3), comm);
    }
    log.push((
        "recv_with_status",
        vec![got, status.source as i64, status.tag as i64],
    ));
    if even {
        send(&[r; 3], right, comm);
    }
    let mut room = [-1i64; 5];
    let status = recv_into(&mut room, left, comm);
    if !even {
        send(&[r; 3], right, comm);
    }
    log.push(("recv_into", [&room[..], &[status.count() as i64]].concat()));
    let got = sendrecv(&r, &0i64, Source::rank(left), Dest::rank(right), comm);
    log.push(("sendrecv", vec![got]));
    let (got, status) =
        sendrecv_with_status(&[r], &[0i64], Source::rank(left), Dest::rank(right), comm);
    log.push(("sendrecv_with_status", vec![got[0], status.source as i64]));
    let mut one = [-1i64];
    let status = sendrecv_into(&[r], &mut one, Source::rank(left), Dest::rank(right), comm);
    log.push(("sendrecv_into", vec![one[0], status.count() as i64]));

    // Reductions.
    let got = allreduce(&r, Sum, comm);
    log.push(("allreduce", vec![got]));
    let mut buf = [r, 1];
    allreduce_in_place(&mut buf, Max, comm);
    log.push(("allreduce_in_place", buf.to_vec()));
    let mut out = [-1i64; 2];
    allreduce_into(&[r, 1], &mut out, Sum, comm);
    log.push(("allreduce_into", out.to_vec()));
    let got = reduce(&vec![r], Sum, 0, comm);
    log.push(("reduce", got.unwrap_or_default()));
    let mut buf = [r];
    reduce_in_place(&mut buf, Sum, 0, comm);
    log.push(("reduce_in_place", buf.to_vec()));
    let mut out = [-1i64];
    reduce_into(&[r], &mut out, Sum, 0, comm);
    log.push(("reduce_into", out.to_vec()));
    let got = scan(&r, Sum, comm);
    log.push(("scan", vec![got]));
    let mut buf = [r];
    scan_in_place(&mut buf, Sum, comm);
    log.push(("scan_in_place", buf.to_vec()));
    let mut out = [-1i64];
    scan_into(&[r], &mut out, Sum, comm);
    log.push(("scan_into", out.to_vec()));
    let got = exscan(&r, Sum, comm);
    log.push(("exscan", vec![got]));
    let mut buf = [r];
    exscan_in_place(&mut buf, Sum, comm);
    log.push(("exscan_in_place", buf.to_vec()));
    let mut out = [-1i64];
    exscan_into(&[r], &mut out, Sum, comm);
    log.push(("exscan_into", out.to_vec()));

    // Data movement.
    let got = bcast(&(r + 10), 0, comm);
    log.push(("bcast", vec![got]));
    let mut buf = [r + 20];
    bcast_in_place(&mut buf, 0, comm);
    log.push(("bcast_in_place", buf.to_vec()));
    log.push(("gather", gather(&r, 0, comm).unwrap_or_default()));
    let mut all = vec![-1i64; size];
    gather_into(&[r], &mut all, 0, comm);
    log.push(("gather_into", all));
    log.push(("allgather", allgather(&r, comm)));
    let mut all = vec![-1i64; size];
    allgather_into(&[r], &mut all, comm);
    log.push(("allgather_into", all));
    log.push(("scatter", scatter(&everyone, 0, comm)));
    let mut mine = [-1i64];
    scatter_into(&everyone, &mut mine, 0, comm);
    log.push(("scatter_into", mine.to_vec()));
    log.push(("alltoall", alltoall(&vec![r; size], comm)));
    let mut all = vec![-1i64; size];
    alltoall_into(&vec![r; size], &mut all, comm);
    log.push(("alltoall_into", all));
    // The v-collectives: rank r contributes r + 1 copies of r.
    let mine = vec![r; rank + 1];
    let counts: Vec<usize> = (1..=size).collect();
    let total: usize = counts.iter().sum();
    let tri: Vec<i64> = (0..size).flat_map(|p| vec![p as i64; p + 1]).collect();
    let got = gatherv(&mine, 0, comm);
    log.push(("gatherv", got.map(Parts::into_flat).unwrap_or_default()));
    let mut all = vec![-1i64; if rank == 0 { total } else { 0 }];
    gatherv_into(&mine, &mut all, &counts, 0, comm);
    log.push(("gatherv_into", all));
    log.push(("allgatherv", allgatherv(&mine, comm).into_flat()));
    let mut all = vec![-1i64; total];
    allgatherv_into(&mine, &mut all, &counts, comm);
    log.push(("allgatherv_into", all));
    log.push(("scatterv", scatterv(&tri, &counts, 0, comm)));
    let mut got = vec![-1i64; rank + 1];
    scatterv_into(&tri, &counts, &mut got, 0, comm);
    log.push(("scatterv_into", got));
    let spread = vec![r; (rank + 1) * size];
    let sendcounts = vec![rank + 1; size];
    log.push((
        "alltoallv",
        alltoallv(&spread, &sendcounts, comm).into_flat(),
    ));
    let mut all = vec![-1i64; total];
    alltoallv_into(&spread, &sendcounts, &mut all, &counts, comm);
    log.push(("alltoallv_into", all));
    log.push((
        "reduce_scatter_block",
        reduce_scatter_block(&everyone, Sum, comm),
    ));
    let mut got = [-1i64];
    reduce_scatter_block_into(&everyone, &mut got, Sum, comm);
    log.push(("reduce_scatter_block_into", got.to_vec()));
    let ones = vec![1i64; total];
    log.push(("reduce_scatter", reduce_scatter(&ones, &counts, Sum, comm)));
    let mut got = vec![-1i64; rank + 1];
    reduce_scatter_into(&ones, &mut got, &counts, Sum, comm);
    log.push(("reduce_scatter_into", got));
    barrier(comm);
    log.push(("barrier", Vec::new()));
    // The even and the odd ranks, each in a communicator of their own: its sum of world ranks.
    let parity = split(rank % 2, comm);
    let sum = allreduce(&r, Sum, &parity);
    log.push(("split", vec![sum]));

    // Nonblocking: the receives are issued before the sends, so no order of ranks can block.
    let template = [0i64; 2];
    let incoming = irecv(&template, left, comm);
    let sent = isend(&[r, r], right, comm);
    wait(sent);
    log.push(("isend", Vec::new()));
    log.push(("irecv", wait(incoming).to_vec()));
    let mut into = [-1i64; 2];
    let incoming = irecv_into(&mut into, left, comm);
    let sent = isend(&[r, r], right, comm);
    let (status, ()) = wait_all((incoming, sent), comm);
    log.push(("irecv_into", vec![into[0], status.count() as i64]));
    let scalar = 0i64;
    let exchanged = isendrecv(&r, &scalar, Source::rank(left), Dest::rank(right), comm);
    let got = wait(exchanged);
    log.push(("isendrecv", vec![got]));
    let mut room = [-1i64; 2];
    let exchanged = isendrecv_into(&r, &mut room, Source::rank(left), Dest::rank(right), comm);
    let ((), status) = wait(exchanged);
    log.push((
        "isendrecv_into",
        vec![room[0], room[1], status.count() as i64],
    ));
    let mut pending = iallreduce(&r, Sum, comm);
    let sum = loop {
        match test(pending) {
            Ok(sum) => break sum,
            Err(request) => pending = request,
        }
    };
    log.push(("iallreduce", vec![sum]));
    log.push(("test", vec![sum]));
    let mut sum_into = [0i64];
    wait(iallreduce_into(&[r], &mut sum_into, Sum, comm));
    log.push(("iallreduce_into", sum_into.to_vec()));
    let root = r * 10;
    let got = wait(ibcast(&root, 0, comm));
    log.push(("ibcast", vec![got]));
    log.push(("iscan", wait(iscan(&[r], Sum, comm)).to_vec()));
    log.push(("iexscan", wait(iexscan(vec![r], Sum, comm))));
    let mut got = [-1i64];
    wait(iscan_into(&[r], &mut got, Sum, comm));
    log.push(("iscan_into", got.to_vec()));
    let (sent, got) = wait(iexscan_into(vec![r], vec![-1i64], Sum, comm));
    assert_eq!(sent, vec![r], "iexscan_into hands the send Vec back");
    log.push(("iexscan_into", got));
    let got = wait(ireduce(&[r], Sum, 0, comm));
    log.push(("ireduce", got.map(|got| got.to_vec()).unwrap_or_default()));
    let mut got = vec![-1i64; if rank == 0 { 1 } else { 0 }];
    wait(ireduce_into(&[r], &mut got, Sum, 0, comm));
    log.push(("ireduce_into", got));
    let got = wait(igather(&r, 0, comm));
    log.push(("igather", got.unwrap_or_default()));
    let room = vec![-1i64; if rank == 0 { everyone.len() } else { 0 }];
    let ((), got) = wait(igather_into(&[r], room, 0, comm));
    log.push(("igather_into", got));
    log.push((
        "ireduce_scatter_block",
        wait(ireduce_scatter_block(&everyone, Sum, comm)),
    ));
    log.push((
        "ireduce_scatter",
        wait(ireduce_scatter(&ones, &counts, Sum, comm)),
    ));
    let mut got = vec![-1i64; rank + 1];
    wait(ireduce_scatter_into(&ones, &mut got, &counts, Sum, comm));
    log.push(("ireduce_scatter_into", got));
    log.push(("iscatter", wait(iscatter(&everyone, 0, comm))));
    let ((), got) = wait(iscatter_into(&everyone, vec![-1i64], 0, comm));
    log.push(("iscatter_into", got));
    let got = wait(igatherv(&mine, 0, comm));
    log.push(("igatherv", got.map(Parts::into_flat).unwrap_or_default()));
    let mut all = vec![-1i64; if rank == 0 { total } else { 0 }];
    wait(igatherv_into(&mine, &mut all, &counts, 0, comm));
    log.push(("igatherv_into", all));
    log.push(("iallgatherv", wait(iallgatherv(&mine, comm)).into_flat()));
    let (_, all) = wait(iallgatherv_into(
        mine.clone(),
        vec![-1i64; total],
        &counts,
        comm,
    ));
    log.push(("iallgatherv_into", all));
    log.push(("iscatterv", wait(iscatterv(&tri, &counts, 0, comm))));
    let mut got = vec![-1i64; rank + 1];
    wait(iscatterv_into(&tri, &counts, &mut got, 0, comm));
    log.push(("iscatterv_into", got));
    log.push((
        "ialltoallv",
        wait(ialltoallv(&spread, &sendcounts, comm)).into_flat(),
    ));
    let mut all = vec![-1i64; total];
    wait(ialltoallv_into(
        &spread,
        &sendcounts,
        &mut all,
        &counts,
        comm,
    ));
    log.push(("ialltoallv_into", all));
    log.push(("iallgather", wait(iallgather(&r, comm))));
    let mut all = vec![-1i64; size];
    wait(iallgather_into(&r, &mut all, comm));
    log.push(("iallgather_into", all));
    let blocks = vec![r; size];
    log.push(("ialltoall", wait(ialltoall(&blocks, comm))));
    let (blocks, got) = wait(ialltoall_into(blocks, vec![-1i64; size], comm));
    assert_eq!(
        blocks,
        vec![r; size],
        "ialltoall_into hands the send Vec back"
    );
    log.push(("ialltoall_into", got));
    wait(ibarrier(comm));
    log.push(("ibarrier", Vec::new()));
    log.push(("wait", Vec::new()));
    log.push(("wait_all", Vec::new()));
    log
}

#[spmd_jit]
fn explicit(comm: &Comm, token: Token) -> (Log, Token) {
    assert!(comm.size() >= 2);
    let (rank, size) = (comm.rank(), comm.size());
    let (right, left) = ((rank + 1) % size, (rank + size - 1) % size);
    let r = rank as i64;
    let everyone: Vec<i64> = (0..size as i64).collect();
    let mut log = Log::new();

    let even = rank % 2 == 0;
    let token = if even {
        send(&[r, r], right, comm, token)
    } else {
        token
    };
    let (got, token) = recv(&[0i64; 2], left, comm, token);
    let token = if even {
        token
    } else {
        send(&[r, r], right, comm, token)
    };
    log.push(("recv", got.to_vec()));
    let token = if even {
        send(&r, Dest::rank(right).tag(3), comm, token)
    } else {
        token
    };
    let (got, status, token) = recv_with_status(&0i64, Source::rank(left).tag(3), comm, token);
    let token = if even {
        token
    } else {
        send(&r, Dest::rank(right).tag(3), comm, token)
    };
    log.push((
        "recv_with_status",
        vec![got, status.source as i64, status.tag as i64],
    ));
    let token = if even {
        send(&[r; 3], right, comm, token)
    } else {
        token
    };
    let mut room = [-1i64; 5];
    let (status, token) = recv_into(&mut room, left, comm, token);
    let token = if even {
        token
    } else {
        send(&[r; 3], right, comm, token)
    };
    log.push(("recv_into", [&room[..], &[status.count() as i64]].concat()));
    let (got, token) = sendrecv(
        &r,
        &0i64,
        Source::rank(left),
        Dest::rank(right),
        comm,
        token,
    );
    log.push(("sendrecv", vec![got]));
    let (got, status, token) = sendrecv_with_status(
        &[r],
        &[0i64],
        Source::rank(left),
        Dest::rank(right),
        comm,
        token,
    );
    log.push(("sendrecv_with_status", vec![got[0], status.source as i64]));
    let mut one = [-1i64];
    let (status, token) = sendrecv_into(
        &[r],
        &mut one,
        Source::rank(left),
        Dest::rank(right),
        comm,
        token,
    );
    log.push(("sendrecv_into", vec![one[0], status.count() as i64]));

    let (got, token) = allreduce(&r, Sum, comm, token);
    log.push(("allreduce", vec![got]));
    let mut buf = [r, 1];
    let token = allreduce_in_place(&mut buf, Max, comm, token);
    log.push(("allreduce_in_place", buf.to_vec()));
    let mut out = [-1i64; 2];
    let token = allreduce_into(&[r, 1], &mut out, Sum, comm, token);
    log.push(("allreduce_into", out.to_vec()));
    let (got, token) = reduce(&vec![r], Sum, 0, comm, token);
    log.push(("reduce", got.unwrap_or_default()));
    let mut buf = [r];
    let token = reduce_in_place(&mut buf, Sum, 0, comm, token);
    log.push(("reduce_in_place", buf.to_vec()));
    let mut out = [-1i64];
    let token = reduce_into(&[r], &mut out, Sum, 0, comm, token);
    log.push(("reduce_into", out.to_vec()));
    let (got, token) = scan(&r, Sum, comm, token);
    log.push(("scan", vec![got]));
    let mut buf = [r];
    let token = scan_in_place(&mut buf, Sum, comm, token);
    log.push(("scan_in_place", buf.to_vec()));
    let mut out = [-1i64];
    let token = scan_into(&[r], &mut out, Sum, comm, token);
    log.push(("scan_into", out.to_vec()));
    let (got, token) = exscan(&r, Sum, comm, token);
    log.push(("exscan", vec![got]));
    let mut buf = [r];
    let token = exscan_in_place(&mut buf, Sum, comm, token);
    log.push(("exscan_in_place", buf.to_vec()));
    let mut out = [-1i64];
    let token = exscan_into(&[r], &mut out, Sum, comm, token);
    log.push(("exscan_into", out.to_vec()));

    let (got, token) = bcast(&(r + 10), 0, comm, token);
    log.push(("bcast", vec![got]));
    let mut buf = [r + 20];
    let token = bcast_in_place(&mut buf, 0, comm, token);
    log.push(("bcast_in_place", buf.to_vec()));
    let (got, token) = gather(&r, 0, comm, token);
    log.push(("gather", got.unwrap_or_default()));
    let mut all = vec![-1i64; size];
    let token = gather_into(&[r], &mut all, 0, comm, token);
    log.push(("gather_into", all));
    let (got, token) = allgather(&r, comm, token);
    log.push(("allgather", got));
    let mut all = vec![-1i64; size];
    let token = allgather_into(&[r], &mut all, comm, token);
    log.push(("allgather_into", all));
    let (got, token) = scatter(&everyone, 0, comm, token);
    log.push(("scatter", got));
    let mut mine = [-1i64];
    let token = scatter_into(&everyone, &mut mine, 0, comm, token);
    log.push(("scatter_into", mine.to_vec()));
    let (got, token) = alltoall(&vec![r; size], comm, token);
    log.push(("alltoall", got));
    let mut all = vec![-1i64; size];
    let token = alltoall_into(&vec![r; size], &mut all, comm, token);
    log.push(("alltoall_into", all));
    let mine = vec![r; rank + 1];
    let counts: Vec<usize> = (1..=size).collect();
    let total: usize = counts.iter().sum();
    let tri: Vec<i64> = (0..size).flat_map(|p| vec![p as i64; p + 1]).collect();
    let (got, token) = gatherv(&mine, 0, comm, token);
    log.push(("gatherv", got.map(Parts::into_flat).unwrap_or_default()));
    let mut all = vec![-1i64; if rank == 0 { total } else { 0 }];
    let token = gatherv_into(&mine, &mut all, &counts, 0, comm, token);
    log.push(("gatherv_into", all));
    let (got, token) = allgatherv(&mine, comm, token);
    log.push(("allgatherv", got.into_flat()));
    let mut all = vec![-1i64; total];
    let token = allgatherv_into(&mine, &mut all, &counts, comm, token);
    log.push(("allgatherv_into", all));
    let (got, token) = scatterv(&tri, &counts, 0, comm, token);
    log.push(("scatterv", got));
    let mut got = vec![-1i64; rank + 1];
    let token = scatterv_into(&tri, &counts, &mut got, 0, comm, token);
    log.push(("scatterv_into", got));
    let spread = vec![r; (rank + 1) * size];
    let sendcounts = vec![rank + 1; size];
    let (got, token) = alltoallv(&spread, &sendcounts, comm, token);
    log.push(("alltoallv", got.into_flat()));
    let mut all = vec![-1i64; total];
    let token = alltoallv_into(&spread, &sendcounts, &mut all, &counts, comm, token);
    log.push(("alltoallv_into", all));
    let (got, token) = reduce_scatter_block(&everyone, Sum, comm, token);
    log.push(("reduce_scatter_block", got));
    let mut got = [-1i64];
    let token = reduce_scatter_block_into(&everyone, &mut got, Sum, comm, token);
    log.push(("reduce_scatter_block_into", got.to_vec()));
    let ones = vec![1i64; total];
    let (got, token) = reduce_scatter(&ones, &counts, Sum, comm, token);
    log.push(("reduce_scatter", got));
    let mut got = vec![-1i64; rank + 1];
    let token = reduce_scatter_into(&ones, &mut got, &counts, Sum, comm, token);
    log.push(("reduce_scatter_into", got));
    let token = barrier(comm, token);
    log.push(("barrier", Vec::new()));
    let (parity, token) = split(rank % 2, comm, token);
    let (sum, token) = allreduce(&r, Sum, &parity, token);
    log.push(("split", vec![sum]));

    let template = [0i64; 2];
    let (incoming, token) = irecv(&template, left, comm, token);
    let (sent, token) = isend(&[r, r], right, comm, token);
    let ((), token) = wait(sent, token);
    log.push(("isend", Vec::new()));
    let (got, token) = wait(incoming, token);
    log.push(("irecv", got.to_vec()));
    let mut into = [-1i64; 2];
    let (incoming, token) = irecv_into(&mut into, left, comm, token);
    let (sent, token) = isend(&[r, r], right, comm, token);
    let ((status, ()), token) = wait_all((incoming, sent), comm, token);
    log.push(("irecv_into", vec![into[0], status.count() as i64]));
    let scalar = 0i64;
    let (exchanged, token) = isendrecv(
        &r,
        &scalar,
        Source::rank(left),
        Dest::rank(right),
        comm,
        token,
    );
    let (got, token) = wait(exchanged, token);
    log.push(("isendrecv", vec![got]));
    let mut room = [-1i64; 2];
    let (exchanged, token) = isendrecv_into(
        &r,
        &mut room,
        Source::rank(left),
        Dest::rank(right),
        comm,
        token,
    );
    let (((), status), token) = wait(exchanged, token);
    log.push((
        "isendrecv_into",
        vec![room[0], room[1], status.count() as i64],
    ));
    let (mut pending, mut token) = iallreduce(&r, Sum, comm, token);
    let sum = loop {
        let (outcome, next) = test(pending, token);
        token = next;
        match outcome {
            Ok(sum) => break sum,
            Err(request) => pending = request,
        }
    };
    log.push(("iallreduce", vec![sum]));
    log.push(("test", vec![sum]));
    let (request, token) = iallreduce_into(vec![r], vec![0i64], Sum, comm, token);
    let ((sent, sum_into), token) = wait(request, token);
    assert_eq!(sent, vec![r], "iallreduce_into hands the send Vec back");
    log.push(("iallreduce_into", sum_into));
    let root = r * 10;
    let (request, token) = ibcast(&root, 0, comm, token);
    let (got, token) = wait(request, token);
    log.push(("ibcast", vec![got]));
    let (request, token) = iscan(&[r], Sum, comm, token);
    let (got, token) = wait(request, token);
    log.push(("iscan", got.to_vec()));
    let (request, token) = iexscan(vec![r], Sum, comm, token);
    let (got, token) = wait(request, token);
    log.push(("iexscan", got));
    let (request, token) = iscan_into(vec![r], vec![-1i64], Sum, comm, token);
    let ((_, got), token) = wait(request, token);
    log.push(("iscan_into", got));
    let mut got = [-1i64];
    let (request, token) = iexscan_into(&[r], &mut got, Sum, comm, token);
    let (((), ()), token) = wait(request, token);
    log.push(("iexscan_into", got.to_vec()));
    let (request, token) = ireduce(&[r], Sum, 0, comm, token);
    let (got, token) = wait(request, token);
    log.push(("ireduce", got.map(|got| got.to_vec()).unwrap_or_default()));
    let room = vec![-1i64; if rank == 0 { 1 } else { 0 }];
    let (request, token) = ireduce_into(vec![r], room, Sum, 0, comm, token);
    let ((sent, got), token) = wait(request, token);
    assert_eq!(sent, vec![r], "ireduce_into hands the send Vec back");
    log.push(("ireduce_into", got));
    let (request, token) = igather(&r, 0, comm, token);
    let (got, token) = wait(request, token);
    log.push(("igather", got.unwrap_or_default()));
    let mut got = vec![-1i64; if rank == 0 { everyone.len() } else { 0 }];
    let (request, token) = igather_into(&[r], &mut got, 0, comm, token);
    let (((), ()), token) = wait(request, token);
    log.push(("igather_into", got));
    let (request, token) = ireduce_scatter_block(&everyone, Sum, comm, token);
    let (got, token) = wait(request, token);
    log.push(("ireduce_scatter_block", got));
    let (request, token) = ireduce_scatter(&ones, &counts, Sum, comm, token);
    let (got, token) = wait(request, token);
    log.push(("ireduce_scatter", got));
    let (request, token) =
        ireduce_scatter_into(&ones, vec![-1i64; rank + 1], &counts, Sum, comm, token);
    let ((_, got), token) = wait(request, token);
    log.push(("ireduce_scatter_into", got));
    let (request, token) = iscatter(&everyone, 0, comm, token);
    let (got, token) = wait(request, token);
    log.push(("iscatter", got));
    let mut got = [-1i64];
    let (request, token) = iscatter_into(everyone.clone(), &mut got, 0, comm, token);
    let ((sent, ()), token) = wait(request, token);
    assert_eq!(sent, everyone, "iscatter_into hands the send Vec back");
    log.push(("iscatter_into", got.to_vec()));
    let (request, token) = igatherv(&mine, 0, comm, token);
    let (got, token) = wait(request, token);
    log.push(("igatherv", got.map(Parts::into_flat).unwrap_or_default()));
    let all = vec![-1i64; if rank == 0 { total } else { 0 }];
    let (request, token) = igatherv_into(&mine, all, &counts, 0, comm, token);
    let (((), all), token) = wait(request, token);
    log.push(("igatherv_into", all));
    let (request, token) = iallgatherv(&mine, comm, token);
    let (got, token) = wait(request, token);
    log.push(("iallgatherv", got.into_flat()));
    let mut all = vec![-1i64; total];
    let (request, token) = iallgatherv_into(&mine, &mut all, &counts, comm, token);
    let (((), ()), token) = wait(request, token);
    log.push(("iallgatherv_into", all));
    let (request, token) = iscatterv(&tri, &counts, 0, comm, token);
    let (got, token) = wait(request, token);
    log.push(("iscatterv", got));
    let (request, token) = iscatterv_into(&tri, &counts, vec![-1i64; rank + 1], 0, comm, token);
    let (((), got), token) = wait(request, token);
    log.push(("iscatterv_into", got));
    let (request, token) = ialltoallv(&spread, &sendcounts, comm, token);
    let (got, token) = wait(request, token);
    log.push(("ialltoallv", got.into_flat()));
    let (request, token) = ialltoallv_into(
        spread.clone(),
        &sendcounts,
        vec![-1i64; total],
        &counts,
        comm,
        token,
    );
    let ((sent, all), token) = wait(request, token);
    assert_eq!(sent, spread, "ialltoallv_into hands the send Vec back");
    log.push(("ialltoallv_into", all));
    let (request, token) = iallgather(&r, comm, token);
    let (got, token) = wait(request, token);
    log.push(("iallgather", got));
    let (request, token) = iallgather_into(vec![r], vec![-1i64; size], comm, token);
    let ((_, all), token) = wait(request, token);
    log.push(("iallgather_into", all));
    let blocks = vec![r; size];
    let (request, token) = ialltoall(&blocks, comm, token);
    let (got, token) = wait(request, token);
    log.push(("ialltoall", got));
    let mut got = vec![-1i64; size];
    let (request, token) = ialltoall_into(&blocks, &mut got, comm, token);
    let (((), ()), token) = wait(request, token);
    log.push(("ialltoall_into", got));
    let (request, token) = ibarrier(comm, token);
    let ((), token) = wait(request, token);
    log.push(("ibarrier", Vec::new()));
    log.push(("wait", Vec::new()));
    log.push(("wait_all", Vec::new()));
    (log, token)
}

/// What rank `rank` of `size` must have logged.
fn expected(rank: usize, size: usize) -> Log {
    let (r, n) = (rank as i64, size as i64);
    let left = ((rank + size - 1) % size) as i64;
    let total = n * (n - 1) / 2;
    let root = |value: Vec<i64>| if rank == 0 { value } else { Vec::new() };
    let root_or = |value: i64, otherwise: i64| vec![if rank == 0 { value } else { otherwise }];
    let everyone: Vec<i64> = (0..n).collect();
    let tri: Vec<i64> = (0..n).flat_map(|p| vec![p; p as usize + 1]).collect();
    vec![
        ("recv", vec![left; 2]),
        ("recv_with_status", vec![left, left, 3]),
        ("recv_into", vec![left, left, left, -1, -1, 3]),
        ("sendrecv", vec![left]),
        ("sendrecv_with_status", vec![left, left]),
        ("sendrecv_into", vec![left, 1]),
        ("allreduce", vec![total]),
        ("allreduce_in_place", vec![n - 1, 1]),
        ("allreduce_into", vec![total, n]),
        ("reduce", root(vec![total])),
        ("reduce_in_place", root_or(total, r)),
        ("reduce_into", root_or(total, -1)),
        ("scan", vec![r * (r + 1) / 2]),
        ("scan_in_place", vec![r * (r + 1) / 2]),
        ("scan_into", vec![r * (r + 1) / 2]),
        ("exscan", vec![r * (r - 1) / 2]),
        ("exscan_in_place", vec![r * (r - 1) / 2]),
        ("exscan_into", vec![r * (r - 1) / 2]),
        ("bcast", vec![10]),
        ("bcast_in_place", vec![20]),
        ("gather", root(everyone.clone())),
        (
            "gather_into",
            if rank == 0 {
                everyone.clone()
            } else {
                vec![-1; size]
            },
        ),
        ("allgather", everyone.clone()),
        ("allgather_into", everyone.clone()),
        ("scatter", vec![r]),
        ("scatter_into", vec![r]),
        ("alltoall", everyone.clone()),
        ("alltoall_into", everyone.clone()),
        ("gatherv", root(tri.clone())),
        ("gatherv_into", root(tri.clone())),
        ("allgatherv", tri.clone()),
        ("allgatherv_into", tri.clone()),
        ("scatterv", vec![r; rank + 1]),
        ("scatterv_into", vec![r; rank + 1]),
        ("alltoallv", tri.clone()),
        ("alltoallv_into", tri.clone()),
        ("reduce_scatter_block", vec![r * n]),
        ("reduce_scatter_block_into", vec![r * n]),
        ("reduce_scatter", vec![n; rank + 1]),
        ("reduce_scatter_into", vec![n; rank + 1]),
        ("barrier", Vec::new()),
        ("split", vec![(0..n).filter(|k| k % 2 == r % 2).sum()]),
        ("isend", Vec::new()),
        ("irecv", vec![left, left]),
        ("irecv_into", vec![left, 2]),
        ("isendrecv", vec![left]),
        ("isendrecv_into", vec![left, -1, 1]),
        ("iallreduce", vec![total]),
        ("test", vec![total]),
        ("iallreduce_into", vec![total]),
        ("ibcast", vec![0]),
        ("iscan", vec![r * (r + 1) / 2]),
        ("iexscan", vec![r * (r - 1) / 2]),
        ("iscan_into", vec![r * (r + 1) / 2]),
        ("iexscan_into", vec![r * (r - 1) / 2]),
        ("ireduce", root(vec![total])),
        ("ireduce_into", root(vec![total])),
        ("igather", root(everyone.clone())),
        ("igather_into", root(everyone.clone())),
        ("ireduce_scatter_block", vec![r * n]),
        ("ireduce_scatter", vec![n; rank + 1]),
        ("ireduce_scatter_into", vec![n; rank + 1]),
        ("iscatter", vec![r]),
        ("iscatter_into", vec![r]),
        ("igatherv", root(tri.clone())),
        ("igatherv_into", root(tri.clone())),
        ("iallgatherv", tri.clone()),
        ("iallgatherv_into", tri.clone()),
        ("iscatterv", vec![r; rank + 1]),
        ("iscatterv_into", vec![r; rank + 1]),
        ("ialltoallv", tri.clone()),
        ("ialltoallv_into", tri),
        ("iallgather", everyone.clone()),
        ("iallgather_into", everyone.clone()),
        ("ialltoall", everyone.clone()),
        ("ialltoall_into", everyone),
        ("ibarrier", Vec::new()),
        ("wait", Vec::new()),
        ("wait_all", Vec::new()),
    ]
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let want = expected(comm.rank(), comm.size());
    let got = implicit(&comm);
    assert_eq!(got, want, "rank {}: implicit mode", comm.rank());
    let (got, token) = explicit(&comm, spmd::token());
    drop(token);
    assert_eq!(got, want, "rank {}: explicit mode", comm.rank());
}
