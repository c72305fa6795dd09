//! What the shallow-water example writes: the fields as `.npy` files and as PNG pictures.

use std::path::Path;

use ndarray_npy::{ReadNpyError, WriteNpyError};
use plotters::style::RGBColor;
use spmd::ndarray::{Array3, ArrayView2};

use super::model::{DEPTH, DX, DY};

/// Writes `array` as a NumPy `.npy` file (little-endian `f64` in C order), which `numpy.load`
/// reads. With `new_only`, fails if `path` exists instead of overwriting it.
pub fn write_npy(path: &Path, array: &Array3<f64>, new_only: bool) -> Result<(), WriteNpyError> {
    if new_only {
        ndarray_npy::create_new_npy(path, array)
    } else {
        ndarray_npy::write_npy(path, array)
    }
}

/// Reads back what [`write_npy`] wrote.
pub fn read_npy(path: &Path) -> Result<Array3<f64>, ReadNpyError> {
    ndarray_npy::read_npy(path)
}

// ANCHOR: colormap
/// The colour of `x` in `-range..=range` on matplotlib's `RdBu_r` scale (ColorBrewer's
/// diverging red-blue, reversed): blue below zero, white at zero, red above, clamped outside.
/// `colorous::RED_BLUE` runs from red to blue, hence `1 - t`.
fn red_blue(x: f64, range: f64) -> RGBColor {
    let t = (x / range + 1.0) * 0.5;
    let colorous::Color { r, g, b } = colorous::RED_BLUE.eval_continuous(1.0 - t);
    RGBColor(r, g, b)
}
// ANCHOR_END: colormap

/// The range of the colour scale of the height anomaly, in metres (as in mpi4jax's demo).
const ETA_RANGE: f64 = 10.0;
/// Cells between two arrows in x and y: 40 x 20 arrows on the 360 x 180 cells.
const ARROW_STRIDE: usize = 9;

/// Draws the height anomaly `h - DEPTH` in colour, the velocity as arrows, and the model time,
/// as a PNG picture at `path`. `h`, `u`, `v` are the global interior fields.
pub fn draw_state(
    path: &Path,
    h: ArrayView2<f64>,
    u: ArrayView2<f64>,
    v: ArrayView2<f64>,
    days: f64,
) -> Result<(), String> {
    use plotters::prelude::*;

    let failed = |e: &dyn std::fmt::Display| format!("drawing {}: {e}", path.display());
    let km = |cells: usize, spacing: f64| cells as f64 * spacing / 1e3;
    let (ny, nx) = h.dim();
    let (width_km, height_km) = (km(nx, DX), km(ny, DY));
    let whole = |x: &f64| format!("{x:.0}");

    let root = BitMapBackend::new(path, (960, 600)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| failed(&e))?;
    let (top, bottom) = root.split_vertically(500);
    let mut chart = ChartBuilder::on(&top)
        .caption(
            format!("shallow water, t = {days:.2} days"),
            ("sans-serif", 22),
        )
        .margin(10)
        // Room for the last tick label, centred on the right edge.
        .margin_right(30)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..width_km, 0.0..height_km)
        .map_err(|e| failed(&e))?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("x (km)")
        .y_desc("y (km)")
        .x_label_formatter(&whole)
        .y_label_formatter(&whole)
        .label_style(("sans-serif", 14))
        .draw()
        .map_err(|e| failed(&e))?;

    // One rectangle per cell; cell (j, i) spans [i dx, (i + 1) dx] x [j dy, (j + 1) dy].
    let cells = h.indexed_iter().map(|((j, i), &depth)| {
        Rectangle::new(
            [(km(i, DX), km(j, DY)), (km(i + 1, DX), km(j + 1, DY))],
            red_blue(depth - DEPTH, ETA_RANGE).filled(),
        )
    });
    chart.draw_series(cells).map_err(|e| failed(&e))?;

    // One arrow per block of ARROW_STRIDE x ARROW_STRIDE cells, from the velocity of its middle
    // cell, centred on that cell: 10 m/s is as long as the spacing of two arrows, and no arrow
    // is longer, so that none reaches past its block, nor past the edges of the picture.
    let spacing = km(ARROW_STRIDE, DX);
    let scale = spacing / 10.0;
    let mut arrows = Vec::new();
    for j in (ARROW_STRIDE / 2..ny).step_by(ARROW_STRIDE) {
        for i in (ARROW_STRIDE / 2..nx).step_by(ARROW_STRIDE) {
            let (x, y) = (km(i, DX) + 0.5 * DX / 1e3, km(j, DY) + 0.5 * DY / 1e3);
            let (mut dx, mut dy) = (u[[j, i]] * scale, v[[j, i]] * scale);
            let length = dx.hypot(dy);
            if length > spacing {
                (dx, dy) = (dx * spacing / length, dy * spacing / length);
            }
            let (tail_x, tail_y) = (x - 0.5 * dx, y - 0.5 * dy);
            let (tip_x, tip_y) = (x + 0.5 * dx, y + 0.5 * dy);
            // Two barbs at +-150 degrees from the arrow's direction, a third of its length.
            let barb = |angle: f64| {
                let (s, c) = angle.sin_cos();
                (
                    tip_x + (dx * c - dy * s) / 3.0,
                    tip_y + (dx * s + dy * c) / 3.0,
                )
            };
            let turn = 150f64.to_radians();
            arrows.push(vec![(tail_x, tail_y), (tip_x, tip_y)]);
            arrows.push(vec![barb(turn), (tip_x, tip_y), barb(-turn)]);
        }
    }
    chart
        .draw_series(
            arrows
                .into_iter()
                .map(|points| PathElement::new(points, BLACK.stroke_width(1))),
        )
        .map_err(|e| failed(&e))?;

    // The colour bar, under the picture and as wide as its middle half.
    let mut bar = ChartBuilder::on(&bottom)
        .margin_left(60 + 10 + 220)
        .margin_right(30 + 220)
        .margin_top(10)
        .margin_bottom(5)
        .x_label_area_size(45)
        .build_cartesian_2d(-ETA_RANGE..ETA_RANGE, 0.0..1.0)
        .map_err(|e| failed(&e))?;
    bar.configure_mesh()
        .disable_mesh()
        .disable_y_axis()
        .x_labels(11)
        .x_label_formatter(&whole)
        .x_desc("surface height anomaly (m)")
        .label_style(("sans-serif", 14))
        .draw()
        .map_err(|e| failed(&e))?;
    let steps = 200;
    let step = 2.0 * ETA_RANGE / steps as f64;
    bar.draw_series((0..steps).map(|k| {
        let x = -ETA_RANGE + k as f64 * step;
        Rectangle::new(
            [(x, 0.0), (x + step, 1.0)],
            red_blue(x + 0.5 * step, ETA_RANGE).filled(),
        )
    }))
    .map_err(|e| failed(&e))?;
    root.present().map_err(|e| failed(&e))?;
    Ok(())
}
