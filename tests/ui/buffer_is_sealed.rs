// A user type cannot implement the buffer traits: the ops trust them, and a buffer that claimed
// more elements than it holds would make MPI read or write out of bounds.
use spmd::{Buffer, Elements};

struct Lies(Vec<f64>);

impl Buffer for Lies {
    type Elem = f64;
    type Owned = Vec<f64>;
    type Shape = ();
    fn elements(&self) -> Elements<'_, f64> {
        Elements::Borrowed(&self.0)
    }
    fn element_count(&self) -> usize {
        self.0.len() + 1_000_000
    }
    fn shape_of(&self) {}
    fn owned_from_shape(_: &(), data: Vec<f64>) -> Vec<f64> {
        data
    }
}

fn main() {}
