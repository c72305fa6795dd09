//! The `#[spmd_jit]` attribute of the [`spmd`](https://docs.rs/spmd) crate, re-exported there as
//! `spmd::spmd_jit`: use it through `spmd`, which it expands to.

mod analyse;
mod ctxt;
mod derive_element;
mod expand;
mod export;
mod fallback;
mod imports;
mod ops;
mod parse;
#[cfg(test)]
mod snapshots;
mod test_attr;

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
/// errors of the runtime name the user's file, line and column. When the pattern check (below)
/// plays every rank of some sizes to the end with no problem on a single run, the function
/// also gets a static proof naming those sizes, and its ops take the token with it
/// (`take_token_proven(&PROOF, call)`, `call` counting the function's calls): a run of equal
/// allreduces, allgathers, alltoalls or barriers of a length fixed by type then agrees once, at its first op (the
/// book's reference chapter says when, and why that stays sound whatever the other ranks do).
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
///     assert_eq!(comm.size(), 2, "`exchange` pairs rank 0 with rank 1");
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
///   (`println!("{}", allreduce(..))`, `vec![recv(..)]`), where the order is not visible (the
///   closure written as the argument of `spmd::scope(|scope| ..)` is not one of them: it runs
///   once, at once, and is read as if written in place, by every check below);
/// - an op called with neither its implicit nor its explicit number of arguments;
/// - calls with and without tokens in one function (mixed modes);
/// - in explicit mode, a token used twice (reused, or forked when both uses are ops, or by a
///   second `spmd::token()` while one is live), never used (dropped, `let _ = op(..)`, an op's
///   token left in a statement), used on some branches only, or taken from outside a loop and
///   used in it without being replaced;
/// - the problems of the communication pattern below.
///
/// # The communication pattern, per world size
/// On a function without the errors above, the macro works out, for every world size in a
/// range (by default every size from 1 to 16 ranks, then 32 and 64) and every rank, the
/// sequence of communication calls the body makes, and plays the ranks' sequences against each
/// other. It evaluates what depends only on `comm.rank()`, `comm.size()`, literals, `const`s
/// (numbers, and arrays, tuples and enum variants of them) and the `let`s bound from them (arithmetic, comparisons, `min`/`max`/`rem_euclid`/...,
/// `Option`s, `if`/`match`/`if let`, `for` over ranges and arrays, `while`, `loop`, early
/// `return`/`break`/`continue`, `assert!`), in implicit and explicit mode alike. A call of a
/// function of the same file given the communicator (or a token) is evaluated in place, with
/// the caller's values, to 12 calls deep, `#[spmd_jit]` functions included. Nonblocking ops are
/// calls like the others (their completion is none). It reports, with the world size, the
/// ranks and a span on every call involved:
/// - a receive whose message never comes, a send that nobody receives, tags that never match;
/// - a cycle of blocking sends (every rank sends before it receives), which deadlocks once
///   messages exceed MPI's eager limit, and receives that wait for each other whatever the size;
/// - collectives that differ between ranks at the same position of their sequences (the op, the
///   root, the reduction operator), including those caused by a rank-dependent branch or early
///   `return`, or a loop whose trip count depends on the rank;
/// - a peer or root outside `0..size` (`rank + 1` without wrap-around).
///
/// A function correct with some sizes only is rejected until it says so, and the error names
/// the line to add: `assert_eq!(comm.size(), 2);` (any assertion or panic reached before the
/// first op excludes the sizes where it fails), or the attribute's `sizes = ..`. A function
/// that fails when every rank runs it, but that `#[spmd_jit]` functions of its file call on some
/// ranks only, is judged with its callers: their check follows it in place and reports there.
/// A function not `pub` that gives up on a parameter (an order of exchanges) is checked again
/// with the arguments of each call of it in the crate, when every call is found and passes
/// constants, literals or enum variants there; a closure that neither communicates nor assigns
/// is evaluated where it is called.
///
/// Where the body cannot be followed (a peer or loop bound read from data or a parameter, a
/// call of a method or of a function of another file given the communicator or a token, an op
/// on another communicator), the check gives up on that size without an error: where it
/// evaluates a size its verdict stands, and it has no false alarms there. A loop or branch on
/// data that only completes requests (`test` polled between pieces of work) is followed as
/// completions of unknown timing: what it assigns becomes unknown and its messages are not
/// matched, the collectives and peers around it are still checked. Only where the check gave
/// up a conservative syntactic rule speaks: a collective on one branch of an `if` or `match` whose
/// condition depends on the rank (`comm.rank()`, `spmd::world_rank()`, or a variable bound from
/// them), when another branch does not call the same collectives in the same order, is
/// rejected, and the error says why the pattern check could not decide. Receives from
/// `ANY_SOURCE` and nonblocking point-to-point calls are not matched (their order depends on
/// timing): the collectives and peers of such a function are still checked.
/// `#[spmd_jit(explain)]` says what was covered.
/// The check works within a budget of 6 million evaluation steps per function, all sizes
/// together (or 150 per rank of the sizes asked for, if more: 78.7 million for
/// `sizes = 1..=1024`), and as much again for each set of its calls' arguments it is checked with
/// (milliseconds to a few hundred per function: the 98 functions of this repository's programs
/// take 1.4 to 1.5 s in all on a 2-core machine, in a release build of the macro): when the budget
/// runs out, the sizes left are not analysed, with no error, and `explain` says so.
///
/// ```no_run
/// use spmd::prelude::*;
///
/// // Accepted: a ring whose blocking calls are ordered odd/even, for every size.
/// #[spmd_jit]
/// fn ring(comm: &Comm, x: &[f64]) -> Vec<f64> {
///     let (rank, size) = (comm.rank(), comm.size());
///     if size == 1 {
///         return x.to_vec();
///     }
///     let (left, right) = ((rank + size - 1) % size, (rank + 1) % size);
///     if rank % 2 == 0 {
///         send(x, right, comm);
///         recv(x, left, comm)
///     } else {
///         let got = recv(x, left, comm);
///         send(x, right, comm);
///         got
///     }
/// }
/// # fn main() {}
/// ```
///
/// ```compile_fail
/// use spmd::prelude::*;
///
/// // Rejected: "with 2 ranks, these calls deadlock once the messages exceed MPI's eager
/// // limit [...]: rank 0 sends to rank 1 (`send`), rank 1 sends to rank 0 (`send`) [...]".
/// #[spmd_jit]
/// fn ring(comm: &Comm, x: &[f64]) -> Vec<f64> {
///     let (rank, size) = (comm.rank(), comm.size());
///     send(x, (rank + 1) % size, comm);
///     recv(x, (rank + size - 1) % size, comm)
/// }
/// # fn main() {}
/// ```
///
/// # What is left to the runtime
/// What the pattern check cannot follow: a collective reached only on some ranks through a
/// method or a function of another file, peers, roots and loop bounds computed from data,
/// message counts and element types.
/// These are caught at run time (`SPMD_CHECK=1`, `SPMD_TIMEOUT`) with the op, rank and call
/// site.
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
/// In any combination, separated by commas:
/// - `crate = path` names the `spmd` crate when it is renamed in `Cargo.toml`;
/// - `sizes = 4`, `sizes = 2..=16`, `sizes = [2, 4, 8]`: the world sizes whose communication
///   pattern is checked (1 to 16, 32 and 64 by default; at most 1024);
/// - `explain`: reports what the pattern check covered, and why it gave up where it did, as a
///   warning on the function (the note of a `#[deprecated]` item: a proc macro cannot emit a
///   warning on stable Rust; it fails the build only where warnings are denied). To see the
///   coverage of a whole build instead, set `SPMD_EXPLAIN=1` in the environment of `cargo
///   build`: every `#[spmd_jit]` function compiled prints one line on the compiler's standard
///   error, `spmd_jit explain: FILE:LINE: WORD: ..`, with `WORD` one of `checked`, `partly
///   checked`, `gave up`, `not checked`, `no communication`, `completion only` (and `checked
///   with its callers`, `checked with its calls' arguments`), which fails no build. The expansion reads the variable with `option_env!`, so the
///   compiler tracks it: setting or clearing it recompiles the functions, no `cargo clean`
///   needed (a build already done with it set prints nothing again);
/// - `unchecked`: no pattern check (for a program that errs on purpose, such as a test of the
///   runtime's errors). The other checks stay.
#[proc_macro_attribute]
pub fn spmd_jit(args: TokenStream, item: TokenStream) -> TokenStream {
    // The file around the function, for the renames of ops it imports (`imports`), its
    // constants and its functions.
    let path = proc_macro::Span::call_site().local_file();
    let text = path
        .as_ref()
        .and_then(|path| std::fs::read_to_string(path).ok());
    let file = expand::Source {
        path: path.as_deref(),
        text: text.as_deref(),
    };
    expand::spmd_jit(args.into(), item.into(), file).into()
}

/// A multi-rank test: `cargo test` (or `cargo nextest`) runs the function once per world size,
/// each time as a job of that many ranks under the MPI launcher, and each run is a test of its
/// own, named `name::ranks_N`, so that filters and reports work as usual
/// (`cargo test sums::ranks_2`).
///
/// ```no_run
/// use spmd::prelude::*;
///
/// #[spmd::test(ranks = [1, 2, 4])]
/// #[spmd_jit]
/// fn sums(comm: &Comm) {
///     let size = comm.size() as u64;
///     let total = allreduce(&(comm.rank() as u64), Sum, comm);
///     assert_eq!(total, size * (size - 1) / 2);
/// }
/// # fn main() {}
/// ```
///
/// The function takes the world's communicator and returns `()` or a `Result<(), E>` (an
/// error fails the test); MPI is already initialised, so it does not call `spmd::init()`.
/// Run `cargo test` itself, not under `mpirun`: each test starts its own job. It works in unit
/// tests (`src/`, under `#[cfg(test)]`) and in integration tests (`tests/`), with the default
/// test harness; the user's crate needs no build script and no setting.
///
/// # How a test runs
/// The generated test finds the launcher of the MPI library the test binary links (asked by
/// `MPI_Get_library_version`; with Open MPI and MPICH both installed, the `mpirun` of the other
/// would start `N` worlds of one rank), starts the binary itself under it with `N` ranks and a
/// filter that selects this one test, and waits. Each rank initialises MPI (`spmd::init()`,
/// so `SPMD_CHECK`, `SPMD_DEBUG` and the other variables apply), checks that the world has `N`
/// ranks, runs the function on the world and says it passed; the test passes when the job
/// succeeded and every one of the `N` ranks said so. On a failure, the test's message says
/// what failed (the panicking rank and its message, the watchdog's report, a time-out) with
/// the command and every rank's output.
///
/// The launcher gets `--oversubscribe` from Open MPI when `N` exceeds the cores, `--bind-to
/// none` (jobs share the cores), and Open MPI's `OMPI_ALLOW_RUN_AS_ROOT` variables when run
/// as root. Tests that run at the same time (threads of `cargo test`, processes of `cargo
/// nextest`) never start more ranks together than the machine has cores: each job holds one
/// lock file per core it uses, in the temporary directory, and waits for them.
/// `SPMD_MPIRUN` names the launcher to use instead (it must belong to the same MPI); when none
/// is found, the test fails and says what was tried and what to install.
///
/// # Arguments
/// - `ranks = 4`, `ranks = 1..=4`, `ranks = [1, 2, 4]` (required): the world sizes, one test
///   each;
/// - `timeout = 30`: the time bound of a job in seconds (default 60, or `SPMD_TEST_TIMEOUT`).
///   The ranks run the watchdog (`SPMD_TIMEOUT`) at half of it, unless `SPMD_TIMEOUT` is set:
///   an op blocked that long is reported, with every rank's op and call site, and the job is
///   aborted; a job still running at the bound is killed with its whole process group, and so
///   is one whose launcher has not ended it 10 s after a rank aborted it;
/// - `expect = panic`: the test passes only if a rank panics; `expect = panic("text")` also
///   requires the text in the panic's message;
/// - `transport = tcp`: every message over TCP on the loopback interface (shared memory off);
///   `SPMD_TEST_TRANSPORT=tcp` does the same for every test that sets no transport;
/// - `crate = path`: the path of `spmd` when it is renamed in `Cargo.toml`.
///
/// `#[ignore]` on the function goes to every test it makes; `#[should_panic]` cannot see a
/// panic on another rank: use `expect = panic`.
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    test_attr::expand(args.into(), item.into()).into()
}

/// Makes a struct an element that every op which does not reduce can send: `#[derive(Element)]`
/// on a `#[repr(C)]` struct whose fields are elements (integers, floats, `bool`, complex and
/// half-precision numbers, other structs that derive it) or fixed-size arrays `[T; N]` of them.
/// Generic structs are allowed; the struct must also be `Clone`, `Copy`, `PartialEq` and
/// `Debug`.
///
/// ```no_run
/// #[derive(Clone, Copy, PartialEq, Debug, spmd::Element)]
/// #[repr(C)]
/// struct Particle {
///     position: [f64; 3],
///     mass: f64,
///     id: u64,
///     alive: bool,
/// }
/// # fn main() {}
/// ```
///
/// The MPI datatype (`MPI_Type_create_struct` of the fields at their offsets, resized to
/// `size_of::<Particle>()`) is made when the type first travels, once per type, and needs MPI
/// initialised. One struct is also a buffer of one element, as a number is (`send(&p, ..)`,
/// `recv_into(&mut p, ..)`). MPI moves the fields' bytes only, never the padding; the `bool` fields of
/// received structs are validated as received `bool`s are. Enums, unions, structs without
/// `#[repr(C)]`, and fields that are references, pointers or not elements are refused at
/// compile time, as is a reduction of a struct.
#[proc_macro_derive(Element)]
pub fn derive_element(item: TokenStream) -> TokenStream {
    derive_element::expand(item.into()).into()
}

/// Not a public API: the runtime's list of its ops. Expands to `callback! { name in module
/// [params] [receive_into]; ... }` for every op `#[spmd_jit]` knows, from the macro's op table,
/// so the runtime re-exports exactly those ops.
#[doc(hidden)]
#[proc_macro]
pub fn __for_each_op(callback: TokenStream) -> TokenStream {
    export::for_each_op(callback.into()).into()
}
