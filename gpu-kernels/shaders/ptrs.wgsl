// PT-RS (TS 38.211 §7.4.1.2) in the OFDM chain: the WGSL twin of sim-core/src/ptrs.rs (where
// the PT-RS sit) and receivers/src/ptrs_cpe.rs (common-phase-error compensation). Appended
// after ofdm_chain.wgsl. PT-RS rows (data rows with PT-RS) have PTRS_ROW in o_srow; on them
// subcarriers ptrs_k0 + m·ptrs_step, m < ptrs_n, carry PT-RS m (layer 0; nothing on the other
// layers) and the other subcarriers the row's data REs in order, from o_dstart[row].
//
//   ofdm_ptrs_cpe [slot]   per PT-RS symbol c_l = z/|z|, z = Σ_r Σ_m y·(ĥ_{r,0}·x_m)*; c = 1
//                          on the DMRS symbols; the others nlerp between the nearest such
//                          symbols (the nearest one's beyond) → cpe [S, nsym]; gather_re turns
//                          every estimate of symbol l by c_l.

const PTRS_ROW: u32 = 0x40000000u;
const NO_PTRS: u32 = 0xffffffffu;
const MAX_SYMBOLS: u32 = 14u;

// PT-RS index m of subcarrier k on a PT-RS row, or NO_PTRS.
fn ptrs_index(k: u32) -> u32 {
    if (p.ptrs_n == 0u || k < p.ptrs_k0 || (k - p.ptrs_k0) % p.ptrs_step != 0u) {
        return NO_PTRS;
    }
    let m = (k - p.ptrs_k0) / p.ptrs_step;
    return select(NO_PTRS, m, m < p.ptrs_n);
}

// Data RE of the slot at subcarrier k (not a PT-RS one) of data row word `row`.
fn data_re(row: u32, k: u32) -> u32 {
    var j = k;
    if ((row & PTRS_ROW) != 0u && k > p.ptrs_k0) {
        // Minus the PT-RS subcarriers below k.
        j = k - min(p.ptrs_n, (k - p.ptrs_k0 - 1u) / p.ptrs_step + 1u);
    }
    return otab[p.o_dstart + (row & 0xffffu)] + j;
}

// (symbol, subcarrier) of data RE d of a slot.
fn data_re_position(d: u32) -> vec2<u32> {
    let rows = p.nsym - p.npilot;
    var r = 0u;
    while (r + 1u < rows && otab[p.o_dstart + r + 1u] <= d) {
        r++;
    }
    let s = otab[p.o_dsym + r];
    var k = d - otab[p.o_dstart + r];
    if ((otab[p.o_srow + s] & PTRS_ROW) != 0u && k >= p.ptrs_k0) {
        // ptrs_step − 1 data subcarriers between two PT-RS ones.
        k += min(p.ptrs_n, (k - p.ptrs_k0) / (p.ptrs_step - 1u) + 1u);
    }
    return vec2<u32>(s, k);
}

// PT-RS value m (layer 0).
fn ptrs_value(m: u32) -> vec2<f32> {
    return vec2<f32>(tabf(p.o_ptrs + 2u * m), tabf(p.o_ptrs + 2u * m + 1u));
}

@compute @workgroup_size(64)
fn ofdm_ptrs_cpe(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                 @builtin(local_invocation_id) lid: vec3<u32>) {
    let slot = linear_id(wg, nwg, lid);
    if (slot >= p.count / p.cw || slot_done(slot)) {
        return;
    }
    let n_re = p.nsym * p.nsc;
    var c: array<vec2<f32>, MAX_SYMBOLS>;
    var is_ref: array<u32, MAX_SYMBOLS>;
    for (var l = 0u; l < p.nsym; l++) {
        let row = otab[p.o_srow + l];
        c[l] = vec2<f32>(1.0, 0.0);
        is_ref[l] = row >> 31u;
        if ((row >> 31u) == 0u && (row & PTRS_ROW) != 0u) {
            var z = vec2<f32>(0.0);
            for (var r = 0u; r < p.nrx; r++) {
                for (var m = 0u; m < p.ptrs_n; m++) {
                    let k = p.ptrs_k0 + m * p.ptrs_step;
                    let y = ygrid[(slot * p.nrx + r) * n_re + l * p.nsc + k];
                    let hx = cmul(estimate_at(slot, r, 0u, l, k).xy, ptrs_value(m));
                    z += cmul_conj(hx, y);
                }
            }
            let n = length(z);
            if (n > 0.0) {
                c[l] = z / n;
            }
            is_ref[l] = 1u;
        }
    }
    for (var l = 0u; l < p.nsym; l++) {
        var v = c[l];
        if (is_ref[l] == 0u) {
            var before = NO_PTRS;
            var after = NO_PTRS;
            for (var j = 0u; j < p.nsym; j++) {
                if (is_ref[j] != 0u) {
                    if (j < l) {
                        before = j;
                    } else if (after == NO_PTRS) {
                        after = j;
                    }
                }
            }
            if (before == NO_PTRS) {
                v = c[after];
            } else if (after == NO_PTRS) {
                v = c[before];
            } else {
                let w = f32(l - before) / f32(after - before);
                v = (1.0 - w) * c[before] + w * c[after];
                let n = length(v);
                v = select(vec2<f32>(1.0, 0.0), v / n, n > 0.0);
            }
        }
        cpe[slot * p.nsym + l] = v;
    }
}
