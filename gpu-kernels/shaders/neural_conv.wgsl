// One convolution layer of the neural receiver (receivers::neural::model) over a batch of
// resource grids: y[b, co, t, f] = bias[co] + Σ_{ci, kt, kf} w[co, ci, kt, kf] ·
// act(x[b, ci, t + kt − h, f + (kf − h)·d]) (+ residual[b, co, t, f]), zero padding, where
// h = (kernel − 1)/2, d the frequency dilation and act = ReLU or identity.
// Entry points: `conv`, one invocation per output element (the default, measured on the H100:
// 4 885 slots/s for the anchor's network); `conv_grouped`, one invocation per RE and group of
// COB output channels, each input value read once for COB outputs and the weight reads
// uniform across the workgroup (not yet measured on a GPU: `ferrolink bench --tune`).
// Both sum in the same order per output.

struct ConvParams {
    batch: u32,
    cin: u32,
    cout: u32,
    symbols: u32,
    sc: u32,
    kernel: u32,
    dilation: u32,
    // bit 0: ReLU on the input; bit 1: add `residual`.
    flags: u32,
    // Offsets of this layer's weights [cout, cin, kernel, kernel] and bias [cout] in `params`.
    w_offset: u32,
    b_offset: u32,
    pad0: u32,
    pad1: u32,
}

@group(0) @binding(0) var<uniform> p: ConvParams;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> residual: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(64)
fn conv(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.y * nwg.x * 64u + gid.x;
    let plane = p.symbols * p.sc;
    if (i >= p.batch * p.cout * plane) {
        return;
    }
    let f = i32(i % p.sc);
    let t = i32((i / p.sc) % p.symbols);
    let co = (i / plane) % p.cout;
    let b = i / (plane * p.cout);
    let h = i32(p.kernel - 1u) / 2;
    let relu_in = (p.flags & 1u) != 0u;
    var acc = params[p.b_offset + co];
    for (var ci = 0u; ci < p.cin; ci++) {
        let x_plane = (b * p.cin + ci) * plane;
        let w_row = p.w_offset + (co * p.cin + ci) * p.kernel * p.kernel;
        for (var kt = 0u; kt < p.kernel; kt++) {
            let tt = t + i32(kt) - h;
            if (tt < 0 || tt >= i32(p.symbols)) {
                continue;
            }
            for (var kf = 0u; kf < p.kernel; kf++) {
                let ff = f + (i32(kf) - h) * i32(p.dilation);
                if (ff < 0 || ff >= i32(p.sc)) {
                    continue;
                }
                var v = x[x_plane + u32(tt) * p.sc + u32(ff)];
                if (relu_in) {
                    v = max(v, 0.0);
                }
                acc += params[w_row + kt * p.kernel + kf] * v;
            }
        }
    }
    if ((p.flags & 2u) != 0u) {
        acc += residual[i];
    }
    y[i] = acc;
}

const COB: u32 = 8u;

@compute @workgroup_size(64)
fn conv_grouped(@builtin(global_invocation_id) gid: vec3<u32>,
                @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.y * nwg.x * 64u + gid.x;
    let plane = p.symbols * p.sc;
    let groups = (p.cout + COB - 1u) / COB;
    if (i >= p.batch * groups * plane) {
        return;
    }
    let re = i % plane;
    let f = i32(re % p.sc);
    let t = i32(re / p.sc);
    let g = (i / plane) % groups;
    let b = i / (plane * groups);
    let co0 = g * COB;
    let h = i32(p.kernel - 1u) / 2;
    let relu_in = (p.flags & 1u) != 0u;
    let kk = p.kernel * p.kernel;
    // COB accumulators with a constant trip count (registers); outputs past cout unused.
    var acc: array<f32, COB>;
    for (var j = 0u; j < COB; j++) {
        acc[j] = params[p.b_offset + min(co0 + j, p.cout - 1u)];
    }
    for (var ci = 0u; ci < p.cin; ci++) {
        let x_plane = (b * p.cin + ci) * plane;
        for (var kt = 0u; kt < p.kernel; kt++) {
            let tt = t + i32(kt) - h;
            if (tt < 0 || tt >= i32(p.symbols)) {
                continue;
            }
            for (var kf = 0u; kf < p.kernel; kf++) {
                let ff = f + (i32(kf) - h) * i32(p.dilation);
                if (ff < 0 || ff >= i32(p.sc)) {
                    continue;
                }
                var v = x[x_plane + u32(tt) * p.sc + u32(ff)];
                if (relu_in) {
                    v = max(v, 0.0);
                }
                let w = p.w_offset + ci * kk + kt * p.kernel + kf;
                for (var j = 0u; j < COB; j++) {
                    let co = min(co0 + j, p.cout - 1u);
                    acc[j] += params[w + co * p.cin * kk] * v;
                }
            }
        }
    }
    for (var j = 0u; j < COB; j++) {
        if (co0 + j < p.cout) {
            let o = (b * p.cout + co0 + j) * plane + re;
            var out = acc[j];
            if ((p.flags & 2u) != 0u) {
                out += residual[o];
            }
            y[o] = out;
        }
    }
}
