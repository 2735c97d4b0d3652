// CDL cluster coefficients (TR 38.901 §7.7.1, eq. 7.5-22): the WGSL twin of
// channels/src/cdl.rs (CdlModel::coefficients), appended after ofdm_chain.wgsl.
//
// cdl_coeffs [slot, link, cluster]: draws the cluster's rays from the slot's fading stream
// exactly as the CPU does (uniform i = word i mod 4 of Philox draw i / 4; cluster n starts at
// the uniform the clusters before it used: 1 for LOS, NLOS_UNIFORMS otherwise), then sums
// its rays' contributions for link (u = rx port, s = tx port) at every coefficient time
// (symbol starts, or the time-domain grid) into coeffs or gridc (put_coeff); with codebook
// precoding, link (u, t) sums M[(u, t), (u, s)] = W[s, t] times the coefficients of every
// tx port s. Fisher-Yates indices floor(u·(i + 1)) are computed in integers (exact, as the
// CPU's f64 product).
//
// `otab` at o_cdl (words; f32 as bits):
//   [0..4)   c_ASD, c_ASA, c_ZSD, c_ZSA (deg)
//   4        κ^(−1/2) (XPR)          5 uplink          6 rx pattern      7 tx pattern (0 omni, 1 38.901)
//   [8..20)  angle maps (§7.7.5.1) of AOD, AOA, ZOD, ZOA: scale, model mean, desired mean
//   [20..40) ray offsets α_m (Table 7.5-3, ±, interleaved)
//   [40..)   per cluster 8 words: first uniform, LOS, power, AOA, AOD, ZOA, ZOD, 0 (deg)
//   then     per rx port 4 words: x, y, z (wavelengths), slant ζ (rad); then per tx port the same
//
// A TR 38.901 scenario model (fading_model 3, channels/src/stochastic.rs) has a new set of
// paths every slot: the host writes them into `drops` per batch, DROP_WORDS per (slot, path):
// the 8 cluster words above with word 7 = the sub-cluster group (0 whole; 1, 2, 3 the parts
// of a split cluster, which share the parent's draws and power and hold the rays of
// SUBCLUSTER_RAYS), then the path delay as τ·Δf split into hi (exact products with the
// subcarrier offsets) and lo, the per-ray XPR's mean and deviation in dB (deviation 0: the
// header's κ), and the ray spreads c_ASD, c_ASA, c_ZSD, c_ZSA of the drop's condition (a
// drawn LOS/NLOS condition changes them per slot). The otab cluster words are then zero
// placeholders.

const RAYS: u32 = 20u;
const DROP_WORDS: u32 = 16u;

// Record of path n of `slot` in `drops`: transmission t (HARQ, the point's bits 24…, as
// BlockRng::retransmission) has its own drops after those of transmissions 0 … t − 1.
fn drop_record(slot: u32, n: u32) -> u32 {
    return (((p.point >> 24u) * (p.count / p.cw) + slot) * p.paths + n) * DROP_WORDS;
}

// Word i of path n's record: per slot in `drops` for a scenario model, else the CDL table's.
fn cluster_word(slot: u32, n: u32, i: u32) -> u32 {
    if (p.fading_model == 3u) {
        return drops[drop_record(slot, n) + i];
    }
    return otab[p.o_cdl + 40u + 8u * n + i];
}

fn cluster_f32(slot: u32, n: u32, i: u32) -> f32 {
    return bitcast<f32>(cluster_word(slot, n, i));
}

// TR 38.901 Table 7.5-5: ray j of sub-cluster `group` (0: all 20 rays in order).
fn subcluster_ray(group: u32, j: u32) -> u32 {
    if (group == 1u) {
        return select(j, j + 10u, j >= 8u);
    }
    if (group == 2u) {
        return select(j + 8u, j + 12u, j >= 4u);
    }
    if (group == 3u) {
        return j + 12u;
    }
    return j;
}

// Rays of sub-cluster `group`.
fn subcluster_rays(group: u32) -> u32 {
    var counts = array<u32, 4>(RAYS, 10u, 6u, 4u);
    return counts[min(group, 3u)];
}
const DEG: f32 = 0.017453292;

// Uniform i of this slot's fading stream, with a one-draw cache.
struct Uniforms {
    block: u32,
    index: u32,
    draw: vec4<u32>,
}

fn uniform_at(st: ptr<function, Uniforms>, i: u32) -> u32 {
    if ((*st).index != i / 4u) {
        (*st).index = i / 4u;
        (*st).draw = philox4x32_10(vec4<u32>(i / 4u, STREAM_FADING, (*st).block, p.point), key());
    }
    return (*st).draw[i % 4u];
}

// TR 38.901 eq. 7.5-15: a zenith angle folded into [0°, 180°].
fn fold_zenith(t_in: f32) -> f32 {
    let t = t_in - 360.0 * floor(t_in / 360.0);
    return select(t, 360.0 - t, t > 180.0);
}

// Field amplitude of the element pattern toward (θ, φ), degrees (cdl.rs ElementPattern::field).
fn element_field(kind: u32, theta: f32, phi: f32) -> f32 {
    if (kind == 0u) {
        return 1.0;
    }
    let ph = (phi + 180.0) - 360.0 * floor((phi + 180.0) / 360.0) - 180.0;
    let a_v = -min(12.0 * ((theta - 90.0) / 65.0) * ((theta - 90.0) / 65.0), 30.0);
    let a_h = -min(12.0 * (ph / 65.0) * (ph / 65.0), 30.0);
    let a_db = -min(-(a_v + a_h), 30.0) + 8.0;
    return exp(a_db * 0.11512925);
}

// Angle scaling (cdl.rs AngleMap::apply) of dimension d; the identity map leaves φ as is.
fn map_angle(c: u32, d: u32, phi: f32) -> f32 {
    let scale = tabf(c + 8u + 3u * d);
    let model_mean = tabf(c + 9u + 3u * d);
    let desired_mean = tabf(c + 10u + 3u * d);
    if (scale == 1.0 && model_mean == 0.0 && desired_mean == 0.0) {
        return phi;
    }
    let x = phi - model_mean + 180.0;
    return scale * (x - 360.0 * floor(x / 360.0) - 180.0) + desired_mean;
}

fn direction(theta: f32, phi: f32) -> vec3<f32> {
    return vec3<f32>(sin(theta) * cos(phi), sin(theta) * sin(phi), cos(theta));
}

fn port(at: u32) -> vec4<f32> {
    return vec4<f32>(tabf(at), tabf(at + 1u), tabf(at + 2u), tabf(at + 3u));
}

@compute @workgroup_size(64)
fn cdl_coeffs(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
              @builtin(local_invocation_id) lid: vec3<u32>) {
    let item = slot_link_item(linear_id(wg, nwg, lid), p.paths);
    if (item.x >= p.count / p.cw || slot_done(item.x)) {
        return;
    }
    if (p.mixed == 0u) {
        cdl_link(item.x, item.y, item.y / p.nl, item.y % p.nl, item.z, vec2<f32>(1.0, 0.0),
                 false);
        return;
    }
    // Codebook precoding: Σ_j M[link, j] · (the cluster of drawn link j = (u', port)).
    var wrote = false;
    for (var j = 0u; j < p.nrx * p.ntx; j++) {
        let wt = mix_weight(item.y, j);
        if (any(wt != vec2<f32>(0.0))) {
            cdl_link(item.x, item.y, j / p.ntx, j % p.ntx, item.z, wt, wrote);
            wrote = true;
        }
    }
}

// Cluster n of rx port u and tx port s, times `wt`, stored into (or, with `add`, added to)
// the coefficients of link `link` at every coefficient time.
fn cdl_link(slot: u32, link: u32, u: u32, s: u32, n: u32, wt: vec2<f32>, add: bool) {
    let c = p.o_cdl;
    let ports = c + 40u + 8u * p.paths;
    let rx = port(ports + 4u * u);
    let tx = port(ports + 4u * (p.nrx + s));
    let uplink = otab[c + 5u] != 0u;
    var st = Uniforms(p.first_block + slot, 0xffffffffu, vec4<u32>(0u));
    let first = cluster_word(slot, n, 0u);
    var next = first;
    let los = cluster_word(slot, n, 1u) != 0u;
    let group = cluster_word(slot, n, 7u);
    let rays = select(subcluster_rays(group), 1u, los);
    // Per-ray XPR (scenario models): N(μ, σ) dB from two draws per ray after the phases.
    var xpr_mu = 0.0;
    var xpr_sigma = 0.0;
    // Ray spreads [c_ASD, c_ASA, c_ZSD, c_ZSA]: the header's, or the drop's.
    var spread = vec4<f32>(tabf(c), tabf(c + 1u), tabf(c + 2u), tabf(c + 3u));
    if (p.fading_model == 3u) {
        xpr_mu = cluster_f32(slot, n, 10u);
        xpr_sigma = cluster_f32(slot, n, 11u);
        spread = vec4<f32>(cluster_f32(slot, n, 12u), cluster_f32(slot, n, 13u),
                           cluster_f32(slot, n, 14u), cluster_f32(slot, n, 15u));
    }
    // Coupling permutations (AOD, ZOA, ZOD offsets to the AOA ones).
    var perm: array<array<u32, RAYS>, 3>;
    if (!los) {
        for (var q = 0u; q < 3u; q++) {
            for (var i = 0u; i < RAYS; i++) {
                perm[q][i] = i;
            }
            for (var i = RAYS - 1u; i >= 1u; i--) {
                let x = uniform_at(&st, next) >> 8u;
                next += 1u;
                let j = min(((2u * x + 1u) * (i + 1u)) >> 25u, i);
                let tmp = perm[q][i];
                perm[q][i] = perm[q][j];
                perm[q][j] = tmp;
            }
        }
    }
    let su = sin(rx.w);
    let cu = cos(rx.w);
    let ss = sin(tx.w);
    let cs = cos(tx.w);
    // Per ray: gain, polarization term, array phase (turns) and Doppler (Hz).
    var ray_gain: array<f32, RAYS>;
    var ray_pol: array<vec2<f32>, RAYS>;
    var ray_base: array<f32, RAYS>;
    var ray_doppler: array<f32, RAYS>;
    // The parent's draws after the permutations: 4 phases per ray, then 2 per ray for XPR.
    let phases_at = next;
    for (var j = 0u; j < rays; j++) {
        let m = subcluster_ray(group, j);
        var ph: array<f32, 4>;
        for (var k = 0u; k < select(4u, 1u, los); k++) {
            // 2πu − π, in turns: u − 1/2.
            ph[k] = u32_to_open01(uniform_at(&st, phases_at + 4u * m + k)) - 0.5;
        }
        var cross = tabf(c + 4u);
        if (xpr_sigma > 0.0) {
            let at = phases_at + 4u * RAYS + 2u * m;
            let u1 = u32_to_open01(uniform_at(&st, at));
            let u2 = u32_to_open01(uniform_at(&st, at + 1u));
            let z = sqrt(-2.0 * log(u1)) * sincos_turns(u2).y;
            cross = exp(-(xpr_mu + xpr_sigma * z) * 0.11512925);
        }
        var aoa = cluster_f32(slot, n, 3u);
        var aod = cluster_f32(slot, n, 4u);
        var zoa = cluster_f32(slot, n, 5u);
        var zod = cluster_f32(slot, n, 6u);
        var power = cluster_f32(slot, n, 2u);
        if (!los) {
            aoa += spread.y * tabf(c + 20u + m);
            aod += spread.x * tabf(c + 20u + perm[0][m]);
            zoa += spread.w * tabf(c + 20u + perm[1][m]);
            zod += spread.z * tabf(c + 20u + perm[2][m]);
            power /= f32(RAYS);
        }
        aod = map_angle(c, 0u, aod);
        aoa = map_angle(c, 1u, aoa);
        zod = fold_zenith(map_angle(c, 2u, zod));
        zoa = fold_zenith(map_angle(c, 3u, zoa));
        // At the UE (zoa, aoa), at the BS (zod, aod); uplink: the BS receives.
        let rx_angles = select(vec2<f32>(zoa, aoa), vec2<f32>(zod, aod), uplink);
        let tx_angles = select(vec2<f32>(zod, aod), vec2<f32>(zoa, aoa), uplink);
        let r_rx = direction(rx_angles.x * DEG, rx_angles.y * DEG);
        let r_tx = direction(tx_angles.x * DEG, tx_angles.y * DEG);
        ray_gain[j] = sqrt(power) * element_field(otab[c + 6u], rx_angles.x, rx_angles.y)
            * element_field(otab[c + 7u], tx_angles.x, tx_angles.y);
        ray_doppler[j] = p.doppler_hz * select(r_rx.x, r_tx.x, uplink) + p.shift_hz;
        if (los) {
            let a = cu * cs - su * ss;
            let e = sincos_turns(ph[0]);
            ray_pol[j] = vec2<f32>(a * e.y, a * e.x);
        } else {
            let w = array<f32, 4>(cu * cs, cu * ss * cross, su * cs * cross, su * ss);
            var pol = vec2<f32>(0.0);
            for (var k = 0u; k < 4u; k++) {
                let e = sincos_turns(ph[k]);
                pol += w[k] * vec2<f32>(e.y, e.x);
            }
            ray_pol[j] = pol;
        }
        ray_base[j] = dot(r_rx, rx.xyz) + dot(r_tx, tx.xyz);
    }
    for (var t = 0u; t < p.ntimes; t++) {
        var acc = vec2<f32>(0.0);
        let time = tabf(p.o_times + t);
        for (var j = 0u; j < rays; j++) {
            let e = sincos_turns(ray_base[j] + ray_doppler[j] * time);
            let pol = ray_pol[j];
            acc += ray_gain[j] * vec2<f32>(pol.x * e.y - pol.y * e.x, pol.x * e.x + pol.y * e.y);
        }
        put_coeff(slot, link, t, n, cmul(wt, acc), add);
    }
}
