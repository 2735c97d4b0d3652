//! Cyclic redundancy checks of TS 38.212 §5.1, over bit vectors (one `u8` 0/1 per bit).

use serde::{Deserialize, Serialize};

/// The CRC polynomials of TS 38.212 §5.1 used for data channels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CrcPoly {
    /// gCRC24A(D), transport blocks larger than 3824 bits.
    Crc24A,
    /// gCRC24B(D), code blocks after segmentation.
    Crc24B,
    /// gCRC16(D), transport blocks up to 3824 bits.
    Crc16,
}

impl CrcPoly {
    /// Number of parity bits L.
    pub fn parity_bits(self) -> usize {
        match self {
            CrcPoly::Crc24A | CrcPoly::Crc24B => 24,
            CrcPoly::Crc16 => 16,
        }
    }

    /// Generator coefficients below the leading term (TS 38.212 §5.1).
    fn generator(self) -> u32 {
        match self {
            CrcPoly::Crc24A => 0x86_4CFB,
            CrcPoly::Crc24B => 0x80_0063,
            CrcPoly::Crc16 => 0x1021,
        }
    }

    /// The CRC register after shifting in `bits` (MSB-first LFSR, zero initial state).
    pub fn remainder(self, bits: &[u8]) -> u32 {
        let l = self.parity_bits();
        let mask = (1u32 << l) - 1;
        let g = self.generator();
        let mut reg = 0u32;
        for &b in bits {
            let fb = ((reg >> (l - 1)) & 1) ^ (b as u32 & 1);
            reg = (reg << 1) & mask;
            if fb == 1 {
                reg ^= g;
            }
        }
        reg
    }

    /// Appends the parity bits p_0..p_{L-1} to `bits` (b_k = a_k, then b_{A+i} = p_i).
    pub fn attach(self, bits: &mut Vec<u8>) {
        let reg = self.remainder(bits);
        let l = self.parity_bits();
        bits.extend((0..l).map(|i| ((reg >> (l - 1 - i)) & 1) as u8));
    }

    /// True when `bits` (payload followed by its parity) passes the check.
    pub fn check(self, bits: &[u8]) -> bool {
        self.remainder(bits) == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ascii_bits(s: &str) -> Vec<u8> {
        s.bytes()
            .flat_map(|byte| (0..8).rev().map(move |i| (byte >> i) & 1))
            .collect()
    }

    /// Check values of the CRC catalogue: CRC-16/XMODEM, CRC-24/LTE-A, CRC-24/LTE-B over "123456789".
    #[test]
    fn catalogue_check_values() {
        let m = ascii_bits("123456789");
        assert_eq!(CrcPoly::Crc16.remainder(&m), 0x31C3);
        assert_eq!(CrcPoly::Crc24A.remainder(&m), 0xCD_E703);
        assert_eq!(CrcPoly::Crc24B.remainder(&m), 0x23_EF52);
    }

    #[test]
    fn attach_then_check_and_detect_flip() {
        for poly in [CrcPoly::Crc24A, CrcPoly::Crc24B, CrcPoly::Crc16] {
            let mut b: Vec<u8> = (0..1000).map(|i| ((i * 7 + i / 3) % 2) as u8).collect();
            poly.attach(&mut b);
            assert_eq!(b.len(), 1000 + poly.parity_bits());
            assert!(poly.check(&b));
            b[17] ^= 1;
            assert!(!poly.check(&b));
        }
    }
}
