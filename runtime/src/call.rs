//! The life of one op, in one place: its identity (op, call site, rank, sequence number),
//! argument checks, check-mode agreement, the watchdog's record (entered before the op may
//! block, left when it ends), the `SPMD_DEBUG` log line, the translation of MPI errors into
//! errors that speak to the user, and the token's advance.
//!
//! An op reads: `let call = Call::new(..)`, argument checks, `call.agree(..)` (collectives) or
//! `call.announce(..)` / `call.expect(..)` (messages), the `sys` calls wrapped in
//! `call.mpi(..)`, and `call.finish(token, ..)`.

use std::cell::Cell;
use std::ffi::c_int;
use std::panic::Location;
use std::time::Instant;

use crate::check::{self, Collective, Failure, Message};
use crate::comm::Comm;
use crate::element::Element;
use crate::error::Error;
use crate::guard::{self, Mine, Take};
use crate::ident::{OpId, Payload, Peer};
use crate::proof::{self, Streak};
use crate::scope::Lending;
use crate::settings;
use crate::sys::fused::Carry;
use crate::sys::{self, RawComm, SysError, SysResult};
use crate::token::Token;
use crate::watchdog;

/// What a receive writes into, for the message of a truncation.
pub(crate) struct Room<'a> {
    /// "the receive template", "the receive buffer".
    pub(crate) what: &'a str,
    /// Elements it holds.
    pub(crate) len: usize,
    /// Their type.
    pub(crate) elem: &'static str,
    /// The size of one in a message, in bytes (a struct's fields, without its padding).
    pub(crate) elem_size: usize,
    /// The nonblocking op that issued the receive, when a completion reports it.
    pub(crate) issued_by: Option<OpId>,
    /// The rank the message was expected from (or any).
    pub(crate) source: c_int,
}

/// One op in flight.
/// An op's identity and its rank's place, which make its errors: what a [`Call`] knows of
/// them, kept past the call.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Reporter {
    pub(crate) id: OpId,
    rank: usize,
    size: usize,
}

impl Reporter {
    pub(crate) fn error(&self, problem: impl Into<String>, help: impl Into<String>) -> Error {
        Error {
            op: self.id.op,
            rank: self.rank,
            size: self.size,
            seq: self.id.seq,
            site: self.id.site,
            problem: problem.into(),
            help: help.into(),
        }
    }

    /// Ends the op with its error.
    #[cold]
    #[inline(never)]
    pub(crate) fn fail(&self, problem: impl Into<String>, help: impl Into<String>) -> ! {
        let error = self.error(problem, help);
        panic!("{error}")
    }

    /// [`Call::count_arg`]: `count` elements of `what` as MPI's `int` count.
    pub(crate) fn count_arg(&self, what: &str, count: usize) -> c_int {
        c_int::try_from(count).unwrap_or_else(|_| self.too_long(what, count))
    }

    #[cold]
    #[inline(never)]
    fn too_long(&self, what: &str, count: usize) -> ! {
        self.fail(
            format!(
                "{what} has {count} elements, more than MPI's count limit of {} (i32::MAX)",
                c_int::MAX
            ),
            "split the data into several ops of at most i32::MAX elements each",
        )
    }
}

pub(crate) struct Call<'c> {
    pub(crate) id: OpId,
    pub(crate) comm: &'c Comm,
    started: Option<Instant>,
    /// The scope the op's buffers were lent to, if any ([`crate::scope`]): its request is
    /// registered there.
    pub(crate) lending: Lending<'c>,
    /// The proof tag this collective presents at its agreement, set by [`Call::skips`]; 0 for
    /// none.
    tag: Cell<u64>,
}

impl<'c> Call<'c> {
    /// Starts an op at the caller's call site (ops are `#[track_caller]` all the way down to
    /// here).
    #[track_caller]
    #[inline]
    pub(crate) fn new(op: &'static str, comm: &'c Comm, token: &Token) -> Call<'c> {
        let site = Location::caller();
        crate::cache::begin(site);
        #[cfg(feature = "cuda")]
        crate::cuda::begin(op, site);
        let call = Call {
            id: OpId {
                op,
                site,
                seq: token.seq(),
            },
            comm,
            started: settings::debug_enabled().then(Instant::now),
            lending: Lending::none(),
            tag: Cell::new(0),
        };
        if comm.mpi_finalized() {
            call.fail(
                "MPI has already been finalised: the program initialised MPI itself (through \
                 rsmpi) and dropped its universe while this communicator was still in use",
                "keep the rsmpi universe alive while spmd communicators are used, or initialise \
                 MPI with `spmd::init()`, whose communicators keep MPI alive",
            );
        }
        call
    }

    /// The completion of the op `origin` on `comm` outside any op of the program: a request
    /// dropped before it was finished, completed by its drop (or a forgotten one, by its
    /// scope's end) as a wait would complete it; its errors name `origin`.
    pub(crate) fn completing(comm: &'c Comm, origin: OpId) -> Call<'c> {
        Call {
            id: origin,
            comm,
            started: None,
            lending: Lending::none(),
            tag: Cell::new(0),
        }
    }

    /// The op's name.
    #[inline]
    pub(crate) fn op(&self) -> &'static str {
        self.id.op
    }

    #[cold]
    #[inline(never)]
    pub(crate) fn fail(&self, problem: impl Into<String>, help: impl Into<String>) -> ! {
        self.reporter().fail(problem, help)
    }

    /// What reports this op's errors once the call has returned: a nonblocking op's later
    /// stage (a v-collective's data, started when its counts came).
    #[inline]
    pub(crate) fn reporter(&self) -> Reporter {
        Reporter {
            id: self.id,
            rank: self.comm.rank(),
            size: self.comm.size(),
        }
    }

    // ---- arguments ---------------------------------------------------------------------------

    /// Validates a rank argument (a peer or a root) and converts it for MPI.
    #[inline]
    pub(crate) fn rank_arg(&self, role: &str, rank: usize) -> c_int {
        let size = self.comm.size();
        if rank >= size {
            self.fail(
                format!(
                    "{role} {rank} is out of range: the communicator has {size} ranks (0..{size})"
                ),
                format!("pass a {role} below `comm.size()`"),
            );
        }
        rank as c_int
    }

    /// Validates an element count and converts it for MPI, which counts in `int`.
    #[inline]
    pub(crate) fn count_arg(&self, what: &str, count: usize) -> c_int {
        c_int::try_from(count).unwrap_or_else(|_| self.too_long(what, count))
    }

    #[cold]
    #[inline(never)]
    fn too_long(&self, what: &str, count: usize) -> ! {
        self.reporter().too_long(what, count)
    }

    /// Validates a tag (non-negative).
    pub(crate) fn tag_arg(&self, tag: i32) -> c_int {
        if tag < 0 {
            self.fail(
                format!("tag {tag} is negative"),
                "tags are non-negative; to accept any tag, leave the tag unset on the receiving \
                 side",
            );
        }
        tag
    }

    /// Fails unless a buffer argument has `expected` elements.
    #[inline]
    pub(crate) fn expect_len(&self, what: &str, actual: usize, expected: usize, help: &str) {
        if actual != expected {
            self.wrong_len(what, actual, expected, help);
        }
    }

    #[cold]
    #[inline(never)]
    fn wrong_len(&self, what: &str, actual: usize, expected: usize, help: &str) -> ! {
        self.fail(
            format!("{what} has {actual} elements, but {expected} are needed"),
            help.to_string(),
        )
    }

    // ---- agreement and the watchdog ----------------------------------------------------------

    /// Tells the watchdog what this op is about to block in.
    #[cold]
    #[inline(never)]
    fn watch(&self, peer: Peer) {
        watchdog::enter(
            self.id.op,
            peer,
            self.id.site,
            self.id.seq,
            self.comm.rank(),
            self.comm.size(),
        );
    }

    /// Before a collective: the watchdog's record, and the ranks' agreement on `what`
    /// ([`guard`](crate::guard), or check mode's own): no data moves until every rank has
    /// reached a collective of the same family, element type, count, root and operator, and
    /// on disagreement every rank stops with the table of what each passed. Returns whether
    /// the ranks agreed, which also means that every rank has entered the collective; `false`
    /// only on a communicator made by the `unsafe` `Comm::without_agreement` without check
    /// mode.
    #[inline]
    pub(crate) fn agree(&self, what: Collective) -> bool {
        self.enter_collective(&what);
        match self.comm.check_raw() {
            Some(check) => self.checked(check::agree(check, &self.id, what)),
            // One rank agrees with itself: no other rank's count can reach MPI.
            None if self.comm.agrees() && self.comm.size() > 1 => {
                let tag = self.tag.get();
                let common =
                    self.checked(guard::agree(self.comm.control_raw(), &self.id, what, tag));
                self.open_streak(tag, common, what);
            }
            None if self.comm.agrees() => {}
            None => return false,
        }
        true
    }

    /// As [`agree`](Call::agree), for a collective whose data can travel inside the
    /// agreement (see [`guard::agree_carrying`]): returns whether it did, in which case what
    /// `take` names holds the result and the collective is done.
    #[inline]
    pub(crate) fn agree_carrying<T: Element>(
        &self,
        what: Collective,
        carry: Carry,
        total: usize,
        mine: Mine<'_, T>,
        take: Take<'_, T>,
    ) -> bool {
        // Only `guard`'s agreement carries data: check mode has its own, and one rank or a
        // communicator without agreement has none.
        if !self.agrees_by_envelope() {
            self.agree(what);
            return false;
        }
        self.enter_collective(&what);
        let tag = self.tag.get();
        let (done, common) = self.checked(guard::agree_carrying(
            (self.comm.control_raw(), tag),
            &self.id,
            what,
            carry,
            total,
            mine,
            take,
        ));
        self.open_streak(tag, common, what);
        done
    }

    /// Before a collective that waits for every rank ([`proof::waits_for_every_rank`]) whose
    /// length is fixed by its buffer's type when `len_by_type`: the communicator to move its
    /// data on without an agreement, when it may skip it (see [`proof`]); `None` when it must
    /// agree, which it then does presenting its proof, if it has one.
    #[inline]
    pub(crate) fn skips(&self, what: &Collective, len_by_type: bool) -> Option<RawComm<'c>> {
        // Taken first, whatever follows: the mark is this op's only.
        let (proof, number) = proof::take_mark()?;
        if !len_by_type || !proof::waits_for_every_rank(self.id.op) || !self.agrees_by_envelope() {
            return None;
        }
        let tag = proof.tag_for(self.comm.size(), number);
        self.tag.set(tag);
        let streak = self.comm.streak()?;
        if tag == 0 || !streak.continues(tag, self.id.op, what) {
            return None;
        }
        let fast = self.comm.fast_raw()?;
        if watchdog::enabled() {
            self.watch(Peer::None);
        }
        Some(fast)
    }

    /// After an agreement at which this rank presented `tag` and every rank `common`: opens a
    /// streak when every rank presented this rank's proof (making the communicator for
    /// skipped collectives if it is not made: every rank does so here, together).
    #[inline]
    fn open_streak(&self, tag: u64, common: u64, what: Collective) {
        if tag != 0 && common == tag {
            self.comm.make_fast();
            self.comm.set_streak(Some(Streak {
                tag,
                op: self.id.op,
                what,
            }));
        }
    }

    /// The envelope whose agreement carries a nonblocking collective `what`'s data (see
    /// [`guard::carrying`]): `total` elements of `T` carried as `carry`, this rank putting
    /// `given` (elements, from this element of the payload on). `None` when the data does not
    /// fit, or when the communicator's collectives do not agree through `guard` (check mode has
    /// its own agreement, a communicator without agreement or of one rank none): the
    /// collective's data then moves after its agreement, or at once.
    #[inline]
    pub(crate) fn carrying<T: Element>(
        &self,
        what: &Collective,
        carry: Carry,
        total: usize,
        given: Option<(&[T], usize)>,
    ) -> Option<sys::fused::Envelope> {
        if !self.agrees_by_envelope() {
            return None;
        }
        guard::carrying(&self.id, what, carry, total, given)
    }

    /// Whether this communicator's collectives agree through `guard`'s envelope, which can
    /// carry their data: not in check mode (its own agreement), not without agreement, and not
    /// on one rank (which agrees with itself).
    #[inline]
    pub(crate) fn agrees_by_envelope(&self) -> bool {
        !self.comm.is_checked() && self.comm.agrees() && self.comm.size() > 1
    }

    /// What every collective does before its agreement: the watchdog's record, and the start
    /// of the nonblocking collectives issued before on this communicator (MPI needs every
    /// rank to start them in the same order).
    #[inline]
    fn enter_collective(&self, what: &Collective) {
        // Agreed: whatever streak was open ends here (a new one may open after it).
        self.comm.set_streak(None);
        if watchdog::enabled() {
            self.watch(what.root.map_or(Peer::None, Peer::Root));
        }
        sys::settle(self.comm.raw());
    }

    /// Before a send: the watchdog's record, and in check mode the header to the receiver.
    #[inline]
    pub(crate) fn announce(&self, message: Message) {
        if watchdog::enabled() {
            self.watch(Peer::To(message.2));
        }
        if let Some(check) = self.comm.check_raw() {
            self.checked(check::announce(check, &self.id, message));
            self.comm.count_sent(message.2);
        }
    }

    /// Before a nonblocking send: as [`announce`](Call::announce), but check mode's header is
    /// posted without waiting (kept by the communicator until it completes), so that a rank
    /// may start a send to itself before it starts the receive.
    #[inline]
    pub(crate) fn announce_posted(&self, message: Message) {
        if watchdog::enabled() {
            self.watch(Peer::To(message.2));
        }
        if let Some(check) = self.comm.check_raw() {
            let posted = self.checked(check::post(check, &self.id, message));
            self.comm.post(posted);
            self.comm.count_sent(message.2);
        }
    }

    /// Before a receive of `count` elements of `elem` from `source` with `tag` (exactly
    /// `count` when `exact`, else at most), after sending `send` for a `sendrecv`: the
    /// watchdog's record, and in check mode the sender's header, compared with this receive.
    /// Returns the source and tag to receive from (the sender's, in check mode, when either is
    /// "any").
    #[inline]
    pub(crate) fn expect(
        &self,
        send: Option<Message>,
        elem: &'static str,
        count: usize,
        exact: bool,
        peer: (c_int, c_int),
    ) -> (c_int, c_int) {
        self.expect_as(&self.id, send, elem, count, exact, peer)
    }

    /// [`expect`](Call::expect) on behalf of the op `receive`: the nonblocking receive whose
    /// request this call completes, which a mismatch names with its call site.
    #[inline]
    pub(crate) fn expect_as(
        &self,
        receive: &OpId,
        send: Option<Message>,
        elem: &'static str,
        count: usize,
        exact: bool,
        (source, tag): (c_int, c_int),
    ) -> (c_int, c_int) {
        if watchdog::enabled() {
            self.watch(match send {
                Some((_, _, dest, _)) => Peer::Exchange {
                    to: dest,
                    from: source,
                },
                None => Peer::From(source),
            });
        }
        match self.comm.check_raw() {
            Some(check) => {
                let (from, from_tag) = self.checked(check::expect(
                    check, receive, send, elem, count, exact, source, tag,
                ));
                if let Some((_, _, dest, _)) = send {
                    self.comm.count_sent(dest);
                }
                self.comm.count_received(from);
                (from, from_tag)
            }
            None => (source, tag),
        }
    }

    fn checked<T>(&self, result: Result<T, Failure>) -> T {
        match result {
            Ok(value) => value,
            Err(Failure::Sys(error)) => self.sys_failure(error, None),
            Err(Failure::Mismatch { problem, help }) => self.fail(problem, help),
        }
    }

    // ---- MPI errors ----------------------------------------------------------------------------

    /// The value of a `sys` call, or the op's error.
    #[inline]
    pub(crate) fn mpi<T>(&self, result: SysResult<T>) -> T {
        match result {
            Ok(value) => value,
            Err(error) => self.sys_failure(error, None),
        }
    }

    /// [`mpi`](Call::mpi) for a receive into `room`: a message that does not fit is reported
    /// with the room, the type and the sender asked for.
    #[inline]
    pub(crate) fn received<T>(&self, result: SysResult<T>, room: Room<'_>) -> T {
        match result {
            Ok(value) => value,
            Err(error) => self.sys_failure(error, Some(room)),
        }
    }

    /// The form of this op that receives into the caller's buffer, for the fix of a
    /// message that did not fit.
    fn receive_into(&self, op: &'static str) -> &'static str {
        crate::__private::op(op)
            .and_then(|op| op.receive_into)
            .unwrap_or("recv_into")
    }

    /// The error for a message of `bytes` bytes from `source` that was refused before it
    /// landed: longer than `room`, or not a whole number of its elements.
    #[cold]
    #[inline(never)]
    fn oversized(&self, source: c_int, bytes: usize, room: Option<Room<'_>>) -> ! {
        let Some(room) = room else {
            self.fail(
                format!(
                    "the incoming message from rank {source} ({bytes} bytes) is larger than \
                     the receive buffer; nothing was written"
                ),
                "give the receive a buffer with room for as many elements as the sender sends",
            );
        };
        let size = room.elem_size;
        let into = self.receive_into(room.issued_by.map_or(self.id.op, |origin| origin.op));
        let issued = room.issued_by.map_or(String::new(), |origin| {
            format!(
                " (the receive of `{}` at {})",
                origin.op,
                origin.site_label()
            )
        });
        if !bytes.is_multiple_of(size) {
            self.fail(
                format!(
                    "the incoming message from rank {source}{issued} is {bytes} bytes, not a \
                     whole number of {} ({size} bytes each): the sender sent another element \
                     type; nothing was written",
                    room.elem
                ),
                format!("send and receive the same element type ({})", room.elem),
            );
        }
        self.fail(
            format!(
                "the incoming message (from rank {source}) is larger than {}{issued}, which \
                 holds {} elements of {}: it has {} ({bytes} bytes); nothing was written",
                room.what,
                room.len,
                room.elem,
                bytes / size
            ),
            format!(
                "give the receive room for every element the sender sends: a template of the \
                 sent shape, or `{into}` with a buffer at least that long (its `Status::count` \
                 then says how many came)"
            ),
        )
    }

    #[cold]
    #[inline(never)]
    fn sys_failure(&self, error: SysError, room: Option<Room<'_>>) -> ! {
        if let SysError::Mpi { function, .. } = error
            && error.is_truncation()
        {
            let Some(room) = room else {
                self.fail(
                    format!(
                        "the incoming message is larger than the receive buffer ({function} \
                         reported MPI_ERR_TRUNCATE)"
                    ),
                    "give the receive a template with as many elements as the sender sends",
                );
            };
            let from = if room.source == sys::any_source() {
                "any rank".to_string()
            } else {
                format!("rank {}", room.source)
            };
            self.fail(
                format!(
                    "the incoming message (from {from}) is larger than {}, which holds {} \
                     elements of {} ({function} reported MPI_ERR_TRUNCATE)",
                    room.what, room.len, room.elem
                ),
                format!(
                    "give the receive room for every element the sender sends: a template of \
                     the sent shape, or `{}` with a buffer at least that long (its \
                     `Status::count` then says how many came)",
                    self.receive_into(self.id.op)
                ),
            );
        }
        match error {
            SysError::Mpi { function, code } => self.fail(
                format!(
                    "{function} returned error {code}: {}",
                    sys::error_string(code)
                ),
                "this is an error of the MPI library; the message above is its own",
            ),
            SysError::TooLong { len } => self.too_long("a buffer", len),
            SysError::Oversized { source, bytes, .. } => self.oversized(source, bytes, room),
            SysError::NotABool {
                function,
                index,
                byte,
            } => self.fail(
                format!(
                    "received byte {byte} for the `bool` at element {index} ({function}): only 0 \
                     and 1 are `bool`s, so the sender sent another type (the element now holds \
                     `true`, as C reads it)"
                ),
                "send and receive the same element type on both sides (e.g. `u8` on both); \
                 run with SPMD_CHECK=1 to see both call sites",
            ),
        }
    }

    // ---- the end -----------------------------------------------------------------------------

    /// Ends the op that moved `payload`: leaves the watchdog's record, writes the log line under
    /// `SPMD_DEBUG`, and returns the next token.
    #[inline]
    pub(crate) fn finish(self, token: Token, payload: Payload, peer: Peer) -> Token {
        self.finish_lazy(token, || payload, peer)
    }

    /// [`finish`](Call::finish) with a payload that costs something to know (a receive's
    /// count), computed only for the log line.
    #[inline]
    pub(crate) fn finish_lazy(
        self,
        token: Token,
        payload: impl FnOnce() -> Payload,
        peer: Peer,
    ) -> Token {
        if watchdog::enabled() {
            watchdog::leave();
        }
        if let Some(started) = self.started {
            self.log(payload(), peer, started);
        }
        token.advance()
    }

    #[cold]
    #[inline(never)]
    fn log(&self, payload: Payload, peer: Peer, started: Instant) {
        let elapsed = started.elapsed();
        let line = format!(
            "[spmd] rank {} #{} {}{payload}{peer} at {}:{}:{} took {:.1?}\n",
            self.comm.rank(),
            self.id.seq,
            self.id.op,
            self.id.site.file(),
            self.id.site.line(),
            self.id.site.column(),
            elapsed
        );
        settings::write_stderr(&line);
    }
}
