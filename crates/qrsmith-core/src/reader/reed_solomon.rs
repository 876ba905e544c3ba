//! Reed–Solomon decoding over GF(256) for QR blocks (generator roots α^0..α^(n−k−1)), correcting
//! errors and erasures together: with `s` erasures (positions known, values not) and `e` errors
//! (neither known), a block decodes while 2e + s ≤ n − k.
//!
//! The steps are the textbook ones: syndromes; the erasure locator Γ(x); Berlekamp–Massey
//! started from Γ (Blahut's errata form), which finds the errata locator Λ(x) = Γ(x)·σ(x); a
//! Chien search for Λ's roots inside the block; Forney's formula for the magnitudes. The result
//! is checked before it is returned (every root inside the block, the syndromes of the corrected
//! word zero), so a word beyond the bound is an error whenever that is detectable at all — and at
//! exactly one past the bound it always is: no other codeword lies that close.

use std::fmt;

use crate::gf256::{tables, Tables};

/// What a successful decode changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Correction {
    /// Codewords that were wrong where no erasure was flagged.
    pub errors: usize,
    /// Erasures given (whether or not their values were wrong): each spent one EC codeword.
    pub erasures: usize,
}

impl Correction {
    /// EC codewords used: 2e + s (the block decodes while this is at most n − k).
    pub(crate) fn cost(&self) -> usize {
        2 * self.errors + self.erasures
    }
}

/// Why a block could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RsError {
    /// The block's shape is impossible (no EC codewords, longer than 255, an erasure outside it).
    BadBlock,
    /// More erasures than EC codewords.
    TooManyErasures,
    /// More damage than the code can correct (or a miscorrection caught by the checks).
    Uncorrectable,
}

impl fmt::Display for RsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RsError::BadBlock => "malformed Reed–Solomon block",
            RsError::TooManyErasures => "more erasures than error-correction codewords",
            RsError::Uncorrectable => "too many errors to correct",
        })
    }
}

/// Corrects `block` (data then `ec_len` EC codewords, first codeword the highest power of x) in
/// place, given the indices of erased codewords. On failure the block is left unchanged.
pub(crate) fn correct(
    block: &mut [u8],
    ec_len: usize,
    erasures: &[usize],
) -> Result<Correction, RsError> {
    let n = block.len();
    if ec_len == 0 || ec_len >= n || n > 255 {
        return Err(RsError::BadBlock);
    }
    let mut erased: Vec<usize> = erasures.to_vec();
    erased.sort_unstable();
    erased.dedup();
    if erased.last().is_some_and(|&i| i >= n) {
        return Err(RsError::BadBlock);
    }
    let s = erased.len();
    if s > ec_len {
        return Err(RsError::TooManyErasures);
    }
    let t = tables();
    let syndromes = syndromes(t, block, ec_len);
    if syndromes.iter().all(|&x| x == 0) {
        return Ok(Correction::default());
    }

    // Powers of x are counted from the last codeword: index i holds the coefficient of x^(n−1−i).
    let power = |i: usize| n - 1 - i;
    // Γ(x) = Π (1 + α^p x) over erased powers p; polynomials are stored lowest degree first.
    let mut gamma = vec![1u8];
    for &i in &erased {
        gamma = poly_mul(t, &gamma, &[1, t.pow(power(i))]);
    }

    let mut lambda = gamma.clone();
    let mut prev = gamma;
    let mut len = s;
    for r in s..ec_len {
        let delta = lambda
            .iter()
            .enumerate()
            .take(r + 1)
            .fold(0u8, |acc, (j, &c)| acc ^ t.mul(c, syndromes[r - j]));
        prev.insert(0, 0);
        if delta != 0 {
            let mut next = lambda.clone();
            next.resize(next.len().max(prev.len()), 0);
            for (c, &b) in next.iter_mut().zip(&prev) {
                *c ^= t.mul(delta, b);
            }
            if 2 * len <= r + s {
                prev = lambda.iter().map(|&c| t.div(c, delta)).collect();
                len = r + s + 1 - len;
            }
            lambda = next;
        }
    }
    while lambda.len() > 1 && lambda.last() == Some(&0) {
        lambda.pop();
    }
    let degree = lambda.len() - 1;
    // The register length must be the locator's degree, and the errors it implies within bound.
    if degree != len || len < s || 2 * (len - s) + s > ec_len {
        return Err(RsError::Uncorrectable);
    }

    // Chien search over the block's own positions only: a root beyond them is a miscorrection.
    let roots: Vec<usize> = (0..n)
        .filter(|&i| poly_eval(t, &lambda, t.pow(255 - power(i) % 255)) == 0)
        .collect();
    if roots.len() != degree {
        return Err(RsError::Uncorrectable);
    }

    // Forney: with the first root α^0, e = X · Ω(X⁻¹) / Λ'(X⁻¹), Ω = S·Λ mod x^(n−k).
    let mut omega = poly_mul(t, &syndromes, &lambda);
    omega.truncate(ec_len);
    let derivative: Vec<u8> = lambda
        .iter()
        .enumerate()
        .skip(1)
        .map(|(j, &c)| if j % 2 == 1 { c } else { 0 })
        .collect();
    let mut fixed = block.to_vec();
    let mut errors = 0;
    for &i in &roots {
        let x = t.pow(power(i));
        let x_inv = t.pow(255 - power(i) % 255);
        let denominator = poly_eval(t, &derivative, x_inv);
        if denominator == 0 {
            return Err(RsError::Uncorrectable);
        }
        let magnitude = t.mul(x, t.div(poly_eval(t, &omega, x_inv), denominator));
        fixed[i] ^= magnitude;
        if magnitude != 0 && erased.binary_search(&i).is_err() {
            errors += 1;
        }
    }
    if 2 * errors + s > ec_len || syndromes_of(t, &fixed, ec_len).any(|x| x != 0) {
        return Err(RsError::Uncorrectable);
    }
    block.copy_from_slice(&fixed);
    Ok(Correction {
        errors,
        erasures: s,
    })
}

/// S_k = r(α^k) for k in 0..ec_len.
fn syndromes(t: &Tables, block: &[u8], ec_len: usize) -> Vec<u8> {
    syndromes_of(t, block, ec_len).collect()
}

fn syndromes_of<'a>(
    t: &'a Tables,
    block: &'a [u8],
    ec_len: usize,
) -> impl Iterator<Item = u8> + 'a {
    (0..ec_len).map(move |k| {
        let x = t.pow(k);
        block.iter().fold(0u8, |acc, &c| t.mul(acc, x) ^ c)
    })
}

/// p(x) for p stored lowest degree first.
fn poly_eval(t: &Tables, p: &[u8], x: u8) -> u8 {
    p.iter().rev().fold(0u8, |acc, &c| t.mul(acc, x) ^ c)
}

fn poly_mul(t: &Tables, a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; a.len() + b.len() - 1];
    for (i, &x) in a.iter().enumerate() {
        for (j, &y) in b.iter().enumerate() {
            out[i + j] ^= t.mul(x, y);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use rand::rngs::ChaCha8Rng;
    use rand::seq::SliceRandom as _;
    use rand::{RngExt as _, SeedableRng as _};

    use super::*;
    use crate::encode::reed_solomon_ec as append_ec;

    fn codeword(rng: &mut ChaCha8Rng, data_len: usize, ec_len: usize) -> Vec<u8> {
        let data: Vec<u8> = (0..data_len).map(|_| rng.random()).collect();
        let mut block = data.clone();
        append_ec(&data, ec_len, &mut block);
        block
    }

    /// Damages `e` random positions with wrong values and erases `s` others (their values
    /// scrambled or, half the time, left right: an erasure flag on a good codeword).
    fn damage(rng: &mut ChaCha8Rng, block: &mut [u8], e: usize, s: usize) -> Vec<usize> {
        let mut positions: Vec<usize> = (0..block.len()).collect();
        positions.shuffle(rng);
        for &i in &positions[..e] {
            block[i] ^= rng.random_range(1..=255u8);
        }
        let erased = positions[e..e + s].to_vec();
        for &i in &erased {
            if rng.random() {
                block[i] = rng.random();
            }
        }
        erased
    }

    #[test]
    fn corrects_the_standards_worked_example() {
        // ISO/IEC 18004 annex I: "01234567" in version 1-M, with three codewords damaged.
        let good = [
            0x10, 0x20, 0x0C, 0x56, 0x61, 0x80, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11,
            0xEC, 0x11, 0xA5, 0x24, 0xD4, 0xC1, 0xED, 0x36, 0xC7, 0x87, 0x2C, 0x55,
        ];
        let mut block = good;
        block[0] = 0;
        block[13] ^= 0x5A;
        block[25] = 0xFF;
        let fixed = correct(&mut block, 10, &[]).unwrap();
        assert_eq!(block, good);
        assert_eq!(
            fixed,
            Correction {
                errors: 3,
                erasures: 0
            }
        );
    }

    #[test]
    fn errors_and_erasures_up_to_the_bound_decode() {
        let mut rng = ChaCha8Rng::seed_from_u64(14);
        // Block shapes QR uses: the smallest (v1-L), odd EC counts, and the largest (n = 153).
        for (data_len, ec_len) in [(19, 7), (16, 10), (9, 17), (15, 26), (55, 15), (123, 30)] {
            for _ in 0..200 {
                let good = codeword(&mut rng, data_len, ec_len);
                let s = rng.random_range(0..=ec_len);
                let e = (ec_len - s) / 2;
                let mut block = good.clone();
                let erased = damage(&mut rng, &mut block, e, s);
                let fixed = correct(&mut block, ec_len, &erased)
                    .unwrap_or_else(|err| panic!("{data_len}+{ec_len}, e={e} s={s}: {err}"));
                assert_eq!(block, good, "{data_len}+{ec_len}, e={e} s={s}");
                assert_eq!(fixed.errors, e);
                assert!(fixed.cost() <= ec_len);
            }
        }
    }

    #[test]
    fn one_past_the_bound_always_fails_and_leaves_the_block() {
        // 2e + s = n − k + 1: no codeword other than the sent one lies within the decoding
        // radius, so a bounded-distance decoder that checks its result can only fail.
        let mut rng = ChaCha8Rng::seed_from_u64(15);
        for (data_len, ec_len) in [(19, 7), (16, 10), (9, 17), (15, 26), (123, 30)] {
            for _ in 0..300 {
                let good = codeword(&mut rng, data_len, ec_len);
                let e = rng.random_range(1..=ec_len.div_ceil(2));
                let s = ec_len + 1 - 2 * e;
                let mut block = good.clone();
                let erased = damage(&mut rng, &mut block, e, s);
                // Every erased value wrong, so the damage is really past the bound.
                for &i in &erased {
                    block[i] = good[i] ^ rng.random_range(1..=255u8);
                }
                let before = block.clone();
                assert_eq!(
                    correct(&mut block, ec_len, &erased),
                    Err(RsError::Uncorrectable),
                    "{data_len}+{ec_len}, e={e} s={s}"
                );
                assert_eq!(block, before);
            }
        }
    }

    #[test]
    fn far_past_the_bound_never_returns_an_unverified_word() {
        let mut rng = ChaCha8Rng::seed_from_u64(16);
        for _ in 0..500 {
            let good = codeword(&mut rng, 20, 10);
            let mut block = good.clone();
            let erased = damage(&mut rng, &mut block, 8, 2);
            if let Ok(fixed) = correct(&mut block, 10, &erased) {
                // A miscorrection is possible this far out; it must still be a codeword
                // within the bound of what was received.
                assert!(fixed.cost() <= 10);
                assert!(syndromes(tables(), &block, 10).iter().all(|&x| x == 0));
            }
        }
    }

    #[test]
    fn malformed_requests_are_errors() {
        let mut block = vec![0u8; 26];
        assert_eq!(correct(&mut block, 0, &[]), Err(RsError::BadBlock));
        assert_eq!(correct(&mut block, 26, &[]), Err(RsError::BadBlock));
        assert_eq!(correct(&mut block, 7, &[26]), Err(RsError::BadBlock));
        let all: Vec<usize> = (0..8).collect();
        assert_eq!(correct(&mut block, 7, &all), Err(RsError::TooManyErasures));
        let mut long = vec![0u8; 256];
        assert_eq!(correct(&mut long, 7, &[]), Err(RsError::BadBlock));
        // Duplicated erasures count once; a clean block needs nothing.
        assert_eq!(correct(&mut block, 7, &[3, 3]), Ok(Correction::default()));
    }
}
