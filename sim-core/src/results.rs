//! Result tables: one row per sweep point, written as Parquet (with the scenario in the
//! file's key-value metadata) and CSV through polars; plus the per-point checkpoints that
//! make a killed sweep resumable.

use crate::engine::PointResult;
use crate::link::LinkSpec;
use crate::scenario::Resolved;
use crate::stats::{bler_interval, Counters};
use polars::prelude::*;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The ferrolink version written into every result.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

#[derive(Debug, thiserror::Error)]
pub enum ResultsError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Table { path: String, source: PolarsError },
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> ResultsError + '_ {
    move |source| ResultsError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Writes `bytes` to `path` atomically (temporary file in the same folder, then rename), so a
/// reader or a resumed run never sees half a file.
pub fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut std::fs::File) -> Result<(), ResultsError>,
) -> Result<(), ResultsError> {
    let tmp = path.with_extension(format!(
        "{}.tmp{}",
        path.extension().and_then(|e| e.to_str()).unwrap_or(""),
        std::process::id()
    ));
    let mut f = std::fs::File::create(&tmp).map_err(io_err(&tmp))?;
    write(&mut f)?;
    f.sync_all().map_err(io_err(&tmp))?;
    drop(f);
    std::fs::rename(&tmp, path).map_err(io_err(path))
}

/// FNV-1a 64: a stable fingerprint of what determines a point's counters.
pub fn fingerprint(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain([0xff]) {
            h ^= b as u64;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// A finished point as saved on disk (`<out>/<name>/points/point-NNNN.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PointRecord {
    /// Fingerprint of scenario text, seed, stop rule and version: a stored point is reused
    /// only when it matches.
    pub fingerprint: String,
    pub result: PointResult,
}

/// The checkpoint folder of one run.
pub struct PointStore {
    dir: PathBuf,
    fingerprint: String,
}

impl PointStore {
    pub fn open(run_dir: &Path, fingerprint: String) -> Result<Self, ResultsError> {
        let dir = run_dir.join("points");
        std::fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        Ok(PointStore { dir, fingerprint })
    }

    fn path(&self, index: u32) -> PathBuf {
        self.dir.join(format!("point-{index:04}.json"))
    }

    /// The stored result of point `index`, if one exists for this same run definition.
    pub fn load(&self, index: u32) -> Option<PointResult> {
        let text = std::fs::read_to_string(self.path(index)).ok()?;
        let rec: PointRecord = serde_json::from_str(&text).ok()?;
        (rec.fingerprint == self.fingerprint && rec.result.index == index).then_some(rec.result)
    }

    /// Saves a finished point atomically.
    pub fn save(&self, result: &PointResult) -> Result<(), ResultsError> {
        let path = self.path(result.index);
        let rec = PointRecord {
            fingerprint: self.fingerprint.clone(),
            result: result.clone(),
        };
        let json = serde_json::to_string_pretty(&rec).expect("point records serialize");
        write_atomic(&path, |f| {
            f.write_all(json.as_bytes()).map_err(io_err(&path))
        })
    }
}

/// The result table of a sweep, one row per point (column meanings in the README).
pub fn table(run: &Resolved, seed: u64, points: &[PointResult]) -> Result<DataFrame, PolarsError> {
    let n = points.len();
    let link = &run.link;
    let col_f = |name: &str, f: &dyn Fn(&PointResult) -> f64| {
        Column::new(name.into(), points.iter().map(f).collect::<Vec<f64>>())
    };
    let col_u = |name: &str, f: &dyn Fn(&PointResult) -> u64| {
        Column::new(name.into(), points.iter().map(f).collect::<Vec<u64>>())
    };
    let col_s = |name: &str, v: &str| Column::new(name.into(), vec![v.to_string(); n]);
    let ci = |p: &PointResult| bler_interval(&p.counters);
    let swept = run.sweep_variable.column();
    let mut columns = vec![
        col_s("scenario", &run.scenario.name),
        Column::new(
            "point".into(),
            points.iter().map(|p| p.index).collect::<Vec<u32>>(),
        ),
        col_s("swept", swept),
        col_f("ebno_db", &|p| p.ebno_db),
        col_f("snr_db", &|p| p.snr_db),
        col_f("code_rate", &|_| link.rate()),
        col_u("bits_per_symbol", &|_| {
            link.modulation.bits_per_symbol() as u64
        }),
        col_u("blocks", &|p| p.counters.blocks),
        col_u("block_errors", &|p| p.counters.block_errors),
        col_f("bler", &|p| p.counters.bler()),
        col_f("bler_ci_low", &|p| ci(p).0),
        col_f("bler_ci_high", &|p| ci(p).1),
        col_u("slots", &|p| p.counters.slots),
        col_u("slot_errors", &|p| p.counters.slot_errors),
        col_f("throughput_mbps", &|p| throughput_mbps(link, &p.counters)),
        col_f("first_tx_bler", &|p| p.counters.first_tx_bler()),
        col_f("avg_transmissions", &|p| p.counters.mean_transmissions()),
        col_u("code_blocks", &|p| p.counters.code_blocks),
        col_u("code_block_errors", &|p| p.counters.code_block_errors),
        col_f("cbler", &|p| p.counters.cbler()),
        col_u("bits", &|p| p.counters.bits),
        col_u("bit_errors", &|p| p.counters.bit_errors),
        col_f("ber", &|p| p.counters.ber()),
        col_u("crc_failures", &|p| p.counters.crc_failures),
        col_f("avg_iterations", &|p| {
            p.counters.iterations as f64 / p.counters.code_blocks.max(1) as f64
        }),
        col_f("info_bits_per_s", &|p| {
            p.counters.bits as f64 / p.wall_s.max(1e-9)
        }),
        col_f("wall_s", &|p| p.wall_s),
        Column::new(
            "device".into(),
            points
                .iter()
                .map(|p| p.device.clone())
                .collect::<Vec<String>>(),
        ),
        col_s("ferrolink_version", VERSION),
        col_u("seed", &|_| seed),
    ];
    // A link budget: the transmit power and the reference loss after snr_db.
    let pathloss = link
        .ofdm
        .as_ref()
        .and_then(|o| o.stochastic.as_ref()?.pathloss);
    if let Some(pl) = pathloss {
        let at = 5;
        columns.insert(at, col_f("path_loss_db", &|_| pl.reference_db));
        if let Some(offset) = link.tx_power_offset_db() {
            // The point's own power (the swept value on a power axis).
            let tx = |p: &PointResult| p.tx_power_dbm.unwrap_or(p.snr_db + offset);
            columns.insert(at, col_f("tx_power_dbm", &tx));
        }
    }
    DataFrame::new_infer_height(columns)
}

/// Writes `points.parquet` (scenario text, seed and version in the key-value metadata) and
/// `points.csv` into `dir`, each atomically.
pub fn write_tables(
    dir: &Path,
    df: &mut DataFrame,
    run: &Resolved,
    seed: u64,
) -> Result<(), ResultsError> {
    let pq = dir.join("points.parquet");
    let meta = KeyValueMetadata::from_static(vec![
        ("ferrolink.scenario_toml".into(), run.source.clone()),
        ("ferrolink.scenario_file".into(), run.file.clone()),
        ("ferrolink.seed".into(), seed.to_string()),
        ("ferrolink.version".into(), VERSION.into()),
    ]);
    write_atomic(&pq, |f| {
        ParquetWriter::new(f)
            .with_key_value_metadata(Some(meta))
            .finish(df)
            .map(|_| ())
            .map_err(|source| ResultsError::Table {
                path: pq.display().to_string(),
                source,
            })
    })?;
    let csv = dir.join("points.csv");
    write_atomic(&csv, |f| {
        CsvWriter::new(f)
            .finish(df)
            .map_err(|source| ResultsError::Table {
                path: csv.display().to_string(),
                source,
            })
    })
}
/// OFDM links: (1 − BLER) × information bits per slot / slot duration, Mbit/s, per slot
/// spent (with HARQ a transport block's retransmissions take slots too); NaN for the
/// single-carrier link.
pub fn throughput_mbps(link: &LinkSpec, c: &Counters) -> f64 {
    match &link.ofdm {
        Some(o) => {
            (1.0 - c.bler()) * link.block_info_bits() as f64
                / c.mean_transmissions()
                / o.slot_duration_s()
                / 1e6
        }
        None => f64::NAN,
    }
}
