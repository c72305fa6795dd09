//! Expansion: the function as written, with each implicit op call given the thread's token.
//!
//! `allreduce(&x, Sum, comm)` becomes
//! `::spmd::__private::settle(::spmd::allreduce(&x, Sum, comm, ::spmd::__private::take_token()))`:
//! the arguments are evaluated, the op takes the thread's token, and `settle` hands the next
//! token back to the thread and returns the value. The token's slot in the thread *is* the
//! chain, so whatever the control flow around a call (branches, loops, `?`, `return`, nested
//! `#[spmd_jit]` functions, plain helpers, panics), the next op continues from the last.
//! Every generated token carries the span of the user's call, so `#[track_caller]` reports
//! the user's line and type errors land on the user's code.

use proc_macro2::{Group, Span, TokenStream, TokenTree};
use quote::{ToTokens, quote, quote_spanned};
use syn::visit_mut::{self, VisitMut};
use syn::{Expr, ExprCall, Path};

use crate::analyse::{self, Mode};
use crate::ctxt::Ctxt;
use crate::fallback;
use crate::imports::Imports;
use crate::ops;
use crate::parse;

/// The environment variable that makes every `#[spmd_jit]` function of a build explain itself.
const EXPLAIN_VAR: &str = "SPMD_EXPLAIN";

/// Where the function is: its file, as the compiler names it, and its text.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Source<'a> {
    /// The file's path, for `SPMD_EXPLAIN`'s lines.
    pub(crate) path: Option<&'a std::path::Path>,
    /// The file's text, for its imports, constants and functions.
    pub(crate) text: Option<&'a str>,
}

/// Whether `SPMD_EXPLAIN` asks every function to explain itself (set, and neither empty nor
/// `0`).
fn explain_everything() -> bool {
    std::env::var(EXPLAIN_VAR).is_ok_and(|value| !value.is_empty() && value != "0")
}

/// The whole attribute: parse, analyse, expand; never fails, never panics.
///
/// `source` is the file the function is in: its text, for the renames of ops it imports (see
/// [`imports`]), and its path, for `SPMD_EXPLAIN`.
pub(crate) fn spmd_jit(args: TokenStream, item: TokenStream, file: Source<'_>) -> TokenStream {
    let source = file.text;
    let mut cx = Ctxt::default();
    let (args, args_error) = parse::args(args);
    if let Some(error) = args_error {
        cx.push(error);
    }
    Imports::scan(source, args.krate_name().as_deref()).install();
    let mut func = match parse::function(item.clone()) {
        Ok(func) => func,
        Err(_) => {
            cx.push(fallback::not_a_function(&item));
            return fallback::emit(item, cx.into_compile_errors());
        }
    };
    let options = analyse::Options {
        sizes: args.sizes.as_deref(),
        unchecked: args.unchecked,
        source,
        path: file.path,
    };
    let analysis = analyse::analyse(&func, options, &mut cx);
    let implicit = analysis.mode == Mode::Implicit;
    // The proof the pattern check gives the runtime (see `spmd::__private::Proof`): a static
    // of the function, handed to each of its implicit ops with the token.
    let proof = (implicit && !analysis.proven.is_empty() && !cx.has_errors()).then(|| {
        (
            syn::Ident::new("__SPMD_JIT_PROOF", Span::mixed_site()),
            syn::Ident::new("__spmd_jit_call", Span::mixed_site()),
        )
    });
    Rewriter {
        krate: &args.krate,
        implicit,
        proof: proof.as_ref(),
    }
    .visit_block_mut(&mut func.block);
    if let Some((proof, number)) = &proof {
        let krate = match &args.krate {
            Some(path) => path.to_token_stream(),
            None => quote!(::spmd),
        };
        let tag = proof_tag(&item, file.path);
        let sizes = analysis
            .proven
            .iter()
            .filter_map(|&size| u32::try_from(size).ok());
        let entry: syn::Stmt = syn::parse_quote_spanned! {Span::mixed_site()=>
            let #number: u64 = #proof.enter();
        };
        func.block.stmts.insert(0, entry);
        let stmt: syn::Stmt = syn::parse_quote_spanned! {Span::mixed_site()=>
            static #proof: #krate::__private::Proof =
                #krate::__private::Proof::new(#tag, &[#(#sizes),*]);
        };
        func.block.stmts.insert(0, stmt);
    }
    let text = format!("`{}`: {}", func.sig.ident, analysis.explanation);
    if explain_everything() {
        // One line per function on the compiler's standard error: it fails no build, whatever
        // the lints.
        let place = match (file.path, line_of(func.sig.ident.span())) {
            (Some(path), Some(line)) => format!("{}:{line}", path.display()),
            (Some(path), None) => path.display().to_string(),
            (None, _) => "?".to_owned(),
        };
        eprintln!(
            "spmd_jit explain: {place}: {}: {text}",
            analysis.coverage.word()
        );
    }
    if args.explain {
        let text = format!(
            "`{}`: {}: {}",
            func.sig.ident,
            analysis.coverage.word(),
            analysis.explanation
        );
        func.block
            .stmts
            .insert(0, explain_note(&text, func.sig.ident.span()));
    }
    // Makes the compiler track the variable: setting or clearing it expands the function again.
    let tracked: syn::Stmt = syn::parse_quote_spanned! {Span::mixed_site()=>
        const _: ::core::option::Option<&str> = ::core::option_env!(#EXPLAIN_VAR);
    };
    func.block.stmts.insert(0, tracked);
    // The crate's other files the check read: the compiler tracks them, so that an edit to a
    // callee's file checks the function again.
    for path in &analysis.files {
        if let Some(path) = path.to_str() {
            let tracked: syn::Stmt = syn::parse_quote_spanned! {Span::mixed_site()=>
                const _: &[u8] = ::core::include_bytes!(#path);
            };
            func.block.stmts.insert(0, tracked);
        }
    }
    let errors = cx.into_compile_errors();
    quote! {
        #func
        #errors
    }
}

/// The identity of a function's proof: a hash of its file and its tokens, the same in every
/// process of one binary (the runtime mixes in the binary's build identity).
fn proof_tag(item: &TokenStream, path: Option<&std::path::Path>) -> u64 {
    // FNV-1a: stable from one compiler to the next, unlike the standard library's hasher.
    let path = path.map(|path| path.to_string_lossy().into_owned());
    let text = item.to_string();
    let bytes = path
        .iter()
        .flat_map(|path| path.bytes().chain([0]))
        .chain(text.bytes());
    bytes.fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Gives every implicit op call the thread's token.
struct Rewriter<'a> {
    krate: &'a Option<Path>,
    /// The function is in implicit mode: rewrite its calls without a token.
    implicit: bool,
    /// The function's proof and the variable holding the number of the call, when the
    /// pattern check gave one: its ops take the token with them.
    proof: Option<&'a (syn::Ident, syn::Ident)>,
}

impl Rewriter<'_> {
    /// The runtime crate's path, every token at `span`.
    fn krate(&self, span: Span) -> TokenStream {
        match self.krate {
            Some(path) => respan(path.to_token_stream(), span),
            None => quote_spanned!(span=> ::spmd),
        }
    }

    fn rewrite(&self, call: &ExprCall) -> Option<Expr> {
        let (op, segment) = ops::called_op(&call.func)?;
        let span = segment.ident.span();
        let count = call.args.len();
        if count != op.implicit_arity() && count != op.explicit_arity() {
            // Already reported with the forms to use: a placeholder of any type keeps the
            // compiler from repeating it in its own words.
            let args = call.args.iter();
            return Some(syn::parse_quote_spanned! {span=>
                {
                    let _ = (#(&#args,)*);
                    ::core::unreachable!()
                }
            });
        }
        if !self.implicit || count != op.implicit_arity() {
            return None;
        }
        let krate = self.krate(span);
        // The callee as the user wrote it (`allreduce`, `spmd::allreduce`), so that it
        // resolves through the user's imports, which are then used, not reported unused.
        let callee = &call.func;
        let args = call.args.iter();
        let attrs = &call.attrs;
        let token = self.token(&krate, span);
        Some(syn::parse_quote_spanned! {span=>
            #(#attrs)*
            #krate::__private::settle(
                #callee(#(#args,)* #token)
            )
        })
    }

    /// What an implicit op is given as its token: the thread's, with the function's proof if
    /// it has one.
    fn token(&self, krate: &TokenStream, span: Span) -> TokenStream {
        match self.proof {
            Some((proof, number)) => {
                quote_spanned!(span=> #krate::__private::take_token_proven(&#proof, #number))
            }
            None => quote_spanned!(span=> #krate::__private::take_token()),
        }
    }
}

impl VisitMut for Rewriter<'_> {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        visit_mut::visit_expr_mut(self, expr);
        if let Expr::Call(call) = expr
            && let Some(rewritten) = self.rewrite(call)
        {
            *expr = rewritten;
        }
    }

    fn visit_macro_mut(&mut self, mac: &mut syn::Macro) {
        if self.implicit {
            mac.tokens = self.rewrite_tokens(std::mem::take(&mut mac.tokens));
        }
    }

    // Nested items are other functions, with chains of their own.
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

impl Rewriter<'_> {
    /// Gives the implicit op calls inside a macro's arguments the thread's token, as if they
    /// were outside: the calls the analysis found there (it reads them with the same walk,
    /// [`analyse::macro_calls`]), which it reports anyway, since the order of a macro's
    /// expansion is not visible here; this keeps the compiler from adding errors of its own
    /// about the missing token.
    fn rewrite_tokens(&self, tokens: TokenStream) -> TokenStream {
        analyse::macro_calls(tokens, &mut |call| {
            if call.count != call.op.implicit_arity() {
                return None;
            }
            let span = call.span;
            let krate = self.krate(span);
            let (callee, args) = (&call.callee, &call.args);
            let ends_with_comma = matches!(
                args.clone().into_iter().last(),
                Some(TokenTree::Punct(punct)) if punct.as_char() == ','
            );
            let comma = (!ends_with_comma).then(|| quote_spanned!(span=> ,));
            let token = self.token(&krate, span);
            Some(quote_spanned! {span=>
                #krate::__private::settle(
                    #callee(#args #comma #token)
                )
            })
        })
    }
}

/// A statement that makes the compiler print `text` as a warning at `span`, without failing
/// the build: a proc macro cannot emit a warning on stable Rust, but the use of a deprecated
/// item can, with its note.
fn explain_note(text: &str, span: Span) -> syn::Stmt {
    let note = format!("#[spmd_jit(explain)] {text}");
    syn::parse_quote_spanned! {span=>
        const _: () = {
            #[deprecated(note = #note)]
            struct SpmdJitExplain;
            let _ = SpmdJitExplain;
        };
    }
}

/// The line of `span`, inside the compiler.
fn line_of(span: Span) -> Option<usize> {
    proc_macro::is_available().then(|| span.unwrap().line())
}

/// `tokens` with every span set to `span`.
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tree| {
            if let TokenTree::Group(group) = &tree {
                let mut respanned = Group::new(group.delimiter(), respan(group.stream(), span));
                respanned.set_span(span);
                tree = TokenTree::Group(respanned);
            } else {
                tree.set_span(span);
            }
            tree
        })
        .collect()
}

/// For tests: the expansion of `#[spmd_jit]` on `item`, as a file.
#[cfg(test)]
pub(crate) fn expand_to_file(args: TokenStream, item: TokenStream) -> syn::Result<syn::File> {
    syn::parse2(spmd_jit(args, item, Source::default()))
}

#[cfg(test)]
mod tests {
    use super::{Source, spmd_jit};

    /// A function whose callee is in another file of the crate makes the compiler track that
    /// file: an edit to it expands the function again, so the verdict is never stale.
    #[test]
    fn the_files_of_callees_are_tracked() {
        let dir = std::env::temp_dir().join(format!("spmd-tracked-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temporary folder");
        let main = dir.join("main.rs");
        let helpers = dir.join("helpers.rs");
        let text = "mod helpers;\n\n\
                    #[spmd_jit]\n\
                    fn step(comm: &Comm, x: f64) -> f64 {\n    helpers::total(comm, x)\n}\n";
        std::fs::write(&main, text).expect("written");
        std::fs::write(
            &helpers,
            "#[spmd_jit]\npub fn total(comm: &Comm, x: f64) -> f64 {\n    \
             allreduce(&x, Sum, comm)\n}\n",
        )
        .expect("written");
        let item: proc_macro2::TokenStream = text
            .split_once("#[spmd_jit]\n")
            .map(|(_, item)| item)
            .unwrap_or_default()
            .parse()
            .expect("tokens");
        let source = Source {
            path: Some(&main),
            text: Some(text),
        };
        let expanded = spmd_jit(proc_macro2::TokenStream::new(), item, source).to_string();
        let tracked = std::fs::canonicalize(&helpers).expect("the helpers' path");
        let _ = std::fs::remove_dir_all(&dir);
        assert!(
            expanded.contains("include_bytes")
                && expanded.contains(&format!("{:?}", tracked.display().to_string())),
            "{expanded}"
        );
        assert!(!expanded.contains("compile_error"), "{expanded}");
    }
}
