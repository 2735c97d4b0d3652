//! `ferrolink validate`: a scenario resolved and described (code, slot, channel, receiver,
//! sweep) without running it.

use crate::sweep::load_checked;
use crate::Failure;
use sim_core::link::{Coding, PhaseNoiseSpec};
use sim_core::scenario::schema::PolarizationChoice;
use std::fmt::Write as _;
use std::path::Path;

mod scenario_model;

pub fn validate(path: &Path, sets: &[String]) -> Result<(), Failure> {
    let run = load_checked(path, sets)?;
    let mut out = String::new();
    macro_rules! w {
        ($($t:tt)*) => {{
            let _ = writeln!(out, $($t)*);
        }};
    }
    let l = &run.link;
    w!("scenario   {} ({})", run.scenario.name, run.file);
    if !run.scenario.description.is_empty() {
        w!("           {}", run.scenario.description);
    }
    w!("seed       {}", run.scenario.seed);
    if let Some(mcs) = run.scenario.code.mcs {
        let c = &run.scenario.code;
        let tp = l.ofdm.as_ref().is_some_and(|o| o.transform_precoding);
        if let (table, Some(e)) = sim_core::mcs::mcs_entry(c.mcs_table, mcs, tp, c.tp_pi2bpsk) {
            w!(
                "mcs        {mcs} of TS 38.214 {} (\"{}\"{}): Q_m = {}, target rate {}/1024 = \
                 {:.4}; TBS (§5.1.3.2) = {} bits, xOverhead {}, S = {}",
                table.spec_table(),
                c.mcs_table.name(),
                match (tp, c.tp_pi2bpsk) {
                    (false, _) => "",
                    (true, false) => ", transform precoding",
                    (true, true) => ", transform precoding, tp-pi2BPSK",
                },
                e.qm,
                e.rate_x1024,
                e.rate(),
                l.info_bits,
                c.overhead_per_prb,
                c.tb_scaling
            );
        }
    }
    match &l.coding {
        Coding::Ldpc {
            params: p,
            decoder: d,
        } => {
            w!(
                "code       5G LDPC {}, A = {} payload bits, TB CRC {}, B = {}",
                p.base_graph.name(),
                p.tb_size,
                p.tb_crc.map_or("none".to_string(), |c| format!("{c:?}")),
                p.b
            );
            w!(
                "           C = {} code block(s), K' = {}, K = {}, Z = {}, K_b = {}, fillers F = {}, N = {}",
                p.num_code_blocks, p.k_prime, p.k, p.lifting_size, p.kb, p.fillers, p.n
            );
            let lo = p.e.iter().filter(|&&e| e == p.e[0]).count();
            let e = match p.e.len() - lo {
                0 => format!("{} × {}", lo, p.e[0]),
                hi => format!("{} × {} + {} × {}", lo, p.e[0], hi, p.e[lo]),
            };
            let ncb = match p.ncb < p.n {
                true => format!("N_cb = {} (limited buffer)", p.ncb),
                false => format!("N_cb = N = {}", p.ncb),
            };
            w!(
                "           G = {} coded bits on N_L = {} layer(s), E = {e}, {ncb}, rv = {}, rate A/G = {:.4}",
                p.g,
                p.layers,
                p.rv,
                l.rate()
            );
            w!(
                "decoder    {:?}, {} iterations, early stop {}, min-sum scaling {}, offset {}",
                d.algorithm,
                d.iterations,
                d.early_stop,
                d.scaling,
                d.offset
            );
        }
        Coding::Uncoded => {
            w!("code       uncoded, {} bits per block", l.info_bits);
        }
    }
    if let Some(h) = &l.harq {
        w!(
            "harq       up to {} transmissions, RVs {:?} (cycled), soft combining in the \
             circular buffer, each over a new channel and noise realization",
            h.max_transmissions,
            h.rv_sequence
        );
    }
    w!(
        "modulation {} (Q_m = {}), {} symbols per block, demapper {:?}",
        l.modulation.name(),
        l.modulation.bits_per_symbol(),
        l.symbols(),
        l.demapper
    );
    w!(
        "channel    {:?}{}",
        l.channel,
        match l.channel {
            sim_core::scenario::schema::ChannelModel::Rayleigh =>
                format!(" ({:?} fading, perfect CSI)", l.fading),
            _ => String::new(),
        }
    );
    if let Some(o) = &l.ofdm {
        w!(
            "ofdm       {} subcarriers × {} symbols at {} kHz, CP {:.4} of a symbol, slot {:.1} µs, \
             carrier {} GHz",
            o.subcarriers,
            o.symbols,
            o.subcarrier_spacing_hz / 1e3,
            o.cp_fraction,
            o.slot_duration_s() * 1e6,
            o.carrier_hz / 1e9
        );
        if o.grid_width() != o.subcarriers {
            w!(
                "grid       {} subcarriers wide: guard carriers {} below and {} above{}",
                o.grid_width(),
                o.guard_carriers[0],
                o.guard_carriers[1],
                if o.dc_null { ", DC null" } else { "" }
            );
        }
        if o.transform_precoding {
            w!(
                "waveform   DFT-s-OFDM: each data symbol spread by the unitary {}-point DFT \
                 (TS 38.211 §6.3.1.4), despread after equalization",
                o.subcarriers
            );
        }
        w!(
            "domain     {}",
            match o.time_domain {
                None => "frequency (channel per resource element at each symbol start)".into(),
                Some(t) => format!(
                    "time: FFT {}, CP {} samples, sample rate {:.3} MHz (ICI and ISI simulated)",
                    t.fft_size,
                    t.cp_len,
                    t.fft_size as f64 * o.subcarrier_spacing_hz / 1e6
                ),
            }
        );
        // The prepared link, built once, for a scenario model's lines (its model).
        let prep = o
            .stochastic
            .is_some()
            .then(|| receivers::ofdm_prepared::OfdmPrepared::new(o));
        let scenario_model = prep.as_ref().and_then(|p| p.stochastic.as_ref());
        if let Some(t) = o.time_domain {
            isi_line(o, scenario_model, t.cp_len, t.fft_size, &mut out);
        }
        match &o.phase_noise {
            Some(PhaseNoiseSpec::Wiener { linewidth_hz }) => w!(
                "oscillator Wiener phase noise, linewidth {} Hz (−{:.1} dBc/Hz at 1 MHz): {:.4} rad per \
                 sample, {:.3} rad over a symbol's FFT window (standard deviations)",
                linewidth_hz,
                -10.0 * (linewidth_hz / (std::f64::consts::TAU * 1e12)).log10(),
                o.phase_increment_std(),
                o.phase_increment_std() * o.time_domain.map_or(0.0, |t| (t.fft_size as f64).sqrt())
            ),
            Some(PhaseNoiseSpec::PoleZero(s)) => {
                let half_rate = o
                    .time_domain
                    .map_or(0.0, |t| t.fft_size as f64 * o.subcarrier_spacing_hz / 2.0);
                let level = |f: f64| format!("{:.1}", s.ssb_dbc_hz(f));
                let rms = |a: f64| s.phase_power(a, half_rate, 4096).sqrt().to_degrees();
                // Slower than the slot, the phase is a drift within it.
                let slot_rate =
                    o.subcarrier_spacing_hz / (o.symbols as f64 * (1.0 + o.mean_cp_fraction));
                w!(
                    "oscillator pole-zero phase noise (TR 38.803 §6.1.10): L(f) = {} / {} / {} / {} \
                     dBc/Hz at 10 kHz / 100 kHz / 1 MHz / 10 MHz; {:.2}° rms between {} Hz and \
                     {:.3} MHz ({} log-spaced tones), {:.2}° of it above the slot rate {:.1} kHz",
                    level(1e4),
                    level(1e5),
                    level(1e6),
                    level(1e7),
                    rms(s.lowest_hz),
                    s.lowest_hz,
                    half_rate / 1e6,
                    channels::phase_noise_tones::TONES,
                    rms(slot_rate.max(s.lowest_hz)),
                    slot_rate / 1e3
                );
            }
            None => {}
        }
        w!(
            "slot       {} on symbols {:?} ({} pilot REs); {} data REs; {} code words per slot; \
             {} layer(s), {} receive antenna(s)",
            match &o.dmrs {
                None => "Kronecker pilots".to_string(),
                Some(d) => format!("NR DMRS type {} (N_ID {})", d.config_type, d.n_id),
            },
            o.pilot_symbols,
            o.pilot_res(),
            o.data_res(),
            o.codewords,
            o.layers,
            o.rx_antennas
        );
        if let Some(p) = &o.ptrs {
            w!(
                "ptrs       PT-RS (TS 38.211 §7.4.1.2, port of DMRS 1000, β = {:.3}) on symbols \
                 {:?} (L = {}), subcarriers {}, {}, … every {} PRBs (K = {}): {} REs, rate-matched \
                 around; the receiver removes each symbol's common phase error",
                p.amplitude,
                p.symbols,
                p.time_density,
                p.subcarriers[0],
                p.subcarriers.get(1).map_or("-".into(), |k| k.to_string()),
                p.frequency_density,
                p.frequency_density,
                o.ptrs_res()
            );
        }
        if let Some(p) = &o.precoder {
            w!(
                "precoding  TS 38.211 Table {} TPMI {}: {} layer(s) on {} ports, W = {} \
                 (rows: ports); total power ‖W‖² = {:.3}",
                p.table,
                p.tpmi,
                p.layers,
                p.ports,
                format_matrix(p),
                p.w.iter().map(|c| c[0] * c[0] + c[1] * c[1]).sum::<f32>()
            );
        }
        if let Some(t) = &o.tdl {
            w!(
                "tdl        {}, delay spread {:.1} ns, max Doppler {:.1} Hz, {}",
                if t.profile.starts_with("NTN-") {
                    format!("{} (TR 38.811 §6.9.2)", t.profile)
                } else {
                    format!("TDL-{}", t.profile)
                },
                t.delay_spread_s * 1e9,
                t.doppler_hz,
                match o.correlation {
                    None => "i.i.d. per antenna pair".to_string(),
                    Some([a, b]) =>
                        format!("spatially correlated (TR 38.901 §7.7.5.2): tx α = {a}, rx β = {b}"),
                }
            );
        }
        if let Some(c) = &o.cdl {
            w!(
                "cdl        CDL-{}, delay spread {:.1} ns, max Doppler {:.1} Hz, {}; arrays of \
                 {:?} elements {} λ apart: tx {} × {} {:?}, rx {} × {} {:?}; angles {}",
                c.profile,
                c.delay_spread_s * 1e9,
                c.doppler_hz,
                if o.uplink { "uplink" } else { "downlink" },
                o.antenna_pattern,
                o.antenna_spacing,
                o.tx_rows,
                o.tx_ports / o.tx_rows / if o.tx_polarization == PolarizationChoice::V { 1 } else { 2 },
                o.tx_polarization,
                o.rx_rows,
                o.rx_antennas / o.rx_rows / if o.rx_polarization == PolarizationChoice::V { 1 } else { 2 },
                o.rx_polarization,
                match (c.angle_spreads_deg, c.mean_angles_deg) {
                    (None, None) => "as tabulated".to_string(),
                    (s, m) => format!("scaled (§7.7.5.1) to spreads {s:?}, means {m:?} (ASD/AOD, ASA/AOA, ZSD/ZOD, ZSA/ZOA, °)"),
                }
            );
        }
        if let Some(t) = o.tdl.as_ref().or(o.cdl.as_ref()) {
            los_line(t, o.tdl.is_some(), &mut out);
        }
        let shift = match (&o.tdl, &o.cdl, &o.stochastic) {
            (Some(t), _, _) | (_, Some(t), _) => t.doppler_shift_hz,
            (_, _, Some(st)) => st.doppler_shift_hz,
            _ => 0.0,
        };
        if shift != 0.0 {
            w!(
                "shift      common Doppler shift {shift:+.1} Hz ({:+.4} of the subcarrier \
                 spacing) on every path{}",
                shift / o.subcarrier_spacing_hz,
                if o.time_domain.is_some() {
                    ", its ICI included (time domain)"
                } else {
                    "; frequency domain: the channel turns from symbol to symbol, no ICI"
                }
            );
        }
        if let (Some(st), Some(m)) = (&o.stochastic, scenario_model) {
            scenario_model::scenario_model_lines(o, st, m, &mut out);
        }
        match &o.neural_weights {
            Some(dir) => {
                let m = receivers::neural::weights::load_meta(Path::new(dir))
                    .map_err(|e| Failure::BadInput(e.to_string()))?;
                let s = &m.shape;
                w!(
                    "receiver   neural, {dir}: {} parameters (depth {}, width {}, kernel {}, \
                     dilations {:?}), trained {} steps on `{}` with seed {}",
                    s.parameters(),
                    s.depth,
                    s.width,
                    s.kernel,
                    s.dilations,
                    m.total_steps(),
                    m.scenario_name,
                    m.seed
                );
                if let Some(i) = &m.init {
                    w!(
                        "           fine-tuned for the last {} steps from {} ({}, {} steps on `{}`)",
                        m.steps,
                        i.folder,
                        i.params_hash,
                        i.steps,
                        i.scenario_name
                    );
                }
                if let Some(d) = receivers::neural::weights::grid_mismatch(&m, o) {
                    w!("warning    the model was trained on another grid: {d}");
                }
            }
            None => {
                w!(
                    "receiver   estimator {:?}, interpolation {:?} (extrapolation {:?}), equalizer {:?}",
                    o.estimator,
                    o.interpolation,
                    o.extrapolation,
                    o.equalizer
                );
                if o.equalizer == sim_core::scenario::schema::EqualizerKind::KBest {
                    w!(
                        "           K-best: {} paths per layer, LLRs clipped at ±{}",
                        o.kbest_paths,
                        o.kbest_llr_clip
                    );
                }
            }
        }
    }
    w!(
        "sweep      {} points of {}; Es/N0 = Eb/N0 + {:.3} dB",
        run.points.len(),
        run.sweep_variable.column(),
        l.ebno_to_snr_db()
    );
    if let Some(o) = &run.outer {
        let lists: Vec<String> = o
            .axes
            .iter()
            .map(|(k, vals)| {
                let labels: Vec<String> = vals.iter().map(|v| v.label()).collect();
                format!("{k} = [{}]", labels.join(", "))
            })
            .collect();
        let columns: Vec<String> = o.axes.iter().map(|(k, _)| format!("`{k}`")).collect();
        w!(
            "runs       {}: {} runs ({}), joined with {} column(s) first; the lines above \
             are {}'s",
            lists.join(" × "),
            o.len(),
            o.run_pattern(&run.scenario.name),
            columns.join(", "),
            o.entry_label(0)
        );
    }
    let st = &run.scenario.stop;
    w!(
        "stop       {} block errors or {} blocks per point; sweep ends below BLER {}",
        st.min_block_errors,
        st.max_blocks,
        st.min_bler
    );
    crate::emit(&out);
    Ok(())
}

/// A precoding matrix as `[a b; c d]` with entries like `0.5`, `-0.354j`.
fn format_matrix(p: &sim_core::precoding::Precoder) -> String {
    let entry = |c: &sim_core::Cf32| {
        let [re, im] = *c;
        if im == 0.0 {
            format!("{re:.3}")
        } else if re == 0.0 {
            format!("{im:.3}j")
        } else {
            format!("{re:.3}{im:+.3}j")
        }
    };
    let rows: Vec<String> =
        p.w.chunks(p.layers)
            .map(|r| r.iter().map(entry).collect::<Vec<_>>().join(" "))
            .collect();
    format!("[{}]", rows.join("; "))
}

/// The K-factor and delays of a LOS profile (D, E): the table's, or scaled (§7.7.6).
fn los_line(t: &sim_core::link::TdlSpec, tdl: bool, out: &mut String) {
    use channels::k_factor::PathProfile;
    use channels::{Array, ElementPattern};
    let paths: PathProfile = if tdl {
        let Some(m) = receivers::ofdm_prepared::tdl_model(t, 0.0) else {
            return;
        };
        m.taps.iter().map(|p| (p.delay_s, p.power, p.los)).collect()
    } else {
        let one = || Array::ula(1, 0.5, ElementPattern::Omni);
        let Some(m) = receivers::ofdm_prepared::cdl_model(t, 0.0, one(), one()) else {
            return;
        };
        m.clusters
            .iter()
            .map(|c| (c.delay_s, c.power, c.los))
            .collect()
    };
    let Some(k) = paths.k_factor_db() else {
        return;
    };
    let _ = writeln!(
        out,
        "los        K-factor {k:.2} dB ({}), LOS path power {:.3}, RMS delay spread {:.1} ns, \
         longest delay {:.1} ns",
        match t.k_factor_db {
            Some(_) => "scaled, TR 38.901 §7.7.6",
            None => "as tabulated",
        },
        paths.los_power(),
        paths.rms_delay_spread() * 1e9,
        paths.delays.iter().fold(0.0f64, |a, &b| a.max(b)) * 1e9,
    );
}

/// `validate`'s line on inter-symbol interference in the time domain: how far back the
/// longest TDL/CDL path reaches (each earlier symbol it reaches is simulated; the previous
/// slot is not) and the approximate ISI power (`ofdm_waveform::isi_power`); for a scenario
/// model (`scenario_model`), the same over 1000 drops (a fixed key, not the run's).
fn isi_line(
    o: &sim_core::link::OfdmSpec,
    scenario_model: Option<&channels::stochastic::StochasticModel>,
    cp_len: usize,
    fft_size: usize,
    out: &mut String,
) {
    use channels::ofdm_waveform::{isi_power, lag_symbols};
    let ts = 1.0 / (fft_size as f64 * o.subcarrier_spacing_hz);
    let sym_len = fft_size + cp_len;
    let db = |x: f64| match x > 0.0 {
        true => format!("{:.1} dB", 10.0 * x.log10()),
        false => "none".to_string(),
    };
    let cp = format!("CP {:.3} µs", cp_len as f64 * ts * 1e6);
    let text = if let Some(m) = scenario_model {
        let mut isi: Vec<f64> = (0..1000)
            .map(|b| {
                let (drop, _) = m.drop(&sim_core::rng::BlockRng::new(0x151, u32::MAX, b));
                let paths: Vec<(f64, f64)> = drop
                    .clusters
                    .iter()
                    .map(|c| (c.delay_s / ts, c.power))
                    .collect();
                isi_power(&paths, cp_len, fft_size)
            })
            .collect();
        isi.sort_by(f64::total_cmp);
        let past = isi.iter().filter(|&&v| v > 0.0).count() as f64 / 10.0;
        format!(
            "each slot's drop brings its own delays ({cp}); of 1000 drops {past:.1}% reach past \
             the CP, ISI power ≈ 2·P·(d − L)/N per path: median {}, 90th percentile {} of the \
             signal (earlier symbols of the slot simulated, none from before it; perfect CSI \
             adds it to the noise variance)",
            db(isi[500]),
            db(isi[900])
        )
    } else if let Some(table) = receivers::ofdm_prepared::path_table(o) {
        // (delay in samples, power)
        let paths: Vec<(f64, f64)> = table.iter().map(|&(d, p)| (d / ts, p)).collect();
        let d = paths.iter().fold(0.0f64, |a, p| a.max(p.0));
        match lag_symbols(d, cp_len, sym_len) {
            0 => format!(
                "longest path {:.3} µs, {cp}: within the CP, no inter-symbol interference",
                d * ts * 1e6
            ),
            q => format!(
                "longest path {:.3} µs, {cp}: inter-symbol interference from up to {q} earlier \
                 symbol{} (none from before the slot), ISI ≈ {} of the signal (perfect CSI \
                 adds it to the noise variance)",
                d * ts * 1e6,
                if q > 1 { "s" } else { "" },
                db(isi_power(&paths, cp_len, fft_size))
            ),
        }
    } else {
        return;
    };
    let _ = writeln!(out, "isi        {text}");
}
