//! Expansion snapshots of the main forms: `tests/snapshots/<case>.expanded.rs` holds what
//! `#[spmd_jit]` makes of each case below, formatted. A change of the generated code shows up
//! as a diff to review; after a deliberate change, update the files with
//! `SPMD_BLESS=1 cargo test -p spmd-macros` and read the diff.

use std::path::PathBuf;

use proc_macro2::TokenStream;
use quote::quote;

use crate::expand;

fn check(case: &str, args: TokenStream, item: TokenStream) {
    let file = match expand::expand_to_file(args, item) {
        Ok(file) => file,
        Err(error) => panic!("{case}: the expansion does not parse: {error}"),
    };
    let expanded = prettyplease::unparse(&file);
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(format!("{case}.expanded.rs"));
    if std::env::var_os("SPMD_BLESS").is_some() {
        if let Err(error) = std::fs::write(&path, &expanded) {
            panic!("cannot write {}: {error}", path.display());
        }
        return;
    }
    let Ok(expected) = std::fs::read_to_string(&path) else {
        panic!(
            "{} is missing: run `SPMD_BLESS=1 cargo test -p spmd-macros` to write it, then \
             review it",
            path.display()
        );
    };
    assert!(
        expected == expanded,
        "the expansion of `{case}` changed; run `SPMD_BLESS=1 cargo test -p spmd-macros` to \
         accept it and review the diff of {}\n--- expected\n{expected}\n--- got\n{expanded}",
        path.display()
    );
}

#[test]
fn implicit_straight_line() {
    check(
        "implicit_straight_line",
        quote!(),
        quote! {
            fn foo(comm: &Comm, arr: Array2<f64>) -> Array2<f64> {
                let arr = arr + comm.rank() as f64;
                allreduce(&arr, Sum, comm)
            }
        },
    );
}

#[test]
fn implicit_control_flow() {
    check(
        "implicit_control_flow",
        quote!(),
        quote! {
            fn steps(comm: &Comm, mode: u8, text: &str) -> Result<u64, ParseIntError> {
                let start: u64 = text.parse()?;
                let mut x = if mode == 0 {
                    allreduce(&start, Sum, comm)
                } else {
                    bcast(&start, 0, comm)
                };
                for _ in 0..3 {
                    x = allreduce(&x, Max, comm);
                }
                let y = loop {
                    barrier(comm);
                    if x > 10 {
                        break x;
                    }
                    x += 1;
                };
                match comm.rank() {
                    0 => send(&y, 1, comm),
                    1 => x = recv(&y, 0, comm),
                    _ => return Ok(0),
                }
                Ok(x)
            }
        },
    );
}

#[test]
fn implicit_method_with_generics() {
    check(
        "implicit_method_with_generics",
        quote!(),
        quote! {
            /// The total of the field over the ranks.
            #[inline]
            pub(crate) fn total<T>(&self, values: &[T]) -> Vec<T>
            where
                T: Element,
                Sum: Reduces<T>,
            {
                let scaled = self.scale(values);
                spmd::allreduce(&scaled[..], Sum, &self.comm)
            }
        },
    );
}

#[test]
fn explicit_tokens() {
    check(
        "explicit_tokens",
        // Not a correct pattern (every rank sends to rank 1): only the expansion is shown.
        quote!(unchecked),
        quote! {
            fn exchange(comm: &Comm, arr: &Array2<f64>, token: Token) -> (Array2<f64>, Token) {
                let token = send(arr, 1, comm, token);
                recv(arr, 1, comm, token)
            }
        },
    );
}

#[test]
fn renamed_crate() {
    check(
        "renamed_crate",
        quote!(crate = my_spmd),
        quote! {
            fn sync(comm: &Comm) {
                barrier(comm);
            }
        },
    );
}

#[test]
fn errors_are_appended() {
    check(
        "errors_are_appended",
        quote!(),
        quote! {
            fn broken(comm: &Comm, x: f64) -> f64 {
                println!("{}", allreduce(&x, Sum, comm));
                allreduce(&x, comm)
            }
        },
    );
}

#[test]
fn not_a_function() {
    check(
        "not_a_function",
        quote!(),
        quote! {
            struct Solver {
                comm: Comm,
            }
        },
    );
}
