//! The persistent pipeline cache: a context saves it on drop, the next one loads it and still
//! builds and runs the chain; a corrupt file is ignored. (Own test binary: it sets
//! FERROLINK_PIPELINE_CACHE for the process.)

use gpu_kernels::{test_context, GpuLinkChain};
use sim_core::scenario::resolve;

#[test]
fn saved_loaded_and_corrupt_caches_all_work() {
    let dir = std::env::temp_dir().join(format!("ferrolink-cache-{}", std::process::id()));
    let path = dir.join("pipelines.bin");
    // SAFETY: this test binary runs this one test; nothing else reads the environment.
    unsafe { std::env::set_var("FERROLINK_PIPELINE_CACHE", &path) };
    let text = "name = \"t\"\n[code]\ninfo_bits = 256\n[sweep]\nsnr_db = [2.0]\n";
    let run = resolve(text, "t.toml").unwrap();
    let mut outcomes = Vec::new();
    for round in 0..3 {
        if round == 2 {
            std::fs::write(&path, b"not a pipeline cache").unwrap();
        }
        let Some(ctx) = test_context() else { return };
        let mut chain = GpuLinkChain::new(&ctx, &run.link).unwrap();
        outcomes.push(chain.run_batch(&ctx, &run.points[0], 1, 0, 32).unwrap());
        let supported = ctx
            .device
            .features()
            .contains(wgpu::Features::PIPELINE_CACHE);
        drop(chain);
        drop(ctx);
        if supported {
            assert!(path.exists(), "round {round}: the cache was saved");
        }
    }
    assert_eq!(outcomes[0], outcomes[1]);
    assert_eq!(outcomes[0], outcomes[2]);
    std::fs::remove_dir_all(&dir).ok();
}
