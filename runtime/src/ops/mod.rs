//! The communication ops, in explicit-token form.

pub mod collective;
pub mod handed;
pub mod nonblocking;
pub mod p2p;
pub mod reduction;
pub mod varying;
