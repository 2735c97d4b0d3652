//! TS 38.214 §5.1.3: the MCS index tables (modulation order and target code rate per MCS
//! index, `data/ts38214_mcs_tables.csv`; with PUSCH transform precoding those of §6.1.4.1) and the transport block size determination of
//! §5.1.3.2 (Table 5.1.3.2-1 in `data/ts38214_tbs_table.csv`).

use crate::data::data_fields;
use serde::{Deserialize, Serialize};

const MCS_TABLES: &str = include_str!("../data/ts38214_mcs_tables.csv");
const TBS_TABLE: &str = include_str!("../data/ts38214_tbs_table.csv");

/// Subcarriers per resource block.
pub const SUBCARRIERS_PER_PRB: usize = 12;

/// An MCS index table of TS 38.214 §5.1.3.1 (PDSCH; PUSCH with transform precoding disabled
/// uses the same tables, §6.1.4.1), or one of §6.1.4.1's for PUSCH with transform precoding
/// (chosen by [`McsTable::with_transform_precoding`], not spelled in a scenario).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum McsTable {
    /// Table 5.1.3.1-1 (up to 64-QAM).
    #[default]
    Qam64,
    /// Table 5.1.3.1-2 (up to 256-QAM).
    Qam256,
    /// Table 5.1.3.1-3 (64-QAM, low spectral efficiency).
    Qam64LowSe,
    /// Table 5.1.3.1-4 (up to 1024-QAM).
    Qam1024,
    /// Table 6.1.4.1-1 (PUSCH with transform precoding, up to 64-QAM, π/2-BPSK rows).
    #[serde(skip_deserializing)]
    Qam64Tp,
    /// Table 6.1.4.1-2 (the same, low spectral efficiency).
    #[serde(skip_deserializing)]
    Qam64LowSeTp,
}

impl McsTable {
    /// The scenario spelling.
    pub fn name(self) -> &'static str {
        match self {
            McsTable::Qam64 => "qam64",
            McsTable::Qam256 => "qam256",
            McsTable::Qam64LowSe => "qam64-low-se",
            McsTable::Qam1024 => "qam1024",
            McsTable::Qam64Tp => "qam64-tp",
            McsTable::Qam64LowSeTp => "qam64-low-se-tp",
        }
    }

    /// The table TS 38.214 §6.1.4.1 uses for PUSCH with transform precoding when this one is
    /// configured (mcs-TableTransformPrecoder): Table 6.1.4.1-1 for the default 64-QAM table,
    /// 6.1.4.1-2 for the low-spectral-efficiency one; the 256- and 1024-QAM tables stay.
    pub fn with_transform_precoding(self) -> Self {
        match self {
            McsTable::Qam64 => McsTable::Qam64Tp,
            McsTable::Qam64LowSe => McsTable::Qam64LowSeTp,
            other => other,
        }
    }

    /// The table's number in TS 38.214.
    pub fn spec_table(self) -> &'static str {
        match self {
            McsTable::Qam64 => "Table 5.1.3.1-1",
            McsTable::Qam256 => "Table 5.1.3.1-2",
            McsTable::Qam64LowSe => "Table 5.1.3.1-3",
            McsTable::Qam1024 => "Table 5.1.3.1-4",
            McsTable::Qam64Tp => "Table 6.1.4.1-1",
            McsTable::Qam64LowSeTp => "Table 6.1.4.1-2",
        }
    }

    /// Every entry of the table, in MCS index order (the reserved indices left out). The
    /// q rows of Tables 6.1.4.1-1/-2 come as their q = 1 (π/2-BPSK) form: see
    /// [`McsEntry::with_q`].
    pub fn entries(self) -> Vec<McsEntry> {
        data_fields(MCS_TABLES)
            .filter(|f| f[0] == self.name())
            .map(|f| McsEntry {
                qm: f[2].parse().expect("Q_m in the MCS table"),
                rate_x1024: f[3].parse().expect("rate in the MCS table"),
            })
            .collect()
    }

    /// The entry of MCS index `mcs`, or `None` past the table (or a reserved index).
    pub fn entry(self, mcs: usize) -> Option<McsEntry> {
        self.entries().get(mcs).copied()
    }
}

/// The table and the entry of MCS index `mcs` (`None` past the table) for the configured
/// table: with transform precoding §6.1.4.1's ([`McsTable::with_transform_precoding`]), its q
/// rows with q = 1 under tp-pi2BPSK and 2 without ([`McsEntry::with_q`]).
pub fn mcs_entry(
    configured: McsTable,
    mcs: usize,
    transform_precoding: bool,
    tp_pi2bpsk: bool,
) -> (McsTable, Option<McsEntry>) {
    let table = match transform_precoding {
        true => configured.with_transform_precoding(),
        false => configured,
    };
    let q = if tp_pi2bpsk { 1 } else { 2 };
    (table, table.entry(mcs).map(|e| e.with_q(q)))
}

/// One row of an MCS table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct McsEntry {
    /// Modulation order (bits per symbol).
    pub qm: usize,
    /// Target code rate R times 1024 (682.5 and 916.5 are not integers).
    pub rate_x1024: f64,
}

impl McsEntry {
    /// A row of Table 6.1.4.1-1/-2 whose Q_m is q: Q_m = q, R·1024 = r/q (q = 1 with
    /// tp-pi2BPSK, π/2-BPSK; q = 2 without, QPSK at half the rate). Other rows as they are.
    pub fn with_q(self, q: usize) -> Self {
        match self.qm {
            1 => McsEntry {
                qm: q,
                rate_x1024: self.rate_x1024 / q as f64,
            },
            _ => self,
        }
    }

    /// The target code rate R.
    pub fn rate(&self) -> f64 {
        self.rate_x1024 / 1024.0
    }
}

/// The resources one transport block is sent on, for the TBS of §5.1.3.2.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TbsResources {
    /// n_PRB: allocated resource blocks.
    pub prbs: usize,
    /// N_symb^sh: OFDM symbols of the allocation in the slot.
    pub symbols: usize,
    /// N_DMRS^PRB: resource elements per PRB taken by DMRS (with CDM groups without data).
    pub dmrs_per_prb: usize,
    /// N_oh^PRB: the higher-layer overhead per PRB (xOverhead: 0, 6, 12 or 18).
    pub overhead_per_prb: usize,
    /// υ: layers.
    pub layers: usize,
}

impl TbsResources {
    /// N_RE = min(156, N'_RE) · n_PRB, N'_RE = 12 · N_symb^sh − N_DMRS^PRB − N_oh^PRB
    /// (0 when the overheads take every resource element).
    pub fn resource_elements(&self) -> usize {
        let per_prb = (SUBCARRIERS_PER_PRB * self.symbols)
            .saturating_sub(self.dmrs_per_prb + self.overhead_per_prb);
        per_prb.min(156) * self.prbs
    }
}

/// The TBS values of Table 5.1.3.2-1 (N_info ≤ 3824), ascending.
pub fn tbs_table() -> Vec<usize> {
    data_fields(TBS_TABLE)
        .map(|f| f[0].parse().expect("TBS in Table 5.1.3.2-1"))
        .collect()
}

/// The transport block size of §5.1.3.2 for `mcs` on `res` (scaling S = 1), or `None` when
/// the resources hold no resource element.
pub fn transport_block_size(mcs: McsEntry, res: &TbsResources) -> Option<usize> {
    transport_block_size_scaled(mcs, res, 1.0)
}

/// The TB scaling factors S of Table 5.1.3.2-2 (TB scaling field 00, 01, 10).
pub const TB_SCALINGS: [f64; 3] = [1.0, 0.5, 0.25];

/// [`transport_block_size`] with the scaling S of Table 5.1.3.2-2 (P-RNTI / RA-RNTI / MsgB
/// PDSCH): N_info = S · N_RE · R · Q_m · υ.
pub fn transport_block_size_scaled(
    mcs: McsEntry,
    res: &TbsResources,
    scaling: f64,
) -> Option<usize> {
    let n_re = res.resource_elements();
    if n_re == 0 {
        return None;
    }
    let r = mcs.rate();
    // Step 2: the intermediate number of information bits.
    let n_info = scaling * n_re as f64 * r * mcs.qm as f64 * res.layers as f64;
    if n_info <= 3824.0 {
        // Step 3: quantized, then the smallest table entry not below it.
        let n = (n_info.log2().floor() as i64 - 6).max(3) as u32;
        let step = 2f64.powi(n as i32);
        let quantized = ((n_info / step).floor() * step).max(24.0) as usize;
        return tbs_table().into_iter().find(|&t| t >= quantized);
    }
    // Step 4.
    let n = ((n_info - 24.0).log2().floor() as i64 - 5) as i32;
    let step = 2f64.powi(n);
    let quantized = (((n_info - 24.0) / step).round() * step).max(3840.0) as usize;
    let c = if r <= 0.25 {
        (quantized + 24).div_ceil(3816)
    } else if quantized > 8424 {
        (quantized + 24).div_ceil(8424)
    } else {
        1
    };
    Some(8 * c * (quantized + 24).div_ceil(8 * c) - 24)
}

/// n_PRB,LBRM of TS 38.212 Table 5.4.2.1-1 for a carrier whose largest bandwidth part has
/// `prbs` resource blocks.
pub fn lbrm_prbs(prbs: usize) -> usize {
    match prbs {
        0..=32 => 32,
        33..=66 => 66,
        67..=107 => 107,
        108..=135 => 135,
        136..=162 => 162,
        163..=217 => 217,
        _ => 273,
    }
}

/// TBS_LBRM of TS 38.212 §5.4.2.1: the §5.1.3.2 TBS with min(`layers`, 4) layers, the
/// highest modulation order of `table`, R = 948/1024 and N_RE = 156 · n_PRB,LBRM
/// ([`lbrm_prbs`] of `prbs`).
pub fn tbs_lbrm(table: McsTable, prbs: usize, layers: usize) -> usize {
    let qm = table.entries().iter().map(|e| e.qm).max().unwrap_or(6);
    let entry = McsEntry {
        qm,
        rate_x1024: 948.0,
    };
    // 12 · 14 − 12 = 156 resource elements per PRB.
    let res = TbsResources {
        prbs: lbrm_prbs(prbs),
        symbols: 14,
        dmrs_per_prb: SUBCARRIERS_PER_PRB,
        overhead_per_prb: 0,
        layers: layers.clamp(1, 4),
    };
    transport_block_size(entry, &res).expect("156 resource elements per PRB")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// TBS_LBRM for 256-QAM, 4 layers, 273 PRBs is 1 277 992 bits (srsRAN's
    /// `tbs_lbrm_default`, 159 749 bytes); Table 5.4.2.1-1's steps; more than 4 layers count
    /// as 4; the 64-QAM tables share the order 6.
    #[test]
    fn tbs_lbrm_follows_5_4_2_1() {
        assert_eq!(tbs_lbrm(McsTable::Qam256, 273, 4), 1_277_992);
        assert_eq!(tbs_lbrm(McsTable::Qam256, 250, 8), 1_277_992);
        let steps = [(1, 32), (32, 32), (33, 66), (66, 66), (67, 107), (107, 107)];
        let more = [
            (108, 135),
            (136, 162),
            (163, 217),
            (217, 217),
            (218, 273),
            (275, 273),
        ];
        for (n, want) in steps.into_iter().chain(more) {
            assert_eq!(lbrm_prbs(n), want, "{n} PRBs");
        }
        assert_eq!(
            tbs_lbrm(McsTable::Qam64, 24, 1),
            tbs_lbrm(McsTable::Qam64LowSe, 30, 1)
        );
        assert!(tbs_lbrm(McsTable::Qam64, 24, 1) < tbs_lbrm(McsTable::Qam256, 24, 1));
    }

    /// Table sizes and spot values of each table (TS 38.214 Tables 5.1.3.1-1 .. -3).
    #[test]
    fn mcs_tables_have_their_rows() {
        let lens = [
            (McsTable::Qam64, 29),
            (McsTable::Qam256, 28),
            (McsTable::Qam64LowSe, 29),
            (McsTable::Qam1024, 27),
        ];
        for (t, n) in lens {
            let e = t.entries();
            assert_eq!(e.len(), n, "{t:?}");
            // Rates rise within each modulation order; orders never fall.
            for w in e.windows(2) {
                assert!(
                    w[1].qm > w[0].qm || w[1].rate_x1024 > w[0].rate_x1024,
                    "{t:?} {w:?}"
                );
                assert!(w[1].qm >= w[0].qm);
            }
            assert!(t.entry(n).is_none());
        }
        let q = |t: McsTable, i| t.entry(i).map(|e| (e.qm, e.rate_x1024));
        assert_eq!(q(McsTable::Qam64, 0), Some((2, 120.0)));
        assert_eq!(q(McsTable::Qam64, 10), Some((4, 340.0)));
        assert_eq!(q(McsTable::Qam64, 17), Some((6, 438.0)));
        assert_eq!(q(McsTable::Qam64, 28), Some((6, 948.0)));
        assert_eq!(q(McsTable::Qam256, 20), Some((8, 682.5)));
        assert_eq!(q(McsTable::Qam256, 27), Some((8, 948.0)));
        assert_eq!(q(McsTable::Qam64LowSe, 0), Some((2, 30.0)));
        // Table 5.1.3.1-4 against the spectral efficiencies of Sionna's transcription (which
        // has 4.8154 at MCS 13: a typo for 6 · 822/1024 = 4.8164, the efficiency Table
        // 5.1.3.1-2 lists for the same Q_m and rate).
        let se = [
            0.2344, 0.3770, 0.8770, 1.4766, 1.9141, 2.4063, 2.7305, 3.0293, 3.3223, 3.6094, 3.9023,
            4.2129, 4.5234, 4.8164, 5.1152, 5.3320, 5.5547, 5.8906, 6.2266, 6.5703, 6.9141, 7.1602,
            7.4063, 7.8662, 8.3301, 8.7939, 9.2578,
        ];
        for (i, (e, want)) in McsTable::Qam1024.entries().iter().zip(se).enumerate() {
            let got = e.qm as f64 * e.rate();
            assert!((got - want).abs() < 6e-5, "MCS {i}: {got} against {want}");
        }
        assert_eq!(q(McsTable::Qam1024, 23), Some((10, 805.5)));
        assert_eq!(q(McsTable::Qam64LowSe, 15), Some((4, 340.0)));
    }

    /// Tables 6.1.4.1-1/-2 (PUSCH, transform precoding): 28 rows each (28 ..= 31 reserved);
    /// q rows (MCS 0-1, 0-5) π/2-BPSK at r/1024 or QPSK at r/2048. Cross-checks with the
    /// separately transcribed PDSCH tables, as TS 38.214 builds them: with q = 2 Table
    /// 6.1.4.1-1 is Table 5.1.3.1-1 up to MCS 16 and its MCS 18 ..= 28 from 17 on (no 438
    /// row); Table 6.1.4.1-2 is Table 5.1.3.1-3 up to MCS 14.
    #[test]
    fn transform_precoding_tables_are_6_1_4_1() {
        let tp1 = McsTable::Qam64.with_transform_precoding();
        let tp2 = McsTable::Qam64LowSe.with_transform_precoding();
        assert_eq!((tp1, tp2), (McsTable::Qam64Tp, McsTable::Qam64LowSeTp));
        assert_eq!(
            McsTable::Qam256.with_transform_precoding(),
            McsTable::Qam256
        );
        for t in [tp1, tp2] {
            assert_eq!(t.entries().len(), 28, "{t:?}");
            assert!(t.entry(28).is_none());
        }
        let at = |t, i, pi2| mcs_entry(t, i, true, pi2).1.map(|e| (e.qm, e.rate_x1024));
        assert_eq!(at(McsTable::Qam64, 0, true), Some((1, 240.0)));
        assert_eq!(at(McsTable::Qam64, 0, false), Some((2, 120.0)));
        assert_eq!(at(McsTable::Qam64, 1, true), Some((1, 314.0)));
        assert_eq!(at(McsTable::Qam64, 2, true), Some((2, 193.0)));
        assert_eq!(at(McsTable::Qam64, 17, false), Some((6, 466.0)));
        assert_eq!(at(McsTable::Qam64, 27, false), Some((6, 948.0)));
        assert_eq!(at(McsTable::Qam64LowSe, 5, true), Some((1, 198.0)));
        assert_eq!(at(McsTable::Qam64LowSe, 6, true), Some((2, 120.0)));
        assert_eq!(at(McsTable::Qam64LowSe, 26, false), Some((6, 666.0)));
        // Without transform precoding tp-pi2BPSK changes nothing (no q rows).
        assert_eq!(
            mcs_entry(McsTable::Qam64, 0, false, true).1,
            McsTable::Qam64.entry(0)
        );
        let q2 = |t: McsTable| -> Vec<McsEntry> {
            t.entries().into_iter().map(|e| e.with_q(2)).collect()
        };
        let (pdsch1, pdsch3) = (McsTable::Qam64.entries(), McsTable::Qam64LowSe.entries());
        assert_eq!(q2(tp1)[..17], pdsch1[..17]);
        assert_eq!(q2(tp1)[17..], pdsch1[18..]);
        assert_eq!(q2(tp2)[..15], pdsch3[..15]);
        // Within each table the rows rise as in §5.1.3.1's.
        for t in [tp1, tp2] {
            for w in q2(t).windows(2) {
                assert!(
                    w[1].qm > w[0].qm || w[1].rate_x1024 > w[0].rate_x1024,
                    "{t:?} {w:?}"
                );
            }
        }
    }

    #[test]
    fn tbs_table_is_table_5_1_3_2_1() {
        let t = tbs_table();
        assert_eq!(t.len(), 93);
        assert_eq!((t[0], t[21], t[22], t[92]), (24, 192, 208, 3824));
        assert!(t.windows(2).all(|w| w[0] < w[1] && w[0] % 8 == 0));
    }

    fn slot(prbs: usize, dmrs_symbols: usize, layers: usize) -> TbsResources {
        TbsResources {
            prbs,
            symbols: 14,
            dmrs_per_prb: 12 * dmrs_symbols,
            overhead_per_prb: 0,
            layers,
        }
    }

    /// Values worked by hand through §5.1.3.2, one per branch, and the largest NR TBS
    /// (273 PRBs, 256-QAM MCS 27, 4 layers, one DMRS symbol: 1 277 992 bits, the figure
    /// quoted for the NR peak rate).
    #[test]
    fn tbs_follows_5_1_3_2() {
        let t1 = McsTable::Qam64;
        // Peak: N_RE = 156 · 273 = 42 588, N_info = 1 261 669.5 → n = 15, N'_info = 1 277 952,
        // C = 152, TBS = 1216 · 1051 − 24.
        let peak = transport_block_size(McsTable::Qam256.entry(27).unwrap(), &slot(273, 1, 4));
        assert_eq!(peak, Some(1_277_992));
        // Step 3: 1 PRB, MCS 0, 2 DMRS symbols: N_RE = 144, N_info = 144 · 120/1024 · 2
        // = 33.75 → n = 3, N'_info = 32 → TBS 32.
        assert_eq!(
            transport_block_size(t1.entry(0).unwrap(), &slot(1, 2, 1)),
            Some(32)
        );
        // Step 3: 10 PRBs, MCS 9 (QPSK 679): N_RE = 1560, N_info = 2068.83 → n = 5,
        // N'_info = 2048 → TBS 2088.
        assert_eq!(
            transport_block_size(t1.entry(9).unwrap(), &slot(10, 1, 1)),
            Some(2088)
        );
        // Step 4, R > 1/4, N'_info ≤ 8424: 20 PRBs, MCS 16 (16-QAM 658): N_RE = 3120,
        // N_info = 8019.375 → n = 7, N'_info = 128 · round(62.46) = 7936 → TBS = 8 ·
        // ceil(7960 / 8) − 24 = 7936.
        assert_eq!(
            transport_block_size(t1.entry(16).unwrap(), &slot(20, 1, 1)),
            Some(7936)
        );
        // Step 4, R ≤ 1/4: 100 PRBs, low-SE MCS 6 (QPSK 120), 2 layers: N_RE = 15 600,
        // N_info = 7312.5 → n = 7, N'_info = 128 · round(56.94) = 7296, C = ceil(7320 /
        // 3816) = 2, TBS = 16 · ceil(7320 / 16) − 24 = 7304.
        let low = McsTable::Qam64LowSe.entry(6).unwrap();
        assert_eq!(transport_block_size(low, &slot(100, 1, 2)), Some(7304));
        // xOverhead and the 156 cap: 12 · 14 − 0 = 168 → 156 per PRB.
        let no_dmrs = TbsResources {
            dmrs_per_prb: 0,
            ..slot(1, 0, 1)
        };
        assert_eq!(no_dmrs.resource_elements(), 156);
        let oh = TbsResources {
            overhead_per_prb: 18,
            ..slot(1, 1, 1)
        };
        assert_eq!(oh.resource_elements(), 138);
        let none = TbsResources {
            symbols: 1,
            ..slot(5, 1, 1)
        };
        assert_eq!(transport_block_size(low, &none), None);
    }

    /// Over a grid of allocations and every MCS: large TBS are byte-aligned for each code
    /// block ((TBS + 24) a multiple of 8·C), small ones are table entries, and TBS never falls
    /// when the allocation grows.
    #[test]
    fn tbs_is_consistent() {
        let table = tbs_table();
        for t in [McsTable::Qam64, McsTable::Qam256, McsTable::Qam64LowSe] {
            for e in t.entries() {
                let mut last = 0;
                for prbs in 1..=40 {
                    let tbs = transport_block_size(e, &slot(prbs * 7, 1, 2)).unwrap();
                    assert!(tbs >= last, "{t:?} {e:?} {prbs}");
                    last = tbs;
                    if tbs <= 3824 {
                        assert!(table.contains(&tbs));
                    } else {
                        assert_eq!((tbs + 24) % 8, 0);
                    }
                }
            }
        }
    }
}
