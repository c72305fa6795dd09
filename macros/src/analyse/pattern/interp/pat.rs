//! Patterns: whether a value matches one, and the names it binds.

use syn::{Expr, Pat, PatIdent, PatOr, PatPath, PatRange, PatTuple, PatTupleStruct, RangeLimits};

use super::expr::literal;
use super::{Binds, Interp, R, Value};
use crate::analyse::syntax::{binding_names, is_const_name};

/// The outcome of matching a value against a pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Matches {
    Yes,
    No,
    Unknown,
}

impl Matches {
    /// A condition's outcome: `None` when the condition is not known.
    pub(super) fn of_bool(condition: Option<bool>) -> Matches {
        match condition {
            Some(true) => Matches::Yes,
            Some(false) => Matches::No,
            None => Matches::Unknown,
        }
    }
}

impl Interp<'_> {
    /// Matches `value` against `pat`, pushing the names it binds onto `binds`.
    pub(super) fn pattern(&mut self, pat: &Pat, value: &Value, binds: &mut Binds) -> R<Matches> {
        self.tick()?;
        Ok(match pat {
            Pat::Wild(_) | Pat::Rest(_) => Matches::Yes,
            Pat::Ident(ident) => self.ident_pattern(ident, value, binds)?,
            Pat::Lit(lit) => compare(&literal(&lit.lit), value),
            Pat::Range(range) => self.range_pattern(range, value)?,
            Pat::Or(or) => self.or_pattern(or, value, binds)?,
            Pat::Tuple(tuple) => self.tuple_pattern(tuple, value, binds)?,
            Pat::TupleStruct(tuple) => self.tuple_struct_pattern(tuple, value, binds)?,
            Pat::Path(path) => self.path_pattern(path, value),
            Pat::Struct(pat) => self.struct_pattern(pat, value, binds)?,
            Pat::Type(typed) => self.pattern(&typed.pat, value, binds)?,
            Pat::Reference(reference) => self.pattern(&reference.pat, value, binds)?,
            Pat::Paren(paren) => self.pattern(&paren.pat, value, binds)?,
            other => {
                binds.extend(unknowns(other));
                Matches::Unknown
            }
        })
    }

    /// `x`, `x @ sub`; a bare `None` or name of a constant is compared, not bound.
    fn ident_pattern(&mut self, ident: &PatIdent, value: &Value, binds: &mut Binds) -> R<Matches> {
        let name = ident.ident.to_string();
        if ident.subpat.is_none() && ident.by_ref.is_none() && ident.mutability.is_none() {
            if name == "None" {
                return Ok(matches_none(value));
            }
            if is_const_name(&name) && self.shared.consts.contains_key(&name) {
                let expected = self.constant(&name);
                return Ok(compare(&expected, value));
            }
        }
        let matched = match &ident.subpat {
            Some((_, sub)) => self.pattern(sub, value, binds)?,
            None => Matches::Yes,
        };
        binds.push((name, value.clone()));
        Ok(matched)
    }

    fn range_pattern(&mut self, range: &PatRange, value: &Value) -> R<Matches> {
        let start = self.range_bound(range.start.as_deref())?;
        let end = self.range_bound(range.end.as_deref())?;
        let (Some(x), Some(start), Some(end)) = (
            value.int(),
            start.unwrap_or(Some(i128::MIN)),
            end.unwrap_or(Some(i128::MAX)),
        ) else {
            return Ok(Matches::Unknown);
        };
        let inside = match range.limits {
            RangeLimits::HalfOpen(_) => start <= x && x < end,
            RangeLimits::Closed(_) => start <= x && x <= end,
        };
        Ok(if inside { Matches::Yes } else { Matches::No })
    }

    /// A bound of a range pattern: `None` when there is none, `Some(None)` when it is not
    /// known.
    fn range_bound(&mut self, bound: Option<&Expr>) -> R<Option<Option<i128>>> {
        Ok(match bound {
            Some(expr) => Some(self.expr(expr)?.int()),
            None => None,
        })
    }

    /// `a | b`: the first case that matches binds, unless a case before it is not known.
    fn or_pattern(&mut self, or: &PatOr, value: &Value, binds: &mut Binds) -> R<Matches> {
        let mut unknown = false;
        for case in &or.cases {
            let mut case_binds = Vec::new();
            match self.pattern(case, value, &mut case_binds)? {
                Matches::Yes if !unknown => {
                    binds.extend(case_binds);
                    return Ok(Matches::Yes);
                }
                Matches::No => {}
                _ => unknown = true,
            }
        }
        Ok(if unknown {
            Matches::Unknown
        } else {
            Matches::No
        })
    }

    fn tuple_pattern(&mut self, tuple: &PatTuple, value: &Value, binds: &mut Binds) -> R<Matches> {
        let has_rest = tuple.elems.iter().any(|p| matches!(p, Pat::Rest(_)));
        let items: Vec<Value> = match value {
            Value::Tuple(items) if items.len() == tuple.elems.len() && !has_rest => items.clone(),
            _ => vec![Value::Unknown; tuple.elems.len()],
        };
        self.all(tuple.elems.iter().zip(&items), binds)
    }

    /// `Some(x)` against an `Option`; any other tuple struct binds its names to unknowns.
    fn tuple_struct_pattern(
        &mut self,
        tuple: &PatTupleStruct,
        value: &Value,
        binds: &mut Binds,
    ) -> R<Matches> {
        if let Some(matches) = self.variant_match(&tuple.path, value) {
            let fields = match value {
                Value::Variant { fields, .. } if fields.len() == tuple.elems.len() => {
                    fields.clone()
                }
                _ => vec![Value::Unknown; tuple.elems.len()],
            };
            let inner = self.all(tuple.elems.iter().zip(&fields), binds)?;
            return Ok(match (matches, inner) {
                (Matches::No, _) | (_, Matches::No) => Matches::No,
                (Matches::Yes, Matches::Yes) => Matches::Yes,
                _ => Matches::Unknown,
            });
        }
        let is_some = tuple.path.is_ident("Some") && tuple.elems.len() == 1;
        Ok(match (is_some, value) {
            (true, Value::Opt(Some(inner))) => {
                let inner = (**inner).clone();
                self.all(tuple.elems.iter().zip(std::iter::once(&inner)), binds)?
            }
            (true, Value::Opt(None)) => Matches::No,
            _ => {
                let unknown = vec![Value::Unknown; tuple.elems.len()];
                self.all(tuple.elems.iter().zip(&unknown), binds)?;
                Matches::Unknown
            }
        })
    }

    /// Whether `path` (a variant, `Ok`, `Err`) names the variant of `value`: `None` when
    /// `value` is no variant or `MaybeOk` (whose variant is not known).
    fn variant_match(&self, path: &syn::Path, value: &Value) -> Option<Matches> {
        let names: Vec<String> = path
            .segments
            .iter()
            .map(|segment| segment.ident.to_string())
            .collect();
        let (last, owner) = match names.as_slice() {
            [last] => (last, None),
            [.., owner, last] => (last, Some(owner)),
            [] => return None,
        };
        match value {
            Value::MaybeOk(_) if names.len() == 1 && matches!(last.as_str(), "Ok" | "Err") => {
                Some(Matches::Unknown)
            }
            Value::Variant { ty, name, .. } => {
                let owner_is_ty = match owner {
                    None => ty == "Result" && matches!(last.as_str(), "Ok" | "Err"),
                    Some(owner) if owner == "Self" => self.shared.self_ty.as_ref() == Some(ty),
                    Some(owner) => owner == ty,
                };
                if !owner_is_ty {
                    return Some(Matches::Unknown);
                }
                Some(if last == name {
                    Matches::Yes
                } else {
                    Matches::No
                })
            }
            _ => None,
        }
    }

    /// `Type { a, b: pattern, .. }` against a struct built by a literal.
    fn struct_pattern(
        &mut self,
        pat: &syn::PatStruct,
        value: &Value,
        binds: &mut Binds,
    ) -> R<Matches> {
        let last = pat.path.segments.last().map(|last| last.ident.to_string());
        let fields = match value {
            Value::Struct { ty, fields } if last.as_ref() == Some(ty) => fields.clone(),
            _ => {
                binds.extend(unknowns(&Pat::Struct(pat.clone())));
                return Ok(Matches::Unknown);
            }
        };
        let mut result = Matches::Yes;
        for field in &pat.fields {
            let syn::Member::Named(name) = &field.member else {
                binds.extend(unknowns(&field.pat));
                result = Matches::Unknown;
                continue;
            };
            let value = fields
                .iter()
                .find(|(field, _)| name == field)
                .map_or(Value::Unknown, |(_, value)| value.clone());
            match self.pattern(&field.pat, &value, binds)? {
                Matches::Yes => {}
                Matches::No => result = Matches::No,
                Matches::Unknown if result == Matches::Yes => result = Matches::Unknown,
                Matches::Unknown => {}
            }
        }
        Ok(result)
    }

    /// `None`, a variant, or a constant by its path.
    fn path_pattern(&mut self, path: &PatPath, value: &Value) -> Matches {
        if let Some(matches) = self.variant_match(&path.path, value) {
            return matches;
        }
        match path.path.get_ident().map(ToString::to_string) {
            Some(name) if name == "None" => matches_none(value),
            Some(name) if self.shared.consts.contains_key(&name) => {
                let expected = self.constant(&name);
                compare(&expected, value)
            }
            _ => Matches::Unknown,
        }
    }

    /// Matches every pattern with its value: `No` if one fails, `Unknown` if one is unknown.
    fn all<'p>(
        &mut self,
        pairs: impl Iterator<Item = (&'p Pat, &'p Value)>,
        binds: &mut Binds,
    ) -> R<Matches> {
        let mut result = Matches::Yes;
        for (pat, value) in pairs {
            match self.pattern(pat, value, binds)? {
                Matches::Yes => {}
                Matches::No => result = Matches::No,
                Matches::Unknown if result == Matches::Yes => result = Matches::Unknown,
                Matches::Unknown => {}
            }
        }
        Ok(result)
    }
}

/// A literal or constant pattern against a value: known only when both are integers or
/// booleans.
fn compare(expected: &Value, value: &Value) -> Matches {
    match (expected, value) {
        (Value::Int(_) | Value::Bool(_), Value::Int(_) | Value::Bool(_)) => {
            if expected == value {
                Matches::Yes
            } else {
                Matches::No
            }
        }
        _ => Matches::Unknown,
    }
}

/// The pattern `None` against a value.
fn matches_none(value: &Value) -> Matches {
    match value {
        Value::Opt(None) => Matches::Yes,
        Value::Opt(Some(_)) => Matches::No,
        _ => Matches::Unknown,
    }
}

/// Every name `pat` binds, each to an unknown value.
pub(super) fn unknowns(pat: &Pat) -> Binds {
    binding_names(pat)
        .into_iter()
        .map(|name| (name, Value::Unknown))
        .collect()
}
