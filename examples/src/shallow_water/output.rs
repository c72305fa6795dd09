//! What the shallow-water example writes: the fields as `.npy` files and as PNG pictures.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use spmd::ndarray::{Array3, ArrayView2};

use super::model::{DEPTH, DX, DY, NX_GLOBAL, NY_GLOBAL};

/// Writes `array` as a NumPy `.npy` file, version 1.0: the magic `\x93NUMPY`, the version, the
/// header length (`u16`, little-endian), a Python dict literal padded with spaces to a multiple
/// of 64 bytes and ended by `\n`, then the elements as little-endian `f64` in C order.
/// `numpy.load` reads it.
pub fn write_npy(path: &Path, array: &Array3<f64>) -> io::Result<()> {
    let shape = array.shape();
    let dict = format!(
        "{{'descr': '<f8', 'fortran_order': False, 'shape': ({}, {}, {}), }}",
        shape[0], shape[1], shape[2]
    );
    let unpadded = 6 + 2 + 2 + dict.len() + 1;
    let padding = unpadded.next_multiple_of(64) - unpadded;
    let header = format!("{dict}{}\n", " ".repeat(padding));
    let mut out = BufWriter::new(File::create(path)?);
    out.write_all(b"\x93NUMPY\x01\x00")?;
    let header_len = u16::try_from(header.len()).expect("the header is short");
    out.write_all(&header_len.to_le_bytes())?;
    out.write_all(header.as_bytes())?;
    for x in array.iter() {
        out.write_all(&x.to_le_bytes())?;
    }
    out.flush()
}

/// Reads back what [`write_npy`] wrote (3-D `f64` arrays in C order only).
pub fn read_npy(path: &Path) -> io::Result<Array3<f64>> {
    let bytes = std::fs::read(path)?;
    let invalid = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_string());
    if bytes.len() < 10 || &bytes[..8] != b"\x93NUMPY\x01\x00" {
        return Err(invalid("not a version 1.0 .npy file"));
    }
    let header_len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    let header = std::str::from_utf8(&bytes[10..10 + header_len]).map_err(|_| invalid("header"))?;
    if !header.contains("'descr': '<f8'") || !header.contains("'fortran_order': False") {
        return Err(invalid("not little-endian f64 in C order"));
    }
    let shape_text = header
        .split("'shape': (")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .ok_or_else(|| invalid("no shape"))?;
    let shape: Vec<usize> = shape_text
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().parse().map_err(|_| invalid("shape")))
        .collect::<io::Result<_>>()?;
    let [a, b, c] = shape[..] else {
        return Err(invalid("not a 3-D array"));
    };
    let data: Vec<f64> = bytes[10 + header_len..]
        .chunks_exact(8)
        .map(|chunk| f64::from_le_bytes(chunk.try_into().expect("8 bytes")))
        .collect();
    Array3::from_shape_vec((a, b, c), data).map_err(|_| invalid("element count"))
}

// ANCHOR: colormap
/// ColorBrewer's diverging red-blue scale (matplotlib's `RdBu_r`): blue below zero, white at
/// zero, red above.
const RED_BLUE: [(u8, u8, u8); 11] = [
    (0x05, 0x30, 0x61),
    (0x21, 0x66, 0xac),
    (0x43, 0x93, 0xc3),
    (0x92, 0xc5, 0xde),
    (0xd1, 0xe5, 0xf0),
    (0xf7, 0xf7, 0xf7),
    (0xfd, 0xdb, 0xc7),
    (0xf4, 0xa5, 0x82),
    (0xd6, 0x60, 0x4d),
    (0xb2, 0x18, 0x2b),
    (0x67, 0x00, 0x1f),
];

/// The colour of `x` in `-range..=range`, linear between the anchors, clamped outside.
fn red_blue(x: f64, range: f64) -> (u8, u8, u8) {
    let position = ((x / range + 1.0) * 0.5).clamp(0.0, 1.0) * (RED_BLUE.len() - 1) as f64;
    let low = (position.floor() as usize).min(RED_BLUE.len() - 2);
    let t = position - low as f64;
    let (a, b) = (RED_BLUE[low], RED_BLUE[low + 1]);
    let mix = |p: u8, q: u8| (p as f64 + t * (q as f64 - p as f64)).round() as u8;
    (mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}
// ANCHOR_END: colormap

/// The range of the colour scale of the height anomaly, in metres (as in mpi4jax's demo).
const ETA_RANGE: f64 = 10.0;
/// At most this many arrows in y and x.
const MAX_ARROWS: (usize, usize) = (25, 50);

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
    let (width_km, height_km) = (km(NX_GLOBAL, DX), km(NY_GLOBAL, DY));

    let root = BitMapBackend::new(path, (960, 600)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| failed(&e))?;
    let (top, bottom) = root.split_vertically(500);
    let mut chart = ChartBuilder::on(&top)
        .caption(
            format!("shallow water, t = {days:.2} days"),
            ("sans-serif", 22),
        )
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..width_km, 0.0..height_km)
        .map_err(|e| failed(&e))?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("x (km)")
        .y_desc("y (km)")
        .label_style(("sans-serif", 14))
        .draw()
        .map_err(|e| failed(&e))?;

    // One rectangle per cell; cell (j, i) spans [i dx, (i + 1) dx] x [j dy, (j + 1) dy].
    let cells = h.indexed_iter().map(|((j, i), &depth)| {
        let (r, g, b) = red_blue(depth - DEPTH, ETA_RANGE);
        Rectangle::new(
            [(km(i, DX), km(j, DY)), (km(i + 1, DX), km(j + 1, DY))],
            RGBColor(r, g, b).filled(),
        )
    });
    chart.draw_series(cells).map_err(|e| failed(&e))?;

    // Arrows at every `stride` cells, 8 m/s as long as the spacing of two arrows.
    let stride = ((NY_GLOBAL + 2) / MAX_ARROWS.0).max((NX_GLOBAL + 2) / MAX_ARROWS.1);
    let scale = km(stride, DX) / 8.0;
    let mut arrows = Vec::new();
    for j in (0..NY_GLOBAL).step_by(stride) {
        for i in (0..NX_GLOBAL).step_by(stride) {
            let (x, y) = (km(i, DX) + 0.5 * DX / 1e3, km(j, DY) + 0.5 * DY / 1e3);
            let (dx, dy) = (u[[j, i]] * scale, v[[j, i]] * scale);
            let (tip_x, tip_y) = (x + dx, y + dy);
            // Two barbs at +-150 degrees from the arrow's direction, a third of its length.
            let barb = |angle: f64| {
                let (s, c) = angle.sin_cos();
                (
                    tip_x + (dx * c - dy * s) / 3.0,
                    tip_y + (dx * s + dy * c) / 3.0,
                )
            };
            let turn = 150f64.to_radians();
            arrows.push(vec![(x, y), (tip_x, tip_y)]);
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

    // The colour bar.
    let mut bar = ChartBuilder::on(&bottom)
        .margin_left(160)
        .margin_right(100)
        .margin_bottom(10)
        .x_label_area_size(45)
        .build_cartesian_2d(-ETA_RANGE..ETA_RANGE, 0.0..1.0)
        .map_err(|e| failed(&e))?;
    bar.configure_mesh()
        .disable_mesh()
        .disable_y_axis()
        .x_desc("surface height anomaly (m)")
        .label_style(("sans-serif", 14))
        .draw()
        .map_err(|e| failed(&e))?;
    let steps = 200;
    let step = 2.0 * ETA_RANGE / steps as f64;
    bar.draw_series((0..steps).map(|k| {
        let x = -ETA_RANGE + k as f64 * step;
        let (r, g, b) = red_blue(x + 0.5 * step, ETA_RANGE);
        Rectangle::new([(x, 0.0), (x + step, 1.0)], RGBColor(r, g, b).filled())
    }))
    .map_err(|e| failed(&e))?;
    root.present().map_err(|e| failed(&e))?;
    Ok(())
}
