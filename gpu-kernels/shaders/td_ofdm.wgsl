// Time-domain OFDM on the GPU: the WGSL twin of channels/src/ofdm_waveform.rs, appended after
// cdl_coeffs.wgsl. The host prepends `const FFT_N: u32` (the FFT size, a power of two) and
// `const FFT_LOG: u32` (its log2).
//
//   td_window  [slot, link, symbol]   coefficients on the grid (gridc) averaged over the
//                                     symbol's FFT window → coeffs (the diagonal, perfect CSI),
//                                     Σ_p of their variance (ICI) and of the ISI of paths
//                                     past the CP → ici (the error power perfect CSI adds)
//   td_receive workgroup [slot, symbol]  for every layer t and path q: IFFT of X_{t,s}·
//                                     e^{−j2π f_k τ_q} (and of each earlier symbol the delay
//                                     reaches past the CP) in workgroup memory, samples of the
//                                     FFT window weighted by a_{r,t,q}(n) summed per receive
//                                     antenna in registers; then noise (stream 1, index
//                                     r · samples + n), FFT per antenna → ygrid
// Only the FFT-window samples are formed: the CP samples are discarded by the receiver and
// an earlier symbol's contribution comes from its own IFFT.
//
// Tables: o_delays [paths] path delays in samples (f32; a scenario model's per slot in
// drops); gridc [S, L, grid, paths]; ici [S, L,
// nsym]. Grid step TD_STEP samples, linear interpolation (as the CPU).

const TD_WG: u32 = 256u;
const TD_STEP: u32 = 16u;
// Window samples per thread.
const TD_PER: u32 = (FFT_N + TD_WG - 1u) / TD_WG;

var<workgroup> fft_buf: array<vec2<f32>, FFT_N>;

// a_q(n) of link (r, t); AWGN (no paths): one path, gain 1 from layer r mod nl to antenna r.
fn grid_coeff(slot: u32, link: u32, q: u32, n: u32) -> vec2<f32> {
    if (p.fading_model == 0u) {
        return select(vec2<f32>(0.0), vec2<f32>(1.0, 0.0), (link / p.nl) % p.nl == link % p.nl);
    }
    let base = (slot * p.nrx * p.nl + link) * p.ntimes;
    let g = n / TD_STEP;
    let f = f32(n % TD_STEP) / f32(TD_STEP);
    let a = gridc[(base + g) * p.paths + q];
    let b = gridc[(base + g + 1u) * p.paths + q];
    return a + f * (b - a);
}

@compute @workgroup_size(64)
fn td_window(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
             @builtin(local_invocation_id) lid: vec3<u32>) {
    let links = p.nrx * p.nl;
    let item = slot_link_item(linear_id(wg, nwg, lid), p.nsym);
    if (item.x >= p.count / p.cw || slot_done(item.x)) {
        return;
    }
    let slot = item.x;
    let link = item.y;
    let s = item.z;
    let start = s * (FFT_N + p.cp_len) + p.cp_len;
    var var_sum = 0.0;
    for (var q = 0u; q < p.paths; q++) {
        var acc = vec2<f32>(0.0);
        var power = 0.0;
        for (var i = start; i < start + FFT_N; i++) {
            let v = grid_coeff(slot, link, q, i);
            acc += v;
            power += dot(v, v);
        }
        let mean = acc / f32(FFT_N);
        coeffs[((slot * links + link) * p.nsym + s) * p.paths + q] = mean;
        var_sum += max(power / f32(FFT_N) - dot(mean, mean), 0.0);
        // Past the CP: the inter-symbol interference, |ā|²·(2e − silent)/N
        // (channels::ofdm_waveform::isi_share).
        let late = path_delay(slot, q) - f32(p.cp_len);
        if (late > 0.0) {
            let e = min(late, f32(FFT_N));
            let silent = clamp(late - f32(s * (FFT_N + p.cp_len)), 0.0, e);
            var_sum += dot(mean, mean) * (2.0 * e - silent) / f32(FFT_N);
        }
    }
    ici[(slot * links + link) * p.nsym + s] = var_sum;
}

fn bit_reverse(i: u32) -> u32 {
    return reverseBits(i) >> (32u - FFT_LOG);
}

// In-place radix-2 FFT of fft_buf (already in bit-reversed order); `sign` −1 forward, +1
// inverse; unnormalized.
fn fft_stages(lid: u32, sign: f32) {
    for (var stage = 1u; stage <= FFT_LOG; stage++) {
        let half = 1u << (stage - 1u);
        for (var b = lid; b < FFT_N / 2u; b += TD_WG) {
            let j = b % half;
            let i0 = (b / half) * 2u * half + j;
            let i1 = i0 + half;
            let w = sincos_turns(sign * f32(j) / f32(2u * half));
            let tw = vec2<f32>(w.y, w.x);
            let u = fft_buf[i0];
            let v = cmul(fft_buf[i1], tw);
            fft_buf[i0] = u + v;
            fft_buf[i1] = u - v;
        }
        workgroupBarrier();
    }
}

// Baseband offset of subcarrier k (sim-core SubcarrierLayout: guard carriers, DC null).
fn sc_offset(k: u32) -> i32 {
    return p.sc_first + i32(k) + select(0, 1, k >= p.sc_dc);
}

// FFT bin of subcarrier k: its offset mod N.
fn sc_bin(k: u32) -> u32 {
    return u32((sc_offset(k) % i32(FFT_N) + i32(FFT_N)) % i32(FFT_N));
}

// Delay of path q in samples: a scenario model's from the slot's drop record (τ·Δf as hi +
// lo turns, times N), else the table's; AWGN (no paths) 0.
fn path_delay(slot: u32, q: u32) -> f32 {
    if (p.paths == 0u) {
        return 0.0;
    }
    if (p.fading_model == 3u) {
        let rec = drop_record(slot, q);
        return (bitcast<f32>(drops[rec + 8u]) + bitcast<f32>(drops[rec + 9u])) * f32(FFT_N);
    }
    return tabf(p.o_delays + q);
}

// Symbols back (0: this one) a delay of d samples reaches at offset m of a symbol of sym_len
// samples: the least lag with m + lag·sym_len ≥ d (channels::ofdm_waveform::lag_symbols).
fn td_lag(d: f32, m: u32, sym_len: u32) -> u32 {
    if (f32(m) >= d) {
        return 0u;
    }
    return u32(ceil((d - f32(m)) / f32(sym_len)));
}

// Loads X_{t,s}·e^{−j2π f_k d/N}/√N into bin o_k mod N (bit-reversed), zeros elsewhere, and
// inverse-transforms it.
fn delayed_symbol(slot: u32, t: u32, s: u32, d: f32, lid: u32) {
    for (var i = lid; i < FFT_N; i += TD_WG) {
        fft_buf[i] = vec2<f32>(0.0);
    }
    workgroupBarrier();
    let d_int = u32(floor(d));
    let d_frac = d - floor(d);
    let norm = inverseSqrt(f32(FFT_N));
    for (var k = lid; k < p.nsc; k += TD_WG) {
        let x = tx_value(slot, t, s, k);
        if (x.x != 0.0 || x.y != 0.0) {
            let off = sc_offset(k);
            // −off·d/N turns, with the integer part of d exact modulo N (both factors reduced
            // mod N first: no u32 overflow for delays of many symbols).
            let off_n = u32((off % i32(FFT_N) + i32(FFT_N)) % i32(FFT_N));
            let whole = off_n * (d_int % FFT_N) % FFT_N;
            let turns = -(f32(whole) / f32(FFT_N) + f32(off) * d_frac / f32(FFT_N));
            let e = sincos_turns(turns);
            fft_buf[bit_reverse(sc_bin(k))] = cmul(x, vec2<f32>(e.y, e.x)) * norm;
        }
    }
    workgroupBarrier();
    fft_stages(lid, 1.0);
}

// Phase noise ([phase_noise], channels/src/phase_noise.rs): increments 4j … 4j + 3 of the
// slot's Wiener walk, standard normal, in units of 2^−16 (rounded, as the CPU: integer sums
// are exact, so both devices add the same walk).
fn pn_draw(slot: u32, j: u32) -> vec4<i32> {
    let r = philox4x32_10(vec4<u32>(j, STREAM_PHASE, p.first_block + slot, p.point), key());
    return vec4<i32>(round(vec4<f32>(box_muller(r.x, r.y), box_muller(r.z, r.w)) * 65536.0));
}

// Chunks of the walk summed in parallel (fft_buf holds one partial per chunk).
const PN_PARTS: u32 = min(TD_WG, FFT_N);

// `start` plus increments a … b − 1 of the walk (wrapping: only the final sums need to fit);
// with `write`, each partial sum, the walk at sample i + 1 ≥ n0, also goes to
// fft_buf[i + 1 − n0].y as φ (times σ).
fn pn_walk(slot: u32, a: u32, b: u32, start: i32, n0: u32, write: bool) -> i32 {
    let scale = p.pn_sigma / 65536.0;
    var run = start;
    var i = a;
    while (i < b) {
        let w = pn_draw(slot, i / 4u);
        let end = min(b, (i / 4u + 1u) * 4u);
        for (; i < end; i++) {
            run += w[i % 4u];
            if (write && i + 1u >= n0) {
                fft_buf[i + 1u - n0].y = f32(run) * scale;
            }
        }
    }
    return run;
}

// φ(n0 + u) = σ·Σ_{i < n0 + u} w_i into fft_buf[u].y for every window sample u < FFT_N: the
// increments 0 … n0 + N − 2 in PN_PARTS contiguous chunks, each chunk's sum (its bits in
// fft_buf[c].x), the sums of the chunks before it, then the walk through it.
fn pn_window(slot: u32, n0: u32, lid: u32) {
    let len = n0 + FFT_N - 1u;
    let chunk = (len + PN_PARTS - 1u) / PN_PARTS;
    let a = min(lid * chunk, len);
    let b = min(a + chunk, len);
    if (lid < PN_PARTS) {
        fft_buf[lid].x = bitcast<f32>(pn_walk(slot, a, b, 0, n0, false));
    }
    workgroupBarrier();
    var run = 0;
    for (var c = 0u; c < min(lid, PN_PARTS); c++) {
        run += bitcast<i32>(fft_buf[c].x);
    }
    workgroupBarrier();
    if (lid < PN_PARTS) {
        pn_walk(slot, a, b, run, n0, true);
    }
    // φ(n0) when the walk's first sample is the window's (n0 = 0: a slot without CP).
    if (lid == 0u && n0 == 0u) {
        fft_buf[0].y = 0.0;
    }
    workgroupBarrier();
}

// Pole-zero phase noise (channels/src/phase_noise_tones.rs): tone k of the slot, its
// amplitudes σ_k·(a, b) into fft_buf[k] and its frequency index m (bits) into
// fft_buf[PN_MAX_TONES + k].x. Bands at o_pn: [m_lo, width, σ] per tone.
const PN_MAX_TONES: u32 = 64u;

fn pn_tone_table(slot: u32, lid: u32) {
    if (lid < p.pn_tones) {
        let r = philox4x32_10(vec4<u32>(lid, STREAM_PHASE, p.first_block + slot, p.point), key());
        let band = p.o_pn + 3u * lid;
        fft_buf[lid] = box_muller(r.x, r.y) * tabf(band + 2u);
        fft_buf[PN_MAX_TONES + lid] = vec2<f32>(bitcast<f32>(otab[band] + r.z % otab[band + 1u]), 0.0);
    }
    workgroupBarrier();
}

// φ(n) = Σ_k a_k·(cos θ_k − 1) + b_k·sin θ_k, θ_k = 2π·(m_k·n mod 2^32)/2^32, with
// cos θ − 1 = −2·sin²(θ/2) (both sines accurate relative to small angles).
fn pn_tone_phase(n: u32) -> f32 {
    var phi = 0.0;
    for (var k = 0u; k < p.pn_tones; k++) {
        let ab = fft_buf[k];
        let turns = f32(bitcast<u32>(fft_buf[PN_MAX_TONES + k].x) * n) * 2.3283064e-10;
        let h = sincos_turns(0.5 * turns).x;
        phi += ab.y * sincos_turns(turns).x - 2.0 * ab.x * h * h;
    }
    return phi;
}

@compute @workgroup_size(256)
fn td_receive(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
              @builtin(local_invocation_id) lid3: vec3<u32>) {
    let item = wg.y * nwg.x + wg.x;
    if (item >= (p.count / p.cw) * p.nsym) {
        return;
    }
    let lid = lid3.x;
    let slot = item / p.nsym;
    // HARQ: a slot that passed earlier is skipped, the flag passed through fft_buf[0] (made
    // uniform; the kernel's workgroup memory is exactly the FFT buffer, 32 KiB at N = 4096).
    if (lid == 0u) {
        fft_buf[0] = vec2<f32>(select(0.0, 1.0, slot_done(slot)), 0.0);
    }
    if (workgroupUniformLoad(&fft_buf[0]).x != 0.0) {
        return;
    }
    let s = item % p.nsym;
    let sym_len = FFT_N + p.cp_len;
    let total = p.nsym * sym_len;
    var acc: array<vec2<f32>, MAX_RX * TD_PER>;
    for (var i = 0u; i < MAX_RX * TD_PER; i++) {
        acc[i] = vec2<f32>(0.0);
    }
    for (var t = 0u; t < p.nl; t++) {
        for (var q = 0u; q < max(p.paths, 1u); q++) {
            // The path's delay, made uniform through fft_buf[0] (a scenario model's comes
            // per slot from `drops`, a read_write buffer).
            if (lid == 0u) {
                fft_buf[0] = vec2<f32>(path_delay(slot, q), 0.0);
            }
            let d = workgroupUniformLoad(&fft_buf[0]).x;
            workgroupBarrier();
            // Window sample u (offset m = L + u) comes from symbol s − lag, lag the least
            // with m + lag·(N + L) ≥ d, as V_{s−lag}[(u + lag·(N + L)) mod N]; nothing
            // before the slot.
            var reach = 0u;
            if (d > f32(p.cp_len)) {
                reach = min(td_lag(d, p.cp_len, sym_len), s);
            }
            for (var lag = 0u; lag <= reach; lag++) {
                delayed_symbol(slot, t, s - lag, d, lid);
                for (var j = 0u; j < TD_PER; j++) {
                    let u = lid + j * TD_WG;
                    if (u < FFT_N && td_lag(d, p.cp_len + u, sym_len) == lag) {
                        let n = s * sym_len + p.cp_len + u;
                        let v = fft_buf[(u + lag * sym_len) % FFT_N];
                        for (var r = 0u; r < p.nrx; r++) {
                            acc[r * TD_PER + j] += cmul(grid_coeff(slot, r * p.nl + t, q, n), v);
                        }
                    }
                }
                workgroupBarrier();
            }
        }
    }
    // Phase noise: e^{jφ(n)} at this thread's window samples, common to every antenna.
    var rot: array<vec2<f32>, TD_PER>;
    for (var j = 0u; j < TD_PER; j++) {
        rot[j] = vec2<f32>(1.0, 0.0);
    }
    if (p.pn_sigma > 0.0) {
        pn_window(slot, s * sym_len + p.cp_len, lid);
        for (var j = 0u; j < TD_PER; j++) {
            let u = lid + j * TD_WG;
            if (u < FFT_N) {
                let e = sincos_turns(fft_buf[u].y * 0.15915494);
                rot[j] = vec2<f32>(e.y, e.x);
            }
        }
        workgroupBarrier();
    }
    if (p.pn_tones > 0u) {
        pn_tone_table(slot, lid);
        for (var j = 0u; j < TD_PER; j++) {
            let u = lid + j * TD_WG;
            if (u < FFT_N) {
                let e = sincos_turns(pn_tone_phase(s * sym_len + p.cp_len + u) * 0.15915494);
                rot[j] = vec2<f32>(e.y, e.x);
            }
        }
        workgroupBarrier();
    }
    let n_re = p.nsym * p.nsc;
    let norm = inverseSqrt(f32(FFT_N));
    for (var r = 0u; r < p.nrx; r++) {
        for (var j = 0u; j < TD_PER; j++) {
            let u = lid + j * TD_WG;
            if (u < FFT_N) {
                let n = s * sym_len + p.cp_len + u;
                let noise = gaussian_pair(STREAM_NOISE, r * total + n, p.first_block + slot,
                                          p.point, key());
                fft_buf[bit_reverse(u)] = cmul(acc[r * TD_PER + j] + noise * p.noise_scale,
                                               rot[j]);
            }
        }
        workgroupBarrier();
        fft_stages(lid, -1.0);
        for (var k = lid; k < p.nsc; k += TD_WG) {
            ygrid[(slot * p.nrx + r) * n_re + s * p.nsc + k] =
                fft_buf[sc_bin(k)] * norm;
        }
        workgroupBarrier();
    }
}
