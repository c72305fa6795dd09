// A field that is not an element (a `String` points to heap memory) is refused, naming the field.
#[derive(Clone, PartialEq, Debug, spmd::Element)]
#[repr(C)]
struct Named {
    id: u64,
    name: String,
}

fn main() {}
