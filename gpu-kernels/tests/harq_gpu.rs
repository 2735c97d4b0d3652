//! HARQ in the WGSL chain against the CPU executor (lavapipe in CI): every block's outcome
//! (transmissions, first-transmission errors, final errors, CRC, summed iterations) equal,
//! on the single-carrier link (incremental redundancy, chase combining, a limited circular
//! buffer, segmented transport blocks whose later RVs need wider decoders) and on an
//! MCS-sized OFDM slot over TDL with LS estimation, and over the UMa scenario model. Early termination: a block whose CRC
//! passed is not sent again (its channel LLRs stay those of the transmission that passed).

use gpu_kernels::{test_context, GpuContext, GpuLinkChain};
use receivers::CpuExecutor;
use sim_core::engine::Executor;
use sim_core::scenario::resolve;

const SEED: u64 = 11;

/// Runs blocks `first .. first + count` of the first point on both executors: the outcomes
/// must be equal block by block, and retransmissions must have happened. Returns how many
/// blocks passed at once (and were checked not to be sent again).
fn check(ctx: &GpuContext, text: &str, count: usize) -> usize {
    let run = resolve(text, "h.toml").unwrap_or_else(|e| panic!("{e}"));
    let link = &run.link;
    let point = run.points[0];
    let first = 40;
    let cpu = CpuExecutor::new()
        .run_batch(link, &point, SEED, first, count)
        .unwrap();
    let mut chain = GpuLinkChain::new(ctx, link).unwrap();
    let gpu = chain.run_batch(ctx, &point, SEED, first, count).unwrap();
    assert_eq!(cpu.len(), gpu.len());
    let mut retransmitted = 0;
    for (i, (c, g)) in cpu.iter().zip(&gpu).enumerate() {
        assert_eq!(
            (
                c.transmissions,
                c.first_errors,
                c.bit_errors,
                c.cb_errors,
                c.crc_fail,
                c.iterations
            ),
            (
                g.transmissions,
                g.first_errors,
                g.bit_errors,
                g.cb_errors,
                g.crc_fail,
                g.iterations
            ),
            "block {i}: CPU {c:?}, GPU {g:?}"
        );
        retransmitted += (c.transmissions > 1) as usize;
    }
    assert!(
        retransmitted * 5 >= count,
        "only {retransmitted} of {count} blocks were retransmitted: the test checks little"
    );
    // A second batch on the same chain (the buffers are reused) gives the same outcomes.
    let again = chain.run_batch(ctx, &point, SEED, first, count).unwrap();
    assert_eq!(format!("{gpu:?}"), format!("{again:?}"));
    check_early_termination(ctx, text, &mut chain, &gpu, count)
}

/// The channel LLRs the chain holds after the batch: a block that passed in transmission 1
/// keeps those of transmission 1 (the link without HARQ's, bit for bit: the later
/// transmissions skipped it), a retransmitted one those of its last transmission (not equal).
fn check_early_termination(
    ctx: &GpuContext,
    text: &str,
    chain: &mut GpuLinkChain,
    outcomes: &[sim_core::BlockOutcome],
    count: usize,
) -> usize {
    let (first, (plain_text, _)) = (40, text.split_once("[harq]").expect("a [harq] table"));
    let plain = resolve(plain_text, "p.toml").unwrap_or_else(|e| panic!("{e}"));
    let point = plain.points[0];
    let harq = chain.run_traced(ctx, &point, SEED, first, count).unwrap();
    let once = GpuLinkChain::new(ctx, &plain.link)
        .unwrap()
        .run_traced(ctx, &point, SEED, first, count)
        .unwrap();
    let g = harq.llr.len() / count;
    assert_eq!(g, once.llr.len() / count);
    let mut kept = 0;
    for (i, o) in outcomes.iter().enumerate() {
        let rows = |t: &gpu_kernels::ChainTrace| t.llr[i * g..(i + 1) * g].to_vec();
        let same = rows(&harq) == rows(&once);
        match o.transmissions {
            1 => assert!(same, "block {i} passed at once but was sent again"),
            _ => assert!(!same, "block {i}: a retransmission left the first LLRs"),
        }
        kept += (o.transmissions == 1) as usize;
    }
    kept
}

fn single_carrier(code: &str, harq: &str, snr_db: f64) -> String {
    format!(
        "name = \"t\"\n[code]\n{code}\n[modulation]\nscheme = \"16qam\"\n\
         [channel]\nmodel = \"awgn\"\n[sweep]\nsnr_db = [{snr_db}]\n[harq]\n{harq}\n"
    )
}

#[test]
fn harq_single_carrier_matches_cpu() {
    let Some(ctx) = test_context() else { return };
    let code = "info_bits = 1000\ncrc = \"24a\"\nrate = 0.8";
    // Incremental redundancy (RVs 0 2 3 1): the decoders widen as RVs 2 and 3 reach parity
    // columns RV 0 did not.
    let mut kept = check(
        &ctx,
        &single_carrier(code, "max_transmissions = 4", 7.5),
        96,
    );
    // Chase combining, 3 transmissions.
    let chase = "max_transmissions = 3\nrv_sequence = [0]";
    kept += check(&ctx, &single_carrier(code, chase, 7.0), 96);
    // A limited circular buffer (N_cb = 1600 of 3168) that the RVs wrap in.
    let limited = "info_bits = 1000\ncrc = \"24a\"\nrate = 0.8\nn_ref = 1600";
    kept += check(
        &ctx,
        &single_carrier(limited, "max_transmissions = 4", 7.5),
        96,
    );
    // Three code blocks (E_lo / E_hi), min-sum, RVs cycled twice over 6 transmissions.
    let segmented = "info_bits = 9000\ncrc = \"24a\"\nrate = 0.85\n\
                     decoder = { algorithm = \"layered-min-sum\", iterations = 8 }";
    let six = "max_transmissions = 6\nrv_sequence = [0, 3]";
    kept += check(&ctx, &single_carrier(segmented, six, 8.5), 24);
    // Near the first transmission's threshold: blocks that pass at once are not sent again.
    kept += check(
        &ctx,
        &single_carrier(code, "max_transmissions = 2", 11.0),
        96,
    );
    assert!(
        kept > 0,
        "no block passed at once: early termination went unchecked"
    );
}

#[test]
fn harq_mcs_ofdm_slot_matches_cpu() {
    let Some(ctx) = test_context() else { return };
    let text = "name = \"t\"\n[code]\nmcs = 13\n\
                decoder = { algorithm = \"layered-min-sum\", iterations = 10 }\n\
                [ofdm]\ncarrier_ghz = 3.5\nsubcarrier_spacing_khz = 30\nprbs = 8\n\
                [pilots]\npattern = \"dmrs\"\nadditional_positions = 1\n[antennas]\nrx = 2\n\
                [channel]\nmodel = \"tdl\"\nprofile = \"A\"\ndelay_spread_ns = 100\n\
                speed_kmh = 30\n[receiver]\nestimator = \"ls\"\n[sweep]\nsnr_db = [4.0]\n\
                [harq]\nmax_transmissions = 4\n";
    let mut kept = check(&ctx, text, 32);
    // The time-domain receiver (its per-symbol FFT workgroups skip passed slots too).
    let td = text.replace(
        "prbs = 8\n",
        "prbs = 8\ndomain = \"time\"\nfft_size = 128\n",
    );
    kept += check(&ctx, &td, 32);
    // A TR 38.901 scenario model: every transmission draws its own drop (host-drawn,
    // one set per transmission in the chain's drops buffer).
    let uma = text.replace(
        "model = \"tdl\"\nprofile = \"A\"\ndelay_spread_ns = 100\n",
        "model = \"uma\"\ncondition = \"nlos\"\n",
    );
    kept += check(&ctx, &uma, 32);
    assert!(
        kept > 0,
        "no block passed at once: early termination went unchecked"
    );
}
