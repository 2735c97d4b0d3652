// The per-symbol and per-block stages of the single-carrier link chain: the WGSL twin of
// receivers/src/cpu_chain.rs (simulate_block), around the LDPC encoder and decoder kernels.
// chain_params.wgsl, fastmath.wgsl and philox.wgsl are prepended.
//
// Entry points, in the order a batch runs them (each thread's work in brackets):
//   tb_bits, tb_crc, cb_source      the transport block and its code blocks
//                                   (transport_block.wgsl)
//   symbols      [symbol]           rate-matched bits (§5.4.2) or uncoded bits → QAM point
//                                   (TS 38.211 §5.1) → flat Rayleigh h (stream 2) → AWGN
//                                   (stream 1) → equalize → LLRs (APP or max-log)
//   rate_recover [code block bit]   LLRs back onto the codeword, repeats summed in order,
//                                   punctured 0, fillers FILLER_LLR (decoder input)
//   outcome_cb, outcome             decoded bits vs sent: bit errors, CB errors, CRC checks
//                                   (transport_block.wgsl)
//
// Bindings (group 0):
//   0 p          uniform             Chain
//   1 levels     storage, read       array<f32>  [2^m]  PAM amplitudes by label (Constellation::levels)
//   2 d_index    storage, read       array<u32>  [e_lo + e_hi]  rate matching: output bit t of a
//                                    CB = d[d_index[t]] (e_lo table, then e_hi table)
//   3 rec_start  storage, read       array<u32>  [2, D + 1] CSR over d positions (D = x_stride − 2Z),
//                                    per table; entries index rec_e
//   4 rec_e      storage, read       array<u32>  [e_lo + e_hi] output bits of each d position, ascending
//   5 otab       storage, read       array<u32>  OFDM tables (ofdm_chain.wgsl)
//   6 b          storage, read_write array<u32>  [count, B]             TB bits with CRC (0/1)
//   7 x          storage, read_write array<u32>  [count · C, x_stride]  codeword bits (0/1)
//   8 llr        storage, read_write array<f32>  [count, G]             channel LLRs
//   9 llr_x      storage, read_write array<f32>  [count · C, x_stride]  decoder input LLRs
//  10 hard       storage, read_write array<u32>  [count · C, out_words] decoded bits, packed
//  11 iters      storage, read_write array<u32>  [count · C]            decoder iterations | converged << 31
//  12 outcomes   storage, read_write array<vec4<u32>> [transmissions · count]  (bit errors, CB errors, CRC fail | 2 for loops cut, iterations)
//  13 coeffs     storage, read_write array<vec2<f32>> OFDM path coefficients (ofdm_chain.wgsl)
//  14 ygrid      storage, read_write array<vec2<f32>> OFDM received grids
//  15 hp         storage, read_write array<vec4<f32>> OFDM estimates at the pilot symbols
//  16 lmmse      storage, read_write array<u32>  OFDM LMMSE estimation weights of the point
//  17 gridc      storage, read_write array<vec2<f32>> time-domain OFDM coefficients on the grid
//  18 ici        storage, read_write array<f32>  time-domain OFDM ICI power per link and symbol
//  19 done       storage, read_write array<u32>  [count · C]  HARQ: 1 once the code block's TB passed its
//                                    CRC (outcome sets it, cb_source clears it; the decoders skip it too)
//  20 spread     storage, read_write array<vec4<f32>> DFT-s-OFDM per data RE (transform_precoding.wgsl)
//  21 cb_out     storage, read_write array<vec4<u32>> [count · C] per code block outcome (transport_block.wgsl)
//  22 cpe        storage, read_write array<vec2<f32>> PT-RS common phase per slot and symbol (ptrs.wgsl)
//  23 drops      storage, read_write array<u32>  [transmissions, S, paths, 16] a TR 38.901 scenario model's paths of each
//                                   slot, written by the host per batch (cdl_coeffs.wgsl; read only)
// Workgroup size 64; dispatch (x, y) workgroups with x·y·64 ≥ items (2-D past 65535 groups).
// A TB is one code word: `count` TBs are count / cw engine blocks (slots) of cw code words;
// code word c of block n takes bits c·A … (c + 1)·A − 1 of block n's bit stream.


@group(0) @binding(0) var<uniform> p: Chain;
@group(0) @binding(1) var<storage, read> levels: array<f32>;
@group(0) @binding(2) var<storage, read> d_index: array<u32>;
@group(0) @binding(3) var<storage, read> rec_start: array<u32>;
@group(0) @binding(4) var<storage, read> rec_e: array<u32>;
@group(0) @binding(5) var<storage, read> otab: array<u32>;
@group(0) @binding(6) var<storage, read_write> b: array<u32>;
@group(0) @binding(7) var<storage, read_write> x: array<u32>;
@group(0) @binding(8) var<storage, read_write> llr: array<f32>;
@group(0) @binding(9) var<storage, read_write> llr_x: array<f32>;
@group(0) @binding(10) var<storage, read_write> hard: array<u32>;
@group(0) @binding(11) var<storage, read_write> iters: array<u32>;
@group(0) @binding(12) var<storage, read_write> outcomes: array<vec4<u32>>;
@group(0) @binding(13) var<storage, read_write> coeffs: array<vec2<f32>>;
@group(0) @binding(14) var<storage, read_write> ygrid: array<vec2<f32>>;
@group(0) @binding(15) var<storage, read_write> hp: array<vec4<f32>>;
@group(0) @binding(16) var<storage, read_write> lmmse: array<u32>;
@group(0) @binding(17) var<storage, read_write> gridc: array<vec2<f32>>;
@group(0) @binding(18) var<storage, read_write> ici: array<f32>;
@group(0) @binding(19) var<storage, read_write> done: array<u32>;
@group(0) @binding(20) var<storage, read_write> spread: array<vec4<f32>>;
@group(0) @binding(21) var<storage, read_write> cb_out: array<vec4<u32>>;
@group(0) @binding(22) var<storage, read_write> cpe: array<vec2<f32>>;
@group(0) @binding(23) var<storage, read_write> drops: array<u32>;

const WG: u32 = 64u;

fn linear_id(wg: vec3<u32>, nwg: vec3<u32>, lid: vec3<u32>) -> u32 {
    return (wg.y * nwg.x + wg.x) * WG + lid.x;
}

// HARQ early termination: in a retransmission (p.combine set) a transport block that passed
// its CRC in an earlier one is not sent, received or decoded again; its outcome row is zero
// (the host reads each block's rows up to its first pass only).
fn tb_done(tb: u32) -> bool {
    return p.combine != 0u && done[tb * p.num_cb] != 0u;
}

// The same for a slot: all its code words passed.
fn slot_done(slot: u32) -> bool {
    if (p.combine == 0u) {
        return false;
    }
    for (var c = 0u; c < p.cw; c++) {
        if (done[(slot * p.cw + c) * p.num_cb] == 0u) {
            return false;
        }
    }
    return true;
}

fn key() -> vec2<u32> {
    return vec2<u32>(p.seed_lo, p.seed_hi);
}

// Code block of coded bit g of a TB: (index r, its first coded bit, E_r, table offset).
fn cb_of_bit(g: u32) -> vec4<u32> {
    let lo_bits = p.cb_lo * p.e_lo;
    if (g < lo_bits) {
        let r = g / p.e_lo;
        return vec4<u32>(r, r * p.e_lo, p.e_lo, 0u);
    }
    let r = p.cb_lo + (g - lo_bits) / p.e_hi;
    return vec4<u32>(r, lo_bits + (r - p.cb_lo) * p.e_hi, p.e_hi, p.e_lo);
}

fn coded_bit(tb: u32, g: u32) -> u32 {
    if (p.coded == 0u) {
        return b[tb * p.b_len + g];
    }
    let c = cb_of_bit(g);
    let cb = tb * p.num_cb + c.x;
    return x[cb * p.x_stride + 2u * p.z + d_index[p.d_base + c.w + g - c.y]];
}

// LLRs of one dimension's m bits (qam.rs Constellation::demap_dim), written from `at` with
// stride `step`.
fn demap_dim(y: f32, var_dim: f32, at: u32, step: u32) {
    let inv = 0.5 / var_dim;
    let n = 1u << p.m_dim;
    for (var t = 0u; t < p.m_dim; t++) {
        let shift = p.m_dim - 1u - t;
        var max0 = -3.4e38;
        var max1 = -3.4e38;
        for (var label = 0u; label < n; label++) {
            let d = y - levels[label];
            let mt = -d * d * inv;
            if (((label >> shift) & 1u) == 0u) {
                max0 = max(max0, mt);
            } else {
                max1 = max(max1, mt);
            }
        }
        var out = max0 - max1;
        if (p.demapper == 0u && n > 2u) {
            var s0 = 0.0;
            var s1 = 0.0;
            for (var label = 0u; label < n; label++) {
                let d = y - levels[label];
                let mt = -d * d * inv;
                if (((label >> shift) & 1u) == 0u) {
                    s0 += exp_f32(mt - max0);
                } else {
                    s1 += exp_f32(mt - max1);
                }
            }
            out = out + ln_f32(s0) - ln_f32(s1);
        }
        llr[at + t * step] = out;
    }
}

// The constellation point of the qm-bit label s (bit j of the symbol is bit qm − 1 − j of s).
// TS 38.211 §5.1: even bits select the I level, odd bits the Q level (BPSK: both).
fn label_point(s: u32) -> vec2<f32> {
    var li = 0u;
    var lq = 0u;
    for (var j = 0u; j < p.qm; j++) {
        let bit = (s >> (p.qm - 1u - j)) & 1u;
        if (p.bpsk != 0u) {
            li = bit;
            lq = bit;
        } else if ((j & 1u) == 0u) {
            li = (li << 1u) | bit;
        } else {
            lq = (lq << 1u) | bit;
        }
    }
    return vec2<f32>(levels[li], levels[lq]);
}

// Modulation symbol s of TB tb (π/2-BPSK, bpsk = 2, turns odd s by j, §5.1.2).
fn qam_point(tb: u32, s: u32) -> vec2<f32> {
    var label = 0u;
    for (var j = 0u; j < p.qm; j++) {
        label = (label << 1u) | coded_bit(tb, s * p.qm + j);
    }
    let x = label_point(label);
    if (p.bpsk == 2u && (s & 1u) == 1u) {
        return vec2<f32>(-x.y, x.x);
    }
    return x;
}

// LLRs of the equalized symbol z (error variance `no_eff`) into llr[at …] (qam.rs demap).
fn demap_symbol(z: vec2<f32>, no_eff: f32, at: u32) {
    let var_dim = 0.5 * no_eff;
    if (p.bpsk != 0u) {
        demap_dim(z.x, var_dim, at, 1u);
        let a = llr[at];
        demap_dim(z.y, var_dim, at, 1u);
        llr[at] = a + llr[at];
    } else {
        demap_dim(z.x, var_dim, at, 2u);
        demap_dim(z.y, var_dim, at + 1u, 2u);
    }
}

@compute @workgroup_size(64)
fn symbols(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
           @builtin(local_invocation_id) lid: vec3<u32>) {
    let n_sym = p.g_len / p.qm;
    let id = linear_id(wg, nwg, lid);
    if (id >= p.count * n_sym) {
        return;
    }
    let tb = id / n_sym;
    if (tb_done(tb)) {
        return;
    }
    let s = id % n_sym;
    let block = p.first_block + tb;
    let xs = qam_point(tb, s);
    var y = xs;
    var h = vec2<f32>(1.0, 0.0);
    if (p.channel != 0u) {
        let hs = select(s, 0u, p.channel == 2u);
        let g = gaussian_pair(STREAM_FADING, hs, block, p.point, key());
        h = vec2<f32>(g.x * p.fading_scale, g.y * p.fading_scale);
        y = vec2<f32>(h.x * xs.x - h.y * xs.y, h.x * xs.y + h.y * xs.x);
    }
    let n = gaussian_pair(STREAM_NOISE, s, block, p.point, key());
    y = vec2<f32>(y.x + n.x * p.noise_scale, y.y + n.y * p.noise_scale);
    var z = y;
    var no_eff = p.no;
    if (p.channel != 0u) {
        let g = max(h.x * h.x + h.y * h.y, 1e-30);
        z = vec2<f32>((h.x * y.x + h.y * y.y) / g, (h.x * y.y - h.y * y.x) / g);
        no_eff = p.no / g;
    }
    demap_symbol(z, no_eff, tb * p.g_len + s * p.qm);
}

@compute @workgroup_size(64)
fn rate_recover(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                @builtin(local_invocation_id) lid: vec3<u32>) {
    let id = linear_id(wg, nwg, lid);
    if (id >= p.count * p.num_cb * p.x_stride) {
        return;
    }
    let cb = id / p.x_stride;
    let pos = id % p.x_stride;
    let tb = cb / p.num_cb;
    if (tb_done(tb)) {
        return;
    }
    let r = cb % p.num_cb;
    var v = 0.0;
    if (pos >= 2u * p.z) {
        let k = pos - 2u * p.z;
        if (k >= p.filler_start && k < p.filler_end) {
            v = p.filler_llr;
        } else {
            let lo = r < p.cb_lo;
            let first_bit = select(p.cb_lo * p.e_lo + (r - p.cb_lo) * p.e_hi, r * p.e_lo, lo);
            let base = tb * p.g_len + first_bit;
            let table = p.rec_base + select(p.x_stride - 2u * p.z + 1u, 0u, lo);
            for (var j = rec_start[table + k]; j < rec_start[table + k + 1u]; j++) {
                v += llr[base + rec_e[j]];
            }
            // HARQ soft combining (TransportCodec::combine): buffer + this transmission.
            if (p.combine != 0u) {
                v = llr_x[id] + v;
            }
        }
    }
    llr_x[id] = v;
}
