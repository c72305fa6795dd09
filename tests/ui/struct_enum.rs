// An enum has bit patterns that are not values, and no MPI datatype: refused.
#[derive(Clone, Copy, PartialEq, Debug, spmd::Element)]
#[repr(C)]
enum Kind {
    Electron,
    Proton,
}

fn main() {}
