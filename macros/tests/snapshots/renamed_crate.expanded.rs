fn sync(comm: &Comm) {
    my_spmd::__private::settle(barrier(comm, my_spmd::__private::take_token()));
}
