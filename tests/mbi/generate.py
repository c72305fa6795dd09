#!/usr/bin/env python3
"""Writes the spmd ports of the MPI Bugs Initiative (MBI) sample into tests/mbi/codes/.

Each port is a program written for spmd from what one MBI code does (the shapes of MBI's
generators, scripts/generators/*.py in any copy of MBI): the same ranks make the same calls in
the same order, with the same process count and the C code's own check of it. No C is
translated line by line; the facts carry over (which rank calls what, with which peer, root,
operator, tag or type), written as a user writes spmd: `#[spmd_jit]` with implicit tokens.

The sample is fixed (no randomness): the lists below name every code. Run
`python3 tests/mbi/generate.py` after editing them; `tests/tests/mbi.rs` compiles and runs the
codes and compares the verdicts with `tests/mbi/baseline.txt`.
"""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "codes")

# ----------------------------------------------------------------------------------------------
# Collectives, as one statement each (MBI's `operation` + `fini`: a nonblocking collective is
# waited for at once). `buf` holds `nprocs` i32s, so scatter and alltoall split it evenly.

COLL = {
    "MPI_Barrier": "barrier(comm);",
    "MPI_Bcast": "let _{v} = bcast(&buf, root, comm);",
    "MPI_Reduce": "let _{v} = reduce(&buf, Sum, root, comm);",
    "MPI_Gather": "let _{v} = gather(&buf, root, comm);",
    "MPI_Scatter": "let _{v} = scatter(&buf, root, comm);",
    "MPI_Scan": "let _{v} = scan(&buf, Sum, comm);",
    "MPI_Exscan": "let _{v} = exscan(&buf, Sum, comm);",
    "MPI_Allgather": "let _{v} = allgather(&buf, comm);",
    "MPI_Allreduce": "let _{v} = allreduce(&buf, Sum, comm);",
    "MPI_Allgatherv": "let _{v} = allgatherv(&buf, comm);",
    "MPI_Alltoall": "let _{v} = alltoall(&buf, comm);",
    "MPI_Alltoallv": "let _{v} = alltoallv(&buf, &vec![1; nprocs], comm);",
    "MPI_Reduce_scatter_block": "let _{v} = reduce_scatter_block(&buf, Sum, comm);",
}
ICOLL = {
    "MPI_Ibarrier": "let req{v} = ibarrier(comm);\n{i}wait(req{v});",
    "MPI_Ibcast": "let req{v} = ibcast(&buf, root, comm);\n{i}let _{v} = wait(req{v});",
    "MPI_Iallreduce": "let req{v} = iallreduce(&buf, Sum, comm);\n{i}let _{v} = wait(req{v});",
    "MPI_Ireduce": "let req{v} = ireduce(&buf, Sum, root, comm);\n{i}let _{v} = wait(req{v});",
    "MPI_Igather": "let req{v} = igather(&buf, root, comm);\n{i}let _{v} = wait(req{v});",
    "MPI_Iscatter": "let req{v} = iscatter(&buf, root, comm);\n{i}let _{v} = wait(req{v});",
    "MPI_Iscan": "let req{v} = iscan(&buf, Sum, comm);\n{i}let _{v} = wait(req{v});",
    "MPI_Iexscan": "let req{v} = iexscan(&buf, Sum, comm);\n{i}let _{v} = wait(req{v});",
    "MPI_Iallgather": "let req{v} = iallgather(&buf, comm);\n{i}let _{v} = wait(req{v});",
    "MPI_Ialltoall": "let req{v} = ialltoall(&buf, comm);\n{i}let _{v} = wait(req{v});",
}
ALL_COLL = {**COLL, **ICOLL}


def coll(name, var, indent):
    return ALL_COLL[name].format(v=var, i=" " * indent)


def short(name):
    return name.replace("MPI_", "")


# ----------------------------------------------------------------------------------------------
# The program around a body.

MAIN = """
fn main() {{
    let universe = spmd::init();
    let comm = universe.world();
    {call}
    println!("Rank {{}} finished normally", comm.rank());
}}
"""

codes = []


def code(name, generator, category, correct, ranks, description, body, signature="comm: &Comm",
         call="mbi(&comm);", prelude="", args=""):
    """One port: its MBI name, MBI's generator, MBI's category, whether MBI labels it correct,
    MBI's process count, what it does, and the body of its `#[spmd_jit]` function."""
    header = [
        f"//! mbi: {name}",
        f"//! generator: {generator}",
        f"//! category: {category}",
        f"//! expected: {'correct' if correct else 'incorrect'}",
        f"//! ranks: {ranks}",
    ]
    if args:
        header.append(f"//! args: {args}")
    for line in description.strip().splitlines():
        header.append(f"//! {line.strip()}".rstrip())
    text = "\n".join(header) + "\n\n"
    text += "#![allow(unused_variables, unused_mut, unused_assignments, clippy::all)]\n\n"
    text += "use spmd::prelude::*;\n"
    if prelude:
        text += prelude.rstrip() + "\n"
    text += "\n#[spmd_jit]\n"
    text += f"fn mbi({signature}) {{\n"
    text += body.strip("\n") + "\n}\n"
    text += MAIN.format(call=call)
    codes.append((name, text, category, correct))


AT_LEAST_2 = '    assert!(nprocs >= 2, "MBI ERROR: This test needs at least 2 processes to produce a bug");'
EXACTLY = '    assert_eq!(nprocs, {n}, "MBI ERROR: This test needs {n} processes to produce a bug");'
START = "    let (rank, nprocs) = (comm.rank(), comm.size());\n"

# ----------------------------------------------------------------------------------------------
# CallOrdering, collectives (CollMatchingGenerator.py, 2 processes).


def coll_body(cond, branch_a, branch_b):
    body = START + AT_LEAST_2 + "\n    let root = 0;\n    let buf = vec![rank as i32; nprocs];\n"
    body += f"    if {cond} {{\n"
    for stmt in branch_a:
        body += "        " + stmt + "\n"
    body += "    }"
    if branch_b is not None:
        body += " else {\n"
        for stmt in branch_b:
            body += "        " + stmt + "\n"
        body += "    }"
    return body + "\n"


G_COLL = "CollMatchingGenerator.py"
for c in ["MPI_Bcast", "MPI_Reduce", "MPI_Gather", "MPI_Scatter", "MPI_Scan", "MPI_Allreduce",
          "MPI_Alltoall", "MPI_Barrier", "MPI_Exscan", "MPI_Ibarrier", "MPI_Ibcast", "MPI_Ireduce",
          "MPI_Iallreduce", "MPI_Igather"]:
    code(f"CallOrdering_{c}_none_nok", G_COLL, "CallOrdering", False, 2,
         f"Odd ranks call {c} while even ranks do not call any collective.",
         coll_body("rank % 2 == 1", [coll(c, 1, 8)], []))
for c in ["MPI_Bcast", "MPI_Allgather", "MPI_Alltoallv", "MPI_Iscan", "MPI_Iallgather",
          "MPI_Ibarrier", "MPI_Exscan", "MPI_Scatter"]:
    code(f"CallOrdering_{c}_none_ok", G_COLL, "CallOrdering", True, 2,
         f"All ranks call {c} (under a condition that holds on every rank).",
         coll_body("rank < nprocs", [coll(c, 1, 8)], None))
for c in ["MPI_Reduce", "MPI_Allgatherv", "MPI_Iexscan", "MPI_Ialltoall", "MPI_Gather"]:
    code(f"CallOrdering_{c}_ok", G_COLL, "CallOrdering", True, 2,
         f"All ranks call {c} once.",
         coll_body("rank < nprocs", [coll(c, 1, 8)], None))
for c in ["MPI_Allreduce", "MPI_Iscatter", "MPI_Barrier", "MPI_Scan", "MPI_Iallreduce"]:
    code(f"CallOrdering_{c}_{c}_ok", G_COLL, "CallOrdering", True, 2,
         f"All ranks call {c} twice.",
         coll_body("rank < nprocs", [coll(c, 1, 8), coll(c, 2, 8)], None))
PAIRS_NOK = [("MPI_Bcast", "MPI_Allreduce"), ("MPI_Barrier", "MPI_Reduce"),
             ("MPI_Gather", "MPI_Scatter"), ("MPI_Allgather", "MPI_Alltoall"),
             ("MPI_Scan", "MPI_Exscan"), ("MPI_Ibarrier", "MPI_Barrier"),
             ("MPI_Ibcast", "MPI_Iallreduce"), ("MPI_Ireduce", "MPI_Bcast"),
             ("MPI_Reduce", "MPI_Allgatherv"), ("MPI_Alltoallv", "MPI_Igather"),
             ("MPI_Iscan", "MPI_Iexscan"), ("MPI_Allreduce", "MPI_Ialltoall")]
for c1, c2 in PAIRS_NOK:
    code(f"CallOrdering_{c1}_{c2}_nok", G_COLL, "CallOrdering", False, 2,
         f"Odd ranks call {c1} and then {c2} while even ranks call these collectives in the "
         "other order.",
         coll_body("rank % 2 == 1", [coll(c1, 1, 8), coll(c2, 2, 8)],
                   [coll(c2, 2, 8), coll(c1, 1, 8)]))
PAIRS_OK = [("MPI_Bcast", "MPI_Allreduce"), ("MPI_Barrier", "MPI_Reduce"),
            ("MPI_Gather", "MPI_Scatter"), ("MPI_Ibcast", "MPI_Iallreduce"),
            ("MPI_Alltoall", "MPI_Iallgather"), ("MPI_Exscan", "MPI_Ibarrier"),
            ("MPI_Reduce_scatter_block", "MPI_Scan"), ("MPI_Iscatter", "MPI_Allgatherv")]
for c1, c2 in PAIRS_OK:
    code(f"CallOrdering_{c1}_{c2}_ok", G_COLL, "CallOrdering", True, 2,
         f"All ranks call {c1} and then {c2}.",
         coll_body("rank < nprocs", [coll(c1, 1, 8), coll(c2, 2, 8)], None))

# ----------------------------------------------------------------------------------------------
# ParamMatching and InvalidParam of collectives (CollArgGenerator.py, 2 processes): a root, an
# operator or a type that differs between ranks, and a root out of range.

G_ARG = "CollArgGenerator.py"


def arg_body(setup, stmt):
    body = START + AT_LEAST_2 + "\n    let buf = vec![rank as i32; nprocs];\n"
    return body + setup + "    " + stmt + "\n"


for c in ["MPI_Bcast", "MPI_Reduce", "MPI_Gather", "MPI_Scatter", "MPI_Ibcast", "MPI_Igather"]:
    code(f"ParamMatching_Root_{c}_nok", G_ARG, "ParamMatching", False, 2,
         f"The root of {c} depends on the rank: each rank names itself.",
         arg_body("    let root = rank;\n", coll(c, 1, 4)))
for c in ["MPI_Bcast", "MPI_Reduce", "MPI_Iscatter"]:
    code(f"ParamMatching_Root_{c}_ok", G_ARG, "ParamMatching", True, 2,
         f"Every rank passes the same root to {c} (the last rank, computed on each).",
         arg_body("    let root = nprocs - 1;\n", coll(c, 1, 4)))
for c, op in [("MPI_Allreduce", "allreduce(&buf, {o}, comm)"),
              ("MPI_Reduce", "reduce(&buf, {o}, 0, comm)"),
              ("MPI_Scan", "scan(&buf, {o}, comm)"),
              ("MPI_Iallreduce", "wait(iallreduce(&buf, {o}, comm))")]:
    body = START + AT_LEAST_2 + "\n    let buf = vec![rank as i32; nprocs];\n"
    body += "    if rank % 2 == 0 {\n        let _r = " + op.format(o="Sum") + ";\n"
    body += "    } else {\n        let _r = " + op.format(o="Max") + ";\n    }\n"
    code(f"ParamMatching_Op_{c}_nok", G_ARG, "ParamMatching", False, 2,
         f"Even ranks reduce with MPI_SUM, odd ranks with MPI_MAX in {c}.", body)
for c, op in [("MPI_Allreduce", "allreduce(&buf, {o}, comm)"),
              ("MPI_Reduce", "reduce(&buf, {o}, 0, comm)")]:
    body = START + AT_LEAST_2 + "\n    let buf = vec![rank as i32; nprocs];\n"
    body += "    if rank % 2 == 0 {\n        let _r = " + op.format(o="Max") + ";\n"
    body += "    } else {\n        let _r = " + op.format(o="Max") + ";\n    }\n"
    code(f"ParamMatching_Op_{c}_ok", G_ARG, "ParamMatching", True, 2,
         f"Every rank reduces with MPI_MAX in {c} (chosen on either branch).", body)
for c, op in [("MPI_Bcast", "bcast(&{b}, 0, comm)"),
              ("MPI_Allreduce", "allreduce(&{b}, Sum, comm)"),
              ("MPI_Gather", "gather(&{b}, 0, comm)"),
              ("MPI_Alltoall", "alltoall(&{b}, comm)")]:
    body = START + AT_LEAST_2 + "\n"
    body += "    if rank == 0 {\n        let buf = vec![0_i32; nprocs];\n        let _r = " + op.format(b="buf") + ";\n"
    body += "    } else {\n        let buf = vec![0.0_f32; nprocs];\n        let _r = " + op.format(b="buf") + ";\n    }\n"
    code(f"ParamMatching_Data_{c}_nok", G_ARG, "ParamMatching", False, 2,
         f"Rank 0 passes MPI_INT to {c}, the other ranks MPI_FLOAT (same count).", body)
for c, op in [("MPI_Bcast", "bcast(&{b}, 0, comm)"),
              ("MPI_Allreduce", "allreduce(&{b}, Sum, comm)")]:
    body = START + AT_LEAST_2 + "\n"
    body += "    if rank == 0 {\n        let buf = vec![0_i32; nprocs];\n        let _r = " + op.format(b="buf") + ";\n"
    body += "    } else {\n        let buf = vec![0_i32; nprocs];\n        let _r = " + op.format(b="buf") + ";\n    }\n"
    code(f"ParamMatching_Data_{c}_ok", G_ARG, "ParamMatching", True, 2,
         f"Every rank passes MPI_INT to {c} (the buffer made on either branch).", body)
for c, op in [("MPI_Bcast", "bcast(&{b}, 0, comm)"), ("MPI_Allreduce", "allreduce(&{b}, Sum, comm)")]:
    body = START + AT_LEAST_2 + "\n"
    body += "    let count = if rank == 0 { nprocs } else { 2 * nprocs };\n"
    body += "    let buf = vec![0_i32; count];\n    let _r = " + op.format(b="buf") + ";\n"
    code(f"ParamMatching_Size_{c}_nok", G_ARG, "ParamMatching", False, 2,
         f"Rank 0 passes a count of nprocs to {c}, the other ranks twice that.", body)
for c, stmt in [("MPI_Bcast", "let _r = bcast(&buf, nprocs, comm);"),
                ("MPI_Reduce", "let _r = reduce(&buf, Sum, nprocs, comm);"),
                ("MPI_Gather", "let _r = gather(&buf, nprocs, comm);")]:
    code(f"InvalidParam_RootTooLarge_{c}_nok", G_ARG, "InvalidParam", False, 2,
         f"{c} is given root nprocs, which is not a rank.",
         arg_body("", stmt))

# A collective on two different communicators (the world on rank 0, a duplicate elsewhere).
DUP_PRELUDE = "use spmd::mpi::topology::Communicator;"
dup_body = START + AT_LEAST_2 + "\n    let buf = vec![rank as i32; nprocs];\n"
dup_body += "    if rank == 0 {\n        let _r = allreduce(&buf, Sum, comm);\n    } else {\n        let _r = allreduce(&buf, Sum, other);\n    }\n"
code("ParamMatching_Com_MPI_Allreduce_nok", G_ARG, "ParamMatching", False, 2,
     "Rank 0 calls MPI_Allreduce on MPI_COMM_WORLD, the other ranks on a duplicate of it.",
     dup_body, signature="comm: &Comm, other: &Comm",
     call="let other = Comm::duplicate_of(comm.as_mpi());\n    mbi(&comm, &other);",
     prelude=DUP_PRELUDE)
dup_ok = START + AT_LEAST_2 + "\n    let buf = vec![rank as i32; nprocs];\n"
dup_ok += "    let _r = allreduce(&buf, Sum, other);\n    let _s = allreduce(&buf, Sum, comm);\n"
code("ParamMatching_Com_MPI_Allreduce_ok", G_ARG, "ParamMatching", True, 2,
     "Every rank calls MPI_Allreduce on a duplicate of MPI_COMM_WORLD, then on the world.",
     dup_ok, signature="comm: &Comm, other: &Comm",
     call="let other = Comm::duplicate_of(comm.as_mpi());\n    mbi(&comm, &other);",
     prelude=DUP_PRELUDE)

# ----------------------------------------------------------------------------------------------
# Point to point: P2PMatchingGenerator.py, P2PCallMatchingGenerator.py (CallOrdering),
# P2PArgGenerator.py (ParamMatching, InvalidParam), P2PBufferingGenerator.py (BufferingHazard),
# P2PMessageRaceGenerator.py and CollP2PMessageRaceGenerator.py (MessageRace),
# CollP2PMatchingGenerator.py (CallOrdering), InputHazardGenerator.py.

P2P_START = START + AT_LEAST_2 + "\n    let buf = [rank as i32];\n"


def p2p(name, generator, category, correct, ranks, description, rank0, rank1, others=None,
        setup="", check=None):
    body = START + (check if check is not None else AT_LEAST_2) + "\n    let buf = [rank as i32];\n" + setup
    body += "    if rank == 0 {\n" + "".join("        " + s + "\n" for s in rank0)
    body += "    } else if rank == 1 {\n" + "".join("        " + s + "\n" for s in rank1)
    if others is not None:
        body += "    } else {\n" + "".join("        " + s + "\n" for s in others)
    body += "    }\n"
    code(name, generator, category, correct, ranks, description, body)


G_P2PM = "P2PMatchingGenerator.py"
p2p("CallOrdering_MPI_Recv_MPI_Recv_nok", G_P2PM, "CallOrdering", False, 2,
    "Both ranks receive from each other first, then send: neither receive is ever matched.",
    ["let _r = recv(&buf, 1, comm);", "send(&buf, 1, comm);"],
    ["let _r = recv(&buf, 0, comm);", "send(&buf, 0, comm);"])
p2p("CallOrdering_MPI_Recv_MPI_Send_ok", G_P2PM, "CallOrdering", True, 2,
    "Rank 0 receives then sends, rank 1 sends then receives.",
    ["let _r = recv(&buf, 1, comm);", "send(&buf, 1, comm);"],
    ["send(&buf, 0, comm);", "let _r = recv(&buf, 0, comm);"])
p2p("CallOrdering_MPI_Irecv_MPI_Recv_nok", G_P2PM, "CallOrdering", False, 2,
    "Rank 0 posts an MPI_Irecv, then blocks in MPI_Recv for a second message that rank 1 sends\n"
    "only after its own receive, which rank 0 never sends to.",
    ["let a = irecv(&buf, 1, comm);", "let _b = recv(&buf, 1, comm);", "let _a = wait(a);"],
    ["let _r = recv(&buf, 0, comm);", "send(&buf, 0, comm);", "send(&buf, 0, comm);"])
p2p("CallOrdering_MPI_Irecv_MPI_Send_ok", G_P2PM, "CallOrdering", True, 2,
    "Both ranks post an MPI_Irecv, send, then wait.",
    ["let a = irecv(&buf, 1, comm);", "send(&buf, 1, comm);", "let _a = wait(a);"],
    ["let a = irecv(&buf, 0, comm);", "send(&buf, 0, comm);", "let _a = wait(a);"])

G_P2PC = "P2PCallMatchingGenerator.py"
p2p("CallOrdering_MPI_Recv_nosend_nok", G_P2PC, "CallOrdering", False, 2,
    "Rank 0 receives from rank 1, which sends nothing.",
    ["let _r = recv(&buf, 1, comm);"], [])
p2p("CallOrdering_MPI_Send_norecv_nok", G_P2PC, "CallOrdering", False, 2,
    "Rank 1 sends to rank 0, which receives nothing: the message is never matched.",
    [], ["send(&buf, 0, comm);"])
p2p("CallOrdering_MPI_Isend_norecv_nok", G_P2PC, "CallOrdering", False, 2,
    "Rank 1 sends with MPI_Isend (and waits) to rank 0, which receives nothing.",
    [], ["let r = isend(&buf, 0, comm);", "wait(r);"])
p2p("CallOrdering_MPI_Irecv_nosend_nok", G_P2PC, "CallOrdering", False, 2,
    "Rank 0 posts an MPI_Irecv from rank 1 and waits; rank 1 sends nothing.",
    ["let r = irecv(&buf, 1, comm);", "let _r = wait(r);"], [])
p2p("CallOrdering_MPI_Send_MPI_Recv_ok", G_P2PC, "CallOrdering", True, 2,
    "Rank 1 sends one message to rank 0, which receives it.",
    ["let _r = recv(&buf, 1, comm);"], ["send(&buf, 0, comm);"])
p2p("CallOrdering_MPI_Isend_MPI_Irecv_ok", G_P2PC, "CallOrdering", True, 2,
    "Rank 1 sends with MPI_Isend to rank 0, which receives with MPI_Irecv; both wait.",
    ["let r = irecv(&buf, 1, comm);", "let _r = wait(r);"],
    ["let r = isend(&buf, 0, comm);", "wait(r);"])
p2p("CallOrdering_wrong_source_nok", G_P2PC, "CallOrdering", False, 3,
    "Rank 2 sends to rank 1, which receives from rank 0.",
    [], ["let _r = recv(&buf, 0, comm);"], ["if rank == 2 {", "    send(&buf, 1, comm);", "}"],
    check=EXACTLY.format(n=3))
p2p("CallOrdering_loop_count_nok", G_P2PC, "CallOrdering", False, 2,
    "Rank 0 sends 3 messages to rank 1, which receives 2 in its loop.",
    ["for _ in 0..3 {", "    send(&buf, 1, comm);", "}"],
    ["for _ in 0..2 {", "    let _r = recv(&buf, 0, comm);", "}"])
p2p("CallOrdering_loop_count_ok", G_P2PC, "CallOrdering", True, 2,
    "Rank 0 sends 3 messages to rank 1, which receives 3 in its loop.",
    ["for _ in 0..3 {", "    send(&buf, 1, comm);", "}"],
    ["for _ in 0..3 {", "    let _r = recv(&buf, 0, comm);", "}"])

G_CP2P = "CollP2PMatchingGenerator.py"
for c in ["MPI_Bcast", "MPI_Barrier", "MPI_Allreduce"]:
    p2p(f"CallOrdering_MPI_Send_{c}_nok", G_CP2P, "CallOrdering", False, 2,
        f"Rank 0 calls {c} and then receives from rank 1; rank 1 sends to rank 0 and then\n"
        f"calls {c} (the other ranks call {c}): a deadlock once the send does not complete\n"
        "before its receive.",
        [coll(c, 1, 8), "let _r = recv(&buf, 1, comm);"],
        ["send(&buf, 0, comm);", coll(c, 1, 8)], others=[coll(c, 1, 8)],
        setup="    let root = 0;\n    let buf = vec![rank as i32; nprocs];\n")
    p2p(f"CallOrdering_MPI_Send_{c}_ok", G_CP2P, "CallOrdering", True, 2,
        f"Rank 1 sends to rank 0, which receives; then every rank calls {c}.",
        ["let _r = recv(&buf, 1, comm);", coll(c, 1, 8)],
        ["send(&buf, 0, comm);", coll(c, 1, 8)], others=[coll(c, 1, 8)],
        setup="    let root = 0;\n    let buf = vec![rank as i32; nprocs];\n")
p2p("CallOrdering_MPI_Recv_MPI_Barrier_nok", G_CP2P, "CallOrdering", False, 2,
    "Rank 0 receives from rank 1 before a barrier; rank 1 sends only after it.",
    ["let _r = recv(&buf, 1, comm);", "barrier(comm);"],
    ["barrier(comm);", "send(&buf, 0, comm);"], others=["barrier(comm);"])

G_P2PA = "P2PArgGenerator.py"
p2p("ParamMatching_Tag_MPI_Send_MPI_Recv_nok", G_P2PA, "ParamMatching", False, 2,
    "Rank 1 sends with tag 1; rank 0 receives from rank 1 with tag 2.",
    ["let _r = recv(&buf, Source::rank(1).tag(2), comm);"],
    ["send(&buf, Dest::rank(0).tag(1), comm);"])
p2p("ParamMatching_Tag_MPI_Send_MPI_Recv_ok", G_P2PA, "ParamMatching", True, 2,
    "Rank 1 sends with tag 1; rank 0 receives from rank 1 with tag 1.",
    ["let _r = recv(&buf, Source::rank(1).tag(1), comm);"],
    ["send(&buf, Dest::rank(0).tag(1), comm);"])
p2p("ParamMatching_Tag_MPI_Isend_MPI_Irecv_nok", G_P2PA, "ParamMatching", False, 2,
    "Rank 1 sends with MPI_Isend and tag 3; rank 0's MPI_Irecv waits for tag 4.",
    ["let r = irecv(&buf, Source::rank(1).tag(4), comm);", "let _r = wait(r);"],
    ["let r = isend(&buf, Dest::rank(0).tag(3), comm);", "wait(r);"])
p2p("ParamMatching_Data_MPI_Send_MPI_Recv_nok", G_P2PA, "ParamMatching", False, 2,
    "Rank 1 sends one MPI_INT; rank 0 receives one MPI_FLOAT.",
    ["let _r = recv(&0.0_f32, 1, comm);"], ["send(&1_i32, 0, comm);"])
p2p("ParamMatching_Data_MPI_Isend_MPI_Irecv_nok", G_P2PA, "ParamMatching", False, 2,
    "Rank 1 sends one MPI_DOUBLE with MPI_Isend; rank 0's MPI_Irecv expects one MPI_INT64.",
    ["let r = irecv(&0_i64, 1, comm);", "let _r = wait(r);"],
    ["let r = isend(&1.0_f64, 0, comm);", "wait(r);"])
p2p("ParamMatching_Data_MPI_Send_MPI_Recv_ok", G_P2PA, "ParamMatching", True, 2,
    "Rank 1 sends one MPI_INT; rank 0 receives one MPI_INT.",
    ["let _r = recv(&0_i32, 1, comm);"], ["send(&1_i32, 0, comm);"])
p2p("ParamMatching_Size_MPI_Send_MPI_Recv_nok", G_P2PA, "ParamMatching", False, 2,
    "Rank 1 sends 4 MPI_INTs; rank 0 receives 2.",
    ["let _r = recv(&[0_i32; 2], 1, comm);"], ["send(&[1_i32; 4], 0, comm);"])
p2p("InvalidParam_Rank_MPI_Send_nok", G_P2PA, "InvalidParam", False, 2,
    "Rank 1 sends to rank nprocs, which does not exist.",
    [], ["send(&buf, nprocs, comm);"])
p2p("InvalidParam_Rank_MPI_Recv_nok", G_P2PA, "InvalidParam", False, 2,
    "Rank 0 receives from rank nprocs, which does not exist.",
    ["let _r = recv(&buf, nprocs, comm);"], [])
p2p("InvalidParam_Tag_MPI_Send_nok", G_P2PA, "InvalidParam", False, 2,
    "Rank 1 sends with a negative tag (-1); rank 0 receives from it.",
    ["let _r = recv(&buf, 1, comm);"], ["send(&buf, Dest::rank(0).tag(-1), comm);"])
p2p("InvalidParam_Rank_MPI_Send_ok", G_P2PA, "InvalidParam", True, 2,
    "Rank 0 sends to rank nprocs - 1, which receives.",
    ["send(&buf, nprocs - 1, comm);"], [], others=[],
    setup="    if rank == nprocs - 1 {\n        let _r = recv(&buf, 0, comm);\n    }\n")

G_BUF = "P2PBufferingGenerator.py"
p2p("BufferingHazard_MPI_Send_MPI_Recv_nok", G_BUF, "BufferingHazard", False, 2,
    "Both ranks send to each other first, then receive: a deadlock without buffering.",
    ["send(&buf, 1, comm);", "let _r = recv(&buf, 1, comm);"],
    ["send(&buf, 0, comm);", "let _r = recv(&buf, 0, comm);"])
p2p("BufferingHazard_MPI_Send_MPI_Irecv_nok", G_BUF, "BufferingHazard", False, 2,
    "Both ranks send first, then post an MPI_Irecv and wait: a deadlock without buffering.",
    ["send(&buf, 1, comm);", "let r = irecv(&buf, 1, comm);", "let _r = wait(r);"],
    ["send(&buf, 0, comm);", "let r = irecv(&buf, 0, comm);", "let _r = wait(r);"])
p2p("BufferingHazard_MPI_Isend_MPI_Wait_MPI_Recv_nok", G_BUF, "BufferingHazard", False, 2,
    "Both ranks MPI_Isend and wait for it before receiving: a deadlock without buffering.",
    ["let r = isend(&buf, 1, comm);", "wait(r);", "let _r = recv(&buf, 1, comm);"],
    ["let r = isend(&buf, 0, comm);", "wait(r);", "let _r = recv(&buf, 0, comm);"])
p2p("BufferingHazard_MPI_Send_MPI_Recv_ok", G_BUF, "BufferingHazard", True, 2,
    "Rank 0 sends then receives; rank 1 receives then sends.",
    ["send(&buf, 1, comm);", "let _r = recv(&buf, 1, comm);"],
    ["let _r = recv(&buf, 0, comm);", "send(&buf, 0, comm);"])
p2p("BufferingHazard_MPI_Isend_MPI_Recv_ok", G_BUF, "BufferingHazard", True, 2,
    "Both ranks MPI_Isend, receive, then wait for the send.",
    ["let r = isend(&buf, 1, comm);", "let _r = recv(&buf, 1, comm);", "wait(r);"],
    ["let r = isend(&buf, 0, comm);", "let _r = recv(&buf, 0, comm);", "wait(r);"])
p2p("BufferingHazard_MPI_Irecv_MPI_Send_ok", G_BUF, "BufferingHazard", True, 2,
    "Both ranks post an MPI_Irecv, send, then wait for the receive.",
    ["let r = irecv(&buf, 1, comm);", "send(&buf, 1, comm);", "let _r = wait(r);"],
    ["let r = irecv(&buf, 0, comm);", "send(&buf, 0, comm);", "let _r = wait(r);"])
p2p("BufferingHazard_MPI_Isend_MPI_Irecv_ok", G_BUF, "BufferingHazard", True, 2,
    "Both ranks MPI_Isend and MPI_Irecv, then wait for both.",
    ["let s = isend(&buf, 1, comm);", "let r = irecv(&buf, 1, comm);", "wait(s);",
     "let _r = wait(r);"],
    ["let s = isend(&buf, 0, comm);", "let r = irecv(&buf, 0, comm);", "wait(s);",
     "let _r = wait(r);"])
p2p("BufferingHazard_MPI_Sendrecv_ok", G_BUF, "BufferingHazard", True, 2,
    "Both ranks exchange with MPI_Sendrecv.",
    ["let _r = sendrecv(&buf, &buf, Source::rank(1), Dest::rank(1), comm);"],
    ["let _r = sendrecv(&buf, &buf, Source::rank(0), Dest::rank(0), comm);"])
ring_nok = START + AT_LEAST_2 + "\n    let buf = [rank as i32];\n"
ring_nok += "    let next = (rank + 1) % nprocs;\n    let prev = (rank + nprocs - 1) % nprocs;\n"
ring_nok += "    send(&buf, next, comm);\n    let _r = recv(&buf, prev, comm);\n"
code("BufferingHazard_ring_MPI_Send_MPI_Recv_nok", G_BUF, "BufferingHazard", False, 3,
     "Every rank sends to the next around a ring, then receives from the previous one:\n"
     "a cycle of sends, a deadlock without buffering.", ring_nok)
ring_ok = START + AT_LEAST_2 + "\n    let buf = [rank as i32];\n"
ring_ok += "    let next = (rank + 1) % nprocs;\n    let prev = (rank + nprocs - 1) % nprocs;\n"
ring_ok += "    if rank % 2 == 0 {\n        send(&buf, next, comm);\n        let _r = recv(&buf, prev, comm);\n"
ring_ok += "    } else {\n        let _r = recv(&buf, prev, comm);\n        send(&buf, next, comm);\n    }\n"
code("BufferingHazard_ring_odd_even_ok", G_BUF, "BufferingHazard", True, 4,
     "Around a ring of 4, even ranks send then receive, odd ranks receive then send.", ring_ok)
p2p("BufferingHazard_two_sends_nok", G_BUF, "BufferingHazard", False, 2,
    "Rank 0 sends two messages before receiving; rank 1 sends one, receives two, sends one:\n"
    "rank 0's second send waits for a receive that comes after rank 1's blocked send.",
    ["send(&buf, 1, comm);", "send(&buf, 1, comm);", "let _r = recv(&buf, 1, comm);",
     "let _s = recv(&buf, 1, comm);"],
    ["send(&buf, 0, comm);", "let _r = recv(&buf, 0, comm);", "let _s = recv(&buf, 0, comm);",
     "send(&buf, 0, comm);"])
p2p("BufferingHazard_two_sends_ok", G_BUF, "BufferingHazard", True, 2,
    "Rank 0 sends two messages, then receives two; rank 1 receives two, then sends two.",
    ["send(&buf, 1, comm);", "send(&buf, 1, comm);", "let _r = recv(&buf, 1, comm);",
     "let _s = recv(&buf, 1, comm);"],
    ["let _r = recv(&buf, 0, comm);", "let _s = recv(&buf, 0, comm);", "send(&buf, 0, comm);",
     "send(&buf, 0, comm);"])

# MessageRace: CollP2PMessageRaceGenerator.py (4 processes): ranks 0 and 2 call the collective
# then send to rank 1; rank 1 posts an MPI_Irecv from any source, calls the collective, posts a
# second MPI_Irecv (from any source: ok; from rank 0: nok), and waits for both; rank 3 calls the
# collective only.
G_CRACE = "CollP2PMessageRaceGenerator.py"
for c, correct in [("MPI_Bcast", True), ("MPI_Bcast", False), ("MPI_Barrier", True),
                   ("MPI_Barrier", False), ("MPI_Allreduce", False), ("MPI_Gather", False),
                   ("MPI_Reduce", True)]:
    for s in (["MPI_Send"] if c != "MPI_Bcast" else ["MPI_Send", "MPI_Isend"]):
        send_stmts = ["send(&one, 1, comm);"] if s == "MPI_Send" else \
            ["let s = isend(&one, 1, comm);", "wait(s);"]
        second = "ANY_SOURCE" if correct else "0"
        body = START + EXACTLY.format(n=4) + "\n    let root = 0;\n    let buf = vec![rank as i32; nprocs];\n"
        body += "    let one = rank as i32;\n"
        body += "    if rank == 0 || rank == 2 {\n        " + coll(c, 1, 8) + "\n"
        body += "".join("        " + x + "\n" for x in send_stmts)
        body += "    } else if rank == 1 {\n        let a = irecv(&one, ANY_SOURCE, comm);\n"
        body += "        " + coll(c, 1, 8) + "\n"
        body += f"        let b = irecv(&one, {second}, comm);\n        let _a = wait(a);\n        let _b = wait(b);\n"
        body += "    } else {\n        " + coll(c, 1, 8) + "\n    }\n"
        desc = (f"Ranks 0 and 2 call {c} then send to rank 1 ({s}); rank 1 posts an MPI_Irecv from\n"
                f"any source, calls {c}, then an MPI_Irecv from "
                + ("any source: either order of the two messages is fine." if correct else
                   "rank 0: if the first took rank 0's\nmessage, the second waits forever."))
        code(f"MessageRace_{c}_{s}_MPI_Irecv_{'ok' if correct else 'nok'}", G_CRACE,
             "MessageRace", correct, 4, desc, body)

G_RACE = "P2PMessageRaceGenerator.py"
race_nok = START + EXACTLY.format(n=3) + "\n    let one = rank as i32;\n"
race_nok += "    if rank == 0 {\n        let _a = recv(&one, ANY_SOURCE, comm);\n        let _b = recv(&one, 1, comm);\n"
race_nok += "    } else {\n        send(&one, 0, comm);\n    }\n"
code("MessageRace_MPI_Recv_any_then_named_nok", G_RACE, "MessageRace", False, 3,
     "Ranks 1 and 2 send to rank 0, which receives from any source, then from rank 1:\n"
     "if the first receive took rank 1's message, the second waits forever.", race_nok)
race_ok = START + EXACTLY.format(n=3) + "\n    let one = rank as i32;\n"
race_ok += "    if rank == 0 {\n        let _a = recv(&one, 2, comm);\n        let _b = recv(&one, ANY_SOURCE, comm);\n"
race_ok += "    } else {\n        send(&one, 0, comm);\n    }\n"
code("MessageRace_MPI_Recv_named_then_any_ok", G_RACE, "MessageRace", True, 3,
     "Ranks 1 and 2 send to rank 0, which receives from rank 2, then from any source.", race_ok)
race_loop_nok = START + AT_LEAST_2 + "\n    let one = rank as i32;\n"
race_loop_nok += "    if rank == 0 {\n        for _ in 1..nprocs - 1 {\n            let _a = recv(&one, ANY_SOURCE, comm);\n        }\n"
race_loop_nok += "        let _last = recv(&one, nprocs - 1, comm);\n"
race_loop_nok += "    } else {\n        send(&one, 0, comm);\n    }\n"
code("MessageRace_loop_any_then_last_nok", G_RACE, "MessageRace", False, 4,
     "Every other rank sends to rank 0, which receives nprocs - 2 messages from any source,\n"
     "then one from the last rank: it waits forever if the loop took the last rank's.",
     race_loop_nok)
race_loop_ok = START + AT_LEAST_2 + "\n    let one = rank as i32;\n"
race_loop_ok += "    if rank == 0 {\n        for _ in 1..nprocs {\n            let _a = recv(&one, ANY_SOURCE, comm);\n        }\n"
race_loop_ok += "    } else {\n        send(&one, 0, comm);\n    }\n"
code("MessageRace_loop_any_ok", G_RACE, "MessageRace", True, 4,
     "Every other rank sends to rank 0, which receives nprocs - 1 messages from any source.",
     race_loop_ok)
race_tag_nok = START + EXACTLY.format(n=3) + "\n    let one = rank as i32;\n"
race_tag_nok += "    if rank == 0 {\n        let _a = recv(&one, ANY_SOURCE, comm);\n        let _b = recv(&one, Source::any().tag(2), comm);\n"
race_tag_nok += "    } else {\n        send(&one, Dest::rank(0).tag(rank as i32), comm);\n    }\n"
code("MessageRace_tag_any_source_nok", G_RACE, "MessageRace", False, 3,
     "Rank 1 sends with tag 1, rank 2 with tag 2; rank 0 receives from any source and any tag,\n"
     "then from any source with tag 2: it waits forever if the first took rank 2's message.",
     race_tag_nok)

# InputHazard (InputHazardGenerator.py): the communication depends on the program's input;
# MBI runs each with an input that triggers the bug (for the nok codes).
G_IN = "InputHazardGenerator.py"
INPUT = "    let input: i32 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(1);\n"
in_nok = START + AT_LEAST_2 + "\n" + INPUT + "    let buf = [rank as i32];\n"
in_nok += "    if rank == 0 {\n        if input > 0 {\n            send(&buf, 1, comm);\n        }\n"
in_nok += "    } else if rank == 1 {\n        let _r = recv(&buf, 0, comm);\n    }\n"
code("InputHazard_MPI_Send_MPI_Recv_nok", G_IN, "InputHazard", False, 2,
     "Rank 0 sends to rank 1 only if its input is positive; rank 1 always receives.\n"
     "Run with input 0.", in_nok, args="0")
in_ok = START + AT_LEAST_2 + "\n" + INPUT + "    let buf = [rank as i32];\n"
in_ok += "    if input > 0 {\n        if rank == 0 {\n            send(&buf, 1, comm);\n"
in_ok += "        } else if rank == 1 {\n            let _r = recv(&buf, 0, comm);\n        }\n    }\n"
code("InputHazard_MPI_Send_MPI_Recv_ok", G_IN, "InputHazard", True, 2,
     "Both ranks send and receive only if the input is positive (every rank reads the same).\n"
     "Run with input 0.", in_ok, args="0")
in_cnok = START + AT_LEAST_2 + "\n" + INPUT + "    let buf = vec![rank as i32; nprocs];\n"
in_cnok += "    if rank == 0 && input == 0 {\n        // rank 0 skips the collective on this input\n    } else {\n        let _r = allreduce(&buf, Sum, comm);\n    }\n"
code("InputHazard_MPI_Allreduce_nok", G_IN, "InputHazard", False, 2,
     "Rank 0 skips MPI_Allreduce when its input is 0; the other ranks call it.\n"
     "Run with input 0.", in_cnok, args="0")
in_cok = START + AT_LEAST_2 + "\n" + INPUT + "    let buf = vec![rank as i32; nprocs];\n"
in_cok += "    for _ in 0..input {\n        let _r = allreduce(&buf, Sum, comm);\n    }\n"
code("InputHazard_MPI_Allreduce_ok", G_IN, "InputHazard", True, 2,
     "Every rank calls MPI_Allreduce as many times as its input says (the same on every rank).\n"
     "Run with input 3.", in_cok, args="3")


# ----------------------------------------------------------------------------------------------
# Variants of the same generators whose facts come from data, requests completed by MPI_Test,
# sub-communicators, and correct codes that MPI allows and a checker may wrongly reject.

p2p("CallOrdering_MPI_Irecv_MPI_Test_nosend_nok", G_P2PC, "CallOrdering", False, 2,
    "Rank 0 posts an MPI_Irecv from rank 1 and polls it with MPI_Test until it completes;\n"
    "rank 1 sends nothing.",
    ["let mut req = irecv(&buf, 1, comm);", "loop {", "    match test(req) {",
     "        Ok(_got) => break,", "        Err(pending) => req = pending,", "    }", "}"], [])
p2p("CallOrdering_MPI_Irecv_MPI_Test_ok", G_P2PC, "CallOrdering", True, 2,
    "Rank 0 posts an MPI_Irecv from rank 1 and polls it with MPI_Test until it completes;\n"
    "rank 1 sends the message.",
    ["let mut req = irecv(&buf, 1, comm);", "loop {", "    match test(req) {",
     "        Ok(_got) => break,", "        Err(pending) => req = pending,", "    }", "}"],
    ["send(&buf, 0, comm);"])
sr_nok = START + EXACTLY.format(n=3) + "\n    let buf = [rank as i32];\n"
sr_nok += "    let next = (rank + 1) % nprocs;\n"
sr_nok += "    let _r = sendrecv(&buf, &buf, Source::rank(next), Dest::rank(next), comm);\n"
code("CallOrdering_MPI_Sendrecv_wrong_source_nok", G_P2PM, "CallOrdering", False, 3,
     "Every rank sends to the next rank around a ring with MPI_Sendrecv, and receives from the\n"
     "next rank too (instead of the previous one), which sends elsewhere.", sr_nok)
sr_ok = START + AT_LEAST_2 + "\n    let buf = [rank as i32];\n"
sr_ok += "    let next = (rank + 1) % nprocs;\n    let prev = (rank + nprocs - 1) % nprocs;\n"
sr_ok += "    let _r = sendrecv(&buf, &buf, Source::rank(prev), Dest::rank(next), comm);\n"
code("CallOrdering_MPI_Sendrecv_ring_ok", G_P2PM, "CallOrdering", True, 3,
     "Every rank sends to the next rank around a ring with MPI_Sendrecv and receives from the\n"
     "previous one.", sr_ok)
self_ok = START + "\n    let buf = [rank as i32];\n"
self_ok += "    let s = isend(&buf, rank, comm);\n    let _r = recv(&buf, rank, comm);\n    wait(s);\n"
code("CallOrdering_MPI_Isend_self_ok", G_P2PM, "CallOrdering", True, 2,
     "Every rank sends a message to itself with MPI_Isend, receives it, then waits.", self_ok)
tags_ok = START + EXACTLY.format(n=3) + "\n    let one = rank as i32;\n"
tags_ok += "    if rank == 0 {\n        let _a = recv(&one, Source::any().tag(2), comm);\n        let _b = recv(&one, Source::any().tag(1), comm);\n"
tags_ok += "    } else {\n        send(&one, Dest::rank(0).tag(rank as i32), comm);\n    }\n"
code("MessageRace_tag_any_source_ok", G_RACE, "MessageRace", True, 3,
     "Rank 1 sends with tag 1, rank 2 with tag 2; rank 0 receives from any source with tag 2,\n"
     "then from any source with tag 1: the tags decide the matching.", tags_ok)
both_ok = START + AT_LEAST_2 + "\n    let buf = [rank as i32];\n"
both_ok += "    let next = (rank + 1) % nprocs;\n    let prev = (rank + nprocs - 1) % nprocs;\n"
both_ok += "    let a = irecv(&buf, prev, comm);\n    let b = irecv(&buf, next, comm);\n"
both_ok += "    let c = isend(&buf, next, comm);\n    let d = isend(&buf, prev, comm);\n"
both_ok += "    let _all = wait_all((a, b, c, d), comm);\n"
code("BufferingHazard_MPI_Irecv_MPI_Isend_MPI_Waitall_ok", G_BUF, "BufferingHazard", True, 4,
     "Every rank posts MPI_Irecvs from both neighbours of a ring and MPI_Isends to both, then\n"
     "completes the four with MPI_Waitall.", both_ok)
p2p("ParamMatching_Size_MPI_Send_MPI_Recv_ok", G_P2PA, "ParamMatching", True, 2,
    "Rank 1 sends 2 MPI_INTs; rank 0 receives with a count of 4 (MPI allows a shorter message).",
    ["let mut got = [0_i32; 4];", "let status = recv_into(&mut got, 1, comm);"],
    ["send(&[1_i32; 2], 0, comm);"])

# Facts that come from data (values of buffers), not from the rank and size.
data_root = START + AT_LEAST_2 + "\n    let buf = vec![rank as i32; nprocs];\n"
data_root += "    let root = buf[0] as usize % nprocs;\n    let _r = bcast(&buf, root, comm);\n"
code("ParamMatching_Root_from_buffer_MPI_Bcast_nok", G_ARG, "ParamMatching", False, 2,
     "The root of MPI_Bcast is read from the rank's own buffer, which holds its rank: each rank\n"
     "names itself.", data_root)
data_root_ok = START + AT_LEAST_2 + "\n    let buf = vec![nprocs as i32 - 1; nprocs];\n"
data_root_ok += "    let root = buf[0] as usize;\n    let _r = bcast(&buf, root, comm);\n"
code("ParamMatching_Root_from_buffer_MPI_Bcast_ok", G_ARG, "ParamMatching", True, 2,
     "The root of MPI_Bcast is read from a buffer that holds nprocs - 1 on every rank.",
     data_root_ok)
data_op = START + AT_LEAST_2 + "\n    let buf = vec![rank as i32; nprocs];\n"
data_op += "    if buf[0] % 2 == 0 {\n        let _r = allreduce(&buf, Sum, comm);\n    } else {\n        let _r = allreduce(&buf, Max, comm);\n    }\n"
code("ParamMatching_Op_from_buffer_MPI_Allreduce_nok", G_ARG, "ParamMatching", False, 2,
     "The operator of MPI_Allreduce is chosen from the rank's own buffer (its rank): MPI_SUM on\n"
     "even ranks, MPI_MAX on odd ones.", data_op)
data_tag = START + AT_LEAST_2 + "\n    let buf = [rank as i32];\n"
data_tag += "    if rank == 0 {\n        let _r = recv(&buf, Source::rank(1).tag(1), comm);\n"
data_tag += "    } else if rank == 1 {\n        let tag = buf[0] + 1;\n        send(&buf, Dest::rank(0).tag(tag), comm);\n    }\n"
code("ParamMatching_Tag_from_buffer_nok", G_P2PA, "ParamMatching", False, 2,
     "Rank 1 sends with a tag computed from its buffer (2); rank 0 receives with tag 1.", data_tag)
data_loop = START + AT_LEAST_2 + "\n" + INPUT + "    let buf = vec![rank as i32; nprocs];\n"
data_loop += "    let rounds = input + rank as i32;\n    for _ in 0..rounds {\n        let _r = allreduce(&buf, Sum, comm);\n    }\n"
code("InputHazard_loop_MPI_Allreduce_nok", G_IN, "InputHazard", False, 2,
     "Every rank calls MPI_Allreduce input + rank times: the counts differ between ranks.\n"
     "Run with input 1.", data_loop, args="1")
data_send = START + AT_LEAST_2 + "\n" + INPUT + "    let buf = [rank as i32];\n"
data_send += "    let peer = (input as usize) % nprocs;\n"
data_send += "    if rank == 0 {\n        send(&buf, peer, comm);\n    } else if rank == 1 {\n        let _r = recv(&buf, 0, comm);\n    }\n"
code("InputHazard_dest_MPI_Send_nok", G_IN, "InputHazard", False, 2,
     "Rank 0 sends to the rank its input names; rank 1 receives from rank 0. Run with input 0:\n"
     "rank 0 sends to itself, nobody receives it, and rank 1 waits forever.", data_send, args="0")

# Sub-communicators (MBI's communicator generators: a collective on different communicators).
# MPI_Comm_split is spmd's `split`, a collective on the world inside the checked function.
SPLIT = "    let half = split(rank % 2, comm);\n"
split_nok = START + AT_LEAST_2 + "\n" + SPLIT + "    let buf = vec![rank as i32; nprocs];\n"
split_nok += "    if rank % 2 == 0 {\n        let _r = allreduce(&buf, Sum, &half);\n    } else {\n        let _r = allreduce(&buf, Sum, comm);\n    }\n"
code("ParamMatching_Com_MPI_Comm_split_nok", G_ARG, "ParamMatching", False, 2,
     "MPI_COMM_WORLD is split by parity; even ranks call MPI_Allreduce on their half, odd ranks\n"
     "on MPI_COMM_WORLD.", split_nok)
split_ok = START + AT_LEAST_2 + "\n" + SPLIT + "    let buf = vec![rank as i32; nprocs];\n"
split_ok += "    let _r = allreduce(&buf, Sum, &half);\n    let _s = allreduce(&buf, Sum, comm);\n"
code("ParamMatching_Com_MPI_Comm_split_ok", G_ARG, "ParamMatching", True, 2,
     "MPI_COMM_WORLD is split by parity; every rank calls MPI_Allreduce on its half, then on\n"
     "the world.", split_ok)


# ReqLifecycle (MissingWaitandStartGenerator.py, 2 processes): the correct codes. Its incorrect
# ones (a request never completed, a persistent request never started or freed) cannot be
# written with spmd: see tests/mbi/inexpressible.md.
G_REQ = "MissingWaitandStartGenerator.py"
req_ok = START + AT_LEAST_2 + "\n    let buf = [rank as i32];\n"
req_ok += "    let dest = if rank == nprocs - 1 { 0 } else { rank + 1 };\n"
req_ok += "    let src = if rank == 0 { nprocs - 1 } else { rank - 1 };\n"
req_ok += "    let s = isend(&buf, dest, comm);\n    let r = irecv(&buf, src, comm);\n"
req_ok += "    wait(s);\n    let _r = wait(r);\n"
code("ReqLifecycle_MPI_Isend_MPI_Irecv_ok", G_REQ, "ReqLifecycle", True, 2,
     "Every rank posts an MPI_Isend to the next rank of a ring and an MPI_Irecv from the\n"
     "previous one, then waits for both.", req_ok)

def main():
    os.makedirs(OUT, exist_ok=True)
    names = set()
    for name, text, _, _ in codes:
        assert name not in names, name
        names.add(name)
    for old in os.listdir(OUT):
        if old.endswith(".rs") and old[:-3] not in names:
            os.remove(os.path.join(OUT, old))
    for name, text, _, _ in codes:
        with open(os.path.join(OUT, name + ".rs"), "w") as f:
            f.write(text)
    # Formatted as a user's code would be.
    subprocess.run(["rustfmt", "--edition", "2024"]
                   + [os.path.join(OUT, name + ".rs") for name, _, _, _ in codes], check=True)
    correct = sum(1 for c in codes if c[3])
    print(f"{len(codes)} codes ({correct} correct, {len(codes) - correct} incorrect)",
          file=sys.stderr)


if __name__ == "__main__":
    main()
