//! `[code] mcs = I`: an NR transport block per OFDM slot. The MCS table (TS 38.214 §5.1.3.1;
//! with transform precoding §6.1.4.1's, their q rows per `tp_pi2bpsk`) gives the modulation
//! and target code rate, the TBS determination (§5.1.3.2) the payload A
//! from the slot's PRBs, symbols, pilot overhead and layers, and the transport block fills
//! every data resource element of the slot (G = data REs · Q_m), segmented into LDPC code
//! blocks as TS 38.212 does.

use super::location::ScenarioError;
use super::resolve::{ldpc_coding, link_spec, Fail, TbRequest};
use super::schema::*;
use crate::link::LinkSpec;
use crate::mcs::{
    mcs_entry, tbs_lbrm, transport_block_size_scaled, TbsResources, SUBCARRIERS_PER_PRB,
    TB_SCALINGS,
};
use crate::qam::Modulation;

/// The link of an MCS scenario (see the module header).
pub(super) fn mcs_link(
    s: &Scenario,
    mcs: usize,
    fail: &Fail,
    set: &dyn Fn(&[&str]) -> bool,
) -> Result<LinkSpec, ScenarioError> {
    let c = &s.code;
    let tp = s.ofdm.as_ref().is_some_and(|o| o.transform_precoding);
    let (table, entry) = mcs_entry(c.mcs_table, mcs, tp, c.tp_pi2bpsk);
    let n = table.entries().len();
    let entry = entry.ok_or_else(|| {
        fail(
            &["code", "mcs"],
            format!(
                "expected an MCS index 0 ..= {} of TS 38.214 {} (mcs_table = \"{}\"{}; {n} ..= \
                 31 are reserved for retransmissions)",
                n - 1,
                table.spec_table(),
                c.mcs_table.name(),
                if tp { " with transform precoding" } else { "" }
            ),
        )
    })?;
    for key in ["info_bits", "rate", "coded_bits"] {
        if set(&["code", key]) {
            return Err(fail(
                &["code", key],
                format!(
                    "`mcs` sets the payload (the TBS of TS 38.214 §5.1.3.2) and the code rate: \
                     remove `{key}`"
                ),
            ));
        }
    }
    if c.kind == CodeKind::None {
        return Err(fail(
            &["code", "kind"],
            "`mcs` needs kind = \"ldpc\"".into(),
        ));
    }
    let m = match entry.qm {
        1 => Modulation::Pi2Bpsk,
        2 => Modulation::Qpsk,
        4 => Modulation::Qam16,
        6 => Modulation::Qam64,
        8 => Modulation::Qam256,
        _ => Modulation::Qam1024,
    };
    if set(&["modulation", "scheme"]) && s.modulation.scheme != m {
        return Err(fail(
            &["modulation", "scheme"],
            format!(
                "MCS {mcs} of {} is {}: remove `scheme` or set it to \"{}\"",
                table.spec_table(),
                m.name(),
                m.name()
            ),
        ));
    }
    if ![0, 6, 12, 18].contains(&c.overhead_per_prb) {
        return Err(fail(
            &["code", "overhead_per_prb"],
            "expected xOverhead 0, 6, 12 or 18 resource elements per PRB (TS 38.214 §5.1.3.2)"
                .into(),
        ));
    }
    if s.ofdm.is_none() {
        return Err(fail(
            &["code", "mcs"],
            "`mcs` needs an OFDM slot ([ofdm]; channel model = \"awgn\" for an AWGN link): the \
             TBS depends on its PRBs, symbols and pilots"
                .into(),
        ));
    }
    // The slot's layout (one resource element per code word for now: the count is set below).
    let mut ofdm = super::ofdm::build_ofdm(s, 1, fail)?.expect("an [ofdm] section");
    if !ofdm.subcarriers.is_multiple_of(SUBCARRIERS_PER_PRB) {
        return Err(fail(
            &["ofdm", "num_subcarriers"],
            format!(
                "`mcs` needs whole PRBs: {} subcarriers are not a multiple of 12 (or give prbs = N)",
                ofdm.subcarriers
            ),
        ));
    }
    // Pilot symbols carry no data in this simulator, so each takes all 12 resource elements
    // of a PRB (N_DMRS^PRB counts DMRS with the CDM groups without data).
    let res = TbsResources {
        prbs: ofdm.subcarriers / SUBCARRIERS_PER_PRB,
        symbols: ofdm.symbols,
        dmrs_per_prb: SUBCARRIERS_PER_PRB * ofdm.pilot_symbols.len(),
        overhead_per_prb: c.overhead_per_prb,
        layers: ofdm.layers,
    };
    let no_room = || {
        fail(
            &["code", "mcs"],
            "the slot has no resource element for data after pilots and overhead".into(),
        )
    };
    if !TB_SCALINGS.contains(&c.tb_scaling) {
        return Err(fail(
            &["code", "tb_scaling"],
            "expected a TB scaling S of TS 38.214 Table 5.1.3.2-2: 1, 0.5 or 0.25".into(),
        ));
    }
    let a = transport_block_size_scaled(entry, &res, c.tb_scaling).ok_or_else(no_room)?;
    // Rate-matched around the PT-RS (TS 38.212 §7.3.1: G counts the REs that carry data).
    let data_res = ofdm.data_res() * ofdm.layers;
    let qm = entry.qm;
    let g = data_res * qm;
    if g == 0 {
        return Err(no_room());
    }
    if a as f64 / g as f64 > 0.95 {
        return Err(fail(
            &["code", "mcs"],
            format!(
                "TBS {a} bits in {g} coded bits is rate {:.3} > 0.95 (xOverhead lowers the TBS)",
                a as f64 / g as f64
            ),
        ));
    }
    // The base graph follows the MCS's target rate (TS 38.212 §7.2.2), as in NR; the TB
    // spans every layer (E_r in whole symbols of all N_L layers); TBS_LBRM takes the slot's
    // PRBs and layers as the largest bandwidth part's and maxMIMO-Layers.
    let tb = TbRequest {
        a,
        g,
        qm,
        rate: entry.rate(),
        layers: ofdm.layers,
        tbs_lbrm: Some(tbs_lbrm(table, res.prbs, ofdm.layers)),
    };
    let coding = ldpc_coding(s, tb, fail, &["code", "mcs"])?;
    ofdm.codewords = 1;
    Ok(link_spec(s, a, g, coding, m, Some(ofdm)))
}

#[cfg(test)]
mod tests {
    use crate::link::Coding;
    use crate::qam::Modulation;
    use crate::scenario::resolve;

    const SLOT: &str = r#"
name = "t"
[code]
mcs = 13
[ofdm]
carrier_ghz = 3.5
subcarrier_spacing_khz = 30
prbs = 24
[pilots]
pattern = "dmrs"
additional_positions = 1
[channel]
model = "tdl"
profile = "A"
[sweep]
snr_db = [8.0]
"#;

    /// MCS 13 of Table 5.1.3.1-1 (16-QAM, 490/1024) on 24 PRBs with two DMRS symbols:
    /// N_RE = 144 · 24 = 3456, N_info = 6615 → TBS 6528 (worked in `mcs::tests`' way), one
    /// transport block filling the 12 · 288 data resource elements, on BG1 (A > 3824 at a
    /// target rate above 1/4).
    #[test]
    fn mcs_slot_resolves_to_its_tbs() {
        let r = resolve(SLOT, "s.toml").unwrap();
        let l = &r.link;
        assert_eq!(l.modulation, Modulation::Qam16);
        assert_eq!(
            (l.info_bits, l.coded_bits, l.codewords()),
            (6528, 12 * 288 * 4, 1)
        );
        let Coding::Ldpc { params, .. } = &l.coding else {
            panic!("coded")
        };
        assert_eq!(params.base_graph, crate::ldpc::BaseGraphId::Bg1);
        // xOverhead 18: N'_RE = 126, N_info = 126 · 24 · 490/1024 · 4 = 5788.1 → 5760.
        let oh = SLOT.replace("mcs = 13", "mcs = 13\noverhead_per_prb = 18");
        assert_eq!(resolve(&oh, "s.toml").unwrap().link.info_bits, 5760);
        // TB scaling (Table 5.1.3.2-2): S = 0.5 gives N_info = 3307.5 → n = 5, N'_info =
        // 3296 → TBS 3368 (Table 5.1.3.2-1); S = 0.25: 1653.75 → n = 4, 1648 → 1672.
        for (s, want) in [(0.5, 3368), (0.25, 1672)] {
            let text = SLOT.replace("mcs = 13", &format!("mcs = 13\ntb_scaling = {s}"));
            let l = resolve(&text, "s.toml").unwrap().link;
            assert_eq!((l.info_bits, l.coded_bits), (want, 12 * 288 * 4), "S = {s}");
        }
        let x = resolve(
            &SLOT.replace("mcs = 13", "mcs = 13\ntb_scaling = 0.3"),
            "s.toml",
        )
        .expect_err("S = 0.3");
        assert_eq!(x.key, "code.tb_scaling");
        assert!(x.message.contains("1, 0.5 or 0.25"), "{x}");
        let plain = SLOT.replace("mcs = 13", "info_bits = 1000\ntb_scaling = 0.5");
        let x = resolve(&plain, "s.toml").expect_err("without mcs");
        assert_eq!(x.key, "code.tb_scaling");
    }

    /// With transform precoding the MCS comes from Table 6.1.4.1-1: MCS 0 under tp-pi2BPSK
    /// is π/2-BPSK at 240/1024 (N_info = 3456 · 0.2344 = 810 → TBS 808), QPSK at 120/1024
    /// without (the same TBS); MCS 17 is 64-QAM at 466/1024 where Table 5.1.3.1-1 has 438.
    #[test]
    fn transform_precoding_uses_table_6_1_4_1_1() {
        let tp = |code: &str| {
            let text = SLOT
                .replace("mcs = 13", code)
                .replace("prbs = 24", "prbs = 24\ntransform_precoding = true")
                .replace(
                    "additional_positions = 1",
                    "additional_positions = 1\n[antennas]\nrx = 2",
                );
            resolve(&text, "s.toml")
                .unwrap_or_else(|e| panic!("{e}"))
                .link
        };
        let l = tp("mcs = 0\ntp_pi2bpsk = true");
        assert_eq!(
            (l.modulation, l.info_bits, l.coded_bits),
            (Modulation::Pi2Bpsk, 808, 3456)
        );
        let l = tp("mcs = 0");
        assert_eq!((l.modulation, l.info_bits), (Modulation::Qpsk, 808));
        let l = tp("mcs = 17");
        assert_eq!(l.modulation, Modulation::Qam64);
        let plain = resolve(&SLOT.replace("mcs = 13", "mcs = 18"), "s.toml")
            .unwrap()
            .link;
        assert_eq!(
            l.info_bits, plain.info_bits,
            "466/1024 is MCS 18 of Table 5.1.3.1-1"
        );
    }

    /// The widest slot: 273 PRBs, 4 layers, one DMRS symbol, with the `[code]` lines `mcs`.
    fn peak_slot(mcs: &str) -> String {
        SLOT.replace("mcs = 13", mcs)
            .replace("prbs = 24", "prbs = 273")
            .replace("additional_positions = 1", "additional_positions = 0")
            + "[antennas]\ntx = 4\nrx = 4\nlayers = 4\n"
    }

    /// The NR peak: 273 PRBs, 256-QAM MCS 27, 4 layers, one DMRS symbol → TBS 1 277 992 in
    /// 152 code blocks.
    #[test]
    fn peak_rate_slot() {
        let text = peak_slot("mcs = 27\nmcs_table = \"qam256\"");
        let r = resolve(&text, "s.toml").unwrap();
        assert_eq!(r.link.info_bits, 1_277_992);
        let Coding::Ldpc { params, .. } = &r.link.coding else {
            panic!("coded")
        };
        assert_eq!(params.num_code_blocks, 152);
        assert_eq!(r.link.modulation, Modulation::Qam256);
        // TS 38.212 §5.4.2.1 on N_L = 4 layers: G/(N_L·Q_m) = 13 · 3276 = 42588 symbols per
        // layer, 42588 mod 152 = 28 → 124 code blocks of 32 · 280 bits, 28 of 32 · 281.
        assert_eq!(params.layers, 4);
        assert_eq!(params.e[..124], [8960; 124]);
        assert_eq!(params.e[124..], [8992; 28]);
        assert_eq!(params.ncb, params.n);
        // LBRM: TBS_LBRM = 1 277 992 too, N_ref = ⌊3 · 1 277 992 / (2 · 152)⌋ = 12 611 < N.
        let limited = text.replace("mcs = 27", "mcs = 27\nlbrm = true");
        let r = resolve(&limited, "s.toml").unwrap();
        let Coding::Ldpc { params, .. } = &r.link.coding else {
            panic!("coded")
        };
        assert_eq!((params.n, params.ncb), (25344, 12611));
    }

    /// Table 5.1.3.1-4: 1024-QAM MCS 26 on the peak slot (273 PRBs, 4 layers, one DMRS
    /// symbol): N_info = 156 · 273 · 948/1024 · 10 · 4 = 1 577 086.9, n = 15, N'_info =
    /// 2^15 · 48 = 1 572 864, C = 187, TBS = 8 · 187 · ⌈1 572 888 / 1496⌉ − 24 = 1 573 768.
    #[test]
    fn qam1024_table_slot() {
        let text = peak_slot("mcs = 26\nmcs_table = \"qam1024\"");
        let r = resolve(&text, "s.toml").unwrap();
        assert_eq!(r.link.modulation, Modulation::Qam1024);
        assert_eq!(r.link.info_bits, 1_573_768);
        let Coding::Ldpc { params, .. } = &r.link.coding else {
            panic!("coded")
        };
        assert_eq!(params.num_code_blocks, 187);
        let x = resolve(&text.replace("mcs = 26", "mcs = 27"), "s.toml").unwrap_err();
        assert!(x.message.contains("0 ..= 26"), "{x}");
    }

    /// Limited-buffer keys: `n_ref` on any LDPC link, `lbrm` with `mcs` only, not both;
    /// an N_ref below the systematic bits or an uncoded link is refused at the key.
    #[test]
    fn limited_buffer_keys() {
        let plain = "name = \"t\"\n[code]\ninfo_bits = 1024\nrate = 0.5\n[sweep]\nsnr_db = [1.0]\n";
        let with = |extra: &str| plain.replace("rate = 0.5", &format!("rate = 0.5\n{extra}"));
        let r = resolve(&with("n_ref = 3000"), "s.toml").unwrap();
        let Coding::Ldpc { params, .. } = &r.link.coding else {
            panic!("coded")
        };
        assert_eq!((params.n, params.ncb), (5200, 3000));
        // One code block of MCS 13 on 24 PRBs: N_ref = ⌊3 · 27656 / 2⌋ exceeds N.
        let r = resolve(&SLOT.replace("mcs = 13", "mcs = 13\nlbrm = true"), "s.toml").unwrap();
        let Coding::Ldpc { params, .. } = &r.link.coding else {
            panic!("coded")
        };
        assert_eq!(params.ncb, params.n);
        let e = |text: &str| resolve(text, "s.toml").expect_err("must be rejected");
        let x = e(&with("lbrm = true"));
        assert_eq!(x.key, "code.lbrm");
        assert!(
            x.message.contains("mcs") && x.message.contains("n_ref"),
            "{x}"
        );
        let x = e(&SLOT.replace("mcs = 13", "mcs = 13\nlbrm = true\nn_ref = 9000"));
        assert_eq!(x.key, "code.n_ref");
        let x = e(&with("n_ref = 100"));
        assert_eq!(x.key, "code.n_ref");
        assert!(x.message.contains("systematic"), "{x}");
        let x = e(&plain.replace("rate = 0.5", "kind = \"none\"\nn_ref = 3000"));
        assert_eq!(x.key, "code.n_ref");
    }

    #[test]
    fn mcs_errors_name_the_key_and_what_is_accepted() {
        let e = |text: &str| resolve(text, "s.toml").expect_err("must be rejected");
        let x = e(&SLOT.replace("mcs = 13", "mcs = 29"));
        assert_eq!(x.key, "code.mcs");
        assert!(
            x.message.contains("0 ..= 28") && x.message.contains("5.1.3.1-1"),
            "{x}"
        );
        let x = e(&SLOT.replace("mcs = 13", "mcs = 28\nmcs_table = \"qam256\""));
        assert!(x.message.contains("0 ..= 27"), "{x}");
        let x = e(&SLOT.replace("mcs = 13", "mcs = 13\ninfo_bits = 1000"));
        assert_eq!(x.key, "code.info_bits");
        let x = e(&SLOT.replace("mcs = 13", "mcs = 13\nrate = 0.5"));
        assert_eq!(x.key, "code.rate");
        let x = e(&(SLOT.to_string() + "[modulation]\nscheme = \"64qam\"\n"));
        assert_eq!(x.key, "modulation.scheme");
        assert!(x.message.contains("16qam"), "{x}");
        // The same modulation spelled out is fine.
        let same = SLOT.to_string() + "[modulation]\nscheme = \"16qam\"\n";
        assert!(resolve(&same, "s.toml").is_ok());
        let x = e(&SLOT.replace("mcs = 13", "mcs = 13\noverhead_per_prb = 5"));
        assert_eq!(x.key, "code.overhead_per_prb");
        let x = e(&SLOT.replace("prbs = 24", "num_subcarriers = 100"));
        assert_eq!(x.key, "ofdm.num_subcarriers");
        let x = e(&SLOT.replace("mcs = 13", "info_bits = 100\nmcs_table = \"qam256\""));
        assert_eq!(x.key, "code.mcs_table");
        let single =
            "name = \"t\"\n[code]\nmcs = 3\n[channel]\nmodel = \"awgn\"\n[sweep]\nsnr_db = [1.0]\n";
        let x = e(single);
        assert_eq!(x.key, "code.mcs");
        assert!(x.message.contains("[ofdm]"), "{x}");
        let x = e(&SLOT.replace("mcs = 13", "mcs = 13\nkind = \"none\""));
        assert_eq!(x.key, "code.kind");
    }
}
