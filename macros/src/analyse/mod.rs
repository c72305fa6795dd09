//! Analysis: which mode the function is in, and every problem with its communication order
//! that can be seen in its source.
//!
//! - [`calls`] finds the communication calls and what hides their order;
//! - [`rank`] finds collectives that only some ranks reach;
//! - [`linear`] checks that explicit tokens are used exactly once;
//! - [`pattern`] proves the communication pattern per world size: matching sends and
//!   receives, no deadlock, the same collectives on every rank, peers and roots in range.

mod calls;
mod linear;
mod pattern;
mod rank;
mod syntax;

use proc_macro2::Span;
use syn::ItemFn;

use crate::ctxt::Ctxt;
use calls::{Form, Hidden, Site};

pub(crate) use calls::macro_calls;
pub(crate) use pattern::{Coverage, Options};

/// How the function orders its communication.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Calls without tokens: the macro passes the thread's token through them.
    Implicit,
    /// Calls with tokens: the user passes them; the macro checks they form one chain.
    Explicit,
    /// No communication: nothing to do.
    Plain,
}

/// What the analysis found besides errors.
#[derive(Debug)]
pub(crate) struct Analysis {
    pub(crate) mode: Mode,
    /// How much of the function the pattern check evaluated.
    pub(crate) coverage: Coverage,
    /// What the pattern check covered, in words (without the function's name).
    pub(crate) explanation: String,
    /// The crate's files the check read besides the function's own.
    pub(crate) files: Vec<std::path::PathBuf>,
    /// The sizes the pattern check proved the function for (see `pattern::Report::proven`).
    pub(crate) proven: Vec<usize>,
}

/// Analyses `func`, recording the problems in `cx`.
pub(crate) fn analyse(func: &ItemFn, options: Options<'_>, cx: &mut Ctxt) -> Analysis {
    let calls = calls::collect(func);
    let fn_name = func.sig.ident.to_string();

    for site in &calls.sites {
        if let Form::Wrong(given) = site.form {
            cx.error_at(site.span, wrong_arity(site, given));
        }
    }

    let implicit: Vec<&Site> = calls
        .sites
        .iter()
        .filter(|site| site.form == Form::Implicit)
        .collect();
    let first_explicit: Option<(Span, String)> = calls
        .sites
        .iter()
        .find(|site| site.form == Form::Explicit)
        .map(|site| {
            (
                site.span,
                format!("this call of `{}` passes a token", site.op.name),
            )
        })
        .or_else(|| {
            calls
                .token_takes
                .first()
                .map(|span| (*span, "this call takes a token".to_owned()))
        })
        .or_else(|| {
            calls
                .token_params
                .first()
                .map(|span| (*span, "this parameter is a token".to_owned()))
        });

    let mode = match (implicit.first(), first_explicit) {
        (Some(without), Some((span, what))) => {
            cx.error_at(
                span,
                format!(
                    "{what}, but `{fn_name}` also calls `{}` without one: pass tokens to every \
                     op (explicit mode) or to none (implicit mode, the macro passes them)",
                    without.op.name
                ),
            );
            Mode::Implicit
        }
        (Some(_), None) => Mode::Implicit,
        (None, Some(_)) => Mode::Explicit,
        (None, None) => Mode::Plain,
    };

    for site in &calls.sites {
        // Explicit calls in closures are ordered by the tokens the user moves into them.
        let hidden_matters =
            site.form == Form::Implicit || matches!(site.hidden, Some(Hidden::Macro));
        if let (Some(hidden), true) = (site.hidden, hidden_matters) {
            cx.error_at(site.span, hidden_call(site, hidden, &fn_name));
        }
    }

    // Tokens in explicit mode, requests in both.
    if mode != Mode::Plain {
        linear::check(func, cx);
    }
    // Only on a function without other errors: one story per function.
    let report = pattern::check(func, options, cx);
    // Where the pattern check compared every rank's collectives, its verdict stands; the
    // syntactic rule speaks only where it could not.
    if !report.coverage.compared_collectives() {
        rank::check(&func.block, &fn_name, &report.coverage, cx);
    }
    Analysis {
        mode,
        coverage: report.coverage,
        explanation: report.text,
        files: report.files,
        proven: report.proven,
    }
}

fn wrong_arity(site: &Site, given: usize) -> String {
    let op = site.op;
    let plural = |n: usize| if n == 1 { "argument" } else { "arguments" };
    format!(
        "`{name}` takes {implicit} {implicit_word} (or {explicit} with an explicit token) but \
         {given} {given_word} given: write {forms}",
        name = op.name,
        implicit = op.implicit_arity(),
        implicit_word = plural(op.implicit_arity()),
        explicit = op.explicit_arity(),
        given_word = if given == 1 { "was" } else { "were" },
        forms = op.forms(),
    )
}

fn hidden_call(site: &Site, hidden: Hidden, fn_name: &str) -> String {
    let name = site.op.name;
    match hidden {
        Hidden::Closure => format!(
            "`{name}` is called inside a closure, which may run at any time or not at all, so \
             `#[spmd_jit]` cannot order it: call `{name}` in the body of `{fn_name}` and move \
             its result into the closure"
        ),
        Hidden::AsyncBlock => format!(
            "`{name}` is called inside an `async` block, which runs whenever it is polled, so \
             `#[spmd_jit]` cannot order it: call `{name}` before the block and move its result \
             in"
        ),
        Hidden::AsyncFn => format!(
            "`{name}` is called in `async fn {fn_name}`, which runs whenever it is polled, so \
             `#[spmd_jit]` cannot order it: make `{fn_name}` a plain `fn`"
        ),
        Hidden::Macro => {
            let mac = site.macro_name.as_deref().unwrap_or("macro");
            format!(
                "`{name}` is called inside the arguments of `{mac}!`, which `#[spmd_jit]` \
                 cannot see into: bind its result first (`let value = {name}(...);`) and pass \
                 `value` to `{mac}!`"
            )
        }
    }
}
