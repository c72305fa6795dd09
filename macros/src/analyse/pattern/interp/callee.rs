//! Calls of the crate's own functions and methods, evaluated in place with the caller's values
//! for their arguments, recursively.
//!
//! A call given the communicator (or a token, or `self` where `self` may hold the
//! communicator) is followed *in place*: its calls are the caller's, and where it cannot be
//! followed, neither can the caller. Any other call of the crate's code whose arguments (or
//! receiver) hold a known value is evaluated *for its value*: it cannot communicate on the
//! function's communicator, so where it cannot be followed its result is simply not known.
//!
//! The callee is found from the call's path (see [`Callees::resolve`]) in the crate's files
//! ([`Crate`]), which are read when a call first needs them; their syntax trees live no longer
//! than the expansion (a tree holds the compiler's tokens, which belong to one invocation of
//! the macro). Events recorded inside a callee are placed at the caller's call, since the
//! callee's own tokens, parsed from its file's text, point nowhere useful.

use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{Expr, ExprCall, FnArg, ItemFn, Pat};

use super::fields::FieldFacts;
use super::{ConstMap, Ctl, EVENT_LIMIT, End, Interp, R, Shared, Value, give_up, id_of, panic_at};
use crate::analyse::pattern::krate::{Crate, CrateFile, FoundFn, TypeInfo};
use crate::analyse::pattern::trace::{CommName, GiveUp, Trip};
use crate::analyse::pattern::{communicator, constants, tainted, token_params};
use crate::analyse::syntax::binding_names;

/// How deep calls of the crate's functions are followed; deeper, the evaluation gives up (a
/// recursion on a value that is not known would otherwise run until the steps run out).
const CALL_DEPTH_LIMIT: u32 = 12;

/// The most steps one call evaluated for its value may take: past them, its value is not
/// known (and the steps are spent).
pub(super) const VALUE_CALL_STEPS: u64 = 20_000;

/// The function's file and, read when a look-up first needs them, the crate's other files.
pub(crate) struct Sources<'s> {
    /// The function's own file.
    own: Crate,
    /// Where the function's file is, to find the crate around it.
    path: Option<&'s Path>,
    krate: OnceCell<Crate>,
}

impl<'s> Sources<'s> {
    /// The sources around a function whose file's text is `source`, at `path` when known.
    pub(crate) fn new(source: &str, path: Option<&'s Path>) -> Self {
        Sources {
            own: Crate::single(source),
            path,
            krate: OnceCell::new(),
        }
    }
}

/// The code around the function being checked, and what the look-ups found so far.
pub(crate) struct Callees<'s> {
    sources: &'s Sources<'s>,
    /// What each function called so far needs for its evaluation, by its body's identity.
    prepared: RefCell<HashMap<usize, Rc<Prepared>>>,
    /// The types looked up so far.
    types: RefCell<HashMap<String, Option<Rc<TypeInfo>>>>,
    /// The functions found so far, by what was looked up: where each is.
    found: RefCell<HashMap<String, Option<FnPlace>>>,
    /// Whether a method name leaves its receiver as it is, by name.
    pub(super) read_only: RefCell<HashMap<String, bool>>,
    /// What is known of the fields of the crate's structs.
    pub(super) facts: FieldFacts,
}

impl std::fmt::Debug for Callees<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Callees").finish_non_exhaustive()
    }
}

/// Where a function found is: its file (`None`: the function's own, as read alone), its place
/// and its body's identity.
#[derive(Clone)]
struct FnPlace {
    file: Option<usize>,
    /// Where it is in its file.
    at: Vec<usize>,
    block: usize,
}

/// What a callee's evaluation needs, the same for every call.
pub(super) struct Prepared {
    pub(super) consts: Rc<ConstMap>,
    pub(super) tainted: Rc<Vec<String>>,
    pub(super) token_params: Vec<String>,
    /// The communicator its own ops use: `Ok(None)` when it calls none itself.
    pub(super) comm: Result<Option<CommName>, String>,
}

impl<'s> Callees<'s> {
    /// The code of `sources`.
    pub(crate) fn new(sources: &'s Sources<'s>) -> Self {
        Callees {
            sources,
            prepared: RefCell::new(HashMap::new()),
            types: RefCell::new(HashMap::new()),
            read_only: RefCell::new(HashMap::new()),
            found: RefCell::new(HashMap::new()),
            facts: FieldFacts::default(),
        }
    }

    /// The function's own file.
    pub(crate) fn own_file(&self) -> &'s CrateFile {
        &self.sources.own.files[0]
    }

    /// The crate's files, the function's own first.
    pub(super) fn krate(&self) -> &'s Crate {
        let sources = self.sources;
        sources.krate.get_or_init(|| match sources.path {
            Some(path) => Crate::around(path, &sources.own.files[0].text),
            None => Crate::single(&sources.own.files[0].text),
        })
    }

    /// The function that `key` was found to be before, or `find`'s.
    fn cached(
        &self,
        key: String,
        find: impl FnOnce() -> Option<FoundFn<'s>>,
    ) -> Option<FoundFn<'s>> {
        let place = self.found.borrow().get(&key).cloned();
        if let Some(place) = place {
            let place = place?;
            let file = match place.file {
                Some(index) => self.krate().files.get(index)?,
                None => self.own_file(),
            };
            return file
                .fn_at(&place.at)
                .filter(|found| id_of(found.block) == place.block);
        }
        let found = find();
        let place = found.as_ref().map(|found| FnPlace {
            file: self.sources.krate.get().and_then(|krate| {
                krate
                    .files
                    .iter()
                    .position(|file| std::ptr::eq(file, found.file))
            }),
            at: found.at.clone(),
            block: id_of(found.block),
        });
        self.found.borrow_mut().insert(key, place);
        found
    }

    /// The function of the crate named `name` whose body is `block` (by identity).
    pub(super) fn site_fn(&self, name: &str, block: usize) -> Option<FoundFn<'s>> {
        self.cached(format!("{name}#{block}"), || {
            self.fns_named(name)
                .into_iter()
                .find(|found| id_of(found.block) == block)
        })
    }

    /// Every function of the crate named `name` (free, and of inherent `impl`s).
    pub(super) fn fns_named(&self, name: &str) -> Vec<FoundFn<'s>> {
        self.krate().fns_named(name)
    }

    /// The files of the crate read besides the function's own: the compiler must track them.
    pub(crate) fn files_read(&self) -> Vec<PathBuf> {
        match self.sources.krate.get() {
            Some(krate) => krate
                .files
                .iter()
                .skip(1)
                .map(|file| file.path.clone())
                .collect(),
            None => Vec::new(),
        }
    }

    /// The struct or enum of the crate named `name`, if it has exactly one.
    pub(super) fn type_info(&self, name: &str) -> Option<Rc<TypeInfo>> {
        if let Some(info) = self.types.borrow().get(name) {
            return info.clone();
        }
        let info = self.krate().type_info(name).map(Rc::new);
        self.types
            .borrow_mut()
            .insert(name.to_owned(), info.clone());
        info
    }

    /// Whether `ty::name` is a variant of an enum of the crate: how many fields it has.
    pub(super) fn variant(&self, ty: &str, name: &str) -> Option<usize> {
        match &*self.type_info(ty)? {
            TypeInfo::Enum { variants } => variants
                .iter()
                .find(|(variant, _)| variant == name)
                .map(|(_, count)| *count),
            TypeInfo::Struct { .. } => None,
        }
    }

    /// The `#[spmd_jit]` free functions of the file that call `name`, with their attribute's
    /// arguments.
    pub(crate) fn jitted_callers(&self, name: &str) -> Vec<(&ItemFn, proc_macro2::TokenStream)> {
        let Some(file) = self.own_file().ast() else {
            return Vec::new();
        };
        let mut finder = FreeFns { fns: Vec::new() };
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

    /// What `found` needs for its evaluation.
    pub(super) fn prepared(&self, found: &FoundFn<'_>) -> Rc<Prepared> {
        let key = id_of(found.block);
        if let Some(prepared) = self.prepared.borrow().get(&key) {
            return Rc::clone(prepared);
        }
        let func = item_fn(found);
        let prepared = Rc::new(Prepared {
            consts: Rc::new(constants(&func, Some(&found.file.text))),
            tainted: Rc::new(tainted(&func)),
            token_params: token_params(&func),
            comm: communicator(&func),
        });
        self.prepared.borrow_mut().insert(key, Rc::clone(&prepared));
        prepared
    }

    /// The function that the path `segments` names from code of the file `from`, inside an
    /// `impl` of `self_ty`: `f` (a function of the file, or one it imports from the crate
    /// with `use crate::..`, `use super::..`), `module::f`, `crate::module::f`,
    /// `super::f`, `Type::f`, `Self::f`. `None` when it is not one function of the crate.
    pub(super) fn resolve(
        &self,
        segments: &[String],
        from: &'s CrateFile,
        self_ty: Option<&str>,
    ) -> Option<FoundFn<'s>> {
        let key = format!(
            "{}|{:p}|{}",
            segments.join("::"),
            from,
            self_ty.unwrap_or_default()
        );
        self.cached(key, || self.resolve_uncached(segments, from, self_ty))
    }

    fn resolve_uncached(
        &self,
        segments: &[String],
        from: &'s CrateFile,
        self_ty: Option<&str>,
    ) -> Option<FoundFn<'s>> {
        let (name, path) = segments.split_last()?;
        let unique = |found: Vec<FoundFn<'s>>| {
            let mut found = found.into_iter();
            let first = found.next()?;
            found.next().is_none().then_some(first)
        };
        if path.is_empty() {
            let local: Vec<FoundFn<'s>> = from
                .fns_named(name)
                .into_iter()
                .filter(|found| found.self_ty.is_none())
                .collect();
            if !local.is_empty() {
                return unique(local);
            }
            let module = crate_import(from, name)?;
            return unique(self.free_fns_in(name, &module));
        }
        let ty = path.last()?;
        if ty == "Self" || ty.starts_with(|c: char| c.is_ascii_uppercase()) {
            let ty = if ty == "Self" { self_ty? } else { ty.as_str() };
            self.type_info(ty)?;
            return unique(
                self.fns_named(name)
                    .into_iter()
                    .filter(|found| found.self_ty.as_deref() == Some(ty))
                    .collect(),
            );
        }
        let module: Vec<String> = path
            .iter()
            .skip_while(|part| matches!(part.as_str(), "crate" | "super" | "self"))
            .cloned()
            .collect();
        if module.len() == path.len() {
            // `other::f`: `other` must be a module of the crate, not another crate.
            let first = &module[0];
            if !self
                .krate()
                .files
                .iter()
                .any(|file| file.module.contains(first))
            {
                return None;
            }
        }
        if module.is_empty() && path.iter().all(|part| part == "self") {
            return unique(
                from.fns_named(name)
                    .into_iter()
                    .filter(|found| found.self_ty.is_none())
                    .collect(),
            );
        }
        unique(self.free_fns_in(name, &module))
    }

    /// The free functions of the crate named `name` in a module whose path ends with
    /// `module`.
    fn free_fns_in(&self, name: &str, module: &[String]) -> Vec<FoundFn<'s>> {
        self.fns_named(name)
            .into_iter()
            .filter(|found| found.self_ty.is_none() && found.module.ends_with(module))
            .collect()
    }

    /// The method `name` of the crate's type `ty` (one of its inherent `impl`s', taking
    /// `self`).
    pub(super) fn method(&self, ty: &str, name: &str) -> Option<FoundFn<'s>> {
        self.cached(format!("{ty}.{name}"), || self.method_uncached(ty, name))
    }

    fn method_uncached(&self, ty: &str, name: &str) -> Option<FoundFn<'s>> {
        self.type_info(ty)?;
        let mut found = self
            .fns_named(name)
            .into_iter()
            .filter(|found| found.self_ty.as_deref() == Some(ty) && found.sig.receiver().is_some());
        let first = found.next()?;
        found.next().is_none().then_some(first)
    }
}

/// The module path a file imports the function `name` from, when it does with a `use` of the
/// crate's own paths (`use crate::a::name;`, `use super::name;`): the modules named after
/// `crate`, `super` and `self`.
fn crate_import(file: &CrateFile, name: &str) -> Option<Vec<String>> {
    fn walk(tree: &syn::UseTree, prefix: &mut Vec<String>, name: &str) -> Option<Vec<String>> {
        match tree {
            syn::UseTree::Path(path) => {
                prefix.push(path.ident.to_string());
                let found = walk(&path.tree, prefix, name);
                prefix.pop();
                found
            }
            syn::UseTree::Name(leaf) if leaf.ident == name => Some(prefix.clone()),
            syn::UseTree::Group(group) => {
                group.items.iter().find_map(|item| walk(item, prefix, name))
            }
            _ => None,
        }
    }
    struct Uses<'n> {
        name: &'n str,
        found: Vec<Vec<String>>,
    }
    impl<'ast> Visit<'ast> for Uses<'_> {
        fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
            if let Some(path) = walk(&item.tree, &mut Vec::new(), self.name) {
                self.found.push(path);
            }
        }
    }
    let mut uses = Uses {
        name,
        found: Vec::new(),
    };
    uses.visit_file(file.ast()?);
    let mut found = uses.found.into_iter();
    let path = found.next()?;
    if found.next().is_some() || !matches!(path.first()?.as_str(), "crate" | "super" | "self") {
        return None;
    }
    Some(
        path.into_iter()
            .skip_while(|part| matches!(part.as_str(), "crate" | "super" | "self"))
            .collect(),
    )
}

/// Whether `file` imports `name` from the crate's own paths (`use super::halo::Halo;`).
pub(crate) fn imported_from_crate(file: &CrateFile, name: &str) -> bool {
    crate_import(file, name).is_some()
}

/// A function of the crate as an `ItemFn`, for the readings that take one.
fn item_fn(found: &FoundFn<'_>) -> ItemFn {
    ItemFn {
        attrs: Vec::new(),
        vis: syn::Visibility::Inherited,
        sig: found.sig.clone(),
        block: Box::new(found.block.clone()),
    }
}

/// Collects the free functions of a file, in modules too.
struct FreeFns<'f> {
    fns: Vec<&'f ItemFn>,
}

impl<'f> Visit<'f> for FreeFns<'f> {
    fn visit_item_fn(&mut self, item: &'f ItemFn) {
        self.fns.push(item);
    }
    fn visit_item_impl(&mut self, _: &'f syn::ItemImpl) {}
    fn visit_item_trait(&mut self, _: &'f syn::ItemTrait) {}
    fn visit_expr(&mut self, _: &'f Expr) {}
}

/// The names of a call's callee path: `a::b::f` is `[a, b, f]`.
pub(super) fn path_names(callee: &Expr) -> Option<Vec<String>> {
    let Expr::Path(path) = callee else {
        return None;
    };
    if path.qself.is_some() || path.path.leading_colon.is_some() {
        return None;
    }
    Some(
        path.path
            .segments
            .iter()
            .map(|segment| segment.ident.to_string())
            .collect(),
    )
}

/// Whether a value tells anything: a call given only unknown values is not evaluated.
pub(super) fn informative(value: &Value) -> bool {
    !matches!(value, Value::Unknown)
}

/// A call of the crate's code, as the caller makes it.
pub(super) struct Call<'e> {
    /// What the messages call it.
    pub(super) name: String,
    /// The receiver's value, for a method; whether it is `self` as written.
    pub(super) receiver: Option<(Value, bool)>,
    pub(super) arg_exprs: Vec<&'e Expr>,
    pub(super) args: Vec<Value>,
    pub(super) span: Span,
    /// The call's identity, for the sites of the calls inside.
    pub(super) id: usize,
    /// Whether the callee may communicate on the function's communicator: followed in place.
    pub(super) in_place: bool,
}

impl<'a> Interp<'a> {
    /// The file of the function being evaluated.
    pub(super) fn current_file(&self) -> Option<&'a CrateFile> {
        let shared: &'a Shared<'a> = self.shared;
        let callees = shared.callees?;
        Some(shared.file.unwrap_or_else(|| callees.own_file()))
    }

    /// A call `path(args)` given `hands_over` (whether an argument is the communicator or a
    /// token): evaluated when it calls a function of the crate, `None` when it does not.
    pub(super) fn call_in_crate(
        &mut self,
        call: &ExprCall,
        args: &[Value],
        hands_over: bool,
    ) -> Option<R<Value>> {
        let callees = self.shared.callees?;
        if !hands_over && !args.iter().any(informative) {
            return None;
        }
        let names = path_names(&call.func)?;
        if names.len() == 1 && self.lookup(&names[0]).is_some() {
            // A closure or function pointer in a variable.
            return None;
        }
        let from = self.current_file()?;
        let found = callees.resolve(&names, from, self.shared.self_ty.as_deref());
        let found = found?;
        if found.sig.receiver().is_some() {
            return Some(give_up(
                call.func.span(),
                format!("`{}` is a method called by its path", names.join("::")),
            ));
        }
        Some(self.run_callee(
            &found,
            Call {
                name: names.join("::"),
                receiver: None,
                arg_exprs: call.args.iter().collect(),
                args: args.to_vec(),
                span: call.func.span(),
                id: id_of(call),
                in_place: hands_over,
            },
        ))
    }

    /// Runs a function of the crate for a call.
    pub(super) fn run_callee(&mut self, found: &FoundFn<'_>, call: Call<'_>) -> R<Value> {
        let Some(callees) = self.shared.callees else {
            return Ok(Value::Unknown);
        };
        let Call {
            name,
            receiver,
            arg_exprs,
            args,
            span,
            id,
            in_place,
        } = call;
        if self.call_depth >= CALL_DEPTH_LIMIT {
            if !in_place {
                return Ok(Value::Unknown);
            }
            return give_up(
                span,
                format!(
                    "`{name}` is called {CALL_DEPTH_LIMIT} calls deep: deeper calls (a \
                     recursion whose end is not known) are not followed"
                ),
            );
        }
        let prepared = callees.prepared(found);
        let inputs: Vec<&FnArg> = found
            .sig
            .inputs
            .iter()
            .filter(|input| matches!(input, FnArg::Typed(_)))
            .collect();
        let not_followed = |why: String| -> R<Value> {
            if in_place {
                give_up(span, why)
            } else {
                Ok(Value::Unknown)
            }
        };
        if inputs.len() != arg_exprs.len() || found.sig.receiver().is_some() != receiver.is_some() {
            return not_followed(format!(
                "`{name}` is called with another number of arguments"
            ));
        }
        // The parameter that receives the communicator becomes the callee's communicator.
        let mut comm: Option<CommName> = None;
        let mut binds: Vec<(&Pat, Value)> = Vec::new();
        for ((input, arg), value) in inputs.iter().zip(&arg_exprs).zip(&args) {
            let FnArg::Typed(typed) = input else {
                return not_followed(format!("`{name}` takes `self`"));
            };
            if self.shared.comm.is(arg) {
                let Pat::Ident(ident) = &*typed.pat else {
                    return not_followed(format!("`{name}` binds the communicator to a pattern"));
                };
                comm = Some(CommName::Var(ident.ident.to_string()));
                continue;
            }
            if self.hands_over(arg) && !value.holds_token() {
                return not_followed(format!(
                    "`{name}` is given the communicator inside another value: only the \
                     communicator itself is followed into a function"
                ));
            }
            binds.push((&typed.pat, value.clone()));
        }
        let self_is_receiver = receiver.as_ref().is_some_and(|(_, syntactic)| *syntactic);
        if !in_place && !matches!(prepared.comm, Ok(None)) {
            // It calls ops on a communicator it finds itself (a field of a value it is
            // given): it communicates, out of sight.
            self.communicates_elsewhere = true;
            return give_up(
                span,
                format!(
                    "`{name}` calls ops on a communicator it is not given (a field of a value, \
                     say): what it communicates is not seen"
                ),
            );
        }
        // Its own communicator is a parameter given one that `split` made: its ops find the
        // communicator in the parameter's value.
        let given_split = |own: &CommName| {
            binds.iter().any(|(pat, value)| {
                matches!(value, Value::Comm(_))
                    && matches!((own, pat), (CommName::Var(own), Pat::Ident(ident)) if ident.ident == own)
            })
        };
        let comm = match (&prepared.comm, comm) {
            (Err(why), _) => return not_followed(format!("in `{name}`, called here: {why}")),
            (Ok(Some(own)), given) if given_split(own) => {
                given.unwrap_or_else(|| CommName::Var(String::new()))
            }
            (Ok(Some(own)), Some(given)) if *own != given => {
                return not_followed(format!(
                    "in `{name}`, called here: its ops use another communicator"
                ));
            }
            // A method of `self` whose ops use the same field of `self` as the caller's.
            (Ok(Some(own @ CommName::SelfField(_))), None)
                if self_is_receiver && *own == self.shared.comm =>
            {
                own.clone()
            }
            (Ok(Some(own)), None) => {
                return not_followed(format!(
                    "in `{name}`, called here: its ops use `{}`, which is not the \
                     communicator given",
                    comm_text(own)
                ));
            }
            (_, Some(given)) => given,
            // Given no communicator: its ops cannot name ours.
            (Ok(None), None) => CommName::Var(String::new()),
        };
        let shared = Shared {
            comm,
            consts: Rc::clone(&prepared.consts),
            token_params: prepared.token_params.clone(),
            params: Vec::new(),
            array_params: Vec::new(),
            has_self: in_place && self_is_receiver && self.shared.has_self,
            tainted: Rc::clone(&prepared.tainted),
            callees: self.shared.callees,
            self_ty: found.self_ty.clone(),
            file: Some(found.file),
            pure: self.shared.pure || !in_place,
            oracle: self.shared.oracle,
            splits: self.shared.splits,
        };
        let loops = self.loops.clone();
        let call_depth = self.call_depth + 1;
        let (size, rank) = (self.size, self.rank);
        // A call evaluated for its value has steps of its own, taken from the function's.
        let start = if in_place {
            *self.budget
        } else {
            (*self.budget).min(VALUE_CALL_STEPS)
        };
        let mut steps = start;
        let budget: &mut u64 = if in_place {
            &mut *self.budget
        } else {
            &mut steps
        };
        let mut inner = Interp::new(&shared, size, rank, budget);
        inner.loops = loops;
        inner.call_depth = call_depth;
        inner.next_request = self.next_request;
        inner.next_collective = self.next_collective;
        inner.splits_made = std::mem::take(&mut self.splits_made);
        let mut bound = Vec::new();
        if let Some((value, _)) = &receiver {
            bound.push(("self".to_owned(), value.clone()));
        }
        let mut result = Ok(());
        for (pat, value) in binds {
            if let Err(ctl) = inner.pattern(pat, &value, &mut bound) {
                result = Err(ctl);
                break;
            }
        }
        for input in &inputs {
            if let FnArg::Typed(typed) = input {
                for name in binding_names(&typed.pat) {
                    if !bound.iter().any(|(bound_name, _)| *bound_name == name) {
                        bound.push((name, Value::Unknown));
                    }
                }
            }
        }
        inner.bind_all(bound);
        let result = result.and_then(|()| inner.block(found.block));
        let returned = inner.returned.take();
        let may_fail = inner.may_fail;
        let communicates_elsewhere = inner.communicates_elsewhere;
        let events = std::mem::take(&mut inner.events);
        let trips = std::mem::take(&mut inner.trips);
        self.next_request = inner.next_request;
        self.next_collective = inner.next_collective;
        self.splits_made = std::mem::take(&mut inner.splits_made);
        self.chosen += inner.chosen;
        drop(inner);
        if !in_place {
            *self.budget -= start - steps;
        }
        if communicates_elsewhere {
            self.communicates_elsewhere = true;
            return give_up(
                span,
                format!("`{name}` calls a function that communicates out of sight"),
            );
        }
        let value = match result {
            Ok(value) => value,
            Err(Ctl::Return) => returned.unwrap_or(Value::Unknown),
            Err(Ctl::Break(_) | Ctl::Continue(_)) => Value::Unknown,
            Err(Ctl::Stop(End::Panic(_))) => return panic_at(span),
            // Only a value further on is asked for: a call whose communication is not
            // followed leaves its result unknown, as a call evaluated for its value does
            // (what it may write through `&mut` is unknown anyway: such variables are
            // tainted).
            Err(Ctl::Stop(End::GaveUp(_)) | Ctl::Unsure(_)) if self.seeks_value() => {
                self.skipped = true;
                return Ok(Value::Unknown);
            }
            Err(Ctl::Stop(End::GaveUp(why)) | Ctl::Unsure(why)) if in_place => {
                return give_up(span, format!("in `{name}`, called here: {}", why.why));
            }
            Err(Ctl::Stop(End::Excluded(why))) => {
                return Err(Ctl::Stop(End::Excluded(GiveUp {
                    span,
                    why: format!("in `{name}`, called here: {}", why.why),
                })));
            }
            Err(Ctl::Stop(end)) if in_place => return Err(Ctl::Stop(end)),
            Err(Ctl::Stop(_) | Ctl::Unsure(_)) => return Ok(Value::Unknown),
        };
        if !in_place && !events.is_empty() {
            return Ok(Value::Unknown);
        }
        // The callee's calls, at the caller's call: one site per call site and callee site.
        for mut event in events {
            event.span = span;
            event.site = event.site.wrapping_mul(31).wrapping_add(id);
            self.events.push(event);
        }
        if self.events.len() > EVENT_LIMIT {
            return Err(Ctl::Stop(End::Budget));
        }
        self.trips
            .extend(trips.into_iter().map(|trip| Trip { span, ..trip }));
        Ok(if may_fail { maybe_ok(value) } else { value })
    }
}

/// The value of a function that may also have returned an `Err` on a path not decided.
fn maybe_ok(value: Value) -> Value {
    match value {
        Value::Variant {
            ty, name, fields, ..
        } if ty == "Result" && name == "Ok" && fields.len() == 1 => Value::MaybeOk(Box::new(
            fields.into_iter().next().unwrap_or(Value::Unknown),
        )),
        value @ Value::MaybeOk(_) => value,
        _ => Value::Unknown,
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
            let names = path_names(&call.func);
            let local = match names.as_deref() {
                Some([only]) => Some(only),
                Some([first, last]) if first == "self" => Some(last),
                _ => None,
            };
            if local.is_some_and(|called| called == self.name) {
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

fn comm_text(comm: &CommName) -> String {
    match comm {
        CommName::Var(name) => name.clone(),
        CommName::SelfField(field) => format!("self.{field}"),
    }
}
