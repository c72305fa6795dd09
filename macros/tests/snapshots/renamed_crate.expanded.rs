fn sync(comm: &Comm) {
    my_spmd::__private::settle(my_spmd::barrier(comm, my_spmd::__private::take_token()));
}
