//! The length-31 Gold sequence of TS 38.211 §5.2.1, c(n) = (x₁(n + N_c) + x₂(n + N_c)) mod 2
//! with N_c = 1600, x₁ started from 1 followed by 30 zeros and x₂ from the bits of c_init.

const NC: usize = 1600;

/// The first `len` bits of the Gold sequence for `c_init`.
pub fn gold_sequence(c_init: u32, len: usize) -> Vec<u8> {
    let total = NC + len + 31;
    let mut x1 = vec![0u8; total];
    let mut x2 = vec![0u8; total];
    x1[0] = 1;
    for (i, v) in x2.iter_mut().take(31).enumerate() {
        *v = ((c_init >> i) & 1) as u8;
    }
    for n in 0..total - 31 {
        x1[n + 31] = (x1[n + 3] + x1[n]) % 2;
        x2[n + 31] = (x2[n + 3] + x2[n + 2] + x2[n + 1] + x2[n]) % 2;
    }
    (0..len).map(|n| (x1[n + NC] + x2[n + NC]) % 2).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against a bit-parallel shift-register implementation written independently (31-bit
    /// states, x₁: x³ + 1 taps, x₂: x³ + x² + x + 1 taps), for several c_init.
    #[test]
    fn matches_shift_register_form() {
        for c_init in [0u32, 1, 0x1234_5678 & 0x7fff_ffff, 0x7fff_ffff, 2_000_000] {
            let (mut s1, mut s2) = (1u32, c_init & 0x7fff_ffff);
            let mut reference = Vec::new();
            for n in 0..NC + 200 {
                if n >= NC {
                    reference.push(((s1 ^ s2) & 1) as u8);
                }
                let f1 = (s1 ^ (s1 >> 3)) & 1;
                let f2 = (s2 ^ (s2 >> 1) ^ (s2 >> 2) ^ (s2 >> 3)) & 1;
                s1 = (s1 >> 1) | (f1 << 30);
                s2 = (s2 >> 1) | (f2 << 30);
            }
            assert_eq!(gold_sequence(c_init, 200), reference, "c_init {c_init}");
        }
        assert_ne!(gold_sequence(1, 64), gold_sequence(2, 64));
    }
}
