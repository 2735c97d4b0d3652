//! What an OFDM link needs built once for the CPU chain (and whose tables the GPU chain
//! uploads): the channel model, path phasors at the subcarriers' true frequencies, pilot
//! values, symbol times, the time-domain waveform and the LMMSE weights cache.

use crate::estimation::pilot_values;
use crate::lmmse_estimation::LmmseWeights;
use channels::stochastic::StochasticModel;
use channels::tr38901_lsp::Condition;
use channels::{Array, CdlModel, ElementPattern, OfdmWaveform, Polarization, TdlModel};
use sim_core::dmrs::dmrs_values;
use sim_core::link::{OfdmSpec, PhaseNoiseSpec, TdlSpec};
use sim_core::scenario::schema::{
    AntennaPattern, Estimator, PolarizationChoice, PropagationCondition,
};
use sim_core::Cf32;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// What an OFDM link needs built once.
pub struct OfdmPrepared {
    pub tdl: Option<TdlModel>,
    pub cdl: Option<CdlModel>,
    /// A TR 38.901 scenario model: the chain draws a CDL model from it every slot (its
    /// delays change, so `phasors` and `delays` stay empty and `pdp` is the model's
    /// ensemble average with LMMSE estimation, unused otherwise).
    pub stochastic: Option<StochasticModel>,
    /// `[subcarriers]` baseband frequency f_k (Hz) of each occupied subcarrier.
    pub freqs: Vec<f64>,
    /// `[taps or clusters, subcarriers]` exp(−j2π f_k τ_l).
    pub phasors: Vec<Cf32>,
    /// Per layer, `[pilot symbols, subcarriers]` known pilot values (zero off its set).
    pub pilots: Vec<Vec<Cf32>>,
    /// Per layer: its pilot subcarriers.
    pub pilot_sets: Vec<Vec<usize>>,
    /// PT-RS: `[subcarriers]` the value on each PT-RS subcarrier (zero elsewhere; empty
    /// without PT-RS), `sim_core::ptrs::ptrs_value`.
    pub ptrs: Vec<Cf32>,
    /// `[symbols]` symbol start times (s).
    pub times: Vec<f64>,
    /// Time-domain simulation: the OFDM waveform, its coefficient grid times (s) and the
    /// path delays (s).
    pub waveform: Option<OfdmWaveform>,
    pub grid_times: Vec<f64>,
    pub delays: Vec<f64>,
    /// (delay, power) of the model's paths, powers summing to one (LMMSE estimation).
    pub pdp: Vec<(f64, f64)>,
    /// Per layer: the mean power of its effective channel (‖W[:, t]‖² with i.i.d. ports,
    /// w_tᴴ R_tx w_t with correlated ones; 1 without precoding), the LMMSE prior.
    pub layer_power: Vec<f64>,
    /// Codebook precoding or TDL spatial correlation: `[rx · layers + layer, rx · ports +
    /// port]` weights of the drawn (rx, port) channels in each (rx, layer) channel,
    /// M = (R^{1/2} · (I_rx ⊗ W)) over the links; `None`: the drawn links are the channel.
    pub mix: Option<Vec<Cf32>>,
    /// DFT-s-OFDM: the DFT pair over the occupied subcarriers.
    pub precoder: Option<crate::transform_precoding::TransformPrecoder>,
    /// `[phase_noise] model = "pole-zero"`: the bands of its tones (empty otherwise).
    pub phase_noise_tones: Vec<channels::phase_noise_tones::Tone>,
    /// LMMSE weights by (N0 bits, layer).
    lmmse: Mutex<HashMap<(u32, usize), Arc<LmmseWeights>>>,
}

impl OfdmPrepared {
    /// LMMSE weights for layer `t`'s pilot comb at noise variance `no` (of the LS values),
    /// built once.
    pub fn lmmse_weights(&self, t: usize, no: f32) -> Arc<LmmseWeights> {
        let key = (no.to_bits(), t);
        if let Some(w) = self.lmmse.lock().expect("weights cache").get(&key) {
            return w.clone();
        }
        let pdp: Vec<(f64, f64)> = self
            .pdp
            .iter()
            .map(|&(d, p)| (d, p * self.layer_power[t]))
            .collect();
        let w = Arc::new(LmmseWeights::new(
            &pdp,
            &self.freqs,
            &self.pilot_sets[t],
            no,
        ));
        self.lmmse
            .lock()
            .expect("weights cache")
            .insert(key, w.clone());
        w
    }
}

impl OfdmPrepared {
    pub fn new(o: &OfdmSpec) -> Self {
        let tdl = o
            .tdl
            .as_ref()
            .map(|t| tdl_model(t, t.doppler_hz).expect("profile checked"));
        let pattern = match o.antenna_pattern {
            AntennaPattern::Omni => ElementPattern::Omni,
            AntennaPattern::Tr38901 => ElementPattern::Tr38901,
        };
        let array = |ports: usize, rows: usize, choice: PolarizationChoice| {
            let (pol, per) = match choice {
                PolarizationChoice::V => (Polarization::V, 1),
                PolarizationChoice::Vh => (Polarization::Vh, 2),
                PolarizationChoice::Cross => (Polarization::Cross, 2),
            };
            let columns = ports / per / rows;
            Array::upa_polarized(rows, columns, o.antenna_spacing, pattern, pol)
        };
        let tx = || array(o.tx_ports, o.tx_rows, o.tx_polarization);
        let rx = || array(o.rx_antennas, o.rx_rows, o.rx_polarization);
        let cdl = o.cdl.as_ref().map(|c| {
            let mut m = cdl_model(c, c.doppler_hz, tx(), rx()).expect("profile checked");
            m.uplink = o.uplink;
            if c.angle_spreads_deg.is_some() || c.mean_angles_deg.is_some() {
                m.scale_angles(c.angle_spreads_deg, c.mean_angles_deg);
            }
            m
        });
        let stochastic = o.stochastic.as_ref().map(|st| {
            let mut m = StochasticModel::new(
                st.site(),
                match st.condition {
                    PropagationCondition::Los | PropagationCondition::LosProbability => {
                        Condition::Los
                    }
                    PropagationCondition::Nlos => Condition::Nlos,
                    PropagationCondition::O2i => Condition::O2i,
                },
                o.carrier_hz / 1e9,
                st.geometry(),
                st.ue_azimuth_deg,
                st.doppler_hz,
                tx(),
                rx(),
            );
            m.uplink = o.uplink;
            m.shift_hz = st.doppler_shift_hz;
            if st.condition == PropagationCondition::LosProbability {
                m = m.with_los_probability(o.carrier_hz / 1e9);
            }
            if let Some(pl) = st.pathloss {
                m = m.with_pathloss(o.carrier_hz / 1e9, pl.reference_db, pl.o2i_loss);
            }
            m
        });
        let k = o.subcarriers;
        // Baseband frequency of each occupied subcarrier (guard carriers and a DC null leave
        // gaps: SubcarrierLayout).
        let offsets = o.layout().offsets();
        let freqs: Vec<f64> = offsets
            .iter()
            .map(|&i| i as f64 * o.subcarrier_spacing_hz)
            .collect();
        let delays: Vec<f64> = match (&tdl, &cdl) {
            (Some(m), _) => m.taps.iter().map(|t| t.delay_s).collect(),
            (_, Some(m)) => m.delays(),
            _ => Vec::new(),
        };
        let powers: Vec<f64> = match (&tdl, &cdl) {
            (Some(m), _) => m.taps.iter().map(|t| t.power).collect(),
            (_, Some(m)) => m.clusters.iter().map(|c| c.power).collect(),
            _ => Vec::new(),
        };
        let pdp = match &stochastic {
            // The scenario models' delays change every slot: the LMMSE prior is their
            // ensemble-average PDP (1 ns bins of 1000 drops of a fixed key), drawn only when
            // LMMSE estimation asks for it.
            Some(m) if o.estimator == Estimator::Lmmse => m.mean_pdp(1000, 1e-9),
            Some(_) => vec![(0.0, 1.0)],
            None if delays.is_empty() => vec![(0.0, 1.0)],
            None => delays.iter().copied().zip(powers).collect(),
        };
        let mix = link_mixing(o);
        let waveform = o
            .time_domain
            .map(|t| OfdmWaveform::with_offsets(&offsets, o.symbols, t.fft_size, t.cp_len));
        let mut phasors = Vec::new();
        path_phasors(&delays, &freqs, &mut phasors);
        let pilots: Vec<Vec<Cf32>> = match &o.dmrs {
            None => (0..o.layers)
                .map(|t| {
                    let mut v = pilot_values(o.pilot_symbols.len() * k);
                    let set = o.pilot_subcarriers(t);
                    v.iter_mut()
                        .enumerate()
                        .filter(|(i, _)| !set.contains(&(i % k)))
                        .for_each(|(_, p)| *p = [0.0; 2]);
                    v
                })
                .collect(),
            Some(d) => (0..o.layers).map(|t| dmrs_values(o, d, t)).collect(),
        };
        let ptrs = o.ptrs.as_ref().map_or(Vec::new(), |p| {
            let mut v = vec![[0f32; 2]; k];
            for &sc in &p.subcarriers {
                v[sc] = sim_core::ptrs::ptrs_value(p, &pilots[0][..k], sc);
            }
            v
        });
        OfdmPrepared {
            tdl,
            cdl,
            stochastic,
            freqs,
            phasors,
            pilots,
            ptrs,
            pilot_sets: (0..o.layers).map(|t| o.pilot_subcarriers(t)).collect(),
            times: (0..o.symbols).map(|s| o.symbol_time_s(s)).collect(),
            phase_noise_tones: match (&o.phase_noise, o.time_domain) {
                (Some(PhaseNoiseSpec::PoleZero(s)), Some(t)) => channels::phase_noise_tones::tones(
                    s,
                    t.fft_size as f64 * o.subcarrier_spacing_hz,
                ),
                _ => Vec::new(),
            },
            grid_times: waveform
                .as_ref()
                .map_or(Vec::new(), |w| w.grid_times(o.subcarrier_spacing_hz)),
            waveform,
            delays,
            pdp,
            layer_power: match &mix {
                None => vec![1.0; o.layers],
                // Receive antenna 0's rows: E|Σ_j M[l, j] h_j|² = Σ_j |M[l, j]|² for i.i.d. h.
                Some(m) => (0..o.layers)
                    .map(|t| {
                        m[t * o.rx_antennas * o.tx_ports..(t + 1) * o.rx_antennas * o.tx_ports]
                            .iter()
                            .map(|c| (c[0] as f64).powi(2) + (c[1] as f64).powi(2))
                            .sum()
                    })
                    .collect(),
            },
            mix,
            precoder: o
                .transform_precoding
                .then(|| crate::transform_precoding::TransformPrecoder::new(o.subcarriers)),
            lmmse: Mutex::new(HashMap::new()),
        }
    }
}

/// `[paths, subcarriers]` exp(−j2π f_k τ_p) of `delays` at `freqs` into `out` (cleared
/// first): a run's fixed paths, or a scenario model's paths of one slot.
pub fn path_phasors(delays: &[f64], freqs: &[f64], out: &mut Vec<Cf32>) {
    out.clear();
    for &d in delays {
        out.extend(freqs.iter().map(|&f| {
            let (s, c) = (-std::f64::consts::TAU * f * d).sin_cos();
            [c as f32, s as f32]
        }));
    }
}

/// The TDL model of `t` with maximum Doppler `doppler_hz` and `t`'s common shift,
/// K-factor-scaled (§7.7.6) when `t` asks for it (profiles without LOS ignore the
/// K-factor); `None` for an unknown profile.
pub fn tdl_model(t: &TdlSpec, doppler_hz: f64) -> Option<TdlModel> {
    let mut m = TdlModel::new(&t.profile, t.delay_spread_s, doppler_hz)?;
    m.shift_hz = t.doppler_shift_hz;
    if let Some(k) = t.k_factor_db {
        m.scale_k_factor(k, t.delay_spread_s);
    }
    Some(m)
}

/// The CDL model of `c` between arrays `tx` and `rx`, with `c`'s common shift, K-factor-scaled
/// like [`tdl_model`].
pub fn cdl_model(c: &TdlSpec, doppler_hz: f64, tx: Array, rx: Array) -> Option<CdlModel> {
    let profile = match c.profile.as_str() {
        p @ ("A" | "B" | "C" | "D" | "E") => p.chars().next()?,
        _ => return None,
    };
    let mut m = CdlModel::new(profile, c.delay_spread_s, doppler_hz, tx, rx)?;
    m.shift_hz = c.doppler_shift_hz;
    if let Some(k) = c.k_factor_db {
        m.scale_k_factor(k, c.delay_spread_s);
    }
    Some(m)
}

/// Why `o` cannot be simulated in the time domain, or `None`: a path takes inter-symbol
/// interference from every earlier symbol of the slot it reaches (none from the previous
/// slot, which is not simulated), so a TDL/CDL path as long as the slot would bring nothing
/// at all. (A scenario model's delays change per slot: a drop's path past the slot, possible
/// only at the highest numerologies, contributes nothing.)
pub fn time_domain_problem(o: &OfdmSpec) -> Option<String> {
    o.time_domain?;
    let longest = path_table(o)?.iter().fold(0.0, |a: f64, p| a.max(p.0));
    let slot = o.slot_duration_s();
    (longest >= slot).then(|| {
        format!(
            "channel.delay_spread_ns: the longest path ({:.2} µs) reaches past the whole slot \
             ({:.2} µs); the time-domain model takes inter-symbol interference from the slot's \
             own symbols only: use a smaller delay spread, a smaller subcarrier spacing or \
             domain = \"frequency\"",
            longest * 1e6,
            slot * 1e6
        )
    })
}

/// The (delay in s, power) of every path of `o`'s TDL or CDL model (scaled as simulated);
/// `None` for other channels (a scenario model's delays change per slot).
pub fn path_table(o: &OfdmSpec) -> Option<Vec<(f64, f64)>> {
    let one = || Array::ula(1, 0.5, ElementPattern::Omni);
    match (&o.tdl, &o.cdl) {
        (Some(t), _) => Some(
            tdl_model(t, 0.0)?
                .taps
                .iter()
                .map(|p| (p.delay_s, p.power))
                .collect(),
        ),
        (_, Some(c)) => Some(
            cdl_model(c, 0.0, one(), one())?
                .clusters
                .iter()
                .map(|c| (c.delay_s, c.power))
                .collect(),
        ),
        _ => None,
    }
}

/// The link-mixing matrix of [`OfdmPrepared::mix`]: M[(r, l), (r', t')] =
/// Σ_t S[(r, t), (r', t')] · W[t, l], S the links' correlation root (identity when i.i.d.),
/// W the precoder (identity without).
pub fn link_mixing(o: &OfdmSpec) -> Option<Vec<Cf32>> {
    if o.precoder.is_none() && o.correlation.is_none() {
        return None;
    }
    let (nrx, ntx, nl) = (o.rx_antennas, o.tx_ports, o.layers);
    let phys = nrx * ntx;
    let s = match o.correlation {
        Some([tx, rx]) => channels::spatial_correlation::link_correlation_sqrt(nrx, ntx, rx, tx),
        None => (0..phys * phys)
            .map(|i| if i / phys == i % phys { 1.0 } else { 0.0 })
            .collect(),
    };
    let w = |t: usize, l: usize| -> [f64; 2] {
        match &o.precoder {
            Some(p) => p.w[t * nl + l].map(|x| x as f64),
            None => [(t == l) as u8 as f64, 0.0],
        }
    };
    let mut m = vec![[0f32; 2]; nrx * nl * phys];
    for r in 0..nrx {
        for l in 0..nl {
            for j in 0..phys {
                let mut acc = [0f64; 2];
                for t in 0..ntx {
                    let sv = s[(r * ntx + t) * phys + j];
                    let c = w(t, l);
                    acc = [acc[0] + sv * c[0], acc[1] + sv * c[1]];
                }
                m[(r * nl + l) * phys + j] = [acc[0] as f32, acc[1] as f32];
            }
        }
    }
    Some(m)
}
