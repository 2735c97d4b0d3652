//! Plots of a sweep (plotters), each written as SVG and PNG: log-scale BLER/BER against the
//! swept variable with Wilson 95% intervals as error bars on BLER, and for OFDM links the
//! throughput (1 − BLER) × information bits per slot / slot duration.

use crate::outer_sweep::ListRun;
use crate::sweep::Finished;
use anyhow::{anyhow, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use sim_core::engine::PointResult;
use sim_core::link::SweepVariable;
use sim_core::scenario::outer_sweep::{OuterSweep, OuterValue};
use sim_core::scenario::Resolved;
use sim_core::stats::bler_interval;
use std::path::Path;
use std::sync::Once;

static FONT: &[u8] = include_bytes!("assets/DejaVuSans.ttf");

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The font is embedded so PNGs render the same on machines without system fonts.
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

/// Draws with `$draw(&root, run, points)` into `$dir/$stem.svg` and `$stem.png`.
macro_rules! svg_and_png {
    ($dir:expr, $stem:expr, $draw:ident, $run:expr, $points:expr) => {{
        register_font();
        let svg = $dir.join(format!("{}.svg", $stem));
        let png = $dir.join(format!("{}.png", $stem));
        {
            let root = SVGBackend::new(&svg, (900, 600)).into_drawing_area();
            $draw(&root, $run, $points)?;
            root.present()
                .map_err(|e| anyhow!("{}: {e}", svg.display()))?;
        }
        let root = BitMapBackend::new(&png, (900, 600)).into_drawing_area();
        $draw(&root, $run, $points)?;
        root.present()
            .map_err(|e| anyhow!("{}: {e}", png.display()))?;
        Ok(())
    }};
}

mod training;
pub use training::training_plot;

/// Writes `bler.svg` and `bler.png` into `dir`, and for OFDM links `throughput.svg/png`.
pub fn bler_plot(dir: &Path, run: &Resolved, points: &[PointResult]) -> Result<()> {
    let r: Result<()> = svg_and_png!(dir, "bler", draw, run, points);
    r?;
    if run.link.ofdm.is_some() {
        return svg_and_png!(dir, "throughput", draw_throughput, run, points);
    }
    Ok(())
}

/// The `[sweep]` lists of runs and their finished runs (each with its entry of every list).
type Runs<'a> = (&'a OuterSweep, &'a [ListRun]);

/// The legend of entry `v` of list `key`: `MCS 13`, `speed_kmh = 120`, `profile C`.
fn value_label(key: &str, v: &OuterValue) -> String {
    match v {
        OuterValue::Index(m) => format!("MCS {m}"),
        OuterValue::Number(x) => format!("{key} = {x}"),
        OuterValue::Text(t) => format!("{key} {t}"),
    }
}

/// The legend of a run: its entries of every list (`MCS 13, distance_m = 200`).
fn entry_label(list: &OuterSweep, entry: &[OuterValue]) -> String {
    let parts: Vec<String> = list
        .axes
        .iter()
        .zip(entry)
        .map(|((k, _), v)| value_label(k, v))
        .collect();
    parts.join(", ")
}

/// The runs grouped by their entries of every list but the last (one group for a single
/// list), in order: (the group's legend, its runs with their last entry as a number).
fn by_last_number<'a>(
    list: &OuterSweep,
    runs: &'a [ListRun],
) -> Vec<(String, Vec<(f64, &'a Finished)>)> {
    let mut groups: Vec<(String, Vec<(f64, &'a Finished)>)> = Vec::new();
    for (entry, f) in runs {
        let (last, outer) = entry.split_last().expect("an entry");
        let OuterValue::Number(x) = last else {
            unreachable!("numbers only")
        };
        let label = entry_label(list, outer);
        match groups.last_mut() {
            Some(g) if g.0 == label => g.1.push((*x, f)),
            _ => groups.push((label, vec![(*x, f)])),
        }
    }
    groups
}

/// Whether each run has one point and the last list is a number: curves against it.
fn against_last(list: &OuterSweep, runs: &[ListRun]) -> bool {
    list.numeric() && runs.iter().all(|(_, f)| f.results.len() == 1)
}

/// A `[sweep]` list of runs: writes `bler.svg/png` into `dir` ([`draw_outer_bler`]) and, for
/// OFDM links, `throughput.svg/png` with each entry's throughput, for `mcs` against the SNR
/// with their envelope (the best MCS at each SNR; an MCS whose sweep ended at stop.min_bler
/// counts with its last throughput at higher SNRs, a lower bound since throughput does not
/// fall with SNR), otherwise against the swept variable.
pub fn outer_plots(
    dir: &Path,
    run: &Resolved,
    list: &OuterSweep,
    sweeps: &[ListRun],
) -> Result<()> {
    let r: Result<()> = svg_and_png!(dir, "bler", draw_outer_bler, run, (list, sweeps));
    r?;
    if run.link.ofdm.is_some() {
        return svg_and_png!(
            dir,
            "throughput",
            draw_outer_throughput,
            run,
            (list, sweeps)
        );
    }
    Ok(())
}

fn draw_outer_throughput<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    run: &Resolved,
    (list, sweeps): Runs,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let key = list.key();
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| anyhow!("drawing: {e}");
    root.fill(&WHITE).map_err(err)?;
    let throughput = |f: &Finished, p: &PointResult| {
        sim_core::results::throughput_mbps(&f.run.link, &p.counters)
    };
    let against = against_last(list, sweeps);
    // The envelope over MCS: an MCS list alone (against the SNR) or crossed with a number
    // list of one point per run (against that number).
    let mcs = list.axes[0].0 == "mcs" && (key == "mcs" || against);
    let (x_of, x_label) = if key == "mcs" {
        let snr: fn(&PointResult) -> f64 = |p| p.snr_db;
        (snr, "SNR = Es/N0 per symbol (dB)")
    } else {
        swept(run)
    };
    let curves: Vec<(String, Vec<(f64, f64)>)> = if against {
        by_last_number(list, sweeps)
            .into_iter()
            .map(|(label, c)| {
                let label = if label.is_empty() {
                    "throughput".into()
                } else {
                    label
                };
                let tp = c.iter().map(|(x, f)| (*x, throughput(f, &f.results[0])));
                (label, tp.collect())
            })
            .collect()
    } else {
        sweeps
            .iter()
            .map(|(entry, f)| {
                let tp = f.results.iter().map(|p| (x_of(p), throughput(f, p)));
                (entry_label(list, entry), tp.collect())
            })
            .collect()
    };
    let x_label = if against { key } else { x_label };
    let all: Vec<(f64, f64)> = curves.iter().flat_map(|(_, c)| c.iter().copied()).collect();
    let (x0, x1) = span(all.iter().map(|p| p.0));
    let peak = sweeps
        .iter()
        .map(|(_, f)| {
            let o = f.run.link.ofdm.as_ref().expect("an OFDM link");
            f.run.link.block_info_bits() as f64 / o.slot_duration_s() / 1e6
        })
        .fold(0.0, f64::max);
    let caption = format!("{} ({} sweep)", run.scenario.name, list.keys_label());
    let mut chart = throughput_axes(root, &caption, (x0, x1), peak, x_label)?;
    for (i, (label, c)) in curves.iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        chart
            .draw_series(LineSeries::new(c.clone(), color.stroke_width(2)))
            .map_err(err)?
            .label(label)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
    }
    if mcs {
        // The envelope at every SNR of any curve.
        let mut xs: Vec<f64> = all.iter().map(|p| p.0).collect();
        xs.sort_by(f64::total_cmp);
        xs.dedup_by(|a, b| (*a - *b).abs() < 1e-9);
        let at = |c: &[(f64, f64)], x: f64| -> f64 {
            match c.iter().find(|p| (p.0 - x).abs() < 1e-9) {
                Some(p) => p.1,
                None => match c.last() {
                    Some(last) if x > last.0 => last.1,
                    _ => 0.0,
                },
            }
        };
        let envelope: Vec<(f64, f64)> = xs
            .iter()
            .map(|&x| (x, curves.iter().map(|(_, c)| at(c, x)).fold(0.0, f64::max)))
            .collect();
        chart
            .draw_series(LineSeries::new(envelope, BLACK.stroke_width(3)))
            .map_err(err)?
            .label("envelope (best MCS)")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.stroke_width(3)));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .label_font(("sans-serif", 14))
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(err)?;
    Ok(())
}

/// Each entry's BLER (Wilson 95% intervals as error bars) against the swept variable, or,
/// when every run has a single point and the entries are numbers, one curve of the BLER
/// against the entry (BLER against speed, delay spread, ... at that Eb/N0).
fn draw_outer_bler<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    run: &Resolved,
    (list, sweeps): Runs,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let key = list.key();
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| anyhow!("drawing: {e}");
    root.fill(&WHITE).map_err(err)?;
    let (x_of, swept_label) = swept(run);
    let against_entry = against_last(list, sweeps);
    // Curves of (x, point): one per run, or one per group against the last list.
    let curves: Vec<(String, Vec<(f64, &PointResult)>)> = if against_entry {
        let p = &sweeps[0].1.results[0];
        let at = match run.sweep_variable {
            SweepVariable::EbNoDb => format!("at Eb/N0 = {} dB", p.ebno_db),
            SweepVariable::SnrDb => format!("at SNR = {} dB", p.snr_db),
            SweepVariable::TxPowerDbm => format!("at {} dBm", p.tx_power_dbm.unwrap_or(f64::NAN)),
        };
        by_last_number(list, sweeps)
            .into_iter()
            .map(|(label, c)| {
                let label = if label.is_empty() {
                    format!("BLER {at}")
                } else {
                    format!("{label}, {at}")
                };
                (label, c.iter().map(|(x, f)| (*x, &f.results[0])).collect())
            })
            .collect()
    } else {
        sweeps
            .iter()
            .map(|(entry, f)| {
                let c = f.results.iter().map(|p| (x_of(p), p)).collect();
                (entry_label(list, entry), c)
            })
            .collect()
    };
    let x_label = if against_entry { key } else { swept_label };
    let (x0, x1) = span(curves.iter().flat_map(|(_, c)| c.iter().map(|p| p.0)));
    let y_min = curves
        .iter()
        .flat_map(|(_, c)| c.iter().map(|p| p.1.counters.bler()))
        .filter(|v| *v > 0.0)
        .fold(1.0f64, f64::min)
        .max(1e-9)
        / 3.0;
    let mut chart = ChartBuilder::on(root)
        .caption(
            format!("{} ({} sweep)", run.scenario.name, list.keys_label()),
            ("sans-serif", 24),
        )
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(70)
        .build_cartesian_2d(x0..x1, (y_min..1.5f64).log_scale())
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(x_label)
        .y_desc("BLER")
        .label_style(("sans-serif", 15))
        .y_label_formatter(&|v| format!("{v:.0e}"))
        .draw()
        .map_err(err)?;
    for (i, (label, c)) in curves.iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        let shown: Vec<&(f64, &PointResult)> =
            c.iter().filter(|p| p.1.counters.block_errors > 0).collect();
        let line: Vec<(f64, f64)> = shown.iter().map(|p| (p.0, p.1.counters.bler())).collect();
        chart
            .draw_series(LineSeries::new(line.clone(), color.stroke_width(2)))
            .map_err(err)?
            .label(label)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
        chart
            .draw_series(
                line.iter()
                    .map(|&(x, y)| Circle::new((x, y), 4, color.filled())),
            )
            .map_err(err)?;
        chart
            .draw_series(shown.iter().map(|p| {
                let (lo, hi) = bler_interval(&p.1.counters);
                let bler = p.1.counters.bler();
                ErrorBar::new_vertical(p.0, lo.max(y_min), bler, hi, color.stroke_width(1), 8)
            }))
            .map_err(err)?;
    }
    let corner = if against_entry {
        SeriesLabelPosition::UpperLeft
    } else {
        SeriesLabelPosition::LowerLeft
    };
    chart
        .configure_series_labels()
        .position(corner)
        .label_font(("sans-serif", 14))
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(err)?;
    Ok(())
}

/// The range of `xs` (a unit range around a single value, 0 … 1 for none).
fn span(xs: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut x0, mut x1) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
        (a.min(x), b.max(x))
    });
    if !x0.is_finite() {
        (x0, x1) = (0.0, 1.0);
    }
    if x1 - x0 < 1e-9 {
        (x0, x1) = (x0 - 0.5, x1 + 0.5);
    }
    (x0, x1)
}

/// x value and axis label of the swept variable.
fn swept(run: &Resolved) -> (fn(&PointResult) -> f64, &'static str) {
    match run.sweep_variable {
        SweepVariable::EbNoDb => (|p| p.ebno_db, "Eb/N0 per information bit (dB)"),
        SweepVariable::SnrDb => (|p| p.snr_db, "SNR = Es/N0 per symbol (dB)"),
        SweepVariable::TxPowerDbm => (
            |p| p.tx_power_dbm.unwrap_or(f64::NAN),
            "transmit power (dBm)",
        ),
    }
}

/// x range of the points (a unit range around a single point).
fn x_range(points: &[PointResult], x_of: fn(&PointResult) -> f64) -> (f64, f64) {
    span(points.iter().map(x_of))
}

/// The throughput chart's axes: x over `x`, 0 … 1.05 · `peak` Mbit/s.
fn throughput_axes<'a, DB: DrawingBackend + 'a>(
    root: &'a DrawingArea<DB, Shift>,
    caption: &str,
    x: (f64, f64),
    peak: f64,
    x_label: &str,
) -> Result<
    ChartContext<
        'a,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
>
where
    DB::ErrorType: 'static,
{
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| anyhow!("drawing: {e}");
    let mut chart = ChartBuilder::on(root)
        .caption(caption, ("sans-serif", 24))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(70)
        .build_cartesian_2d(x.0..x.1, 0.0..peak * 1.05)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(x_label)
        .y_desc("throughput (Mbit/s)")
        .label_style(("sans-serif", 15))
        .draw()
        .map_err(err)?;
    Ok(chart)
}

fn draw_throughput<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    run: &Resolved,
    points: &[PointResult],
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| anyhow!("drawing: {e}");
    root.fill(&WHITE).map_err(err)?;
    let o = run.link.ofdm.as_ref().expect("an OFDM link");
    let peak = run.link.block_info_bits() as f64 / o.slot_duration_s() / 1e6;
    let (x_of, x_label) = swept(run);
    let (x0, x1) = x_range(points, x_of);
    let mut chart = throughput_axes(root, &run.scenario.name, (x0, x1), peak, x_label)?;
    let tp: Vec<(f64, f64)> = points
        .iter()
        .map(|p| {
            let tp = sim_core::results::throughput_mbps(&run.link, &p.counters);
            (x_of(p), tp)
        })
        .collect();
    chart
        .draw_series(LineSeries::new(tp.clone(), BLUE.stroke_width(2)))
        .map_err(err)?;
    chart
        .draw_series(
            tp.iter()
                .map(|&(x, y)| Circle::new((x, y), 4, BLUE.filled())),
        )
        .map_err(err)?;
    Ok(())
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    run: &Resolved,
    points: &[PointResult],
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| anyhow!("drawing: {e}");
    root.fill(&WHITE).map_err(err)?;
    let (x_of, x_label) = swept(run);
    let (x0, x1) = x_range(points, x_of);
    let positive = points
        .iter()
        .flat_map(|p| [p.counters.bler(), p.counters.ber()])
        .filter(|v| *v > 0.0);
    let y_min = positive.fold(1.0f64, f64::min).max(1e-9) / 3.0;
    let mut chart = ChartBuilder::on(root)
        .caption(&run.scenario.name, ("sans-serif", 24))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(70)
        .build_cartesian_2d(x0..x1, (y_min..1.5f64).log_scale())
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(x_label)
        .y_desc("error rate")
        .label_style(("sans-serif", 15))
        .y_label_formatter(&|v| format!("{v:.0e}"))
        .draw()
        .map_err(err)?;
    let plotted: Vec<&PointResult> = points
        .iter()
        .filter(|p| p.counters.block_errors > 0)
        .collect();
    let bler: Vec<(f64, f64)> = plotted
        .iter()
        .map(|p| (x_of(p), p.counters.bler()))
        .collect();
    chart
        .draw_series(LineSeries::new(bler.clone(), BLUE.stroke_width(2)))
        .map_err(err)?
        .label("BLER (95% Wilson interval)")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLUE.stroke_width(2)));
    chart
        .draw_series(
            bler.iter()
                .map(|&(x, y)| Circle::new((x, y), 4, BLUE.filled())),
        )
        .map_err(err)?;
    chart
        .draw_series(plotted.iter().map(|p| {
            let (lo, hi) = bler_interval(&p.counters);
            ErrorBar::new_vertical(
                x_of(p),
                lo.max(y_min),
                p.counters.bler(),
                hi,
                BLUE.stroke_width(1),
                8,
            )
        }))
        .map_err(err)?;
    let ber: Vec<(f64, f64)> = points
        .iter()
        .filter(|p| p.counters.bit_errors > 0)
        .map(|p| (x_of(p), p.counters.ber()))
        .collect();
    chart
        .draw_series(LineSeries::new(ber.clone(), RED.stroke_width(2)))
        .map_err(err)?
        .label("BER")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], RED.stroke_width(2)));
    chart
        .draw_series(
            ber.iter()
                .map(|&(x, y)| TriangleMarker::new((x, y), 5, RED.filled())),
        )
        .map_err(err)?;
    chart
        .configure_series_labels()
        .label_font(("sans-serif", 15))
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(err)?;
    Ok(())
}
