//! Checks of the OFDM sections (`[ofdm]`, `[pilots]`, `[antennas]`, `[receiver]`, TDL keys of
//! `[channel]`) and their resolution into an [`OfdmSpec`].

use super::location::ScenarioError;
use super::schema::*;
use crate::link::{grid_width, DmrsSpec, OfdmSpec, PtrsSpec};
use crate::precoding::{precoder, tpmi_range, Precoder};

type Fail<'a> = dyn Fn(&[&str], String) -> ScenarioError + 'a;

const ARRAYS_ONLY: &str =
    "applies to model = \"cdl\" and the TR 38.901 scenario models (\"uma\", \"umi\", \"rma\", \"inh\") only";

/// The OFDM part of a link, or `None` for the single-carrier link; `symbols_per_codeword`
/// is G / Q_m of the `[code]` shape.
pub(super) fn build_ofdm(
    s: &Scenario,
    symbols_per_codeword: usize,
    fail: &Fail,
) -> Result<Option<OfdmSpec>, ScenarioError> {
    let ch = &s.channel;
    let Some(o) = &s.ofdm else {
        if ch.model.is_ofdm_fading() {
            return Err(fail(
                &["channel", "model"],
                "TDL, CDL and the TR 38.901 scenario models need an [ofdm] section".into(),
            ));
        }
        super::stochastic::build_stochastic(s, 0.0, fail)?;
        for (key, set) in [
            ("direction", ch.direction.is_some()),
            ("normalize", ch.normalize.is_some()),
            ("profile", ch.profile.is_some()),
            ("delay_spread_ns", ch.delay_spread_ns.is_some()),
            ("speed_kmh", ch.speed_kmh.is_some()),
            ("k_factor_db", ch.k_factor_db.is_some()),
            ("doppler_shift_hz", ch.doppler_shift_hz.is_some()),
        ] {
            if set {
                return Err(fail(
                    &["channel", key],
                    "applies to model = \"tdl\" only".into(),
                ));
            }
        }
        super::ofdm_time::build_phase_noise(s, None, fail)?;
        return Ok(None);
    };
    if !(o.carrier_ghz > 0.0 && o.carrier_ghz <= 300.0) {
        return Err(fail(
            &["ofdm", "carrier_ghz"],
            "expected 0 < f_c ≤ 300 GHz".into(),
        ));
    }
    let mu = (0..=6).find(|&m| (15.0 * 2f64.powi(m) - o.subcarrier_spacing_khz).abs() < 1e-9);
    let Some(mu) = mu else {
        return Err(fail(
            &["ofdm", "subcarrier_spacing_khz"],
            "expected 15, 30, 60, 120, 240, 480 or 960 (15 · 2^μ, μ = 0 … 6)".into(),
        ));
    };
    let subcarriers = match (o.num_subcarriers, o.prbs) {
        (Some(n), None) => n,
        (None, Some(p)) => 12 * p,
        (None, None) => {
            return Err(fail(&["ofdm"], "give `num_subcarriers` or `prbs`".into()));
        }
        (Some(_), Some(_)) => {
            return Err(fail(
                &["ofdm", "prbs"],
                "give `num_subcarriers` or `prbs`, not both".into(),
            ));
        }
    };
    if !(1..=3300).contains(&subcarriers) {
        return Err(fail(
            &["ofdm", "num_subcarriers"],
            "expected 1 ..= 3300 subcarriers (275 PRBs)".into(),
        ));
    }
    let [below, above] = o.guard_carriers;
    if below > 4096 || above > 4096 {
        return Err(fail(
            &["ofdm", "guard_carriers"],
            "expected [below, above] with 0 ..= 4096 empty subcarriers each".into(),
        ));
    }
    let width = grid_width(subcarriers, o.guard_carriers, o.dc_null);
    if o.dc_null && !(below..=below + subcarriers).contains(&(width / 2)) {
        return Err(fail(
            &["ofdm", "dc_null"],
            format!(
                "the DC (grid index {} of {width}) falls in a guard band; make guard_carriers \
                 more even or set dc_null = false",
                width / 2
            ),
        ));
    }
    let cp_fraction = match o.cyclic_prefix {
        CyclicPrefix::Normal => 144.0 / 2048.0,
        CyclicPrefix::Extended => 512.0 / 2048.0,
        CyclicPrefix::None => 0.0,
    };
    let expected_symbols = if o.cyclic_prefix == CyclicPrefix::Extended {
        if mu != 2 {
            return Err(fail(
                &["ofdm", "cyclic_prefix"],
                "the extended CP exists for 60 kHz only (TS 38.211 §4.2)".into(),
            ));
        }
        12
    } else {
        14
    };
    if o.symbols == 0 || o.symbols > expected_symbols {
        return Err(fail(
            &["ofdm", "symbols"],
            format!("expected 1 ..= {expected_symbols} OFDM symbols per slot"),
        ));
    }
    let time_domain = super::ofdm_time::build_time_domain(o, width, cp_fraction, fail)?;
    let p = &s.pilots;
    let (pilot_symbols, dmrs) = match p.pattern {
        PilotPattern::Kronecker => {
            let given = p.symbols.clone().unwrap_or_else(|| vec![2, 11]);
            let mut sorted = given.clone();
            sorted.sort_unstable();
            sorted.dedup();
            if sorted.len() != given.len() || sorted.iter().any(|&x| x >= o.symbols) {
                return Err(fail(
                    &["pilots", "symbols"],
                    format!("expected distinct symbol indices 0 ..= {}", o.symbols - 1),
                ));
            }
            (sorted, None)
        }
        PilotPattern::Dmrs => {
            if p.symbols.is_some() {
                return Err(fail(
                    &["pilots", "symbols"],
                    "DMRS symbols follow from type_a_position and additional_positions; remove `symbols`"
                        .into(),
                ));
            }
            if o.symbols != 14 || o.cyclic_prefix == CyclicPrefix::Extended {
                return Err(fail(
                    &["ofdm", "symbols"],
                    "DMRS positions are implemented for 14-symbol slots (normal CP)".into(),
                ));
            }
            if !matches!(p.dmrs_type, 1 | 2) {
                return Err(fail(&["pilots", "dmrs_type"], "expected 1 or 2".into()));
            }
            if o.transform_precoding && p.dmrs_type != 1 {
                return Err(fail(
                    &["pilots", "dmrs_type"],
                    "with transform precoding the DMRS is type 1 (TS 38.211 §6.4.1.1.3, its \
                     low-PAPR sequence on every other subcarrier)"
                        .into(),
                ));
            }
            let l0 = p.type_a_position;
            if !matches!(l0, 2 | 3) {
                return Err(fail(
                    &["pilots", "type_a_position"],
                    "expected 2 or 3".into(),
                ));
            }
            // TS 38.211 Table 7.4.1.1.2-3, PDSCH mapping type A, l_d = 14, single symbol.
            let symbols = match p.additional_positions {
                0 => vec![l0],
                1 => vec![l0, 11],
                2 => vec![l0, 7, 11],
                3 if l0 == 2 => vec![l0, 5, 8, 11],
                3 => {
                    return Err(fail(
                        &["pilots", "additional_positions"],
                        "3 additional positions need type_a_position = 2".into(),
                    ))
                }
                _ => {
                    return Err(fail(
                        &["pilots", "additional_positions"],
                        "expected 0, 1, 2 or 3".into(),
                    ))
                }
            };
            if p.n_id > 65535 {
                return Err(fail(&["pilots", "n_id"], "expected 0 ..= 65535".into()));
            }
            // Up to 4 layers: one CDM group each, or two ports per group (ports 1000-1003).
            (
                symbols,
                Some(DmrsSpec {
                    config_type: p.dmrs_type,
                    n_id: p.n_id,
                }),
            )
        }
    };
    let r = &s.receiver;
    let neural = r.kind == ReceiverKind::Neural;
    if (neural || r.estimator != Estimator::Perfect) && pilot_symbols.is_empty() {
        return Err(fail(
            &["pilots", "symbols"],
            "LS and LMMSE estimation and neural receivers need at least one pilot symbol".into(),
        ));
    }
    match (&r.weights, neural) {
        (None, true) => {
            return Err(fail(
                &["receiver", "weights"],
                "kind = \"neural\" needs `weights`: a model folder written by `ferrolink train`"
                    .into(),
            ))
        }
        (Some(_), false) => {
            return Err(fail(
                &["receiver", "weights"],
                "applies to kind = \"neural\" only".into(),
            ))
        }
        _ => {}
    }
    if r.extrapolation == Extrapolation::Linear && r.interpolation != Interpolation::Linear {
        return Err(fail(
            &["receiver", "extrapolation"],
            "extrapolation = \"linear\" continues linear interpolation; it needs \
             interpolation = \"linear\""
                .into(),
        ));
    }
    let a = &s.antennas;
    if !(1..=4).contains(&a.layers) {
        return Err(fail(
            &["antennas", "layers"],
            "expected 1 ..= 4 layers".into(),
        ));
    }
    let precoder = match a.precoding {
        PrecodingChoice::None => {
            if a.tx != a.layers {
                return Err(fail(
                    &["antennas", "tx"],
                    format!(
                        "expected tx = layers = {} without precoding (layer t is sent from \
                         antenna t); more ports than layers need precoding = \"codebook\" \
                         with a tpmi",
                        a.layers
                    ),
                ));
            }
            if a.tpmi.is_some() {
                return Err(fail(
                    &["antennas", "tpmi"],
                    "applies to precoding = \"codebook\" only".into(),
                ));
            }
            None
        }
        PrecodingChoice::Codebook => Some(codebook_precoder(a, ch, fail)?),
    };
    if !(a.layers..=8).contains(&a.rx) {
        return Err(fail(
            &["antennas", "rx"],
            format!(
                "expected {} ..= 8 receive antennas (at least one per layer)",
                a.layers
            ),
        ));
    }
    if !(a.spacing > 0.0 && a.spacing <= 100.0) {
        return Err(fail(
            &["antennas", "spacing"],
            "expected 0 < spacing ≤ 100 wavelengths".into(),
        ));
    }
    if ch.normalize.is_some() && !ch.model.is_ofdm_fading() {
        return Err(fail(
            &["channel", "normalize"],
            "applies to fading models only (\"tdl\", \"cdl\", \"uma\", \"umi\", \"rma\", \"inh\")"
                .into(),
        ));
    }
    if ch.direction.is_some() && !ch.model.has_arrays() {
        return Err(fail(&["channel", "direction"], ARRAYS_ONLY.into()));
    }
    for (key, pol, ports) in [
        ("tx_polarization", a.tx_polarization, a.tx),
        ("rx_polarization", a.rx_polarization, a.rx),
    ] {
        if pol == PolarizationChoice::V {
            continue;
        }
        if !ch.model.has_arrays() {
            return Err(fail(
                &["antennas", key],
                format!("dual polarization {ARRAYS_ONLY}"),
            ));
        }
        if ports % 2 != 0 {
            return Err(fail(
                &["antennas", key],
                format!("dual polarization has two ports per element: {ports} ports must be even"),
            ));
        }
    }
    for (key, rows, pol, ports) in [
        ("tx_rows", a.tx_rows, a.tx_polarization, a.tx),
        ("rx_rows", a.rx_rows, a.rx_polarization, a.rx),
    ] {
        let elements = if pol == PolarizationChoice::V {
            ports
        } else {
            ports / 2
        };
        if rows == 0 || elements % rows != 0 {
            return Err(fail(
                &["antennas", key],
                format!("expected a divisor of the {elements} elements (rows × columns)"),
            ));
        }
        if rows > 1 && !ch.model.has_arrays() {
            return Err(fail(
                &["antennas", key],
                format!("a panel (rows > 1) {ARRAYS_ONLY}"),
            ));
        }
    }
    for (key, value) in [
        ("tx_correlation", a.tx_correlation),
        ("rx_correlation", a.rx_correlation),
    ] {
        let Some(x) = value else { continue };
        if ch.model != ChannelModel::Tdl {
            return Err(fail(
                &["antennas", key],
                "spatial correlation applies to model = \"tdl\" only (CDL correlation comes \
                 from the arrays and the clusters' angles)"
                    .into(),
            ));
        }
        if !(0.0..1.0).contains(&x) {
            return Err(fail(
                &["antennas", key],
                "expected 0 ≤ correlation < 1".into(),
            ));
        }
    }
    let c = [
        a.tx_correlation.unwrap_or(0.0),
        a.rx_correlation.unwrap_or(0.0),
    ];
    let correlation = c.iter().any(|&x| x > 0.0).then_some(c);
    let (tdl, cdl) = super::fading_profile::build_tdl_cdl(s, o, fail)?;
    let ptrs = super::ptrs::build_ptrs(
        s,
        o,
        subcarriers,
        &pilot_symbols,
        dmrs.as_ref(),
        a.layers,
        fail,
    )?;
    let ptrs_res = ptrs.as_ref().map_or(0, PtrsSpec::res);
    let data_res = ((o.symbols - pilot_symbols.len()) * subcarriers - ptrs_res) * a.layers;
    let codewords = data_res / symbols_per_codeword.max(1);
    if codewords == 0 {
        return Err(fail(
            &["code", "info_bits"],
            format!(
                "a code word needs {symbols_per_codeword} resource elements; the slot has \
                 {data_res} for data"
            ),
        ));
    }
    if o.transform_precoding {
        let key = ["ofdm", "transform_precoding"];
        if a.layers != 1 {
            return Err(fail(
                &key,
                format!(
                    "DFT-s-OFDM carries one layer (TS 38.211 §6.3.1.4); this slot has layers = {}",
                    a.layers
                ),
            ));
        }
        if !crate::link::dft_s_ofdm_width(subcarriers) {
            let prbs = subcarriers / 12;
            let ok = |n: &usize| crate::link::dft_s_ofdm_width(12 * n);
            let below = (1..=prbs).rev().find(ok).unwrap_or(1);
            let above = (prbs.max(1)..).find(ok).unwrap_or(1);
            return Err(fail(
                &key,
                format!(
                    "transform precoding spreads M = 12 · n_PRB subcarriers with n_PRB = 2^a · \
                     3^b · 5^c (TS 38.211 §6.3.1.4); {subcarriers} subcarriers are not: use prbs \
                     = {below} or {above}"
                ),
            ));
        }
        if neural {
            return Err(fail(
                &key,
                "transform precoding is not built for the neural receiver".into(),
            ));
        }
    }
    Ok(Some(OfdmSpec {
        carrier_hz: o.carrier_ghz * 1e9,
        subcarrier_spacing_hz: o.subcarrier_spacing_khz * 1e3,
        subcarriers,
        guard_carriers: o.guard_carriers,
        dc_null: o.dc_null,
        transform_precoding: o.transform_precoding,
        symbols: o.symbols,
        cp_fraction,
        mean_cp_fraction: match o.cyclic_prefix {
            CyclicPrefix::Normal => 1.0 / 14.0,
            _ => cp_fraction,
        },
        time_domain,
        phase_noise: super::ofdm_time::build_phase_noise(
            s,
            Some((
                time_domain,
                o.subcarrier_spacing_khz * 1e3,
                o.carrier_ghz * 1e9,
            )),
            fail,
        )?,
        pilot_symbols,
        dmrs,
        ptrs,
        rx_antennas: a.rx,
        layers: a.layers,
        tx_ports: a.tx,
        precoder,
        correlation,
        tdl,
        cdl,
        stochastic: super::stochastic::build_stochastic(s, o.carrier_ghz, fail)?,
        antenna_pattern: a.pattern,
        antenna_spacing: a.spacing,
        tx_rows: a.tx_rows,
        rx_rows: a.rx_rows,
        tx_polarization: a.tx_polarization,
        rx_polarization: a.rx_polarization,
        uplink: ch.direction == Some(LinkDirection::Uplink),
        normalize: ch.normalize == Some(true),
        estimator: r.estimator,
        interpolation: r.interpolation,
        extrapolation: r.extrapolation,
        equalizer: r.equalizer,
        kbest_paths: r.kbest_paths.unwrap_or(0),
        kbest_llr_clip: r.kbest_llr_clip.unwrap_or(DEFAULT_KBEST_LLR_CLIP) as f32,
        neural_weights: r.weights.clone(),
        codewords,
    }))
}

/// The TS 38.211 §6.3.1.5 precoding matrix `[antennas] precoding = "codebook"` asks for.
fn codebook_precoder(
    a: &AntennasConfig,
    ch: &ChannelConfig,
    fail: &Fail,
) -> Result<Precoder, ScenarioError> {
    if a.tx != 2 && a.tx != 4 {
        return Err(fail(
            &["antennas", "tx"],
            format!(
                "codebook precoding (TS 38.211 §6.3.1.5) needs tx = 2 or 4 antenna ports (got {})",
                a.tx
            ),
        ));
    }
    let Some((table, count)) = tpmi_range(a.tx, a.layers) else {
        return Err(fail(
            &["antennas", "layers"],
            format!("expected 1 ..= {} layers on {} ports", a.tx, a.tx),
        ));
    };
    let Some(tpmi) = a.tpmi else {
        return Err(fail(
            &["antennas", "tpmi"],
            format!(
                "precoding = \"codebook\" needs a tpmi: 0 ..= {} for {} layer(s) on {} ports \
                 (TS 38.211 Table {table})",
                count - 1,
                a.layers,
                a.tx
            ),
        ));
    };
    let Some(w) = precoder(a.tx, a.layers, tpmi) else {
        return Err(fail(
            &["antennas", "tpmi"],
            format!(
                "expected 0 ..= {} for {} layer(s) on {} ports (TS 38.211 Table {table})",
                count - 1,
                a.layers,
                a.tx
            ),
        ));
    };
    if ch.model == ChannelModel::Awgn {
        return Err(fail(
            &["antennas", "precoding"],
            "codebook precoding needs a fading channel between the ports and the receive \
             antennas: model = \"tdl\" or \"cdl\""
                .into(),
        ));
    }
    if ch.normalize == Some(true) {
        return Err(fail(
            &["channel", "normalize"],
            "per-slot normalization is not implemented with codebook precoding".into(),
        ));
    }
    Ok(w)
}
