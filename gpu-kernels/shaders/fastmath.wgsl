// exp and ln with the operations of sim-core/src/fastmath.rs (exp_f32, ln_f32), so the
// demapper's LLRs agree with the CPU's to float rounding. Prepended where needed.

fn exp_f32(z_in: f32) -> f32 {
    let z = clamp(z_in, -87.0, 88.0);
    // round() is ties-to-even, as the CPU's add-and-subtract of 1.5·2²³; the trick itself
    // would not survive a shader compiler that reassociates (k + M) − M into k.
    let n = round(z * 1.442695);
    let ni = i32(n);
    let r = z - n * 0.69314575 - n * 1.4286068e-6;
    let p = 1.0 + r * (1.0 + r * (0.5 + r * (1.0 / 6.0 + r * (1.0 / 24.0
        + r * (1.0 / 120.0 + r * (1.0 / 720.0 + r * (1.0 / 5040.0)))))));
    return p * bitcast<f32>((ni + 127) << 23u);
}

fn ln_f32(y: f32) -> f32 {
    let bits = bitcast<u32>(y);
    var e = i32((bits >> 23u) & 0xffu) - 127;
    var m = bitcast<f32>((bits & 0x007FFFFFu) | 0x3F800000u);
    let big = m > 1.4142135;
    m = select(m, m * 0.5, big);
    e += select(0, 1, big);
    let f = m - 1.0;
    let s = f / (2.0 + f);
    let s2 = s * s;
    let series = 1.0 + s2 * (1.0 / 3.0 + s2 * (1.0 / 5.0 + s2 * (1.0 / 7.0 + s2 * (1.0 / 9.0))));
    return f32(e) * 0.6931472 + 2.0 * s * series;
}
