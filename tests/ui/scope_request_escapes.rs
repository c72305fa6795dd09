// A request given a buffer lent to a scope cannot leave the scope, and the communicator of
// its op must outlive the scope: neither compiles.
use spmd::prelude::*;

fn escapes(comm: &Comm, edge: &mut [f64], token: Token) {
    let (from, _) = comm.shift(1);
    let (request, _token) = spmd::scope(|scope| irecv_into(scope.lend_mut(edge), from, comm, token));
    drop(request);
}

fn comm_made_inside(comm: &Comm, edge: &mut [f64], token: Token) -> Token {
    let (from, _) = comm.shift(1);
    spmd::scope(|scope| {
        let inner = comm.with_check(true);
        let (request, token) = irecv_into(scope.lend_mut(edge), from, &inner, token);
        let (_, token) = wait(request, token);
        token
    })
}

fn main() {}
