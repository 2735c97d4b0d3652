//! Rules across sections, checked on the built link: π/2-BPSK and transform precoding,
//! maximum-likelihood detection and its hypothesis count, K-best detection and its paths.

use super::location::ScenarioError;
use super::schema::*;
use crate::link::LinkSpec;

type Fail<'a> = dyn Fn(&[&str], String) -> ScenarioError + 'a;

/// π/2-BPSK (TS 38.211 §5.1.2) is PUSCH's with transform precoding: it needs `[ofdm]
/// transform_precoding`, and `tp_pi2bpsk` (the q of Tables 6.1.4.1-1/-2) needs `mcs` too.
pub(super) fn pi2_bpsk_rules(
    s: &Scenario,
    link: &LinkSpec,
    fail: &Fail,
) -> Result<(), ScenarioError> {
    let tp = link.ofdm.as_ref().is_some_and(|o| o.transform_precoding);
    let key = ["code", "tp_pi2bpsk"];
    if s.code.tp_pi2bpsk && s.code.mcs.is_none() {
        return Err(fail(
            &key,
            "applies with `mcs` only (Tables 6.1.4.1-1/-2); without it give [modulation] \
             scheme = \"pi2-bpsk\""
                .into(),
        ));
    }
    if s.code.tp_pi2bpsk && !tp {
        return Err(fail(
            &key,
            "tp-pi2BPSK applies to PUSCH with transform precoding: set [ofdm] \
             transform_precoding = true"
                .into(),
        ));
    }
    if link.modulation == crate::qam::Modulation::Pi2Bpsk && !tp {
        return Err(fail(
            &["modulation", "scheme"],
            "π/2-BPSK (TS 38.211 §5.1.2) is sent with transform precoding only: set [ofdm] \
             transform_precoding = true, or use \"bpsk\""
                .into(),
        ));
    }
    Ok(())
}

/// `[receiver] equalizer = "ml"` lists M^L joint hypotheses per resource element
/// (`receivers::ml_detection`): at most 65 536, and not with transform precoding (whose
/// symbols are spread over the subcarriers, so they are equalized, then despread).
pub(super) fn ml_rules(s: &Scenario, link: &LinkSpec, fail: &Fail) -> Result<(), ScenarioError> {
    let Some(o) = link.ofdm.as_ref() else {
        return Ok(());
    };
    if o.equalizer != EqualizerKind::Ml || s.receiver.kind != ReceiverKind::Classical {
        return Ok(());
    }
    let key = ["receiver", "equalizer"];
    if o.transform_precoding {
        return Err(fail(
            &key,
            "ML detection does not apply to DFT-s-OFDM (its symbols are spread over the \
             subcarriers): use \"zf\" or \"lmmse\""
                .into(),
        ));
    }
    let points = 1usize << link.modulation.bits_per_symbol();
    let total = (points as u128).pow(o.layers as u32);
    if total > MAX_ML_HYPOTHESES as u128 {
        return Err(fail(
            &key,
            format!(
                "ML detection lists M^L = {points}^{} = {total} joint hypotheses per resource \
                 element; at most {MAX_ML_HYPOTHESES} (e.g. 2 layers of 256-QAM, 4 of 16-QAM): \
                 use fewer layers, a smaller constellation, or \"zf\" / \"lmmse\"",
                o.layers
            ),
        ));
    }
    Ok(())
}

/// `[receiver] equalizer = "kbest"` needs `kbest_paths` = K with 1 ≤ K ≤ M^L (Sionna's
/// rule: no more paths than hypotheses) and K·M ≤ 65 536 candidates per layer, a positive
/// `kbest_llr_clip`, and no transform precoding; both keys belong to K-best only.
pub(super) fn kbest_rules(s: &Scenario, link: &LinkSpec, fail: &Fail) -> Result<(), ScenarioError> {
    let r = &s.receiver;
    let kbest = r.equalizer == EqualizerKind::KBest && r.kind == ReceiverKind::Classical;
    for (given, key) in [
        (r.kbest_paths.is_some(), "kbest_paths"),
        (r.kbest_llr_clip.is_some(), "kbest_llr_clip"),
    ] {
        if given && !kbest {
            return Err(fail(
                &["receiver", key],
                "applies with equalizer = \"kbest\" only".into(),
            ));
        }
    }
    let Some(o) = link.ofdm.as_ref().filter(|_| kbest) else {
        return Ok(());
    };
    if o.transform_precoding {
        return Err(fail(
            &["receiver", "equalizer"],
            "K-best detection does not apply to DFT-s-OFDM (its symbols are spread over the \
             subcarriers): use \"zf\" or \"lmmse\""
                .into(),
        ));
    }
    let points = 1usize << link.modulation.bits_per_symbol();
    let total = (points as u128).pow(o.layers as u32);
    let most = (total as usize).min(MAX_KBEST_CANDIDATES / points);
    let key = ["receiver", "kbest_paths"];
    match r.kbest_paths {
        None => {
            return Err(fail(
                &["receiver", "equalizer"],
                format!(
                    "\"kbest\" needs kbest_paths = K, the paths kept at every layer \
                     (1 ..= {most} here; e.g. 16 or 32)"
                ),
            ))
        }
        Some(k) if k == 0 || k > most => {
            return Err(fail(
                &key,
                format!(
                    "expected 1 ..= {most} paths (got {k}): at most M^L = {points}^{} = {total} \
                     hypotheses and K·M ≤ {MAX_KBEST_CANDIDATES} candidates per layer",
                    o.layers
                ),
            ))
        }
        Some(_) => {}
    }
    if let Some(c) = r.kbest_llr_clip {
        if !(c.is_finite() && c > 0.0) {
            return Err(fail(
                &["receiver", "kbest_llr_clip"],
                format!("expected a positive LLR magnitude, e.g. 20 (got {c})"),
            ));
        }
    }
    Ok(())
}
