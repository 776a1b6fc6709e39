/**
 * The compiler and linker variables `napi build --use-napi-cross` sets for a
 * build on the host's own triple (its glibc 2.17 gcc in
 * ~/.napi-rs/cross-toolchain/<version>/<triple>/), for `cargo test` to use
 * the SAME ones. cc-rs asks cargo to rerun a C build script when any of them
 * changes, so a `cargo test` without them recompiles ring and, after it,
 * rustls, mongodb and the core (about 1000 s on 2 cores) instead of reusing
 * the addon's build. Mirrors `napiCrossToolchainEnvs` of @napi-rs/cli (not
 * exported by it); returns {} when the toolchain was never unpacked.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { join } from "node:path";

export function napiCrossEnv(triple, env = process.env) {
  const require = createRequire(createRequire(import.meta.url).resolve("@napi-rs/cli"));
  const { version } = require("@napi-rs/cross-toolchain/package.json");
  const toolchain = join(homedir(), ".napi-rs", "cross-toolchain", version, triple);
  if (!existsSync(join(toolchain, "package.json"))) return {};
  const bin = (tool) => join(toolchain, "bin", `${triple}-${tool}`);
  const upper = triple.toUpperCase().replace(/[-.]/g, "_");
  const lower = triple.replace(/[-.]/g, "_");
  const sysroot = join(toolchain, triple, "sysroot");
  return {
    [`CARGO_TARGET_${upper}_LINKER`]: bin("gcc"),
    TARGET_SYSROOT: sysroot,
    TARGET_AR: bin("ar"),
    TARGET_RANLIB: bin("ranlib"),
    TARGET_READELF: bin("readelf"),
    TARGET_C_INCLUDE_PATH: join(sysroot, "usr", "include/"),
    TARGET_CC: bin("gcc"),
    TARGET_CXX: bin("g++"),
    BINDGEN_EXTRA_CLANG_ARGS: `--sysroot=${sysroot}`,
    [`CC_${lower}`]: bin("gcc"),
    [`CXX_${lower}`]: bin("g++"),
    [`AR_${lower}`]: bin("ar"),
    [`RANLIB_${lower}`]: bin("ranlib"),
    PATH: env.PATH ? `${join(toolchain, "bin")}:${env.PATH}` : join(toolchain, "bin"),
  };
}
