//! Closures the evaluation follows: one that neither communicates nor assigns is a value
//! ([`Value::Closure`]) holding the variables it saw where it was made, and a call of it
//! evaluates its body with them.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use super::{Ctl, Interp, R, Value};

thread_local! {
    /// The closures made in the check under way, by the address of their syntax node (every
    /// node whose address is a key lives until the check ends, and the map is emptied when a
    /// check starts and ends, as for the parsed macros of `builtins`), for
    /// [`Value::Closure`]: a copy of each node, so that a call of one needs no reference to
    /// the code it was made in.
    static CLOSURES: RefCell<HashMap<usize, Rc<syn::ExprClosure>>> =
        RefCell::new(HashMap::new());
}

/// Forgets the closures kept: a check starts or ends.
pub(super) fn forget() {
    CLOSURES.with(|kept| kept.borrow_mut().clear());
}

/// Keeps `closure` for the check under way; its key for [`Value::Closure`].
pub(super) fn keep(closure: &syn::ExprClosure) -> usize {
    let key = std::ptr::from_ref(closure) as usize;
    CLOSURES.with(|kept| {
        kept.borrow_mut()
            .entry(key)
            .or_insert_with(|| Rc::new(closure.clone()));
    });
    key
}

/// The closure kept under `key` in the check under way.
fn closure_of(key: usize) -> Option<Rc<syn::ExprClosure>> {
    CLOSURES.with(|kept| kept.borrow().get(&key).cloned())
}

impl Interp<'_> {
    /// A call of a closure made earlier ([`Value::Closure`]): its body, with the variables it
    /// saw where it was made and its parameters bound to `args`.
    pub(super) fn call_closure(
        &mut self,
        id: usize,
        env: &[(String, Value)],
        args: Vec<Value>,
    ) -> R<Value> {
        let Some(closure) = closure_of(id) else {
            return Ok(Value::Unknown);
        };
        if closure.inputs.len() != args.len() {
            return Ok(Value::Unknown);
        }
        let mut binds = Vec::new();
        for (pat, value) in closure.inputs.iter().zip(&args) {
            if self.pattern(pat, value, &mut binds)? != super::Matches::Yes {
                return Ok(Value::Unknown);
            }
        }
        let scopes = std::mem::replace(&mut self.scopes, vec![env.to_vec(), binds]);
        let returned = self.returned.take();
        let result = self.expr(&closure.body);
        self.scopes = scopes;
        let value = match result {
            Ok(value) => Ok(value),
            Err(Ctl::Return) => Ok(self.returned.take().unwrap_or(Value::Unknown)),
            // A `break` or `continue` does not leave a closure.
            Err(Ctl::Break(_) | Ctl::Continue(_)) => Ok(Value::Unknown),
            Err(other) => Err(other),
        };
        self.returned = returned;
        value
    }
}
