//! The `#[spmd_jit]` attribute of the [`spmd`](https://docs.rs/spmd) crate.

use proc_macro::TokenStream;

/// Marks a function whose communication is ordered by `spmd`'s token chain.
#[proc_macro_attribute]
pub fn spmd_jit(_args: TokenStream, item: TokenStream) -> TokenStream {
    item
}
