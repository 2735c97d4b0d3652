//! Host side of `shaders/ofdm_chain.wgsl`: the tables and sizes of an OFDM link's GPU stages
//! (TDL coefficients, received grid, LS estimation, MIMO detection and demapping).
//!
//! The tables come from the CPU chain's own [`OfdmPrepared`] (phasors, pilot values, symbol
//! times, tap powers), so both executors use the same numbers.

use crate::chain_params::ChainParams;
use crate::context::GpuError;
use channels::cdl::{signed_ray_offsets, CdlModel, ElementPattern, NLOS_UNIFORMS, RAYS};
use receivers::estimation::{frequency_weights, time_weights};
use receivers::lmmse_estimation::WINDOW;
use receivers::ofdm_chain::OfdmPrepared;
use sim_core::link::OfdmSpec;
use sim_core::rng::BlockRng;
use sim_core::scenario::schema::{EqualizerKind, Estimator};

/// An OFDM link's GPU tables.
pub struct OfdmTables {
    /// The chain uniform with this link's OFDM fields filled in.
    pub fields: ChainParams,
    /// The FFT size of the time domain (2 otherwise: it sizes the FFT kernel's memory).
    pub fft_size: u32,
    /// The `otab` buffer's words.
    pub words: Vec<u32>,
    spec: OfdmSpec,
    prep: OfdmPrepared,
}

/// The most paths `ofdm_detect_kbest` keeps (`KB_MAX_PATHS` in `kbest_detection.wgsl`).
pub const KBEST_MAX_PATHS: usize = 64;

/// Why the GPU chain cannot run `o` with `qm` bits per symbol (the CPU executor can), or
/// `None`.
pub fn unsupported(o: &OfdmSpec, qm: usize) -> Option<String> {
    if let Some(t) = o.time_domain {
        if !t.fft_size.is_power_of_two() || t.fft_size > 4096 {
            return Some(format!(
                "time-domain OFDM on the GPU needs a power-of-two fft_size ≤ 4096 (got {}): \
                 use --device cpu or another fft_size",
                t.fft_size
            ));
        }
    }
    if o.symbols > 14 {
        return Some("at most 14 OFDM symbols per slot on the GPU".into());
    }
    if o.equalizer == EqualizerKind::KBest
        && o.neural_weights.is_none()
        && (o.kbest_paths > KBEST_MAX_PATHS || qm > 8)
    {
        return Some(format!(
            "K-best detection on the GPU keeps at most {KBEST_MAX_PATHS} paths of up to \
             256-QAM (got kbest_paths = {}, {} bits per symbol): use --device cpu",
            o.kbest_paths, qm
        ));
    }
    None
}

/// Appends `values` to `words`; returns their offset.
fn push(words: &mut Vec<u32>, values: impl IntoIterator<Item = u32>) -> u32 {
    let at = words.len() as u32;
    words.extend(values);
    at
}

impl OfdmTables {
    /// Tables of `o` with code words of `coded_bits` bits, `qm` bits per symbol; `base` is
    /// the link's chain uniform, returned in `fields` with the OFDM fields set.
    ///
    /// Links the GPU chain cannot run ([`unsupported`]) get a clear error.
    pub fn new(
        o: &OfdmSpec,
        coded_bits: usize,
        qm: usize,
        base: ChainParams,
    ) -> Result<Self, GpuError> {
        if let Some(why) = unsupported(o, qm) {
            return Err(GpuError::Runtime(why));
        }
        let prep = OfdmPrepared::new(o);
        let (nsym, nsc, nl) = (o.symbols, o.subcarriers, o.layers);
        let npilot = o.pilot_symbols.len();
        let bits = f32::to_bits;
        let mut w = Vec::new();
        let psym = push(&mut w, o.pilot_symbols.iter().map(|&s| s as u32));
        let (mut data_row, mut pilot_row) = (0u32, 0u32);
        let mut rows = Vec::with_capacity(nsym);
        let mut dsym = Vec::new();
        let mut dstart = vec![0u32];
        for s in 0..nsym {
            if o.pilot_symbols.contains(&s) {
                rows.push(pilot_row | 1 << 31);
                pilot_row += 1;
            } else {
                // PT-RS rows (bit 30) carry nsc − ptrs_n data REs.
                let ptrs_row = o.ptrs.as_ref().is_some_and(|p| p.symbols.contains(&s));
                let n_ptrs = o
                    .ptrs
                    .as_ref()
                    .filter(|_| ptrs_row)
                    .map_or(0, |p| p.subcarriers.len());
                rows.push(data_row | (ptrs_row as u32) << 30);
                dsym.push(s as u32);
                dstart.push(dstart[data_row as usize] + (nsc - n_ptrs) as u32);
                data_row += 1;
            }
        }
        let srow = push(&mut w, rows);
        let dsym = push(&mut w, dsym);
        let o_dstart = push(&mut w, dstart);
        let o_ptrs = push(
            &mut w,
            o.ptrs
                .iter()
                .flat_map(|p| p.subcarriers.iter().flat_map(|&k| prep.ptrs[k].map(bits))),
        );
        let (ptrs_n, ptrs_k0, ptrs_step) = o.ptrs.as_ref().map_or((0, 0, 1), |p| {
            (
                p.subcarriers.len() as u32,
                p.subcarriers[0] as u32,
                12 * p.frequency_density as u32,
            )
        });
        let tint = push(
            &mut w,
            (0..nsym).flat_map(|s| {
                let (j0, j1, wt) =
                    time_weights(&o.pilot_symbols, s, o.interpolation, o.extrapolation);
                [j0 as u32, j1 as u32, bits(wt)]
            }),
        );
        let coefficient_times = match &prep.waveform {
            Some(_) => &prep.grid_times,
            None => &prep.times,
        };
        let times = push(&mut w, coefficient_times.iter().map(|&t| bits(t as f32)));
        let samples_per_s =
            o.time_domain.map_or(0.0, |t| t.fft_size as f64) * o.subcarrier_spacing_hz;
        let delays = push(
            &mut w,
            prep.delays
                .iter()
                .map(|&d| bits((d * samples_per_s) as f32)),
        );
        let phasor = push(&mut w, prep.phasors.iter().flat_map(|c| c.map(bits)));
        let pilots = push(
            &mut w,
            prep.pilots.iter().flatten().flat_map(|c| c.map(bits)),
        );
        let fint = push(
            &mut w,
            prep.pilot_sets.iter().flat_map(|set| {
                (0..nsc).flat_map(move |k| {
                    let (i0, i1, wt) = frequency_weights(set, k, o.extrapolation);
                    // CDM partner: members pair up in set order (set[2m], set[2m + 1]).
                    let partner = set
                        .iter()
                        .position(|&m| m == k)
                        .and_then(|i| set.get(i ^ 1))
                        .copied()
                        .unwrap_or(k);
                    [set[i0] as u32, set[i1] as u32, bits(wt), partner as u32]
                })
            }),
        );
        let taps = match &prep.tdl {
            Some(m) => push(
                &mut w,
                m.taps
                    .iter()
                    .flat_map(|t| [bits(t.power.sqrt() as f32), t.los as u32]),
            ),
            None => w.len() as u32,
        };
        // A scenario model: the shared header and placeholder clusters; each slot's paths
        // come per batch (`drop_records`).
        let cdl = match (&prep.cdl, &prep.stochastic) {
            (Some(m), _) => cdl_table(m, &mut w),
            (None, Some(g)) => cdl_table(&g.template(), &mut w),
            _ => w.len() as u32,
        };
        let mix = match &prep.mix {
            Some(m) => push(&mut w, m.iter().flat_map(|c| c.map(bits))),
            None => w.len() as u32,
        };
        // td_ofdm.wgsl keeps at most PN_MAX_TONES = 64 tones in workgroup memory.
        const _: () = assert!(channels::phase_noise_tones::TONES <= 64);
        let pn = push(
            &mut w,
            prep.phase_noise_tones
                .iter()
                .flat_map(|t| [t.m_lo, t.width, bits(t.std)]),
        );
        if w.is_empty() {
            w.push(0);
        }
        // Paths, maximum Doppler and common shift of the fading model.
        let (paths, doppler_hz, shift_hz) = match (&prep.tdl, &prep.cdl, &prep.stochastic) {
            (Some(m), _, _) => (m.taps.len(), m.doppler_hz, m.shift_hz),
            (_, Some(m), _) => (m.clusters.len(), m.doppler_hz, m.shift_hz),
            (_, _, Some(g)) => (g.max_paths(), g.doppler_hz, g.shift_hz),
            _ => (0, 0.0, 0.0),
        };
        let fft_size = o.time_domain.map_or(2, |t| t.fft_size as u32);
        let lmmse_stride = 1 + 3 * WINDOW.min(o.subcarriers) as u32;
        let layout = o.layout();
        Ok(OfdmTables {
            fields: ChainParams {
                ofdm: 1,
                cw: o.codewords as u32,
                nsym: nsym as u32,
                nsc: nsc as u32,
                nrx: o.rx_antennas as u32,
                nl: nl as u32,
                paths: paths as u32,
                npilot: npilot as u32,
                data_syms: (o.codewords * coded_bits / qm) as u32,
                estimator: match o.estimator {
                    Estimator::Perfect => 0,
                    Estimator::Ls => 1,
                    Estimator::Lmmse => 2,
                },
                // 2: ML (ofdm_detect_ml); with one layer it is combining and demapping (ZF).
                equalizer: match o.equalizer {
                    EqualizerKind::Zf => 0,
                    EqualizerKind::Lmmse => 1,
                    EqualizerKind::Ml if o.layers > 1 => 2,
                    EqualizerKind::Ml => 0,
                    // 3: K-best (ofdm_detect_kbest), any number of layers.
                    EqualizerKind::KBest => 3,
                },
                cdm: o.dmrs_cdm() as u32,
                doppler_hz: doppler_hz as f32,
                shift_hz: shift_hz as f32,
                fading_model: match (&prep.tdl, &prep.cdl, &prep.stochastic) {
                    (Some(_), _, _) => 1,
                    (_, Some(_), _) => 2,
                    (_, _, Some(_)) => 3,
                    _ => 0,
                },
                td: o.time_domain.is_some() as u32,
                normalize: (o.normalize && paths > 0) as u32,
                cp_len: o.time_domain.map_or(0, |t| t.cp_len as u32),
                sc_first: layout.first as i32,
                sc_dc: layout.dc_from as u32,
                ntimes: coefficient_times.len() as u32,
                lmmse_stride,
                o_psym: psym,
                o_srow: srow,
                o_dsym: dsym,
                o_tint: tint,
                o_times: times,
                o_phasor: phasor,
                o_pilots: pilots,
                o_fint: fint,
                o_taps: taps,
                o_cdl: cdl,
                o_delays: delays,
                ntx: o.tx_ports as u32,
                mixed: prep.mix.is_some() as u32,
                o_mix: mix,
                tp: o.transform_precoding as u32,
                kbest_paths: o.kbest_paths as u32,
                kbest_clip: o.kbest_llr_clip,
                pn_sigma: o.phase_increment_std() as f32,
                dres: o.data_res() as u32,
                ptrs_n,
                ptrs_k0,
                ptrs_step,
                o_dstart,
                o_ptrs,
                pn_tones: prep.phase_noise_tones.len() as u32,
                o_pn: pn,
                ..base
            },
            fft_size,
            words: w,
            spec: o.clone(),
            prep,
        })
    }

    /// Words per (layer, subcarrier) entry of the LMMSE weight table: the error variance,
    /// then (pilot subcarrier, weight re, weight im) per window member.
    pub fn lmmse_stride(&self) -> u32 {
        self.fields.lmmse_stride
    }

    /// Words of the LMMSE weight table (one word when the link does not use it).
    pub fn lmmse_words(&self) -> usize {
        if self.spec.estimator != Estimator::Lmmse {
            return 1;
        }
        self.spec.layers * self.spec.subcarriers * self.lmmse_stride() as usize
    }

    /// The LMMSE weight table at noise variance `no` (`[layers, subcarriers, stride]`, see
    /// [`Self::lmmse_stride`]; members past a layer's window have weight 0), from the CPU
    /// chain's weights. CDM despreading halves the LS noise, as on the CPU.
    pub fn lmmse_table(&self, no: f32) -> Vec<u32> {
        let o = &self.spec;
        let no_ls = if o.dmrs_cdm() { no / 2.0 } else { no };
        let stride = self.lmmse_stride() as usize;
        let mut w = vec![0u32; self.lmmse_words()];
        for t in 0..o.layers {
            let weights = self.prep.lmmse_weights(t, no_ls);
            for k in 0..o.subcarriers {
                let at = (t * o.subcarriers + k) * stride;
                w[at] = weights.err_var[k].to_bits();
                let (pilots, taps) = weights.taps(k);
                for (i, (&pk, c)) in pilots.iter().zip(taps).enumerate() {
                    w[at + 1 + 3 * i] = pk as u32;
                    w[at + 2 + 3 * i] = (c[0] as f32).to_bits();
                    w[at + 3 + 3 * i] = (c[1] as f32).to_bits();
                }
            }
        }
        w
    }

    /// A scenario model's paths of slots `first_block ..` (`slots` of them) of `point`, as
    /// `shaders/cdl_coeffs.wgsl` reads them from `drops` (`DROP_WORDS` per path): drawn
    /// on the host exactly as the CPU chain draws them (`StochasticModel::drop`, its own
    /// stream), the slots in parallel. Empty for other links.
    pub fn drop_records(&self, seed: u64, point: u32, first_block: u64, slots: usize) -> Vec<u32> {
        use rayon::prelude::*;
        let Some(g) = &self.prep.stochastic else {
            return Vec::new();
        };
        let scs = self.spec.subcarrier_spacing_hz;
        (0..slots)
            .into_par_iter()
            .flat_map_iter(|b| {
                let rng = BlockRng::new(seed, point, (first_block + b as u64) as u32);
                drop_words(&g.drop(&rng).0, scs)
            })
            .collect()
    }

    /// Bytes per slot of the OFDM batch buffers: coefficients per symbol, received grid,
    /// pilot estimates, time-domain coefficient grid, time-domain ICI power, DFT-s-OFDM
    /// spread symbols, PT-RS phases, a scenario model's per-slot paths.
    pub fn bytes_per_slot(&self) -> [u64; 8] {
        let f = &self.fields;
        let links = (f.nrx * f.nl) as u64;
        let paths = f.paths.max(1) as u64;
        let td = f.td as u64;
        [
            8 * links * f.nsym as u64 * paths,
            8 * f.nrx as u64 * (f.nsym * f.nsc) as u64,
            16 * links * (f.npilot * f.nsc) as u64,
            td * 8 * links * f.ntimes as u64 * paths,
            td * 4 * links * f.nsym as u64,
            // DFT-s-OFDM: per data RE the spread symbol, then (z, error variance).
            f.tp as u64 * 16 * ((f.nsym - f.npilot) * f.nsc) as u64,
            // PT-RS: each symbol's common phase error (cos, sin).
            (f.ptrs_n != 0) as u64 * 8 * f.nsym as u64,
            // Scenario models: DROP_WORDS words per path.
            (f.fading_model == 3) as u64 * 4 * DROP_WORDS as u64 * paths,
        ]
    }
}

/// Words per path of a scenario model's per-slot records (`DROP_WORDS` in
/// `shaders/cdl_coeffs.wgsl`).
pub const DROP_WORDS: usize = 16;

/// One drop's records: per path its first uniform in the slot's fading stream (a sub-cluster
/// the parent's; a LOS path takes 1, a cluster NLOS_UNIFORMS and, with per-ray XPR, two more
/// per ray), LOS flag, power (a sub-cluster its parent's), angles, group, the delay τ·Δf as hi
/// (11 significant bits, so hi · subcarrier offset is exact in f32) and lo, the XPR's mean
/// and deviation (dB), and the drop's ray spreads (c_ASD, c_ASA, c_ZSD, c_ZSA).
fn drop_words(m: &CdlModel, scs: f64) -> Vec<u32> {
    let bits = |x: f64| (x as f32).to_bits();
    let xpr_draws = if m.xpr_sigma_db > 0.0 { 2 * RAYS } else { 0 };
    let mut out = Vec::with_capacity(m.clusters.len() * DROP_WORDS);
    let (mut next, mut parent_first, mut parent_power) = (0u32, 0u32, 0f64);
    for (i, c) in m.clusters.iter().enumerate() {
        let first = match (c.los, c.group) {
            (true, _) => {
                next += 1;
                next - 1
            }
            (false, g) if g <= 1 => {
                parent_first = next;
                parent_power = m.parent_power(i);
                next += (NLOS_UNIFORMS + xpr_draws) as u32;
                parent_first
            }
            _ => parent_first,
        };
        let power = if c.los { c.power } else { parent_power };
        let turns = c.delay_s * scs;
        let hi = f32::from_bits((turns as f32).to_bits() & 0xFFFF_E000);
        let lo = (turns - hi as f64) as f32;
        out.extend([
            first,
            c.los as u32,
            bits(power),
            bits(c.aoa),
            bits(c.aod),
            bits(c.zoa),
            bits(c.zod),
            c.group as u32,
            hi.to_bits(),
            lo.to_bits(),
            bits(10.0 * m.xpr.log10()),
            bits(m.xpr_sigma_db),
        ]);
        out.extend(m.spreads.map(bits));
    }
    out
}

/// Appends the CDL table of `shaders/cdl_coeffs.wgsl` (header, ray offsets, clusters with
/// their first uniform, rx then tx ports); returns its offset.
fn cdl_table(m: &CdlModel, w: &mut Vec<u32>) -> u32 {
    let bits = |x: f64| (x as f32).to_bits();
    let pattern = |p: ElementPattern| match p {
        ElementPattern::Omni => 0,
        ElementPattern::Tr38901 => 1,
    };
    let at = push(w, m.spreads.map(bits));
    push(
        w,
        [
            bits(1.0 / m.xpr.sqrt()),
            m.uplink as u32,
            pattern(m.rx.pattern),
            pattern(m.tx.pattern),
        ],
    );
    push(
        w,
        m.angle_maps
            .iter()
            .flat_map(|a| [bits(a.scale), bits(a.model_mean), bits(a.desired_mean)]),
    );
    push(w, signed_ray_offsets().map(bits));
    let mut first = 0u32;
    for c in &m.clusters {
        push(
            w,
            [
                first,
                c.los as u32,
                bits(c.power),
                bits(c.aoa),
                bits(c.aod),
                bits(c.zoa),
                bits(c.zod),
                0,
            ],
        );
        first += if c.los { 1 } else { NLOS_UNIFORMS as u32 };
    }
    for a in [&m.rx, &m.tx] {
        for (pos, &slant) in a.positions.iter().zip(&a.slants) {
            push(w, [bits(pos[0]), bits(pos[1]), bits(pos[2]), bits(slant)]);
        }
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim_core::scenario::resolve;

    /// The GPU takes time-domain links with a power-of-two FFT size up to 4096 only.
    #[test]
    fn gpu_time_domain_needs_a_power_of_two_fft() {
        let spec = |fft: usize| {
            let text = format!(
                "name = 't'\n[code]\ninfo_bits = 100\n[ofdm]\nprbs = 4\ndomain = 'time'\n\
                 fft_size = {fft}\n[channel]\nmodel = 'tdl'\n[sweep]\nsnr_db = [1.0]\n"
            );
            resolve(&text, "t.toml").unwrap().link.ofdm.unwrap()
        };
        assert_eq!(unsupported(&spec(64), 2), None);
        assert_eq!(unsupported(&spec(4096), 2), None);
        for bad in [96, 8192] {
            let why = unsupported(&spec(bad), 2).expect("refused");
            assert!(why.contains("power-of-two fft_size ≤ 4096"), "{why}");
        }
    }

    /// The GPU's K-best keeps at most 64 paths of up to 256-QAM; the CPU takes the rest.
    #[test]
    fn gpu_kbest_keeps_at_most_64_paths() {
        let spec = |k: usize| {
            let text = format!(
                "name = 't'\n[code]\ninfo_bits = 100\n[modulation]\nscheme = '64qam'\n\
                 [ofdm]\nprbs = 4\n[antennas]\ntx = 4\nrx = 4\nlayers = 4\n\
                 [channel]\nmodel = 'tdl'\n[receiver]\nequalizer = 'kbest'\n\
                 kbest_paths = {k}\n[sweep]\nsnr_db = [1.0]\n"
            );
            resolve(&text, "t.toml").unwrap().link.ofdm.unwrap()
        };
        assert_eq!(unsupported(&spec(64), 6), None);
        let why = unsupported(&spec(65), 6).expect("refused");
        assert!(
            why.contains("at most 64 paths") && why.contains("65"),
            "{why}"
        );
        assert!(unsupported(&spec(8), 10).is_some());
    }
}
