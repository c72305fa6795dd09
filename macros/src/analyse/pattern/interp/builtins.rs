//! What the evaluation knows of the standard library and the runtime: functions (`Some`,
//! `Source::rank`, `usize::min`), methods of the communicator and of known values, the closures
//! they run, and macros.

use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use proc_macro2::Span;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ExprCall, ExprClosure, ExprMethodCall, Macro, Token};

use super::callee::Call;
use super::effects::Effects;
use super::expr::INT_TYPES;
use super::grid;
use super::{Ctl, ITEM_LIMIT, Interp, QUIET_LOOP_LIMIT, R, Value, give_up, id_of, panic_at};
use crate::analyse::pattern::CommName;
use crate::analyse::pattern::trace::is_self;
use crate::analyse::syntax::{idents, macro_name, root_name};
use crate::ops;

impl Interp<'_> {
    /// A function call: an op, `spmd::token()`, a function whose result is known, or one that
    /// is not followed.
    pub(super) fn call(&mut self, call: &ExprCall) -> R<Value> {
        if let Some((op, segment)) = ops::called_op(&call.func) {
            return self.op_call(op, segment.ident.span(), call);
        }
        if ops::is_token_fn(&call.func) {
            return Ok(Value::Token);
        }
        if let Some(closure) = crate::analyse::calls::scope_closure(call) {
            return self.scope_body(closure);
        }
        let names: Vec<String> = match &*call.func {
            Expr::Path(path) if path.qself.is_none() => path
                .path
                .segments
                .iter()
                .map(|segment| segment.ident.to_string())
                .collect(),
            _ => Vec::new(),
        };
        let args = self.exprs(&call.args)?;
        if let [name] = names.as_slice()
            && let Some(Value::Closure { id, env }) = self.lookup(name)
        {
            let (id, env) = (*id, Rc::clone(env));
            return self.call_closure(id, &env, args);
        }
        if let Some(value) = known_function(&names, &args, &|| call.span()) {
            return value;
        }
        if let Some(value) = self.variant_call(&names, &args) {
            return Ok(value);
        }
        let hands_over = call.args.iter().any(|arg| self.hands_over(arg));
        if let Some(result) = self.call_in_crate(call, &args, hands_over) {
            return result;
        }
        if hands_over {
            return give_up(
                call.func.span(),
                format!(
                    "`{}` is given the communicator or a token and is not a function of this \
                     crate that the check can find: what it communicates is not seen (a \
                     function is found by its path, `module::f`, `Type::f`, `Self::f`, or \
                     as `f` defined in this file or imported with `use crate::..`)",
                    names.join("::")
                ),
            );
        }
        Ok(Value::Unknown)
    }

    /// `spmd::scope(|scope| body)`: the closure runs once, at once, where the call is, seeing
    /// and assigning the variables around it, so its body is evaluated in place (its
    /// parameter, the scope, unknown); a `return` in it leaves the closure only.
    fn scope_body(&mut self, closure: &ExprClosure) -> R<Value> {
        let mut binds = Vec::new();
        for pat in &closure.inputs {
            if self.pattern(pat, &Value::Unknown, &mut binds)? != super::Matches::Yes {
                return Ok(Value::Unknown);
            }
        }
        let returned = self.returned.take();
        let result = self.scoped_with(binds, |this| this.expr(&closure.body));
        let value = match result {
            Err(Ctl::Return) => Ok(self.returned.take().unwrap_or(Value::Unknown)),
            other => other,
        };
        self.returned = returned;
        value
    }

    /// `Enum::Variant(..)` of an enum of the crate: the variant, with its fields.
    fn variant_call(&mut self, names: &[String], args: &[Value]) -> Option<Value> {
        let [.., ty, name] = names else {
            return None;
        };
        let ty = if ty == "Self" {
            self.shared.self_ty.clone()?
        } else {
            ty.clone()
        };
        if !name.starts_with(|c: char| c.is_ascii_uppercase()) {
            return None;
        }
        let count = self.shared.callees?.variant(&ty, name)?;
        (count == args.len()).then(|| Value::Variant {
            ty,
            name: name.clone(),
            fields: args.to_vec(),
        })
    }

    /// A method call: of the communicator, of `self`, or of a value.
    pub(super) fn method(&mut self, call: &ExprMethodCall) -> R<Value> {
        let name = call.method.to_string();
        if self.shared.comm.is(&call.receiver) {
            return self.comm_method(&name, call, (self.rank, self.size));
        }
        let syntactic_self = is_self(&call.receiver);
        let receiver = self.expr(&call.receiver)?;
        if let Value::Comm(group) = &receiver {
            // A communicator `split` made: the same queries, in its own numbering.
            super::rank_is_read();
            let Some(rank) = group.members.iter().position(|&m| m as i128 == self.rank) else {
                return give_up(
                    call.method.span(),
                    "a communicator that `split` made is used on a rank that is not in it",
                );
            };
            let size = group.members.len() as i128;
            return match name.as_str() {
                "rank" | "size" | "shift" => self.comm_method(&name, call, (rank as i128, size)),
                _ => give_up(
                    call.method.span(),
                    format!(
                        "`.{name}()` of a communicator that `split` made is not followed (its \
                         `rank()`, `size()` and `shift(..)` are)"
                    ),
                ),
            };
        }
        if let Value::Array(items) = &receiver
            && let Some(variable) = plain_variable(&call.receiver)
        {
            if name == "push" && call.args.len() == 1 {
                // `requests.push(isend(..))`: the `Vec` of requests a `wait_all` completes.
                let item = self.expr(&call.args[0])?;
                let mut items = items.clone();
                items.push(item);
                self.assign(&variable, Value::Array(items));
                return Ok(Value::Tuple(Vec::new()));
            }
            if VEC_CHANGES.contains(&name.as_str()) {
                // Changed in a way the check does not follow: its items are no longer known.
                self.forget(&[variable]);
            }
        }
        if let Some(result) = self.method_in_crate(call, &name, &receiver, syntactic_self) {
            return result;
        }
        if self.shared.has_self && syntactic_self {
            return give_up(
                call.method.span(),
                format!(
                    "`self.{name}(..)` may communicate through `self`, and `{name}` is not a \
                     method of this crate that the check can find (a method is found in the \
                     crate's inherent `impl`s of the type of `self`)"
                ),
            );
        }
        if let Some(Expr::Closure(closure)) = call.args.first()
            && runs_closure_now(&receiver, &name)
        {
            return self.closure_method(&receiver, &name, closure);
        }
        let args = self.exprs(&call.args)?;
        if call.args.iter().any(|arg| self.hands_over(arg)) || receiver.holds_token() {
            return give_up(
                call.method.span(),
                format!(
                    "`.{name}(..)` is given the communicator or a token: what it communicates is \
                     not seen"
                ),
            );
        }
        if let Some(value) = uniform_method(&receiver, &name, &args) {
            return Ok(value);
        }
        value_method(&receiver, &name, &args, call.method.span())
    }

    /// A method of a value of one of the crate's types (`self`, a struct it built, a parameter
    /// whose type is written): evaluated in place, `None` when it is not one.
    fn method_in_crate(
        &mut self,
        call: &ExprMethodCall,
        name: &str,
        receiver: &Value,
        syntactic_self: bool,
    ) -> Option<R<Value>> {
        let callees = self.shared.callees?;
        let ty = match receiver {
            Value::Obj { ty } | Value::Struct { ty, .. } => ty,
            _ => return None,
        };
        let found = callees.method(ty, name);
        let found = found?;
        let args = match self.exprs(&call.args) {
            Ok(args) => args,
            Err(ctl) => return Some(Err(ctl)),
        };
        let in_place = call.args.iter().any(|arg| self.hands_over(arg))
            || (syntactic_self && self.shared.has_self);
        // A method taking `&mut self` may change a struct held in a variable.
        let mutates = found
            .sig
            .receiver()
            .is_some_and(|receiver| receiver.reference.is_some() && receiver.mutability.is_some());
        if mutates
            && matches!(receiver, Value::Struct { .. })
            && let Some(root) = root_name(&call.receiver)
        {
            self.forget(&[root]);
        }
        Some(self.run_callee(
            &found,
            Call {
                name: format!("{ty}::{name}"),
                receiver: Some((receiver.clone(), syntactic_self)),
                arg_exprs: call.args.iter().collect(),
                args,
                span: call.method.span(),
                id: id_of(call),
                in_place,
            },
        ))
    }

    /// `comm.rank()`, `comm.size()`, `comm.shift(k)`; any other method of the communicator may
    /// communicate.
    /// `(rank, size)`: the rank's number in the communicator, and its size.
    fn comm_method(
        &mut self,
        name: &str,
        call: &ExprMethodCall,
        (rank, size): (i128, i128),
    ) -> R<Value> {
        if name != "size" {
            super::rank_is_read();
        }
        match name {
            "rank" => Ok(Value::Int(rank)),
            "size" => Ok(Value::Int(size)),
            "shift" => {
                let offset = match call.args.first() {
                    Some(arg) => self.expr(arg)?.int(),
                    None => None,
                };
                Ok(match offset {
                    Some(k) if size > 0 => Value::Tuple(vec![
                        Value::Source {
                            rank: Some((rank - k).rem_euclid(size)),
                            tag: None,
                        },
                        Value::Dest {
                            rank: (rank + k).rem_euclid(size),
                            tag: 0,
                        },
                    ]),
                    _ => Value::Unknown,
                })
            }
            "cartesian" => {
                let dims = match call.args.first() {
                    Some(arg) => ints(&self.expr(arg)?),
                    None => None,
                };
                let periodic = match call.args.iter().nth(1) {
                    Some(arg) => bools(&self.expr(arg)?),
                    None => None,
                };
                Ok(match (dims, periodic) {
                    (Some(dims), Some(periodic)) if dims.len() == periodic.len() => {
                        match grid::dims_create(self.size, &dims) {
                            Some(dims) => Value::Grid {
                                dims,
                                periodic,
                                rank: self.rank,
                            },
                            // Every rank panics alike.
                            None => return panic_at(call.method.span()),
                        }
                    }
                    _ => Value::Unknown,
                })
            }
            "is_checked" => Ok(Value::Unknown),
            _ => give_up(
                call.method.span(),
                format!("`.{name}()` of the communicator may communicate"),
            ),
        }
    }

    /// A method of a known value given a closure that it runs now.
    fn closure_method(&mut self, receiver: &Value, name: &str, closure: &ExprClosure) -> R<Value> {
        if Effects::of_expr(&closure.body, self).communicates {
            return give_up(closure.or1_token.span, "a closure communicates");
        }
        if let Some(items) = receiver.items(QUIET_LOOP_LIMIT as usize) {
            let mut out = Vec::new();
            for item in items {
                let result = self.run_closure(closure, Some(&item))?;
                match (name, result.bool()) {
                    ("map", _) => out.push(result),
                    (_, Some(true)) => out.push(item),
                    (_, Some(false)) => {}
                    (_, None) => return Ok(Value::Unknown),
                }
            }
            return Ok(Value::Array(out));
        }
        Ok(match (receiver, name) {
            (Value::Bool(true), "then") => {
                Value::Opt(Some(Box::new(self.run_closure(closure, None)?)))
            }
            (Value::Bool(false), "then") => Value::Opt(None),
            (Value::Opt(Some(inner)), "map") => {
                Value::Opt(Some(Box::new(self.run_closure(closure, Some(inner))?)))
            }
            (Value::Opt(Some(inner)), "and_then") => {
                match self.run_closure(closure, Some(inner))? {
                    value @ Value::Opt(_) => value,
                    _ => Value::Unknown,
                }
            }
            (Value::Opt(Some(inner)), "filter") => {
                match self.run_closure(closure, Some(inner))?.bool() {
                    Some(true) => receiver.clone(),
                    Some(false) => Value::Opt(None),
                    None => Value::Unknown,
                }
            }
            (Value::Opt(Some(inner)), "is_some_and") => self
                .run_closure(closure, Some(inner))?
                .bool()
                .map_or(Value::Unknown, Value::Bool),
            (Value::Opt(Some(inner)), "unwrap_or_else") => (**inner).clone(),
            (Value::Opt(None), "unwrap_or_else") => self.run_closure(closure, None)?,
            (Value::Opt(None), "is_some_and") => Value::Bool(false),
            (Value::Opt(None), _) => Value::Opt(None),
            _ => Value::Unknown,
        })
    }

    /// The value of `closure` given `arg` (bound to its first parameter); a `return` leaves the
    /// closure only.
    fn run_closure(&mut self, closure: &ExprClosure, arg: Option<&Value>) -> R<Value> {
        self.scoped(|this| {
            if let (Some(pat), Some(arg)) = (closure.inputs.first(), arg) {
                let mut binds = Vec::new();
                this.pattern(pat, arg, &mut binds)?;
                this.bind_all(binds);
            }
            match this.expr(&closure.body) {
                Err(Ctl::Return) => Ok(Value::Unknown),
                other => other,
            }
        })
    }

    /// A macro: assertions and panics, formatting macros (fine unless given the communicator),
    /// and others, whose tokens may assign the variables they name.
    pub(super) fn mac(&mut self, mac: &Macro) -> R<Value> {
        let name = macro_name(mac);
        let span = mac.path.span();
        let parsed = ParsedMacro::of(mac);
        let parse_args = || parsed.args();
        let shared = self.shared;
        let mentions_comm = || {
            let name = match &shared.comm {
                CommName::Var(name) => name.as_str(),
                CommName::SelfField(_) => "self",
            };
            parsed.idents.iter().any(|ident| ident == name)
        };
        match name.as_str() {
            "assert" | "debug_assert" => {
                if let Some(args) = parse_args()
                    && let Some(cond) = args.first()
                    && self.expr(cond)?.bool() == Some(false)
                {
                    return panic_at(span);
                }
                Ok(Value::Unknown)
            }
            "assert_eq" | "assert_ne" | "debug_assert_eq" | "debug_assert_ne" => {
                if let Some(args) = parse_args()
                    && let (Some(left), Some(right)) = (args.first(), args.iter().nth(1))
                {
                    let left = self.expr(left)?;
                    let right = self.expr(right)?;
                    let known = |v: &Value| matches!(v, Value::Int(_) | Value::Bool(_));
                    if known(&left) && known(&right) && (left == right) != name.ends_with("eq") {
                        return panic_at(span);
                    }
                }
                Ok(Value::Unknown)
            }
            "panic" | "unreachable" | "todo" | "unimplemented" => panic_at(span),
            "println" | "print" | "eprintln" | "eprint" | "format" | "write" | "writeln"
            | "format_args" | "vec" | "matches" | "dbg" => {
                if mentions_comm() {
                    // `println!("{}", comm.rank())` is fine; anything else with the
                    // communicator is not followed.
                    let fine = match parsed.array() {
                        Some(array) if name == "vec" => !self.hands_over(array),
                        _ => parse_args()
                            .is_some_and(|args| args.iter().all(|arg| !self.hands_over(arg))),
                    };
                    if !fine {
                        return give_up(span, format!("`{name}!` is given the communicator"));
                    }
                } else if name == "vec" {
                    // `vec![a, b]` is the array of its items (requests for a `wait_all`),
                    // `vec![x; n]` one of `n` items.
                    if let Some(array @ (Expr::Array(_) | Expr::Repeat(_))) = parsed.array() {
                        return self.expr(array);
                    }
                }
                Ok(Value::Unknown)
            }
            _ => {
                if mentions_comm() {
                    return give_up(span, format!("`{name}!` is given the communicator"));
                }
                self.forget(&parsed.idents);
                Ok(Value::Unknown)
            }
        }
    }
}

/// A macro invocation of the code checked, parsed once per check ([`MacroScope`]) however
/// often the evaluation meets it: its arguments as expressions, the array of its tokens
/// (`vec![..]`), and the identifiers it names.
pub(crate) struct ParsedMacro {
    args: OnceCell<Option<Punctuated<Expr, Token![,]>>>,
    array: OnceCell<Option<Expr>>,
    tokens: proc_macro2::TokenStream,
    idents: Vec<String>,
}

thread_local! {
    /// The macro invocations parsed in the check under way, by the address of their syntax
    /// node. Every node whose address is a key lives until the check ends (the checked
    /// function's, the crate's files read for the check, or a node of a parsed macro kept
    /// here), and the map is emptied when a check starts and ends, so an address is never
    /// reused for another node while it is a key.
    static PARSED: RefCell<HashMap<usize, Rc<ParsedMacro>>> = RefCell::new(HashMap::new());
}

/// The span of one check: the parsed macros are forgotten when it starts and when it ends.
pub(crate) struct MacroScope(());

impl MacroScope {
    /// Starts a check, with no macro parsed yet.
    pub(crate) fn new() -> MacroScope {
        PARSED.with(|parsed| parsed.borrow_mut().clear());
        super::closures::forget();
        super::effects::forget();
        MacroScope(())
    }
}

impl Drop for MacroScope {
    fn drop(&mut self) {
        PARSED.with(|parsed| parsed.borrow_mut().clear());
        super::closures::forget();
        super::effects::forget();
    }
}

impl ParsedMacro {
    /// `mac`, parsed the first time the check under way meets it.
    fn of(mac: &Macro) -> Rc<ParsedMacro> {
        let key = std::ptr::from_ref(mac) as usize;
        if let Some(found) = PARSED.with(|parsed| parsed.borrow().get(&key).cloned()) {
            return found;
        }
        let mut idents_found = Vec::new();
        idents(mac.tokens.clone(), &mut idents_found);
        let made = Rc::new(ParsedMacro {
            args: OnceCell::new(),
            array: OnceCell::new(),
            tokens: mac.tokens.clone(),
            idents: idents_found,
        });
        PARSED.with(|parsed| parsed.borrow_mut().insert(key, Rc::clone(&made)));
        made
    }

    /// Its tokens as comma-separated expressions, if they are.
    fn args(&self) -> Option<&Punctuated<Expr, Token![,]>> {
        self.args
            .get_or_init(|| {
                Punctuated::<Expr, Token![,]>::parse_terminated
                    .parse2(self.tokens.clone())
                    .ok()
            })
            .as_ref()
    }

    /// Its tokens in brackets, as an expression (an array or a repeat), if they are one.
    fn array(&self) -> Option<&Expr> {
        self.array
            .get_or_init(|| {
                let tokens = &self.tokens;
                syn::parse2::<Expr>(quote::quote!([#tokens])).ok()
            })
            .as_ref()
    }
}

/// The value of a call of a function the evaluation knows (`Some`, `Source::rank`,
/// `Source::any`, `Dest::rank`, `min`, `max`, `usize::min` and the like, `drop`), by the names
/// of its path and its arguments' values; `None` for any other function.
/// The methods of `Vec` that change its items in place, other than `push`.
const VEC_CHANGES: &[&str] = &[
    "append",
    "clear",
    "dedup",
    "drain",
    "extend",
    "extend_from_slice",
    "insert",
    "pop",
    "remove",
    "resize",
    "retain",
    "reverse",
    "rotate_left",
    "rotate_right",
    "sort",
    "sort_unstable",
    "swap",
    "swap_remove",
    "truncate",
];

/// The name of a local variable written alone (`requests`), if `expr` is one.
fn plain_variable(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Path(path) if path.qself.is_none() => path.path.get_ident().map(ToString::to_string),
        _ => None,
    }
}

/// `span`: where the call is (computed only when an error needs it: a syntax node's span is
/// worked out from its tokens).
fn known_function(names: &[String], args: &[Value], span: &dyn Fn() -> Span) -> Option<R<Value>> {
    let last: Vec<&str> = names
        .iter()
        .rev()
        .take(2)
        .rev()
        .map(String::as_str)
        .collect();
    let arg = |i: usize| args.get(i).cloned().unwrap_or(Value::Unknown);
    let value = match (names.len(), last.as_slice()) {
        (1, ["Some"]) => Value::Opt(Some(Box::new(arg(0)))),
        // An empty `Vec`, which `push` fills (requests for a `wait_all`).
        (_, ["Vec", "new" | "with_capacity"]) => Value::Array(Vec::new()),
        (1, [variant @ ("Ok" | "Err")]) if args.len() == 1 => Value::Variant {
            ty: "Result".to_owned(),
            name: (*variant).to_owned(),
            fields: vec![arg(0)],
        },
        (_, ["Source", "rank"]) => arg(0).int().map_or(Value::Unknown, |rank| Value::Source {
            rank: Some(rank),
            tag: None,
        }),
        (_, ["Source", "any"]) => Value::Source {
            rank: None,
            tag: None,
        },
        (_, ["Dest", "rank"]) => arg(0)
            .int()
            .map_or(Value::Unknown, |rank| Value::Dest { rank, tag: 0 }),
        (_, ["Source" | "Dest", "none"]) => Value::NoOne,
        (_, [peer @ ("Source" | "Dest"), "rank_or_none"]) => match arg(0) {
            Value::Opt(None) => Value::NoOne,
            Value::Opt(Some(rank)) => match (rank.int(), *peer) {
                (Some(rank), "Source") => Value::Source {
                    rank: Some(rank),
                    tag: None,
                },
                (Some(rank), _) => Value::Dest { rank, tag: 0 },
                (None, _) => Value::Unknown,
            },
            _ => Value::Unknown,
        },
        (_, ["dims_create"]) => match (arg(0).int(), ints(&arg(1))) {
            (Some(size), Some(dims)) => match grid::dims_create(size, &dims) {
                Some(dims) => Value::Variant {
                    ty: "Result".to_owned(),
                    name: "Ok".to_owned(),
                    fields: vec![Value::Array(dims.into_iter().map(Value::Int).collect())],
                },
                None => Value::Unknown,
            },
            _ => Value::Unknown,
        },
        // `min(a, b)`: with no arguments it is a function of the user's, not `std`'s.
        (1, ["min" | "max"]) | (_, ["cmp", "min" | "max"]) if !args.is_empty() => {
            let method = names.last().map(String::as_str).unwrap_or_default();
            return Some(value_method(&arg(0), method, &args[1..], span()));
        }
        (2, [ty, method]) if INT_TYPES.contains(ty) && !args.is_empty() => {
            return Some(value_method(&arg(0), method, &args[1..], span()));
        }
        (1, ["drop"]) => Value::Unknown,
        _ => return None,
    };
    Some(Ok(value))
}

/// The integers of an array of known integers.
fn ints(value: &Value) -> Option<Vec<i128>> {
    match value {
        Value::Array(items) => items.iter().map(Value::int).collect(),
        _ => None,
    }
}

/// The booleans of an array of known booleans.
fn bools(value: &Value) -> Option<Vec<bool>> {
    match value {
        Value::Array(items) => items.iter().map(Value::bool).collect(),
        _ => None,
    }
}

/// Whether the method `name` of `receiver` runs the closure it is given now: `cond.then(|| ..)`,
/// `opt.map(|x| ..)`, `(a..b).filter(|x| ..)`.
fn runs_closure_now(receiver: &Value, name: &str) -> bool {
    matches!(
        (receiver, name),
        (Value::Bool(_), "then")
            | (
                Value::Opt(_),
                "map" | "and_then" | "filter" | "unwrap_or_else" | "is_some_and"
            )
            | (Value::Range(..) | Value::Array(_), "map" | "filter")
    )
}

/// A method of a known value, given its arguments' values.
fn value_method(receiver: &Value, name: &str, args: &[Value], span: Span) -> R<Value> {
    let arg = |i: usize| args.get(i).and_then(Value::int);
    Ok(match receiver {
        Value::Int(a) => return int_method(*a, name, args, span),
        Value::Bool(b) => match (name, args.first()) {
            ("then_some", Some(value)) => Value::Opt(b.then(|| Box::new(value.clone()))),
            ("clone" | "to_owned" | "into", _) => Value::Bool(*b),
            _ => Value::Unknown,
        },
        Value::Opt(inner) => return option_method(receiver, inner.as_deref(), name, args, span),
        Value::Source { rank, .. } => match (name, arg(0)) {
            ("tag", Some(tag)) => Value::Source {
                rank: *rank,
                tag: Some(tag),
            },
            ("clone", _) => receiver.clone(),
            ("is_none", _) => Value::Bool(false),
            ("peer", _) => Value::Opt(rank.map(|rank| Box::new(Value::Int(rank)))),
            _ => Value::Unknown,
        },
        Value::Dest { rank, .. } => match (name, arg(0)) {
            ("tag", Some(tag)) => Value::Dest { rank: *rank, tag },
            ("clone", _) => receiver.clone(),
            ("is_none", _) => Value::Bool(false),
            ("peer", _) => Value::Opt(Some(Box::new(Value::Int(*rank)))),
            _ => Value::Unknown,
        },
        Value::NoOne => match name {
            "tag" | "clone" => Value::NoOne,
            "is_none" => Value::Bool(true),
            "peer" => Value::Opt(None),
            _ => Value::Unknown,
        },
        Value::Grid {
            dims,
            periodic,
            rank,
        } => grid::method(dims, periodic, *rank, name, args),
        Value::Range(start, end) => {
            return range_method(receiver, (*start, *end), name, args, span);
        }
        Value::Array(items) => array_method(receiver, items, name, args),
        Value::Tuple(_) | Value::Struct { .. } | Value::Variant { .. }
            if matches!(name, "clone" | "to_owned") =>
        {
            receiver.clone()
        }
        Value::Variant {
            ty,
            name: variant,
            fields,
        } if ty == "Result" && fields.len() == 1 => {
            return result_method(variant == "Ok", &fields[0], name, span);
        }
        // The `Err` path panics or is the exceptional one, as with `?`.
        Value::MaybeOk(inner) => match name {
            "unwrap" | "expect" => (**inner).clone(),
            _ => Value::Unknown,
        },
        _ => Value::Unknown,
    })
}

/// An integer the evaluation computed, or not known when the computation overflowed `i128`
/// (which the program's own integer types would not reach without overflowing first).
fn known(value: Option<i128>) -> Value {
    value.map_or(Value::Unknown, Value::Int)
}

/// A method of an integer (of any type: ranks and sizes are `usize`).
fn int_method(a: i128, name: &str, args: &[Value], span: Span) -> R<Value> {
    let arg = |i: usize| args.get(i).and_then(Value::int);
    Ok(match (name, arg(0), arg(1)) {
        ("min", Some(b), _) => Value::Int(a.min(b)),
        ("max", Some(b), _) => Value::Int(a.max(b)),
        ("clamp", Some(lo), Some(hi)) if lo <= hi => Value::Int(a.clamp(lo, hi)),
        ("pow", Some(e), _) if (0..128).contains(&e) => {
            a.checked_pow(e as u32).map_or(Value::Unknown, Value::Int)
        }
        ("abs", _, _) => known(a.checked_abs()),
        ("abs_diff", Some(b), _) => known(a.checked_sub(b).and_then(i128::checked_abs)),
        ("is_multiple_of", Some(0), _) => Value::Bool(a == 0),
        ("is_multiple_of", Some(b), _) => Value::Bool(a % b == 0),
        ("rem_euclid" | "div_euclid", Some(0), _) => return panic_at(span),
        ("rem_euclid", Some(b), _) => known(a.checked_rem_euclid(b)),
        ("div_euclid", Some(b), _) => known(a.checked_div_euclid(b)),
        ("is_power_of_two", _, _) if a >= 0 => Value::Bool(a > 0 && a & (a - 1) == 0),
        ("next_power_of_two", _, _) if a >= 0 => Value::Int(if a <= 1 {
            1
        } else {
            1 << (128 - (a - 1).leading_zeros())
        }),
        ("trailing_zeros", _, _) if a > 0 => Value::Int(i128::from(a.trailing_zeros())),
        ("count_ones", _, _) if a >= 0 => Value::Int(i128::from(a.count_ones())),
        ("ilog2", _, _) if a > 0 => Value::Int(i128::from(a.ilog2())),
        ("ilog2", _, _) => return panic_at(span),
        ("isqrt", _, _) if a >= 0 => Value::Int(a.isqrt()),
        // Ranks and sizes are `usize`: below zero is `None`.
        ("checked_sub", Some(b), _) => match a.checked_sub(b) {
            Some(difference) => {
                Value::Opt((difference >= 0).then(|| Box::new(Value::Int(difference))))
            }
            None => Value::Unknown,
        },
        ("checked_add", Some(b), _) => a.checked_add(b).map_or(Value::Unknown, |sum| {
            Value::Opt(Some(Box::new(Value::Int(sum))))
        }),
        ("checked_div" | "checked_rem", Some(0), _) => Value::Opt(None),
        ("checked_div", Some(b), _) => a.checked_div(b).map_or(Value::Unknown, |quotient| {
            Value::Opt(Some(Box::new(Value::Int(quotient))))
        }),
        ("checked_rem", Some(b), _) => a.checked_rem(b).map_or(Value::Unknown, |rest| {
            Value::Opt(Some(Box::new(Value::Int(rest))))
        }),
        ("saturating_sub", Some(b), _) if a >= 0 && b >= 0 => Value::Int((a - b).max(0)),
        ("saturating_add", Some(b), _) => known(a.checked_add(b)),
        ("clone" | "to_owned" | "into", _, _) => Value::Int(a),
        ("try_into" | "try_from", _, _) if a >= 0 => Value::Opt(Some(Box::new(Value::Int(a)))),
        _ => Value::Unknown,
    })
}

/// A method of an `Option`, `inner` its content.
fn option_method(
    receiver: &Value,
    inner: Option<&Value>,
    name: &str,
    args: &[Value],
    span: Span,
) -> R<Value> {
    Ok(match (name, inner) {
        ("is_some", _) => Value::Bool(inner.is_some()),
        ("is_none", _) => Value::Bool(inner.is_none()),
        ("unwrap" | "expect", Some(inner)) => inner.clone(),
        ("unwrap" | "expect", None) => return panic_at(span),
        ("unwrap_or", Some(inner)) => inner.clone(),
        ("unwrap_or", None) => args.first().cloned().unwrap_or(Value::Unknown),
        ("clone" | "copied" | "cloned" | "as_ref" | "to_owned", _) => receiver.clone(),
        _ => Value::Unknown,
    })
}

/// A method of `Ok(value)` (`ok`) or `Err(value)`.
fn result_method(ok: bool, value: &Value, name: &str, span: Span) -> R<Value> {
    Ok(match (name, ok) {
        ("unwrap" | "expect", true) | ("unwrap_err" | "expect_err", false) => value.clone(),
        ("unwrap" | "expect", false) | ("unwrap_err" | "expect_err", true) => {
            return panic_at(span);
        }
        ("is_ok", _) => Value::Bool(ok),
        ("is_err", _) => Value::Bool(!ok),
        ("ok", true) | ("err", false) => Value::Opt(Some(Box::new(value.clone()))),
        ("ok", false) | ("err", true) => Value::Opt(None),
        _ => Value::Unknown,
    })
}

/// A method of the range `start..end`.
fn range_method(
    receiver: &Value,
    (start, end): (i128, i128),
    name: &str,
    args: &[Value],
    span: Span,
) -> R<Value> {
    Ok(match (name, args.first().and_then(Value::int)) {
        ("contains", Some(x)) => Value::Bool(start <= x && x < end),
        ("len" | "count", _) => known(end.checked_sub(start).map(|len| len.max(0))),
        ("into_iter" | "clone", _) => receiver.clone(),
        ("rev", _) => match receiver.items(ITEM_LIMIT) {
            Some(mut items) => {
                items.reverse();
                Value::Array(items)
            }
            None => Value::Unknown,
        },
        ("step_by", Some(step)) if step > 0 => match receiver.items(ITEM_LIMIT) {
            Some(items) => Value::Array(items.into_iter().step_by(step as usize).collect()),
            None => Value::Unknown,
        },
        ("step_by", Some(_)) => return panic_at(span),
        _ => Value::Unknown,
    })
}

/// A method of an array, `items` its items.
fn array_method(receiver: &Value, items: &[Value], name: &str, args: &[Value]) -> Value {
    match (name, args.first()) {
        ("len" | "count", _) => Value::Int(items.len() as i128),
        ("contains", Some(x)) if !matches!(x, Value::Unknown | Value::Uniform(_)) => {
            if items.contains(x) {
                Value::Bool(true)
            } else if items
                .iter()
                .any(|item| matches!(item, Value::Unknown | Value::Uniform(_)))
            {
                Value::Unknown
            } else {
                Value::Bool(false)
            }
        }
        ("iter" | "into_iter" | "copied" | "cloned" | "clone" | "to_vec", _) => receiver.clone(),
        ("rev", _) => Value::Array(items.iter().rev().cloned().collect()),
        ("step_by", Some(Value::Int(step))) if *step > 0 => {
            Value::Array(items.iter().step_by(*step as usize).cloned().collect())
        }
        ("enumerate", _) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| Value::Tuple(vec![Value::Int(i as i128), item.clone()]))
                .collect(),
        ),
        _ => Value::Unknown,
    }
}

/// A method of the numbers' that computes a value from its receiver and arguments alone, on a
/// uniform receiver with integer, boolean or uniform arguments: uniform.
fn uniform_method(receiver: &Value, name: &str, args: &[Value]) -> Option<Value> {
    const PURE: &[&str] = &[
        "abs",
        "sqrt",
        "min",
        "max",
        "powi",
        "powf",
        "floor",
        "ceil",
        "round",
        "is_nan",
        "is_finite",
        "clone",
        "to_owned",
        "len",
        "is_empty",
        "signum",
        "clamp",
        "exp",
        "ln",
        "log10",
        "log2",
        "total_cmp",
        "partial_cmp",
        "is_lt",
        "is_le",
        "is_gt",
        "is_ge",
    ];
    let Value::Uniform(sym) = receiver else {
        return None;
    };
    if !PURE.contains(&name) {
        return None;
    }
    let mut bases = sym.bases.clone();
    let mut parts = Vec::new();
    for arg in args {
        let (text, more) = crate::analyse::pattern::value::sym_part(arg)?;
        parts.push(text);
        bases.extend(more);
    }
    bases.sort_unstable();
    bases.dedup();
    Some(crate::analyse::pattern::value::Sym::value(
        format!("{}.{name}({})", sym.text, parts.join(", ")),
        bases,
    ))
}
