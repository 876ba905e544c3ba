//! Rebuilds the crate when a file is added to or removed from `web/`: the embedded page
//! (`rust-embed`) lists the directory at compile time, and only files it already knew are
//! tracked by their contents.

fn main() {
    println!("cargo:rerun-if-changed=web");
}
