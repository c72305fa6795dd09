//! Communicators made by `split` in the checked body: which ranks share one.
//!
//! A rank's communicator depends on every other rank's colour, which the evaluation of one rank
//! does not see. The ranks are therefore evaluated in rounds: each round's traces record every
//! rank's splits with their colours ([`SplitAt`]); the table made from them gives the next round
//! each rank's new communicator ([`Group`]). A round whose table is the one it was given is the
//! last (a split of a communicator made by a split needs one round more, since its colour may
//! depend on the first's rank). A split whose colour is not known on some rank of its
//! communicator gives no group: its ops give up.

use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use super::trace::{Group, SplitAt, Trace};

/// How many rounds the evaluation of a size takes at most: one per level of splits of splits,
/// and one to see nothing changed.
pub(crate) const ROUNDS: usize = 6;

/// What the ranks of one split showed: the members of its communicator, and the colour each
/// passed (`None`: not known).
type Seen = (Vec<usize>, HashMap<usize, Option<i128>>);

/// Every split the ranks made in a round, and the communicators they give.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Splits {
    /// By the split (its communicator's id, its ordinal there) and colour: the communicator
    /// made, or `None` when some rank's colour is not known.
    groups: BTreeMap<(usize, usize, i128), Option<Rc<Group>>>,
    /// The splits some rank of whose communicator passed no known colour.
    unknown: Vec<(usize, usize)>,
}

impl Splits {
    /// The table of the splits in `traces` (one per rank of the function's communicator).
    pub(crate) fn of(traces: &[Trace]) -> Splits {
        // By split: the members of its communicator, and each member's colour.
        let mut seen: BTreeMap<(usize, usize), Seen> = BTreeMap::new();
        for (rank, trace) in traces.iter().enumerate() {
            for event in &trace.events {
                let Some(SplitAt {
                    parent,
                    ordinal,
                    color,
                }) = event.split
                else {
                    continue;
                };
                let members = match &event.comm {
                    Some(group) => group.members.clone(),
                    None => (0..traces.len()).collect(),
                };
                let entry = seen
                    .entry((parent, ordinal))
                    .or_insert_with(|| (members, HashMap::new()));
                entry.1.insert(rank, color);
            }
        }
        let mut splits = Splits::default();
        let mut next_id = 1;
        for ((parent, ordinal), (members, colors)) in seen {
            // Every member of the communicator must have reached the split with a known
            // colour (one that did not reach it is a collective left out, which the play
            // reports): otherwise no rank's group is known.
            let known: Option<Vec<(usize, i128)>> = members
                .iter()
                .map(|member| Some((*member, (*colors.get(member)?)?)))
                .collect();
            let Some(known) = known else {
                splits.unknown.push((parent, ordinal));
                continue;
            };
            let mut by_color: BTreeMap<i128, Vec<usize>> = BTreeMap::new();
            for (member, color) in known {
                by_color.entry(color).or_default().push(member);
            }
            for (color, mut members) in by_color {
                // The new communicator numbers its ranks in the order of theirs in the
                // parent, which is the order of their world ranks.
                members.sort_unstable();
                let group = Group {
                    id: next_id,
                    members,
                };
                next_id += 1;
                splits
                    .groups
                    .insert((parent, ordinal, color), Some(Rc::new(group)));
            }
        }
        splits
    }

    /// The communicator a rank gets from its `ordinal`-th split of `parent` with `color`:
    /// `None` when not known this round.
    pub(crate) fn group(&self, parent: usize, ordinal: usize, color: i128) -> Option<Rc<Group>> {
        self.groups
            .get(&(parent, ordinal, color))
            .cloned()
            .flatten()
    }
}
