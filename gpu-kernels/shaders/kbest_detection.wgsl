// K-best MIMO detection with soft outputs (`[receiver] equalizer = "kbest"`): the WGSL twin of
// receivers/src/kbest_detection.rs, in f32. Appended after ml_detection.wgsl (qr_points,
// qr_factor, ML_MAX_POINTS), ofdm_chain.wgsl (detect_target, gather_re, data_symbol_tb) and
// link_chain.wgsl (levels, llr). No bindings of its own: it reads the chain's
// (`p.kbest_paths`, `p.kbest_clip`) and writes `llr` like ofdm_detect.
//
//   ofdm_detect_kbest [slot, data RE]  columns of H by ascending norm (the strongest layer at
//                                      the root), H = QR, then breadth first: every survivor
//                                      extended by all M symbols of the next level, the K
//                                      extensions of least distance |(Qᴴy)_l − Σ_{j≥l} R_lj x_j|²
//                                      / N0 kept in a sorted list (insertion; ties keep the
//                                      earlier parent and symbol, as the CPU's (d, index)
//                                      order); LLRs over the final list, max-log or APP, a bit
//                                      without counter-hypothesis ±clip, all clipped to ±clip.
//
// Workgroup size 64, one thread per resource element. K ≤ KB_MAX_PATHS, M ≤ 256 and nl ≤ 4
// (gpu-kernels ofdm_chain.rs `unsupported`). On lavapipe the search counts against the 65535
// loop turns of an invocation (about nl · K · M plus the insertion shifts); a cut search
// marks its transport blocks, which ends the run with that reason.

const KB_MAX_PATHS: u32 = 64u;

@compute @workgroup_size(64)
fn ofdm_detect_kbest(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                     @builtin(local_invocation_id) lid: vec3<u32>) {
    let slot_re = detect_target(linear_id(wg, nwg, lid));
    if (slot_re.x == NO_RE) {
        return;
    }
    let slot = slot_re.x;
    let d = slot_re.y;
    var hm: array<vec2<f32>, 32>;
    var yv: array<vec2<f32>, MAX_RX>;
    let no = gather_re(slot, d, &hm, &yv);
    let inv_no = 1.0 / max(no, 1e-30);
    let nl = p.nl;
    let m = 1u << p.qm;
    let kmax = p.kbest_paths;
    var pts: array<vec2<f32>, ML_MAX_POINTS>;
    qr_points(&pts);
    // order[i]: the column of H at tree level i, by ascending norm (stable).
    var order: array<u32, MAX_LAYERS>;
    var nrm: array<f32, MAX_LAYERS>;
    for (var t = 0u; t < nl; t++) {
        var n2 = 0.0;
        for (var r = 0u; r < p.nrx; r++) {
            n2 += dot(hm[r * nl + t], hm[r * nl + t]);
        }
        nrm[t] = n2;
        var i = t;
        loop {
            if (i == 0u || nrm[order[i - 1u]] <= n2) {
                break;
            }
            order[i] = order[i - 1u];
            i -= 1u;
        }
        order[i] = t;
    }
    var hs: array<vec2<f32>, 32>;
    for (var r = 0u; r < p.nrx; r++) {
        for (var i = 0u; i < nl; i++) {
            hs[r * nl + i] = hm[r * nl + order[i]];
        }
    }
    var rm: array<vec2<f32>, 16>;
    var yt: array<vec2<f32>, MAX_LAYERS>;
    qr_factor(&hs, &yv, &rm, &yt);
    // Survivors: sym[k · MAX_LAYERS + level] (levels at and above the last visited), dist[k].
    var sym: array<u32, 256>;
    var dist: array<f32, KB_MAX_PATHS>;
    // The level being built, sorted by distance: parent and symbol of each extension.
    var ndist: array<f32, KB_MAX_PATHS>;
    var npar: array<u32, KB_MAX_PATHS>;
    var nsy: array<u32, KB_MAX_PATHS>;
    var nsym: array<u32, 256>;
    var count = 1u;
    dist[0] = 0.0;
    for (var lv = 0u; lv < nl; lv++) {
        let level = nl - 1u - lv;
        let rd = rm[level * nl + level].x;
        var n = 0u;
        for (var q = 0u; q < count; q++) {
            var c = yt[level];
            for (var j = level + 1u; j < nl; j++) {
                c -= cmul(rm[level * nl + j], pts[sym[q * MAX_LAYERS + j]]);
            }
            for (var s = 0u; s < m; s++) {
                let e = c - rd * pts[s];
                let dd = dist[q] + dot(e, e) * inv_no;
                if (n == kmax && dd >= ndist[n - 1u]) {
                    continue;
                }
                // Full: the last entry drops out.
                var i = select(n, n - 1u, n == kmax);
                loop {
                    if (i == 0u || ndist[i - 1u] <= dd) {
                        break;
                    }
                    ndist[i] = ndist[i - 1u];
                    npar[i] = npar[i - 1u];
                    nsy[i] = nsy[i - 1u];
                    i -= 1u;
                }
                ndist[i] = dd;
                npar[i] = q;
                nsy[i] = s;
                n = min(n + 1u, kmax);
            }
        }
        for (var i = 0u; i < n; i++) {
            for (var j = level + 1u; j < nl; j++) {
                nsym[i * MAX_LAYERS + j] = sym[npar[i] * MAX_LAYERS + j];
            }
            nsym[i * MAX_LAYERS + level] = nsy[i];
        }
        for (var i = 0u; i < n; i++) {
            dist[i] = ndist[i];
            for (var j = level; j < nl; j++) {
                sym[i * MAX_LAYERS + j] = nsym[i * MAX_LAYERS + j];
            }
        }
        count = n;
    }
    // LLRs over the list (positive means bit 0), by layer.
    let clip = p.kbest_clip;
    let app = p.demapper == 0u;
    var out: array<f32, 32>;
    for (var level = 0u; level < nl; level++) {
        for (var j = 0u; j < p.qm; j++) {
            let shift = p.qm - 1u - j;
            var m0 = 3.4e38;
            var m1 = 3.4e38;
            var s0 = 0.0;
            var s1 = 0.0;
            for (var k = 0u; k < count; k++) {
                let dk = dist[k];
                let e = select(0.0, exp_f32(dist[0] - dk), app);
                if (((sym[k * MAX_LAYERS + level] >> shift) & 1u) == 0u) {
                    m0 = min(m0, dk);
                    s0 += e;
                } else {
                    m1 = min(m1, dk);
                    s1 += e;
                }
            }
            var v = m1 - m0;
            if (m1 == 3.4e38) {
                v = clip;
            } else if (m0 == 3.4e38) {
                v = -clip;
            } else if (app && s0 > 1e-30 && s1 > 1e-30) {
                v = ln_f32(s0) - ln_f32(s1);
            }
            out[order[level] * p.qm + j] = clamp(v, -clip, clip);
        }
    }
    let cut = invocation_cut();
    for (var t = 0u; t < nl; t++) {
        let i = d * nl + t;
        if (i >= p.data_syms) {
            break;
        }
        let c = data_symbol_tb(slot, i);
        if (cut) {
            b[c.x * p.b_len] = 2u;
        }
        for (var j = 0u; j < p.qm; j++) {
            llr[c.x * p.g_len + c.y * p.qm + j] = out[t * p.qm + j];
        }
    }
}
