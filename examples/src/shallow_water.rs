//! The shallow-water model of mpi4jax's demo, split over the ranks of a communicator, and what
//! the `shallow_water` example writes of it.
//!
//! [`model`] is the model's public face (its parameters, [`model::Model`] and the gather of
//! its blocks); [`output`] writes and draws its fields. The other modules are the model's
//! parts: the split of the grid over the ranks, the fields, the halo exchange, and the sweeps
//! of a time step.

mod decomposition;
mod field;
mod halo;
pub mod model;
pub mod output;
mod update;
