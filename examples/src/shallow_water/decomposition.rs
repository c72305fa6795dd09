//! How the global grid is split over the ranks, and who is whose neighbour.

use super::model::{NX_GLOBAL, NY_GLOBAL};

// ANCHOR: decomposition
/// How the global grid is split: `ranks_y` (1 or 2) rows of `ranks_x` ranks each, as in
/// mpi4jax's demo; rank `r` holds block `(r / ranks_x, r % ranks_x)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Decomposition {
    /// Rows of blocks, and blocks in a row.
    pub(super) ranks_y: usize,
    pub(super) ranks_x: usize,
    /// This rank's block row (0 is the south) and column (0 is the west).
    pub(super) block_y: usize,
    pub(super) block_x: usize,
    /// Interior cells of this rank's block.
    pub(super) ny: usize,
    pub(super) nx: usize,
}

/// The world sizes the demo supports on its default grid: those that split 360 x 180 cells
/// evenly into blocks of at least 2 x 2.
const SUPPORTED_SIZES: [usize; 6] = [1, 2, 4, 6, 8, 16];

/// The size of the global grid in cells (`--grid NXxNY`): 360 x 180 unless set. The spacing
/// stays `DX` x `DY`, so a larger grid is a larger ocean (for weak scaling).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GridSize {
    /// Cells in x (west to east).
    pub nx: usize,
    /// Cells in y (south to north).
    pub ny: usize,
}

impl GridSize {
    /// 360 x 180 cells, the reference's grid.
    pub const DEFAULT: GridSize = GridSize {
        nx: NX_GLOBAL,
        ny: NY_GLOBAL,
    };
}

impl Decomposition {
    /// The block of `rank` of `size` ranks on a grid of `global` cells: 1 row of blocks on one
    /// rank, 2 rows of `size / 2` blocks otherwise, every block at least 2 x 2 cells.
    pub(super) fn of(size: usize, rank: usize, global: GridSize) -> Result<Self, String> {
        let ranks_y = size.clamp(1, 2);
        let ranks_x = size / ranks_y;
        let splits = size > 0
            && size.is_multiple_of(ranks_y)
            && global.ny.is_multiple_of(ranks_y)
            && global.nx.is_multiple_of(ranks_x)
            && global.ny / ranks_y >= 2
            && global.nx / ranks_x >= 2;
        if !splits {
            let GridSize { nx, ny } = global;
            return Err(if global == GridSize::DEFAULT {
                format!("the shallow-water demo runs on {SUPPORTED_SIZES:?} ranks, not {size}")
            } else {
                format!(
                    "a {nx} x {ny} grid does not split over {size} ranks: on 2 or more ranks, \
                     {ny} rows must split in 2 and {nx} columns in (ranks / 2), every block at \
                     least 2 x 2 cells"
                )
            });
        }
        Ok(Decomposition {
            ranks_y,
            ranks_x,
            block_y: rank / ranks_x,
            block_x: rank % ranks_x,
            ny: global.ny / ranks_y,
            nx: global.nx / ranks_x,
        })
    }

    fn rank_of(&self, block_y: usize, block_x: usize) -> usize {
        block_y * self.ranks_x + block_x
    }

    /// The rank across `side`, if any: periodic in x, walls in y.
    pub(super) fn neighbour(&self, side: Side) -> Option<usize> {
        let (y, x) = (self.block_y, self.block_x);
        match side {
            Side::West => Some(self.rank_of(y, (x + self.ranks_x - 1) % self.ranks_x)),
            Side::East => Some(self.rank_of(y, (x + 1) % self.ranks_x)),
            Side::South => (y > 0).then(|| self.rank_of(y - 1, x)),
            Side::North => (y + 1 < self.ranks_y).then(|| self.rank_of(y + 1, x)),
        }
    }

    /// Whether the edge on `side` is the periodic seam of the global grid (x = 0 = 360 cells).
    pub(super) fn on_seam(&self, side: Side) -> bool {
        match side {
            Side::West => self.block_x == 0,
            Side::East => self.block_x + 1 == self.ranks_x,
            Side::South | Side::North => false,
        }
    }

    /// Whether this block touches the northern wall.
    pub(super) fn at_north_wall(&self) -> bool {
        self.block_y + 1 == self.ranks_y
    }

    /// Global index (ghost cells counted, so 0 is the southern ghost row) of local row 0.
    pub(super) fn row_offset(&self) -> usize {
        self.block_y * self.ny
    }

    /// Global index of local column 0.
    pub(super) fn column_offset(&self) -> usize {
        self.block_x * self.nx
    }
}
// ANCHOR_END: decomposition

/// A side of a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Side {
    West,
    East,
    South,
    North,
}
