//! Arithmetic in GF(2^8) with QR's polynomial x^8+x^4+x^3+x^2+1 (0x11D), shared by the
//! Reed–Solomon encoder and the reader's decoder.

use std::sync::OnceLock;

/// Exponent and logarithm tables of the generator α = 2.
pub(crate) struct Tables {
    /// α^i for i in 0..512, doubled so that `exp[log a + log b]` never needs a modulo.
    pub(crate) exp: [u8; 512],
    /// log_α(x) for x in 1..=255; `log[0]` is unused.
    pub(crate) log: [u8; 256],
}

/// The tables, built on first use.
pub(crate) fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let mut exp = [0u8; 512];
        let mut log = [0u8; 256];
        let mut x: u16 = 1;
        for (i, e) in exp.iter_mut().take(255).enumerate() {
            *e = x as u8;
            log[x as usize] = i as u8;
            x <<= 1;
            if x & 0x100 != 0 {
                x ^= 0x11D;
            }
        }
        for i in 255..512 {
            exp[i] = exp[i - 255];
        }
        Tables { exp, log }
    })
}

impl Tables {
    /// a · b.
    pub(crate) fn mul(&self, a: u8, b: u8) -> u8 {
        if a == 0 || b == 0 {
            0
        } else {
            self.exp[self.log[a as usize] as usize + self.log[b as usize] as usize]
        }
    }

    /// a / b; `b` must not be zero (callers check: a zero divisor is a decoding failure).
    pub(crate) fn div(&self, a: u8, b: u8) -> u8 {
        debug_assert!(b != 0);
        if a == 0 || b == 0 {
            0
        } else {
            self.exp[self.log[a as usize] as usize + 255 - self.log[b as usize] as usize]
        }
    }

    /// α^e for any exponent (reduced modulo 255).
    pub(crate) fn pow(&self, e: usize) -> u8 {
        self.exp[e % 255]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multiplication_and_division_are_inverse() {
        let t = tables();
        for a in 0..=255u8 {
            for b in 1..=255u8 {
                assert_eq!(t.div(t.mul(a, b), b), a);
            }
        }
        assert_eq!(t.pow(255), 1);
        assert_eq!(t.pow(8), 0x1D);
    }
}
