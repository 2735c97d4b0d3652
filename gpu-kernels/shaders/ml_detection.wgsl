// Maximum-likelihood MIMO detection with soft outputs (`[receiver] equalizer = "ml"`, two or
// more layers): the WGSL twin of receivers/src/ml_detection.rs, in f32, and the front the
// tree detectors share (receivers/src/qr_tree.rs): the indexed constellation (qr_points) and
// H = QR (qr_factor). Appended after ofdm_chain.wgsl (detect_target, gather_re,
// data_symbol_tb) and link_chain.wgsl (levels, llr, label_point); kbest_detection.wgsl uses
// the front.
//
//   ofdm_detect_ml [slot, data RE]  H = QR (modified Gram-Schmidt), then a depth-first walk
//                                   of the tree of the M^nl joint hypotheses (layer nl − 1 at
//                                   the root; a node's distance term |(Qᴴy)_l − Σ_{j≥l} R_lj x_j|²
//                                   / N0 depends on the layers at and above it), each subtree's
//                                   minimum folded into the table T[l][x_l]; APP walks again
//                                   for the sums of e^{d_min − d}. Bit LLRs come from the table.
//
// nl ≥ 2 and M^nl ≤ 65 536 (sim-core link_rules.rs) bound the table: nl · M ≤ 512. Every
// thread of a dispatch walks the same tree, so control flow stays uniform. On lavapipe the
// walk counts against the 65535 loop turns of an invocation (about M^nl per pass); a cut walk
// marks its transport blocks, which ends the run with that reason.

const ML_TABLE: u32 = 512u;
const ML_MAX_POINTS: u32 = 256u;

@compute @workgroup_size(64)
fn ofdm_detect_ml(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
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
    var pts: array<vec2<f32>, ML_MAX_POINTS>;
    qr_points(&pts);
    var rm: array<vec2<f32>, 16>;
    var yt: array<vec2<f32>, MAX_LAYERS>;
    qr_factor(&hm, &yv, &rm, &yt);
    var tab: array<f32, ML_TABLE>;
    var maxlog: array<f32, 16>;
    var idx: array<u32, MAX_LAYERS>;
    var pdl: array<f32, MAX_LAYERS>;
    var cc: array<vec2<f32>, MAX_LAYERS>;
    var sub: array<f32, MAX_LAYERS>;
    var xs: array<vec2<f32>, MAX_LAYERS>;
    var d_min = 0.0;
    let passes = select(1u, 2u, p.demapper == 0u);
    for (var walk = 0u; walk < passes; walk++) {
        let app = walk == 1u;
        let init = select(3.4e38, 0.0, app);
        for (var i = 0u; i < nl * m; i++) {
            tab[i] = init;
        }
        var level = nl - 1u;
        idx[level] = 0u;
        sub[level] = init;
        pdl[level] = 0.0;
        cc[level] = yt[level];
        loop {
            if (idx[level] == m) {
                // The subtree below the chosen symbols of the layers above `level` is done.
                if (level == nl - 1u) {
                    break;
                }
                let v = sub[level];
                level += 1u;
                let at = level * m + idx[level];
                tab[at] = select(min(tab[at], v), tab[at] + v, app);
                sub[level] = select(min(sub[level], v), sub[level] + v, app);
                idx[level] += 1u;
                continue;
            }
            let s = idx[level];
            let e = cc[level] - rm[level * nl + level].x * pts[s];
            let dist = pdl[level] + dot(e, e) * inv_no;
            if (level == 0u) {
                let v = select(dist, exp_f32(d_min - dist), app);
                tab[s] = select(min(tab[s], v), tab[s] + v, app);
                sub[0] = select(min(sub[0], v), sub[0] + v, app);
                idx[0] += 1u;
                continue;
            }
            xs[level] = pts[s];
            level -= 1u;
            idx[level] = 0u;
            sub[level] = init;
            pdl[level] = dist;
            var c = yt[level];
            for (var j = level + 1u; j < nl; j++) {
                c -= cmul(rm[level * nl + j], xs[j]);
            }
            cc[level] = c;
        }
        if (!app) {
            d_min = sub[nl - 1u];
        }
        for (var l = 0u; l < nl; l++) {
            for (var j = 0u; j < p.qm; j++) {
                let shift = p.qm - 1u - j;
                var a0 = init;
                var a1 = init;
                for (var s = 0u; s < m; s++) {
                    let v = tab[l * m + s];
                    if (((s >> shift) & 1u) == 0u) {
                        a0 = select(min(a0, v), a0 + v, app);
                    } else {
                        a1 = select(min(a1, v), a1 + v, app);
                    }
                }
                let at = l * p.qm + j;
                if (!app) {
                    maxlog[at] = a1 - a0;
                } else if (a0 > 1e-30 && a1 > 1e-30) {
                    maxlog[at] = ln_f32(a0) - ln_f32(a1);
                }
            }
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
            llr[c.x * p.g_len + c.y * p.qm + j] = maxlog[t * p.qm + j];
        }
    }
}

// The constellation by index: symbol s carries bits b_0 … b_{Q−1} of s, MSB first
// (link_chain.wgsl label_point).
fn qr_points(pts: ptr<function, array<vec2<f32>, ML_MAX_POINTS>>) {
    for (var s = 0u; s < (1u << p.qm); s++) {
        (*pts)[s] = label_point(s);
    }
}

// H = QR by modified Gram-Schmidt on the [nrx, nl] row-major `hm`, whose columns become Q (a
// dependent column: zero q, zero R row); `rm` [nl, nl] upper triangular with a real
// diagonal, `yt` = Qᴴy.
fn qr_factor(hm: ptr<function, array<vec2<f32>, 32>>, yv: ptr<function, array<vec2<f32>, MAX_RX>>,
             rm: ptr<function, array<vec2<f32>, 16>>, yt: ptr<function, array<vec2<f32>, MAX_LAYERS>>) {
    let nl = p.nl;
    for (var i = 0u; i < nl; i++) {
        for (var k = 0u; k < i; k++) {
            var acc = vec2<f32>(0.0);
            for (var r = 0u; r < p.nrx; r++) {
                acc += cmul_conj((*hm)[r * nl + k], (*hm)[r * nl + i]);
            }
            (*rm)[k * nl + i] = acc;
            for (var r = 0u; r < p.nrx; r++) {
                (*hm)[r * nl + i] -= cmul(acc, (*hm)[r * nl + k]);
            }
        }
        var n2 = 0.0;
        for (var r = 0u; r < p.nrx; r++) {
            n2 += dot((*hm)[r * nl + i], (*hm)[r * nl + i]);
        }
        let norm = sqrt(n2);
        let scale = select(0.0, 1.0 / norm, norm > 1e-30);
        var acc = vec2<f32>(0.0);
        for (var r = 0u; r < p.nrx; r++) {
            (*hm)[r * nl + i] *= scale;
            acc += cmul_conj((*hm)[r * nl + i], (*yv)[r]);
        }
        (*rm)[i * nl + i] = vec2<f32>(select(0.0, norm, scale > 0.0), 0.0);
        (*yt)[i] = acc;
    }
}
