//! The op table handed to the runtime: `__for_each_op!(callback)` expands to one invocation of
//! `callback!` listing every op of [`OPS`](crate::ops::OPS), so that the runtime re-exports,
//! and records, exactly the ops the macro knows.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::ops::OPS;

/// `callback! { name in module [params] [receive_into]; ... }` for every op, where `module` is
/// the runtime module that defines the op, `params` the texts of its arguments before the
/// token, and `receive_into` the op a truncation error suggests (or nothing).
pub(crate) fn for_each_op(input: TokenStream) -> TokenStream {
    let callback: syn::Path = match syn::parse2(input) {
        Ok(callback) => callback,
        Err(error) => return error.to_compile_error(),
    };
    let ident = |name: &str| Ident::new(name, Span::call_site());
    let entries = OPS.iter().map(|op| {
        let name = ident(op.name);
        let module = ident(op.module.name());
        let params = op.params.iter().map(|param| param.text);
        let family = ident(op.family);
        let receive_into = op.receive_into.map(ident);
        quote! { #name in #module family #family [#(#params),*] [#receive_into]; }
    });
    quote! { #callback! { #(#entries)* } }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_every_op_once() {
        let tokens = for_each_op(quote!(export)).to_string();
        assert!(tokens.starts_with("export ! {"), "{tokens}");
        assert!(tokens.contains(r#"send in p2p family send ["&buf" , "dest" , "comm"] [] ;"#));
        assert!(tokens.contains("recv in p2p family recv"));
        assert!(tokens.contains("bcast_in_place in collective family bcast"));
        assert!(tokens.contains("[recv_into] ;"));
        assert_eq!(tokens.matches(';').count(), OPS.len());
    }

    #[test]
    fn a_bad_callback_is_a_compile_error() {
        let tokens = for_each_op(quote!(1 + 1)).to_string();
        assert!(tokens.contains("compile_error"), "{tokens}");
    }
}
