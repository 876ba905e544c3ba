//! Reed–Solomon error-correction codewords over GF(2^8) with the QR polynomial x^8+x^4+x^3+x^2+1.

use std::sync::OnceLock;

use crate::gf256::tables;

/// Generator polynomial of the given degree as logs of its coefficients (highest first, the
/// leading 1 omitted), cached per degree: the service asks for the same few degrees all day.
fn generator_logs(degree: usize) -> &'static [u8] {
    static GENERATORS: [OnceLock<Vec<u8>>; 69] = [const { OnceLock::new() }; 69];
    GENERATORS[degree].get_or_init(|| {
        let t = tables();
        // Coefficients, highest degree first, leading coefficient 1.
        let mut poly = vec![1u8];
        for i in 0..degree {
            // Multiply by (x - α^i).
            let mut next = vec![0u8; poly.len() + 1];
            for (j, &c) in poly.iter().enumerate() {
                next[j] ^= c;
                if c != 0 {
                    next[j + 1] ^= t.exp[t.log[c as usize] as usize + i];
                }
            }
            poly = next;
        }
        poly[1..].iter().map(|&c| t.log[c as usize]).collect()
    })
}

/// Appends `degree` EC codewords for `data` to `out`.
pub(crate) fn append_ec(data: &[u8], degree: usize, out: &mut Vec<u8>) {
    let t = tables();
    let gen = generator_logs(degree);
    let start = out.len();
    out.resize(start + degree, 0);
    let rem = &mut out[start..];
    for &d in data {
        let factor = d ^ rem[0];
        rem.copy_within(1.., 0);
        rem[degree - 1] = 0;
        if factor != 0 {
            let lf = t.log[factor as usize] as usize;
            for (r, &g) in rem.iter_mut().zip(gen) {
                *r ^= t.exp[lf + g as usize];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_standards_worked_example() {
        // ISO/IEC 18004 annex I: "01234567" in version 1-M.
        let data = [
            0x10, 0x20, 0x0C, 0x56, 0x61, 0x80, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11,
            0xEC, 0x11,
        ];
        let mut ec = Vec::new();
        append_ec(&data, 10, &mut ec);
        assert_eq!(
            ec,
            [0xA5, 0x24, 0xD4, 0xC1, 0xED, 0x36, 0xC7, 0x87, 0x2C, 0x55]
        );
    }
}
