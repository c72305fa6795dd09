fn broken(comm: &Comm, x: f64) -> f64 {
    const _: ::core::option::Option<&str> = ::core::option_env!("SPMD_EXPLAIN");
    println!(
        "{}", ::spmd::__private::settle(allreduce(& x, Sum, comm,
        ::spmd::__private::take_token()))
    );
    {
        let _ = (&&x, &comm);
        ::core::unreachable!()
    }
}
::core::compile_error! {
    "`allreduce` takes 3 arguments (or 4 with an explicit token) but 2 were given: write `allreduce(&buf, op, comm)`, or with an explicit token `allreduce(&buf, op, comm, token)`"
}
::core::compile_error! {
    "`allreduce` is called inside the arguments of `println!`, which `#[spmd_jit]` cannot see into: bind its result first (`let value = allreduce(...);`) and pass `value` to `println!`"
}
