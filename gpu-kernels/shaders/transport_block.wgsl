// The transport block stages of the link chain (appended to link_chain.wgsl, whose bindings
// they use), parallel over its bits and code blocks so that a long transport block is not one
// thread's serial loop (the lavapipe loop limit, loop_canary.wgsl, cut those past ~64 kbit):
//
//   tb_bits    [TB, 128-bit piece]  random bits (Philox stream 0; code word c of a block takes
//                                   bits c·A … of its stream) into b
//   tb_crc     [TB] 64 threads      TB CRC (TS 38.212 §7.2.1) of the A bits: each thread the
//                                   CRC of its piece, combined (below) into b[A …]
//   cb_source  [code block]         segmentation and CB CRC24B (§5.2.2) into x, fillers 0;
//                                   clears the block's HARQ `done` flag
//   outcome_cb [code block]         decoded bits vs sent: bit errors, CB CRC, the block's part
//                                   of the TB CRC check, iterations → cb_out
//   outcome    [TB]                 the TB's row of `outcomes` from its code blocks' (HARQ:
//                                   sets `done` when the CRC passed)
//
// CRC arithmetic: crc_step gives R(M) = M(x)·x^L mod g (zero start, crc.rs), linear in M, and
// R(A‖B) = R(A)·x^|B| ⊕ R(B) mod g, so pieces are checked apart and combined with
// multiplications by x^n mod g.

fn crc_len(kind: u32) -> u32 {
    return select(select(24u, 16u, kind == 3u), 0u, kind == 0u);
}

fn crc_generator(kind: u32) -> u32 {
    switch kind {
        case 1u: { return 0x864CFBu; }
        case 2u: { return 0x800063u; }
        case 3u: { return 0x1021u; }
        default: { return 0u; }
    }
}

// One bit through the CRC shift register (crc.rs CrcPoly::remainder); with bit 0 it
// multiplies the register by x mod g.
fn crc_step(reg: u32, bit: u32, len: u32, generator: u32) -> u32 {
    let feedback = ((reg >> (len - 1u)) & 1u) ^ bit;
    let shifted = (reg << 1u) & ((1u << len) - 1u);
    return select(shifted, shifted ^ generator, feedback == 1u);
}

// a·b mod g (polynomials of degree < len over GF(2)).
fn crc_mul(a: u32, b: u32, len: u32, generator: u32) -> u32 {
    var r = 0u;
    for (var i = len; i > 0u; i--) {
        r = crc_step(r, 0u, len, generator);
        if (((b >> (i - 1u)) & 1u) == 1u) {
            r ^= a;
        }
    }
    return r;
}

// r·x^n mod g: what a piece's remainder r becomes with n more bits after it.
fn crc_shift(r: u32, n: u32, len: u32, generator: u32) -> u32 {
    var pow = 1u;
    for (var i = 32u - countLeadingZeros(n); i > 0u; i--) {
        pow = crc_mul(pow, pow, len, generator);
        if (((n >> (i - 1u)) & 1u) == 1u) {
            pow = crc_step(pow, 0u, len, generator);
        }
    }
    return crc_mul(r, pow, len, generator);
}

// True when this invocation's loops were cut by the adapter (loop_canary.wgsl).
fn invocation_cut() -> bool {
    return loops_were_cut((p.count & 1u) + 2u);
}

// A cut source stage marks its TB with 2 in its first bit (outcome reports it).
fn mark_if_cut(tb: u32) {
    if (invocation_cut()) {
        b[tb * p.b_len] = 2u;
    }
}

@compute @workgroup_size(64)
fn tb_bits(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
           @builtin(local_invocation_id) lid: vec3<u32>) {
    let pieces = (p.a_len + 127u) / 128u;
    let id = linear_id(wg, nwg, lid);
    if (id >= p.count * pieces) {
        return;
    }
    let tb = id / pieces;
    let first = (id % pieces) * 128u;
    let block = p.first_block + tb / p.cw;
    let offset = (tb % p.cw) * p.a_len;
    var r = vec4<u32>(0u);
    for (var i = first; i < min(first + 128u, p.a_len); i++) {
        let at = offset + i;
        if (i == first || at % 128u == 0u) {
            r = philox4x32_10(vec4<u32>(at / 128u, STREAM_BITS, block, p.point), key());
        }
        b[tb * p.b_len + i] = (r[(at % 128u) / 32u] >> (at % 32u)) & 1u;
    }
}

var<workgroup> tb_crc_sum: atomic<u32>;

// One workgroup per TB.
@compute @workgroup_size(64)
fn tb_crc(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_id) lid: vec3<u32>) {
    let tb = wg.y * nwg.x + wg.x;
    let len = crc_len(p.tb_crc);
    if (tb >= p.count || len == 0u) {
        return;
    }
    let generator = crc_generator(p.tb_crc);
    let piece = (p.a_len + 63u) / 64u;
    let start = min(lid.x * piece, p.a_len);
    let end = min(start + piece, p.a_len);
    var reg = 0u;
    for (var i = start; i < end; i++) {
        reg = crc_step(reg, b[tb * p.b_len + i], len, generator);
    }
    let part = crc_shift(reg, p.a_len - end, len, generator);
    if (lid.x == 0u) {
        atomicStore(&tb_crc_sum, 0u);
    }
    workgroupBarrier();
    atomicXor(&tb_crc_sum, part);
    workgroupBarrier();
    if (lid.x == 0u) {
        let crc = atomicLoad(&tb_crc_sum);
        for (var i = 0u; i < len; i++) {
            b[tb * p.b_len + p.a_len + i] = (crc >> (len - 1u - i)) & 1u;
        }
    }
    mark_if_cut(tb);
}

// Code block `blk` of the batch as (TB, index in it, 1), or z = 0 past the batch.
fn cb_item(blk: u32) -> vec3<u32> {
    if (blk >= p.count * p.num_cb) {
        return vec3<u32>(0u);
    }
    return vec3<u32>(blk / p.num_cb, blk % p.num_cb, 1u);
}

@compute @workgroup_size(64)
fn cb_source(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
             @builtin(local_invocation_id) lid: vec3<u32>) {
    let blk = linear_id(wg, nwg, lid);
    let item = cb_item(blk);
    if (item.z != 0u) {
        source_cb(blk, item.x, item.y);
    }
}

// Code block `blk` (index cb of TB tb) into x.
fn source_cb(blk: u32, tb: u32, cb: u32) {
    done[blk] = 0u;
    let base = blk * p.x_stride;
    var cb_reg = 0u;
    for (var k = 0u; k < p.cb_data; k++) {
        let bit = b[tb * p.b_len + cb * p.cb_data + k];
        x[base + k] = bit;
        cb_reg = crc_step(cb_reg, bit, 24u, 0x800063u);
    }
    if (p.cb_crc != 0u) {
        for (var i = 0u; i < 24u; i++) {
            x[base + p.cb_data + i] = (cb_reg >> (23u - i)) & 1u;
        }
    }
    for (var k = p.k_prime; k < p.kb * p.z; k++) {
        x[base + k] = 0u;
    }
    mark_if_cut(tb);
}

// cb_out[blk]: (bit errors, 1 differs | 2 CB CRC failed | 4 loops cut, the block's part of
// the TB CRC remainder, decoder iterations).
@compute @workgroup_size(64)
fn outcome_cb(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
              @builtin(local_invocation_id) lid: vec3<u32>) {
    let blk = linear_id(wg, nwg, lid);
    let item = cb_item(blk);
    if (item.z != 0u) {
        check_cb(blk, item.x, item.y);
    }
}

// Code block `blk` (index cb of TB tb) against what was sent, into cb_out[blk].
fn check_cb(blk: u32, tb: u32, cb: u32) {
    if (tb_done(tb)) {
        return;
    }
    let tb_len = crc_len(p.tb_crc);
    let tb_gen = crc_generator(p.tb_crc);
    var bit_errors = 0u;
    var differs = false;
    var cb_reg = 0u;
    var tb_reg = 0u;
    for (var k = 0u; k < p.k_prime; k++) {
        let h = (hard[blk * p.out_words + k / 32u] >> (k % 32u)) & 1u;
        cb_reg = crc_step(cb_reg, h, 24u, 0x800063u);
        if (k < p.cb_data) {
            let pos = cb * p.cb_data + k;
            if (h != b[tb * p.b_len + pos]) {
                differs = true;
                bit_errors += select(0u, 1u, pos < p.a_len);
            }
            if (tb_len > 0u) {
                tb_reg = crc_step(tb_reg, h, tb_len, tb_gen);
            }
        }
    }
    var part = 0u;
    if (tb_len > 0u) {
        part = crc_shift(tb_reg, (p.num_cb - 1u - cb) * p.cb_data, tb_len, tb_gen);
    }
    // The decoder's loops were cut short (ldpc_common.wgsl loops_cut), or these.
    let cut = (iters[blk] & 0x40000000u) != 0u || invocation_cut();
    let flags = select(0u, 1u, differs) | select(0u, 2u, p.cb_crc != 0u && cb_reg != 0u)
        | select(0u, 4u, cut);
    cb_out[blk] = vec4<u32>(bit_errors, flags, part, iters[blk] & 0x3fffffffu);
}

@compute @workgroup_size(64)
fn outcome(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
           @builtin(local_invocation_id) lid: vec3<u32>) {
    let tb = linear_id(wg, nwg, lid);
    if (tb >= p.count) {
        return;
    }
    if (p.coded == 0u) {
        var errors = 0u;
        for (var i = 0u; i < p.a_len; i++) {
            errors += select(0u, 1u, (llr[tb * p.g_len + i] < 0.0) != (b[tb * p.b_len + i] == 1u));
        }
        let cut = invocation_cut() || b[tb * p.b_len] > 1u;
        outcomes[p.out_base + tb] = vec4<u32>(errors, select(0u, 1u, errors > 0u), select(0u, 2u, cut), 0u);
        return;
    }
    if (tb_done(tb)) {
        outcomes[p.out_base + tb] = vec4<u32>(0u);
        return;
    }
    var bit_errors = 0u;
    var cb_errors = 0u;
    var crc_ok = true;
    var iterations = 0u;
    var cut = false;
    var tb_reg = 0u;
    for (var cb = 0u; cb < p.num_cb; cb++) {
        let o = cb_out[tb * p.num_cb + cb];
        bit_errors += o.x;
        cb_errors += o.y & 1u;
        crc_ok = crc_ok && (o.y & 2u) == 0u;
        cut = cut || (o.y & 4u) != 0u;
        tb_reg ^= o.z;
        iterations += o.w;
    }
    crc_ok = crc_ok && tb_reg == 0u;
    cut = cut || invocation_cut() || b[tb * p.b_len] > 1u;
    let flags = select(1u, 0u, crc_ok) | select(0u, 2u, cut);
    outcomes[p.out_base + tb] = vec4<u32>(bit_errors, cb_errors, flags, min(iterations, 65535u));
    if (flags == 0u) {
        for (var cb = 0u; cb < p.num_cb; cb++) {
            done[tb * p.num_cb + cb] = 1u;
        }
    }
}
