//! The `#[spmd_jit]` attribute of the [`spmd`](https://docs.rs/spmd) crate.

mod analyse;
mod ctxt;
mod expand;
mod fallback;
mod ops;
mod parse;
#[cfg(test)]
mod snapshots;

use proc_macro::TokenStream;

/// Marks a function whose communication is ordered by `spmd`'s token chain.
#[proc_macro_attribute]
pub fn spmd_jit(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::spmd_jit(args.into(), item.into()).into()
}
