// DFT-s-OFDM (TS 38.211 §6.3.1.4, transform precoding): the WGSL twin of
// receivers/src/transform_precoding.rs. Appended to the link chain (one layer; the code words
// fill every data RE, data RE d = row · M + k, M = nsc).
//
//   tp_spread   [slot, data row, k]  spread[.., k].xy = (1/√M) Σ_i x_i e^{−j2π ik/M}, x_i the
//                                    row's modulation symbols (qam_point); tx_value reads it
//   tp_despread [slot, data row, i]  after ofdm_detect stored (z_k, v_k) in spread[..]: ZF
//                                    x̂_i = (1/√M) Σ_k z_k e^{+j2π ik/M}, variance mean v_k;
//                                    LMMSE (MMSE-FDE) a_k = 1/(1 + v_k), x̂ = that of a·z over
//                                    μ = mean a_k, variance 1/μ − 1; LLRs of x̂ (π/2-BPSK
//                                    turned back first)
// A direct M-term sum per output (O(M) per thread, M ≤ 3300): the phase (i·k mod M)/M is
// exact in integers, so only f32 rounding separates it from the CPU's FFT.

// e^{j2π·sign·(a·b mod M)/M} as (re, im).
fn tp_twiddle(a: u32, b: u32, sign: f32) -> vec2<f32> {
    let m = p.nsc;
    let e = sincos_turns(sign * f32((a * b) % m) / f32(m));
    return vec2<f32>(e.y, e.x);
}

// Work item `id` of the per-(slot, data row, index) kernels as (slot, row, index, 1), or
// w = 0 past the batch or for a slot HARQ has finished.
fn tp_item(id: u32) -> vec4<u32> {
    let m = p.nsc;
    let per_slot = (p.nsym - p.npilot) * m;
    if (id >= (p.count / p.cw) * per_slot) {
        return vec4<u32>(0u);
    }
    let slot = id / per_slot;
    if (slot_done(slot)) {
        return vec4<u32>(0u);
    }
    return vec4<u32>(slot, (id % per_slot) / m, id % m, 1u);
}

// The spread value of subcarrier item.z of data row item.y of slot item.x.
fn spread_of(item: vec4<u32>) -> vec2<f32> {
    let m = p.nsc;
    var acc = vec2<f32>(0.0);
    for (var i = 0u; i < m; i++) {
        let c = data_symbol_tb(item.x, item.y * m + i);
        acc += cmul(qam_point(c.x, c.y), tp_twiddle(i, item.z, -1.0));
    }
    return acc * inverseSqrt(f32(m));
}

@compute @workgroup_size(64)
fn tp_spread(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
             @builtin(local_invocation_id) lid: vec3<u32>) {
    let id = linear_id(wg, nwg, lid);
    let item = tp_item(id);
    if (item.w != 0u) {
        spread[id] = vec4<f32>(spread_of(item), 0.0, 0.0);
    }
}

@compute @workgroup_size(64)
fn tp_despread(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
               @builtin(local_invocation_id) lid: vec3<u32>) {
    let id = linear_id(wg, nwg, lid);
    let item = tp_item(id);
    if (item.w != 0u) {
        despread_item(id, item);
    }
}

// Modulation symbol item.z of data row item.y of slot item.x from the row's (z, v) in
// spread[id − item.z …], demapped.
fn despread_item(id: u32, item: vec4<u32>) {
    let m = p.nsc;
    let slot = item.x;
    let row = item.y;
    let i = item.z;
    let base = id - i;
    let lmmse = p.equalizer == 1u;
    var acc = vec2<f32>(0.0);
    var mu = 0.0;
    var v_sum = 0.0;
    for (var k = 0u; k < m; k++) {
        let e = spread[base + k];
        let a = select(1.0, 1.0 / (1.0 + e.z), lmmse);
        mu += a;
        v_sum += e.z;
        acc += cmul(e.xy * a, tp_twiddle(i, k, 1.0));
    }
    var x = acc * inverseSqrt(f32(m));
    var var_x = v_sum / f32(m);
    if (lmmse) {
        let mu_n = max(mu / f32(m), 1e-12);
        x = x / mu_n;
        var_x = 1.0 / mu_n - 1.0;
    }
    let c = data_symbol_tb(slot, row * m + i);
    if (p.bpsk == 2u && (c.y & 1u) == 1u) {
        x = vec2<f32>(x.y, -x.x);
    }
    demap_symbol(x, var_x, c.x * p.g_len + c.y * p.qm);
}
