//! The `#[spmd_jit]` attribute of the [`spmd`](https://docs.rs/spmd) crate, re-exported there as
//! `spmd::spmd_jit`: use it through `spmd`, which it expands to.

mod analyse;
mod ctxt;
mod expand;
mod fallback;
mod imports;
mod ops;
mod parse;
#[cfg(test)]
mod snapshots;

use proc_macro::TokenStream;

/// Orders the communication of a function: every op call in it continues the calling thread's
/// token chain, in program order.
///
/// # Implicit mode
/// Inside `#[spmd_jit]`, ops are called without a token. Each call takes the thread's token,
/// and the op's next token goes back to the thread when it returns, so the calls of a rank run
/// in the order the rank reaches them:
///
/// ```no_run
/// use spmd::prelude::*;
///
/// #[spmd_jit]
/// fn foo(comm: &Comm, arr: Array2<f64>) -> Array2<f64> {
///     let arr = arr + comm.rank() as f64;
///     allreduce(&arr, Sum, comm)
/// }
/// # fn main() {}
/// ```
///
/// is, without the macro (each `spmd::token()` takes the thread's token; dropping a token hands
/// it back to the thread):
///
/// ```no_run
/// use spmd::prelude::*;
///
/// fn foo(comm: &Comm, arr: Array2<f64>) -> Array2<f64> {
///     let arr = arr + comm.rank() as f64;
///     let (sum, token) = allreduce(&arr, Sum, comm, spmd::token());
///     drop(token);
///     sum
/// }
/// # fn main() {}
/// ```
///
/// The exact expansion is `spmd::__private::settle(spmd::allreduce(&arr, Sum, comm,
/// spmd::__private::take_token()))`, with every generated token at the span of the user's call:
/// errors of the runtime name the user's file, line and column.
///
/// # Branches, loops, `?`, `return`, `break`
/// The chain lives in the thread, not in a variable, so control flow needs no rewriting: every
/// path through `if`/`else`, `match`, `loop`/`while`/`for`, `?`, early `return`, `break` and
/// `continue` (with values or not) and blocks used as values keeps one chain.
///
/// ```no_run
/// use spmd::prelude::*;
///
/// #[spmd_jit]
/// fn steps(comm: &Comm, mut x: u64) -> u64 {
///     for _ in 0..3 {
///         x = allreduce(&x, Sum, comm);
///     }
///     if x > 100 {
///         return bcast(&x, 0, comm);
///     }
///     loop {
///         barrier(comm);
///         x += 1;
///         if x % 2 == 0 {
///             break x;
///         }
///     }
/// }
/// # fn main() {}
/// ```
///
/// is, without the macro:
///
/// ```no_run
/// use spmd::prelude::*;
///
/// fn steps(comm: &Comm, mut x: u64) -> u64 {
///     for _ in 0..3 {
///         let (sum, token) = allreduce(&x, Sum, comm, spmd::token());
///         drop(token);
///         x = sum;
///     }
///     if x > 100 {
///         let (root, token) = bcast(&x, 0, comm, spmd::token());
///         drop(token);
///         return root;
///     }
///     loop {
///         drop(barrier(comm, spmd::token()));
///         x += 1;
///         if x % 2 == 0 {
///             break x;
///         }
///     }
/// }
/// # fn main() {}
/// ```
///
/// # Nested calls
/// A `#[spmd_jit]` function called from another, directly or through plain functions in
/// between, continues the caller's chain: the token is taken by each op and handed back when
/// it returns, on every exit, panics included (a token dropped while unwinding goes back to its
/// thread). Methods with `self`, generics, `where` clauses, visibility, attributes and doc
/// comments are kept; the signature does not change.
///
/// ```no_run
/// use spmd::prelude::*;
///
/// struct Model {
///     comm: Comm,
///     state: Vec<f64>,
/// }
///
/// impl Model {
///     #[spmd_jit]
///     fn energy(&self) -> f64 {
///         let local: f64 = self.state.iter().sum();
///         allreduce(&local, Sum, &self.comm)
///     }
///
///     #[spmd_jit]
///     fn step(&mut self) -> f64 {
///         let before = self.energy(); // op #1 of the chain
///         allreduce_in_place(&mut self.state[..], Sum, &self.comm); // op #2
///         before
///     }
/// }
/// # fn main() {}
/// ```
///
/// # Explicit mode
/// A function whose op calls pass a token (last) is checked instead of rewritten: every token
/// is used exactly once. The function is emitted as written.
///
/// ```no_run
/// use spmd::prelude::*;
///
/// #[spmd_jit]
/// fn exchange(comm: &Comm, arr: &Array2<f64>, token: Token) -> (Array2<f64>, Token) {
///     if comm.rank() == 0 {
///         let token = send(arr, 1, comm, token);
///         recv(arr, 1, comm, token)
///     } else {
///         let (new_arr, token) = recv(arr, 0, comm, token);
///         let token = send(arr, 0, comm, token);
///         (new_arr, token)
///     }
/// }
/// # fn main() {}
/// ```
///
/// # Compile-time errors
/// Each points at the user's code and says how to fix it:
/// - an op called inside a closure, an `async` block or `async fn`, or the arguments of a macro
///   (`println!("{}", allreduce(..))`, `vec![recv(..)]`), where the order is not visible;
/// - an op called with neither its implicit nor its explicit number of arguments;
/// - calls with and without tokens in one function (mixed modes);
/// - in explicit mode, a token used twice (reused, or forked when both uses are ops, or by a
///   second `spmd::token()` while one is live), never used (dropped, `let _ = op(..)`, an op's
///   token left in a statement), used on some branches only, or taken from outside a loop and
///   used in it without being replaced;
/// - a collective on one branch of an `if` or `match` whose condition depends on the rank
///   (`comm.rank()`, `spmd::world_rank()`, or a variable bound from them), when another branch
///   does not call the same collectives in the same order. Point-to-point ops may differ.
///
/// # What is left to the runtime
/// The analysis reads one function's syntax. It does not see into the functions it calls, so
/// a collective reached only on some ranks through a helper, a rank-dependent early `return`
/// or `break` before a collective, a loop whose trip count depends on the rank, mismatched
/// peers of sends and receives, and roots or counts that differ between ranks are caught at run
/// time (`SPMD_CHECK=1`, `SPMD_TIMEOUT`) with the op, rank and call site.
///
/// # Names
/// An op is called by its name (imported one by one or with `spmd::prelude::*`), under a path
/// (`spmd::allreduce`), or under a name given in a `use` of the same file
/// (`use spmd::allreduce as ar;`, `use spmd as sp;` then `sp::allreduce`); the call keeps the
/// name as written, so the imports are used. A rename made in another file (a `pub use` in a
/// parent module) is not seen: call the op by its own name there. The names of the ops are
/// reserved in a `#[spmd_jit]` body: to call a function of yours with such a name, use a path
/// (`self::gather(..)`); a bare call reaches yours with a token added, and the error says so.
///
/// # Arguments
/// `#[spmd_jit(crate = path)]` names the `spmd` crate when it is renamed in `Cargo.toml`.
#[proc_macro_attribute]
pub fn spmd_jit(args: TokenStream, item: TokenStream) -> TokenStream {
    // The file around the function, for the renames of ops it imports (`imports`).
    let source = proc_macro::Span::call_site()
        .local_file()
        .and_then(|path| std::fs::read_to_string(path).ok());
    expand::spmd_jit(args.into(), item.into(), source.as_deref()).into()
}
