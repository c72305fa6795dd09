#[cfg_attr(not(test), allow(dead_code))]
fn sums(comm: &Comm) -> Result<(), String> {
    Err("no".into())
}
#[cfg(test)]
#[allow(clippy::module_inception)]
mod sums {
    #[test]
    #[ignore = "slow"]
    fn ranks_1() {
        ::spmd::__private::test::run(
            &::spmd::__private::test::Case {
                path: ::core::concat!(::core::module_path!(), "::ranks_1"),
                ranks: 1usize,
                timeout: ::core::option::Option::Some(
                    ::core::time::Duration::from_millis(2500u64),
                ),
                expect: ::spmd::__private::test::Expect::Panic(
                    ::core::option::Option::Some("no"),
                ),
                transport: ::core::option::Option::Some(
                    ::spmd::__private::test::Transport::Tcp,
                ),
            },
            super::sums,
        );
    }
    #[test]
    #[ignore = "slow"]
    fn ranks_4() {
        ::spmd::__private::test::run(
            &::spmd::__private::test::Case {
                path: ::core::concat!(::core::module_path!(), "::ranks_4"),
                ranks: 4usize,
                timeout: ::core::option::Option::Some(
                    ::core::time::Duration::from_millis(2500u64),
                ),
                expect: ::spmd::__private::test::Expect::Panic(
                    ::core::option::Option::Some("no"),
                ),
                transport: ::core::option::Option::Some(
                    ::spmd::__private::test::Transport::Tcp,
                ),
            },
            super::sums,
        );
    }
}
