// `Element` cannot be implemented by hand: the ops trust its datatype, and a wrong one would
// make MPI read or write outside the buffers. The derive is the way.
use spmd::Element;
use spmd::mpi::ffi;

#[derive(Clone, Copy, PartialEq, Debug)]
#[repr(C)]
struct Particle {
    position: [f64; 3],
    id: u64,
}

impl Element for Particle {
    const NAME: &'static str = "Particle";
    fn datatype() -> ffi::MPI_Datatype {
        <f64 as Element>::datatype()
    }
}

fn main() {}
