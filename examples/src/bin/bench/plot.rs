//! The plot of the results.

use std::path::Path;

use spmd_examples::font;

use crate::measure::Cell;
use crate::ops::Variant;
use crate::report::{format_size, format_time, measured_ops};

/// Draws the time per call against the message size, log-log, one panel per op, as a PNG
/// picture at `path`.
pub fn plot(cells: &[Cell], sizes: &[usize], path: &Path) -> Result<(), String> {
    use plotters::coord::combinators::BindKeyPoints;
    use plotters::prelude::*;

    font::register()?;
    let failed = |e: &dyn std::fmt::Display| format!("drawing {}: {e}", path.display());

    let ops = measured_ops(cells);
    // Two panels per row, one per op.
    let rows = ops.len().div_ceil(2).max(1);
    let height = 60 + 420 * rows as u32;
    let root = BitMapBackend::new(path, (1500, height)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| failed(&e))?;
    let root = root
        .titled(
            "spmd vs rsmpi vs C: median time per call (2 ranks)",
            ("sans-serif", 30),
        )
        .map_err(|e| failed(&e))?;
    let panels = root.split_evenly((rows, 2));
    let x_range = (sizes[0] as f64 / 1.5)..(sizes[sizes.len() - 1] as f64 * 1.5);
    let x_ticks: Vec<f64> = sizes.iter().step_by(2).map(|&b| b as f64).collect();
    for (op, panel) in ops.into_iter().zip(panels.iter()) {
        let mine: Vec<&Cell> = cells.iter().filter(|c| c.op == op).collect();
        let low = mine.iter().map(|c| c.median).fold(f64::INFINITY, f64::min);
        let high = mine.iter().map(|c| c.median).fold(0.0, f64::max);
        let mut chart = ChartBuilder::on(panel)
            .caption(op.title, ("sans-serif", 24))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(80)
            .build_cartesian_2d(
                x_range.clone().log_scale().with_key_points(x_ticks.clone()),
                (low / 1.5..high * 1.5).log_scale(),
            )
            .map_err(|e| failed(&e))?;
        chart
            .configure_mesh()
            .x_desc("message size")
            .y_desc("time per call")
            .x_label_formatter(&|x| format_size(x.round() as usize))
            .y_label_formatter(&|y| format_time(*y))
            .label_style(("sans-serif", 14))
            .draw()
            .map_err(|e| failed(&e))?;
        for &variant in op.variants {
            // Raw is drawn wide and light, so that ours, drawn over it, shows where they meet.
            let (color, width) = match variant {
                Variant::C => (RGBColor(60, 60, 60).to_rgba(), 2),
                Variant::Raw => (RGBColor(120, 160, 230).to_rgba(), 6),
                Variant::Ours => (RGBColor(200, 30, 30).to_rgba(), 2),
                Variant::InPlace => (RGBColor(230, 90, 160).to_rgba(), 2),
                Variant::Functional => (RGBColor(230, 160, 0).to_rgba(), 2),
                Variant::Checked => (RGBColor(40, 150, 60).to_rgba(), 2),
                Variant::Unagreed => (RGBColor(90, 90, 90).to_rgba(), 2),
                Variant::Unguarded => (RGBColor(20, 20, 20).to_rgba(), 2),
                Variant::HandedOver => (RGBColor(0, 150, 170).to_rgba(), 2),
                Variant::StagedPerCall => (RGBColor(140, 60, 170).to_rgba(), 2),
                Variant::Scoped => (RGBColor(230, 120, 40).to_rgba(), 2),
                Variant::ScopedUnguarded => (RGBColor(150, 80, 20).to_rgba(), 2),
                Variant::Proven => (RGBColor(40, 160, 60).to_rgba(), 2),
            };
            let points: Vec<(f64, f64)> = mine
                .iter()
                .filter(|c| c.variant == variant)
                .map(|c| (c.bytes as f64, c.median))
                .collect();
            chart
                .draw_series(LineSeries::new(points.clone(), color.stroke_width(width)))
                .map_err(|e| failed(&e))?
                .label(variant.name())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(width))
                });
            chart
                .draw_series(
                    points
                        .iter()
                        .map(|&p| Circle::new(p, width.max(3), color.filled())),
                )
                .map_err(|e| failed(&e))?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .label_font(("sans-serif", 14))
            .draw()
            .map_err(|e| failed(&e))?;
    }
    root.present().map_err(|e| failed(&e))?;
    Ok(())
}
