//! The results as markdown: the main table, the tables of the forms against C, of allreduce
//! and of the non-contiguous exchange, the wrapper's own cost, and what is over target.

use std::fmt::Write as _;

use crate::measure::{Cell, ratio};
use crate::ops::{ALLREDUCE, HALO_COLUMN, OPS, Op, Variant};

/// `bytes` in B, KiB or MiB.
pub fn format_size(bytes: usize) -> String {
    if bytes >= 1 << 20 {
        format!("{} MiB", bytes >> 20)
    } else if bytes >= 1 << 10 {
        format!("{} KiB", bytes >> 10)
    } else {
        format!("{bytes} B")
    }
}

/// `seconds` in ns, µs, ms or s, with three significant digits.
pub fn format_time(seconds: f64) -> String {
    if seconds < 0.0 {
        return format!("-{}", format_time(-seconds));
    }
    let (value, unit) = if seconds < 1e-6 {
        (seconds * 1e9, "ns")
    } else if seconds < 1e-3 {
        (seconds * 1e6, "µs")
    } else if seconds < 1.0 {
        (seconds * 1e3, "ms")
    } else {
        (seconds, "s")
    };
    if value < 10.0 {
        format!("{value:.2} {unit}")
    } else if value < 100.0 {
        format!("{value:.1} {unit}")
    } else {
        format!("{value:.0} {unit}")
    }
}

/// Allocations per call: `0` exactly, else two decimals.
pub fn format_allocs(per_call: f64) -> String {
    if per_call == 0.0 {
        "0".into()
    } else {
        format!("{per_call:.2}")
    }
}

/// The result of `op` at `bytes` in form `variant`.
fn find(cells: &[Cell], op: Op, bytes: usize, variant: Variant) -> &Cell {
    cells
        .iter()
        .find(|c| c.op == op && c.bytes == bytes && c.variant == variant)
        .expect("every (op, size, form) was measured")
}

/// The ratio target of the design: 1.10 up to 1 KiB, 1.03 from 1 MiB.
fn target(bytes: usize) -> Option<f64> {
    if bytes <= 1 << 10 {
        Some(1.10)
    } else if bytes >= 1 << 20 {
        Some(1.03)
    } else {
        None
    }
}
/// The overhead measurement as markdown.
pub fn overhead_section(out: &mut String, [raw, explicit, jit]: &[f64; 3]) {
    let _ = writeln!(
        out,
        "\nPer-call cost of spmd's own work (allreduce of one f64 on a one-rank communicator, \
         where MPI's own work is smallest; median of 9 rounds):\n"
    );
    let _ = writeln!(
        out,
        "| rsmpi | spmd, explicit token | spmd, `#[spmd_jit]` | added by spmd |"
    );
    let _ = writeln!(out, "|---:|---:|---:|---:|");
    let _ = writeln!(
        out,
        "| {raw:.1} ns | {explicit:.1} ns | {jit:.1} ns | {:.1} ns, {:.1} ns |",
        explicit - raw,
        jit - raw
    );
}

/// The results as markdown: the main table, the allreduce forms, and what is over target.
pub fn report(cells: &[Cell], sizes: &[usize], machine: &str) -> String {
    let ops = measured_ops(cells);
    let mut out = String::new();
    let _ = writeln!(out, "{machine}\n");
    let _ = writeln!(
        out,
        "| op | size | raw (rsmpi) | ours (spmd) | ours / raw | allocs per call (raw, ours) |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|");
    let mut over = Vec::new();
    // An op whose raw form is not one MPI call (the non-contiguous exchange, whose raw form is
    // a user's hand-written packing around one) has a table of its own.
    for &op in ops.iter().filter(|op| op.raw_is_one_call) {
        for &bytes in sizes {
            let raw = find(cells, op, bytes, Variant::Raw);
            let ours = find(cells, op, bytes, Variant::Ours);
            let ratio = ratio(ours, raw);
            // A collective's guarded form pays for the agreement (its own table); its target
            // applies to the form without it.
            let guarded = op.variants.contains(&Variant::Unagreed)
                || op.variants.contains(&Variant::Unguarded);
            if !guarded && target(bytes).is_some_and(|limit| ratio > limit) {
                over.push(format!("{} {} ({ratio:.3})", op.name, format_size(bytes)));
            }
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {ratio:.3} | {}, {} |",
                op.name,
                format_size(bytes),
                format_time(raw.median),
                format_time(ours.median),
                format_allocs(raw.allocs_per_call),
                format_allocs(ours.allocs_per_call),
            );
        }
    }
    let c_over = c_forms(&mut out, cells, sizes);
    over.extend(c_over);
    over.extend(agreement_forms(&mut out, cells, sizes));
    over.extend(nonblocking_forms(&mut out, cells, sizes));
    over.extend(proven_forms(&mut out, cells, sizes));
    if ops.contains(&ALLREDUCE) {
        allreduce_forms(&mut out, cells, sizes);
    }
    over.extend(varying_forms(&mut out, cells, sizes));
    let mut halo_over = Vec::new();
    if ops.contains(&HALO_COLUMN) {
        halo_over = halo_forms(&mut out, cells, sizes);
    }
    summary(&mut out, cells, &over, &halo_over);
    out
}

/// The ops that `cells` holds, in their usual order.
pub fn measured_ops(cells: &[Cell]) -> Vec<Op> {
    OPS.iter()
        .copied()
        .filter(|&op| cells.iter().any(|c| c.op == op))
        .collect()
}

/// The table of the ops that have a C form (allreduce, ping-pong): rsmpi and spmd against MPI
/// called from C, in the same process, at spmd's threading level. Returns the entries over
/// target (ours / C).
fn c_forms(out: &mut String, cells: &[Cell], sizes: &[usize]) -> Vec<String> {
    let ops: Vec<Op> = measured_ops(cells)
        .into_iter()
        .filter(|op| op.variants.contains(&Variant::C) && !op.variants.contains(&Variant::Proven))
        .collect();
    if ops.is_empty() {
        return Vec::new();
    }
    let _ = writeln!(
        out,
        "\nAgainst C: the same calls made as a C program makes them (`MPI_Allreduce`, \
         `MPI_Send`/`MPI_Recv` through the C functions, no wrapper), in the same process, so at \
         the threading level spmd initialised MPI with (see the threading section for the cost \
         of that level against `MPI_Init`):\n"
    );
    let _ = writeln!(
        out,
        "The point-to-point ops also on a communicator made by the `unsafe` \
         `Comm::unguarded` (no matched probe before a receive: the targets apply to it; the \
         guarded form's cost is the price of soundness):\n"
    );
    let _ = writeln!(
        out,
        "| op | size | C | raw (rsmpi) | ours (spmd) | unguarded | raw / C | ours / C | unguarded / C |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut over = Vec::new();
    for op in ops {
        for &bytes in sizes {
            let c = find(cells, op, bytes, Variant::C);
            let raw = find(cells, op, bytes, Variant::Raw);
            let ours = find(cells, op, bytes, Variant::Ours);
            let ours_c = ratio(ours, c);
            let unguarded = op
                .variants
                .contains(&Variant::Unguarded)
                .then(|| find(cells, op, bytes, Variant::Unguarded));
            // A nonblocking op's lent form pays a copy by design; its table judges the
            // handed-over form. A guarded collective pays for the agreement; the agreement's
            // table judges the form without it. A guarded receive pays for its matched probe;
            // the form judged is the unguarded one.
            let judged = !op.variants.contains(&Variant::HandedOver)
                && !op.variants.contains(&Variant::Unagreed);
            let (judged_ratio, form) = match unguarded {
                Some(unguarded) => (ratio(unguarded, c), " unguarded"),
                None => (ours_c, ""),
            };
            if judged && target(bytes).is_some_and(|limit| judged_ratio > limit) {
                over.push(format!(
                    "{} {}{form} vs C ({judged_ratio:.3})",
                    op.name,
                    format_size(bytes)
                ));
            }
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {:.3} | {ours_c:.3} | {} |",
                op.name,
                format_size(bytes),
                format_time(c.median),
                format_time(raw.median),
                format_time(ours.median),
                unguarded.map_or("-".to_owned(), |cell| format_time(cell.median)),
                ratio(raw, c),
                unguarded.map_or("-".to_owned(), |cell| format!("{:.3}", ratio(cell, c))),
            );
        }
    }
    over
}

/// The table of the collectives with and without the ranks' agreement before their data moves:
/// the agreement's cost, and the form without it against raw. Returns the entries over target
/// (without agreement / raw).
fn agreement_forms(out: &mut String, cells: &[Cell], sizes: &[usize]) -> Vec<String> {
    let ops: Vec<Op> = measured_ops(cells)
        .into_iter()
        .filter(|op| {
            op.variants.contains(&Variant::Unagreed) && !op.variants.contains(&Variant::Proven)
        })
        .collect();
    if ops.is_empty() {
        return Vec::new();
    }
    let _ = writeln!(
        out,
        "\nThe agreement before a collective (one `MPI_Allreduce` of a 128-byte envelope on a \
         private duplicate, so that no rank's wrong count reaches MPI; a collective of up to 64 \
         bytes, scans aside, travels inside it): spmd's form with it (the default) and \
         without it (`unsafe` `Comm::without_agreement`), against raw. The targets apply to \
         the form without it; the agreement's cost is the price of soundness:\n"
    );
    let _ = writeln!(
        out,
        "| op | size | raw (rsmpi) | ours | without agreement | ours / raw | without / raw | agreement cost |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|");
    let mut over = Vec::new();
    for op in ops {
        for &bytes in sizes {
            let raw = find(cells, op, bytes, Variant::Raw);
            let ours = find(cells, op, bytes, Variant::Ours);
            let unagreed = find(cells, op, bytes, Variant::Unagreed);
            let without = ratio(unagreed, raw);
            if target(bytes).is_some_and(|limit| without > limit) {
                over.push(format!(
                    "{} {} without agreement ({without:.3})",
                    op.name,
                    format_size(bytes)
                ));
            }
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {:.3} | {without:.3} | {} |",
                op.name,
                format_size(bytes),
                format_time(raw.median),
                format_time(ours.median),
                format_time(unagreed.median),
                ratio(ours, raw),
                format_time(ours.median - unagreed.median),
            );
        }
    }
    over
}

/// The table of the nonblocking ops against C: spmd's lent form (`&buf`, `&mut buf`: copied
/// through the call site's memory) and its handed-over form (`Vec`s moved into the requests:
/// no copy). Returns the entries over target (handed over / C: the form the targets judge).
fn nonblocking_forms(out: &mut String, cells: &[Cell], sizes: &[usize]) -> Vec<String> {
    let ops: Vec<Op> = measured_ops(cells)
        .into_iter()
        .filter(|op| op.variants.contains(&Variant::HandedOver))
        .collect();
    if ops.is_empty() {
        return Vec::new();
    }
    let _ = writeln!(
        out,
        "\nNonblocking ops against the same calls from C (`MPI_Irecv` + `MPI_Isend` + \
         `MPI_Waitall` for irecv-isend and isendrecv; `MPI_Iallreduce`, `MPI_Ialltoall` or \
         `MPI_Ialltoallv` (the counts known) + `MPI_Wait`): spmd with lent buffers (copied through memory the call site reuses), \
         with `Vec`s handed over (moved into the requests and handed back, no copy), in place \
         (iallreduce of one `Vec`), unguarded (handed over, on a communicator made by \
         `Comm::without_agreement` for a collective, by `Comm::unguarded` for point-to-point), \
         and with the buffers lent to a `spmd::scope` (no copy; guarded, and on the unguarded \
         communicators). The targets apply to the unguarded form, the guards' cost is the \
         price of soundness:\n"
    );
    let _ = writeln!(
        out,
        "| op | size | C | raw (rsmpi) | lent | handed over | lent / C | handed over / C | in place / C | unguarded / C | scoped / C | scoped, unguarded / C | allocs per call (lent, handed over, scoped) |"
    );
    let _ = writeln!(
        out,
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    // The ratio of an optional form to C, or a dash for an op without it.
    let optional = |op: Op, bytes: usize, variant: Variant, c: &Cell| {
        if op.variants.contains(&variant) {
            format!("{:.3}", ratio(find(cells, op, bytes, variant), c))
        } else {
            "-".to_owned()
        }
    };
    let mut over = Vec::new();
    for op in ops {
        for &bytes in sizes {
            let c = find(cells, op, bytes, Variant::C);
            let raw = find(cells, op, bytes, Variant::Raw);
            let lent = find(cells, op, bytes, Variant::Ours);
            let handed = find(cells, op, bytes, Variant::HandedOver);
            let handed_c = ratio(handed, c);
            // The form the targets judge: the unguarded one where the op has it.
            let unguarded = [Variant::Unagreed, Variant::Unguarded]
                .into_iter()
                .find(|variant| op.variants.contains(variant));
            let (judged, form) = match unguarded {
                Some(variant) => (ratio(find(cells, op, bytes, variant), c), "unguarded"),
                None => (handed_c, "handed over"),
            };
            if target(bytes).is_some_and(|limit| judged > limit) {
                over.push(format!(
                    "{} {} {form} vs C ({judged:.3})",
                    op.name,
                    format_size(bytes)
                ));
            }
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {:.3} | {handed_c:.3} | {} | {} | {} | {} | {}, {}, {} |",
                op.name,
                format_size(bytes),
                format_time(c.median),
                format_time(raw.median),
                format_time(lent.median),
                format_time(handed.median),
                ratio(lent, c),
                optional(op, bytes, Variant::InPlace, c),
                unguarded.map_or("-".to_owned(), |variant| optional(op, bytes, variant, c)),
                optional(op, bytes, Variant::Scoped, c),
                optional(op, bytes, Variant::ScopedUnguarded, c),
                format_allocs(lent.allocs_per_call),
                format_allocs(handed.allocs_per_call),
                if op.variants.contains(&Variant::Scoped) {
                    format_allocs(find(cells, op, bytes, Variant::Scoped).allocs_per_call)
                } else {
                    "-".to_owned()
                },
            );
        }
    }
    over
}

/// The table of allreduce's four forms.
fn allreduce_forms(out: &mut String, cells: &[Cell], sizes: &[usize]) {
    let _ = writeln!(
        out,
        "\nAllreduce forms (ratios against raw; check cost = check mode minus in place):\n"
    );
    let _ = writeln!(
        out,
        "| size | raw | in place | functional | ratio | allocs/call | check mode | ratio | check cost | allocs/call |"
    );
    let _ = writeln!(out, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for &bytes in sizes {
        let raw = find(cells, ALLREDUCE, bytes, Variant::Raw);
        let ours = find(cells, ALLREDUCE, bytes, Variant::InPlace);
        let functional = find(cells, ALLREDUCE, bytes, Variant::Functional);
        let checked = find(cells, ALLREDUCE, bytes, Variant::Checked);
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {:.3} | {} | {} | {:.3} | {} | {} |",
            format_size(bytes),
            format_time(raw.median),
            format_time(ours.median),
            format_time(functional.median),
            ratio(functional, raw),
            format_allocs(functional.allocs_per_call),
            format_time(checked.median),
            ratio(checked, raw),
            format_time(checked.median - ours.median),
            format_allocs(checked.allocs_per_call),
        );
    }
}

/// The v-collectives' forms (`alltoallv`): unguarded against MPI's one call with the counts
/// known (the yardstick), the guarded `_into` form and the form that exchanges the counts
/// itself against what a program writes by hand for counts it does not know. Returns the
/// entries over target (without agreement / C).
fn varying_forms(out: &mut String, cells: &[Cell], sizes: &[usize]) -> Vec<String> {
    let ops: Vec<Op> = measured_ops(cells)
        .into_iter()
        .filter(|&op| op != ALLREDUCE && op.variants.contains(&Variant::Functional))
        .collect();
    let mut over = Vec::new();
    for op in ops {
        let _ = writeln!(
            out,
            "\n{}: C is `MPI_Alltoallv` with the counts known; raw is the count exchange written \
             by hand (rsmpi's `all_to_all_into` of the counts, then `all_to_all_varcount_into`); \
             ours is `alltoallv_into` with the counts given and checked against the senders' \
             (the agreement and one count exchange); functional is `alltoallv`, which exchanges \
             the counts and allocates its result:\n",
            op.title
        );
        let _ = writeln!(
            out,
            "| size | C | without agreement | without / C | raw | ours | ours / raw | functional | functional / raw | allocs/call (ours, functional) |"
        );
        let _ = writeln!(out, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for &bytes in sizes {
            let c = find(cells, op, bytes, Variant::C);
            let raw = find(cells, op, bytes, Variant::Raw);
            let ours = find(cells, op, bytes, Variant::Ours);
            let functional = find(cells, op, bytes, Variant::Functional);
            let unagreed = find(cells, op, bytes, Variant::Unagreed);
            let without = ratio(unagreed, c);
            if target(bytes).is_some_and(|limit| without > limit) {
                over.push(format!(
                    "{} {} without agreement vs C ({without:.3})",
                    op.name,
                    format_size(bytes)
                ));
            }
            let _ = writeln!(
                out,
                "| {} | {} | {} | {without:.3} | {} | {} | {:.3} | {} | {:.3} | {}, {} |",
                format_size(bytes),
                format_time(c.median),
                format_time(unagreed.median),
                format_time(raw.median),
                format_time(ours.median),
                ratio(ours, raw),
                format_time(functional.median),
                ratio(functional, raw),
                format_allocs(ours.allocs_per_call),
                format_allocs(functional.allocs_per_call),
            );
        }
    }
    over
}

/// The halo exchange of an array column, which is not contiguous: `sendrecv_into` on the
/// column views (staged in the call site's cache) against a hand-written copy around rsmpi's
/// `send_receive_into`, and against a fresh staging copy per call (what the cache saves).
/// Returns the sizes where ours / raw is over target.
fn halo_forms(out: &mut String, cells: &[Cell], sizes: &[usize]) -> Vec<String> {
    let _ = writeln!(
        out,
        "\nNon-contiguous buffers: halo exchange of an array column; raw copies the column into \
         preallocated memory by hand around rsmpi's call; ours passes the column views, staged \
         on the stack up to 1 KiB and above that in memory cached per call site; the last form \
         stages into fresh memory every call:\n"
    );
    let _ = writeln!(
        out,
        "| column size | raw, hand-copied | ours, cached | ours / raw | allocs/call | ours, staging per call | allocs/call | per call / cached |"
    );
    let _ = writeln!(out, "|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut over = Vec::new();
    for &bytes in sizes {
        let raw = find(cells, HALO_COLUMN, bytes, Variant::Raw);
        let ours = find(cells, HALO_COLUMN, bytes, Variant::Ours);
        let fresh = find(cells, HALO_COLUMN, bytes, Variant::StagedPerCall);
        let ours_raw = ratio(ours, raw);
        if target(bytes).is_some_and(|limit| ours_raw > limit) {
            over.push(format!("{} ({ours_raw:.3})", format_size(bytes)));
        }
        let _ = writeln!(
            out,
            "| {} | {} | {} | {ours_raw:.3} | {} | {} | {} | {:.3} |",
            format_size(bytes),
            format_time(raw.median),
            format_time(ours.median),
            format_allocs(ours.allocs_per_call),
            format_time(fresh.median),
            format_allocs(fresh.allocs_per_call),
            ratio(fresh, ours),
        );
    }
    over
}

/// How many calls each median is of, and what is over target.
fn summary(out: &mut String, cells: &[Cell], over: &[String], halo_over: &[String]) {
    let reps: Vec<usize> = cells.iter().map(|c| c.reps).collect();
    let _ = writeln!(
        out,
        "\nMedian of {} to {} samples per cell, timed on rank 0; a sample is one call, or for \
         calls under 5 µs a batch of up to 64 calls lasting about 5 µs; ping-pong is half the \
         round trip; alltoall's size is one block (each rank sends one block to each rank). \
         Ratios are block by block: the median, over the blocks, of the two forms' medians' \
         ratio within a block (in a full run, 10 blocks below 1 MiB, one per sample from 1 MiB \
         on).",
        reps.iter().min().unwrap_or(&0),
        reps.iter().max().unwrap_or(&0)
    );
    if over.is_empty() {
        let _ = writeln!(
            out,
            "\nEvery op's ratio is within target (1.10 up to 1 KiB, 1.03 from 1 MiB)."
        );
    } else {
        let _ = writeln!(
            out,
            "\nOver target (1.10 up to 1 KiB, 1.03 from 1 MiB): {}.",
            over.join(", ")
        );
    }
    if !cells.iter().any(|c| c.op == HALO_COLUMN) {
        // Not measured.
    } else if halo_over.is_empty() {
        let _ = writeln!(
            out,
            "\nThe non-contiguous exchange is within the same targets."
        );
    } else {
        let _ = writeln!(
            out,
            "\nNon-contiguous exchange over the same targets: {}.",
            halo_over.join(", ")
        );
    }
}

/// The table of the runs of equal collectives in a proven function (see the `proof` module of
/// spmd): C's loop, spmd's loop agreeing at every op (slices), spmd's proven loop (`[f64; N]`:
/// agreed at its first op only), and the loop without agreement, per op. Returns the entries
/// over target (proven / C: the path the proof leaves unguarded).
fn proven_forms(out: &mut String, cells: &[Cell], sizes: &[usize]) -> Vec<String> {
    let ops: Vec<Op> = measured_ops(cells)
        .into_iter()
        .filter(|op| op.variants.contains(&Variant::Proven))
        .collect();
    if ops.is_empty() {
        return Vec::new();
    }
    let _ = writeln!(
        out,
        "\nA run of 32 equal allreduces in one `#[spmd_jit]` function, per allreduce: C's loop, \
         spmd's on slices (their length is not in their type: every op agrees), spmd's on \
         `[f64; N]` in a function the pattern check proved (the run agrees once, at its first \
         op; the others skip the agreement), and the loop on a communicator without agreement. \
         The targets apply to the proven form:\n"
    );
    let _ = writeln!(
        out,
        "| op | size | C | ours, agreed | ours, proven | without agreement | agreed / C | proven / C | without / C |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut over = Vec::new();
    for op in ops {
        for &bytes in sizes {
            let c = find(cells, op, bytes, Variant::C);
            let ours = find(cells, op, bytes, Variant::Ours);
            let proven = find(cells, op, bytes, Variant::Proven);
            let unagreed = find(cells, op, bytes, Variant::Unagreed);
            let proven_c = ratio(proven, c);
            if target(bytes).is_some_and(|limit| proven_c > limit) {
                over.push(format!(
                    "{} {} proven vs C ({proven_c:.3})",
                    op.name,
                    format_size(bytes)
                ));
            }
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {:.3} | {proven_c:.3} | {:.3} |",
                op.name,
                format_size(bytes),
                format_time(c.median),
                format_time(ours.median),
                format_time(proven.median),
                format_time(unagreed.median),
                ratio(ours, c),
                ratio(unagreed, c),
            );
        }
    }
    over
}
