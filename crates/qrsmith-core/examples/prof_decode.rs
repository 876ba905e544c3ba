fn main() {
    let path = std::env::args().nth(1).unwrap();
    let n: usize = std::env::args().nth(2).unwrap().parse().unwrap();
    let bytes = std::fs::read(path).unwrap();
    let opts = qrsmith_core::DecodeOptions::default();
    let t = std::time::Instant::now();
    for _ in 0..n {
        let d = qrsmith_core::decode(&bytes, &opts).unwrap();
        assert_eq!(d.symbols.len(), 1);
    }
    eprintln!("{:.1} us per decode", t.elapsed().as_secs_f64() * 1e6 / n as f64);
}
