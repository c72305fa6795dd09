//! Small readings of syntax that several analyses share.

use proc_macro2::Ident;
use syn::{Macro, Pat};

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
