//! HARQ on the CPU executor (`[harq]`): the first transmission of every block is the block
//! of the same scenario without HARQ (same streams, same decisions), retransmissions only
//! happen after a failed CRC, and combining lowers the residual BLER, on the single-carrier
//! link (also with a limited circular buffer) and on an MCS-sized OFDM slot.

use receivers::CpuExecutor;
use sim_core::engine::Executor;
use sim_core::scenario::resolve;

/// Runs `n` blocks of the first point with and without the `[harq]` section `harq`.
fn compare(text: &str, harq: &str, n: usize) {
    let plain = resolve(text, "p.toml").unwrap_or_else(|e| panic!("{e}"));
    let with = resolve(&format!("{text}\n{harq}\n"), "h.toml").unwrap_or_else(|e| panic!("{e}"));
    let max = with.link.harq.as_ref().expect("HARQ").max_transmissions;
    let p = plain.points[0];
    let mut cpu = CpuExecutor::new();
    let a = cpu.run_batch(&plain.link, &p, 7, 0, n).unwrap();
    let b = cpu.run_batch(&with.link, &p, 7, 0, n).unwrap();
    let (mut first, mut residual, mut retransmitted) = (0, 0, 0);
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        assert_eq!(x.transmissions, 0, "block {i}: no HARQ");
        assert_eq!(
            y.first_errors, x.codeword_errors,
            "block {i}: first transmission"
        );
        assert!((1..=max as u8).contains(&y.transmissions), "block {i}");
        // A retransmission follows a failed CRC only; the last state is the one reported.
        assert_eq!(y.transmissions == 1, !x.crc_fail, "block {i}: {x:?} {y:?}");
        if y.transmissions < max as u8 {
            assert!(!y.crc_fail, "block {i} stopped early with a failed CRC");
        }
        first += x.codeword_errors as usize;
        residual += y.codeword_errors as usize;
        retransmitted += (y.transmissions > 1) as usize;
    }
    assert!(
        first > n / 5 && retransmitted >= first,
        "{first} first errors, {retransmitted}"
    );
    assert!(residual * 5 < first, "residual {residual} of first {first}");
}

#[test]
fn harq_single_carrier_awgn() {
    let text = "name = \"t\"\n[code]\ninfo_bits = 1000\ncrc = \"24a\"\nrate = 0.8\n\
                [modulation]\nscheme = \"16qam\"\n[channel]\nmodel = \"awgn\"\n\
                [sweep]\nsnr_db = [8.0]";
    compare(text, "[harq]\nmax_transmissions = 4", 300);
    // Chase combining: RV 0 each time.
    compare(
        text,
        "[harq]\nmax_transmissions = 3\nrv_sequence = [0]",
        300,
    );
    // Limited-buffer rate matching: the RVs wrap in N_cb = 1600 of N = 3168 (BG1, Z = 48).
    let limited = text.replace("rate = 0.8", "rate = 0.8\nn_ref = 1600");
    compare(&limited, "[harq]\nmax_transmissions = 4", 300);
}

#[test]
fn harq_mcs_ofdm_slot() {
    let text = "name = \"t\"\n[code]\nmcs = 13\n[ofdm]\ncarrier_ghz = 3.5\n\
                subcarrier_spacing_khz = 30\nprbs = 8\n[pilots]\npattern = \"dmrs\"\n\
                additional_positions = 1\n[antennas]\nrx = 2\n[channel]\nmodel = \"tdl\"\n\
                profile = \"A\"\ndelay_spread_ns = 100\nspeed_kmh = 30\n[receiver]\n\
                estimator = \"ls\"\n[sweep]\nsnr_db = [5.0]";
    compare(
        text,
        "[harq]\nmax_transmissions = 4\nrv_sequence = [0, 2, 3, 1]",
        200,
    );
}
