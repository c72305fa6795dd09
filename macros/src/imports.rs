//! What the file around a `#[spmd_jit]` function imports from `spmd` under other names: ops
//! renamed with `as` (`use spmd::allreduce as ar;`) and the crate itself
//! (`use spmd as sp;`). An attribute sees only its function, so the file is read from disk
//! (`Span::local_file`) and its `use` items, at any depth, are collected; a call `ar(..)` or
//! `sp::allreduce(..)` is then an op call like `allreduce(..)` (which names are ops is for
//! [`crate::ops`] to say: this module only knows the names).
//!
//! The scan is by name within the file: a rename in one module of a file applies to the
//! functions of every module of that file. Where the file cannot be read or parsed, only the
//! op names themselves are known.

use std::cell::RefCell;

use quote::ToTokens;
use syn::visit::{self, Visit};
use syn::{ItemConst, ItemFn, ItemImpl, ItemTrait, ItemUse, UseTree};

/// The renames in force for the function being expanded.
#[derive(Debug, Default, Clone)]
pub(crate) struct Imports {
    /// `(local name, name in spmd)`: `use spmd::allreduce as ar` gives `("ar", "allreduce")`.
    /// Every rename of an item of the crate is kept; [`crate::ops`] decides which are ops.
    ops: Vec<(String, String)>,
    /// Names of the `spmd` crate: `spmd`, the `crate = path` argument's last segment, and
    /// `use spmd as sp` renames.
    crates: Vec<String>,
}

thread_local! {
    static CURRENT: RefCell<Imports> = RefCell::new(Imports::with_crate(None));
    /// The last [`KEPT`] scans: the file's text, the crate's name, their renames, and the
    /// file's constants (see [`const_texts`]).
    static SCANNED: RefCell<Vec<Scanned>> = const { RefCell::new(Vec::new()) };
}

/// One scan kept: the file's text, the crate's name, its renames, its constants.
type Scanned = (String, Option<String>, Imports, Vec<(String, String)>);

/// The `const` items of a file whose text is `source` (modules included; not those of
/// functions, `impl`s or traits), as `(name, text of the expression)`, when a scan of that
/// text is kept: the scan parsed the file, and the pattern check needs its constants too.
pub(crate) fn const_texts(source: &str) -> Option<Vec<(String, String)>> {
    SCANNED.with_borrow(|kept| {
        kept.iter()
            .find(|(text, _, _, _)| text == source)
            .map(|(_, _, _, consts)| consts.clone())
    })
}

/// How many scans a thread keeps.
const KEPT: usize = 8;

impl Imports {
    fn with_crate(krate: Option<&str>) -> Imports {
        let mut crates = vec!["spmd".to_owned()];
        if let Some(krate) = krate
            && krate != "spmd"
        {
            crates.push(krate.to_owned());
        }
        Imports {
            ops: Vec::new(),
            crates,
        }
    }

    /// The renames in `source`, a whole Rust file; `krate` is the name the function's
    /// attribute gives the crate (`crate = path`), if any.
    ///
    /// The answer for the last few files is kept for the thread: the compiler expands every
    /// `#[spmd_jit]` function of a crate in one process, and parsing a whole file for each of
    /// its functions was a third of the macro's time. What is kept is names only (no syntax
    /// tree, whose spans would not outlive the expansion that made them), found again only
    /// for the same text (compared whole) and crate name.
    pub(crate) fn scan(source: Option<&str>, krate: Option<&str>) -> Imports {
        let Some(text) = source else {
            return Imports::with_crate(krate);
        };
        if let Some(found) = SCANNED.with_borrow(|kept| {
            kept.iter()
                .find(|(kept_text, kept_crate, _, _)| {
                    kept_text == text && kept_crate.as_deref() == krate
                })
                .map(|(_, _, imports, _)| imports.clone())
        }) {
            return found;
        }
        let (imports, consts) = Imports::parse(text, krate);
        SCANNED.with_borrow_mut(|kept| {
            if kept.len() == KEPT {
                kept.remove(0);
            }
            kept.push((
                text.to_owned(),
                krate.map(str::to_owned),
                imports.clone(),
                consts,
            ));
        });
        imports
    }

    /// [`scan`](Imports::scan), without what the thread kept; with the file's constants.
    fn parse(source: &str, krate: Option<&str>) -> (Imports, Vec<(String, String)>) {
        let mut imports = Imports::with_crate(krate);
        let mut uses = Uses {
            trees: Vec::new(),
            consts: Vec::new(),
            in_code: 0,
        };
        if let Ok(file) = syn::parse_file(source) {
            uses.visit_file(&file);
            // Crate renames first, so that `use sp::allreduce as ar` after `use spmd as sp`
            // is seen whatever the order of the items.
            for tree in &uses.trees {
                imports.crate_renames(tree, &[]);
            }
            for tree in &uses.trees {
                imports.op_renames(tree, &[]);
            }
        }
        (imports, uses.consts)
    }

    fn is_crate(&self, name: &str) -> bool {
        self.crates.iter().any(|krate| krate == name)
    }

    fn crate_renames(&mut self, tree: &UseTree, prefix: &[String]) {
        match tree {
            UseTree::Path(path) => {
                let mut prefix = prefix.to_vec();
                prefix.push(path.ident.to_string());
                self.crate_renames(&path.tree, &prefix);
            }
            UseTree::Group(group) => {
                for tree in &group.items {
                    self.crate_renames(tree, prefix);
                }
            }
            UseTree::Rename(rename)
                if prefix.is_empty() && self.is_crate(&rename.ident.to_string()) =>
            {
                let name = rename.rename.to_string();
                if name != "_" && !self.is_crate(&name) {
                    self.crates.push(name);
                }
            }
            _ => {}
        }
    }

    fn op_renames(&mut self, tree: &UseTree, prefix: &[String]) {
        match tree {
            UseTree::Path(path) => {
                let mut prefix = prefix.to_vec();
                prefix.push(path.ident.to_string());
                self.op_renames(&path.tree, &prefix);
            }
            UseTree::Group(group) => {
                for tree in &group.items {
                    self.op_renames(tree, prefix);
                }
            }
            UseTree::Rename(rename) => {
                let from_crate = prefix.first().is_some_and(|first| self.is_crate(first));
                let (original, name) = (rename.ident.to_string(), rename.rename.to_string());
                if from_crate && name != "_" && name != original {
                    self.ops.push((name, original));
                }
            }
            _ => {}
        }
    }

    /// Makes these the renames of the expansion in progress on this thread.
    pub(crate) fn install(self) {
        CURRENT.set(self);
    }
}

/// The name in `spmd` of what `local` renames (`"allreduce"` for `ar` after
/// `use spmd::allreduce as ar`), if the file renames an item of the crate to it.
pub(crate) fn original_name(local: &str) -> Option<String> {
    CURRENT.with_borrow(|imports| {
        imports
            .ops
            .iter()
            .find(|(name, _)| name == local)
            .map(|(_, original)| original.clone())
    })
}

/// Whether `name` is a name of the `spmd` crate in the file being expanded.
pub(crate) fn is_crate_name(name: &str) -> bool {
    CURRENT.with_borrow(|imports| imports.is_crate(name))
}

/// Every `use` tree of a file, nested modules and function bodies included.
/// The `use` trees of a file, at any depth, and its constants outside functions, `impl`s and
/// traits.
struct Uses {
    trees: Vec<UseTree>,
    consts: Vec<(String, String)>,
    /// How many functions, `impl`s and traits the visit is inside.
    in_code: usize,
}

impl Uses {
    fn inside(&mut self, visit: impl FnOnce(&mut Self)) {
        self.in_code += 1;
        visit(self);
        self.in_code -= 1;
    }
}

impl<'ast> Visit<'ast> for Uses {
    fn visit_item_use(&mut self, item: &'ast ItemUse) {
        // `use ::spmd::x` and `use spmd::x` alike: the leading colon is not part of the tree.
        self.trees.push(item.tree.clone());
    }

    fn visit_item_const(&mut self, item: &'ast ItemConst) {
        if self.in_code == 0 {
            self.consts.push((
                item.ident.to_string(),
                item.expr.to_token_stream().to_string(),
            ));
        }
        visit::visit_item_const(self, item);
    }

    fn visit_item_fn(&mut self, item: &'ast ItemFn) {
        self.inside(|this| visit::visit_item_fn(this, item));
    }

    fn visit_item_impl(&mut self, item: &'ast ItemImpl) {
        self.inside(|this| visit::visit_item_impl(this, item));
    }

    fn visit_item_trait(&mut self, item: &'ast ItemTrait) {
        self.inside(|this| visit::visit_item_trait(this, item));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn renames(source: &str) -> Imports {
        Imports::scan(Some(source), None)
    }

    #[test]
    fn op_renames_at_any_depth_and_in_groups() {
        let imports = renames(
            "use spmd::allreduce as ar;\n\
             use ::spmd::{prelude::*, bcast as broadcast, send};\n\
             mod inner { use spmd::prelude::recv as get; }\n\
             fn f() { use spmd::gather as collect; }\n\
             use other::scatter as spread;\n\
             use spmd::allgather as _;\n",
        );
        let names: Vec<(&str, &str)> = imports
            .ops
            .iter()
            .map(|(local, original)| (local.as_str(), original.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("ar", "allreduce"),
                ("broadcast", "bcast"),
                ("get", "recv"),
                ("collect", "gather")
            ]
        );
    }

    #[test]
    fn crate_renames_and_ops_under_them() {
        let imports = renames("use sp::allreduce as ar;\nuse spmd as sp;\n");
        assert_eq!(imports.crates, ["spmd", "sp"]);
        assert_eq!(imports.ops.len(), 1, "{imports:?}");
        let renamed = Imports::scan(Some("use my_spmd::bcast as b;"), Some("my_spmd"));
        assert_eq!(renamed.ops[0].0, "b");
    }

    #[test]
    fn an_unparsable_file_gives_the_plain_names() {
        let imports = renames("use spmd::allreduce as ar; fn (");
        assert!(imports.ops.is_empty());
        assert_eq!(imports.crates, ["spmd"]);
        assert!(Imports::scan(None, None).ops.is_empty());
    }

    #[test]
    fn a_kept_scan_is_found_only_for_the_same_text_and_crate() {
        let first = "use spmd::allreduce as ar;";
        let second = "use spmd::allreduce as total;";
        let ops = |imports: &Imports| imports.ops.clone();
        assert_eq!(
            ops(&renames(first)),
            [("ar".to_owned(), "allreduce".to_owned())]
        );
        assert_eq!(
            ops(&renames(second)),
            [("total".to_owned(), "allreduce".to_owned())]
        );
        // Kept: the same answers again, each for its own text.
        assert_eq!(ops(&renames(first)), ops(&Imports::parse(first, None).0));
        assert_eq!(ops(&renames(second)), ops(&Imports::parse(second, None).0));
        // Another crate name is another scan: `sp::allreduce as s` is a rename of spmd's
        // only when the crate is called `sp`.
        let renamed = "use sp::allreduce as s;";
        assert!(ops(&renames(renamed)).is_empty());
        let as_sp = Imports::scan(Some(renamed), Some("sp"));
        assert_eq!(ops(&as_sp), [("s".to_owned(), "allreduce".to_owned())]);
        assert!(ops(&renames(renamed)).is_empty());
    }

    #[test]
    fn installed_renames_are_found_by_name() {
        renames("use spmd::allreduce as ar; use spmd as sp;").install();
        assert_eq!(original_name("ar").as_deref(), Some("allreduce"));
        assert_eq!(
            crate::ops::op_named("ar").map(|op| op.name),
            Some("allreduce")
        );
        assert_eq!(
            crate::ops::op_named("bcast").map(|op| op.name),
            Some("bcast")
        );
        assert_eq!(crate::ops::op_named("nothing"), None);
        assert!(is_crate_name("sp") && is_crate_name("spmd") && !is_crate_name("std"));
        Imports::default().install();
    }
}
