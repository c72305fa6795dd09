//! Calls of the file's own functions: a function of the same file given the communicator (or
//! a token) is evaluated in place, with the caller's values for its arguments, recursively.
//!
//! The file is parsed at most once per expansion, when a call first needs it, and its syntax
//! trees live no longer than the expansion (a tree holds the compiler's tokens, which belong to
//! one invocation of the macro). Events recorded inside a callee are placed at the caller's
//! call, since the callee's own tokens, parsed from the file's text, point nowhere useful.

use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{Expr, ExprCall, FnArg, ItemFn, Pat};

use super::{ConstMap, Ctl, EVENT_LIMIT, End, Interp, R, Shared, Value, give_up, id_of, panic_at};
use crate::analyse::pattern::trace::{CommName, Trip};
use crate::analyse::pattern::{communicator, constants, tainted, token_params};
use crate::analyse::syntax::binding_names;

/// How deep calls of the file's functions are followed; deeper, the evaluation gives up (a
/// recursion on a value that is not known would otherwise run until the steps run out).
const CALL_DEPTH_LIMIT: u32 = 12;

/// The free functions of the file around the function being checked.
pub(crate) struct Callees<'s> {
    source: &'s str,
    /// The file, parsed when a call first needs it (`None`: it does not parse).
    file: OnceCell<Option<syn::File>>,
    /// What each function called so far needs for its evaluation, by name.
    prepared: RefCell<HashMap<String, Rc<Prepared>>>,
}

impl std::fmt::Debug for Callees<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Callees").finish_non_exhaustive()
    }
}

/// What a callee's evaluation needs, the same for every call.
struct Prepared {
    consts: Rc<ConstMap>,
    tainted: Rc<Vec<String>>,
    token_params: Vec<String>,
    /// The communicator its own ops use: `Ok(None)` when it calls none itself.
    comm: Result<Option<CommName>, String>,
}

/// Collects the free functions of a file, in modules too, by name.
struct FnFinder<'f> {
    fns: Vec<&'f ItemFn>,
}

impl<'f> Visit<'f> for FnFinder<'f> {
    fn visit_item_fn(&mut self, item: &'f ItemFn) {
        self.fns.push(item);
    }
    // Methods are reached through types, which a macro cannot see.
    fn visit_item_impl(&mut self, _: &'f syn::ItemImpl) {}
    fn visit_item_trait(&mut self, _: &'f syn::ItemTrait) {}
    fn visit_expr(&mut self, _: &'f Expr) {}
}

impl<'s> Callees<'s> {
    /// The functions of the file whose text is `source`.
    pub(crate) fn new(source: &'s str) -> Self {
        Callees {
            source,
            file: OnceCell::new(),
            prepared: RefCell::new(HashMap::new()),
        }
    }

    /// The one free function of the file named `name`, if there is exactly one.
    fn find(&self, name: &str) -> Option<&ItemFn> {
        let file = self
            .file
            .get_or_init(|| syn::parse_file(self.source).ok())
            .as_ref()?;
        let mut finder = FnFinder { fns: Vec::new() };
        visit::visit_file(&mut finder, file);
        let mut found = finder.fns.into_iter().filter(|f| f.sig.ident == name);
        let first = found.next()?;
        found.next().is_none().then_some(first)
    }

    /// The `#[spmd_jit]` free functions of the file that call `name`, with their attribute's
    /// arguments.
    pub(crate) fn jitted_callers(&self, name: &str) -> Vec<(&ItemFn, proc_macro2::TokenStream)> {
        let Some(file) = self
            .file
            .get_or_init(|| syn::parse_file(self.source).ok())
            .as_ref()
        else {
            return Vec::new();
        };
        let mut finder = FnFinder { fns: Vec::new() };
        visit::visit_file(&mut finder, file);
        finder
            .fns
            .into_iter()
            .filter(|func| func.sig.ident != name)
            .filter_map(|func| {
                let attr = func.attrs.iter().find(|attr| {
                    attr.path()
                        .segments
                        .last()
                        .is_some_and(|last| last.ident == "spmd_jit")
                })?;
                let args = match &attr.meta {
                    syn::Meta::List(list) => list.tokens.clone(),
                    _ => proc_macro2::TokenStream::new(),
                };
                calls_named(func, name).then_some((func, args))
            })
            .collect()
    }

    fn prepared(&self, name: &str, func: &ItemFn) -> Rc<Prepared> {
        if let Some(prepared) = self.prepared.borrow().get(name) {
            return Rc::clone(prepared);
        }
        let prepared = Rc::new(Prepared {
            consts: Rc::new(constants(func, Some(self.source))),
            tainted: Rc::new(tainted(func)),
            token_params: token_params(func),
            comm: communicator(func),
        });
        self.prepared
            .borrow_mut()
            .insert(name.to_owned(), Rc::clone(&prepared));
        prepared
    }
}

/// The name a call's callee gives a function of the file: `f(..)` or `self::f(..)`.
fn local_name(callee: &Expr) -> Option<String> {
    let Expr::Path(path) = callee else {
        return None;
    };
    if path.qself.is_some() || path.path.leading_colon.is_some() {
        return None;
    }
    let segments: Vec<&syn::PathSegment> = path.path.segments.iter().collect();
    match segments.as_slice() {
        [only] => Some(only.ident.to_string()),
        [first, last] if first.ident == "self" => Some(last.ident.to_string()),
        _ => None,
    }
}

impl Interp<'_> {
    /// A call given the communicator or a token: evaluated in place when it calls a function
    /// of the file, `None` when it does not.
    pub(super) fn call_in_file(&mut self, call: &ExprCall, args: &[Value]) -> Option<R<Value>> {
        let callees = self.shared.callees?;
        let name = local_name(&call.func)?;
        if self.lookup(&name).is_some() {
            // A closure or function pointer in a variable.
            return None;
        }
        let func = callees.find(&name)?;
        let span = call.func.span();
        if self.call_depth >= CALL_DEPTH_LIMIT {
            return Some(give_up(
                span,
                format!(
                    "`{name}` is called {CALL_DEPTH_LIMIT} calls deep: deeper calls (a \
                     recursion whose end is not known) are not followed"
                ),
            ));
        }
        let prepared = callees.prepared(&name, func);
        Some(self.run_callee(&name, func, &prepared, call, args, span))
    }

    fn run_callee(
        &mut self,
        name: &str,
        func: &ItemFn,
        prepared: &Prepared,
        call: &ExprCall,
        args: &[Value],
        span: Span,
    ) -> R<Value> {
        if func.sig.inputs.len() != call.args.len() || func.sig.receiver().is_some() {
            return give_up(
                span,
                format!("`{name}` is called with another number of arguments"),
            );
        }
        // The parameter that receives the communicator becomes the callee's communicator.
        let mut comm: Option<CommName> = None;
        let mut binds: Vec<(&Pat, Value)> = Vec::new();
        for ((input, arg), value) in func.sig.inputs.iter().zip(&call.args).zip(args) {
            let FnArg::Typed(typed) = input else {
                return give_up(span, format!("`{name}` takes `self`"));
            };
            if self.shared.comm.is(arg) {
                let Pat::Ident(ident) = &*typed.pat else {
                    return give_up(
                        span,
                        format!("`{name}` binds the communicator to a pattern"),
                    );
                };
                comm = Some(CommName::Var(ident.ident.to_string()));
                continue;
            }
            if self.hands_over(arg) && !value.holds_token() {
                return give_up(
                    arg.span(),
                    format!(
                        "`{name}` is given the communicator inside another value: only the \
                         communicator itself is followed into a function"
                    ),
                );
            }
            binds.push((&typed.pat, value.clone()));
        }
        let comm = match (&prepared.comm, comm) {
            (Err(why), _) => return give_up(span, format!("in `{name}`, called here: {why}")),
            (Ok(Some(own)), Some(given)) if *own != given => {
                return give_up(
                    span,
                    format!("in `{name}`, called here: its ops use another communicator"),
                );
            }
            (Ok(Some(own)), None) => {
                return give_up(
                    span,
                    format!(
                        "in `{name}`, called here: its ops use `{}`, which is not the \
                         communicator given",
                        comm_text(own)
                    ),
                );
            }
            (_, Some(given)) => given,
            // Given a token only, with no communicator: its ops cannot name ours.
            (Ok(None), None) => CommName::Var(String::new()),
        };
        let shared = Shared {
            comm,
            consts: Rc::clone(&prepared.consts),
            token_params: prepared.token_params.clone(),
            params: Vec::new(),
            has_self: false,
            tainted: Rc::clone(&prepared.tainted),
            callees: self.shared.callees,
        };
        let loops = self.loops.clone();
        let call_depth = self.call_depth + 1;
        let (size, rank) = (self.size, self.rank);
        let mut inner = Interp::new(&shared, size, rank, &mut *self.budget);
        inner.loops = loops;
        inner.call_depth = call_depth;
        let mut bound = Vec::new();
        let mut result = Ok(());
        for (pat, value) in binds {
            if let Err(ctl) = inner.pattern(pat, &value, &mut bound) {
                result = Err(ctl);
                break;
            }
        }
        for name in binding_names_of(func) {
            if !bound.iter().any(|(bound_name, _)| *bound_name == name) {
                bound.push((name, Value::Unknown));
            }
        }
        inner.bind_all(bound);
        let result = result.and_then(|()| inner.block(&func.block));
        let returned = inner.returned.take();
        let events = std::mem::take(&mut inner.events);
        let trips = std::mem::take(&mut inner.trips);
        drop(inner);
        // The callee's calls, at the caller's call: one site per call site and callee site.
        let outer = id_of(call);
        for mut event in events {
            event.span = span;
            event.site = event.site.wrapping_mul(31).wrapping_add(outer);
            self.events.push(event);
        }
        if self.events.len() > EVENT_LIMIT {
            return Err(Ctl::Stop(End::Budget));
        }
        self.trips
            .extend(trips.into_iter().map(|trip| Trip { span, ..trip }));
        match result {
            Ok(value) => Ok(value),
            Err(Ctl::Return) => Ok(returned.unwrap_or(Value::Unknown)),
            Err(Ctl::Break(_) | Ctl::Continue(_)) => Ok(Value::Unknown),
            Err(Ctl::Stop(End::GaveUp(why))) => {
                give_up(span, format!("in `{name}`, called here: {}", why.why))
            }
            Err(Ctl::Stop(End::Panic(_))) => panic_at(span),
            Err(Ctl::Stop(end)) => Err(Ctl::Stop(end)),
        }
    }
}

/// Whether the body of `func` calls a function named `name`.
fn calls_named(func: &ItemFn, name: &str) -> bool {
    struct Finder<'n> {
        name: &'n str,
        found: bool,
    }
    impl<'ast> Visit<'ast> for Finder<'_> {
        fn visit_expr_call(&mut self, call: &'ast ExprCall) {
            if local_name(&call.func).is_some_and(|called| called == self.name) {
                self.found = true;
            }
            visit::visit_expr_call(self, call);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut finder = Finder { name, found: false };
    finder.visit_block(&func.block);
    finder.found
}

/// Every name a function's parameters bind.
fn binding_names_of(func: &ItemFn) -> Vec<String> {
    func.sig
        .inputs
        .iter()
        .flat_map(|input| match input {
            FnArg::Typed(typed) => binding_names(&typed.pat),
            FnArg::Receiver(_) => Vec::new(),
        })
        .collect()
}

fn comm_text(comm: &CommName) -> String {
    match comm {
        CommName::Var(name) => name.clone(),
        CommName::SelfField(field) => format!("self.{field}"),
    }
}
