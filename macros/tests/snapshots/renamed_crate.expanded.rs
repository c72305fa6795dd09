fn sync(comm: &Comm) {
    const _: ::core::option::Option<&str> = ::core::option_env!("SPMD_EXPLAIN");
    static __SPMD_JIT_PROOF: my_spmd::__private::Proof = my_spmd::__private::Proof::new(
        874690798081415354u64,
        &[
            1u32, 2u32, 3u32, 4u32, 5u32, 6u32, 7u32, 8u32, 9u32, 10u32, 11u32, 12u32,
            13u32, 14u32, 15u32, 16u32, 32u32, 64u32,
        ],
    );
    let __spmd_jit_call: u64 = __SPMD_JIT_PROOF.enter();
    my_spmd::__private::settle(
        barrier(
            comm,
            my_spmd::__private::take_token_proven(&__SPMD_JIT_PROOF, __spmd_jit_call),
        ),
    );
}
