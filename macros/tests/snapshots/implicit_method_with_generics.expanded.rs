/// The total of the field over the ranks.
#[inline]
pub(crate) fn total<T>(&self, values: &[T]) -> Vec<T>
where
    T: Element,
    Sum: Reduces<T>,
{
    const _: ::core::option::Option<&str> = ::core::option_env!("SPMD_EXPLAIN");
    let scaled = self.scale(values);
    ::spmd::__private::settle(
        spmd::allreduce(&scaled[..], Sum, &self.comm, ::spmd::__private::take_token()),
    )
}
