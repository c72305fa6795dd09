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

impl Args {
    /// The name the attribute gives the runtime crate (`crate = path`'s last segment), if any:
    /// what the file's imports of the crate are scanned for ([`crate::imports`]).
    pub(crate) fn krate_name(&self) -> Option<String> {
        self.krate
            .as_ref()
            .and_then(|path| path.segments.last())
            .map(|segment| segment.ident.to_string())
    }
}

/// The largest world size `sizes = ..` (and `#[spmd::test]`'s `ranks = ..`) may name.
pub(crate) const MAX_SIZE: usize = 1024;

const ARGUMENTS: &str = "the arguments are `crate = path` (the path of `spmd` when renamed), \
                         `sizes = ..` (the world sizes to check: `4`, `2..=16` or `[2, 4, 8]`), \
                         `explain` (report what was checked) and `unchecked` (do not check the \
                         communication pattern)";

/// How [`world_sizes`] words its errors for one attribute argument.
pub(crate) struct SizesWording {
    /// A size out of range: `{max}` and `{value}` are filled in.
    pub(crate) out_of_range: fn(max: usize, value: usize) -> String,
    /// A range without both ends.
    pub(crate) open_range: &'static str,
    /// Neither a size, a range nor an array.
    pub(crate) expected: &'static str,
    /// An empty range.
    pub(crate) empty: &'static str,
    /// Whether a size listed twice in an array is an error.
    pub(crate) once_each: bool,
}

/// World sizes as an attribute argument writes them: one (`4`), a range (`2..=16`, `1..9`) or
/// an array (`[2, 4, 8]`) of integer literals from 1 to [`MAX_SIZE`].
pub(crate) fn world_sizes(
    input: ParseStream<'_>,
    wording: &SizesWording,
) -> syn::Result<Vec<usize>> {
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
                        (wording.out_of_range)(MAX_SIZE, value),
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
                return Err(syn::Error::new_spanned(range, wording.open_range));
            };
            let (start, end) = (int(start)?, int(end)?);
            match range.limits {
                syn::RangeLimits::Closed(_) => (start..=end).collect(),
                syn::RangeLimits::HalfOpen(_) => (start..end).collect(),
            }
        }
        syn::Expr::Array(array) => {
            let mut sizes = Vec::new();
            for element in &array.elems {
                let size = int(element)?;
                if wording.once_each && sizes.contains(&size) {
                    return Err(syn::Error::new_spanned(
                        element,
                        format!("world size {size} is listed twice: list each size once"),
                    ));
                }
                sizes.push(size);
            }
            sizes
        }
        other => return Err(syn::Error::new_spanned(other, wording.expected)),
    };
    if sizes.is_empty() {
        return Err(syn::Error::new_spanned(expr, wording.empty));
    }
    Ok(sizes)
}

/// `sizes = 4`, `sizes = 2..=16`, `sizes = 1..9`, `sizes = [2, 4, 8]`.
fn sizes(input: ParseStream<'_>) -> syn::Result<Vec<usize>> {
    world_sizes(
        input,
        &SizesWording {
            out_of_range: |max, _| format!("a world size is 1 to {max}"),
            open_range: "give both ends of the range of sizes: `sizes = 2..=16`",
            expected: "expected world sizes: `sizes = 4`, `sizes = 2..=16` or `sizes = [2, 4, 8]`",
            empty: "this range of sizes is empty",
            once_each: false,
        },
    )
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
