fn sync(comm: &Comm) {
    const _: ::core::option::Option<&str> = ::core::option_env!("SPMD_EXPLAIN");
    my_spmd::__private::settle(barrier(comm, my_spmd::__private::take_token()));
}
