//! The ranks' calls played against each other, for one world size: peers and roots in range,
//! the same collectives in the same order, every message received, and no rank waiting
//! forever.
//!
//! Point-to-point calls are played twice. First with *eager* sends, which complete at once (as
//! small messages do): a receive that waits forever there waits forever whatever the message
//! size. Then with *synchronous* sends, which complete when their receive takes the message (as
//! messages above the eager limit do, MPI's standard mode allowing either): a deadlock that
//! only this play finds is a cycle of sends. A `sendrecv` posts its send and its receive
//! together, as MPI's does, so it never waits for itself. A collective waits for every rank.
//!
//! A nonblocking point-to-point call (`isend`, `irecv`, `isendrecv`) issues its request and
//! goes on: its message is posted at once, its receive is posted and takes the first message
//! it accepts once one is there (before the receives posted after it, as MPI matches), and the
//! `wait` or `wait_all` that completes it waits until its receive took a message and, for its
//! send, until the message is taken (synchronous play) or at once (eager play). A nonblocking
//! collective is issued at once and its completion is not waited for.

use std::collections::{HashMap, HashSet};

use super::trace::{Event, Kind};

/// A call of one rank: `(rank, index in its trace)`.
pub(crate) type At = (usize, usize);

/// The first problem found with one world size.
#[derive(Debug, Clone)]
pub(crate) enum Problem {
    /// A peer or root outside `0..size`.
    OutOfRange { at: At, value: i128, what: Role },
    /// The ranks' `position`-th collectives differ, or some ranks have none there:
    /// `calls[rank]` is the rank's call at that position (`None`: it has none; ranks whose
    /// calls are not known are left out).
    Collectives {
        position: usize,
        calls: Vec<(usize, Option<usize>)>,
    },
    /// A receive whose sender sends it nothing more (and has finished).
    NoSend { at: At },
    /// A receive whose sender sends to it with other tags only.
    TagMismatch { at: At, sends: Vec<At> },
    /// A receive that waits for a message its sender sent on another communicator.
    CommMismatch { at: At, sends: Vec<At> },
    /// A message that nobody receives.
    NoRecv { at: At },
    /// The receive `recv` took the message of `send`, which has more elements than it holds
    /// (or, for a template, another number of them).
    Oversized { recv: At, send: At },
    /// Calls waiting for each other, each for the next (the last for the first): whatever
    /// the message size when `always`, else once sends wait for their receive.
    Deadlock { cycle: Vec<At>, always: bool },
    /// `problem`, in one order of matching of the receives from `ANY_SOURCE`: `order` says,
    /// for each such receive that had messages from several ranks to choose from, which
    /// rank's message it took.
    Raced {
        order: Vec<(At, usize)>,
        problem: Box<Problem>,
    },
}

/// How many plays of the matching orders of `ANY_SOURCE` receives one world may take.
const ORDER_LIMIT: usize = 64;

/// Which argument of a call is out of range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Dest,
    Source,
    Root,
    /// A negative tag, which the runtime refuses (`Source::any()` or no tag is how to accept
    /// any tag).
    SendTag,
    RecvTag,
}

/// What the play of one world found.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// Every call completes, every message is received.
    Fine,
    Problem(Problem),
    /// The collectives agree and the peers are in range, but the messages were not played.
    Unplayed(Unplayed),
}

/// Why the messages of a world were not played.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unplayed {
    /// Receives from `ANY_SOURCE` with more orders of matching than are played.
    AnySource,
    /// A nonblocking point-to-point call: it completes whenever its request is completed.
    Nonblocking,
}

/// Plays the complete traces of every rank of a world.
pub(crate) fn check(traces: &[&[Event]]) -> Outcome {
    match problem(traces) {
        Ok(Some(problem)) => Outcome::Problem(problem),
        Ok(None) => Outcome::Fine,
        Err(unplayed) => Outcome::Unplayed(unplayed),
    }
}

fn problem(traces: &[&[Event]]) -> Result<Option<Problem>, Unplayed> {
    if let Some(problem) = out_of_range(traces) {
        return Ok(Some(problem));
    }
    let known: Vec<(usize, &[Event], bool)> = traces
        .iter()
        .enumerate()
        .map(|(rank, events)| (rank, *events, true))
        .collect();
    if let Some(problem) = collectives(&known) {
        return Ok(Some(problem));
    }
    if traces.iter().any(|events| !requests_followed(events)) {
        return Err(Unplayed::Nonblocking);
    }
    if let Some(problem) = every_order(traces, true)? {
        return Ok(Some(problem));
    }
    every_order(traces, false)
}

/// Plays the calls in every order of matching of the receives from `ANY_SOURCE` (each such
/// receive that finds messages from several ranks takes each rank's in turn), up to
/// [`ORDER_LIMIT`] plays: the first problem of any order, with the order.
fn every_order(traces: &[&[Event]], eager: bool) -> Result<Option<Problem>, Unplayed> {
    // Orders to play, as the choices of their first decisions (later ones take the first
    // candidate).
    let mut pending: Vec<Vec<usize>> = vec![Vec::new()];
    let mut plays = 0;
    while let Some(choices) = pending.pop() {
        plays += 1;
        if plays > ORDER_LIMIT {
            return Err(Unplayed::AnySource);
        }
        let mut play = Play::new(traces, eager);
        let prescribed = choices.len();
        play.choices = choices;
        let problem = play.run_keeping();
        let decisions = &play.decisions;
        if let Some(problem) = problem {
            if decisions.is_empty() {
                return Ok(Some(problem));
            }
            let order = decisions
                .iter()
                .map(|decision| (decision.at, decision.candidates[decision.chosen]))
                .collect();
            return Ok(Some(Problem::Raced {
                order,
                problem: Box::new(problem),
            }));
        }
        // The other candidates of each decision this play made by default.
        for index in prescribed..decisions.len() {
            for other in 1..decisions[index].candidates.len() {
                let mut next: Vec<usize> = decisions[..index].iter().map(|d| d.chosen).collect();
                next.push(other);
                pending.push(next);
            }
        }
    }
    Ok(None)
}

/// A receive from `ANY_SOURCE` that found messages from several ranks.
#[derive(Debug, Clone)]
struct Decision {
    /// The receive.
    at: At,
    /// The ranks whose messages it could take, in rank order.
    candidates: Vec<usize>,
    /// The index of the one it took.
    chosen: usize,
}

/// Whether the play can follow every request of a rank: each `wait` names its requests, no
/// `test` (whose outcome depends on timing), and every point-to-point request is waited for.
fn requests_followed(events: &[Event]) -> bool {
    let mut completed = HashSet::new();
    for event in events {
        match &event.kind {
            Kind::Complete { requests: None } => return false,
            Kind::Complete {
                requests: Some(ids),
            } => completed.extend(ids.iter().copied()),
            _ => {}
        }
    }
    events.iter().all(|event| {
        !event.nonblocking
            || matches!(event.kind, Kind::Collective { .. })
            || event.request.is_some_and(|id| completed.contains(&id))
    })
}

/// The first peer or root out of range, or negative tag.
pub(crate) fn out_of_range(traces: &[&[Event]]) -> Option<Problem> {
    for (rank, events) in traces.iter().enumerate() {
        for (index, event) in events.iter().enumerate() {
            // Peers and roots are ranks of the call's communicator.
            let size = event
                .comm
                .as_ref()
                .map_or(traces.len(), |group| group.members.len()) as i128;
            let outside = |value: i128| !(0..size).contains(&value);
            let bad = match event.kind {
                Kind::Send { to, .. } => outside(to).then_some((to, Role::Dest)),
                Kind::Recv {
                    from: Some(from), ..
                } => outside(from).then_some((from, Role::Source)),
                Kind::Recv { from: None, .. } => None,
                Kind::Sendrecv { to, from, .. } => {
                    if outside(to) {
                        Some((to, Role::Dest))
                    } else {
                        from.filter(|&from| outside(from))
                            .map(|from| (from, Role::Source))
                    }
                }
                Kind::Collective { root, .. } => root
                    .filter(|&root| outside(root))
                    .map(|root| (root, Role::Root)),
                Kind::Complete { .. } => None,
            };
            let negative = |tag: i128, role| (tag < 0).then_some((tag, role));
            let bad = bad.or_else(|| match event.kind {
                Kind::Send { tag, .. } => negative(tag, Role::SendTag),
                Kind::Recv { tag: Some(tag), .. } => negative(tag, Role::RecvTag),
                Kind::Sendrecv {
                    send_tag, recv_tag, ..
                } => negative(send_tag, Role::SendTag)
                    .or_else(|| recv_tag.and_then(|tag| negative(tag, Role::RecvTag))),
                _ => None,
            });
            if let Some((value, what)) = bad {
                return Some(Problem::OutOfRange {
                    at: (rank, index),
                    value,
                    what,
                });
            }
        }
    }
    None
}

/// Whether two collective calls agree: the same op (in any form), and the same root and
/// operator where both are known.
pub(crate) fn same_collective(a: &Event, b: &Event) -> bool {
    match (&a.kind, &b.kind) {
        (
            Kind::Collective {
                family: fa,
                root: ra,
                reduction: oa,
            },
            Kind::Collective {
                family: fb,
                root: rb,
                reduction: ob,
            },
        ) => {
            fa == fb
                && (ra.is_none() || rb.is_none() || ra == rb)
                && (oa.is_none() || ob.is_none() || oa == ob)
                && (a.count.is_none() || b.count.is_none() || a.count == b.count)
        }
        _ => false,
    }
}

/// The first position where the ranks' collectives differ. `ranks`: `(rank, calls, whole)`,
/// `whole` false when only a prefix of the rank's calls is known (then a missing collective
/// proves nothing).
pub(crate) fn collectives(ranks: &[(usize, &[Event], bool)]) -> Option<Problem> {
    // Each communicator's collectives are compared among its members: the function's own
    // (every rank), then each that `split` made, in the order first called.
    let mut comms: Vec<(usize, Option<&[usize]>)> = vec![(0, None)];
    for (_, events, _) in ranks {
        for event in events.iter() {
            if let Some(group) = &event.comm
                && !comms.iter().any(|(id, _)| *id == group.id)
            {
                comms.push((group.id, Some(&group.members)));
            }
        }
    }
    comms
        .into_iter()
        .find_map(|(id, members)| collectives_on(ranks, id, members))
}

/// [`collectives`] on the communicator `id`, of `members` (`None`: every rank).
fn collectives_on(
    ranks: &[(usize, &[Event], bool)],
    id: usize,
    members: Option<&[usize]>,
) -> Option<Problem> {
    let lists: Vec<(usize, Vec<usize>, bool)> = ranks
        .iter()
        .filter(|(rank, _, _)| members.is_none_or(|members| members.contains(rank)))
        .map(|(rank, events, whole)| {
            let indices = events
                .iter()
                .enumerate()
                .filter(|(_, event)| {
                    matches!(event.kind, Kind::Collective { .. }) && event.comm_id() == id
                })
                .map(|(index, _)| index)
                .collect();
            (*rank, indices, *whole)
        })
        .collect();
    let longest = lists.iter().map(|(_, list, _)| list.len()).max()?;
    for position in 0..longest {
        let calls: Vec<(usize, Option<usize>)> = lists
            .iter()
            .filter(|(_, list, whole)| *whole || position < list.len())
            .map(|(rank, list, _)| (*rank, list.get(position).copied()))
            .collect();
        let event = |rank: usize, index: usize| {
            ranks
                .iter()
                .find(|(r, _, _)| *r == rank)
                .and_then(|(_, events, _)| events.get(index))
        };
        let first = calls
            .iter()
            .find_map(|(rank, index)| index.and_then(|index| event(*rank, index)));
        let agree = calls.iter().all(|(rank, index)| match (index, first) {
            (Some(index), Some(first)) => {
                event(*rank, *index).is_some_and(|event| same_collective(event, first))
            }
            _ => false,
        });
        if !agree {
            return Some(Problem::Collectives { position, calls });
        }
    }
    None
}

/// Whether `event` is a blocking collective: it waits for every rank.
fn blocks_all(event: &Event) -> bool {
    matches!(event.kind, Kind::Collective { .. }) && !event.nonblocking
}

/// A message posted by a send.
#[derive(Debug)]
struct Message {
    from: usize,
    to: usize,
    tag: i128,
    /// The id of its communicator (see [`Event::comm_id`]).
    comm: usize,
    at: At,
    taken: bool,
}

/// A request issued by a nonblocking point-to-point call, as the play follows it.
#[derive(Debug)]
struct Request {
    /// The issuing call's index in the rank's trace.
    event: usize,
    /// The message it sent, if it sends.
    message: Option<usize>,
    /// What it receives (source, tag), if it receives.
    receive: Option<(Option<i128>, Option<i128>)>,
    /// Its receive took a message.
    received: bool,
}

/// One play of the calls.
struct Play<'a> {
    traces: &'a [&'a [Event]],
    eager: bool,
    /// Each rank's next call.
    next: Vec<usize>,
    /// The message the rank's current call has posted, if any.
    posted: Vec<Option<usize>>,
    /// The receive of the rank's current `sendrecv` is done.
    received: Vec<bool>,
    messages: Vec<Message>,
    /// Each rank's messages not taken yet, in the order posted (indices into `messages`).
    inbox: Vec<Vec<usize>>,
    /// Each rank's point-to-point requests, by number.
    requests: Vec<HashMap<usize, Request>>,
    /// Each rank's receive requests that have not taken a message yet, in the order issued.
    waiting_receives: Vec<Vec<usize>>,
    /// The candidate each decision of a receive from `ANY_SOURCE` takes, by its index (the
    /// first candidate past the end).
    choices: Vec<usize>,
    /// The decisions made.
    decisions: Vec<Decision>,
    /// The first receive that took a message longer than it holds, and that message's send.
    oversized: Option<(At, At)>,
}

/// What a blocked rank waits for.
#[derive(Debug, Clone, Copy)]
enum Wait {
    /// A message from the rank (`None`: any).
    Message(Option<usize>),
    /// Its message to be taken by the rank.
    Taken(usize),
    /// The other ranks, in a collective.
    Collective,
}

impl<'a> Play<'a> {
    fn new(traces: &'a [&'a [Event]], eager: bool) -> Self {
        let size = traces.len();
        Play {
            traces,
            eager,
            next: vec![0; size],
            posted: vec![None; size],
            received: vec![false; size],
            messages: Vec::new(),
            inbox: vec![Vec::new(); size],
            requests: (0..size).map(|_| HashMap::new()).collect(),
            waiting_receives: vec![Vec::new(); size],
            choices: Vec::new(),
            decisions: Vec::new(),
            oversized: None,
        }
    }

    fn current(&self, rank: usize) -> Option<&'a Event> {
        self.traces[rank].get(self.next[rank])
    }

    fn advance(&mut self, rank: usize) {
        self.next[rank] += 1;
        self.posted[rank] = None;
        self.received[rank] = false;
    }

    fn post(&mut self, rank: usize, to: i128, tag: i128) -> usize {
        match self.posted[rank] {
            Some(message) => message,
            None => {
                let message = self.post_message(rank, to, tag);
                self.posted[rank] = Some(message);
                message
            }
        }
    }

    /// Posts a message of the rank's current call.
    fn post_message(&mut self, rank: usize, to: i128, tag: i128) -> usize {
        let event = &self.traces[rank][self.next[rank]];
        // In range: `out_of_range` found none before the play.
        let to = event.world_rank(to).unwrap_or(0);
        self.messages.push(Message {
            from: rank,
            to,
            tag,
            comm: event.comm_id(),
            at: (rank, self.next[rank]),
            taken: false,
        });
        let message = self.messages.len() - 1;
        self.inbox[to].push(message);
        message
    }

    /// Issues the request `id` of the rank's current (nonblocking) call: its message posted,
    /// its receive waiting for one.
    fn issue(&mut self, rank: usize, id: usize, kind: &Kind) {
        let (send, receive) = match *kind {
            Kind::Send { to, tag } => (Some((to, tag)), None),
            Kind::Recv { from, tag } => (None, Some((from, tag))),
            Kind::Sendrecv {
                to,
                send_tag,
                from,
                recv_tag,
            } => (Some((to, send_tag)), Some((from, recv_tag))),
            Kind::Collective { .. } | Kind::Complete { .. } => (None, None),
        };
        let message = send.map(|(to, tag)| self.post_message(rank, to, tag));
        if receive.is_some() {
            self.waiting_receives[rank].push(id);
        }
        self.requests[rank].insert(
            id,
            Request {
                event: self.next[rank],
                message,
                receive,
                received: false,
            },
        );
    }

    /// Gives the rank's waiting receive requests the messages they accept, in the order they
    /// were issued; whether any took one.
    fn match_requests(&mut self, rank: usize) -> bool {
        let mut changed = false;
        let waiting = std::mem::take(&mut self.waiting_receives[rank]);
        let mut still = Vec::new();
        for id in waiting {
            let Some(request) = self.requests[rank].get(&id) else {
                continue;
            };
            let (event, receive) = (request.event, request.receive);
            let taken = receive.is_some_and(|(from, tag)| self.take(rank, event, from, tag));
            if taken {
                if let Some(request) = self.requests[rank].get_mut(&id) {
                    request.received = true;
                }
                changed = true;
            } else {
                still.push(id);
            }
        }
        self.waiting_receives[rank] = still;
        changed
    }

    /// Whether the rank's request `id` has completed (one the play did not see issued, of a
    /// collective or of a call with no peer, completes at once).
    fn complete(&self, rank: usize, id: usize) -> bool {
        self.requests[rank].get(&id).is_none_or(|request| {
            (request.receive.is_none() || request.received)
                && request
                    .message
                    .is_none_or(|message| self.eager || self.messages[message].taken)
        })
    }

    /// Takes the first message for `rank` that a receive from `from` with `tag` matches
    /// (MPI's order: messages from one sender arrive in the order they were sent). From any
    /// rank, with messages of several ranks there, the one this play's choices say (see
    /// [`every_order`]).
    fn take(&mut self, rank: usize, index: usize, from: Option<i128>, tag: Option<i128>) -> bool {
        let event = &self.traces[rank][index];
        let comm = event.comm_id();
        // In range: `out_of_range` found none before the play.
        let from = from.map(|from| event.world_rank(from).unwrap_or(0));
        let accepts = |message: &Message, sender: Option<usize>| {
            message.comm == comm
                && sender.is_none_or(|sender| message.from == sender)
                && from.is_none_or(|from| message.from == from)
                && tag.is_none_or(|tag| message.tag == tag)
        };
        let mut sender = None;
        if from.is_none() {
            let mut candidates: Vec<usize> = self.inbox[rank]
                .iter()
                .map(|&message| &self.messages[message])
                .filter(|message| accepts(message, None))
                .map(|message| message.from)
                .collect();
            candidates.sort_unstable();
            candidates.dedup();
            if candidates.len() > 1 {
                let decision = self.decisions.len();
                let last = candidates.len() - 1;
                let chosen = self.choices.get(decision).map_or(0, |&c| c.min(last));
                sender = Some(candidates[chosen]);
                self.decisions.push(Decision {
                    at: (rank, index),
                    candidates,
                    chosen,
                });
            }
        }
        let Some(position) = self.inbox[rank]
            .iter()
            .position(|&message| accepts(&self.messages[message], sender))
        else {
            return false;
        };
        let message = &mut self.messages[self.inbox[rank].remove(position)];
        message.taken = true;
        let send = message.at;
        let count = self.traces[send.0][send.1].count;
        let room = self.traces[rank][index].room;
        if let (Some(count), Some((room, exact))) = (count, room)
            && (count > room || (exact && count != room))
            && self.oversized.is_none()
        {
            self.oversized = Some(((rank, index), send));
        }
        true
    }

    /// Runs the rank's calls while they complete; whether anything changed.
    fn step(&mut self, rank: usize) -> bool {
        let mut changed = false;
        while let Some(event) = self.current(rank) {
            // Messages go to the receive requests issued before this call first.
            changed |= self.match_requests(rank);
            if event.nonblocking
                && let Some(id) = event.request
                && !matches!(event.kind, Kind::Collective { .. })
            {
                self.issue(rank, id, &event.kind);
                self.match_requests(rank);
                self.advance(rank);
                changed = true;
                continue;
            }
            let done = match event.kind {
                Kind::Complete { ref requests } => {
                    requests.iter().flatten().all(|&id| self.complete(rank, id))
                }
                Kind::Send { to, tag } => {
                    let fresh = self.posted[rank].is_none();
                    let message = self.post(rank, to, tag);
                    changed |= fresh;
                    self.eager || self.messages[message].taken
                }
                Kind::Recv { from, tag } => self.take(rank, self.next[rank], from, tag),
                Kind::Sendrecv {
                    to,
                    send_tag,
                    from,
                    recv_tag,
                } => {
                    let fresh = self.posted[rank].is_none();
                    let message = self.post(rank, to, send_tag);
                    changed |= fresh;
                    if !self.received[rank] && self.take(rank, self.next[rank], from, recv_tag) {
                        self.received[rank] = true;
                        changed = true;
                    }
                    self.received[rank] && (self.eager || self.messages[message].taken)
                }
                // A nonblocking collective is issued at once.
                Kind::Collective { .. } => event.nonblocking,
            };
            if !done {
                break;
            }
            self.advance(rank);
            changed = true;
        }
        changed
    }

    /// The ranks of the communicator of `event`.
    fn members(&self, event: &Event) -> Vec<usize> {
        match &event.comm {
            Some(group) => group.members.clone(),
            None => (0..self.traces.len()).collect(),
        }
    }

    /// Whether the rank's current call is a blocking collective on the communicator `comm`.
    fn in_collective(&self, rank: usize, comm: usize) -> bool {
        self.current(rank)
            .is_some_and(|event| blocks_all(event) && event.comm_id() == comm)
    }

    /// Plays until no call can go on; the problem, if any (the play keeps its decisions).
    fn run_keeping(&mut self) -> Option<Problem> {
        let size = self.traces.len();
        loop {
            let mut changed = false;
            for rank in 0..size {
                changed |= self.step(rank);
            }
            // The collectives whose communicator's every member is in one.
            let mut complete = Vec::new();
            for rank in 0..size {
                let Some(event) = self.current(rank).filter(|event| blocks_all(event)) else {
                    continue;
                };
                if complete.contains(&rank) {
                    continue;
                }
                let members = self.members(event);
                if members
                    .iter()
                    .all(|&member| self.in_collective(member, event.comm_id()))
                {
                    complete.extend(members);
                }
            }
            for &rank in &complete {
                self.advance(rank);
            }
            changed |= !complete.is_empty();
            if let Some((recv, send)) = self.oversized {
                return Some(Problem::Oversized { recv, send });
            }
            if !changed {
                break;
            }
        }
        let stuck: Vec<usize> = (0..size)
            .filter(|&rank| self.current(rank).is_some())
            .collect();
        if stuck.is_empty() {
            return self
                .messages
                .iter()
                .find(|message| !message.taken)
                .map(|message| Problem::NoRecv { at: message.at });
        }
        Some(self.diagnose(&stuck))
    }

    /// What the blocked rank waits for, and the call it waits in: for a `wait`, the call that
    /// issued the first request not complete.
    fn wait(&self, rank: usize) -> Option<(Wait, At)> {
        let event = self.current(rank)?;
        let here = (rank, self.next[rank]);
        let peer = |event: &Event, peer: i128| event.world_rank(peer).unwrap_or(0);
        let source = |event: &Event, from: Option<i128>| from.map(|from| peer(event, from));
        Some(match event.kind {
            Kind::Send { to, .. } => (Wait::Taken(peer(event, to)), here),
            Kind::Recv { from, .. } => (Wait::Message(source(event, from)), here),
            Kind::Sendrecv { to, from, .. } => {
                if self.received[rank] {
                    (Wait::Taken(peer(event, to)), here)
                } else {
                    (Wait::Message(source(event, from)), here)
                }
            }
            Kind::Collective { .. } => (Wait::Collective, here),
            Kind::Complete { ref requests } => {
                let open = requests
                    .iter()
                    .flatten()
                    .find(|&&id| !self.complete(rank, id))
                    .and_then(|id| self.requests[rank].get(id))?;
                let at = (rank, open.event);
                let issued = &self.traces[rank][open.event];
                match (open.receive, open.message) {
                    (Some((from, _)), _) if !open.received => {
                        (Wait::Message(source(issued, from)), at)
                    }
                    (_, Some(message)) => (Wait::Taken(self.messages[message].to), at),
                    _ => return None,
                }
            }
        })
    }

    /// Why the blocked ranks `stuck` wait forever.
    fn diagnose(&self, stuck: &[usize]) -> Problem {
        let size = self.traces.len();
        let finished = |rank: usize| self.current(rank).is_none();
        // A receive whose sender sent to it with other tags only.
        for &rank in stuck {
            if let Some((Wait::Message(Some(from)), at)) = self.wait(rank) {
                let comm = self.traces[at.0][at.1].comm_id();
                let sends = |same: bool| -> Vec<At> {
                    self.messages
                        .iter()
                        .filter(|message| {
                            !message.taken
                                && message.from == from
                                && message.to == rank
                                && (message.comm == comm) == same
                        })
                        .map(|message| message.at)
                        .collect()
                };
                let (tagged, elsewhere) = (sends(true), sends(false));
                if !tagged.is_empty() {
                    return Problem::TagMismatch { at, sends: tagged };
                }
                if !elsewhere.is_empty() {
                    return Problem::CommMismatch {
                        at,
                        sends: elsewhere,
                    };
                }
            }
        }
        // A receive whose sender has finished.
        for &rank in stuck {
            if let Some((Wait::Message(Some(from)), at)) = self.wait(rank)
                && finished(from)
            {
                return Problem::NoSend { at };
            }
        }
        // A receive from any rank while every rank has finished or waits for a message:
        // nothing more is sent.
        let all_receiving = (0..size)
            .all(|rank| finished(rank) || matches!(self.wait(rank), Some((Wait::Message(_), _))));
        if all_receiving {
            for &rank in stuck {
                if let Some((Wait::Message(None), at)) = self.wait(rank) {
                    return Problem::NoSend { at };
                }
            }
        }
        // A cycle of waits, from the first blocked rank.
        let follow = |rank: usize| -> Option<usize> {
            match self.wait(rank)?.0 {
                Wait::Message(Some(from)) => Some(from),
                Wait::Message(None) => None,
                Wait::Taken(to) => Some(to),
                Wait::Collective => {
                    let event = self.current(rank)?;
                    let comm = event.comm_id();
                    self.members(event)
                        .into_iter()
                        .find(|&other| !self.in_collective(other, comm))
                }
            }
        };
        let mut path: Vec<usize> = Vec::new();
        let mut rank = stuck[0];
        let cycle: Vec<usize> = loop {
            if let Some(start) = path.iter().position(|&seen| seen == rank) {
                break path[start..].to_vec();
            }
            path.push(rank);
            match follow(rank) {
                Some(other) if !finished(other) => rank = other,
                _ => break path.clone(),
            }
        };
        let cycle: Vec<At> = cycle
            .into_iter()
            .map(|rank| {
                self.wait(rank)
                    .map_or((rank, self.next[rank]), |(_, at)| at)
            })
            .collect();
        Problem::Deadlock {
            cycle,
            always: self.eager,
        }
    }
}
