//! Antenna arrays of TR 38.901 §7.3: the element pattern (Table 7.3-1), linear and planar
//! arrays of single- or dual-polarized elements (polarization model 2 of §7.3.2), as the CDL
//! model (`cdl.rs`) uses them.

use crate::cdl::wrap_deg;

/// Element radiation pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ElementPattern {
    /// Isotropic, gain 1.
    Omni,
    /// TR 38.901 Table 7.3-1: 3 dB beamwidth 65°, 30 dB front-back, 8 dBi maximum gain.
    Tr38901,
}

impl ElementPattern {
    /// Field amplitude (vertical polarization) toward zenith `theta` and azimuth `phi`, rad.
    pub fn field(self, theta: f64, phi: f64) -> f64 {
        match self {
            ElementPattern::Omni => 1.0,
            ElementPattern::Tr38901 => {
                let (t, p) = (theta.to_degrees(), wrap_deg(phi.to_degrees()));
                let a_v = -(12.0 * ((t - 90.0) / 65.0).powi(2)).min(30.0);
                let a_h = -(12.0 * (p / 65.0).powi(2)).min(30.0);
                let a_db = -(-(a_v + a_h)).min(30.0) + 8.0;
                10f64.powf(a_db / 20.0)
            }
        }
    }
}

/// Element polarization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Polarization {
    /// One vertically polarized port per element.
    V,
    /// Two co-located ports per element, vertical and horizontal.
    Vh,
    /// Two co-located ports per element, slanted ±45°.
    Cross,
}

/// An antenna array: its ports' positions (wavelengths) and slant angles, one pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct Array {
    pub positions: Vec<[f64; 3]>,
    /// Slant ζ of each port, rad.
    pub slants: Vec<f64>,
    pub pattern: ElementPattern,
}

impl Array {
    /// A uniform linear array of `n` vertically polarized elements along y, `spacing`
    /// wavelengths apart.
    pub fn ula(n: usize, spacing: f64, pattern: ElementPattern) -> Self {
        Self::ula_polarized(n, spacing, pattern, Polarization::V)
    }

    /// A uniform linear array of `elements` positions along y; with dual polarization each
    /// position carries two ports, ordered as Sionna does: all first-polarization ports, then
    /// all second-polarization ports.
    pub fn ula_polarized(
        elements: usize,
        spacing: f64,
        pattern: ElementPattern,
        polarization: Polarization,
    ) -> Self {
        Self::upa_polarized(1, elements, spacing, pattern, polarization)
    }

    /// A uniform planar array (TR 38.901 §7.3 panel) of `rows` × `columns` positions in the
    /// y-z plane facing +x, `spacing` wavelengths apart both ways, row by row (row 0 at
    /// z = 0, columns along y); with dual polarization all first-polarization ports come
    /// first.
    pub fn upa_polarized(
        rows: usize,
        columns: usize,
        spacing: f64,
        pattern: ElementPattern,
        polarization: Polarization,
    ) -> Self {
        let slants: &[f64] = match polarization {
            Polarization::V => &[0.0],
            Polarization::Vh => &[0.0, std::f64::consts::FRAC_PI_2],
            Polarization::Cross => &[-std::f64::consts::FRAC_PI_4, std::f64::consts::FRAC_PI_4],
        };
        let mut positions = Vec::new();
        let mut port_slants = Vec::new();
        for &z in slants {
            for r in 0..rows {
                for c in 0..columns {
                    positions.push([0.0, c as f64 * spacing, r as f64 * spacing]);
                    port_slants.push(z);
                }
            }
        }
        Array {
            positions,
            slants: port_slants,
            pattern,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The TR 38.901 element pattern: 8 dBi at boresight, −3 dB at ±32.5° azimuth, the
    /// 30 dB floor behind.
    #[test]
    fn element_pattern() {
        let e = ElementPattern::Tr38901;
        let db = |t: f64, p: f64| 20.0 * e.field(t.to_radians(), p.to_radians()).log10();
        assert!((db(90.0, 0.0) - 8.0).abs() < 1e-9);
        assert!((db(90.0, 32.5) - 5.0).abs() < 1e-9);
        assert!((db(90.0, 180.0) - (8.0 - 30.0)).abs() < 1e-9);
        assert_eq!(ElementPattern::Omni.field(0.3, 2.0), 1.0);
    }
}
