//! `#[spmd::test]`: its arguments, the checks of the function, and the expansion: the function
//! as written, and beside it a module of the same name with one `#[test]` per world size.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{Attribute, ItemFn, LitStr, Path, Token};

use crate::ctxt::Ctxt;
use crate::fallback;

mod kw {
    syn::custom_keyword!(ranks);
    syn::custom_keyword!(timeout);
    syn::custom_keyword!(expect);
    syn::custom_keyword!(transport);
    syn::custom_keyword!(panic);
    syn::custom_keyword!(tcp);
    syn::custom_keyword!(shm);
}

/// The attribute's arguments.
#[derive(Default)]
struct Args {
    krate: Option<Path>,
    ranks: Option<Vec<usize>>,
    /// The time bound, in milliseconds.
    timeout_ms: Option<u64>,
    /// `expect = panic`, with the text its message must contain if given.
    expect_panic: Option<Option<LitStr>>,
    /// `transport = tcp` (`true`) or `transport = shm` (`false`).
    tcp: Option<bool>,
}

/// `ranks = 4`, `ranks = 1..=4`, `ranks = 1..5`, `ranks = [1, 2, 4]`.
fn ranks(input: ParseStream<'_>) -> syn::Result<Vec<usize>> {
    crate::parse::world_sizes(
        input,
        &crate::parse::SizesWording {
            out_of_range: |max, value| format!("a world size is 1 to {max}, not {value}"),
            open_range: "give both ends of the range of world sizes: `ranks = 1..=4`",
            expected: "expected world sizes: `ranks = 4`, `ranks = 1..=4` or `ranks = [1, 2, 4]`",
            empty: "no world size: this range is empty; write e.g. `ranks = 1..=4`",
            once_each: true,
        },
    )
}

/// `timeout = 30` or `timeout = 2.5`, in seconds.
fn timeout_ms(input: ParseStream<'_>) -> syn::Result<u64> {
    let lit: syn::Lit = input.parse()?;
    let seconds: f64 = match &lit {
        syn::Lit::Int(int) => int.base10_parse::<u64>()? as f64,
        syn::Lit::Float(float) => float.base10_parse()?,
        _ => {
            return Err(syn::Error::new_spanned(
                lit,
                "expected the time bound in seconds: `timeout = 30`",
            ));
        }
    };
    let ms = (seconds * 1000.0).round();
    if !(1.0..=1e12).contains(&ms) {
        return Err(syn::Error::new_spanned(
            lit,
            "the time bound is a positive number of seconds, e.g. `timeout = 30`",
        ));
    }
    Ok(ms as u64)
}

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut args = Args::default();
        let mut seen: Vec<String> = Vec::new();
        while !input.is_empty() {
            let lookahead = input.lookahead1();
            let key_span = input.span();
            let key = if lookahead.peek(Token![crate]) {
                input.parse::<Token![crate]>()?;
                input.parse::<Token![=]>()?;
                args.krate = Some(input.parse()?);
                "crate"
            } else if lookahead.peek(kw::ranks) {
                input.parse::<kw::ranks>()?;
                input.parse::<Token![=]>()?;
                args.ranks = Some(ranks(input)?);
                "ranks"
            } else if lookahead.peek(kw::timeout) {
                input.parse::<kw::timeout>()?;
                input.parse::<Token![=]>()?;
                args.timeout_ms = Some(timeout_ms(input)?);
                "timeout"
            } else if lookahead.peek(kw::expect) {
                input.parse::<kw::expect>()?;
                input.parse::<Token![=]>()?;
                input.parse::<kw::panic>().map_err(|error| {
                    syn::Error::new(
                        error.span(),
                        "expected `panic` or `panic(\"text of the message\")`",
                    )
                })?;
                let text = if input.peek(syn::token::Paren) {
                    let inner;
                    syn::parenthesized!(inner in input);
                    Some(inner.parse::<LitStr>()?)
                } else {
                    None
                };
                args.expect_panic = Some(text);
                "expect"
            } else if lookahead.peek(kw::transport) {
                input.parse::<kw::transport>()?;
                input.parse::<Token![=]>()?;
                let value = input.lookahead1();
                args.tcp = Some(if value.peek(kw::tcp) {
                    input.parse::<kw::tcp>()?;
                    true
                } else if value.peek(kw::shm) {
                    input.parse::<kw::shm>()?;
                    false
                } else {
                    return Err(value.error());
                });
                "transport"
            } else {
                return Err(lookahead.error());
            };
            if seen.iter().any(|name| name == key) {
                return Err(syn::Error::new(
                    key_span,
                    format!("duplicate argument `{key}`: give it once"),
                ));
            }
            seen.push(key.to_owned());
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        Ok(args)
    }
}

/// Expands `#[spmd::test(args)]` on `item`.
pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut cx = Ctxt::default();
    let args = match syn::parse2::<Args>(args) {
        Ok(args) => args,
        Err(error) => {
            cx.push(error);
            Args::default()
        }
    };
    let mut function = match syn::parse2::<ItemFn>(item.clone()) {
        Ok(function) => function,
        Err(_) => {
            cx.error_spanned(
                &item,
                "`#[spmd::test]` goes on a function that takes the world's communicator: \
                 `fn name(comm: &Comm)`",
            );
            return fallback::emit(item, cx.into_compile_errors());
        }
    };
    let ignore = take_ignore(&mut function.attrs);
    check_function(&function, &mut cx);
    if args.ranks.is_none() && !cx.has_errors() {
        cx.error_at(
            Span::call_site(),
            "`#[spmd::test]` needs the world sizes to run the test on: \
             `#[spmd::test(ranks = [1, 2, 4])]` or `#[spmd::test(ranks = 1..=4)]`",
        );
    }
    if cx.has_errors() {
        function.attrs.extend(ignore);
        return fallback::emit(function.into_token_stream(), cx.into_compile_errors());
    }
    let tests = tests(&args, &function, &ignore);
    let name = &function.sig.ident;
    quote! {
        #[cfg_attr(not(test), allow(dead_code))]
        #function

        // A test function named as the module around it makes `mod sums { mod sums }`.
        #[cfg(test)]
        #[allow(clippy::module_inception)]
        mod #name {
            #tests
        }
    }
}

/// Takes the `#[ignore]` attributes off the function: they go on each generated test.
fn take_ignore(attrs: &mut Vec<Attribute>) -> Vec<Attribute> {
    let (ignore, rest) = std::mem::take(attrs)
        .into_iter()
        .partition(|attr| attr.path().is_ident("ignore"));
    *attrs = rest;
    ignore
}

/// Reports what makes `function` unfit: it must take one argument, the communicator, and be a
/// plain (not `async`, not generic) function without attributes of the test runner.
fn check_function(function: &ItemFn, cx: &mut Ctxt) {
    let sig = &function.sig;
    if let Some(asyncness) = &sig.asyncness {
        cx.error_spanned(
            asyncness,
            "an `#[spmd::test]` function cannot be `async`: remove `async`; MPI calls block",
        );
    }
    if !sig.generics.params.is_empty() {
        cx.error_spanned(
            &sig.generics,
            "an `#[spmd::test]` function cannot be generic: it runs once per world size as it \
             is; remove the generic parameters",
        );
    }
    let takes_comm = sig.inputs.len() == 1
        && matches!(sig.inputs.first(), Some(syn::FnArg::Typed(_)))
        && sig.variadic.is_none();
    if !takes_comm {
        cx.error_spanned(
            &sig.inputs,
            format!(
                "an `#[spmd::test]` function takes one argument, the world's communicator: \
                 `fn {}(comm: &Comm)`",
                sig.ident
            ),
        );
    }
    for attr in &function.attrs {
        if attr.path().is_ident("test") {
            cx.error_spanned(
                attr,
                "remove `#[test]`: `#[spmd::test]` makes one test per world size itself",
            );
        } else if attr.path().is_ident("should_panic") {
            cx.error_spanned(
                attr,
                "`#[should_panic]` cannot see a panic on another rank: write \
                 `#[spmd::test(ranks = .., expect = panic)]`, or `expect = panic(\"text\")` for \
                 a message that contains the text",
            );
        }
    }
}

/// One `#[test] fn ranks_N` per world size.
fn tests(args: &Args, function: &ItemFn, ignore: &[Attribute]) -> TokenStream {
    let krate = args
        .krate
        .as_ref()
        .map_or_else(|| quote!(::spmd), ToTokens::to_token_stream);
    let api = quote!(#krate::__private::test);
    let name = &function.sig.ident;
    let timeout = match args.timeout_ms {
        Some(ms) => quote!(::core::option::Option::Some(
            ::core::time::Duration::from_millis(#ms)
        )),
        None => quote!(::core::option::Option::None),
    };
    let expect = match &args.expect_panic {
        None => quote!(#api::Expect::Pass),
        Some(None) => quote!(#api::Expect::Panic(::core::option::Option::None)),
        Some(Some(text)) => quote!(#api::Expect::Panic(::core::option::Option::Some(#text))),
    };
    let transport = match args.tcp {
        None => quote!(::core::option::Option::None),
        Some(true) => quote!(::core::option::Option::Some(#api::Transport::Tcp)),
        Some(false) => quote!(::core::option::Option::Some(#api::Transport::Shm)),
    };
    // A function of the wrong type is reported at its signature, not at the attribute.
    let body = quote_spanned!(function.sig.span()=> super::#name);
    let ranks = args.ranks.as_deref().unwrap_or_default();
    let tests = ranks.iter().map(|&ranks| {
        let test = format_ident!("ranks_{}", ranks);
        let suffix = format!("::{test}");
        quote! {
            #[test]
            #(#ignore)*
            fn #test() {
                #api::run(
                    &#api::Case {
                        path: ::core::concat!(::core::module_path!(), #suffix),
                        ranks: #ranks,
                        timeout: #timeout,
                        expect: #expect,
                        transport: #transport,
                    },
                    #body,
                );
            }
        }
    });
    quote!(#(#tests)*)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use quote::quote;

    /// The expansion of one full form, formatted, against `tests/snapshots/spmd_test.expanded.rs`
    /// (`SPMD_BLESS=1 cargo test -p spmd-macros` rewrites it; review the diff).
    #[test]
    fn expansion_snapshot() {
        let tokens = super::expand(
            quote!(
                ranks = [1, 4],
                timeout = 2.5,
                expect = panic("no"),
                transport = tcp
            ),
            quote! {
                #[ignore = "slow"]
                fn sums(comm: &Comm) -> Result<(), String> {
                    Err("no".into())
                }
            },
        );
        let file: syn::File = match syn::parse2(tokens) {
            Ok(file) => file,
            Err(error) => panic!("the expansion does not parse: {error}"),
        };
        let expanded = prettyplease::unparse(&file);
        let path =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/spmd_test.expanded.rs");
        if std::env::var_os("SPMD_BLESS").is_some() {
            std::fs::write(&path, &expanded).expect("the snapshot folder is writable");
            return;
        }
        let expected = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            expected == expanded,
            "the expansion of `#[spmd::test]` changed; run `SPMD_BLESS=1 cargo test -p \
             spmd-macros` to accept it and review the diff of {}\n--- expected\n{expected}\n\
             --- got\n{expanded}",
            path.display()
        );
    }

    #[test]
    fn errors_keep_the_function() {
        let tokens = super::expand(
            quote!(),
            quote!(
                fn sums(comm: &Comm) {}
            ),
        );
        let text = tokens.to_string();
        assert!(text.contains("fn sums"), "{text}");
        assert!(text.contains("compile_error"), "{text}");
        assert!(!text.contains("mod sums"), "{text}");
    }
}
