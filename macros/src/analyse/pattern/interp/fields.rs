//! The fields of the crate's structs that every constructor sets from the rank, the size and
//! constants (a neighbour table, a process-grid decomposition), known in methods.
//!
//! A field `ty.field` is known for a rank of a size when, in the whole crate:
//! - `ty` is the one type of its name, a struct whose derives never make a value out of
//!   nothing (no `Default`, no `Deserialize`), and the field is plain data (integers, `bool`,
//!   `Option`s, tuples and arrays of them, the runtime's process grid `Cartesian`, and structs
//!   and fieldless enums of the crate made of them: no interior mutability), not set from other
//!   crates (not a `pub` field of a `pub`
//!   struct);
//! - nothing writes it after construction: no assignment, `&mut` borrow or method that may
//!   mutate is applied to a place whose path goes through `.field`, and no pattern binds it
//!   out of a `ty`;
//! - every struct literal of `ty` sets it (or takes it from another value of `ty`,
//!   `Ty { x, ..base }`), in a function (not in a closure or loop), and each
//!   such function, evaluated with unknown parameters for that rank and size, reaches the
//!   literal with a known value, or definitely never reaches it (it fails first). A literal
//!   that takes the field from a parameter of an associated function (`Halo::new(grid)`) is
//!   judged at every call of that function instead, the same way.
//!
//! The rank and size are those of the communicator of the function that builds the value: the
//! check assumes a value is used with the communicator it was built from.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::visit::{self, Visit};
use syn::{Expr, FnArg, Member, Pat};

use super::callee::{Callees, path_names};
use super::{Ctl, Interp, R, Shared, Value, id_of};
use crate::analyse::pattern::krate::{TypeInfo, type_name};
use crate::analyse::pattern::trace::{CommName, End, GiveUp};
use crate::analyse::pattern::value::{Site, join};
use crate::analyse::syntax::{assigned_names, binding_names, compound_op};

/// The most steps spent on evaluating one constructor for one rank.
const SITE_STEPS: u64 = 50_000;

/// How many calls of a constructor that takes the field from a parameter are followed back.
const FORWARD_DEPTH: u32 = 2;

/// How deep the types inside a field's type are looked into.
const TYPE_DEPTH: u32 = 4;

/// Methods of the standard library that do not mutate their receiver.
const READ_ONLY: &[&str] = &[
    "clone",
    "copied",
    "cloned",
    "to_owned",
    "to_string",
    "min",
    "max",
    "clamp",
    "abs",
    "pow",
    "is_some",
    "is_none",
    "is_ok",
    "is_err",
    "unwrap",
    "expect",
    "unwrap_or",
    "unwrap_or_default",
    "unwrap_or_else",
    "map",
    "and_then",
    "ok",
    "err",
    "as_ref",
    "as_deref",
    "len",
    "is_empty",
    "iter",
    "get",
    "first",
    "last",
    "contains",
    "eq",
    "ne",
    "cmp",
    "partial_cmp",
    "checked_add",
    "checked_sub",
    "checked_mul",
    "checked_div",
    "checked_rem",
    "saturating_add",
    "saturating_sub",
    "wrapping_add",
    "wrapping_sub",
    "rem_euclid",
    "div_euclid",
    "is_multiple_of",
    "then",
    "then_some",
    "into",
    "count_ones",
    "trailing_zeros",
    "leading_zeros",
    "ilog2",
    "isqrt",
    "next_power_of_two",
    "is_power_of_two",
    "abs_diff",
    // The runtime's process grid (`Cartesian`).
    "dims",
    "coords",
    "coords_of",
    "periodic",
    "neighbour",
    "rank_at",
    "shift",
    "rank",
];

/// What is known of one field for one rank of one size.
#[derive(Debug, Clone)]
enum Fact {
    Known(Value),
    /// No value of the type is made with this rank and size: every constructor fails first.
    NoInstance,
    Unknown,
}

/// Where a field is set, if it is known to be set only there.
type Rule = Option<Rc<Vec<Site>>>;

/// The field facts of one check, computed when first needed.
#[derive(Default)]
pub(crate) struct FieldFacts {
    /// Where each field is set, by (type, field); `None`: it is not known anywhere.
    rules: RefCell<HashMap<(String, String), Rule>>,
    known: RefCell<HashMap<(String, String, i128, i128), Fact>>,
    /// The fields being computed: one asked for again while it is (a cycle) is not known.
    pending: RefCell<Vec<(String, String)>>,
    /// Some value of each field's type, by (type, field) (see [`field_type_obj`]).
    objs: RefCell<HashMap<(String, String), Value>>,
}

impl Interp<'_> {
    /// The value of `field` of some value of the crate's type `ty`; `span`: where (computed
    /// only for an error).
    pub(super) fn field_of(&mut self, ty: &str, field: &str, span: &dyn Fn() -> Span) -> R<Value> {
        let Some(callees) = self.shared.callees else {
            return Ok(Value::Unknown);
        };
        let fallback = || field_type_obj(callees, ty, field);
        // A field's value may come from the rank (a neighbour table), on a hit as on its
        // first reading.
        super::rank_is_read();
        let key = (ty.to_owned(), field.to_owned(), self.size, self.rank);
        let cached = callees.facts.known.borrow().get(&key).cloned();
        let fact = match cached {
            Some(fact) => fact,
            None => {
                let pair = (ty.to_owned(), field.to_owned());
                if callees.facts.pending.borrow().contains(&pair) {
                    return Ok(fallback());
                }
                let r = rule(callees, ty, field);
                let Some(sites) = r else {
                    callees.facts.known.borrow_mut().insert(key, Fact::Unknown);
                    return Ok(fallback());
                };
                callees.facts.pending.borrow_mut().push(pair);
                let mut fact = Fact::NoInstance;
                for site in sites.iter() {
                    let targets = [site.target];
                    let run = (self.size, self.rank, &mut *self.budget);
                    let here = run_site(callees, (&site.fn_name, site.block), &targets, run)
                        .pop()
                        .unwrap_or(Fact::Unknown);
                    fact = match (fact, here) {
                        (Fact::Unknown, _) | (_, Fact::Unknown) => Fact::Unknown,
                        (Fact::NoInstance, other) | (other, Fact::NoInstance) => other,
                        (Fact::Known(a), Fact::Known(b)) => Fact::Known(join(&a, &b)),
                    };
                }
                callees.facts.pending.borrow_mut().pop();
                callees.facts.known.borrow_mut().insert(key, fact.clone());
                fact
            }
        };
        match fact {
            Fact::Known(Value::Unknown) | Fact::Unknown => Ok(fallback()),
            Fact::Known(value) => Ok(value),
            Fact::NoInstance => Err(Ctl::Stop(End::Excluded(GiveUp {
                span: span(),
                why: format!(
                    "{}: every constructor that sets its `{field}` fails or panics first",
                    none_made(ty)
                ),
            }))),
        }
    }
}

/// Some value of the type of `ty.field` when it is a struct of the crate, or unknown.
fn field_type_obj(callees: &Callees<'_>, ty: &str, field: &str) -> Value {
    let key = (ty.to_owned(), field.to_owned());
    if let Some(value) = callees.facts.objs.borrow().get(&key) {
        return value.clone();
    }
    let value = field_type_obj_uncached(callees, ty, field);
    callees.facts.objs.borrow_mut().insert(key, value.clone());
    value
}

fn field_type_obj_uncached(callees: &Callees<'_>, ty: &str, field: &str) -> Value {
    let info = callees.type_info(ty);
    let Some(TypeInfo::Struct { fields, .. }) = info.as_deref() else {
        return Value::Unknown;
    };
    let Some(info) = fields.iter().find(|info| info.name == field) else {
        return Value::Unknown;
    };
    match type_name(&info.ty) {
        Some(name)
            if matches!(
                callees.type_info(&name).as_deref(),
                Some(TypeInfo::Struct { .. })
            ) =>
        {
            Value::Obj { ty: name }
        }
        _ => Value::Unknown,
    }
}

/// Why a size is excluded where no value of `ty` is made.
fn none_made(ty: &str) -> String {
    format!("no `{ty}` is made with this many ranks")
}

/// The values the expressions `targets` of one function (`name`, its body's identity) take
/// on `rank` of `size` when it runs there with unknown parameters (unknown if not known),
/// in one run; `None` for one the function never reaches there.
pub(super) fn values_at(
    callees: &Callees<'_>,
    function: (&str, usize),
    targets: &[usize],
    (size, rank, budget): (i128, i128, &mut u64),
) -> Vec<Option<Value>> {
    run_site(callees, function, targets, (size, rank, budget))
        .into_iter()
        .map(|fact| match fact {
            Fact::Known(value) => Some(value),
            Fact::Unknown => Some(Value::Unknown),
            Fact::NoInstance => None,
        })
        .collect()
}

/// Evaluates the function (`name`, its body's identity) for a rank, up to the expressions
/// `targets`: what is known of each.
fn run_site(
    callees: &Callees<'_>,
    (name, block): (&str, usize),
    targets: &[usize],
    (size, rank, budget): (i128, i128, &mut u64),
) -> Vec<Fact> {
    let Some(found) = callees.site_fn(name, block) else {
        return vec![Fact::Unknown; targets.len()];
    };
    let prepared = callees.prepared(&found);
    let mut params = Vec::new();
    let mut comm = CommName::Var(String::new());
    for input in &found.sig.inputs {
        if let FnArg::Typed(typed) = input {
            if type_name(&typed.ty).as_deref() == Some("Comm")
                && let Pat::Ident(ident) = &*typed.pat
                && comm == CommName::Var(String::new())
            {
                comm = CommName::Var(ident.ident.to_string());
            }
            params.extend(binding_names(&typed.pat));
        }
    }
    let shared = Shared {
        comm,
        consts: Rc::clone(&prepared.consts),
        token_params: prepared.token_params.clone(),
        params,
        array_params: Vec::new(),
        has_self: false,
        tainted: Rc::clone(&prepared.tainted),
        callees: Some(callees),
        self_ty: found.self_ty.clone(),
        file: Some(found.file),
        pure: true,
        oracle: None,
        splits: None,
    };
    let start = (*budget).min(SITE_STEPS);
    let mut steps = start;
    let mut interp = Interp::new(&shared, size, rank, &mut steps);
    interp.bind_params();
    interp.capture = Some(targets.iter().map(|target| (*target, None)).collect());
    let result = interp.block(found.block);
    let captured = interp.capture.take().unwrap_or_default();
    let skipped = interp.skipped;
    drop(interp);
    *budget -= start - steps;
    // A method whose receiver's type is never made with this size never runs.
    let no_receiver = matches!(&result, Err(Ctl::Stop(End::Excluded(why)))
        if found.sig.receiver().is_some()
            && found
                .self_ty
                .as_deref()
                .is_some_and(|ty| why.why.starts_with(&none_made(ty))));
    let ended = matches!(
        result,
        Ok(_) | Err(Ctl::Return) | Err(Ctl::Stop(End::Panic(_))) | Err(Ctl::Stop(End::Excluded(_)))
    );
    captured
        .into_iter()
        .map(|(_, value)| match value {
            Some(value) => Fact::Known(value),
            None if no_receiver || (ended && !skipped) => Fact::NoInstance,
            None => Fact::Unknown,
        })
        .collect()
}

/// Where `ty.field` is set, if it is known to be set only there (see the module's doc).
fn rule(callees: &Callees<'_>, ty: &str, field: &str) -> Option<Rc<Vec<Site>>> {
    let key = (ty.to_owned(), field.to_owned());
    if let Some(rule) = callees.facts.rules.borrow().get(&key) {
        return rule.clone();
    }
    let rule = make_rule(callees, ty, field).map(Rc::new);
    callees.facts.rules.borrow_mut().insert(key, rule.clone());
    rule
}

fn make_rule(callees: &Callees<'_>, ty: &str, field: &str) -> Option<Vec<Site>> {
    let type_info = callees.type_info(ty);
    let Some(TypeInfo::Struct {
        fields,
        plain_derives,
        public,
    }) = type_info.as_deref()
    else {
        return None;
    };
    let info = fields.iter().find(|info| info.name == field)?;
    if !*plain_derives || (*public && info.public) || !plain_type(callees, &info.ty, TYPE_DEPTH) {
        return None;
    }
    let krate = callees.krate();
    // Nothing writes the field after construction: where it is written, `.field` or a
    // pattern of the type is.
    let access = format!(".{field}");
    for file in krate
        .files
        .iter()
        .filter(|file| file.text.contains(&access) || file.text.contains(ty))
    {
        let mut writes = Writes {
            callees,
            ty,
            field,
            found: false,
        };
        writes.visit_file(file.ast()?);
        if writes.found {
            return None;
        }
    }
    // Every literal of the type sets it.
    let mut literals = Finder::new(Look::Literal { ty, field });
    for (_, file) in krate.mentioning(ty) {
        literals.visit_file(file.ast()?);
    }
    if literals.invalid {
        return None;
    }
    let mut sites = Vec::new();
    for found in literals.found {
        sites.extend(sites_of(callees, found, FORWARD_DEPTH)?);
    }
    Some(sites)
}

/// The sites that give the value of a found expression: itself, or, when it is a parameter
/// of an associated function, the arguments of every call of that function.
fn sites_of(callees: &Callees<'_>, found: Found, depth: u32) -> Option<Vec<Site>> {
    let Some(forward) = found.forward else {
        return Some(vec![found.site]);
    };
    if depth == 0 {
        return None;
    }
    let mut calls = Finder::new(Look::Calls {
        ty: &forward.ty,
        name: &found.site.fn_name,
        index: forward.index,
    });
    // A call names the type, or is in one of its `impl`s.
    for (_, file) in callees.krate().mentioning(&forward.ty) {
        calls.visit_file(file.ast()?);
    }
    if calls.invalid {
        return None;
    }
    let mut sites = Vec::new();
    for call in calls.found {
        sites.extend(sites_of(callees, call, depth - 1)?);
    }
    Some(sites)
}

/// Whether a field's type holds plain data only (see the module's doc).
fn plain_type(callees: &Callees<'_>, ty: &syn::Type, depth: u32) -> bool {
    if depth == 0 {
        return false;
    }
    match ty {
        syn::Type::Tuple(tuple) => tuple
            .elems
            .iter()
            .all(|elem| plain_type(callees, elem, depth - 1)),
        syn::Type::Array(array) => plain_type(callees, &array.elem, depth - 1),
        syn::Type::Paren(paren) => plain_type(callees, &paren.elem, depth),
        syn::Type::Group(group) => plain_type(callees, &group.elem, depth),
        syn::Type::Path(path) if path.qself.is_none() => {
            let Some(last) = path.path.segments.last() else {
                return false;
            };
            let name = last.ident.to_string();
            if super::expr::INT_TYPES.contains(&name.as_str())
                || matches!(name.as_str(), "bool" | "char" | "f32" | "f64")
            {
                return true;
            }
            if name == "Option" {
                let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
                    return false;
                };
                return args.args.iter().all(|arg| match arg {
                    syn::GenericArgument::Type(inner) => plain_type(callees, inner, depth - 1),
                    _ => false,
                });
            }
            // The runtime's process grid: immutable plain data made from the rank and size.
            if name == "Cartesian" && callees.type_info(&name).is_none() {
                return true;
            }
            if !last.arguments.is_empty() {
                return false;
            }
            match callees.type_info(&name).as_deref() {
                Some(TypeInfo::Struct {
                    fields,
                    plain_derives,
                    ..
                }) => {
                    *plain_derives
                        && fields
                            .iter()
                            .all(|field| plain_type(callees, &field.ty, depth - 1))
                }
                Some(TypeInfo::Enum { variants }) => variants.iter().all(|(_, count)| *count == 0),
                None => false,
            }
        }
        _ => false,
    }
}

/// Whether the place `expr` goes through `.field` (`self.grid.rows`, `a.grid[0]`).
fn through_field(expr: &Expr, field: &str) -> bool {
    match expr {
        Expr::Field(access) => {
            matches!(&access.member, Member::Named(name) if name == field)
                || through_field(&access.base, field)
        }
        Expr::Index(index) => through_field(&index.expr, field),
        Expr::Paren(paren) => through_field(&paren.expr, field),
        Expr::Group(group) => through_field(&group.expr, field),
        Expr::Reference(reference) => through_field(&reference.expr, field),
        Expr::Unary(unary) => through_field(&unary.expr, field),
        _ => false,
    }
}

/// Whether the method `name` leaves its receiver as it is: a method of the standard library
/// known not to mutate, and no method of the crate of that name takes `&mut self`; or only
/// methods of the crate have that name, none taking `&mut self`.
fn read_only(callees: &Callees<'_>, name: &str) -> bool {
    if let Some(known) = callees.read_only.borrow().get(name) {
        return *known;
    }
    let known = read_only_uncached(callees, name);
    callees
        .read_only
        .borrow_mut()
        .insert(name.to_owned(), known);
    known
}

fn read_only_uncached(callees: &Callees<'_>, name: &str) -> bool {
    let crate_fns = callees.fns_named(name);
    let mutates = crate_fns.iter().any(|found| {
        found
            .sig
            .receiver()
            .is_some_and(|receiver| receiver.reference.is_some() && receiver.mutability.is_some())
    });
    if mutates {
        return false;
    }
    READ_ONLY.contains(&name) || crate_fns.iter().any(|found| found.sig.receiver().is_some())
}

/// Finds what may write a field after construction.
struct Writes<'a, 'c> {
    callees: &'a Callees<'c>,
    ty: &'a str,
    field: &'a str,
    found: bool,
}

impl<'ast> Visit<'ast> for Writes<'_, '_> {
    fn visit_expr_assign(&mut self, assign: &'ast syn::ExprAssign) {
        self.found |= through_field(&assign.left, self.field);
        visit::visit_expr_assign(self, assign);
    }

    fn visit_expr_binary(&mut self, binary: &'ast syn::ExprBinary) {
        if compound_op(&binary.op).is_some() {
            self.found |= through_field(&binary.left, self.field);
        }
        visit::visit_expr_binary(self, binary);
    }

    fn visit_expr_reference(&mut self, reference: &'ast syn::ExprReference) {
        if reference.mutability.is_some() {
            self.found |= through_field(&reference.expr, self.field);
        }
        visit::visit_expr_reference(self, reference);
    }

    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        if through_field(&call.receiver, self.field)
            && !read_only(self.callees, &call.method.to_string())
        {
            self.found = true;
        }
        visit::visit_expr_method_call(self, call);
    }

    fn visit_pat_struct(&mut self, pat: &'ast syn::PatStruct) {
        let names_type = pat
            .path
            .segments
            .last()
            .is_some_and(|last| last.ident == self.ty || last.ident == "Self");
        let binds_field = pat
            .fields
            .iter()
            .any(|field| matches!(&field.member, Member::Named(name) if name == self.field));
        self.found |= names_type && binds_field;
        visit::visit_pat_struct(self, pat);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.found |= assigns_in_tokens(self.callees, mac.tokens.clone(), self.field);
    }
}

/// Whether macro tokens may write through `.field`: `. field` followed by an assignment or a
/// method that may mutate, or `&mut` before it.
fn assigns_in_tokens(callees: &Callees<'_>, tokens: TokenStream, field: &str) -> bool {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    for (index, tree) in trees.iter().enumerate() {
        match tree {
            TokenTree::Group(group) if assigns_in_tokens(callees, group.stream(), field) => {
                return true;
            }
            TokenTree::Ident(ident) if ident == field => {
                let after_dot = index > 0
                    && matches!(&trees[index - 1], TokenTree::Punct(p) if p.as_char() == '.');
                if !after_dot {
                    continue;
                }
                // An `=` or compound assignment, or a method that may mutate, after the field
                // and the fields or indices that follow it.
                let mut at = index + 1;
                loop {
                    match (trees.get(at), trees.get(at + 1), trees.get(at + 2)) {
                        (Some(TokenTree::Punct(dot)), Some(TokenTree::Ident(name)), next)
                            if dot.as_char() == '.' =>
                        {
                            if let Some(TokenTree::Group(args)) = next
                                && args.delimiter() == proc_macro2::Delimiter::Parenthesis
                                && !read_only(callees, &name.to_string())
                            {
                                return true;
                            }
                            at += 2;
                        }
                        (Some(TokenTree::Group(index)), _, _)
                            if index.delimiter() == proc_macro2::Delimiter::Bracket =>
                        {
                            at += 1;
                        }
                        (Some(TokenTree::Punct(punct)), following, _) => {
                            let ch = punct.as_char();
                            let then_eq = matches!(following, Some(TokenTree::Punct(p)) if p.as_char() == '=');
                            if (ch == '=' && !then_eq) || ("+-*/%^&|".contains(ch) && then_eq) {
                                return true;
                            }
                            break;
                        }
                        _ => break,
                    }
                }
            }
            TokenTree::Ident(ident) if ident == "mut" => {
                let after_ref = index > 0
                    && matches!(&trees[index - 1], TokenTree::Punct(p) if p.as_char() == '&');
                if after_ref
                    && trees[index + 1..]
                        .iter()
                        .any(|tree| tokens_name(tree, field))
                {
                    return true;
                }
            }
            _ => {}
        }
    }
    false
}

fn tokens_name(tree: &TokenTree, field: &str) -> bool {
    match tree {
        TokenTree::Ident(ident) => ident == field,
        TokenTree::Group(group) => group.stream().into_iter().any(|t| tokens_name(&t, field)),
        _ => false,
    }
}

/// What [`Finder`] looks for.
enum Look<'a> {
    /// Literals of the struct `ty`, and the value they give `field`.
    Literal { ty: &'a str, field: &'a str },
    /// Calls of the associated function `ty::name`, and their argument `index`.
    Calls {
        ty: &'a str,
        name: &'a str,
        index: usize,
    },
}

/// A found expression that gives a field its value.
struct Found {
    site: Site,
    /// It is the parameter `index` of an associated function of `ty`: its callers give it.
    forward: Option<Forward>,
}

struct Forward {
    ty: String,
    index: usize,
}

/// The function being visited.
#[derive(Clone)]
struct FnContext {
    name: String,
    block: usize,
    self_ty: Option<String>,
    has_receiver: bool,
    public: bool,
    /// The names of its parameters (other than `self`), `None` for one bound by a pattern.
    params: Vec<Option<String>>,
    /// The variables its body assigns or borrows mutably.
    assigned: Vec<String>,
}

/// Finds the literals of a struct, or the calls of a function, with the function around each.
struct Finder<'a> {
    look: Look<'a>,
    impl_ty: Option<String>,
    function: Option<FnContext>,
    /// Closures and loops around the expression, inside the function.
    nested: u32,
    found: Vec<Found>,
    /// One was found where its value cannot be known (outside a function, in a closure or
    /// loop, a literal that does not set the field, a function named as a value).
    invalid: bool,
}

impl<'a> Finder<'a> {
    fn new(look: Look<'a>) -> Self {
        Finder {
            look,
            impl_ty: None,
            function: None,
            nested: 0,
            found: Vec::new(),
            invalid: false,
        }
    }

    fn enter_fn(
        &mut self,
        sig: &syn::Signature,
        block: &syn::Block,
        public: bool,
        visit: impl FnOnce(&mut Self),
    ) {
        let params = sig
            .inputs
            .iter()
            .filter_map(|input| match input {
                FnArg::Typed(typed) => Some(match &*typed.pat {
                    Pat::Ident(ident) if ident.subpat.is_none() && ident.by_ref.is_none() => {
                        Some(ident.ident.to_string())
                    }
                    _ => None,
                }),
                FnArg::Receiver(_) => None,
            })
            .collect();
        let context = FnContext {
            name: sig.ident.to_string(),
            block: id_of(block),
            self_ty: self.impl_ty.clone(),
            has_receiver: sig.receiver().is_some(),
            public,
            params,
            assigned: assigned_in(block),
        };
        let before = (self.function.replace(context), self.nested);
        self.nested = 0;
        visit(self);
        (self.function, self.nested) = before;
    }

    fn record(&mut self, target: &Expr) {
        let Some(function) = &self.function else {
            self.invalid = true;
            return;
        };
        if self.nested > 0 {
            self.invalid = true;
            return;
        }
        let site = Site {
            fn_name: function.name.clone(),
            block: function.block,
            target: id_of(target),
        };
        // A parameter of an associated function, never reassigned: its callers give it.
        let forward = match (target, &function.self_ty) {
            (Expr::Path(path), Some(ty)) if !function.has_receiver => path
                .path
                .get_ident()
                .map(ToString::to_string)
                .and_then(|name| {
                    let index = function
                        .params
                        .iter()
                        .position(|param| param.as_deref() == Some(name.as_str()))?;
                    (!function.assigned.contains(&name)).then(|| Forward {
                        ty: ty.clone(),
                        index,
                    })
                }),
            _ => None,
        };
        if forward.is_some() && function.public {
            // Other crates may call it.
            self.invalid = true;
            return;
        }
        self.found.push(Found { site, forward });
    }

    /// Whether a path names the function looked for (`Ty::name`, `Self::name` in `impl Ty`).
    fn names_function(&self, path: &Expr) -> bool {
        let Look::Calls { ty, name, .. } = self.look else {
            return false;
        };
        let Some(names) = path_names(path) else {
            return false;
        };
        match names.as_slice() {
            [.., owner, last] if last == name => {
                owner == ty || (owner == "Self" && self.impl_ty.as_deref() == Some(ty))
            }
            _ => false,
        }
    }
}

impl<'ast> Visit<'ast> for Finder<'_> {
    fn visit_item_impl(&mut self, item: &'ast syn::ItemImpl) {
        let before = self
            .impl_ty
            .replace(type_name(&item.self_ty).unwrap_or_default());
        visit::visit_item_impl(self, item);
        self.impl_ty = before;
    }

    fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
        let public = matches!(item.vis, syn::Visibility::Public(_));
        let impl_ty = self.impl_ty.take();
        self.enter_fn(&item.sig, &item.block, public, |this| {
            visit::visit_item_fn(this, item);
        });
        self.impl_ty = impl_ty;
    }

    fn visit_impl_item_fn(&mut self, item: &'ast syn::ImplItemFn) {
        let public = matches!(item.vis, syn::Visibility::Public(_));
        self.enter_fn(&item.sig, &item.block, public, |this| {
            visit::visit_impl_item_fn(this, item);
        });
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

    fn visit_expr_struct(&mut self, literal: &'ast syn::ExprStruct) {
        if let Look::Literal { ty, field } = self.look {
            let last = literal
                .path
                .segments
                .last()
                .map(|last| last.ident.to_string());
            let is_ty = last.as_deref() == Some(ty)
                || (last.as_deref() == Some("Self") && self.impl_ty.as_deref() == Some(ty));
            if is_ty {
                let value = literal.fields.iter().find_map(|value| match &value.member {
                    Member::Named(name) if name == field => Some(&value.expr),
                    _ => None,
                });
                match (value, &literal.rest) {
                    (Some(value), _) => self.record(value),
                    // `Ty { other: x, ..base }`: the field is the base's, a value of the type
                    // made elsewhere (by another literal: no derive makes one from nothing),
                    // so this literal gives no value of its own.
                    (None, Some(_)) => {}
                    (None, None) => self.invalid = true,
                }
            }
        }
        visit::visit_expr_struct(self, literal);
    }

    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        if self.names_function(&call.func) {
            if let Look::Calls { index, .. } = self.look
                && let Some(arg) = call.args.iter().nth(index)
            {
                self.record(arg);
            } else {
                self.invalid = true;
            }
            // Its path is a call, not a value.
            for arg in &call.args {
                self.visit_expr(arg);
            }
            return;
        }
        visit::visit_expr_call(self, call);
    }

    fn visit_expr_path(&mut self, path: &'ast syn::ExprPath) {
        // The function named as a value (`.map(Halo::new)`): its calls are not all seen.
        if let Look::Calls { name, .. } = self.look
            && path
                .path
                .segments
                .last()
                .is_some_and(|last| last.ident == name)
            && self.names_function(&Expr::Path(path.clone()))
        {
            self.invalid = true;
        }
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        // A literal or call inside a macro's tokens is not seen.
        let (owner, after) = match &self.look {
            Look::Literal { ty, .. } => (*ty, None),
            Look::Calls { ty, name, .. } => (*ty, Some(*name)),
        };
        if mentions_in_tokens(mac.tokens.clone(), owner, after) {
            self.invalid = true;
        }
    }
}

/// The variables a body assigns or borrows mutably.
fn assigned_in(block: &syn::Block) -> Vec<String> {
    struct Assigned(Vec<String>);
    impl<'ast> Visit<'ast> for Assigned {
        fn visit_expr_assign(&mut self, assign: &'ast syn::ExprAssign) {
            assigned_names(&assign.left, &mut self.0);
            visit::visit_expr_assign(self, assign);
        }
        fn visit_expr_binary(&mut self, binary: &'ast syn::ExprBinary) {
            if compound_op(&binary.op).is_some() {
                assigned_names(&binary.left, &mut self.0);
            }
            visit::visit_expr_binary(self, binary);
        }
        fn visit_expr_reference(&mut self, reference: &'ast syn::ExprReference) {
            if reference.mutability.is_some() {
                assigned_names(&reference.expr, &mut self.0);
            }
            visit::visit_expr_reference(self, reference);
        }
        // A binding of the same name hides the parameter.
        fn visit_pat_ident(&mut self, pat: &'ast syn::PatIdent) {
            self.0.push(pat.ident.to_string());
            visit::visit_pat_ident(self, pat);
        }
        fn visit_macro(&mut self, mac: &'ast syn::Macro) {
            if may_bind_or_assign(mac.tokens.clone()) {
                let mut names = Vec::new();
                crate::analyse::syntax::idents(mac.tokens.clone(), &mut names);
                self.0.extend(names);
            }
        }
    }
    let mut assigned = Assigned(Vec::new());
    assigned.visit_block(block);
    assigned.0
}

/// Whether macro tokens may bind or assign a variable: an `=` that is not part of a
/// comparison or `=>`, `let`, or `mut`.
fn may_bind_or_assign(tokens: TokenStream) -> bool {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    trees.iter().enumerate().any(|(index, tree)| match tree {
        TokenTree::Group(group) => may_bind_or_assign(group.stream()),
        TokenTree::Ident(ident) => ident == "let" || ident == "mut",
        TokenTree::Punct(punct) if punct.as_char() == '=' => {
            let before = index
                .checked_sub(1)
                .and_then(|i| trees.get(i))
                .is_some_and(|tree| {
                    matches!(tree, TokenTree::Punct(p) if "=<>!".contains(p.as_char())
                        && p.spacing() == proc_macro2::Spacing::Joint)
                });
            let after = matches!(trees.get(index + 1), Some(TokenTree::Punct(p))
                if (p.as_char() == '=' || p.as_char() == '>')
                    && punct.spacing() == proc_macro2::Spacing::Joint);
            !before && !after
        }
        _ => false,
    })
}

/// Whether macro tokens hold `owner { .. }` (`after` is `None`) or `owner::after` (`Self` for
/// `owner` too).
fn mentions_in_tokens(tokens: TokenStream, owner: &str, after: Option<&str>) -> bool {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    trees.iter().enumerate().any(|(index, tree)| match tree {
        TokenTree::Group(group) => mentions_in_tokens(group.stream(), owner, after),
        TokenTree::Ident(ident) if ident == owner || ident == "Self" => match after {
            None => matches!(trees.get(index + 1),
                Some(TokenTree::Group(g)) if g.delimiter() == proc_macro2::Delimiter::Brace),
            Some(name) => {
                matches!(trees.get(index + 1), Some(TokenTree::Punct(p)) if p.as_char() == ':')
                    && matches!(trees.get(index + 3), Some(TokenTree::Ident(i)) if i == name)
            }
        },
        _ => false,
    })
}

impl Interp<'_> {
    /// Whether a method of this name never changes the value it is called on: one of the
    /// standard library's known to read only, or every method of the crate of that name.
    pub(super) fn read_only_method(&self, name: &str) -> bool {
        READ_ONLY.contains(&name)
            || self
                .shared
                .callees
                .is_some_and(|callees| read_only(callees, name))
    }
}
