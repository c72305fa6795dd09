struct Solver {
    comm: Comm,
}
::core::compile_error! {
    "`#[spmd_jit]` cannot be applied to a struct: put it on a function with a body (a free function or a method in an `impl` block)"
}
