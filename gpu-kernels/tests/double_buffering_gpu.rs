//! Double buffering in the GPU executor (lavapipe in CI): batches queued ahead on the engine's
//! `prefetch` hints, right or wrong, and outcomes read ahead of a request give exactly the
//! outcomes of one batch run straight through, and so do requests that skip around or switch
//! points.

use gpu_kernels::{test_context, GpuExecutor, GpuLinkChain};
use sim_core::engine::Executor;
use sim_core::scenario::resolve;
use sim_core::BlockOutcome;

const SEED: u64 = 3;

/// A request (first block, count) and the hint given before it.
type Call = (u64, usize, Option<(u64, usize)>);

/// LDPC (576, 288) QPSK over AWGN near the waterfall (a mix of right and wrong blocks), and
/// an OFDM TDL link (one engine block = one slot of several code words).
const SCENARIOS: [&str; 2] = [
    "name = \"t\"\n[code]\ninfo_bits = 288\ncoded_bits = 576\ncrc = \"none\"\n\
     decoder = { algorithm = \"bp\", iterations = 8, early_stop = true }\n\
     [modulation]\nscheme = \"qpsk\"\n[sweep]\nsnr_db = [2.0, 2.5]",
    "name = \"t\"\n[code]\ninfo_bits = 288\ncoded_bits = 576\ncrc = \"none\"\n\
     decoder = { algorithm = \"bp\", iterations = 8, early_stop = true }\n\
     [modulation]\nscheme = \"qpsk\"\n[ofdm]\nprbs = 4\n[pilots]\npattern = \"kronecker\"\n\
     [channel]\nmodel = \"tdl\"\nprofile = \"A\"\nspeed_kmh = 30\n[receiver]\nestimator = \"ls\"\n\
     [sweep]\nsnr_db = [4.0, 6.0]",
];

#[test]
fn queued_batches_give_the_straight_outcomes() {
    let Some(ctx) = test_context() else { return };
    let mut exec = GpuExecutor::new(true).unwrap();
    for text in SCENARIOS {
        let run = resolve(text, "t.toml").unwrap();
        let (link, p0, p1) = (&run.link, &run.points[0], &run.points[1]);
        let mut chain = GpuLinkChain::new(&ctx, link).unwrap();
        let straight = chain.run_batch(&ctx, p0, SEED, 0, 200).unwrap();
        let other = chain.run_batch(&ctx, p1, SEED, 0, 30).unwrap();
        let wrong = straight.iter().filter(|o| o.bit_errors > 0).count();
        eprintln!("{wrong} of 200 blocks wrong");
        assert!(
            wrong > 0 && wrong < 200,
            "the point mixes right and wrong blocks"
        );
        // (first, count, hint): exact hints, a hint larger and one smaller than the next
        // request, a wrong one, none, and a jump back to an earlier block.
        let calls: [Call; 7] = [
            (0, 37, Some((37, 50))),
            (37, 50, Some((87, 40))),
            (87, 10, Some((97, 5))),
            (97, 20, Some((150, 5))),
            (117, 43, None),
            (160, 40, Some((200, 100))),
            (20, 30, Some((50, 10))),
        ];
        let mut got: Vec<BlockOutcome> = Vec::new();
        for (first, count, hint) in calls {
            if let Some((h, n)) = hint {
                exec.prefetch(p0, SEED, h, n);
            }
            let o = exec.run_batch(link, p0, SEED, first, count).unwrap();
            assert_eq!(o.len(), count);
            assert_eq!(
                o,
                straight[first as usize..first as usize + count],
                "{first}+{count}"
            );
            got.extend(o);
            if first == 117 {
                // Another point in between (its own stream; p0's read-ahead is dropped).
                exec.prefetch(p1, SEED, 30, 10);
                assert_eq!(exec.run_batch(link, p1, SEED, 0, 30).unwrap(), other);
            }
        }
        assert_eq!(got.len(), 230);
    }
}
