//! The training curve of `ferrolink train`: loss and validation BLER against the step.

use super::register_font;
use anyhow::{anyhow, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use receivers::neural::train::CurvePoint;
use std::path::Path;

/// Writes `training.svg` and `training.png` into `dir`: the loss (bits per coded bit) and the
/// validation BLER against the step, log scale.
pub fn training_plot(dir: &Path, name: &str, curve: &[CurvePoint]) -> Result<()> {
    svg_and_png!(dir, "training", draw_training, name, curve)
}

fn draw_training<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    name: &str,
    curve: &[CurvePoint],
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| anyhow!("drawing: {e}");
    root.fill(&WHITE).map_err(err)?;
    let last = curve.last().map_or(1, |p| p.step).max(2) as f64;
    let loss: Vec<(f64, f64)> = curve
        .iter()
        .filter(|p| p.loss > 0.0)
        .map(|p| (p.step as f64, p.loss))
        .collect();
    // The per-step loss is noisy (each step draws its own Eb/N0s): a running mean of 1% of
    // the steps (at least 10) shows the trend.
    let w = (loss.len() / 100).max(10);
    let smooth: Vec<(f64, f64)> = loss
        .windows(w.min(loss.len().max(1)))
        .map(|win| {
            let last = win[win.len() - 1].0;
            (
                last,
                win.iter().map(|p| p.1).sum::<f64>() / win.len() as f64,
            )
        })
        .collect();
    let validated: Vec<(f64, f64)> = curve
        .iter()
        .filter_map(|p| Some((p.step as f64, p.validation_bler?)))
        .collect();
    let y_min = loss
        .iter()
        .chain(validated.iter().filter(|p| p.1 > 0.0))
        .map(|p| p.1)
        .fold(1.0f64, f64::min)
        .max(1e-6)
        / 2.0;
    let mut chart = ChartBuilder::on(root)
        .caption(format!("{name}: training"), ("sans-serif", 24))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(70)
        .build_cartesian_2d(1.0..last, (y_min..1.5f64).log_scale())
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("step")
        .y_desc("loss (bits) / validation BLER")
        .label_style(("sans-serif", 15))
        .y_label_formatter(&|v| format!("{v:.0e}"))
        .draw()
        .map_err(err)?;
    let light = RGBColor(150, 170, 230);
    chart
        .draw_series(LineSeries::new(loss, light.stroke_width(1)))
        .map_err(err)?
        .label("binary cross-entropy per step (bits)")
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], light.stroke_width(2)));
    chart
        .draw_series(LineSeries::new(smooth, BLUE.stroke_width(2)))
        .map_err(err)?
        .label(format!("running mean over {w} steps"))
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLUE.stroke_width(2)));
    chart
        .draw_series(
            validated
                .iter()
                .filter(|p| p.1 > 0.0)
                .map(|&(x, y)| Circle::new((x, y), 4, RED.filled())),
        )
        .map_err(err)?
        .label("validation BLER")
        .legend(|(x, y)| Circle::new((x + 10, y), 4, RED.filled()));
    chart
        .draw_series(
            validated
                .iter()
                .filter(|p| p.1 == 0.0)
                .map(|&(x, _)| TriangleMarker::new((x, y_min * 1.3), 5, RED.stroke_width(1))),
        )
        .map_err(err)?
        .label("validation: no errors")
        .legend(|(x, y)| TriangleMarker::new((x + 10, y), 5, RED.stroke_width(1)));
    chart
        .configure_series_labels()
        .label_font(("sans-serif", 15))
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(err)?;
    Ok(())
}
