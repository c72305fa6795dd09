//! The ordering token: one per thread, consumed and renewed by every communication op.

use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;

/// Where this thread's token is: free in the thread's slot (with the next sequence number), or
/// held by a caller.
#[derive(Clone, Copy)]
enum Slot {
    Free(u64),
    Held(u64),
}

thread_local! {
    static SLOT: Cell<Slot> = const { Cell::new(Slot::Free(0)) };
}

/// The ordering token of a thread's communication chain.
///
/// Every op consumes a token and returns the next one, so the order of a rank's communication
/// is the order in which the token is passed, whatever the control flow around it. A token is
/// neither `Copy` nor `Clone` nor `Send`: there is exactly one per thread. It carries the rank's
/// sequence number (how many ops this thread has issued), shown in logs and errors.
///
/// Dropping a token hands it back to the thread, so the next [`token()`](crate::token) (or the
/// next call in a `#[spmd_jit]` function) continues the same chain.
#[must_use = "a token orders communication: pass it to the next op, or return it"]
pub struct Token {
    seq: u64,
    // Raw pointers are neither `Send` nor `Sync`: the chain belongs to the thread.
    _thread_bound: PhantomData<*const ()>,
}

impl Token {
    /// This thread's sequence number: the number of ops issued before the one this token will
    /// order.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// Consumes the token and returns the next one in the chain.
    pub(crate) fn advance(self) -> Token {
        let next = self.seq + 1;
        std::mem::forget(self);
        Token::held(next)
    }

    fn held(seq: u64) -> Token {
        Token {
            seq,
            _thread_bound: PhantomData,
        }
    }
}

impl Drop for Token {
    fn drop(&mut self) {
        // `try_with`: during thread teardown the slot may already be gone, and then nobody can
        // ask for the token again anyway.
        let _ = SLOT.try_with(|slot| slot.set(Slot::Free(self.seq)));
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Token(#{})", self.seq)
    }
}

/// Takes this thread's token, for code that passes tokens explicitly.
///
/// # Panics
/// If the token is already held by a caller: a thread has one chain, and two live tokens would
/// make its order ambiguous. Pass the token you hold instead, or drop it first.
#[track_caller]
pub fn token() -> Token {
    // Whatever this token orders, no proof given with an earlier one covers it.
    crate::proof::clear_mark();
    match SLOT.with(Cell::get) {
        Slot::Free(seq) => {
            SLOT.with(|slot| slot.set(Slot::Held(seq)));
            Token::held(seq)
        }
        Slot::Held(seq) => panic!(
            "spmd: the token of this thread is already held (at op #{seq}) at {}: a thread has \
             one communication chain; pass the token you hold to this op, or drop it before \
             taking the token again",
            std::panic::Location::caller()
        ),
    }
}

/// The return value of an op, split into what the caller sees and the renewed token.
///
/// `#[spmd_jit]` passes every implicit op call's result through it; a call whose result is not
/// an op's reached a function of the user's that has an op's name.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not what an spmd op returns: this call reached a function of yours \
               with an spmd op's name",
    label = "`#[spmd_jit]` took this call for an spmd op and gave it a token",
    note = "in a `#[spmd_jit]` body the names of spmd's ops are reserved: call your own \
            function through a path, e.g. `self::name(..)` or `crate::module::name(..)`, and \
            `#[spmd_jit]` leaves it alone"
)]
pub trait Settle {
    /// What the op returns in implicit mode.
    type Value;
    /// Hands the token back to the thread and returns the value.
    fn settle(self) -> Self::Value;
}

impl Settle for Token {
    type Value = ();
    #[inline]
    fn settle(self) {}
}

impl<V> Settle for (V, Token) {
    type Value = V;
    #[inline]
    fn settle(self) -> V {
        self.0
    }
}

impl<V, S> Settle for (V, S, Token) {
    type Value = (V, S);
    #[inline]
    fn settle(self) -> (V, S) {
        (self.0, self.1)
    }
}
