//! Benchmark: does overlapping a halo exchange with computation hide the exchange?
//! ranks: 2
//! args: --quick
//!
//! Every rank holds a block of a 2-D field (ghost rows above and below) and exchanges its edge
//! rows with the ranks above and below (periodic), then applies a 5-point stencil to the block.
//! The stencil's interior rows need no ghost row; its first and last rows do. For each block
//! size the program times, interleaved block by block in one run:
//!
//! - `exchange`: the exchange alone (blocking `sendrecv`s);
//! - `compute`: the stencil alone;
//! - `blocking`: the exchange, then the stencil;
//! - `overlap`: `irecv_into` and `isend` posted (the rows as `Vec`s handed over, kept from step
//!   to step), the interior rows computed, `wait_all`, the edge rows computed;
//! - `overlap+test`: the same, with a `test` of a pending request every few rows of the
//!   interior, which lets MPI progress the exchange while the rank computes.
//!
//! It prints the median time of one step of each, the sum and the max of the parts, and the
//! fraction of the exchange hidden: `(exchange + compute - overlapped) / exchange`, 1 when the
//! overlapped step takes no longer than the stencil alone. Options: `--quick` (a few small
//! sizes, short), `--seconds S` per (size, form) (default 0.4), `--sweeps K` stencil sweeps per
//! step (default 1). Timings are printed, never asserted.

use std::hint::black_box;
use std::time::Instant;

use spmd::ndarray::ArrayViewMut1;
use spmd::prelude::*;
use spmd_examples::stats::median;

/// One rank's block: `rows` interior rows between two ghost rows, `cols` columns.
struct Block {
    field: Array2<f64>,
    next: Array2<f64>,
    rows: usize,
    /// The rows the overlapped step hands to its requests (edges out, ghosts in), kept from
    /// step to step: no allocation per step.
    rows_out: [Vec<f64>; 2],
    rows_in: [Vec<f64>; 2],
}

impl Block {
    fn new(rank: usize, rows: usize, cols: usize) -> Block {
        let field = Array2::from_shape_fn((rows + 2, cols), |(i, j)| {
            ((rank * 7 + i * 3 + j) % 17) as f64
        });
        Block {
            next: field.clone(),
            field,
            rows,
            rows_out: [vec![0.0; cols], vec![0.0; cols]],
            rows_in: [vec![0.0; cols], vec![0.0; cols]],
        }
    }

    /// The stencil on interior rows `range` (1-based, within `1..=rows`).
    fn stencil(&mut self, range: std::ops::Range<usize>) {
        let cols = self.field.ncols();
        for i in range {
            let (up, here, down) = (
                self.field.row(i - 1),
                self.field.row(i),
                self.field.row(i + 1),
            );
            let mut out = self.next.row_mut(i);
            out[0] = here[0];
            out[cols - 1] = here[cols - 1];
            for j in 1..cols - 1 {
                out[j] = 0.25 * (up[j] + down[j] + here[j - 1] + here[j + 1]);
            }
        }
    }

    /// Rows that need no ghost row.
    fn interior(&self) -> std::ops::Range<usize> {
        2..self.rows
    }
}

/// The ranks below and above (periodic).
fn neighbours(comm: &Comm) -> (usize, usize) {
    let (rank, size) = (comm.rank(), comm.size());
    ((rank + size - 1) % size, (rank + 1) % size)
}

/// The exchange with blocking ops: the first row goes down while the ghost row above comes
/// from above, then the other way.
#[spmd_jit]
fn exchange(comm: &Comm, block: &mut Block) {
    let (below, above) = neighbours(comm);
    let n = block.rows;
    let first = block.field.row(1).to_owned();
    let last = block.field.row(n).to_owned();
    let from_above = sendrecv(&first, &first, Source::rank(above), Dest::rank(below), comm);
    let from_below = sendrecv(&last, &last, Source::rank(below), Dest::rank(above), comm);
    block.field.row_mut(n + 1).assign(&from_above);
    block.field.row_mut(0).assign(&from_below);
}

/// The exchange posted, the interior computed, then the edges; with `test_every` rows, a
/// `test` of a pending receive in between. The edge and ghost rows are `Vec`s handed over to
/// the requests (no copy by the requests, no allocation) and handed back by the waits.
#[spmd_jit]
fn overlapped(comm: &Comm, block: &mut Block, sweeps: usize, test_every: Option<usize>) {
    let (below, above) = neighbours(comm);
    let n = block.rows;
    let [mut first, mut last] = std::mem::take(&mut block.rows_out);
    let [ghost_above, ghost_below] = std::mem::take(&mut block.rows_in);
    ArrayViewMut1::from(&mut first[..]).assign(&block.field.row(1));
    ArrayViewMut1::from(&mut last[..]).assign(&block.field.row(n));
    let from_above = irecv_into(ghost_above, above, comm);
    let from_below = irecv_into(ghost_below, below, comm);
    let down = isend(first, below, comm);
    let up = isend(last, above, comm);
    // The interior, in chunks, testing the receive from above between them.
    let mut pending = Some(from_above);
    let mut done = None;
    let interior = block.interior();
    let chunk = test_every.unwrap_or(interior.len().max(1));
    let mut start = interior.start;
    while start < interior.end {
        let end = (start + chunk).min(interior.end);
        for _ in 0..sweeps {
            block.stencil(start..end);
        }
        start = end;
        if test_every.is_some()
            && let Some(request) = pending.take()
        {
            match test(request) {
                Ok(row) => done = Some(row),
                Err(request) => pending = Some(request),
            }
        }
    }
    let (ghost_above, _) = match (pending, done) {
        (Some(request), _) => wait(request),
        (None, Some(row)) => row,
        (None, None) => unreachable!("the receive is pending or done"),
    };
    let ((ghost_below, _), first, last) = wait_all((from_below, down, up), comm);
    block
        .field
        .row_mut(n + 1)
        .assign(&ArrayView1::from(&ghost_above[..]));
    block
        .field
        .row_mut(0)
        .assign(&ArrayView1::from(&ghost_below[..]));
    block.rows_out = [first, last];
    block.rows_in = [ghost_above, ghost_below];
    for _ in 0..sweeps {
        block.stencil(1..2);
        block.stencil(n..n + 1);
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Form {
    Exchange,
    Compute,
    Blocking,
    Overlap,
    OverlapTest,
}

const FORMS: [Form; 5] = [
    Form::Exchange,
    Form::Compute,
    Form::Blocking,
    Form::Overlap,
    Form::OverlapTest,
];

fn step(comm: &Comm, block: &mut Block, form: Form, sweeps: usize) {
    let all = 1..block.rows + 1;
    match form {
        Form::Exchange => exchange(comm, block),
        Form::Compute => {
            for _ in 0..sweeps {
                block.stencil(all.clone());
            }
        }
        Form::Blocking => {
            exchange(comm, block);
            for _ in 0..sweeps {
                block.stencil(all.clone());
            }
        }
        Form::Overlap => overlapped(comm, block, sweeps, None),
        Form::OverlapTest => overlapped(comm, block, sweeps, Some(block.rows / 8 + 1)),
    }
    black_box(&block.next);
}

fn option<T: std::str::FromStr>(args: &[String], name: &str) -> Option<T> {
    let at = args.iter().position(|arg| arg == name)?;
    let value = args.get(at + 1)?;
    Some(
        value
            .parse()
            .unwrap_or_else(|_| panic!("`{name}` takes a number, got `{value}`")),
    )
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|arg| arg == "--quick");
    let seconds: f64 = option(&args, "--seconds").unwrap_or(if quick { 0.02 } else { 0.4 });
    let sweeps: usize = option(&args, "--sweeps").unwrap_or(1);
    let universe = spmd::init();
    let comm = universe.world();
    // (interior rows, columns): halo rows of 8 KiB to 1 MiB.
    let sizes: &[(usize, usize)] = if quick {
        &[(8, 64), (16, 1024)]
    } else {
        // Few rows: the stencil takes about as long as the exchange over TCP.
        &[(64, 1024), (16, 8192), (8, 32768), (4, 131_072)]
    };
    // The overlapped step gives the same field as the blocking one.
    for &(rows, cols) in sizes {
        let mut a = Block::new(comm.rank(), rows, cols);
        let mut b = Block::new(comm.rank(), rows, cols);
        step(&comm, &mut a, Form::Blocking, sweeps);
        step(&comm, &mut b, Form::OverlapTest, sweeps);
        assert_eq!(
            a.next, b.next,
            "the overlapped step computes the same values"
        );
        assert_eq!(
            a.field, b.field,
            "the overlapped step fills the same ghost rows"
        );
    }
    let mut table = String::new();
    table.push_str(&format!(
        "Halo exchange and 5-point stencil on {} ranks ({sweeps} sweep(s) per step), median time of one step:\n\n",
        comm.size()
    ));
    table.push_str(
        "| block | halo row | exchange | compute | sum | max | blocking | overlap | hidden | overlap + test | hidden |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for &(rows, cols) in sizes {
        let mut block = Block::new(comm.rank(), rows, cols);
        let mut times: Vec<Vec<f64>> = vec![Vec::new(); FORMS.len()];
        // Calibrate: steps per block of timing.
        let start = Instant::now();
        step(&comm, &mut block, Form::Blocking, sweeps);
        // Every rank derives the same counts from the slowest rank's time.
        let mine = start.elapsed().as_secs_f64().max(1e-6);
        let one = allreduce(&mine, Max, &comm, spmd::token()).0;
        let per_block = ((0.02 / one) as usize).clamp(1, 1000);
        let rounds = ((seconds / (one * per_block as f64)) as usize).clamp(3, 200);
        for _ in 0..rounds {
            for (index, &form) in FORMS.iter().enumerate() {
                drop(barrier(&comm, spmd::token()));
                let start = Instant::now();
                for _ in 0..per_block {
                    step(&comm, &mut block, form, sweeps);
                }
                // Every rank's time: the slowest rank's is the step's.
                let mine = start.elapsed().as_secs_f64() / per_block as f64;
                let slowest = allreduce(&mine, Max, &comm, spmd::token()).0;
                times[index].push(slowest);
            }
        }
        let [exchange, compute, blocking, overlap, overlap_test] =
            [0, 1, 2, 3, 4].map(|index| median(&times[index]).expect("at least 3 rounds"));
        let hidden =
            |overlapped: f64| ((exchange + compute - overlapped) / exchange).clamp(-9.99, 1.0);
        let us = |t: f64| format!("{:.1} µs", t * 1e6);
        table.push_str(&format!(
            "| {rows} x {cols} | {} KiB | {} | {} | {} | {} | {} | {} | {:.0} % | {} | {:.0} % |\n",
            cols * 8 / 1024,
            us(exchange),
            us(compute),
            us(exchange + compute),
            us(exchange.max(compute)),
            us(blocking),
            us(overlap),
            hidden(overlap) * 100.0,
            us(overlap_test),
            hidden(overlap_test) * 100.0,
        ));
    }
    if comm.rank() == 0 {
        println!("{table}");
    }
}
