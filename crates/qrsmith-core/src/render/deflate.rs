//! Deflate with the fixed Huffman codes (RFC 1951, 3.2.6) and Adler-32 (RFC 1950), for the
//! plain PNG's zlib stream: the code tables, a bit writer that writes a row as literals and
//! runs and its repeats as matches, and an Adler-32 fed whole blocks.

const MAX_MATCH: usize = 258;
const MIN_MATCH: usize = 3;
pub(super) const MAX_DISTANCE: usize = 32_768;
pub(super) const END_OF_BLOCK: Code = LITERAL_LENGTH_CODES[256];

/// Bits to write LSB first and how many.
#[derive(Clone, Copy)]
pub(super) struct Code {
    bits: u32,
    len: u32,
}

/// The fixed literal/length code of each symbol 0–287, bit-reversed for LSB-first output.
const LITERAL_LENGTH_CODES: [Code; 288] = {
    let mut table = [Code { bits: 0, len: 0 }; 288];
    let mut symbol = 0;
    while symbol < 288 {
        let (code, len) = match symbol {
            0..=143 => (0x30 + symbol, 8),
            144..=255 => (0x190 + symbol - 144, 9),
            256..=279 => (symbol - 256, 7),
            _ => (0xc0 + symbol - 280, 8),
        };
        table[symbol as usize] = Code {
            bits: reverse(code, len),
            len,
        };
        symbol += 1;
    }
    table
};

const LENGTH_BASE: [u32; 29] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
    163, 195, 227, 258,
];
const LENGTH_EXTRA: [u32; 29] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
const DISTANCE_BASE: [u32; 30] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
    2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
const DISTANCE_EXTRA: [u32; 30] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13,
    13,
];

/// The code of each match length 3–258 (index = length), extra bits included.
const LENGTH_CODES: [Code; MAX_MATCH + 1] = {
    let mut table = [Code { bits: 0, len: 0 }; MAX_MATCH + 1];
    let mut i = 0;
    while i < 29 {
        let symbol = LITERAL_LENGTH_CODES[257 + i];
        let extra = LENGTH_EXTRA[i];
        let mut offset = 0;
        while offset < 1 << extra {
            let length = (LENGTH_BASE[i] + offset) as usize;
            // 258 is both 227 + 31 (code 284) and its own code 285; the later write wins,
            // and code 285 is the canonical one.
            if length <= MAX_MATCH {
                table[length] = Code {
                    bits: symbol.bits | offset << symbol.len,
                    len: symbol.len + extra,
                };
            }
            offset += 1;
        }
        i += 1;
    }
    table
};

const fn reverse(code: u32, len: u32) -> u32 {
    code.reverse_bits() >> (32 - len)
}

/// The fixed 5-bit distance code plus extra bits for a distance of 1–32,768.
pub(super) fn distance_code(distance: usize) -> Code {
    let distance = distance as u32;
    let i = DISTANCE_BASE.partition_point(|&base| base <= distance) - 1;
    Code {
        bits: reverse(i as u32, 5) | (distance - DISTANCE_BASE[i]) << 5,
        len: 5 + DISTANCE_EXTRA[i],
    }
}

pub(super) struct BitWriter<'a> {
    out: &'a mut Vec<u8>,
    buffer: u64,
    count: u32,
}

impl<'a> BitWriter<'a> {
    pub(super) fn new(out: &'a mut Vec<u8>) -> Self {
        BitWriter {
            out,
            buffer: 0,
            count: 0,
        }
    }

    /// Writes the low `len` (at most 32) bits of `bits`, LSB first.
    pub(super) fn put(&mut self, bits: u32, len: u32) {
        self.buffer |= u64::from(bits) << self.count;
        self.count += len;
        if self.count >= 32 {
            self.out
                .extend_from_slice(&(self.buffer as u32).to_le_bytes());
            self.buffer >>= 32;
            self.count -= 32;
        }
    }

    pub(super) fn put_code(&mut self, code: Code) {
        self.put(code.bits, code.len);
    }

    fn literal(&mut self, byte: u8) {
        self.put_code(LITERAL_LENGTH_CODES[byte as usize]);
    }

    /// A match of `length` (3–258) at `distance`.
    fn put_match(&mut self, length: usize, distance: Code) {
        self.put_code(LENGTH_CODES[length]);
        self.put_code(distance);
    }

    /// Writes one row: literals, with each run of four or more equal bytes as one literal
    /// plus a distance-1 match (quiet zones and wide dark areas are runs of 0x00 or 0xff).
    ///
    /// This is the encoder's inner loop, so the bit buffer lives in locals and the test for a
    /// run is a single 4-byte compare: runs are rare inside the symbol, so that one branch
    /// predicts well where a byte-by-byte run scan mispredicts on every other byte.
    pub(super) fn literal_row(&mut self, row: &[u8]) {
        let one = distance_code(1);
        let (mut buffer, mut count) = (self.buffer, self.count);
        let out = &mut *self.out;
        // At most 9 bits per byte.
        out.reserve(row.len() + row.len() / 8 + 8);
        let mut put = |code: Code| {
            buffer |= u64::from(code.bits) << count;
            count += code.len;
            if count >= 32 {
                out.extend_from_slice(&(buffer as u32).to_le_bytes());
                buffer >>= 32;
                count -= 32;
            }
        };
        let mut i = 0;
        while i < row.len() {
            let byte = row[i];
            put(LITERAL_LENGTH_CODES[byte as usize]);
            i += 1;
            let next4 = row
                .get(i..i + 3)
                .map(|next| [byte, next[0], next[1], next[2]]);
            if next4.is_some_and(|bytes| u32::from_ne_bytes(bytes) == u32::from(byte) * 0x0101_0101)
            {
                let mut end = i + 3;
                while end < row.len() && row[end] == byte && end - i < MAX_MATCH {
                    end += 1;
                }
                put(LENGTH_CODES[end - i]);
                put(one);
                i = end;
            }
        }
        self.buffer = buffer;
        self.count = count;
    }

    /// Writes `count` more copies of `row`, the last row written, as matches at the row
    /// distance (or spelled out when the distance is beyond deflate's window).
    pub(super) fn repeat_rows(&mut self, row: &[u8], count: usize, distance: Option<Code>) {
        let Some(distance) = distance else {
            for _ in 0..count {
                self.literal_row(row);
            }
            return;
        };
        let mut left = count * row.len();
        if left < MIN_MATCH {
            // Only for images at most 8 px wide: a row is 2 bytes, one copy of it 2 bytes.
            for &byte in row.iter().cycle().take(left) {
                self.literal(byte);
            }
            return;
        }
        while left > 0 {
            let mut length = left.min(MAX_MATCH);
            if (1..MIN_MATCH).contains(&(left - length)) {
                // Leave at least a minimal match for the last step.
                length -= MIN_MATCH;
            }
            self.put_match(length, distance);
            left -= length;
        }
    }

    /// Flushes the last partial byte.
    pub(super) fn finish(self) {
        let bytes = self.count.div_ceil(8) as usize;
        self.out
            .extend_from_slice(&self.buffer.to_le_bytes()[..bytes]);
    }
}

/// Adler-32 (RFC 1950), fed whole blocks so repeated rows cost O(1).
pub(super) struct Adler32 {
    a: u64,
    b: u64,
}

const ADLER_MOD: u64 = 65_521;

/// What appending a block does to an Adler-32: its length, byte sum and weighted sum `W`
/// (byte `i` of `L` weighted by `L - i`), all modulo 65,521.
#[derive(Default)]
pub(super) struct AdlerBlock {
    len: u64,
    sum: u64,
    weighted: u64,
}

impl AdlerBlock {
    pub(super) fn of(data: &[u8]) -> Self {
        // W is the sum of the running prefix sums. Reducing every 4,096 bytes keeps both far
        // from overflow.
        let (mut sum, mut weighted) = (0u64, 0u64);
        for chunk in data.chunks(4096) {
            for &byte in chunk {
                sum += u64::from(byte);
                weighted += sum;
            }
            sum %= ADLER_MOD;
            weighted %= ADLER_MOD;
        }
        AdlerBlock {
            len: data.len() as u64 % ADLER_MOD,
            sum,
            weighted,
        }
    }
}

impl Adler32 {
    pub(super) fn new() -> Self {
        Adler32 { a: 1, b: 0 }
    }

    /// Appends `count` copies of a block: after copy `j`, `a` has grown by `j * S`, so in
    /// total `a += k S` and `b += k L a + k W + L S k (k - 1) / 2`.
    pub(super) fn append(&mut self, block: &AdlerBlock, count: usize) {
        let m = ADLER_MOD;
        let k = count as u64;
        let pairs = if k % 2 == 0 {
            (k / 2 % m) * (k.saturating_sub(1) % m) % m
        } else {
            (k % m) * ((k - 1) / 2 % m) % m
        };
        let k = k % m;
        self.b = (self.b
            + k * block.len % m * self.a
            + k * block.weighted
            + block.len * block.sum % m * pairs)
            % m;
        self.a = (self.a + k * block.sum) % m;
    }

    pub(super) fn value(&self) -> u32 {
        (self.b << 16 | self.a) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Adler-32 the plain way, one byte at a time.
    fn adler_bytewise(data: &[u8]) -> u32 {
        let (mut a, mut b) = (1u32, 0u32);
        for &byte in data {
            a = (a + u32::from(byte)) % 65_521;
            b = (b + a) % 65_521;
        }
        b << 16 | a
    }

    #[test]
    fn adler32_of_repeated_blocks() {
        assert_eq!(adler_bytewise(b"Wikipedia"), 0x11e6_0398);
        let big: Vec<u8> = (0..10_000u32).map(|i| (i * 7919 % 256) as u8).collect();
        let blocks: [&[u8]; 4] = [b"prefix", &[0xff; 300], &big, b""];
        for count in [0, 1, 2, 3, 300, 70_000] {
            let mut adler = Adler32::new();
            let mut plain = Vec::new();
            for block in blocks {
                adler.append(&AdlerBlock::of(block), count);
                for _ in 0..count.min(3) {
                    plain.extend_from_slice(block);
                }
            }
            if count <= 3 {
                assert_eq!(adler.value(), adler_bytewise(&plain), "{count}");
            } else {
                // Too long to spell out; compare with appending one copy at a time.
                let mut stepwise = Adler32::new();
                for block in blocks {
                    let block = AdlerBlock::of(block);
                    for _ in 0..count {
                        stepwise.append(&block, 1);
                    }
                }
                assert_eq!(adler.value(), stepwise.value(), "{count}");
            }
        }
    }

    #[test]
    fn length_and_distance_codes() {
        // Length 3 is symbol 257 (7-bit code 0000001), no extra bits.
        assert_eq!(LENGTH_CODES[3].len, 7);
        assert_eq!(LENGTH_CODES[3].bits, reverse(1, 7));
        // Length 258 is symbol 285 (8-bit code 11000101), no extra bits.
        assert_eq!(LENGTH_CODES[258].len, 8);
        assert_eq!(LENGTH_CODES[258].bits, reverse(0xc5, 8));
        // Length 20 is symbol 269 (base 19, 2 extra bits = 1).
        assert_eq!(LENGTH_CODES[20].len, 9);
        assert_eq!(LENGTH_CODES[20].bits, reverse(13, 7) | 1 << 7);
        // Distance 1 is code 0; 32,768 is code 29 with 13 extra bits 8,191.
        assert_eq!((distance_code(1).bits, distance_code(1).len), (0, 5));
        let far = distance_code(32_768);
        assert_eq!((far.bits, far.len), (reverse(29, 5) | 8191 << 5, 18));
    }
}
