//! What the examples of spmd share: the shallow-water model, the font their pictures are drawn
//! with, reading a command line before MPI starts, and the median of their timings.
//!
//! Each example is a binary of this package (`src/bin`), run under `mpirun`.

#![warn(missing_docs)]

pub mod cli;
pub mod font;
pub mod shallow_water;
pub mod stats;
