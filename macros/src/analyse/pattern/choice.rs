//! The choices on uniform values: a branch or a loop's exit decided by a value that is the
//! same on every rank ([`Value::Uniform`](super::value::Value::Uniform)) but not computed goes
//! the same way on every rank. The ranks of a size are evaluated once per combination of the
//! directions of such conditions, one answer per symbol shared by all ranks, so that no run
//! has ranks that disagree on the same value.

use std::collections::HashMap;
use std::rc::Rc;

use super::value::Sym;

/// The most runs of the ranks of one size, one per combination of directions: beyond, the
/// size is not analysed.
pub(crate) const RUN_LIMIT: usize = 64;

/// The directions of the conditions on uniform values for one run of every rank of a size.
#[derive(Debug, Default, Clone)]
pub(crate) struct Oracle {
    /// The directions fixed for the first conditions met (in the order first met); those met
    /// after them take `true`.
    forced: Vec<bool>,
    /// The conditions met, in the order first met, and their directions.
    order: Vec<(Rc<Sym>, bool)>,
    /// What each condition of `order` is, as written, for the errors.
    written: Vec<String>,
    index: HashMap<Rc<Sym>, usize>,
}

impl Oracle {
    pub(crate) fn new(forced: Vec<bool>) -> Oracle {
        Oracle {
            forced,
            ..Oracle::default()
        }
    }

    /// The direction of a condition on a uniform value: the same for every rank and every
    /// time it is asked in this run.
    /// `written`: the condition as written.
    pub(crate) fn choose(&mut self, sym: &Rc<Sym>, written: impl FnOnce() -> String) -> bool {
        if let Some(&at) = self.index.get(sym) {
            return self.order[at].1;
        }
        let at = self.order.len();
        let value = self.forced.get(at).copied().unwrap_or(true);
        self.order.push((Rc::clone(sym), value));
        self.written.push(written());
        self.index.insert(Rc::clone(sym), at);
        value
    }

    /// Whether the combination of directions of this run may be impossible: a condition on
    /// constants only (one of whose directions is never taken), conditions on the results of
    /// collectives at different sites, or two different conditions on the same collective's
    /// result (`x < 1` false and `x < 2` true), which includes the same expression with an
    /// integer that differs between ranks. A run that fails is then
    /// not reported: the failure may need directions that no run of the program takes.
    pub(crate) fn uncertain(&self) -> bool {
        // The results of collectives at different sites may be related (`allreduce(&x, Max)`
        // and `allreduce(&x, Min)`, or twice the same): conditions on both may not combine
        // freely. Those of one site at different times are those of a loop's trips, whose
        // data changes from trip to trip.
        let mut sites = self
            .order
            .iter()
            .flat_map(|(sym, _)| sym.bases.iter())
            .filter(|(_, number)| *number != usize::MAX)
            .map(|(site, _)| *site);
        if let Some(first) = sites.next()
            && sites.any(|site| site != first)
        {
            return true;
        }
        let mut seen: HashMap<(usize, usize), &str> = HashMap::new();
        for (sym, _) in &self.order {
            if sym.bases.is_empty() {
                return true;
            }
            let key = sym.family.as_deref().unwrap_or(&sym.text);
            for base in &sym.bases {
                match seen.get(base) {
                    Some(other) if *other != key => return true,
                    Some(_) => {}
                    None => {
                        seen.insert(*base, key);
                    }
                }
            }
        }
        false
    }

    /// The directions of the next run, depth first: the last condition that went `true`
    /// goes `false`, those met after it are met anew. `None` when every combination ran.
    pub(crate) fn next(&self) -> Option<Vec<bool>> {
        let last = self.order.iter().rposition(|(_, value)| *value)?;
        let mut forced: Vec<bool> = self.order[..last].iter().map(|(_, v)| *v).collect();
        forced.push(false);
        Some(forced)
    }
}

impl Oracle {
    /// The directions this run took, in words for an error: each condition as written with
    /// its directions in the order met (`err < tol` false, then true); empty when none.
    pub(crate) fn directions(&self) -> String {
        let mut grouped: Vec<(&str, Vec<bool>)> = Vec::new();
        for (written, (_, value)) in self.written.iter().zip(&self.order) {
            match grouped.iter_mut().find(|(w, _)| *w == written) {
                Some((_, values)) => values.push(*value),
                None => grouped.push((written, vec![*value])),
            }
        }
        let parts: Vec<String> = grouped
            .iter()
            .map(|(written, values)| {
                let values: Vec<&str> = values
                    .iter()
                    .map(|v| if *v { "true" } else { "false" })
                    .collect();
                format!("{written} {}", values.join(", then "))
            })
            .collect();
        parts.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::pattern::value::{Value, uniform_binary};

    fn sym(value: &Value) -> Rc<Sym> {
        match value {
            Value::Uniform(sym) => Rc::clone(sym),
            other => panic!("not uniform: {other:?}"),
        }
    }

    #[test]
    fn uniform_marking() {
        let err = Sym::value("c1#0".into(), vec![(1, 0)]);
        let tol = Sym::value("1e-6".into(), Vec::new());
        // A collective's result against a constant or an integer: uniform, on its collective.
        let below = uniform_binary("<", &err, &tol).expect("uniform");
        assert_eq!(sym(&below).bases, vec![(1, 0)]);
        assert!(uniform_binary("+", &err, &Value::Int(3)).is_some());
        // Against a value not computed, or against itself: not uniform.
        assert_eq!(uniform_binary("<", &err, &Value::Unknown), None);
        assert_eq!(uniform_binary("==", &err, &err), None);
        // Two integers are no business of the uniform values.
        assert_eq!(uniform_binary("<", &Value::Int(1), &Value::Int(2)), None);
    }

    #[test]
    fn every_combination_once_and_one_answer_per_value() {
        let a = sym(&Sym::value("a".into(), vec![(1, 0)]));
        let b = sym(&Sym::value("b".into(), vec![(2, 0)]));
        let mut seen = Vec::new();
        let mut forced = Vec::new();
        loop {
            let mut oracle = Oracle::new(forced);
            let first = oracle.choose(&a, String::new);
            // Asked again (another rank, or the same condition again): the same answer.
            assert_eq!(oracle.choose(&a, String::new), first);
            let second = oracle.choose(&b, String::new);
            seen.push((first, second));
            // Two collectives of different calls may be related.
            assert!(oracle.uncertain());
            match oracle.next() {
                Some(next) => forced = next,
                None => break,
            }
        }
        assert_eq!(
            seen,
            vec![(true, true), (true, false), (false, true), (false, false)]
        );
        // Two conditions on one result may not combine freely; one condition alone may.
        let mut oracle = Oracle::new(Vec::new());
        oracle.choose(&a, String::new);
        assert!(!oracle.uncertain());
        let a2 = sym(&Sym::value("(a < 2)".into(), vec![(1, 0)]));
        oracle.choose(&a2, String::new);
        assert!(oracle.uncertain());
        // A condition on constants only: one of its directions is never taken.
        let mut oracle = Oracle::new(Vec::new());
        oracle.choose(
            &sym(&Sym::value("(1.0 < 2.0)".into(), Vec::new())),
            String::new,
        );
        assert!(oracle.uncertain());
    }
}
