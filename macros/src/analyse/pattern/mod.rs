//! The communication pattern, proved per world size: the body is evaluated for every rank of
//! every size in a range ([`interp`]), and the ranks' calls are played against each other
//! ([`simulate`]). What is found is reported with the size, the ranks and every call involved
//! ([`report`]).
//!
//! Where the body cannot be followed (a peer read from data, a loop bound that is not known, a
//! call that may communicate out of sight), the size is not analysed and nothing is reported:
//! the analysis has no false alarms, and `#[spmd_jit(explain)]` says what it covered.

mod choice;
mod interp;
mod krate;
mod report;
mod simulate;
mod split;
mod trace;
mod value;
mod words;

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use proc_macro2::Span;
use quote::ToTokens;
use syn::visit::{self, Visit};
use syn::{Expr, FnArg, ItemConst, ItemFn, Pat};

use super::calls::is_token_type;
use super::syntax::{assigned_names, binding_names, compound_op, idents, is_const_name, root_name};
use crate::ctxt::Ctxt;
use crate::ops::{self, Role};
use interp::{Callees, Shared, Sources};
use trace::{CommName, End, Event, GiveUp, Kind, Trace};
use value::Value;

/// The sizes checked when the attribute names none: every size to 16 (a 4 x 4 process grid,
/// and 3 x 3, the smallest grid whose rows and columns have a middle), and the powers of two
/// to 64.
pub(crate) const DEFAULT_SIZES: &[usize] = &[
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 32, 64,
];

/// The default sizes in words, for the explanation and the errors.
pub(crate) const DEFAULT_SIZES_TEXT: &str =
    "(without `sizes = ..`, 1 to 16, 32 and 64 ranks are checked)";

/// The most evaluation steps spent on one function, all sizes and ranks together, with the
/// default sizes or few named ones: well under a second. When they run out, the sizes not yet
/// evaluated are not analysed (no error; the explanation says so), and the syntactic rule
/// about collectives speaks for them.
pub(crate) const BUDGET: u64 = 6_000_000;

/// The steps allowed per rank of the sizes asked for, when they add up to more than
/// [`BUDGET`]: `sizes = 1..=1024` (524,800 ranks in all) gets 78.7 million steps, enough for a
/// halo exchange or a tree reduction of a few dozen steps per rank, in seconds.
pub(crate) const STEPS_PER_RANK: u64 = 150;

/// The step limit for a function checked with `sizes`: [`BUDGET`], or [`STEPS_PER_RANK`] for
/// each rank of every size if that is more.
pub(crate) fn budget_for(sizes: &[usize]) -> u64 {
    let ranks: u64 = sizes.iter().map(|&size| size as u64).sum();
    BUDGET.max(STEPS_PER_RANK.saturating_mul(ranks))
}

/// What the attribute asks of the analysis.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Options<'a> {
    /// The sizes to check (`sizes = ..`), or the default.
    pub(crate) sizes: Option<&'a [usize]>,
    /// Check nothing (`#[spmd_jit(unchecked)]`).
    pub(crate) unchecked: bool,
    /// The text of the file around the function, for its `const`s.
    pub(crate) source: Option<&'a str>,
    /// Where that file is, to find the crate's other files.
    pub(crate) path: Option<&'a std::path::Path>,
}

/// What one size came to.
enum Verdict {
    /// Every rank's calls were followed and match: at most `calls` calls per rank.
    /// `runs`: how many runs of the ranks it took, one per combination of the directions of
    /// conditions on values the same on every rank (1 where there is none).
    Fine { calls: usize, runs: usize },
    /// Every rank's calls were followed and the collectives agree, but the messages were not
    /// matched (a receive from `ANY_SOURCE`, nonblocking point-to-point calls): why.
    Collectives(GiveUp),
    /// A problem, reported (or to be reported) as an error.
    Fails,
    /// The body panics before it communicates (an `assert!` on the size), or what it needs is
    /// never made with this size: not meant for it. Where, and why.
    Excluded(Span, String),
    /// The body could not be followed.
    NotAnalysed(GiveUp),
    /// The step limit (this many steps) was reached.
    Budget(u64),
}

/// How much of a function the pattern check evaluated: what decides whether the syntactic
/// rules speak, and the first word of the explanation.
#[derive(Debug, Clone)]
pub(crate) enum Coverage {
    /// Every size was evaluated for every rank and its calls played (or the size excluded by
    /// the body), or a problem was found and reported.
    Checked,
    /// Every size was evaluated and the collectives compared, but some point-to-point
    /// messages were not matched: why.
    Collectives(String),
    /// Some size could not be evaluated: why, and where.
    GaveUp { why: String, span: Span },
    /// The check did not run: why.
    NotChecked(String),
    /// The body calls no op and hands the communicator to no function.
    NoCommunication,
    /// The body only completes requests (`test`, `wait`) issued elsewhere: their messages are
    /// checked where they are issued.
    CompletionOnly,
    /// The function fails when every rank runs it, but only some ranks call it: its
    /// `#[spmd_jit]` callers of the file are checked with it followed in place.
    WithCallers,
    /// Alone, the check gives up on a parameter; with the arguments of each call of it in the
    /// crate (every call found, each passing known values), it is checked.
    CallersArguments,
}

impl Coverage {
    /// The first word of the explanation.
    pub(crate) fn word(&self) -> &'static str {
        match self {
            Coverage::Checked => "checked",
            Coverage::Collectives(_) => "partly checked",
            Coverage::GaveUp { .. } => "gave up",
            Coverage::NotChecked(_) => "not checked",
            Coverage::NoCommunication => "no communication",
            Coverage::CompletionOnly => "completion only",
            Coverage::CallersArguments => "checked with its calls' arguments",
            Coverage::WithCallers => "checked with its callers",
        }
    }

    /// Whether every rank's collectives were compared with every size: the syntactic rules
    /// about collectives would only repeat (or contradict) the verdict.
    pub(crate) fn compared_collectives(&self) -> bool {
        matches!(
            self,
            Coverage::Checked
                | Coverage::Collectives(_)
                | Coverage::WithCallers
                | Coverage::CompletionOnly
                | Coverage::CallersArguments
        )
    }

    /// Why the check could not evaluate the function, in words, for a conservative rule.
    pub(crate) fn reason(&self) -> String {
        match self {
            Coverage::GaveUp { why, span } => format!("{why}{}", words::at_line(*span)),
            Coverage::NotChecked(why) | Coverage::Collectives(why) => why.clone(),
            Coverage::Checked
            | Coverage::NoCommunication
            | Coverage::WithCallers
            | Coverage::CompletionOnly
            | Coverage::CallersArguments => "it was not needed".to_owned(),
        }
    }
}

/// What the pattern check found besides errors.
#[derive(Debug, Clone)]
pub(crate) struct Report {
    pub(crate) coverage: Coverage,
    /// What was analysed, per size, in words (without the function's name).
    pub(crate) text: String,
    /// The crate's files read besides the function's own, which the compiler must track.
    pub(crate) files: Vec<std::path::PathBuf>,
    /// The sizes at which every rank was played to the end, on a single run, with no problem:
    /// what the expansion hands the runtime as the function's proof (`spmd::__private::Proof`),
    /// which lets a run of equal collectives skip its agreements. Empty unless the whole
    /// function is checked, alone.
    pub(crate) proven: Vec<usize>,
}

impl Report {
    fn new(coverage: Coverage, text: impl Into<String>) -> Report {
        Report {
            coverage,
            text: text.into(),
            files: Vec::new(),
            proven: Vec::new(),
        }
    }

    fn reading(mut self, callees: Option<&Callees<'_>>) -> Report {
        self.files = callees.map(Callees::files_read).unwrap_or_default();
        self
    }
}

/// Checks the communication pattern of `func`; records the problems in `cx`. Returns how much
/// was evaluated, and what, in words.
pub(crate) fn check(func: &ItemFn, options: Options<'_>, cx: &mut Ctxt) -> Report {
    check_in(func, options, cx, true, &[], None)
}

/// [`check`], judging a function that fails alone with its callers when `with_callers` (and
/// one that gives up with the arguments of its calls), its parameters of `given` known; with
/// the crate as `known` holds it, if given (a check of the same function again).
fn check_in(
    func: &ItemFn,
    options: Options<'_>,
    cx: &mut Ctxt,
    with_callers: bool,
    given: &[(String, Value)],
    known: Option<&Callees<'_>>,
) -> Report {
    // Dropped last, after the files read for the check: their macros are forgotten first.
    let _macros = interp::MacroScope::new();
    if options.unchecked {
        let why = "`unchecked`";
        return Report::new(
            Coverage::NotChecked(why.to_owned()),
            format!("the communication pattern is not checked: {why}"),
        );
    }
    if cx.has_errors() {
        let why = "the errors above come first";
        return Report::new(
            Coverage::NotChecked(why.to_owned()),
            format!("the communication pattern is not checked: {why}"),
        );
    }
    let comm = match communicator(func) {
        Ok(Some(comm)) => comm,
        Ok(None) => match passed_on(func) {
            Some(comm) => comm,
            None if completions_of(func) > 0 => {
                return Report::new(
                    Coverage::CompletionOnly,
                    "it only completes requests (`test`, `wait`) that are issued elsewhere: \
                     their messages are checked where they are issued",
                );
            }
            None => return Report::new(Coverage::NoCommunication, "nothing to check"),
        },
        Err(why) => {
            return Report::new(
                Coverage::NotChecked(why.clone()),
                format!("the communication pattern is not checked: {why}"),
            );
        }
    };
    let name = func.sig.ident.to_string();
    let sources = match known {
        Some(_) => None,
        None => options
            .source
            .map(|source| Sources::new(source, options.path)),
    };
    let own_callees = sources.as_ref().map(Callees::new);
    let callees: Option<&Callees<'_>> = known.or(own_callees.as_ref());
    let self_ty = callees.and_then(|callees| self_type(func, callees));
    let param_types = callees
        .map(|callees| crate_param_types(func, callees))
        .unwrap_or_default();
    let oracle = RefCell::new(choice::Oracle::default());
    let splits = RefCell::new(split::Splits::default());
    let shared = Shared {
        splits: Some(&splits),
        oracle: Some(&oracle),
        consts: Rc::new(constants(func, options.source)),
        token_params: token_params(func),
        params: func
            .sig
            .inputs
            .iter()
            .flat_map(|input| match input {
                FnArg::Typed(typed) => binding_names(&typed.pat),
                FnArg::Receiver(_) => Vec::new(),
            })
            .collect(),
        tainted: Rc::new(tainted(func)),
        array_params: array_params(func),
        has_self: func.sig.receiver().is_some(),
        comm,
        callees,
        self_ty,
        file: None,
        pure: false,
    };
    let sizes = options.sizes.unwrap_or(DEFAULT_SIZES);
    let limit = budget_for(sizes);
    let mut budget = limit;
    let mut verdicts: Vec<(usize, Verdict)> = Vec::new();
    // The size, its problem, the traces, and the directions taken on uniform values.
    let mut first_failure: Option<(usize, simulate::Problem, Vec<Trace>, String)> = None;
    for &size in sizes {
        if budget == 0 {
            verdicts.push((size, Verdict::Budget(limit)));
            continue;
        }
        let (verdict, problem, traces, directions) =
            runs(&oracle, (&mut budget, limit), |budget| {
                // Rounds of every rank, until the communicators `split` makes are the ones
                // the round was given (one round when the body splits none).
                *splits.borrow_mut() = split::Splits::default();
                let directions = oracle.borrow().clone();
                let mut round = 1;
                loop {
                    let mut traces: Vec<Trace> = Vec::with_capacity(size);
                    // Rank 0's run stands for every rank's when it did not read the rank.
                    let mut alike = false;
                    for rank in 0..size {
                        if alike {
                            traces.push(traces[0].clone());
                            continue;
                        }
                        let (trace, read) = interp::run_reads_rank(
                            &shared,
                            &param_types,
                            given,
                            &func.block,
                            size as i128,
                            rank as i128,
                            budget,
                        );
                        alike = rank == 0 && !read;
                        traces.push(trace);
                    }
                    let made = split::Splits::of(&traces);
                    if made == *splits.borrow() || round == split::ROUNDS {
                        break traces;
                    }
                    *splits.borrow_mut() = made;
                    *oracle.borrow_mut() = directions.clone();
                    round += 1;
                }
            });
        // The smallest size above 1 that fails is reported (one rank is a degenerate world),
        // or 1 if no other fails.
        let replaces = match &first_failure {
            None => true,
            Some((reported, ..)) => *reported == 1,
        };
        if let (Some(problem), true) = (problem, replaces) {
            first_failure = Some((size, problem, traces, directions));
        }
        verdicts.push((size, verdict));
    }
    if let (Some((size, problem, ..)), true, Some(callees)) =
        (&first_failure, with_callers, callees)
        && let Some(callers) = callers_cover(&name, callees, options.source, options.path)
    {
        let problem = match problem {
            simulate::Problem::Raced { .. } => {
                "in some order of matching, a message is not matched"
            }
            simulate::Problem::Collectives { .. } => "the ranks' collectives differ",
            simulate::Problem::OutOfRange { .. } => "a peer, root or tag is out of range",
            simulate::Problem::Deadlock { .. } => "its calls deadlock",
            simulate::Problem::Oversized { .. } => "a message does not fit its receive",
            _ => "a message is not matched",
        };
        return Report::new(
            Coverage::WithCallers,
            format!(
                "when every rank runs it, {problem} (with {size} ranks), but only some ranks \
                 call it: it is judged with its `#[spmd_jit]` callers of this file ({callers}), \
                 whose check follows it in place and reports there"
            ),
        );
    }
    if let Some((size, problem, traces, directions)) = &first_failure {
        let works: Vec<usize> = verdicts
            .iter()
            .filter(|(_, verdict)| matches!(verdict, Verdict::Fine { .. }))
            .map(|(size, _)| *size)
            .collect();
        let fails: Vec<usize> = verdicts
            .iter()
            .filter(|(_, verdict)| matches!(verdict, Verdict::Fails))
            .map(|(size, _)| *size)
            .collect();
        let context = report::Context {
            fn_name: &name,
            comm: &shared.comm,
            size: *size,
            traces,
            sizes,
            attribute_sizes: options.sizes.is_some(),
            works: &works,
            fails: &fails,
        };
        for (span, message) in report::describe(problem, &context) {
            let message = if directions.is_empty() {
                message
            } else {
                format!(
                    "{message} (In the run that fails, every rank finds these conditions on \
                     values that are the same on every rank: {directions}.)"
                )
            };
            cx.error_at(span, message);
        }
    }
    let coverage = if first_failure.is_some() {
        Coverage::Checked
    } else {
        coverage(&verdicts)
    };
    let quiet = verdicts.iter().all(|(_, verdict)| {
        matches!(
            verdict,
            Verdict::Fine { calls: 0, .. } | Verdict::Excluded(..)
        )
    });
    if quiet && ops_of(func) == 0 {
        return Report::new(
            Coverage::NoCommunication,
            "nothing to check: the functions it hands the communicator to do not communicate",
        )
        .reading(callees);
    }
    if let Coverage::GaveUp { why, span } = &coverage
        && with_callers
        && given.is_empty()
        && let Some(callees) = callees
        && let Some(report) = with_arguments(func, options, callees, &shared, (why.as_str(), *span))
    {
        return report.reading(Some(callees));
    }
    // Alone, it gave up on a communicator it is given besides its own: its `#[spmd_jit]`
    // callers of the file follow it in place, with the members of a communicator that `split`
    // made there.
    if let Coverage::GaveUp { why, .. } = &coverage
        && why.contains(interp::OTHER_COMMUNICATOR)
        && with_callers
        && given.is_empty()
        && let Some(callees) = callees
        && let Some(callers) = callers_cover(&name, callees, options.source, options.path)
    {
        return Report::new(
            Coverage::WithCallers,
            format!(
                "alone, it gives up on a communicator it is given besides its own ({why}); it is \
                 judged with its `#[spmd_jit]` callers of this file ({callers}), whose check \
                 follows it in place, with the members of a communicator that `split` made \
                 there"
            ),
        )
        .reading(Some(callees));
    }
    // A proof only of a function checked alone, with nothing given and nothing failing, at the
    // sizes played to the end on one run: a run that branched on a collective's result took
    // it for the same on every rank, which MPI does not promise bit for bit.
    // Nor of one that may split: its sizes are the function's communicator's, not those of
    // the communicators `split` makes, whose ops would present the proof too.
    let proven = if matches!(coverage, Coverage::Checked)
        && first_failure.is_none()
        && with_callers
        && given.is_empty()
        && known.is_none()
        && !idents_of_block(&func.block)
            .iter()
            .any(|name| name == "split")
    {
        verdicts
            .iter()
            .filter(|(_, verdict)| matches!(verdict, Verdict::Fine { runs: 1, .. }))
            .map(|(size, _)| *size)
            .collect()
    } else {
        Vec::new()
    };
    let mut report =
        Report::new(coverage, summary(&verdicts, options.sizes.is_none())).reading(callees);
    report.proven = proven;
    report
}

/// A function that gave up (`why`), checked again with each set of arguments the calls of the
/// crate pass it ([`interp::callers_arguments`]): its report when every set is checked
/// without a problem. A problem found so is not reported (a call may be made on some ranks
/// only): the function then stays given up.
fn with_arguments(
    func: &ItemFn,
    options: Options<'_>,
    callees: &Callees<'_>,
    shared: &Shared<'_>,
    why: (&str, Span),
) -> Option<Report> {
    // The arguments may name any constant of the file, not only those the body names.
    let shared = Shared {
        consts: Rc::new(constants_with(func, options.source, true)),
        ..shared.clone()
    };
    let variants = interp::callers_arguments(callees, &shared, func)?;
    let mut texts = Vec::new();
    // Why the messages of some variant are not matched, if so: the collectives are checked.
    let mut partly = None;
    for given in &variants {
        if given.is_empty() {
            return None;
        }
        let mut scratch = Ctxt::default();
        let report = check_in(func, options, &mut scratch, false, given, Some(callees));
        if scratch.has_errors() {
            return None;
        }
        match &report.coverage {
            Coverage::Checked => {}
            Coverage::Collectives(why) => {
                partly.get_or_insert_with(|| why.clone());
            }
            _ => return None,
        }
        let mut values: Vec<String> = given
            .iter()
            .filter(|(_, value)| !matches!(value, Value::AtCall { .. }))
            .map(|(name, value)| format!("`{name}` = {}", value.describe()))
            .collect();
        // The values taken at a caller's call, per rank, named once per caller.
        let mut at_calls: Vec<(&str, Vec<String>)> = Vec::new();
        for (name, value) in given {
            if let Value::AtCall { text, .. } = value {
                match at_calls.iter_mut().find(|(caller, _)| caller == text) {
                    Some((_, names)) => names.push(format!("`{name}`")),
                    None => at_calls.push((text, vec![format!("`{name}`")])),
                }
            }
        }
        for (caller, names) in at_calls {
            values.push(format!(
                "{} as the call in `{caller}` passes {}, per rank",
                names.join(", "),
                if names.len() == 1 { "it" } else { "them" }
            ));
        }
        texts.push(format!("with {}: {}", values.join(", "), report.text));
    }
    Some(Report::new(
        match partly {
            None => Coverage::CallersArguments,
            Some(why) => Coverage::Collectives(why),
        },
        format!(
            "alone, {}{}; every call of it in the crate passes known values: {}",
            why.0,
            words::at_line(why.1),
            texts.join("; ")
        ),
    ))
}

/// The parameters of `func` bound by a name whose type is an array, or a reference to one, of
/// a length written as an integer (`[T; 2]`, `&mut [T; 3]`), with that length.
fn array_params(func: &ItemFn) -> Vec<(String, usize)> {
    func.sig
        .inputs
        .iter()
        .filter_map(|input| {
            let FnArg::Typed(typed) = input else {
                return None;
            };
            let syn::Pat::Ident(ident) = &*typed.pat else {
                return None;
            };
            let mut ty = &*typed.ty;
            while let syn::Type::Reference(reference) = ty {
                ty = &reference.elem;
            }
            let syn::Type::Array(array) = ty else {
                return None;
            };
            let Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Int(len),
                ..
            }) = &array.len
            else {
                return None;
            };
            let len = len.base10_parse::<usize>().ok()?;
            (len <= interp::ITEM_LIMIT).then(|| (ident.ident.to_string(), len))
        })
        .collect()
}

/// How much the verdicts of a function without a problem cover.
fn coverage(verdicts: &[(usize, Verdict)]) -> Coverage {
    let given_up = verdicts.iter().find_map(|(_, verdict)| match verdict {
        Verdict::NotAnalysed(why) => Some(Coverage::GaveUp {
            why: why.why.clone(),
            span: why.span,
        }),
        Verdict::Budget(limit) => Some(Coverage::GaveUp {
            why: format!("the step limit of the analysis ({limit} steps) was reached"),
            span: Span::call_site(),
        }),
        _ => None,
    });
    if let Some(given_up) = given_up {
        return given_up;
    }
    if let Some(why) = verdicts.iter().find_map(|(_, verdict)| match verdict {
        Verdict::Collectives(why) => Some(why.why.clone()),
        _ => None,
    }) {
        return Coverage::Collectives(why);
    }
    if verdicts
        .iter()
        .all(|(_, verdict)| matches!(verdict, Verdict::Excluded(..)))
    {
        let why = verdicts
            .iter()
            .find_map(|(_, verdict)| match verdict {
                Verdict::Excluded(span, why) => Some((*span, why.clone())),
                _ => None,
            })
            .unwrap_or_else(|| (Span::call_site(), String::new()));
        return Coverage::GaveUp {
            why: format!("every size checked is excluded: {}", why.1),
            span: why.0,
        };
    }
    Coverage::Checked
}

/// The runs of every rank of `size` (`run`), one per combination of the directions of the
/// conditions on uniform values met: their verdict for the size, the problem of the first that
/// fails, and its traces (or the last run's) and directions in words.
fn runs(
    oracle: &RefCell<choice::Oracle>,
    (budget, limit): (&mut u64, u64),
    mut run: impl FnMut(&mut u64) -> Vec<Trace>,
) -> (Verdict, Option<simulate::Problem>, Vec<Trace>, String) {
    let mut forced = Vec::new();
    let mut count = 0;
    // The verdict of the runs so far: `None` until one is neither excluded nor covered.
    let mut combined: Option<Verdict> = None;
    let mut excluded = None;
    loop {
        *oracle.borrow_mut() = choice::Oracle::new(forced);
        let traces = run(budget);
        count += 1;
        // Some ranks stopped where a loop's trips repeat, the others ran to the end.
        let covered = traces.iter().any(|trace| matches!(trace.end, End::Covered))
            && traces
                .iter()
                .all(|trace| matches!(trace.end, End::Covered | End::Done));
        let (verdict, problem) = match judge(&traces, limit) {
            // Its ranks stopped where a loop's trips repeat: the runs that leave the loop
            // cover what follows; only what its calls so far show counts (a collective that
            // differs).
            (Verdict::NotAnalysed(_), None) if covered => (None, None),
            (verdict, problem) => (Some(verdict), problem),
        };
        let (verdict, problem) = match (verdict, problem) {
            (Some(Verdict::Fails), Some(_)) if oracle.borrow().uncertain() => {
                let why = GiveUp {
                    span: Span::call_site(),
                    why: "with some directions of the conditions on values that are the same on \
                          every rank (results of `allreduce`, `bcast`, `allgather`, constants not \
                          computed), the calls fail, but those directions may never be taken \
                          together (a condition on constants only, or different conditions on \
                          the same result)"
                        .to_owned(),
                };
                (Some(Verdict::NotAnalysed(why)), None)
            }
            other => other,
        };
        match verdict {
            None => {}
            Some(Verdict::Excluded(span, why)) => {
                excluded.get_or_insert((span, why));
            }
            Some(Verdict::Fails) => {
                let directions = oracle.borrow().directions();
                return (Verdict::Fails, problem, traces, directions);
            }
            Some(stop @ (Verdict::NotAnalysed(_) | Verdict::Budget(_))) => {
                return (stop, None, traces, String::new());
            }
            Some(Verdict::Collectives(why))
                if !matches!(combined, Some(Verdict::Collectives(_))) =>
            {
                combined = Some(Verdict::Collectives(why));
            }
            Some(Verdict::Collectives(_)) => {}
            Some(Verdict::Fine { calls, .. }) => match &mut combined {
                None => combined = Some(Verdict::Fine { calls, runs: 1 }),
                Some(Verdict::Fine { calls: most, .. }) => *most = (*most).max(calls),
                Some(_) => {}
            },
        }
        let next = oracle.borrow().next();
        match next {
            None => {
                let verdict = match combined {
                    Some(Verdict::Fine { calls, .. }) => Verdict::Fine { calls, runs: count },
                    other => other
                        .or_else(|| excluded.map(|(span, why)| Verdict::Excluded(span, why)))
                        .unwrap_or(Verdict::Fine {
                            calls: 0,
                            runs: count,
                        }),
                };
                return (verdict, None, traces, String::new());
            }
            Some(_) if count >= choice::RUN_LIMIT || *budget == 0 => {
                let why = GiveUp {
                    span: Span::call_site(),
                    why: format!(
                        "the conditions on values that are the same on every rank take more \
                         than {} combinations of directions",
                        choice::RUN_LIMIT
                    ),
                };
                return (Verdict::NotAnalysed(why), None, traces, String::new());
            }
            Some(next) => forced = next,
        }
    }
}

/// The verdict for one size, and its problem if it has one; `limit`: the step limit, named
/// if it was reached.
fn judge(traces: &[Trace], limit: u64) -> (Verdict, Option<simulate::Problem>) {
    if let Some(span) = traces.iter().find_map(|trace| match trace.end {
        End::Panic(span) if trace.events.is_empty() => Some(span),
        _ => None,
    }) {
        return (
            Verdict::Excluded(span, "the body panics before it communicates".to_owned()),
            None,
        );
    }
    // A size for which no rank can make what the function needs: it never runs with it. Only
    // some ranks: the others may run it alone, which is not followed.
    let excluded = |trace: &Trace| match &trace.end {
        End::Excluded(why) if trace.events.is_empty() => Some(why.clone()),
        _ => None,
    };
    if let Some(why) = traces.first().and_then(excluded)
        && traces.iter().all(|trace| excluded(trace).is_some())
    {
        return (Verdict::Excluded(why.span, why.why), None);
    }
    if traces.iter().any(|trace| matches!(trace.end, End::Budget)) {
        return (Verdict::Budget(limit), None);
    }
    let whole = traces.iter().all(|trace| matches!(trace.end, End::Done));
    if whole {
        let events: Vec<&[Event]> = traces.iter().map(|t| t.events.as_slice()).collect();
        return match simulate::check(&events) {
            simulate::Outcome::Problem(problem) => (Verdict::Fails, Some(problem)),
            simulate::Outcome::Fine => match unknown_root(&events) {
                // Fine as far as it was compared: not the roots it could not work out.
                Some(why) => (Verdict::Collectives(why), None),
                None => (
                    Verdict::Fine {
                        calls: events.iter().map(|events| events.len()).max().unwrap_or(0),
                        runs: 1,
                    },
                    None,
                ),
            },
            simulate::Outcome::Unplayed(unplayed) => {
                (Verdict::Collectives(unplayed_why(unplayed, &events)), None)
            }
        };
    }
    // Some ranks could not be followed to the end: what is known of their calls can still
    // disagree on a collective, or name a rank that does not exist.
    let prefixes: Vec<&[Event]> = traces.iter().map(|t| t.events.as_slice()).collect();
    if let Some(problem) = simulate::out_of_range(&prefixes) {
        return (Verdict::Fails, Some(problem));
    }
    let known: Vec<(usize, &[Event], bool)> = traces
        .iter()
        .enumerate()
        .map(|(rank, trace)| {
            (
                rank,
                trace.events.as_slice(),
                matches!(trace.end, End::Done),
            )
        })
        .collect();
    if let Some(problem) = simulate::collectives(&known) {
        return (Verdict::Fails, Some(problem));
    }
    let why = traces
        .iter()
        .find_map(|trace| match &trace.end {
            End::GaveUp(why) => Some(why.clone()),
            End::Panic(span) => Some(GiveUp {
                span: *span,
                why: "a rank panics after it has communicated".to_owned(),
            }),
            End::Excluded(why) => Some(GiveUp {
                span: why.span,
                why: format!("on some ranks only, {}", why.why),
            }),
            _ => None,
        })
        .unwrap_or(GiveUp {
            span: Span::call_site(),
            why: "not followed".to_owned(),
        });
    (Verdict::NotAnalysed(why), None)
}

/// The first rooted collective whose root is not known: the ranks' roots were not compared
/// there, so the function is only partly checked.
fn unknown_root(events: &[&[Event]]) -> Option<GiveUp> {
    let event = events
        .iter()
        .flat_map(|events| events.iter())
        .find(|event| {
            matches!(event.kind, Kind::Collective { root: None, .. })
                && event.op.position(crate::ops::Role::Root).is_some()
        })?;
    Some(GiveUp {
        span: event.span,
        why: format!(
            "the root of `{}` is not computed from the rank and size: every message is matched \
             and the collectives agree, but their roots are not compared",
            event.op.name
        ),
    })
}

/// Why the messages of complete traces were not matched, at the first call concerned.
fn unplayed_why(unplayed: simulate::Unplayed, events: &[&[Event]]) -> GiveUp {
    let concerned = |event: &&Event| match unplayed {
        simulate::Unplayed::AnySource => matches!(
            event.kind,
            Kind::Recv { from: None, .. } | Kind::Sendrecv { from: None, .. }
        ),
        simulate::Unplayed::Nonblocking => matches!(event.kind, Kind::Complete { requests: None }),
    };
    let span = events
        .iter()
        .flat_map(|events| events.iter())
        .find(concerned)
        .map_or_else(Span::call_site, |event| event.span);
    let why = match unplayed {
        simulate::Unplayed::AnySource => {
            "receives from `ANY_SOURCE` can match their messages in more orders than the check \
             plays (64 per world): the collectives and peers are checked, the messages are not \
             matched"
        }
        simulate::Unplayed::Nonblocking => {
            "which requests this completes is not followed (a `test`, whose outcome depends on \
             timing, or requests kept in a collection built step by step): the collectives \
             and peers are checked, the messages are not matched"
        }
    };
    GiveUp {
        span,
        why: why.to_owned(),
    }
}

/// The verdicts in words, sizes with the same one together.
fn summary(verdicts: &[(usize, Verdict)], default_sizes: bool) -> String {
    let label = |verdict: &Verdict| -> String {
        match verdict {
            Verdict::Fine { calls, runs } => format!(
                "checked: every message matched, the collectives agree, no deadlock (at most \
                 {calls} call{s} per rank{more})",
                s = if *calls == 1 { "" } else { "s" },
                more = if *runs > 1 {
                    format!(
                        "; {runs} runs, each direction of the conditions on values the same on \
                         every rank taken by every rank alike"
                    )
                } else {
                    String::new()
                }
            ),
            Verdict::Collectives(why) => {
                format!("partly checked: {}{}", why.why, words::at_line(why.span))
            }
            Verdict::Fails => "fails (see the error)".to_owned(),
            Verdict::Excluded(span, why) => {
                format!("excluded: {why}{}", words::at_line(*span))
            }
            Verdict::NotAnalysed(why) => {
                format!("not analysed: {}{}", why.why, words::at_line(why.span))
            }
            Verdict::Budget(limit) => format!(
                "not analysed: the step limit of the analysis ({limit} steps for all sizes \
                 together) was reached"
            ),
        }
    };
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    for (size, verdict) in verdicts {
        let text = label(verdict);
        match groups.iter_mut().find(|(label, _)| *label == text) {
            Some((_, sizes)) => sizes.push(*size),
            None => groups.push((text, vec![*size])),
        }
    }
    let parts: Vec<String> = groups
        .iter()
        .map(|(text, sizes)| format!("with {} rank(s): {text}", words::list(sizes)))
        .collect();
    let default = if default_sizes {
        format!(" {DEFAULT_SIZES_TEXT}")
    } else {
        String::new()
    };
    format!(
        "communication pattern {}; point-to-point peers and tags, collectives and their roots \
         and operators are compared per size{default}",
        parts.join("; ")
    )
}

/// The `#[spmd_jit]` functions of the file that call `name` and whose check, with `name`
/// followed in place, evaluates every size (whether it finds a problem or not): their names, or
/// `None` when there is none.
fn callers_cover(
    name: &str,
    callees: &Callees<'_>,
    source: Option<&str>,
    path: Option<&std::path::Path>,
) -> Option<String> {
    let mut covered = Vec::new();
    for (caller, attr) in callees.jitted_callers(name) {
        let (args, error) = crate::parse::args(attr);
        if error.is_some() || args.unchecked {
            continue;
        }
        let options = Options {
            sizes: args.sizes.as_deref(),
            unchecked: false,
            source,
            path,
        };
        let report = check_in(caller, options, &mut Ctxt::default(), false, &[], None);
        if matches!(report.coverage, Coverage::Checked) {
            covered.push(format!("`{}`", caller.sig.ident));
        }
    }
    (!covered.is_empty()).then(|| covered.join(", "))
}

/// The type of the `impl` a method is in, found in its file: the `impl` with a function of
/// its name (and, if several have one, of its body).
fn self_type(func: &ItemFn, callees: &Callees<'_>) -> Option<String> {
    func.sig.receiver()?;
    let name = func.sig.ident.to_string();
    let found: Vec<_> = callees
        .own_file()
        .fns_named(&name)
        .into_iter()
        .filter(|found| found.self_ty.is_some() && found.sig.receiver().is_some())
        .collect();
    match found.as_slice() {
        [one] => one.self_ty.clone(),
        _ => {
            let mut same = found
                .iter()
                .filter(|found| krate::same_block(found.block, &func.block));
            let first = same.next()?;
            same.next().is_none().then(|| first.self_ty.clone())?
        }
    }
}

/// The parameters whose type is written as a struct or enum of the function's own file, or
/// one it imports from the crate (`use crate::..`, `use super::..`): (name, type).
fn crate_param_types(func: &ItemFn, callees: &Callees<'_>) -> Vec<(String, String)> {
    let own = callees.own_file();
    func.sig
        .inputs
        .iter()
        .filter_map(|input| match input {
            FnArg::Typed(typed) => match &*typed.pat {
                Pat::Ident(ident) => Some((ident.ident.to_string(), krate::type_name(&typed.ty)?)),
                _ => None,
            },
            FnArg::Receiver(_) => None,
        })
        .filter(|(_, ty)| {
            // Text first: parsing the file costs more.
            let imported = || {
                own.text.lines().any(|line| {
                    let line = line.trim_start();
                    (line.starts_with("use ") || line.starts_with("pub use "))
                        && words::names(line, ty)
                }) && interp::imported_from_crate(own, ty)
            };
            ty.starts_with(|c: char| c.is_ascii_uppercase())
                && ty != "Comm"
                && (own.text.contains(&format!("struct {ty}"))
                    || own.text.contains(&format!("enum {ty}"))
                    || imported())
        })
        .collect()
}

/// How many calls of completion ops (`test`, `wait`, `wait_all`) the body makes, as written.
fn completions_of(func: &ItemFn) -> usize {
    struct Counter(usize);
    impl<'ast> Visit<'ast> for Counter {
        fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
            if let Some((op, _)) = ops::called_op(&call.func)
                && op.is_nonblocking()
                && !op.issues_request()
            {
                self.0 += 1;
            }
            visit::visit_expr_call(self, call);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut counter = Counter(0);
    counter.visit_block(&func.block);
    counter.0
}

/// How many op calls the body makes, as written.
fn ops_of(func: &ItemFn) -> usize {
    struct Counter(usize);
    impl<'ast> Visit<'ast> for Counter {
        fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
            if ops::called_op(&call.func).is_some() {
                self.0 += 1;
            }
            visit::visit_expr_call(self, call);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut counter = Counter(0);
    counter.visit_block(&func.block);
    counter.0
}

/// The communicator of a function that calls no op itself but may hand one on: a parameter
/// of type `Comm` (or a reference to one) that the body names, or, in a method, `self` (which
/// may hold one: its methods are not followed, and the evaluation says so).
fn passed_on(func: &ItemFn) -> Option<CommName> {
    let is_comm = |ty: &syn::Type| {
        let mut ty = ty;
        while let syn::Type::Reference(reference) = ty {
            ty = &reference.elem;
        }
        matches!(ty, syn::Type::Path(path) if path.path.segments.last().is_some_and(|last| last.ident == "Comm"))
    };
    let names = idents_of_block(&func.block);
    for input in &func.sig.inputs {
        if let FnArg::Typed(typed) = input
            && is_comm(&typed.ty)
            && let Pat::Ident(ident) = &*typed.pat
            && names.iter().any(|name| ident.ident == name)
        {
            return Some(CommName::Var(ident.ident.to_string()));
        }
    }
    // A method: `self` may hold the communicator, under a field the body never names.
    (func.sig.receiver().is_some() && names.iter().any(|name| name == "self"))
        .then(|| CommName::SelfField(String::new()))
}

/// Every identifier of a block, macros' tokens included.
fn idents_of_block(block: &syn::Block) -> Vec<String> {
    let mut names = Vec::new();
    idents(block.to_token_stream(), &mut names);
    names
}

/// The communicator every op of the body uses; `None` when the body calls no op; `Err` when
/// it cannot be told.
fn communicator(func: &ItemFn) -> Result<Option<CommName>, String> {
    struct Finder {
        comms: Vec<Option<CommName>>,
        /// The communicators `split` divides.
        split_parents: Vec<Option<CommName>>,
        hidden: bool,
        bindings: Vec<String>,
    }
    impl<'ast> Visit<'ast> for Finder {
        fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
            if let Some(closure) = crate::analyse::calls::scope_closure(call) {
                // `spmd::scope(|scope| ..)`: its closure runs in place.
                self.visit_expr(&closure.body);
                return;
            }
            // `wait` and `test` take none: their request carries it.
            if let Some((op, _)) = ops::called_op(&call.func)
                && let Some(position) = op.position(Role::Comm)
            {
                let comm = call.args.iter().nth(position).and_then(CommName::of);
                if op.name == "split" {
                    self.split_parents.push(comm.clone());
                }
                self.comms.push(comm);
            }
            visit::visit_expr_call(self, call);
        }
        fn visit_expr_closure(&mut self, closure: &'ast syn::ExprClosure) {
            let before = self.comms.len();
            visit::visit_expr_closure(self, closure);
            self.hidden |= self.comms.len() > before;
        }
        fn visit_expr_async(&mut self, block: &'ast syn::ExprAsync) {
            let before = self.comms.len();
            visit::visit_expr_async(self, block);
            self.hidden |= self.comms.len() > before;
        }
        fn visit_pat_ident(&mut self, pat: &'ast syn::PatIdent) {
            self.bindings.push(pat.ident.to_string());
            visit::visit_pat_ident(self, pat);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut finder = Finder {
        comms: Vec::new(),
        split_parents: Vec::new(),
        hidden: false,
        bindings: Vec::new(),
    };
    finder.visit_block(&func.block);
    if finder.comms.is_empty() {
        return Ok(None);
    }
    if finder.hidden {
        return Err("an op is called inside a closure or an `async` block".to_owned());
    }
    let Some(comms) = finder.comms.into_iter().collect::<Option<Vec<CommName>>>() else {
        return Err("the communicator of an op is neither a variable nor a field of `self`".into());
    };
    // Communicators made by `split` in the body are followed (their ops say when they cannot
    // be), as are parameters of another communicator (their ops give up, naming them): the
    // function's own is the first other one, or the one the first `split` divides.
    let made = split_bindings(&func.block);
    let is_made = |comm: &CommName| matches!(comm, CommName::Var(name) if made.contains(name));
    let Some(first) = finder
        .split_parents
        .iter()
        .flatten()
        .find(|comm| !is_made(comm))
        .or_else(|| comms.iter().find(|comm| !is_made(comm)))
        .cloned()
    else {
        return Err("every op uses a communicator that `split` makes, of none given".to_owned());
    };
    let params = func.sig.inputs.iter().filter(|input| match input {
        FnArg::Typed(typed) => matches!(&*typed.pat, Pat::Ident(_)),
        FnArg::Receiver(_) => false,
    });
    let is_param = |comm: &CommName| {
        match comm {
        CommName::Var(name) => params.clone().any(|input| {
            matches!(input, FnArg::Typed(typed) if matches!(&*typed.pat, Pat::Ident(ident) if ident.ident == name))
        }),
        CommName::SelfField(_) => true,
    }
    };
    if comms
        .iter()
        .any(|comm| *comm != first && !is_made(comm) && !is_param(comm))
    {
        return Err("the ops use more than one communicator".to_owned());
    }
    if let CommName::Var(name) = &first {
        let is_param = func.sig.inputs.iter().any(|input| match input {
            FnArg::Typed(typed) => matches!(&*typed.pat, Pat::Ident(ident) if ident.ident == name),
            FnArg::Receiver(_) => false,
        });
        let bound = finder.bindings.iter().filter(|b| *b == name).count();
        if bound > usize::from(!is_param) {
            return Err(format!("the communicator `{name}` is bound more than once"));
        }
    }
    Ok(Some(first))
}

/// The variables a `let` binds to the communicator a `split` returns: `let row = split(..)`,
/// `let (row, token) = split(.., token)`.
fn split_bindings(block: &syn::Block) -> Vec<String> {
    struct Finder(Vec<String>);
    impl<'ast> Visit<'ast> for Finder {
        fn visit_local(&mut self, local: &'ast syn::Local) {
            if let Some(init) = &local.init
                && let Expr::Call(call) = trace::strip(&init.expr)
                && ops::called_op(&call.func).is_some_and(|(op, _)| op.name == "split")
            {
                let pat = match &local.pat {
                    Pat::Type(typed) => &*typed.pat,
                    pat => pat,
                };
                let first = match pat {
                    Pat::Tuple(tuple) => tuple.elems.first(),
                    pat => Some(pat),
                };
                if let Some(Pat::Ident(ident)) = first {
                    self.0.push(ident.ident.to_string());
                }
            }
            visit::visit_local(self, local);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut finder = Finder(Vec::new());
    finder.visit_block(block);
    finder.0
}

/// The names of the parameters of type `Token`.
fn token_params(func: &ItemFn) -> Vec<String> {
    func.sig
        .inputs
        .iter()
        .filter_map(|input| match input {
            FnArg::Typed(typed) if is_token_type(&typed.ty) => match &*typed.pat {
                Pat::Ident(ident) => Some(ident.ident.to_string()),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// Variables that may change out of sight: borrowed mutably, or assigned in a closure.
fn tainted(func: &ItemFn) -> Vec<String> {
    struct Finder {
        names: Vec<String>,
        in_closure: usize,
    }
    impl<'ast> Visit<'ast> for Finder {
        fn visit_expr_reference(&mut self, reference: &'ast syn::ExprReference) {
            if reference.mutability.is_some() {
                // `&mut r.right` may change `r`.
                self.names.extend(root_name(&reference.expr));
            }
            visit::visit_expr_reference(self, reference);
        }
        fn visit_expr_closure(&mut self, closure: &'ast syn::ExprClosure) {
            self.in_closure += 1;
            visit::visit_expr_closure(self, closure);
            self.in_closure -= 1;
        }
        fn visit_expr_assign(&mut self, assign: &'ast syn::ExprAssign) {
            if self.in_closure > 0 {
                assigned_names(&assign.left, &mut self.names);
            }
            visit::visit_expr_assign(self, assign);
        }
        fn visit_expr_binary(&mut self, binary: &'ast syn::ExprBinary) {
            if compound_op(&binary.op).is_some() && self.in_closure > 0 {
                assigned_names(&binary.left, &mut self.names);
            }
            visit::visit_expr_binary(self, binary);
        }
        fn visit_macro(&mut self, _: &'ast syn::Macro) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut finder = Finder {
        names: Vec::new(),
        in_closure: 0,
    };
    finder.visit_block(&func.block);
    finder.names.sort();
    finder.names.dedup();
    finder.names
}

/// The `const`s the body can name: its own, and those of its file (by name: one defined twice
/// with different values is not used).
fn constants(func: &ItemFn, source: Option<&str>) -> HashMap<String, Option<Expr>> {
    constants_with(func, source, false)
}

/// [`constants`], those of the file included whether the body names them or not when
/// `whole_file`.
fn constants_with(
    func: &ItemFn,
    source: Option<&str>,
    whole_file: bool,
) -> HashMap<String, Option<Expr>> {
    struct Finder {
        consts: Vec<(String, Expr)>,
        upper: Vec<String>,
    }
    impl<'ast> Visit<'ast> for Finder {
        fn visit_item_const(&mut self, item: &'ast ItemConst) {
            self.consts
                .push((item.ident.to_string(), (*item.expr).clone()));
        }
        fn visit_item_fn(&mut self, _: &'ast ItemFn) {}
        fn visit_impl_item_fn(&mut self, _: &'ast syn::ImplItemFn) {}
        fn visit_macro(&mut self, mac: &'ast syn::Macro) {
            let mut names = Vec::new();
            idents(mac.tokens.clone(), &mut names);
            self.upper
                .extend(names.into_iter().filter(|name| is_const_name(name)));
        }
        fn visit_ident(&mut self, ident: &'ast proc_macro2::Ident) {
            let name = ident.to_string();
            if is_const_name(&name) {
                self.upper.push(name);
            }
        }
    }
    let mut body = Finder {
        consts: Vec::new(),
        upper: Vec::new(),
    };
    // The body's items, nested blocks included.
    for stmt in &func.block.stmts {
        body.visit_stmt(stmt);
    }
    let mut consts = body.consts;
    let needs_file = body
        .upper
        .iter()
        .any(|name| !consts.iter().any(|(defined, _)| defined == name));
    if (needs_file || whole_file)
        && let Some(source) = source
    {
        consts.extend(file_constants(source));
    }
    let mut map: HashMap<String, Option<Expr>> = HashMap::new();
    for (name, expr) in consts {
        match map.get(&name) {
            None => {
                map.insert(name, Some(expr));
            }
            Some(Some(existing))
                if existing.to_token_stream().to_string() == expr.to_token_stream().to_string() => {
            }
            Some(_) => {
                map.insert(name, None);
            }
        }
    }
    map
}

/// Named constants and their expressions.
type Consts = Vec<(String, Expr)>;

/// Named constants and the text of their expressions.
type ConstTexts = Vec<(String, String)>;

thread_local! {
    /// The constants of the last file read, as text: the functions of a file come one after
    /// another. Only text is kept from one expansion to the next: syntax trees hold the
    /// compiler's tokens, which belong to one invocation of the macro.
    static FILE_CONSTS: RefCell<Option<(String, ConstTexts)>> = const { RefCell::new(None) };
}

/// Every `const` item of a file (modules included; not those of functions or `impl`s).
fn file_constants(source: &str) -> Consts {
    let cached = FILE_CONSTS.with_borrow(|cached| {
        cached
            .as_ref()
            .filter(|(text, _)| text == source)
            .map(|(_, consts)| consts.clone())
    });
    let texts = match cached.or_else(|| crate::imports::const_texts(source)) {
        Some(texts) => texts,
        None => {
            struct Finder(ConstTexts);
            impl<'ast> Visit<'ast> for Finder {
                fn visit_item_const(&mut self, item: &'ast ItemConst) {
                    self.0.push((
                        item.ident.to_string(),
                        item.expr.to_token_stream().to_string(),
                    ));
                }
                fn visit_item_fn(&mut self, _: &'ast ItemFn) {}
                fn visit_item_impl(&mut self, _: &'ast syn::ItemImpl) {}
                fn visit_item_trait(&mut self, _: &'ast syn::ItemTrait) {}
            }
            let texts = match syn::parse_file(source) {
                Ok(file) => {
                    let mut finder = Finder(Vec::new());
                    finder.visit_file(&file);
                    finder.0
                }
                Err(_) => Vec::new(),
            };
            FILE_CONSTS.set(Some((source.to_owned(), texts.clone())));
            texts
        }
    };
    texts
        .into_iter()
        .filter_map(|(name, text)| Some((name, syn::parse_str::<Expr>(&text).ok()?)))
        .collect()
}

#[cfg(test)]
mod repository;
#[cfg(test)]
mod tests;
