//! The errors for a problem of the communication pattern: one at the first call involved with
//! the whole story (the world size, the ranks, the calls, the fix), and one at each other call
//! involved saying its part.

use proc_macro2::Span;

use super::DEFAULT_SIZES_TEXT;
use super::simulate::{At, Problem, Role};
use super::trace::{CommName, Event, Kind, Trace};
use super::words::{
    at_line, at_line_without_parens, comma_line, count_ranks, line, ordinal, plural, ranks,
};

/// What the messages need besides the problem.
pub(crate) struct Context<'a> {
    pub(crate) fn_name: &'a str,
    pub(crate) comm: &'a CommName,
    /// The size the problem is found with.
    pub(crate) size: usize,
    pub(crate) traces: &'a [Trace],
    /// The sizes checked.
    pub(crate) sizes: &'a [usize],
    /// The sizes come from the attribute.
    pub(crate) attribute_sizes: bool,
    /// The sizes where the pattern was followed and is correct, and where it fails.
    pub(crate) works: &'a [usize],
    pub(crate) fails: &'a [usize],
}

impl Context<'_> {
    fn event(&self, (rank, index): At) -> &Event {
        &self.traces[rank].events[index]
    }

    fn sends_to(&self, from: usize, to: usize) -> Vec<usize> {
        self.traces[from]
            .events
            .iter()
            .enumerate()
            .filter(|(_, event)| match event.kind {
                Kind::Send { to: dest, .. } | Kind::Sendrecv { to: dest, .. } => dest == to as i128,
                _ => false,
            })
            .map(|(index, _)| index)
            .collect()
    }

    fn receives_from(&self, rank: usize, from: usize) -> usize {
        self.traces[rank]
            .events
            .iter()
            .filter(|event| {
                event
                    .kind
                    .receives()
                    .is_some_and(|(source, _)| source == Some(from as i128))
            })
            .count()
    }

    fn world(&self) -> String {
        format!("with {} {}", self.size, plural(self.size, "rank", "ranks"))
    }
}

/// `allreduce(Sum)`, `bcast(root 0)`, `send`.
fn label(event: &Event) -> String {
    match &event.kind {
        Kind::Collective {
            root, reduction, ..
        } => {
            let mut args = Vec::new();
            if let Some(reduction) = reduction {
                args.push(reduction.clone());
            }
            if let Some(root) = root {
                args.push(format!("root {root}"));
            }
            if args.is_empty() {
                format!("`{}`", event.op.name)
            } else {
                format!("`{}({})`", event.op.name, args.join(", "))
            }
        }
        _ => format!("`{}`", event.op.name),
    }
}

fn tag_text(tag: Option<i128>) -> String {
    match tag {
        Some(tag) => format!(" with tag {tag}"),
        None => String::new(),
    }
}

/// The errors for `problem`: `(span, message)`, the whole story first.
pub(crate) fn describe(problem: &Problem, cx: &Context<'_>) -> Vec<(Span, String)> {
    let mut errors = story(problem, cx);
    if let Some((_, message)) = errors.first_mut() {
        message.push_str(&sizes_advice(cx));
    }
    errors
}

/// [`describe`] without the advice on sizes.
fn story(problem: &Problem, cx: &Context<'_>) -> Vec<(Span, String)> {
    match problem {
        Problem::OutOfRange { at, value, what } => out_of_range(cx, *at, *value, *what),
        Problem::Collectives { position, calls } => collectives(cx, *position, calls),
        Problem::NoSend { at } => no_send(cx, *at),
        Problem::TagMismatch { at, sends } => tag_mismatch(cx, *at, sends),
        Problem::CommMismatch { at, sends } => comm_mismatch(cx, *at, sends),
        Problem::NoRecv { at } => no_recv(cx, *at),
        Problem::Oversized { recv, send } => oversized(cx, *recv, *send),
        Problem::Deadlock { cycle, always } => deadlock(cx, cycle, *always),
        Problem::Raced { order, problem } => {
            let mut errors = story(problem, cx);
            if let Some((_, message)) = errors.first_mut() {
                let taken: Vec<String> = order
                    .iter()
                    .map(|&(at, sender)| {
                        let event = cx.event(at);
                        format!(
                            "`{}` on rank {}{} takes rank {sender}'s message",
                            event.op.name,
                            at.0,
                            at_line(event.span)
                        )
                    })
                    .collect();
                message.push_str(&format!(
                    ". This happens when the receives from any rank match in this order, which \
                     timing decides: {}. Receive from a rank named where the order matters, \
                     or make every order correct",
                    taken.join("; ")
                ));
            }
            errors
        }
    }
}

fn out_of_range(cx: &Context<'_>, at: At, value: i128, what: Role) -> Vec<(Span, String)> {
    let event = cx.event(at);
    let (rank, size) = (at.0, cx.size);
    let doing = match what {
        Role::Dest => format!("sends to rank {value}"),
        Role::Source => format!("receives from rank {value}"),
        Role::Root => format!("has root {value}"),
        Role::SendTag | Role::RecvTag => {
            let (doing, fix) = if what == Role::SendTag {
                ("sends with", "use a tag of 0 or more")
            } else {
                (
                    "receives with",
                    "use a tag of 0 or more; to accept any tag, leave the tag unset",
                )
            };
            return vec![(
                event.span,
                format!(
                    "{world}, `{op}` on rank {rank}{line} {doing} tag {value}, which MPI does not \
                     allow (tags are 0 or more; spmd refuses a negative tag when the call runs): \
                     {fix}",
                    world = cx.world(),
                    op = event.op.name,
                    line = at_line(event.span),
                ),
            )];
        }
    };
    // On a communicator `split` made, its own size and numbering.
    let (size, of) = match &event.comm {
        Some(group) => (
            group.members.len(),
            format!(
                " of the communicator `split` made of {}",
                super::words::ranks(&group.members)
            ),
        ),
        None => (size, String::new()),
    };
    let ranks_are = if size == 1 {
        format!("the only rank{of} is 0")
    } else {
        format!("the ranks{of} are 0 to {}", size - 1)
    };
    let fix = if value == size as i128 {
        "wrap the peer around (`(rank + 1) % size`), or skip the call on the last rank"
    } else if value < 0 {
        "it is computed below zero (on `usize`, a panic in a debug build): compute it modulo \
         the size (`(rank + size - 1) % size`), or skip the call on the ranks without such a \
         peer"
    } else {
        "a peer or root must be below the size"
    };
    vec![(
        event.span,
        format!(
            "{world}, `{op}` on rank {rank}{line} {doing}, which does not exist ({ranks_are}): \
             {fix}",
            world = cx.world(),
            op = event.op.name,
            line = at_line(event.span),
        ),
    )]
}

fn collectives(
    cx: &Context<'_>,
    position: usize,
    calls: &[(usize, Option<usize>)],
) -> Vec<(Span, String)> {
    // The ranks by the call they make there (same call site and arguments together).
    let mut groups: Vec<(&Event, Vec<usize>)> = Vec::new();
    let mut none: Vec<usize> = Vec::new();
    for &(rank, index) in calls {
        match index {
            Some(index) => {
                let event = cx.event((rank, index));
                match groups.iter_mut().find(|(other, _)| {
                    other.site == event.site
                        && label(other) == label(event)
                        && other.count == event.count
                }) {
                    Some((_, ranks)) => ranks.push(rank),
                    None => groups.push((event, vec![rank])),
                }
            }
            None => none.push(rank),
        }
    }
    let nth = ordinal(position + 1);
    // The communicator, when `split` made it: its members (the positions count its own
    // collectives only).
    let comm = groups
        .first()
        .and_then(|(event, _)| event.comm.as_ref())
        .map(|group| super::words::list(&group.members));
    let comm = comm.as_deref();
    // Counts are named when they are what differs: the same call otherwise.
    let counts_differ = groups.len() > 1
        && groups
            .iter()
            .all(|(event, _)| event.count.is_some() && label(event) == label(groups[0].0));
    let mut parts: Vec<String> = groups
        .iter()
        .map(|(event, group)| {
            let of = match event.count {
                Some(count) if counts_differ => {
                    format!(
                        " of {count} {}",
                        plural(count as usize, "element", "elements")
                    )
                }
                _ => String::new(),
            };
            format!(
                "{} {} {}{of}{}",
                ranks(group),
                plural(group.len(), "calls", "call"),
                label(event),
                at_line(event.span)
            )
        })
        .collect();
    if !none.is_empty() {
        let finish = plural(none.len(), "finishes", "finish");
        parts.push(if position == 0 {
            format!("{} {finish} without calling any collective", ranks(&none))
        } else {
            format!(
                "{} {finish} after {position} {} without calling it",
                ranks(&none),
                plural(position, "collective", "collectives")
            )
        });
    }
    let mut notes: Vec<(Span, String)> = Vec::new();
    let mut causes: Vec<String> = Vec::new();
    // Early returns of the ranks that have no call there.
    for &rank in &none {
        if let Some(&span) = cx.traces[rank].returns.last() {
            causes.push(format!("rank {rank} returns early{}", at_line(span)));
            notes.push((
                span,
                format!(
                    "{}, rank {rank} returns here before its {nth} collective, which the other \
                     ranks call",
                    cx.world()
                ),
            ));
            break;
        }
    }
    // A loop around the calls that runs a different number of times on different ranks.
    let looped = groups.iter().find_map(|(event, _)| event.in_loop);
    if let Some(id) = looped {
        let mut counts: Vec<(usize, u32)> = Vec::new();
        let mut span = None;
        for &(rank, _) in calls {
            let trips = cx.traces[rank].trips.iter().filter(|trip| trip.id == id);
            let mut total = 0;
            for trip in trips {
                total += trip.count;
                span = Some(trip.span);
            }
            counts.push((rank, total));
        }
        let differ = counts
            .iter()
            .any(|(_, count)| Some(count) != counts.first().map(|c| &c.1));
        if let (true, Some(span)) = (differ, span) {
            let mut by_count: Vec<(u32, Vec<usize>)> = Vec::new();
            for (rank, count) in counts {
                match by_count.iter_mut().find(|(c, _)| *c == count) {
                    Some((_, ranks)) => ranks.push(rank),
                    None => by_count.push((count, vec![rank])),
                }
            }
            let runs: Vec<String> = by_count
                .iter()
                .map(|(count, group)| {
                    format!(
                        "{count} {} on {}",
                        plural(*count as usize, "time", "times"),
                        ranks(group)
                    )
                })
                .collect();
            let runs = runs.join(", ");
            causes.push(format!(
                "the loop{} runs {runs}: its trip count depends on the rank",
                at_line(span)
            ));
            notes.push((
                span,
                format!(
                    "{}, this loop runs {runs}, and it calls a collective",
                    cx.world()
                ),
            ));
        }
    }
    let one_site = none.is_empty()
        && groups
            .iter()
            .all(|(event, _)| event.site == groups[0].0.site);
    let (cause, fix) = if counts_differ {
        (
            " The ranks pass buffers of different lengths.".to_owned(),
            "Pass the same number of elements on every rank (for blocks whose size differs \
             from rank to rank, use the v-collectives: `gatherv`, `allgatherv`, `scatterv`, \
             `alltoallv`)",
        )
    } else if one_site {
        (
            " The ranks make the same call with a different root or operator.".to_owned(),
            "Compute the root and the operator alike on every rank (from the size, a constant, \
             or a value the ranks agree on)",
        )
    } else if causes.is_empty() {
        (
            " A condition that depends on the rank chooses the call.".to_owned(),
            "Call the collective on every rank: move it out of the branch that depends on the \
             rank",
        )
    } else {
        (
            format!(" Here {}.", causes.join(", and ")),
            "Call the collective on every rank: move it out of the branch or loop that depends \
             on the rank, or make every rank take the same path (a loop's trip count can be \
             agreed on with `allreduce(&n, Max, ..)` first)",
        )
    };
    let mut errors = Vec::new();
    let first = groups
        .first()
        .map_or(Span::call_site(), |(event, _)| event.span);
    errors.push((
        first,
        format!(
            "{world}, the ranks{on} disagree on their {nth} collective{there}: {parts}; every \
             rank{of_it} must call the same collectives in the same order, with the same root \
             and operator, or the job hangs or mixes up data.{cause} {fix}",
            world = cx.world(),
            parts = parts.join(", "),
            on = comm
                .map(|members| format!(" of the communicator `split` made of ranks {members}"))
                .unwrap_or_default(),
            there = if comm.is_some() { " on it" } else { "" },
            of_it = if comm.is_some() { " of it" } else { "" },
        ),
    ));
    for (event, group) in groups
        .iter()
        .skip(1)
        .filter(|(event, _)| !one_site || event.site != groups[0].0.site)
        // The same call at another site matches: the ranks without it are the problem.
        .filter(|(event, _)| one_site || label(event) != label(groups[0].0))
    {
        errors.push((
            event.span,
            format!(
                "{}, {} {} {} here as {} {nth} collective: it does not match the {} of the \
                 other ranks (see the error{})",
                cx.world(),
                ranks(group),
                plural(group.len(), "calls", "call"),
                label(event),
                plural(group.len(), "its", "their"),
                label(groups[0].0),
                at_line_without_parens(first),
            ),
        ));
    }
    errors.extend(notes);
    errors
}

fn no_send(cx: &Context<'_>, at: At) -> Vec<(Span, String)> {
    let event = cx.event(at);
    let rank = at.0;
    let (from, tag) = event.kind.receives().unwrap_or((None, None));
    let Some(from) = from else {
        return vec![(
            event.span,
            format!(
                "{world}, `{op}` on rank {rank}{line} waits for a message from any rank{tag} \
                 that never comes: every rank has finished or waits for a message itself, so \
                 nothing more is sent and the receive waits forever. Send the message it \
                 expects, or do not receive it",
                world = cx.world(),
                op = event.op.name,
                line = at_line(event.span),
                tag = tag_text(tag),
            ),
        )];
    };
    let from = from as usize;
    let sends = cx.sends_to(from, rank);
    let why = if sends.is_empty() {
        format!("rank {from} never sends to rank {rank}")
    } else {
        format!(
            "rank {from} sends {} {} to rank {rank}, all taken by earlier receives",
            sends.len(),
            plural(sends.len(), "message", "messages")
        )
    };
    let mut errors = vec![(
        event.span,
        format!(
            "{world}, `{op}` on rank {rank}{line} waits for a message from rank {from}{tag} \
             that never comes: {why}, so the receive waits forever. Send the message on rank \
             {from}, or receive only on the ranks that are sent to (check the peers of both \
             sides)",
            world = cx.world(),
            op = event.op.name,
            line = at_line(event.span),
            tag = tag_text(tag),
        ),
    )];
    let mut seen = Vec::new();
    for index in sends {
        let send = cx.event((from, index));
        if !seen.contains(&send.site) {
            seen.push(send.site);
            errors.push((
                send.span,
                format!(
                    "{}, rank {from} sends to rank {rank} here; its messages are all taken \
                     before the receive on line {} (see the error)",
                    cx.world(),
                    line(event.span).map_or("?".to_owned(), |l| l.to_string())
                ),
            ));
        }
    }
    errors
}

/// The communicator of `event`, in words.
fn comm_words(event: &Event) -> String {
    match &event.comm {
        Some(group) => format!(
            "the communicator `split` made of ranks {}",
            super::words::list(&group.members)
        ),
        None => "the function's communicator".to_owned(),
    }
}

fn comm_mismatch(cx: &Context<'_>, at: At, sends: &[At]) -> Vec<(Span, String)> {
    let event = cx.event(at);
    let rank = at.0;
    let sent: Vec<String> = sends
        .iter()
        .map(|&at| {
            let send = cx.event(at);
            format!(
                "on {} (`{}`{})",
                comm_words(send),
                send.op.name,
                comma_line(send.span)
            )
        })
        .collect();
    let mut errors = vec![(
        event.span,
        format!(
            "{world}, `{op}` on rank {rank}{line} waits for a message on {comm}, but its sender \
             sends to rank {rank} {sent}. A message is received only on the communicator it \
             was sent on, so the receive waits forever: send and receive on the same one",
            world = cx.world(),
            op = event.op.name,
            line = at_line(event.span),
            comm = comm_words(event),
            sent = sent.join(", "),
        ),
    )];
    errors.extend(send_notes(cx, sends, |sender| {
        format!(
            "rank {sender} sends here on another communicator than the receive of rank \
             {rank}{}",
            at_line(event.span)
        )
    }));
    errors
}

/// A note at each call site of `sends` (once per site), saying `what` of its rank.
fn send_notes(
    cx: &Context<'_>,
    sends: &[At],
    what: impl Fn(usize) -> String,
) -> Vec<(Span, String)> {
    let mut seen = Vec::new();
    let mut notes = Vec::new();
    for &at in sends {
        let send = cx.event(at);
        if !seen.contains(&send.site) {
            seen.push(send.site);
            notes.push((send.span, format!("{}, {}", cx.world(), what(at.0))));
        }
    }
    notes
}

fn tag_mismatch(cx: &Context<'_>, at: At, sends: &[At]) -> Vec<(Span, String)> {
    let event = cx.event(at);
    let rank = at.0;
    let (from, tag) = event.kind.receives().unwrap_or((None, None));
    let from = from.unwrap_or(0);
    let sent: Vec<String> = sends
        .iter()
        .map(|&at| {
            let send = cx.event(at);
            let tag = match send.kind {
                Kind::Send { tag, .. } | Kind::Sendrecv { send_tag: tag, .. } => tag,
                _ => 0,
            };
            format!("tag {tag} (`{}`{})", send.op.name, comma_line(send.span))
        })
        .collect();
    let mut errors = vec![(
        event.span,
        format!(
            "{world}, the tags never match: `{op}` on rank {rank}{line} waits for a message \
             from rank {from}{tag}, but rank {from} sends to rank {rank} with {sent}. The \
             receive waits forever: use the same tag on both sides",
            world = cx.world(),
            op = event.op.name,
            line = at_line(event.span),
            tag = tag_text(tag),
            sent = sent.join(", "),
        ),
    )];
    errors.extend(send_notes(cx, sends, |sender| {
        format!(
            "rank {sender} sends here with a tag that the receive of rank {rank}{} does not \
             accept",
            at_line(event.span)
        )
    }));
    errors
}

fn no_recv(cx: &Context<'_>, at: At) -> Vec<(Span, String)> {
    let event = cx.event(at);
    let rank = at.0;
    let (to, tag) = match event.kind {
        Kind::Send { to, tag }
        | Kind::Sendrecv {
            to, send_tag: tag, ..
        } => (to as usize, tag),
        _ => (0, 0),
    };
    let received = cx.receives_from(to, rank);
    let sent = cx.sends_to(rank, to).len();
    let why = if received == 0 {
        format!("rank {to} never receives from rank {rank}")
    } else {
        format!(
            "rank {to} receives {received} {} from rank {rank}, which sends it {sent}",
            plural(received, "message", "messages")
        )
    };
    vec![(
        event.span,
        format!(
            "{world}, `{op}` on rank {rank}{line} sends a message to rank {to} (tag {tag}) that \
             is never received: {why}. The message is lost, and the send waits forever once \
             messages exceed the eager limit: receive it on rank {to}, or do not send it",
            world = cx.world(),
            op = event.op.name,
            line = at_line(event.span),
        ),
    )]
}

fn oversized(cx: &Context<'_>, recv: At, send: At) -> Vec<(Span, String)> {
    let (receiving, sending) = (cx.event(recv), cx.event(send));
    let count = sending.count.unwrap_or_default();
    let (room, exact) = receiving.room.unwrap_or_default();
    let (holds, rule, fix) = if exact {
        (
            "its template holds",
            "a received message must fill its template exactly",
            "send as many elements as the template holds, or receive into a buffer \
             (`recv_into`: the message may be shorter, `Status::count` says how many came)",
        )
    } else {
        (
            "its buffer holds",
            "a message longer than its receive buffer is refused (MPI would write past the \
             buffer)",
            "receive into a buffer at least as long as the longest message, or send fewer \
             elements",
        )
    };
    vec![(
        receiving.span,
        format!(
            "{world}, `{recv_op}` on rank {recv_rank}{recv_line} receives the message of \
             `{send_op}` on rank {send_rank}{send_line}: {count} {elements}, but {holds} \
             {room}; {rule}: {fix}",
            world = cx.world(),
            recv_op = receiving.op.name,
            recv_rank = recv.0,
            recv_line = at_line(receiving.span),
            send_op = sending.op.name,
            send_rank = send.0,
            send_line = at_line(sending.span),
            elements = plural(count as usize, "element", "elements"),
        ),
    )]
}

/// What a call of a deadlock waits for, in words.
fn waiting(cx: &Context<'_>, at: At) -> String {
    let event = cx.event(at);
    let rank = at.0;
    let line = comma_line(event.span);
    if event.nonblocking {
        // A request whose `wait` blocks.
        return match event.kind {
            Kind::Send { to, .. } => format!(
                "rank {rank} waits until its `{}`{} to rank {to} is received",
                event.op.name,
                at_line_without_parens(event.span)
            ),
            _ => format!(
                "rank {rank} waits for the message of its `{}`{}",
                event.op.name,
                at_line_without_parens(event.span)
            ),
        };
    }
    match event.kind {
        Kind::Send { to, .. } => {
            format!("rank {rank} sends to rank {to} (`{}`{line})", event.op.name)
        }
        Kind::Recv { from, .. } => format!(
            "rank {rank} receives from rank {} (`{}`{line})",
            from.unwrap_or(-1),
            event.op.name
        ),
        Kind::Sendrecv { to, from, .. } => format!(
            "rank {rank} exchanges with ranks {} and {to} (`{}`{line})",
            from.unwrap_or(-1),
            event.op.name
        ),
        Kind::Collective { .. } => format!(
            "rank {rank} waits in {} ({}) for every rank",
            label(event),
            comma_line(event.span).trim_start_matches(", ")
        ),
        Kind::Complete { .. } => format!(
            "rank {rank} waits for its requests (`{}`{line})",
            event.op.name
        ),
    }
}

fn deadlock(cx: &Context<'_>, cycle: &[At], always: bool) -> Vec<(Span, String)> {
    let Some(&first) = cycle.first() else {
        return Vec::new();
    };
    let events: Vec<&Event> = cycle.iter().map(|&at| cx.event(at)).collect();
    let same_site = events.iter().all(|event| event.site == events[0].site);
    let all_sends = events
        .iter()
        .all(|event| matches!(event.kind, Kind::Send { .. }));
    let all_receives = events
        .iter()
        .all(|event| matches!(event.kind, Kind::Recv { .. }));
    let story = if same_site && cycle.len() > 3 {
        let chain: Vec<String> = cycle.iter().map(|(rank, _)| rank.to_string()).collect();
        let verb = if all_sends {
            "sends to the next before it receives"
        } else if all_receives {
            "receives from the next before it sends"
        } else {
            "waits for the next"
        };
        format!(
            "ranks {} → {} each {} in `{}`{}",
            chain.join(" → "),
            cycle[0].0,
            verb,
            events[0].op.name,
            at_line(events[0].span)
        )
    } else if cycle.len() == 1 {
        let event = events[0];
        format!(
            "rank {} sends to itself (`{}`{}) and waits for a receive that comes after it",
            first.0,
            event.op.name,
            at_line(event.span)
        )
    } else {
        let parts: Vec<String> = cycle.iter().map(|&at| waiting(cx, at)).collect();
        format!("{}, each waiting for the next", parts.join(", "))
    };
    let has_collective = events
        .iter()
        .any(|event| matches!(event.kind, Kind::Collective { .. }));
    let fix = if has_collective {
        "a rank waits in a collective while another waits for it in a point-to-point call: \
         complete the point-to-point calls on both sides before the collective, or after it on \
         both sides"
    } else if always {
        "each rank receives before it sends: let one side send first (even ranks send, then \
         receive; odd ranks receive, then send), or pair the two in one `sendrecv`"
    } else {
        "pair each send with its receive in one `sendrecv(&x, &template, Source::rank(from), \
         Dest::rank(to), comm)` (on a ring, `let (from, to) = comm.shift(1);`), or order them \
         odd/even: even ranks send first, odd ranks receive first"
    };
    let when = if always {
        "wait for each other forever, whatever the size of the messages"
    } else {
        "deadlock once the messages exceed MPI's eager limit (above it, a few kB to 64 kB by \
         network, a `send` waits until its receive is posted)"
    };
    let mut errors = vec![(
        events[0].span,
        format!(
            "{world}, these calls {when}: {story}. To fix it, {fix}",
            world = cx.world(),
        ),
    )];
    let mut seen = vec![events[0].site];
    for (&at, event) in cycle.iter().zip(&events) {
        if !seen.contains(&event.site) {
            seen.push(event.site);
            errors.push((
                event.span,
                format!(
                    "{}, {}: part of the deadlock reported{}",
                    cx.world(),
                    waiting(cx, at),
                    at_line_without_parens(events[0].span)
                ),
            ));
        }
    }
    errors
}

/// What the other sizes say, and how to restrict the function to the sizes it is meant for.
fn sizes_advice(cx: &Context<'_>) -> String {
    let others: Vec<usize> = cx
        .fails
        .iter()
        .copied()
        .filter(|&size| size != cx.size)
        .collect();
    // Correct with one rank only is no sign of the sizes it is meant for.
    if !cx.works.iter().any(|&size| size > 1) {
        if others.is_empty() {
            return String::new();
        }
        return format!(". (It also fails with {}.)", count_ranks(&others));
    }
    let size = cx.comm.size_expr();
    let works = cx.works;
    let contiguous = works.windows(2).all(|w| w[1] == w[0] + 1);
    let (first, last) = (works[0], works[works.len() - 1]);
    let max_checked = cx.sizes.iter().copied().max().unwrap_or(last);
    let (assertion, attribute) = if works.len() == 1 {
        (format!("assert_eq!({size}, {first});"), first.to_string())
    } else if contiguous && first == 1 {
        (format!("assert!({size} <= {last});"), format!("1..={last}"))
    } else if contiguous && last == max_checked {
        (
            format!("assert!({size} >= {first});"),
            format!("{first}..={last}"),
        )
    } else if contiguous {
        (
            format!("assert!(({first}..={last}).contains(&{size}));"),
            format!("{first}..={last}"),
        )
    } else {
        let items: Vec<String> = works.iter().map(ToString::to_string).collect();
        let items = items.join(", ");
        let powers = cx
            .sizes
            .iter()
            .copied()
            .filter(|s| s.is_power_of_two())
            .collect::<Vec<_>>();
        let evens = cx
            .sizes
            .iter()
            .copied()
            .filter(|s| s % 2 == 0)
            .collect::<Vec<_>>();
        let assertion = if powers == works {
            format!("assert!({size}.is_power_of_two());")
        } else if evens == works {
            format!("assert!({size} % 2 == 0);")
        } else {
            format!("assert!([{items}].contains(&{size}));")
        };
        (assertion, format!("[{items}]"))
    };
    let checked = if cx.attribute_sizes {
        String::new()
    } else {
        format!(" {DEFAULT_SIZES_TEXT}")
    };
    format!(
        ".\n`{name}` is correct with {works} and fails with {fails}{checked}: if it is meant \
         for {works} only, say so on the first line of its body: `{assertion}` (or with \
         `#[spmd_jit(sizes = {attribute})]`)",
        name = cx.fn_name,
        works = count_ranks(works),
        fails = count_ranks(cx.fails),
    )
}
