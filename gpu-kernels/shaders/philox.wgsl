// Philox4x32-10 (Salmon et al., SC'11): the WGSL twin of sim-core/src/rng.rs, bit-exact.
// Counter (index, stream, block, point), key (seed low, seed high); streams: 0 bits,
// 1 noise, 2 fading. Prepended to the kernels that draw random numbers.

const STREAM_BITS: u32 = 0u;
const STREAM_NOISE: u32 = 1u;
const STREAM_FADING: u32 = 2u;
const STREAM_PHASE: u32 = 4u;

// (high, low) words of the 64-bit product a·b, from 16-bit halves (WGSL has no u64).
fn mul_hi_lo(a: u32, b: u32) -> vec2<u32> {
    let a0 = a & 0xffffu;
    let a1 = a >> 16u;
    let b0 = b & 0xffffu;
    let b1 = b >> 16u;
    let p00 = a0 * b0;
    let p01 = a0 * b1;
    let p10 = a1 * b0;
    let p11 = a1 * b1;
    let mid = (p00 >> 16u) + (p01 & 0xffffu) + (p10 & 0xffffu);
    let hi = p11 + (p01 >> 16u) + (p10 >> 16u) + (mid >> 16u);
    return vec2<u32>(hi, a * b);
}

fn philox4x32_10(counter: vec4<u32>, key_in: vec2<u32>) -> vec4<u32> {
    var c = counter;
    var k = key_in;
    for (var round = 0u; round < 10u; round++) {
        if (round > 0u) {
            k += vec2<u32>(0x9E3779B9u, 0xBB67AE85u);
        }
        let p0 = mul_hi_lo(0xD2511F53u, c.x);
        let p1 = mul_hi_lo(0xCD9E8D57u, c.z);
        c = vec4<u32>(p1.x ^ c.y ^ k.x, p1.y, p0.x ^ c.w ^ k.y, p0.y);
    }
    return c;
}

// Uniform on (0, 1) from the top 24 bits, as rng.rs u32_to_open01.
fn u32_to_open01(x: u32) -> f32 {
    return (f32(x >> 8u) + 0.5) * (1.0 / 16777216.0);
}

// (sin 2πt, cos 2πt) as fastmath.rs sincos_turns (the GPU's own sin/cos may be coarse).
fn sincos_turns(t_in: f32) -> vec2<f32> {
    let t = t_in - floor(t_in + 0.5);
    let k = floor(4.0 * t + 0.5);
    let r = (t - 0.25 * k) * 6.2831855;
    let r2 = r * r;
    let s = r * (1.0 - r2 / 6.0 * (1.0 - r2 / 20.0 * (1.0 - r2 / 42.0 * (1.0 - r2 / 72.0))));
    let c = 1.0 - r2 / 2.0 * (1.0 - r2 / 12.0 * (1.0 - r2 / 30.0 * (1.0 - r2 / 56.0)));
    switch ((i32(k) % 4 + 4) % 4) {
        case 0: { return vec2<f32>(s, c); }
        case 1: { return vec2<f32>(c, -s); }
        case 2: { return vec2<f32>(-s, -c); }
        default: { return vec2<f32>(-c, s); }
    }
}

// Box-Muller as rng.rs box_muller (ln_f32 from fastmath.wgsl, prepended before this file).
fn box_muller(a: u32, b: u32) -> vec2<f32> {
    let r = sqrt(-2.0 * ln_f32(u32_to_open01(a)));
    let sc = sincos_turns(u32_to_open01(b));
    return vec2<f32>(r * sc.y, r * sc.x);
}

// Complex Gaussian number `index` of a stream (unit variance per real dimension, before
// scaling), as BlockRng::complex_gaussian: draw index/2, first or second Box-Muller pair.
fn gaussian_pair(stream: u32, index: u32, block: u32, point: u32, key: vec2<u32>) -> vec2<f32> {
    let r = philox4x32_10(vec4<u32>(index / 2u, stream, block, point), key);
    if ((index & 1u) == 0u) {
        return box_muller(r.x, r.y);
    }
    return box_muller(r.z, r.w);
}
