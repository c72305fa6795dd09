//! Small readings of syntax that several analyses share.

use proc_macro2::{Ident, TokenStream, TokenTree};
use syn::{BinOp, Expr, Macro, Pat, Token};

/// The names a pattern binds, in order: `x`, `x @ ..` and what follows the `@`, and those of
/// tuples, tuple structs, structs, slices, references, parentheses, typed patterns and every
/// case of an or-pattern.
pub(crate) fn bindings(pat: &Pat) -> Vec<&Ident> {
    let mut names = Vec::new();
    collect(pat, &mut names);
    names
}

fn collect<'p>(pat: &'p Pat, names: &mut Vec<&'p Ident>) {
    match pat {
        Pat::Ident(ident) => {
            names.push(&ident.ident);
            if let Some((_, sub)) = &ident.subpat {
                collect(sub, names);
            }
        }
        Pat::Tuple(tuple) => tuple.elems.iter().for_each(|p| collect(p, names)),
        Pat::TupleStruct(tuple) => tuple.elems.iter().for_each(|p| collect(p, names)),
        Pat::Type(typed) => collect(&typed.pat, names),
        Pat::Reference(reference) => collect(&reference.pat, names),
        Pat::Paren(paren) => collect(&paren.pat, names),
        Pat::Slice(slice) => slice.elems.iter().for_each(|p| collect(p, names)),
        Pat::Or(or) => or.cases.iter().for_each(|p| collect(p, names)),
        Pat::Struct(fields) => fields
            .fields
            .iter()
            .for_each(|field| collect(&field.pat, names)),
        _ => {}
    }
}

/// [`bindings`] as strings.
pub(crate) fn binding_names(pat: &Pat) -> Vec<String> {
    bindings(pat).into_iter().map(Ident::to_string).collect()
}

/// The last name of a macro's path: `println` for `std::println!`.
pub(crate) fn macro_name(mac: &Macro) -> String {
    mac.path
        .segments
        .last()
        .map(|segment| segment.ident.to_string())
        .unwrap_or_default()
}

/// `SCREAMING_CASE`: the name of a constant.
pub(crate) fn is_const_name(name: &str) -> bool {
    name.chars().any(|c| c.is_ascii_uppercase())
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// The identifiers among `tokens`, nested groups included, pushed onto `names`.
pub(crate) fn idents(tokens: TokenStream, names: &mut Vec<String>) {
    for tree in tokens {
        match tree {
            TokenTree::Ident(ident) => names.push(ident.to_string()),
            TokenTree::Group(group) => idents(group.stream(), names),
            _ => {}
        }
    }
}

/// The variables that `target` names whole (`x`, `(x, y)`, `(x)`), pushed onto `names`: those
/// an assignment to it, or a `&mut` of it, replaces. A field, index or deref names none.
pub(crate) fn assigned_names(target: &Expr, names: &mut Vec<String>) {
    match target {
        Expr::Path(path) => {
            if let Some(ident) = path.path.get_ident() {
                names.push(ident.to_string());
            }
        }
        Expr::Tuple(tuple) => tuple.elems.iter().for_each(|e| assigned_names(e, names)),
        Expr::Paren(inner) => assigned_names(&inner.expr, names),
        _ => {}
    }
}

/// The variable a place is part of: `r` for `r`, `r.right`, `r.cells[i]`, `(*r).right`;
/// `None` for a place that is not in a variable (a call's result).
pub(crate) fn root_name(place: &Expr) -> Option<String> {
    match place {
        Expr::Path(path) => path.path.get_ident().map(ToString::to_string),
        Expr::Field(field) => root_name(&field.base),
        Expr::Index(index) => root_name(&index.expr),
        Expr::Paren(inner) => root_name(&inner.expr),
        Expr::Group(inner) => root_name(&inner.expr),
        Expr::Unary(unary) => root_name(&unary.expr),
        Expr::Reference(reference) => root_name(&reference.expr),
        _ => None,
    }
}

/// `+=` as `+`, and so on; `None` for an operator that assigns nothing.
pub(crate) fn compound_op(op: &BinOp) -> Option<BinOp> {
    Some(match op {
        BinOp::AddAssign(t) => BinOp::Add(Token![+](t.spans[0])),
        BinOp::SubAssign(t) => BinOp::Sub(Token![-](t.spans[0])),
        BinOp::MulAssign(t) => BinOp::Mul(Token![*](t.spans[0])),
        BinOp::DivAssign(t) => BinOp::Div(Token![/](t.spans[0])),
        BinOp::RemAssign(t) => BinOp::Rem(Token![%](t.spans[0])),
        BinOp::BitXorAssign(t) => BinOp::BitXor(Token![^](t.spans[0])),
        BinOp::BitAndAssign(t) => BinOp::BitAnd(Token![&](t.spans[0])),
        BinOp::BitOrAssign(t) => BinOp::BitOr(Token![|](t.spans[0])),
        BinOp::ShlAssign(t) => BinOp::Shl(Token![<<](t.spans[0])),
        BinOp::ShrAssign(t) => BinOp::Shr(Token![>>](t.spans[0])),
        _ => return None,
    })
}

/// Whether `expr` holds a `return` that leaves it (not one of a closure, `async` block or item
/// inside it).
pub(crate) fn returns(expr: &syn::Expr) -> bool {
    struct Finder(bool);
    impl<'ast> syn::visit::Visit<'ast> for Finder {
        fn visit_expr_return(&mut self, _: &'ast syn::ExprReturn) {
            self.0 = true;
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut finder = Finder(false);
    syn::visit::Visit::visit_expr(&mut finder, expr);
    finder.0
}
