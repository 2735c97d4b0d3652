// The OFDM stages of the link chain (frequency domain): the WGSL twin of
// receivers/src/ofdm_chain.rs (simulate_slot) between the LDPC encoder and rate recovery.
// Appended to link_chain.wgsl (its bindings and helpers: coded_bit, qam_point, demap_symbol).
//
// Entry points, in the order a batch runs them (each thread's work in brackets; S = count / cw
// slots, L = nrx · nl links, link = r · nl + t):
//   tdl_coeffs     [slot, link, tap]          sum-of-sinusoids tap coefficients at every symbol
//                                             start, or on the time-domain grid
//                                             (channels/src/tdl.rs, stream 2); with precoding
//                                             or correlation Σ_j M[link, j] · tap of drawn j
//   ofdm_receive   [slot, rx, RE]             y = Σ_t H_rt · x_t + n (stream 1, index r · REs + RE)
//   ofdm_pilot_est [slot, link, pilot sym, k] LS at the layer's pilots (CDM pairs averaged),
//                                             linear in frequency (receivers/src/estimation.rs),
//                                             or LMMSE over a window of them (weights from
//                                             receivers/src/lmmse_estimation.rs in `lmmse`)
//   ofdm_detect    [slot, data RE]            channel estimate (perfect, or LS interpolated in
//                                             time), ZF/LMMSE detection (receivers/src/mimo.rs, in
//                                             f32), LLRs of every layer's symbol
//
// Buffers (link_chain.wgsl bindings 13-15):
//   coeffs [S, L, nsym, paths]             path coefficients
//   ygrid  [S, nrx, nsym · nsc]            received grids
//   hp     [S, L, npilot, nsc]             (ĥ.re, ĥ.im, error variance, 0) at the pilot symbols
// `otab` tables (word offsets in Chain; f32 stored as bits):
//   o_psym   [npilot]              pilot symbol indices
//   o_srow   [nsym]                row of each symbol: data row, or pilot row | 1 << 31
//   o_dsym   [nsym − npilot]       symbol of each data row
//   o_tint   [nsym, 3]             time interpolation (pilot row j0, j1, weight of j1)
//   o_times  [nsym]                symbol start times (s)
//   o_phasor [paths, nsc, 2]       exp(−j2π f_k τ_p)
//   o_pilots [nl, npilot, nsc, 2]  pilot values (zero off the layer's subcarriers)
//   o_fint   [nl, nsc, 4]          frequency interpolation (k0, k1, weight of k1, CDM partner of k)
//   o_taps   [paths, 2]            (amplitude √P, LOS flag)
//   o_mix    [L, nrx · ntx, 2]     link-mixing weights M (mixed = 1)
// Data RE d (row · nsc + k without PT-RS; ptrs.wgsl data_re) carries data symbols d · nl + t
// (layer t) while < data_syms;
// data symbol i is modulation symbol i mod (G / Q_m) of code word i / (G / Q_m).

const SINUSOIDS: u32 = 32u;
const DRAWS_PER_TAP: u32 = 9u;
const MAX_RX: u32 = 8u;
const MAX_LAYERS: u32 = 4u;

fn tabf(i: u32) -> f32 {
    return bitcast<f32>(otab[i]);
}

fn cmul(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
    return vec2<f32>(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x);
}

// conj(a) · b
fn cmul_conj(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
    return vec2<f32>(a.x * b.x + a.y * b.y, a.x * b.y - a.y * b.x);
}

// Work item `id` of a per-(slot, link, inner) kernel as (slot, link, inner index); the
// slot is ≥ count / cw past the end.
fn slot_link_item(id: u32, inner: u32) -> vec3<u32> {
    let links = p.nrx * p.nl;
    return vec3<u32>(id / (links * inner), (id / inner) % links, id % inner);
}

@compute @workgroup_size(64)
fn tdl_coeffs(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
              @builtin(local_invocation_id) lid: vec3<u32>) {
    let item = slot_link_item(linear_id(wg, nwg, lid), p.paths);
    if (item.x >= p.count / p.cw || slot_done(item.x)) {
        return;
    }
    if (p.mixed == 0u) {
        tdl_link(item.x, item.y, item.y, item.z, vec2<f32>(1.0, 0.0), false);
        return;
    }
    // Precoding / correlation: Σ_j M[link, j] · (the tap of drawn link j).
    var wrote = false;
    for (var j = 0u; j < p.nrx * p.ntx; j++) {
        let wt = mix_weight(item.y, j);
        if (any(wt != vec2<f32>(0.0))) {
            tdl_link(item.x, item.y, j, item.z, wt, wrote);
            wrote = true;
        }
    }
}

// Weight M[link, j] of drawn link j (r' · ntx + port) in link `link` (mixed = 1).
fn mix_weight(link: u32, j: u32) -> vec2<f32> {
    let e = p.o_mix + 2u * (link * p.nrx * p.ntx + j);
    return vec2<f32>(tabf(e), tabf(e + 1u));
}

// Tap l of the link drawn with stream index `drawn` (r · ntx + port), times `wt`, stored
// into (or, with `add`, added to) the coefficients of link `link` at every coefficient time.
fn tdl_link(slot: u32, link: u32, drawn: u32, l: u32, wt: vec2<f32>, add: bool) {
    let block = p.first_block + slot;
    let base = (drawn * p.paths + l) * DRAWS_PER_TAP;
    let last = philox4x32_10(vec4<u32>(base + DRAWS_PER_TAP - 1u, STREAM_FADING, block, p.point),
                             key());
    let amp = tabf(p.o_taps + 2u * l);
    if (otab[p.o_taps + 2u * l + 1u] != 0u) {
        // LOS: one phasor arriving at π/4.
        let phi0 = u32_to_open01(last.y);
        let f = p.doppler_hz * 0.70710677 + p.shift_hz;
        for (var s = 0u; s < p.ntimes; s++) {
            let sc = sincos_turns(f * tabf(p.o_times + s) + phi0);
            put_coeff(slot, link, s, l, cmul(wt, vec2<f32>(amp * sc.y, amp * sc.x)), add);
        }
        return;
    }
    // α_n = (2πn + θ)/N with θ = 2πu − π: in turns (n + u − 1/2)/N.
    let theta = u32_to_open01(last.x) - 0.5;
    var phase: array<f32, SINUSOIDS>;
    var freq: array<f32, SINUSOIDS>;
    var r = vec4<u32>(0u);
    for (var n = 0u; n < SINUSOIDS; n++) {
        if (n % 4u == 0u) {
            r = philox4x32_10(vec4<u32>(base + n / 4u, STREAM_FADING, block, p.point), key());
        }
        phase[n] = u32_to_open01(r[n % 4u]);
        freq[n] = p.doppler_hz * sincos_turns((f32(n) + theta) / f32(SINUSOIDS)).y + p.shift_hz;
    }
    let scale = amp / sqrt(f32(SINUSOIDS));
    for (var s = 0u; s < p.ntimes; s++) {
        let t = tabf(p.o_times + s);
        var acc = vec2<f32>(0.0);
        for (var n = 0u; n < SINUSOIDS; n++) {
            let sc = sincos_turns(freq[n] * t + phase[n]);
            acc += vec2<f32>(sc.y, sc.x);
        }
        put_coeff(slot, link, s, l, cmul(wt, scale * acc), add);
    }
}

// Coefficient of path q of link `link` at coefficient time i: per symbol start into coeffs
// (frequency domain), or on the waveform grid into gridc (time domain); `add` accumulates.
fn put_coeff(slot: u32, link: u32, i: u32, q: u32, v: vec2<f32>, add: bool) {
    let at = ((slot * p.nrx * p.nl + link) * p.ntimes + i) * p.paths + q;
    // Only a mixed link reads back what it accumulates.
    if (p.td != 0u) {
        if (add) {
            gridc[at] += v;
        } else {
            gridc[at] = v;
        }
    } else if (add) {
        coeffs[at] += v;
    } else {
        coeffs[at] = v;
    }
}

// H of link (r, t) on symbol s, subcarrier k.
fn channel_at(slot: u32, r: u32, t: u32, s: u32, k: u32) -> vec2<f32> {
    if (p.paths == 0u) {
        return select(vec2<f32>(0.0), vec2<f32>(1.0, 0.0), r % p.nl == t);
    }
    let at = ((slot * p.nrx * p.nl + r * p.nl + t) * p.nsym + s) * p.paths;
    var h = vec2<f32>(0.0);
    if (p.fading_model == 3u) {
        // A scenario model's delays change per slot: exp(−j2π·offset·τΔf), the product
        // offset·hi exact in f32 (hi keeps 11 significant bits), lo the rest.
        let off = f32(sc_offset(k));
        for (var q = 0u; q < p.paths; q++) {
            let rec = drop_record(slot, q);
            let a = off * bitcast<f32>(drops[rec + 8u]);
            let e = sincos_turns(-((a - floor(a)) + off * bitcast<f32>(drops[rec + 9u])));
            h += cmul(coeffs[at + q], vec2<f32>(e.y, e.x));
        }
        return h;
    }
    for (var q = 0u; q < p.paths; q++) {
        let e = p.o_phasor + 2u * (q * p.nsc + k);
        h += cmul(coeffs[at + q], vec2<f32>(tabf(e), tabf(e + 1u)));
    }
    return h;
}

var<workgroup> energy_part: array<f32, 64>;

// `[channel] normalize`: scales a slot's path coefficients so that its channel has unit mean
// energy per RE over all links (receivers/src/ofdm_chain.rs; the CPU sums in f64); in the
// time domain the channel is the window-averaged one (td_window runs first) and the grid of
// coefficients and the ICI power are scaled too. One workgroup of 64 threads per slot.
@compute @workgroup_size(64)
fn ofdm_normalize(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                  @builtin(local_invocation_id) lid: vec3<u32>) {
    let slot = wg.y * nwg.x + wg.x;
    let valid = slot < p.count / p.cw && !slot_done(slot);
    let links = p.nrx * p.nl;
    let n_re = p.nsym * p.nsc;
    var acc = 0.0;
    if (valid) {
        for (var i = lid.x; i < links * n_re; i += 64u) {
            let link = i / n_re;
            let re = i % n_re;
            let h = channel_at(slot, link / p.nl, link % p.nl, re / p.nsc, re % p.nsc);
            acc += h.x * h.x + h.y * h.y;
        }
    }
    energy_part[lid.x] = acc;
    workgroupBarrier();
    for (var half = 32u; half > 0u; half >>= 1u) {
        if (lid.x < half) {
            energy_part[lid.x] += energy_part[lid.x + half];
        }
        workgroupBarrier();
    }
    let scale = 1.0 / sqrt(max(energy_part[0] / f32(links * n_re), 1e-30));
    storageBarrier();
    if (valid) {
        let per_slot = links * p.nsym * p.paths;
        for (var i = lid.x; i < per_slot; i += 64u) {
            coeffs[slot * per_slot + i] *= scale;
        }
        if (p.td != 0u) {
            // Time domain: the waveform's coefficient grid and the ICI power too.
            let per_grid = links * p.ntimes * p.paths;
            for (var i = lid.x; i < per_grid; i += 64u) {
                gridc[slot * per_grid + i] *= scale;
            }
            for (var i = lid.x; i < links * p.nsym; i += 64u) {
                ici[slot * links * p.nsym + i] *= scale * scale;
            }
        }
    }
}

// Code word (TB) and symbol index of data symbol i of a slot.
fn data_symbol_tb(slot: u32, i: u32) -> vec2<u32> {
    let per_cw = p.g_len / p.qm;
    return vec2<u32>(slot * p.cw + i / per_cw, i % per_cw);
}

// What layer t sends on symbol s, subcarrier k.
fn tx_value(slot: u32, t: u32, s: u32, k: u32) -> vec2<f32> {
    let row = otab[p.o_srow + s];
    if ((row >> 31u) != 0u) {
        let e = p.o_pilots + 2u * ((t * p.npilot + (row & 0xffffu)) * p.nsc + k);
        return vec2<f32>(tabf(e), tabf(e + 1u));
    }
    if (p.tp != 0u) {
        return spread[(slot * (p.nsym - p.npilot) + row) * p.nsc + k].xy;
    }
    if ((row & PTRS_ROW) != 0u) {
        let m = ptrs_index(k);
        if (m != NO_PTRS) {
            return select(vec2<f32>(0.0), ptrs_value(m), t == 0u);
        }
    }
    let i = data_re(row, k) * p.nl + t;
    if (i >= p.data_syms) {
        return vec2<f32>(0.0);
    }
    let c = data_symbol_tb(slot, i);
    return qam_point(c.x, c.y);
}

@compute @workgroup_size(64)
fn ofdm_receive(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                @builtin(local_invocation_id) lid: vec3<u32>) {
    let n_re = p.nsym * p.nsc;
    let id = linear_id(wg, nwg, lid);
    if (id >= (p.count / p.cw) * p.nrx * n_re) {
        return;
    }
    let slot = id / (p.nrx * n_re);
    if (slot_done(slot)) {
        return;
    }
    let r = (id / n_re) % p.nrx;
    let i = id % n_re;
    let s = i / p.nsc;
    let k = i % p.nsc;
    let n = gaussian_pair(STREAM_NOISE, r * n_re + i, p.first_block + slot, p.point, key());
    var y = n * p.noise_scale;
    for (var t = 0u; t < p.nl; t++) {
        let xv = tx_value(slot, t, s, k);
        y += cmul(channel_at(slot, r, t, s, k), xv);
    }
    ygrid[id] = y;
}

// LS value y·p* of layer t at subcarrier k of pilot row j on antenna r.
fn ls_raw(slot: u32, r: u32, t: u32, j: u32, k: u32) -> vec2<f32> {
    let s = otab[p.o_psym + j];
    let y = ygrid[(slot * p.nrx + r) * p.nsym * p.nsc + s * p.nsc + k];
    let e = p.o_pilots + 2u * ((t * p.npilot + j) * p.nsc + k);
    return cmul_conj(vec2<f32>(tabf(e), tabf(e + 1u)), y);
}

fn ls_member(slot: u32, r: u32, t: u32, j: u32, k: u32) -> vec2<f32> {
    let v = ls_raw(slot, r, t, j, k);
    if (p.cdm == 0u) {
        return v;
    }
    let partner = otab[p.o_fint + 4u * (t * p.nsc + k) + 3u];
    return (v + ls_raw(slot, r, t, j, partner)) / 2.0;
}

@compute @workgroup_size(64)
fn ofdm_pilot_est(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                  @builtin(local_invocation_id) lid: vec3<u32>) {
    let id = linear_id(wg, nwg, lid);
    let item = slot_link_item(id, p.npilot * p.nsc);
    if (item.x >= p.count / p.cw || slot_done(item.x)) {
        return;
    }
    let slot = item.x;
    let link = item.y;
    let j = item.z / p.nsc;
    let k = item.z % p.nsc;
    let r = link / p.nl;
    let t = link % p.nl;
    if (p.estimator == 2u) {
        let at = (t * p.nsc + k) * p.lmmse_stride;
        var h = vec2<f32>(0.0);
        for (var i = at + 1u; i < at + p.lmmse_stride; i += 3u) {
            let wt = vec2<f32>(bitcast<f32>(lmmse[i + 1u]), bitcast<f32>(lmmse[i + 2u]));
            h += cmul(wt, ls_member(slot, r, t, j, lmmse[i]));
        }
        hp[id] = vec4<f32>(h, bitcast<f32>(lmmse[at]), 0.0);
        return;
    }
    let f = p.o_fint + 4u * (t * p.nsc + k);
    let w = tabf(f + 2u);
    let a = ls_member(slot, r, t, j, otab[f]);
    let c = ls_member(slot, r, t, j, otab[f + 1u]);
    let member_var = select(p.no, p.no / 2.0, p.cdm != 0u);
    let h = vec2<f32>((1.0 - w) * a.x + w * c.x, (1.0 - w) * a.y + w * c.y);
    hp[id] = vec4<f32>(h, ((1.0 - w) * (1.0 - w) + w * w) * member_var, 0.0);
}

// The (slot, data RE) detection invocation `id` handles, or x = NO_RE when it has none: past
// the batch, past the slot's data symbols (a partial last group of layers), or in a slot that
// is done. Shared by ofdm_detect, ofdm_detect_ml and ofdm_detect_kbest.
const NO_RE: u32 = 0xffffffffu;
fn detect_target(id: u32) -> vec2<u32> {
    let data_res = p.dres;
    if (id >= (p.count / p.cw) * data_res) {
        return vec2<u32>(NO_RE, 0u);
    }
    let slot = id / data_res;
    let d = id % data_res;
    if (d * p.nl >= p.data_syms || slot_done(slot)) {
        return vec2<u32>(NO_RE, 0u);
    }
    return vec2<u32>(slot, d);
}

// The channel estimate of link (r, t) at symbol s, subcarrier k (perfect CSI: the channel)
// and its error variance (perfect CSI in the time domain: the link's ICI power, td_window).
fn estimate_at(slot: u32, r: u32, t: u32, s: u32, k: u32) -> vec3<f32> {
    if (p.estimator == 0u) {
        var ev = 0.0;
        if (p.td != 0u && p.fading_model != 0u) {
            ev = ici[(slot * p.nrx * p.nl + r * p.nl + t) * p.nsym + s];
        }
        return vec3<f32>(channel_at(slot, r, t, s, k), ev);
    }
    let j0 = otab[p.o_tint + 3u * s];
    let j1 = otab[p.o_tint + 3u * s + 1u];
    let w = tabf(p.o_tint + 3u * s + 2u);
    let base = (slot * p.nrx * p.nl + r * p.nl + t) * p.npilot;
    let a = hp[(base + j0) * p.nsc + k];
    let c = hp[(base + j1) * p.nsc + k];
    return vec3<f32>((1.0 - w) * a.xy + w * c.xy, (1.0 - w) * (1.0 - w) * a.z + w * w * c.z);
}

// The channel (estimate) `hm` [nrx, nl] and the received values `yv` of data RE d of a slot
// (with PT-RS, the estimates turned by the symbol's common phase error, ptrs.wgsl); returns
// the noise variance the detector assumes: N0 plus the estimate's error variance summed
// over the layers, averaged over the receive antennas.
fn gather_re(slot: u32, d: u32, hm: ptr<function, array<vec2<f32>, 32>>,
             yv: ptr<function, array<vec2<f32>, MAX_RX>>) -> f32 {
    let sk = data_re_position(d);
    let s = sk.x;
    let k = sk.y;
    let n_re = p.nsym * p.nsc;
    var turn = vec2<f32>(1.0, 0.0);
    if (p.ptrs_n != 0u) {
        turn = cpe[slot * p.nsym + s];
    }
    var ev = 0.0;
    for (var r = 0u; r < p.nrx; r++) {
        (*yv)[r] = ygrid[(slot * p.nrx + r) * n_re + s * p.nsc + k];
        for (var t = 0u; t < p.nl; t++) {
            let e = estimate_at(slot, r, t, s, k);
            (*hm)[r * p.nl + t] = cmul(e.xy, turn);
            ev += e.z;
        }
    }
    return p.no + ev / f32(p.nrx);
}

@compute @workgroup_size(64)
fn ofdm_detect(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
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
    // G = HᴴH (+ N0·I), b = Hᴴy; G is Hermitian positive semi-definite, so Gauss-Jordan
    // without pivoting is stable (the CPU pivots, in f64).
    let nl = p.nl;
    var g: array<vec2<f32>, 16>;
    var inv: array<vec2<f32>, 16>;
    var bv: array<vec2<f32>, MAX_LAYERS>;
    for (var i = 0u; i < nl; i++) {
        bv[i] = vec2<f32>(0.0);
        for (var j = 0u; j < nl; j++) {
            g[i * nl + j] = vec2<f32>(0.0);
            inv[i * nl + j] = select(vec2<f32>(0.0), vec2<f32>(1.0, 0.0), i == j);
        }
    }
    for (var r = 0u; r < p.nrx; r++) {
        for (var i = 0u; i < nl; i++) {
            let hi = hm[r * nl + i];
            bv[i] += cmul_conj(hi, yv[r]);
            for (var j = 0u; j < nl; j++) {
                g[i * nl + j] += cmul_conj(hi, hm[r * nl + j]);
            }
        }
    }
    let lmmse = p.equalizer == 1u;
    if (lmmse) {
        for (var i = 0u; i < nl; i++) {
            g[i * nl + i].x += no;
        }
    }
    var singular = false;
    for (var c = 0u; c < nl; c++) {
        let piv = g[c * nl + c];
        let pn = piv.x * piv.x + piv.y * piv.y;
        if (!(pn > 1e-36)) {
            singular = true;
            break;
        }
        let rp = vec2<f32>(piv.x / pn, -piv.y / pn);
        for (var q = 0u; q < nl; q++) {
            g[c * nl + q] = cmul(g[c * nl + q], rp);
            inv[c * nl + q] = cmul(inv[c * nl + q], rp);
        }
        for (var row = 0u; row < nl; row++) {
            if (row == c) {
                continue;
            }
            let f = g[row * nl + c];
            for (var q = 0u; q < nl; q++) {
                g[row * nl + q] -= cmul(f, g[c * nl + q]);
                inv[row * nl + q] -= cmul(f, inv[c * nl + q]);
            }
        }
    }
    for (var t = 0u; t < nl; t++) {
        let i = d * nl + t;
        if (i >= p.data_syms) {
            break;
        }
        var z = vec2<f32>(0.0);
        var var_t = 1e30;
        if (!singular) {
            var xh = vec2<f32>(0.0);
            for (var j = 0u; j < nl; j++) {
                xh += cmul(inv[t * nl + j], bv[j]);
            }
            let dg = inv[t * nl + t].x;
            if (lmmse) {
                let mu = max(1.0 - no * dg, 1e-12);
                z = xh / mu;
                var_t = max((1.0 - mu) / mu, 1e-12);
            } else {
                z = xh;
                var_t = max(no * dg, 1e-12);
            }
        }
        if (p.tp != 0u) {
            // DFT-s-OFDM (one layer): tp_despread demaps after the inverse DFT.
            spread[slot * ((p.nsym - p.npilot) * p.nsc) + d] = vec4<f32>(z, var_t, 0.0);
            continue;
        }
        let c = data_symbol_tb(slot, i);
        demap_symbol(z, var_t, c.x * p.g_len + c.y * p.qm);
    }
}
