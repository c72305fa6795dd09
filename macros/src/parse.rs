//! Parsing: the attribute's arguments and the annotated function.

use proc_macro2::TokenStream;
use syn::parse::{Parse, ParseStream};
use syn::{ItemFn, Path, Token};

/// The attribute's arguments: `#[spmd_jit]`, `#[spmd_jit(crate = path)]`.
#[derive(Debug, Default)]
pub(crate) struct Args {
    /// The path of the runtime crate in generated code, when not `::spmd` (a renamed
    /// dependency).
    pub(crate) krate: Option<Path>,
}

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut krate: Option<Path> = None;
        while !input.is_empty() {
            let lookahead = input.lookahead1();
            if lookahead.peek(Token![crate]) {
                let key: Token![crate] = input.parse()?;
                input.parse::<Token![=]>()?;
                let path: Path = input.parse()?;
                if krate.replace(path).is_some() {
                    return Err(syn::Error::new_spanned(key, "duplicate argument `crate`"));
                }
            } else if input.peek(syn::Ident) {
                let unknown: syn::Ident = input.parse()?;
                return Err(syn::Error::new_spanned(
                    &unknown,
                    format!(
                        "unknown argument `{unknown}`: the only argument is `crate = path` (the \
                         path of `spmd` when renamed); remove `{unknown}`"
                    ),
                ));
            } else {
                return Err(lookahead.error());
            }
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        Ok(Args { krate })
    }
}

/// Parses the arguments; on error, the defaults and the error.
pub(crate) fn args(tokens: TokenStream) -> (Args, Option<syn::Error>) {
    match syn::parse2::<Args>(tokens) {
        Ok(args) => (args, None),
        Err(error) => (Args::default(), Some(error)),
    }
}

/// Parses the annotated item as a function with a body (a free function or a method).
pub(crate) fn function(tokens: TokenStream) -> syn::Result<ItemFn> {
    syn::parse2::<ItemFn>(tokens)
}
