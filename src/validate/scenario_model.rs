//! `validate`'s lines for a TR 38.901 scenario model: geometry, LSPs, path loss and the
//! link budget.

use std::fmt::Write;

/// `validate`'s lines for a TR 38.901 scenario model: geometry, the drawn condition's
/// probability, and each condition's resolved LSP medians.
pub(super) fn scenario_model_lines(
    o: &sim_core::link::OfdmSpec,
    st: &sim_core::link::StochasticSpec,
    m: &channels::stochastic::StochasticModel,
    out: &mut String,
) {
    let _ = writeln!(
        out,
        "scenario   TR 38.901 §7.5 {:?} {:?}: d_2D {} m, BS {} m, UE {} m at azimuth {}° of the \
         BS boresight, max Doppler {:.1} Hz, {}; arrays of {:?} elements {} λ apart; a new drop \
         of LSPs and clusters every slot{}{}",
        st.scenario,
        st.condition,
        st.distance_2d_m,
        st.bs_height_m,
        st.ue_height_m,
        st.ue_azimuth_deg,
        st.doppler_hz,
        if o.uplink { "uplink" } else { "downlink" },
        o.antenna_pattern,
        o.antenna_spacing,
        if st.pathloss.is_some() {
            ""
        } else {
            " (no path loss or shadowing)"
        },
        match &m.los_probability {
            Some((p, _)) => format!("; LOS in a share {p:.3} of the slots (Table 7.4.2-1)"),
            None => String::new(),
        }
    );
    let median = |ms: [f64; 2]| 10f64.powf(ms[0]);
    let mut sets = vec![("", &m.params)];
    if let Some((_, nlos)) = &m.los_probability {
        sets = vec![("LOS: ", &m.params), ("NLOS: ", nlos)];
    }
    for (label, p) in sets {
        let _ = writeln!(
            out,
            "lsp        {label}medians DS {:.1} ns, ASD {:.1}°, ASA {:.1}°, ZSD {:.1}°, ZSA {:.1}° \
             (log10 σ {:.2}, {:.2}, {:.2}, {:.2}, {:.2}){}; {} clusters, r_τ {}, c_DS {:.2} ns, \
             ZOD offset {:.2}°, XPR {} ± {} dB",
            median(p.ds) * 1e9,
            median(p.asd),
            median(p.asa),
            median(p.zsd),
            median(p.zsa),
            p.ds[1],
            p.asd[1],
            p.asa[1],
            p.zsd[1],
            p.zsa[1],
            if p.sqrt_corr.len() == 6 {
                format!(", K {} ± {} dB", p.k_db[0], p.k_db[1])
            } else {
                String::new()
            },
            p.clusters,
            p.r_tau,
            p.c_ds_s * 1e9,
            p.zod_offset_deg,
            p.xpr_db[0],
            p.xpr_db[1],
        );
    }
    if let Some(pl) = st.pathloss {
        pathloss_lines(o, st, m, &pl, out);
    }
}

/// The path loss, shadow fading and link budget of a scenario model with `pathloss`.
fn pathloss_lines(
    o: &sim_core::link::OfdmSpec,
    st: &sim_core::link::StochasticSpec,
    m: &channels::stochastic::StochasticModel,
    pl: &sim_core::link::PathLossSpec,
    out: &mut String,
) {
    use sim_core::pathloss::{los_db, nlos_db};
    let g = st.geometry();
    let fc = o.carrier_hz / 1e9;
    let sigma = |p: &channels::tr38901_lsp::LspParams| match p.sigma_sf_los_db {
        Some([near, far]) => format!("{near}/{far} (before/after the breakpoint)"),
        None => format!("{}", p.sigma_sf_db),
    };
    let mut sf = sigma(&m.params);
    if let Some((_, nlos)) = &m.los_probability {
        sf = format!("{sf} (LOS), {} (NLOS)", sigma(nlos));
    }
    let o2i = if st.condition == sim_core::scenario::schema::PropagationCondition::O2i {
        format!(
            ", O2I {}-loss wall {:.1} dB + 0.5·d_2D-in + N(0, {}²)",
            match pl.o2i_loss {
                sim_core::scenario::schema::O2iLoss::Low => "low",
                sim_core::scenario::schema::O2iLoss::High => "high",
            },
            pl.o2i_loss.wall_db(fc),
            pl.o2i_loss.sigma_db()
        )
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "pathloss   TR 38.901 Table 7.4.1-1 at {fc} GHz: LOS {:.1} dB, NLOS {:.1} dB{o2i}; \
         reference loss {:.1} dB; shadow fading σ {sf} dB, correlated with the LSPs; each \
         slot's channel power is 10^(−(loss − reference)/10), so the SNR axis is the SNR at \
         the reference loss",
        los_db(st.site(), fc, &g, 1.0),
        nlos_db(st.site(), fc, &g, 1.0),
        pl.reference_db,
    );
    if let Some(noise) = pl.noise_dbm {
        let _ = writeln!(
            out,
            "budget     noise {noise:.1} dBm over {:.2} MHz (−174 dBm/Hz + noise figure): \
             transmit power (dBm) = SNR (dB) {:+.1} dB",
            o.subcarriers as f64 * o.subcarrier_spacing_hz / 1e6,
            pl.reference_db + noise
        );
    }
}
