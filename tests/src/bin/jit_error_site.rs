//! A bad argument in an implicit-mode call: the error names the op and the user's line, not a
//! line of the macro or of the runtime.
//! ranks: 1 2
//! expect-failure: `send` failed on rank
//! expect-failure: jit_error_site.rs:13:5

use spmd::prelude::*;

#[spmd_jit(unchecked)]
fn send_past_the_end(comm: &Comm) {
    let nobody = comm.size();
    // Line 13, column 5: the call the error must name.
    send(&[1.0_f64], nobody, comm);
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    send_past_the_end(&comm);
    unreachable!("the send to a rank past the end must fail");
}
