//! Parsing: the attribute's arguments and the annotated function.

use proc_macro2::TokenStream;
use syn::parse::{Parse, ParseStream};
use syn::{ItemFn, Path, Token};

/// The attribute's arguments: `#[spmd_jit]`, `#[spmd_jit(crate = path)]`,
/// `#[spmd_jit(sizes = 2..=16)]`, `#[spmd_jit(explain)]`, `#[spmd_jit(unchecked)]`, in any
/// combination.
#[derive(Debug, Default)]
pub(crate) struct Args {
    /// The path of the runtime crate in generated code, when not `::spmd` (a renamed
    /// dependency).
    pub(crate) krate: Option<Path>,
    /// The world sizes the communication pattern is checked for, when not the default.
    pub(crate) sizes: Option<Vec<usize>>,
    /// Report what was checked, as a warning.
    pub(crate) explain: bool,
    /// Do not check the communication pattern (for a program that errs on purpose).
    pub(crate) unchecked: bool,
}

/// The largest world size `sizes = ..` may name.
pub(crate) const MAX_SIZE: usize = 1024;

const ARGUMENTS: &str = "the arguments are `crate = path` (the path of `spmd` when renamed), \
                         `sizes = ..` (the world sizes to check: `4`, `2..=16` or `[2, 4, 8]`), \
                         `explain` (report what was checked) and `unchecked` (do not check the \
                         communication pattern)";

/// `sizes = 4`, `sizes = 2..=16`, `sizes = 1..9`, `sizes = [2, 4, 8]`.
fn sizes(input: ParseStream<'_>) -> syn::Result<Vec<usize>> {
    let expr: syn::Expr = input.parse()?;
    let int = |expr: &syn::Expr| -> syn::Result<usize> {
        match expr {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Int(int),
                ..
            }) => {
                let value: usize = int.base10_parse()?;
                if value == 0 || value > MAX_SIZE {
                    return Err(syn::Error::new_spanned(
                        int,
                        format!("a world size is 1 to {MAX_SIZE}"),
                    ));
                }
                Ok(value)
            }
            other => Err(syn::Error::new_spanned(
                other,
                "expected a world size: an integer literal",
            )),
        }
    };
    let sizes: Vec<usize> = match &expr {
        syn::Expr::Lit(_) => vec![int(&expr)?],
        syn::Expr::Range(range) => {
            let (Some(start), Some(end)) = (&range.start, &range.end) else {
                return Err(syn::Error::new_spanned(
                    range,
                    "give both ends of the range of sizes: `sizes = 2..=16`",
                ));
            };
            let (start, end) = (int(start)?, int(end)?);
            match range.limits {
                syn::RangeLimits::Closed(_) => (start..=end).collect(),
                syn::RangeLimits::HalfOpen(_) => (start..end).collect(),
            }
        }
        syn::Expr::Array(array) => array.elems.iter().map(int).collect::<syn::Result<_>>()?,
        other => {
            return Err(syn::Error::new_spanned(
                other,
                "expected world sizes: `sizes = 4`, `sizes = 2..=16` or `sizes = [2, 4, 8]`",
            ));
        }
    };
    if sizes.is_empty() {
        return Err(syn::Error::new_spanned(
            expr,
            "this range of sizes is empty",
        ));
    }
    Ok(sizes)
}

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut krate: Option<Path> = None;
        let mut sizes_arg: Option<Vec<usize>> = None;
        let mut explain = false;
        let mut unchecked = false;
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
                let key: syn::Ident = input.parse()?;
                if key == "sizes" {
                    input.parse::<Token![=]>()?;
                    if sizes_arg.replace(sizes(input)?).is_some() {
                        return Err(syn::Error::new_spanned(key, "duplicate argument `sizes`"));
                    }
                } else if key == "explain" {
                    explain = true;
                } else if key == "unchecked" {
                    unchecked = true;
                } else {
                    return Err(syn::Error::new_spanned(
                        &key,
                        format!("unknown argument `{key}`: {ARGUMENTS}; remove `{key}`"),
                    ));
                }
            } else {
                return Err(lookahead.error());
            }
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        Ok(Args {
            krate,
            sizes: sizes_arg,
            explain,
            unchecked,
        })
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
