// The neural receiver inside the GPU OFDM chain: the WGSL twin of
// receivers/src/neural/features.rs around the network (neural_conv.wgsl).
// chain_params.wgsl is prepended.
//
// Entry points, in the order a batch runs them (each thread's work in brackets):
//   neural_features [slot, RE]       the network's input planes from the received grid and
//                                    the LS estimates at the pilot symbols (ofdm_pilot_est,
//                                    run with nearest-symbol time weights in o_tint)
//   neural_llrs     [slot, data RE]  LLR = −logit of every coded bit the RE carries, into the
//                                    chain's channel LLRs (rate recovery reads them)
//
// Bindings (group 0):
//   0 p         uniform             Chain
//   1 otab      storage, read       array<u32>        OFDM tables (ofdm_chain.wgsl)
//   2 ygrid     storage, read       array<vec2<f32>>  [S, nrx, nsym · nsc] received grids
//   3 hp        storage, read       array<vec4<f32>>  [S, L, npilot, nsc] estimates at the pilots
//   4 logits    storage, read       array<f32>        [S, nl · Q_m, nsym, nsc] network output
//   5 features  storage, read_write array<f32>        [S, C, nsym, nsc] network input
//   6 llr       storage, read_write array<f32>        [S · cw, G] channel LLRs
// Feature planes (C = 2·nrx + 4·nrx·nl + 2): Re/Im y_r; Re/Im ĥ_l (l = r·nl + t); Re/Im
// y_r·conj(ĥ_l)/N0; pilot-symbol flag; log10 N0.

@group(0) @binding(0) var<uniform> p: Chain;
@group(0) @binding(1) var<storage, read> otab: array<u32>;
@group(0) @binding(2) var<storage, read> ygrid: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read> hp: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> logits: array<f32>;
@group(0) @binding(5) var<storage, read_write> features: array<f32>;
@group(0) @binding(6) var<storage, read_write> llr: array<f32>;

fn item_id(wg: vec3<u32>, nwg: vec3<u32>, lid: vec3<u32>) -> u32 {
    return (wg.y * nwg.x + wg.x) * 64u + lid.x;
}

@compute @workgroup_size(64)
fn neural_features(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                   @builtin(local_invocation_id) lid: vec3<u32>) {
    let n_re = p.nsym * p.nsc;
    let id = item_id(wg, nwg, lid);
    if (id >= (p.count / p.cw) * n_re) {
        return;
    }
    let slot = id / n_re;
    let re = id % n_re;
    let s = re / p.nsc;
    let k = re % p.nsc;
    let nrx = p.nrx;
    let links = nrx * p.nl;
    let planes = 2u * nrx + 4u * links + 2u;
    let base = slot * planes * n_re + re;
    let inv_no = 1.0 / p.no;
    let j0 = otab[p.o_tint + 3u * s];
    let j1 = otab[p.o_tint + 3u * s + 1u];
    let w = bitcast<f32>(otab[p.o_tint + 3u * s + 2u]);
    for (var r = 0u; r < nrx; r++) {
        let y = ygrid[(slot * nrx + r) * n_re + re];
        features[base + 2u * r * n_re] = y.x;
        features[base + (2u * r + 1u) * n_re] = y.y;
        for (var t = 0u; t < p.nl; t++) {
            let l = r * p.nl + t;
            let hb = (slot * links + l) * p.npilot;
            let a = hp[(hb + j0) * p.nsc + k];
            let c = hp[(hb + j1) * p.nsc + k];
            let h = vec2<f32>((1.0 - w) * a.x + w * c.x, (1.0 - w) * a.y + w * c.y);
            let hp_plane = 2u * nrx + 2u * l;
            features[base + hp_plane * n_re] = h.x;
            features[base + (hp_plane + 1u) * n_re] = h.y;
            let mf_plane = 2u * nrx + 2u * links + 2u * l;
            features[base + mf_plane * n_re] = (y.x * h.x + y.y * h.y) * inv_no;
            features[base + (mf_plane + 1u) * n_re] = (y.y * h.x - y.x * h.y) * inv_no;
        }
    }
    let pilot = (otab[p.o_srow + s] >> 31u) != 0u;
    features[base + (planes - 2u) * n_re] = select(0.0, 1.0, pilot);
    features[base + (planes - 1u) * n_re] = log(p.no) * 0.4342944819;
}

@compute @workgroup_size(64)
fn neural_llrs(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
               @builtin(local_invocation_id) lid: vec3<u32>) {
    let data_res = (p.nsym - p.npilot) * p.nsc;
    let id = item_id(wg, nwg, lid);
    if (id >= (p.count / p.cw) * data_res) {
        return;
    }
    let slot = id / data_res;
    let d = id % data_res;
    let re = otab[p.o_dsym + d / p.nsc] * p.nsc + d % p.nsc;
    let n_re = p.nsym * p.nsc;
    let out_planes = p.nl * p.qm;
    for (var t = 0u; t < p.nl; t++) {
        let i = d * p.nl + t;
        if (i >= p.data_syms) {
            break;
        }
        for (var b = 0u; b < p.qm; b++) {
            let logit = logits[(slot * out_planes + t * p.qm + b) * n_re + re];
            llr[slot * p.cw * p.g_len + i * p.qm + b] = -logit;
        }
    }
}
