//! The crate around the function: its source files, found from the function's file by the
//! `mod` items of the crate's root, each with its module path, parsed when a look-up first
//! needs it.
//!
//! A proc macro has no types and no name resolution, so the look-ups are by name, and a name
//! that is not unique where it is looked up is not resolved: a function of a module by its
//! path, a type (struct or enum) by its name if the crate defines one type of that name, the
//! methods of a type by the type's name in its inherent `impl`s. What cannot be resolved so is
//! not guessed at.

use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use proc_macro2::{TokenStream, TokenTree};
use syn::visit::Visit;

/// How many files of a crate are read at most: the look-ups read every file that mentions a
/// name, and a crate larger than this is read no further (its remaining files are not seen,
/// and what they would define is not resolved).
const FILE_LIMIT: usize = 256;

/// One source file of the crate.
#[derive(Debug)]
pub(crate) struct CrateFile {
    pub(crate) path: PathBuf,
    pub(crate) text: String,
    /// Its module path from the crate's root (`[]` for the root).
    pub(crate) module: Vec<String>,
    ast: OnceCell<Option<syn::File>>,
}

impl CrateFile {
    /// The file's syntax tree (`None`: it does not parse).
    pub(crate) fn ast(&self) -> Option<&syn::File> {
        self.ast
            .get_or_init(|| syn::parse_file(&self.text).ok())
            .as_ref()
    }
}

/// The source files of one crate, the function's own first.
pub(crate) struct Crate {
    pub(crate) files: Vec<CrateFile>,
}

impl Crate {
    /// The crate whose module tree holds `own` (the function's file, whose text is
    /// `own_text`): the package's library, binary or example roots are tried in turn; a file
    /// that none of them reaches is a crate of its own (a test or a `trybuild` case).
    pub(crate) fn around(own: &Path, own_text: &str) -> Crate {
        let own_canonical = std::fs::canonicalize(own).unwrap_or_else(|_| own.to_path_buf());
        for root in roots(&own_canonical) {
            let mut found = Vec::new();
            walk(&root, Vec::new(), true, &mut found);
            if let Some(index) = found.iter().position(|(path, _, _)| *path == own_canonical) {
                let own_entry = found.swap_remove(index);
                let mut files = vec![CrateFile {
                    path: own_entry.0,
                    text: own_text.to_owned(),
                    module: own_entry.1,
                    ast: OnceCell::new(),
                }];
                files.extend(found.into_iter().map(|(path, module, text)| CrateFile {
                    path,
                    text,
                    module,
                    ast: OnceCell::new(),
                }));
                return Crate { files };
            }
        }
        // Not reached from a root: the file and the modules it declares.
        let mut found = Vec::new();
        walk_text(&own_canonical, own_text, Vec::new(), true, &mut found);
        let mut files = Vec::new();
        for (index, (path, module, text)) in found.into_iter().enumerate() {
            let text = if index == 0 {
                own_text.to_owned()
            } else {
                text
            };
            files.push(CrateFile {
                path,
                text,
                module,
                ast: OnceCell::new(),
            });
        }
        if files.is_empty() {
            files.push(CrateFile {
                path: own_canonical,
                text: own_text.to_owned(),
                module: Vec::new(),
                ast: OnceCell::new(),
            });
        }
        Crate { files }
    }

    /// A crate of one file (no path known).
    pub(crate) fn single(text: &str) -> Crate {
        Crate {
            files: vec![CrateFile {
                path: PathBuf::new(),
                text: text.to_owned(),
                module: Vec::new(),
                ast: OnceCell::new(),
            }],
        }
    }

    /// The files whose text mentions `name`, with their index.
    pub(crate) fn mentioning(&self, name: &str) -> Vec<(usize, &CrateFile)> {
        self.files
            .iter()
            .enumerate()
            .filter(|(_, file)| file.text.contains(name))
            .collect()
    }
}

/// The roots of the package around `file`, in the order they are tried: `src/lib.rs` and
/// `src/main.rs`; then `file` itself if it is a root (a binary's, an example's, a test's: the
/// other roots' trees do not hold it but by a `#[path]`, and a package's binaries may be many,
/// costing more to list and read for each function than its check); then the other roots,
/// listed only if these did not reach `file`: `src/bin/*.rs`, `src/bin/*/main.rs`,
/// `examples/*.rs`, `tests/*.rs`, `benches/*.rs`. Each is canonical, and a file.
fn roots(file: &Path) -> impl Iterator<Item = PathBuf> {
    let package = file
        .ancestors()
        .skip(1)
        .find(|dir| dir.join("Cargo.toml").is_file())
        .map(Path::to_path_buf);
    let mut first = Vec::new();
    if let Some(package) = &package {
        first.push(package.join("src").join("lib.rs"));
        first.push(package.join("src").join("main.rs"));
        let parent = file.parent();
        let is_root = ROOT_FOLDERS
            .iter()
            .any(|dir| parent == Some(package.join(dir).as_path()))
            || (file.file_name().is_some_and(|name| name == "main.rs")
                && parent.and_then(Path::parent) == Some(package.join("src/bin").as_path()));
        // `package` is canonical (an ancestor of a canonical path), so `file` is compared as
        // it is.
        if is_root && !first.iter().any(|root| root == file) {
            first.push(file.to_path_buf());
        }
    }
    let tried = first.clone();
    let rest = package.into_iter().flat_map(move |package| {
        let tried = tried.clone();
        ROOT_FOLDERS
            .iter()
            .flat_map(move |dir| {
                let Ok(entries) = std::fs::read_dir(package.join(dir)) else {
                    return Vec::new();
                };
                let mut paths: Vec<(PathBuf, bool)> = entries
                    .filter_map(|entry| {
                        let entry = entry.ok()?;
                        let is_dir = entry.file_type().ok()?.is_dir();
                        Some((entry.path(), is_dir))
                    })
                    .collect();
                paths.sort();
                paths
                    .into_iter()
                    .filter_map(|(path, is_dir)| {
                        if is_dir {
                            Some(path.join("main.rs"))
                        } else {
                            path.extension()
                                .is_some_and(|ext| ext == "rs")
                                .then_some(path)
                        }
                    })
                    .collect()
            })
            .filter(move |root| !tried.contains(root))
    });
    first
        .into_iter()
        .chain(rest)
        .filter(|root| root.is_file())
        .filter_map(|root| std::fs::canonicalize(root).ok())
}

/// The folders whose `.rs` files are crate roots.
const ROOT_FOLDERS: &[&str] = &["src/bin", "examples", "tests", "benches"];

/// Every file of the module tree from `path` (module `module`); `owns_dir` when the file's
/// submodules live beside it (a crate root or a `mod.rs`).
fn walk(
    path: &Path,
    module: Vec<String>,
    owns_dir: bool,
    out: &mut Vec<(PathBuf, Vec<String>, String)>,
) {
    let Ok(text) = std::fs::read_to_string(path) else {
        return;
    };
    walk_text(path, &text, module, owns_dir, out);
}

fn walk_text(
    path: &Path,
    text: &str,
    module: Vec<String>,
    owns_dir: bool,
    out: &mut Vec<(PathBuf, Vec<String>, String)>,
) {
    if out.len() >= FILE_LIMIT || out.iter().any(|(seen, _, _)| seen == path) {
        return;
    }
    out.push((path.to_path_buf(), module.clone(), text.to_owned()));
    let dir = match (owns_dir, path.parent(), path.file_stem()) {
        (true, Some(parent), _) => parent.to_path_buf(),
        (false, Some(parent), Some(stem)) => parent.join(stem),
        _ => return,
    };
    for (inline, name, attr_path) in declared_mods(path, text) {
        if let Some(attr_path) = attr_path {
            let Some(folder) = path.parent() else {
                continue;
            };
            let file = folder.join(attr_path);
            let file = std::fs::canonicalize(&file).unwrap_or(file);
            let mut sub_module = module.clone();
            sub_module.push(name);
            // The modules a `#[path]` file declares in turn are not read.
            if let Ok(text) = std::fs::read_to_string(&file)
                && out.len() < FILE_LIMIT
                && !out.iter().any(|(seen, _, _)| *seen == file)
            {
                out.push((file, sub_module, text));
            }
            continue;
        }
        let mut sub_dir = dir.clone();
        for part in &inline {
            sub_dir.push(part);
        }
        let mut sub_module = module.clone();
        sub_module.extend(inline.iter().cloned());
        sub_module.push(name.clone());
        let flat = sub_dir.join(format!("{name}.rs"));
        let nested = sub_dir.join(&name).join("mod.rs");
        if flat.is_file() {
            let flat = std::fs::canonicalize(&flat).unwrap_or(flat);
            walk(&flat, sub_module, false, out);
        } else if nested.is_file() {
            let nested = std::fs::canonicalize(&nested).unwrap_or(nested);
            walk(&nested, sub_module, true, out);
        }
    }
}

/// A module declared by a file: the inline modules around it, its name, and its file when a
/// `#[path = ".."]` names it (relative to the declaring file's folder).
type DeclaredMod = (Vec<String>, String, Option<String>);

thread_local! {
    /// The modules each file read declares, with the text they were read from: the functions
    /// of a crate come one after another, and reading a file again costs less than finding
    /// its modules again.
    static DECLARED: RefCell<HashMap<PathBuf, (String, Vec<DeclaredMod>)>> =
        RefCell::new(HashMap::new());
}

/// The `mod name;` items of the file at `path` whose text is `text`.
fn declared_mods(path: &Path, text: &str) -> Vec<DeclaredMod> {
    let cached = DECLARED.with_borrow(|cache| {
        cache
            .get(path)
            .filter(|(cached_text, _)| cached_text == text)
            .map(|(_, mods)| mods.clone())
    });
    if let Some(mods) = cached {
        return mods;
    }
    let mut declared = Vec::new();
    if let Ok(tokens) = TokenStream::from_str(text) {
        out_of_line_mods(tokens, &[], &mut declared);
    }
    DECLARED.with_borrow_mut(|cache| {
        cache.insert(path.to_path_buf(), (text.to_owned(), declared.clone()));
    });
    declared
}

/// The `mod name;` items among `tokens` (inside the inline modules `inline`), as (inline
/// modules around it, name). A `mod` with a `#[path]` attribute is skipped: its file is not
/// where the name says.
fn out_of_line_mods(tokens: TokenStream, inline: &[String], out: &mut Vec<DeclaredMod>) {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut index = 0;
    while index < trees.len() {
        if let TokenTree::Ident(ident) = &trees[index]
            && ident == "mod"
            && let Some(TokenTree::Ident(name)) = trees.get(index + 1)
        {
            let path_attr = preceding_path_attr(&trees[..index]);
            match (trees.get(index + 2), path_attr) {
                (Some(TokenTree::Punct(punct)), PathAttr::None) if punct.as_char() == ';' => {
                    out.push((inline.to_vec(), name.to_string(), None));
                }
                (Some(TokenTree::Punct(punct)), PathAttr::Path(path))
                    if punct.as_char() == ';' && inline.is_empty() =>
                {
                    out.push((Vec::new(), name.to_string(), Some(path)));
                }
                (Some(TokenTree::Group(group)), PathAttr::None) => {
                    let mut inner = inline.to_vec();
                    inner.push(name.to_string());
                    out_of_line_mods(group.stream(), &inner, out);
                }
                _ => {}
            }
            index += 2;
            continue;
        }
        index += 1;
    }
}

/// A `#[path]` attribute of an item.
enum PathAttr {
    None,
    /// `#[path = "file.rs"]`.
    Path(String),
    /// One the walk does not read.
    Other,
}

/// Whether the attributes just before an item (`#[..]` groups, `pub`, `pub(crate)`) include
/// `#[path = ..]`, and which.
fn preceding_path_attr(before: &[TokenTree]) -> PathAttr {
    let mut index = before.len();
    while index > 0 {
        match &before[index - 1] {
            TokenTree::Ident(ident) if ident == "pub" => index -= 1,
            TokenTree::Group(group) if group.delimiter() == proc_macro2::Delimiter::Parenthesis => {
                index -= 1;
            }
            TokenTree::Group(group) if group.delimiter() == proc_macro2::Delimiter::Bracket => {
                let is_path = group.stream().into_iter().next().is_some_and(
                    |first| matches!(&first, TokenTree::Ident(ident) if ident == "path"),
                );
                if is_path {
                    let literal = group.stream().into_iter().nth(2);
                    return match literal {
                        Some(TokenTree::Literal(literal)) => {
                            let text = literal.to_string();
                            match text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
                                Some(path) if !path.contains('\\') => {
                                    PathAttr::Path(path.to_owned())
                                }
                                _ => PathAttr::Other,
                            }
                        }
                        _ => PathAttr::Other,
                    };
                }
                // The `#` before the group.
                index = index.saturating_sub(2);
            }
            _ => return PathAttr::None,
        }
    }
    PathAttr::None
}

/// A function of the crate, free or in an `impl`.
#[derive(Clone)]
pub(crate) struct FoundFn<'c> {
    pub(crate) file: &'c CrateFile,
    /// The module path of the function (its file's, with inline modules).
    pub(crate) module: Vec<String>,
    /// The type of the inherent `impl` it is in, if any.
    pub(crate) self_ty: Option<String>,
    pub(crate) sig: &'c syn::Signature,
    pub(crate) block: &'c syn::Block,
    /// Where it is in its file: the item's index, in the inline module's items for each
    /// module around it, then in the `impl`'s items (see [`CrateFile::fn_at`]).
    pub(crate) at: Vec<usize>,
}

/// Collects the functions of a file named `name`.
struct FnCollector<'c, 'n> {
    name: &'n str,
    file: &'c CrateFile,
    module: Vec<String>,
    found: Vec<FoundFn<'c>>,
}

/// The last identifier of a type's path (`Halo<T>` is `Halo`).
pub(crate) fn type_name(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(path) if path.qself.is_none() => {
            path.path.segments.last().map(|last| last.ident.to_string())
        }
        syn::Type::Reference(reference) => type_name(&reference.elem),
        syn::Type::Paren(paren) => type_name(&paren.elem),
        syn::Type::Group(group) => type_name(&group.elem),
        _ => None,
    }
}

impl<'c> FnCollector<'c, '_> {
    /// The functions named so among `items`, which are at `at` in the file. Functions inside
    /// functions, traits and trait `impl`s are not reached by path.
    fn items(&mut self, items: &'c [syn::Item], at: &mut Vec<usize>) {
        for (index, item) in items.iter().enumerate() {
            at.push(index);
            match item {
                syn::Item::Fn(item) if item.sig.ident == self.name => {
                    self.found.push(FoundFn {
                        file: self.file,
                        module: self.module.clone(),
                        self_ty: None,
                        sig: &item.sig,
                        block: &item.block,
                        at: at.clone(),
                    });
                }
                syn::Item::Mod(item) => {
                    if let Some((_, content)) = &item.content {
                        self.module.push(item.ident.to_string());
                        self.items(content, at);
                        self.module.pop();
                    }
                }
                syn::Item::Impl(item) if item.trait_.is_none() => {
                    let self_ty = type_name(&item.self_ty);
                    for (inner, impl_item) in item.items.iter().enumerate() {
                        if let syn::ImplItem::Fn(method) = impl_item
                            && method.sig.ident == self.name
                            && self_ty.is_some()
                        {
                            at.push(inner);
                            self.found.push(FoundFn {
                                file: self.file,
                                module: self.module.clone(),
                                self_ty: self_ty.clone(),
                                sig: &method.sig,
                                block: &method.block,
                                at: at.clone(),
                            });
                            at.pop();
                        }
                    }
                }
                _ => {}
            }
            at.pop();
        }
    }
}

impl Crate {
    /// Every function named `name`: free functions and those of inherent `impl`s.
    pub(crate) fn fns_named<'c>(&'c self, name: &str) -> Vec<FoundFn<'c>> {
        // Only files with `fn name` in their text are parsed.
        self.files
            .iter()
            .filter(|file| declares_fn(&file.text, name))
            .flat_map(|file| file.fns_named(name))
            .collect()
    }

    /// The one type (struct, enum, union or alias) of the crate named `name`, if exactly one.
    pub(crate) fn type_named(&self, name: &str) -> Option<TypeDef<'_>> {
        struct Types<'c, 'n> {
            name: &'n str,
            found: Vec<TypeDef<'c>>,
        }
        impl<'c> Visit<'c> for Types<'c, '_> {
            fn visit_item_struct(&mut self, item: &'c syn::ItemStruct) {
                if item.ident == self.name {
                    self.found.push(TypeDef::Struct(item));
                }
            }
            fn visit_item_enum(&mut self, item: &'c syn::ItemEnum) {
                if item.ident == self.name {
                    self.found.push(TypeDef::Enum(item));
                }
            }
            fn visit_item_union(&mut self, item: &'c syn::ItemUnion) {
                if item.ident == self.name {
                    self.found.push(TypeDef::Other);
                }
            }
            fn visit_item_type(&mut self, item: &'c syn::ItemType) {
                if item.ident == self.name {
                    self.found.push(TypeDef::Other);
                }
            }
            fn visit_item_trait(&mut self, item: &'c syn::ItemTrait) {
                if item.ident == self.name {
                    self.found.push(TypeDef::Other);
                }
            }
            fn visit_item_use(&mut self, item: &'c syn::ItemUse) {
                // `use other::Thing as Name;`: a second meaning of the name.
                if use_renames_to(&item.tree, self.name) {
                    self.found.push(TypeDef::Other);
                }
            }
        }
        let mut types = Types {
            name,
            found: Vec::new(),
        };
        // Only files that may define the name (or rename something to it) are parsed.
        let keywords = ["struct", "enum", "union", "type", "trait", "as"];
        for (_, file) in self.mentioning(name) {
            if after_keyword(&file.text, name, &keywords)
                && let Some(ast) = file.ast()
            {
                types.visit_file(ast);
            }
        }
        let mut found = types.found.into_iter();
        let first = found.next()?;
        match (found.next(), first) {
            (None, TypeDef::Other) | (Some(_), _) => None,
            (None, def) => Some(def),
        }
    }
}

/// Whether a `use` tree renames something to `name` (`use a::B as Name`).
fn use_renames_to(tree: &syn::UseTree, name: &str) -> bool {
    match tree {
        syn::UseTree::Rename(rename) => rename.rename == name,
        syn::UseTree::Path(path) => use_renames_to(&path.tree, name),
        syn::UseTree::Group(group) => group.items.iter().any(|item| use_renames_to(item, name)),
        _ => false,
    }
}

/// A type of the crate.
#[derive(Clone, Copy)]
pub(crate) enum TypeDef<'c> {
    Struct(&'c syn::ItemStruct),
    Enum(&'c syn::ItemEnum),
    Other,
}

/// What the evaluation needs of a type of the crate.
#[derive(Debug, Clone)]
pub(crate) enum TypeInfo {
    /// A struct with named fields: each field's name and the last name of its type's path.
    Struct {
        fields: Vec<FieldInfo>,
        /// Every derived trait is one that cannot make a value out of nothing (not `Default`,
        /// not `Deserialize`).
        plain_derives: bool,
        /// Declared `pub`: other crates may name it.
        public: bool,
    },
    /// An enum: its variants' names and how many unnamed fields each has.
    Enum { variants: Vec<(String, usize)> },
}

/// A named field of a struct.
#[derive(Debug, Clone)]
pub(crate) struct FieldInfo {
    pub(crate) name: String,
    pub(crate) ty: syn::Type,
    /// Declared `pub`: other crates may set it, where the struct is theirs to name.
    pub(crate) public: bool,
}

/// Derives that copy, compare or print a value, but never make one.
const PLAIN_DERIVES: &[&str] = &[
    "Debug",
    "Clone",
    "Copy",
    "PartialEq",
    "Eq",
    "Hash",
    "PartialOrd",
    "Ord",
];

impl Crate {
    /// The struct or enum of the crate named `name`, when the crate has exactly one type of
    /// that name.
    pub(crate) fn type_info(&self, name: &str) -> Option<TypeInfo> {
        Some(match self.type_named(name)? {
            TypeDef::Struct(item) => {
                let syn::Fields::Named(named) = &item.fields else {
                    return None;
                };
                let fields = named
                    .named
                    .iter()
                    .filter_map(|field| {
                        Some(FieldInfo {
                            name: field.ident.as_ref()?.to_string(),
                            ty: field.ty.clone(),
                            public: matches!(field.vis, syn::Visibility::Public(_)),
                        })
                    })
                    .collect();
                TypeInfo::Struct {
                    fields,
                    plain_derives: plain_derives(&item.attrs),
                    public: matches!(item.vis, syn::Visibility::Public(_)),
                }
            }
            TypeDef::Enum(item) => TypeInfo::Enum {
                variants: item
                    .variants
                    .iter()
                    .map(|variant| {
                        let count = match &variant.fields {
                            syn::Fields::Unnamed(unnamed) => unnamed.unnamed.len(),
                            _ => 0,
                        };
                        (variant.ident.to_string(), count)
                    })
                    .collect(),
            },
            TypeDef::Other => return None,
        })
    }
}

/// Whether every `#[derive(..)]` of `attrs` is one of [`PLAIN_DERIVES`], and no other
/// attribute than docs, `derive`, `allow`/`expect`/`warn`, `repr` and `must_use` is there.
fn plain_derives(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().all(|attr| {
        let path = attr.path();
        if path.is_ident("derive") {
            let mut plain = true;
            let parsed = attr.parse_nested_meta(|meta| {
                let last = meta.path.segments.last().map(|s| s.ident.to_string());
                plain &= last.is_some_and(|last| PLAIN_DERIVES.contains(&last.as_str()));
                Ok(())
            });
            return parsed.is_ok() && plain;
        }
        ["doc", "allow", "expect", "warn", "repr", "must_use"]
            .iter()
            .any(|name| path.is_ident(name))
    })
}

impl CrateFile {
    /// The functions of this file named `name`: free ones and those of inherent `impl`s.
    pub(crate) fn fns_named<'c>(&'c self, name: &str) -> Vec<FoundFn<'c>> {
        let Some(ast) = self.ast() else {
            return Vec::new();
        };
        let mut collector = FnCollector {
            name,
            file: self,
            module: self.module.clone(),
            found: Vec::new(),
        };
        collector.items(&ast.items, &mut Vec::new());
        collector.found
    }

    /// The function at `at` (a [`FoundFn::at`] of this file), found again without a search.
    pub(crate) fn fn_at(&self, at: &[usize]) -> Option<FoundFn<'_>> {
        let mut items = &self.ast()?.items;
        let mut module = self.module.clone();
        let mut rest = at;
        loop {
            let (&index, tail) = rest.split_first()?;
            rest = tail;
            match items.get(index)? {
                syn::Item::Fn(item) if rest.is_empty() => {
                    return Some(FoundFn {
                        file: self,
                        module,
                        self_ty: None,
                        sig: &item.sig,
                        block: &item.block,
                        at: at.to_vec(),
                    });
                }
                syn::Item::Mod(item) => {
                    items = &item.content.as_ref()?.1;
                    module.push(item.ident.to_string());
                }
                syn::Item::Impl(item) => {
                    let (&inner, []) = rest.split_first()? else {
                        return None;
                    };
                    let syn::ImplItem::Fn(method) = item.items.get(inner)? else {
                        return None;
                    };
                    return Some(FoundFn {
                        file: self,
                        module,
                        self_ty: type_name(&item.self_ty),
                        sig: &method.sig,
                        block: &method.block,
                        at: at.to_vec(),
                    });
                }
                _ => return None,
            }
        }
    }
}

/// Whether `text` has `fn name` (the keyword, white space, the name as a whole word).
fn declares_fn(text: &str, name: &str) -> bool {
    after_keyword(text, name, &["fn"])
}

/// Whether `text` has `name` as a word after one of `keywords` and whitespace (`fn name`,
/// `struct name`): a file without it cannot declare `name` so (its syntax tree is not needed).
pub(crate) fn after_keyword(text: &str, name: &str, keywords: &[&str]) -> bool {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(name).any(|(at, _)| {
        let after = text[at + name.len()..].chars().next();
        if after.is_some_and(is_word) {
            return false;
        }
        let before = text[..at].trim_end_matches(char::is_whitespace);
        before.len() < at
            && keywords.iter().any(|keyword| {
                before.ends_with(keyword)
                    && !before[..before.len() - keyword.len()]
                        .chars()
                        .next_back()
                        .is_some_and(is_word)
            })
    })
}

/// Whether two function bodies are the same code (a function as the macro was given it, and
/// as its file was read).
pub(crate) fn same_block(a: &syn::Block, b: &syn::Block) -> bool {
    use quote::ToTokens;
    a.to_token_stream().to_string() == b.to_token_stream().to_string()
}
