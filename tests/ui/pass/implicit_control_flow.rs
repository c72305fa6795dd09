//! Implicit mode through every form of control flow.

use spmd::prelude::*;

#[spmd_jit]
fn straight_line(comm: &Comm, x: f64) -> f64 {
    let sum = allreduce(&x, Sum, comm);
    barrier(comm);
    let max = allreduce(&sum, Max, comm);
    sum + max
}

#[spmd_jit]
fn branches(comm: &Comm, x: f64, mode: u8) -> f64 {
    let y = if x > 0.0 {
        allreduce(&x, Sum, comm)
    } else if x < 0.0 {
        allreduce(&x, Min, comm)
    } else {
        x
    };
    match mode {
        0 => allreduce(&y, Max, comm),
        1 => {
            barrier(comm);
            y
        }
        _ => y,
    }
}

#[spmd_jit]
fn loops(comm: &Comm, n: usize) -> u64 {
    let mut x = 1_u64;
    for _ in 0..n {
        x = allreduce(&x, Sum, comm);
    }
    while allreduce(&x, Max, comm) < 100 {
        x *= 2;
    }
    let mut rounds = 0;
    loop {
        rounds += 1;
        if rounds > 3 {
            break;
        }
        if rounds == 2 {
            continue;
        }
        barrier(comm);
    }
    x
}

#[spmd_jit]
fn break_with_value(comm: &Comm) -> u64 {
    let mut x = 1_u64;
    loop {
        x = allreduce(&x, Sum, comm) + 1;
        if x > 10 {
            break x;
        }
    }
}

#[spmd_jit]
fn question_mark(comm: &Comm, text: &str) -> Result<i64, std::num::ParseIntError> {
    let parsed: i64 = text.parse()?;
    let sum = allreduce(&parsed, Sum, comm);
    if sum < 0 {
        return Ok(0);
    }
    Ok(allreduce(&sum, Max, comm))
}

#[spmd_jit]
fn blocks_and_nesting(comm: &Comm) -> Vec<f64> {
    let values = {
        let local = vec![1.0, 2.0];
        allreduce(&local[..], Sum, comm)
    };
    let scaled = allreduce(&allreduce(&values[..], Max, comm)[..], Min, comm);
    spmd::barrier(comm);
    ::spmd::allreduce(&scaled[..], Sum, comm)
}

#[spmd_jit]
fn point_to_point_by_rank(comm: &Comm) -> Option<Vec<f64>> {
    assert!(comm.size() >= 2);
    let rank = comm.rank();
    if rank == 0 {
        send(&[1.0, 2.0][..], 1, comm);
        None
    } else if rank == 1 {
        Some(recv(&[0.0, 0.0][..], 0, comm))
    } else {
        None
    }
}

#[spmd_jit]
fn same_collectives_on_both_branches(comm: &Comm, x: f64) -> f64 {
    if comm.rank() == 0 {
        let y = allreduce(&(x * 2.0), Sum, comm);
        barrier(comm);
        y
    } else {
        let y = allreduce(&x, Sum, comm);
        barrier(comm);
        y
    }
}

#[spmd_jit(crate = ::spmd)]
fn renamed_crate(comm: &Comm) {
    barrier(comm);
}

/// Closures and macros that do not communicate are fine.
#[spmd_jit]
fn closures_without_ops(comm: &Comm, values: &[f64]) -> f64 {
    let doubled: Vec<f64> = values.iter().map(|x| x * 2.0).collect();
    let sum = allreduce(&doubled[..], Sum, comm);
    println!("{sum:?}");
    sum.iter().sum()
}

fn main() {
    let _ = (
        straight_line,
        branches,
        loops,
        break_with_value,
        question_mark,
        blocks_and_nesting,
        point_to_point_by_rank,
        same_collectives_on_both_branches,
        renamed_crate,
        closures_without_ops,
        uniform_after_allreduce,
    );
}

/// A value computed from the rank but made uniform by a collective is not a rank condition.
#[spmd_jit]
fn uniform_after_allreduce(comm: &Comm) -> f64 {
    let total = allreduce(&(comm.rank() as f64), Sum, comm);
    if total > 5.0 {
        allreduce(&total, Max, comm)
    } else {
        total
    }
}
