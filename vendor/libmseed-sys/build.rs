//! Compiles the bundled libmseed C sources into a static library. The Rust
//! declarations are the committed `bindings.rs` (generated once with bindgen,
//! see README.md), so building needs a C compiler but no libclang.
use std::path::Path;

const SOURCE_FILES: [&str; 17] = [
    "crc32c.c",
    "extraheaders.c",
    "fileutils.c",
    "genutils.c",
    "gmtime64.c",
    "logging.c",
    "lookup.c",
    "msio.c",
    "msrutils.c",
    "pack.c",
    "packdata.c",
    "parseutils.c",
    "selection.c",
    "tracelist.c",
    "unpack.c",
    "unpackdata.c",
    "yyjson.c",
];

fn main() {
    let vendor = Path::new("vendor");
    let mut build = cc::Build::new();
    build.include(vendor);
    for file in SOURCE_FILES {
        build.file(vendor.join(file));
    }
    // Emits cargo:rustc-link-lib=static=mseed and its search path.
    build.compile("mseed");
    println!("cargo:rerun-if-changed=vendor");
    println!("cargo:rerun-if-changed=bindings.rs");
}
