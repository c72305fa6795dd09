fn steps(comm: &Comm, mode: u8, text: &str) -> Result<u64, ParseIntError> {
    const _: ::core::option::Option<&str> = ::core::option_env!("SPMD_EXPLAIN");
    let start: u64 = text.parse()?;
    let mut x = if mode == 0 {
        ::spmd::__private::settle(
            allreduce(&start, Sum, comm, ::spmd::__private::take_token()),
        )
    } else {
        ::spmd::__private::settle(
            bcast(&start, 0, comm, ::spmd::__private::take_token()),
        )
    };
    for _ in 0..3 {
        x = ::spmd::__private::settle(
            allreduce(&x, Max, comm, ::spmd::__private::take_token()),
        );
    }
    let y = loop {
        ::spmd::__private::settle(barrier(comm, ::spmd::__private::take_token()));
        if x > 10 {
            break x;
        }
        x += 1;
    };
    match comm.rank() {
        0 => {
            ::spmd::__private::settle(send(&y, 1, comm, ::spmd::__private::take_token()))
        }
        1 => {
            x = ::spmd::__private::settle(
                recv(&y, 0, comm, ::spmd::__private::take_token()),
            );
        }
        _ => return Ok(0),
    }
    Ok(x)
}
