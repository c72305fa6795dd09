//! Expressions: their values, one method per kind, and the operators on integers and booleans.

use syn::spanned::Spanned;
use syn::{
    BinOp, Expr, ExprAssign, ExprBinary, ExprCast, ExprClosure, ExprField, ExprIndex, ExprPath,
    ExprRange, ExprStruct, ExprUnary, Lit, Member, RangeLimits, Type, UnOp,
};

use quote::ToTokens;

use super::effects::Effects;
use super::{CONST_DEPTH_LIMIT, Ctl, Interp, R, Value, give_up, panic_at, target_name};
use crate::analyse::pattern::value::{Sym, uniform_binary};
use crate::analyse::syntax::{compound_op, is_const_name, root_name};

/// The integer types, as casts and associated functions (`usize::min`) name them.
pub(super) const INT_TYPES: &[&str] = &[
    "usize", "isize", "u8", "u16", "u32", "u64", "u128", "i8", "i16", "i32", "i64", "i128",
];

/// The longest `[x; n]` or `vec![x; n]` whose items are made (unknown ones): longer buffers are
/// not followed (each item is held, and copied with the value).
const REPEAT_LIMIT: i128 = 1024;

impl Interp<'_> {
    /// The value of `expr`, each expression spending a step.
    pub(super) fn expr(&mut self, expr: &Expr) -> R<Value> {
        let value = self.expr_kind(expr)?;
        if let Some(targets) = &mut self.capture {
            let id = super::id_of(expr);
            if let Some((_, captured)) = targets.iter_mut().find(|(target, _)| *target == id) {
                *captured = Some(value.clone());
                if targets.iter().all(|(_, captured)| captured.is_some()) {
                    // What was asked for is known: the evaluation ends here.
                    return Err(Ctl::Stop(super::End::Done));
                }
            }
        }
        Ok(value)
    }

    fn expr_kind(&mut self, expr: &Expr) -> R<Value> {
        self.tick()?;
        match expr {
            Expr::Lit(lit) => Ok(literal(&lit.lit)),
            Expr::Path(path) => Ok(self.path(path)),
            Expr::Paren(inner) => self.expr(&inner.expr),
            Expr::Group(inner) => self.expr(&inner.expr),
            Expr::Reference(reference) => self.expr(&reference.expr),
            Expr::Unary(unary) => self.unary(unary),
            Expr::Binary(binary) => self.binary(binary),
            Expr::Assign(assign) => self.expr_assign(assign),
            Expr::Cast(cast) => self.cast(cast),
            Expr::Tuple(tuple) => Ok(Value::Tuple(self.exprs(&tuple.elems)?)),
            Expr::Array(array) => Ok(Value::Array(self.exprs(&array.elems)?)),
            Expr::Block(block) => self.expr_block(block),
            Expr::Unsafe(block) => self.block(&block.block),
            Expr::Const(block) => self.block(&block.block),
            Expr::If(expr_if) => self.expr_if(expr_if),
            Expr::Match(expr_match) => self.expr_match(expr_match),
            Expr::ForLoop(for_loop) => self.for_loop(for_loop, expr),
            Expr::While(expr_while) => self.expr_while(expr_while, expr),
            Expr::Loop(expr_loop) => self.expr_loop(expr_loop, expr),
            Expr::Break(expr_break) => self.expr_break(expr_break),
            Expr::Continue(expr_continue) => {
                Err(Ctl::Continue(target_name(expr_continue.label.as_ref())))
            }
            Expr::Return(expr_return) => self.expr_return(expr_return),
            Expr::Try(expr_try) => self.expr_try(expr_try),
            Expr::Index(index) => self.index(index),
            Expr::Field(field) => self.field(field, expr),
            Expr::Range(range) => self.range(range),
            Expr::Call(call) => self.call(call),
            Expr::MethodCall(call) => self.method(call),
            Expr::Macro(mac) => self.mac(&mac.mac),
            Expr::Closure(closure) => self.closure(closure),
            Expr::Let(expr_let) => {
                // Outside a condition: evaluate for effects.
                self.expr(&expr_let.expr)?;
                Ok(Value::Unknown)
            }
            Expr::Struct(expr_struct) => self.expr_struct(expr_struct),
            Expr::Repeat(repeat) => {
                self.expr(&repeat.expr)?;
                // `[x; n]`, `vec![x; n]`: `n` items whose values are not followed (a loop may
                // change them in place), so that the buffer's length is known.
                Ok(match self.expr(&repeat.len)? {
                    Value::Int(len) if (0..=REPEAT_LIMIT).contains(&len) => {
                        Value::Array(vec![Value::Unknown; len as usize])
                    }
                    _ => Value::Unknown,
                })
            }
            Expr::Async(_) => {
                self.skipped = true;
                Ok(Value::Unknown)
            }
            other => self.not_followed(other),
        }
    }

    /// The values of `exprs`, evaluated in order.
    pub(super) fn exprs<'e>(&mut self, exprs: impl IntoIterator<Item = &'e Expr>) -> R<Vec<Value>> {
        let mut values = Vec::new();
        for expr in exprs {
            values.push(self.expr(expr)?);
        }
        Ok(values)
    }

    /// An expression of a kind the evaluation does not follow: fine when it neither
    /// communicates nor leaves; what it assigns becomes unknown.
    fn not_followed(&mut self, expr: &Expr) -> R<Value> {
        let effects = Effects::of_expr(expr, self);
        if effects.communicates || effects.leaves {
            return give_up(expr.span(), "this expression is not followed");
        }
        self.forget(&effects.assigned);
        Ok(Value::Unknown)
    }

    fn path(&mut self, path: &ExprPath) -> Value {
        let segments = &path.path.segments;
        if path.qself.is_some() {
            return Value::Unknown;
        }
        let last = match segments.last() {
            Some(last) => last.ident.to_string(),
            None => return Value::Unknown,
        };
        if segments.len() == 1 {
            if let Some(value) = self.lookup(&last) {
                return value.clone();
            }
            if last == "None" {
                return Value::Opt(None);
            }
        }
        if last == "ANY_SOURCE" {
            return Value::Source {
                rank: None,
                tag: None,
            };
        }
        if segments.len() == 1 {
            return self.constant(&last);
        }
        // `f64::MAX`, `f32::EPSILON`: the same on every rank.
        if segments.len() == 2
            && matches!(segments[0].ident.to_string().as_str(), "f64" | "f32")
            && is_const_name(&last)
        {
            return Sym::value(format!("{}::{last}", segments[0].ident), Vec::new());
        }
        self.unit_variant(path).unwrap_or(Value::Unknown)
    }

    /// `Enum::Variant` of an enum of the crate, without fields.
    fn unit_variant(&self, path: &ExprPath) -> Option<Value> {
        let mut segments = path.path.segments.iter().rev();
        let name = segments.next()?.ident.to_string();
        let owner = segments.next()?.ident.to_string();
        if !name.starts_with(|c: char| c.is_ascii_uppercase()) || is_const_name(&name) {
            return None;
        }
        let ty = if owner == "Self" {
            self.shared.self_ty.clone()?
        } else {
            owner
        };
        let count = self.shared.callees?.variant(&ty, &name)?;
        (count == 0).then(|| Value::Variant {
            ty,
            name,
            fields: Vec::new(),
        })
    }

    pub(super) fn constant(&mut self, name: &str) -> Value {
        let Some(Some(expr)) = self.shared.consts.get(name) else {
            return Value::Unknown;
        };
        if self.const_depth > CONST_DEPTH_LIMIT {
            return Value::Unknown;
        }
        self.const_depth += 1;
        // A constant's expression sees no local variable.
        let scopes = std::mem::replace(&mut self.scopes, vec![Vec::new()]);
        let value = self.expr(expr).unwrap_or(Value::Unknown);
        self.scopes = scopes;
        self.const_depth -= 1;
        if constant_value(&value) {
            value
        } else {
            Value::Unknown
        }
    }

    fn unary(&mut self, unary: &ExprUnary) -> R<Value> {
        let value = self.expr(&unary.expr)?;
        Ok(match (unary.op, value) {
            (UnOp::Neg(_), Value::Int(v)) => v.checked_neg().map_or(Value::Unknown, Value::Int),
            (UnOp::Not(_), Value::Bool(b)) => Value::Bool(!b),
            (UnOp::Deref(_), value) => value,
            (UnOp::Neg(_), Value::Uniform(sym)) => {
                Sym::value(format!("(-{})", sym.text), sym.bases.clone())
            }
            (UnOp::Not(_), Value::Uniform(sym)) => {
                Sym::value(format!("(!{})", sym.text), sym.bases.clone())
            }
            _ => Value::Unknown,
        })
    }

    fn expr_assign(&mut self, assign: &ExprAssign) -> R<Value> {
        let value = self.expr(&assign.right)?;
        self.store(&assign.left, value)?;
        Ok(Value::Unknown)
    }

    /// `target = value`: a variable takes it; anything else is evaluated for its effects.
    fn store(&mut self, target: &Expr, value: Value) -> R<()> {
        match target {
            Expr::Path(path) if path.path.get_ident().is_some() => {
                if let Some(ident) = path.path.get_ident() {
                    self.assign(&ident.to_string(), value);
                }
                Ok(())
            }
            Expr::Tuple(tuple) => {
                for (index, elem) in tuple.elems.iter().enumerate() {
                    let item = match &value {
                        Value::Tuple(items) => items.get(index).cloned().unwrap_or(Value::Unknown),
                        _ => Value::Unknown,
                    };
                    self.store(elem, item)?;
                }
                Ok(())
            }
            Expr::Paren(inner) => self.store(&inner.expr, value),
            Expr::Infer(_) => Ok(()),
            // A part of a variable (`r.right = ..`, `t.0 += 1`, `cells[i] = ..`): the variable
            // is no longer what it was. `self` is some value of its type, whose fields are
            // known only where nothing writes them.
            Expr::Field(_) | Expr::Index(_) | Expr::Unary(_) => {
                let effects = Effects::of_expr(target, self);
                if effects.communicates {
                    return give_up(target.span(), "this assignment's target communicates");
                }
                if let Some(root) = root_name(target)
                    && !matches!(self.lookup(&root), Some(Value::Obj { .. }))
                {
                    self.forget(&[root]);
                }
                self.forget(&effects.assigned);
                Ok(())
            }
            other => {
                let effects = Effects::of_expr(other, self);
                if effects.communicates {
                    return give_up(other.span(), "this assignment's target communicates");
                }
                self.forget(&effects.assigned);
                Ok(())
            }
        }
    }

    fn binary(&mut self, binary: &ExprBinary) -> R<Value> {
        if let BinOp::And(_) | BinOp::Or(_) = binary.op {
            return self.short_circuit(binary);
        }
        let compound = compound_op(&binary.op);
        let left = self.expr(&binary.left)?;
        let right = self.expr(&binary.right)?;
        let op = compound.as_ref().unwrap_or(&binary.op);
        let result = match apply(op, &left, &right) {
            Ok(Value::Unknown) => {
                uniform_binary(op_text(op), &left, &right).unwrap_or(Value::Unknown)
            }
            Ok(value) => value,
            Err(()) => return panic_at(binary.span()),
        };
        if compound.is_some() {
            self.store(&binary.left, result)?;
            return Ok(Value::Unknown);
        }
        Ok(result)
    }

    /// `&&` and `||`: the right side may not run.
    fn short_circuit(&mut self, binary: &ExprBinary) -> R<Value> {
        let is_and = matches!(binary.op, BinOp::And(_));
        let left = self.expr(&binary.left)?;
        match left.bool() {
            Some(b) if b != is_and => Ok(Value::Bool(b)),
            Some(_) => {
                let right = self.expr(&binary.right)?;
                Ok(right.bool().map_or(Value::Unknown, Value::Bool))
            }
            None => {
                let effects = Effects::of_expr(&binary.right, self);
                if effects.communicates || effects.leaves {
                    return give_up(
                        binary.left.span(),
                        "this condition is not computed from the rank and size, and what \
                         follows it communicates",
                    );
                }
                self.forget(&effects.assigned);
                Ok(Value::Unknown)
            }
        }
    }

    fn cast(&mut self, cast: &ExprCast) -> R<Value> {
        let value = self.expr(&cast.expr)?;
        Ok(match value {
            Value::Int(v) if int_type(&cast.ty) && (v >= 0 || !unsigned(&cast.ty)) => Value::Int(v),
            Value::Bool(b) if int_type(&cast.ty) => Value::Int(i128::from(b)),
            Value::Uniform(sym) => Sym::value(
                format!("({} as {})", sym.text, cast.ty.to_token_stream()),
                sym.bases.clone(),
            ),
            _ => Value::Unknown,
        })
    }

    fn index(&mut self, index: &ExprIndex) -> R<Value> {
        let base = self.expr(&index.expr)?;
        let at = self.expr(&index.index)?;
        Ok(match (base, at.int()) {
            (Value::Array(items), Some(i)) => usize::try_from(i)
                .ok()
                .and_then(|i| items.get(i).cloned())
                .unwrap_or(Value::Unknown),
            _ => Value::Unknown,
        })
    }

    /// `base.field`, where `whole` is the expression itself: the communicator (`self.comm`) is
    /// no value.
    fn field(&mut self, field: &ExprField, whole: &Expr) -> R<Value> {
        if self.shared.comm.is(whole) {
            return Ok(Value::Unknown);
        }
        let base = self.expr(&field.base)?;
        Ok(match (base, &field.member) {
            (Value::Tuple(items), Member::Unnamed(index)) => items
                .get(index.index as usize)
                .cloned()
                .unwrap_or(Value::Unknown),
            (Value::Struct { fields, .. }, Member::Named(name)) => fields
                .into_iter()
                .find(|(field, _)| name == field)
                .map_or(Value::Unknown, |(_, value)| value),
            (Value::Obj { ty }, Member::Named(name)) => {
                return self.field_of(&ty, &name.to_string(), &|| field.span());
            }
            _ => Value::Unknown,
        })
    }

    fn range(&mut self, range: &ExprRange) -> R<Value> {
        let start = match &range.start {
            Some(start) => self.expr(start)?.int(),
            None => None,
        };
        let end = match &range.end {
            Some(end) => self.expr(end)?.int(),
            None => None,
        };
        Ok(match (start, end, range.limits) {
            (Some(start), Some(end), RangeLimits::HalfOpen(_)) => Value::Range(start, end),
            (Some(start), Some(end), RangeLimits::Closed(_)) => end
                .checked_add(1)
                .map_or(Value::Unknown, |end| Value::Range(start, end)),
            _ => Value::Unknown,
        })
    }

    /// A closure that is not run where it is written: it must not communicate.
    fn closure(&mut self, closure: &ExprClosure) -> R<Value> {
        self.skipped = true;
        let effects = Effects::of_expr(&closure.body, self);
        if effects.communicates {
            return give_up(
                closure.or1_token.span,
                "a closure communicates: it runs whenever it is called",
            );
        }
        // One that assigns (a variable it captured, or one of its own) is not followed: its
        // calls' results are unknown.
        if !effects.assigned.is_empty() || closure.asyncness.is_some() {
            return Ok(Value::Unknown);
        }
        let env: Vec<(String, Value)> = self.scopes.iter().flatten().cloned().collect();
        Ok(Value::Closure {
            id: super::closures::keep(closure),
            env: std::rc::Rc::new(env),
        })
    }

    /// A struct literal: the struct with its fields' values, unless it is given the
    /// communicator (a value holding it is not followed).
    fn expr_struct(&mut self, expr_struct: &ExprStruct) -> R<Value> {
        let mut fields = Vec::new();
        let mut plain = expr_struct.qself.is_none();
        for field in &expr_struct.fields {
            let value = self.expr(&field.expr)?;
            plain &= !self.hands_over(&field.expr);
            if let Member::Named(name) = &field.member {
                fields.push((name.to_string(), value));
            }
        }
        if let Some(rest) = &expr_struct.rest {
            plain &= !self.hands_over(rest);
            match self.expr(rest)? {
                Value::Struct { fields: others, .. } => {
                    for (name, value) in others {
                        if !fields.iter().any(|(set, _)| *set == name) {
                            fields.push((name, value));
                        }
                    }
                }
                _ => plain = false,
            }
        }
        let last = expr_struct
            .path
            .segments
            .last()
            .map(|last| last.ident.to_string());
        let ty = match last {
            Some(name) if name == "Self" => self.shared.self_ty.clone(),
            other => other,
        };
        Ok(match ty {
            Some(ty) if plain => Value::Struct { ty, fields },
            _ => Value::Unknown,
        })
    }
}

fn int_type(ty: &Type) -> bool {
    matches!(ty, Type::Path(path) if path.qself.is_none() && path.path.get_ident().is_some_and(|ident| INT_TYPES.iter().any(|int| ident == int)))
}

/// A binary operator as written (its compound form's, `+` for `+=`), for uniform values'
/// symbols.
fn op_text(op: &BinOp) -> &'static str {
    match op {
        BinOp::Add(_) | BinOp::AddAssign(_) => "+",
        BinOp::Sub(_) | BinOp::SubAssign(_) => "-",
        BinOp::Mul(_) | BinOp::MulAssign(_) => "*",
        BinOp::Div(_) | BinOp::DivAssign(_) => "/",
        BinOp::Rem(_) | BinOp::RemAssign(_) => "%",
        BinOp::And(_) => "&&",
        BinOp::Or(_) => "||",
        BinOp::BitXor(_) | BinOp::BitXorAssign(_) => "^",
        BinOp::BitAnd(_) | BinOp::BitAndAssign(_) => "&",
        BinOp::BitOr(_) | BinOp::BitOrAssign(_) => "|",
        BinOp::Shl(_) | BinOp::ShlAssign(_) => "<<",
        BinOp::Shr(_) | BinOp::ShrAssign(_) => ">>",
        BinOp::Eq(_) => "==",
        BinOp::Lt(_) => "<",
        BinOp::Le(_) => "<=",
        BinOp::Ne(_) => "!=",
        BinOp::Ge(_) => ">=",
        BinOp::Gt(_) => ">",
        _ => "?",
    }
}

fn unsigned(ty: &Type) -> bool {
    matches!(ty, Type::Path(path) if path.path.get_ident().is_some_and(|ident| ident.to_string().starts_with('u')))
}

pub(super) fn literal(lit: &Lit) -> Value {
    match lit {
        Lit::Int(int) => int
            .base10_parse::<i128>()
            .map_or(Value::Unknown, Value::Int),
        Lit::Bool(b) => Value::Bool(b.value),
        // Not computed, but the same on every rank.
        Lit::Float(float) => Sym::value(format!("{float}"), Vec::new()),
        _ => Value::Unknown,
    }
}

/// `left op right`; `Err` when it panics (division by zero).
fn apply(op: &BinOp, left: &Value, right: &Value) -> Result<Value, ()> {
    use Value::{Bool, Int};
    Ok(match (left, right) {
        (Int(a), Int(b)) => {
            let (a, b) = (*a, *b);
            match op {
                BinOp::Add(_) => a.checked_add(b).map_or(Value::Unknown, Int),
                BinOp::Sub(_) => a.checked_sub(b).map_or(Value::Unknown, Int),
                BinOp::Mul(_) => a.checked_mul(b).map_or(Value::Unknown, Int),
                BinOp::Div(_) if b == 0 => return Err(()),
                BinOp::Rem(_) if b == 0 => return Err(()),
                BinOp::Div(_) => a.checked_div(b).map_or(Value::Unknown, Int),
                BinOp::Rem(_) => a.checked_rem(b).map_or(Value::Unknown, Int),
                BinOp::BitAnd(_) if a >= 0 && b >= 0 => Int(a & b),
                BinOp::BitOr(_) if a >= 0 && b >= 0 => Int(a | b),
                BinOp::BitXor(_) if a >= 0 && b >= 0 => Int(a ^ b),
                BinOp::Shl(_) if (0..64).contains(&b) && a >= 0 => {
                    a.checked_shl(b as u32).map_or(Value::Unknown, Int)
                }
                BinOp::Shr(_) if (0..128).contains(&b) => Int(a >> b),
                BinOp::Eq(_) => Bool(a == b),
                BinOp::Ne(_) => Bool(a != b),
                BinOp::Lt(_) => Bool(a < b),
                BinOp::Le(_) => Bool(a <= b),
                BinOp::Gt(_) => Bool(a > b),
                BinOp::Ge(_) => Bool(a >= b),
                _ => Value::Unknown,
            }
        }
        (Bool(a), Bool(b)) => match op {
            BinOp::Eq(_) => Bool(a == b),
            BinOp::Ne(_) => Bool(a != b),
            BinOp::BitAnd(_) => Bool(*a & *b),
            BinOp::BitOr(_) => Bool(*a | *b),
            BinOp::BitXor(_) => Bool(*a ^ *b),
            _ => Value::Unknown,
        },
        _ => Value::Unknown,
    })
}

/// Whether a constant's value is one the evaluation keeps: integers, booleans, a literal it
/// does not compute (`1e-4`, the same on every rank), and arrays, tuples and enum variants
/// of such values (`[(Side::West, Side::East), ..]`).
fn constant_value(value: &Value) -> bool {
    match value {
        Value::Int(_) | Value::Bool(_) => true,
        Value::Uniform(sym) => sym.bases.is_empty(),
        Value::Array(items) | Value::Tuple(items) => items.iter().all(constant_value),
        Value::Variant { fields, .. } => fields.iter().all(constant_value),
        _ => false,
    }
}
