//! The arguments the crate's calls of a function pass it: a function whose check gives up on a
//! parameter (the order of a halo's exchanges, which edges it fills) is checked again with the
//! values each call in the crate gives, when those are known and the calls are all of them.

use quote::ToTokens;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::visit::{self, Visit};
use syn::{Expr, FnArg, ItemFn, Pat, Token};

use super::{Callees, Interp, Shared, Value, id_of};
use crate::analyse::pattern::krate::{CrateFile, after_keyword, same_block};
use crate::analyse::pattern::trace::CommName;
use crate::analyse::pattern::value::Site;
use crate::analyse::syntax::idents;

/// The most calls whose arguments are followed, and the most distinct sets of them.
const CALL_LIMIT: usize = 16;
const VARIANT_LIMIT: usize = 4;

/// Steps spent on the value of one argument.
const ARGUMENT_STEPS: u64 = 20_000;

/// For each distinct set of arguments the calls of `func` in the crate pass it, the values of
/// its parameters (by name) that are known: `None` when the calls cannot all be found (the
/// function may be called from other crates, is named in a macro or as a value, shares its
/// name with another function of the crate, or is called more than [`CALL_LIMIT`] times),
/// when it has none, or when the calls pass more than [`VARIANT_LIMIT`] sets.
pub(crate) fn callers_arguments(
    callees: &Callees<'_>,
    shared: &Shared<'_>,
    func: &ItemFn,
) -> Option<Vec<Vec<(String, Value)>>> {
    if matches!(func.vis, syn::Visibility::Public(_)) {
        return None;
    }
    let name = func.sig.ident.to_string();
    let krate = callees.krate();
    // The one function of the crate of that name (not a trait's method, which other types
    // share), and it is this one.
    let found = krate.fns_named(&name);
    let [own] = found.as_slice() else {
        return None;
    };
    if !same_block(own.block, &func.block) {
        return None;
    }
    let params: Vec<Option<String>> = func
        .sig
        .inputs
        .iter()
        .filter_map(|input| match input {
            FnArg::Typed(typed) => Some(match &*typed.pat {
                Pat::Ident(ident) => Some(ident.ident.to_string()),
                _ => None,
            }),
            FnArg::Receiver(_) => None,
        })
        .collect();
    // The parameters whose value a caller may know per rank: passed by value, an integer, a
    // `bool`, or a type of the crate (a process-grid decomposition).
    let by_value: Vec<bool> = func
        .sig
        .inputs
        .iter()
        .filter_map(|input| match input {
            FnArg::Typed(typed) => Some(match &*typed.ty {
                syn::Type::Path(path) if path.qself.is_none() => {
                    path.path.segments.last().is_some_and(|last| {
                        let name = last.ident.to_string();
                        super::expr::INT_TYPES.contains(&name.as_str())
                            || name == "bool"
                            || callees.type_info(&name).is_some()
                    })
                }
                _ => false,
            }),
            FnArg::Receiver(_) => None,
        })
        .collect();
    let method = func.sig.receiver().is_some();
    let mut calls = Vec::new();
    for (_, file) in krate.mentioning(&name) {
        let ast = file.ast()?;
        let mut finder = Calls {
            name: &name,
            method,
            file,
            calls: Vec::new(),
            hidden: false,
            caller: None,
            nested: 0,
        };
        finder.visit_file(ast);
        if finder.hidden {
            return None;
        }
        calls.extend(finder.calls);
        if calls.len() > CALL_LIMIT {
            return None;
        }
    }
    let mut variants: Vec<Vec<(String, Value)>> = Vec::new();
    for call in &calls {
        if call.args.len() != params.len() {
            return None;
        }
        let mut given = Vec::new();
        for (index, (param, arg)) in params.iter().zip(&call.args).enumerate() {
            let Some(param) = param else {
                continue;
            };
            // The communicator and tokens are not values.
            if shared.comm == CommName::Var(param.clone()) || shared.token_params.contains(param) {
                continue;
            }
            let mut value = argument(callees, shared, call.file, arg);
            if value == Value::Unknown
                && by_value.get(index) == Some(&true)
                && let (Some((caller, block)), Some(target)) =
                    (&call.caller, call.targets.get(index).copied().flatten())
            {
                // Not the same wherever it is computed: the caller's value, per rank.
                value = Value::AtCall {
                    site: std::rc::Rc::new(Site {
                        fn_name: caller.clone(),
                        block: *block,
                        target,
                    }),
                    text: caller.clone(),
                };
            }
            if value != Value::Unknown {
                given.push((param.clone(), value));
            }
        }
        if !variants.contains(&given) {
            variants.push(given);
        }
    }
    (!variants.is_empty() && variants.len() <= VARIANT_LIMIT).then_some(variants)
}

/// The value of `arg`, written in `file`, where the function checked sees it: literals, the
/// constants of the function's own file and enum variants of the crate, and what is built of
/// them. A constant is taken from the function's file only where that file is the one of the
/// crate that defines a `const` or `static` of that name, and the caller's file binds no
/// variable of that name (the caller then names that constant).
fn argument(callees: &Callees<'_>, shared: &Shared<'_>, file: &CrateFile, arg: &Expr) -> Value {
    let krate = callees.krate();
    // The function's own file, as the crate holds it (first).
    let Some(own) = krate.files.first() else {
        return Value::Unknown;
    };
    let mut names = Vec::new();
    idents(arg.to_token_stream(), &mut names);
    for name in &names {
        if !shared.consts.contains_key(name.as_str()) {
            continue;
        }
        let defining: Vec<&CrateFile> = krate
            .files
            .iter()
            .filter(|file| after_keyword(&file.text, name, &["const", "static"]))
            .collect();
        let from_own = matches!(defining.as_slice(), [one] if std::ptr::eq(*one, own));
        if !from_own || after_keyword(&file.text, name, &["let", "mut"]) {
            return Value::Unknown;
        }
    }
    if !closed(arg) {
        return Value::Unknown;
    }
    let mut steps = ARGUMENT_STEPS;
    let mut interp = Interp::new(shared, 1, 0, &mut steps);
    match interp.expr(arg) {
        Ok(value) if plain(&value) => value,
        _ => Value::Unknown,
    }
}

/// Whether `arg` is written with literals, paths (constants, enum variants), references,
/// arrays, tuples, negation and variants with fields (`Some(3)`) only: what it
/// means does not depend on the caller's variables, rank or size (`comm.size()` in a caller
/// would otherwise be taken for the size of the evaluation of the argument).
fn closed(arg: &Expr) -> bool {
    match arg {
        Expr::Lit(_) => true,
        Expr::Path(path) => path.qself.is_none(),
        Expr::Reference(reference) => closed(&reference.expr),
        Expr::Paren(inner) => closed(&inner.expr),
        Expr::Group(inner) => closed(&inner.expr),
        Expr::Unary(unary) => matches!(unary.op, syn::UnOp::Neg(_)) && closed(&unary.expr),
        Expr::Array(array) => array.elems.iter().all(closed),
        Expr::Tuple(tuple) => tuple.elems.iter().all(closed),
        Expr::Repeat(repeat) => closed(&repeat.expr) && closed(&repeat.len),
        // A variant with fields (`Some(3)`, `Shape::Grid(2, 3)`), not a function's result.
        Expr::Call(call) => {
            matches!(&*call.func, Expr::Path(path) if path.path.segments.last().is_some_and(
                |last| last.ident.to_string().starts_with(|c: char| c.is_ascii_uppercase())
            )) && call.args.iter().all(closed)
        }
        _ => false,
    }
}

/// A value that means the same wherever it was computed: no request, token, closure, and
/// nothing computed from the rank and size of the caller's evaluation.
fn plain(value: &Value) -> bool {
    match value {
        Value::Bool(_) | Value::Int(_) | Value::Unknown => true,
        Value::Array(items) | Value::Tuple(items) => items.iter().all(plain),
        Value::Variant { fields, .. } => fields.iter().all(plain),
        Value::Opt(inner) => inner.as_deref().is_none_or(plain),
        _ => false,
    }
}

/// A call found, with its arguments (a method's receiver left out).
struct Call<'c> {
    file: &'c CrateFile,
    args: Vec<Expr>,
    /// The function around the call (its name and its body's identity), when the call is in
    /// its body, outside loops and closures (run once where it runs).
    caller: Option<(String, usize)>,
    /// Each argument's node in the file, by identity (`None` in a macro's arguments, parsed
    /// apart).
    targets: Vec<Option<usize>>,
}

/// The calls of the function `name` in one file, with their arguments (a method's receiver
/// left out), those in the arguments of a macro included; `hidden` when the name is met
/// otherwise (in a macro whose arguments are not expressions, or as a value).
struct Calls<'a, 'c> {
    name: &'a str,
    method: bool,
    file: &'c CrateFile,
    calls: Vec<Call<'c>>,
    hidden: bool,
    /// The function whose body is being read (name, body's identity).
    caller: Option<(String, usize)>,
    /// How many loops, closures and macros around the place read, in that body.
    nested: u32,
}

impl Calls<'_, '_> {
    /// Records a call with `args`, each with its node's identity if `direct` (written in the
    /// file, not in a macro).
    fn record<'e>(&mut self, args: impl Iterator<Item = &'e Expr>, direct: bool) {
        let args: Vec<&Expr> = args.collect();
        self.calls.push(Call {
            file: self.file,
            args: args.iter().map(|arg| (*arg).clone()).collect(),
            caller: self.caller.clone().filter(|_| self.nested == 0 && direct),
            targets: args.iter().map(|arg| direct.then(|| id_of(*arg))).collect(),
        });
    }

    /// Reads a function's body as the caller's.
    fn body(&mut self, name: &syn::Ident, block: &syn::Block) {
        let before = (self.caller.take(), self.nested);
        self.caller = Some((name.to_string(), id_of(block)));
        self.nested = 0;
        self.visit_block(block);
        (self.caller, self.nested) = before;
    }
}

impl<'ast> Visit<'ast> for Calls<'_, '_> {
    fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
        self.body(&item.sig.ident, &item.block);
    }

    fn visit_impl_item_fn(&mut self, item: &'ast syn::ImplItemFn) {
        self.body(&item.sig.ident, &item.block);
    }

    fn visit_expr_closure(&mut self, closure: &'ast syn::ExprClosure) {
        self.nested += 1;
        visit::visit_expr_closure(self, closure);
        self.nested -= 1;
    }

    fn visit_expr_async(&mut self, block: &'ast syn::ExprAsync) {
        self.nested += 1;
        visit::visit_expr_async(self, block);
        self.nested -= 1;
    }

    // As `fields`' finder: what a loop iterates over is evaluated once, its body per trip.
    fn visit_expr_for_loop(&mut self, expr: &'ast syn::ExprForLoop) {
        self.visit_expr(&expr.expr);
        self.nested += 1;
        self.visit_block(&expr.body);
        self.nested -= 1;
    }

    fn visit_expr_while(&mut self, expr: &'ast syn::ExprWhile) {
        self.nested += 1;
        visit::visit_expr_while(self, expr);
        self.nested -= 1;
    }

    fn visit_expr_loop(&mut self, expr: &'ast syn::ExprLoop) {
        self.nested += 1;
        visit::visit_expr_loop(self, expr);
        self.nested -= 1;
    }

    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        if call.method == self.name {
            if self.method {
                self.record(call.args.iter(), true);
            } else {
                // A method of another type of that name: a call of it cannot be told apart.
                self.hidden = true;
            }
        }
        visit::visit_expr_method_call(self, call);
    }

    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        if let Expr::Path(path) = &*call.func
            && path
                .path
                .segments
                .last()
                .is_some_and(|last| last.ident == self.name)
        {
            let skip = usize::from(self.method);
            self.record(call.args.iter().skip(skip), true);
            call.args.iter().for_each(|arg| self.visit_expr(arg));
            return;
        }
        visit::visit_expr_call(self, call);
    }

    fn visit_expr_path(&mut self, path: &'ast syn::ExprPath) {
        if path
            .path
            .segments
            .last()
            .is_some_and(|last| last.ident == self.name)
        {
            self.hidden = true;
        }
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        let mut names = Vec::new();
        idents(mac.tokens.clone(), &mut names);
        if !names.iter().any(|name| name == self.name) {
            return;
        }
        // `assert_eq!(f(..), ..)`, `println!("{}", f(..))`: arguments that are expressions
        // (a format string first is one) are searched as code; other tokens hide the call.
        match Punctuated::<Expr, Token![,]>::parse_terminated.parse2(mac.tokens.clone()) {
            Ok(args) => {
                // Parsed apart: their nodes are not the file's.
                self.nested += 1;
                args.iter().for_each(|arg| self.visit_expr(arg));
                self.nested -= 1;
            }
            Err(_) => self.hidden = true,
        }
    }
}
