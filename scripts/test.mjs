#!/usr/bin/env node
// `npm test`: the whole suite against a real MongoDB-API server.
//
// 1. brings the build up to date (addon, TypeScript, FerretDB; each step is a
//    no-op when nothing changed), type-checks the tests and benches, lints and
//    checks the formatting (biome, madge, rustfmt, clippy -D warnings), and makes
//    sure Chromium is there for the dashboard's browser test;
// 2. starts a throw-away FerretDB on a free loopback port (or uses
//    MSPASS_TEST_DB_URI if you point it at a server of your own);
// 3. runs `cargo test` for the pure Rust core, then the vitest suite;
// 4. stops the server even when tests fail, and exits non-zero on any failure.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { napiCrossEnv } from "./napi-cross-env.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const extraArgs = process.argv.slice(2);

function run(cmd, args, env = process.env) {
  console.log(`\n$ ${cmd} ${args.join(" ")}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit", env });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

/**
 * The host's target triple. `napi build` always passes `--target <host>`, so
 * the addon and its dependencies are compiled under target/<triple>/release;
 * a `cargo test` without the same `--target` builds into target/release and
 * compiles mongodb, tokio and the rest a second time (measured: 1037 s on
 * 2 busy cores, against 0.2 s when it reuses the addon's build; see
 * bench/RESULTS.md).
 */
function hostTriple() {
  const r = spawnSync("rustc", ["-vV"], { cwd: root, encoding: "utf8" });
  return /^host: (\S+)$/m.exec(r.stdout ?? "")?.[1];
}

/** The service's throw-away starter (src/service/throwaway.ts), from the build made above. */
async function startFerret() {
  const { startThrowawayDatabaseServer } = await import(
    new URL("../dist/service/throwaway.js", import.meta.url).href
  );
  return startThrowawayDatabaseServer({ label: "test-db" });
}

/** Newest modification time under `paths` (files or directories, recursively). */
function newest(paths) {
  let t = 0;
  for (const p of paths) {
    const full = join(root, p);
    if (!existsSync(full)) continue;
    const st = statSync(full);
    if (st.isDirectory()) {
      for (const e of readdirSync(full)) t = Math.max(t, newest([join(p, e)]));
    } else t = Math.max(t, st.mtimeMs);
  }
  return t;
}

/** The addon is up to date when its binary is newer than every Rust source. */
function nativeIsFresh() {
  if (!existsSync(join(root, "native"))) return false;
  const built = readdirSync(join(root, "native")).filter((f) => f.endsWith(".node"));
  if (built.length === 0 || !existsSync(join(root, "native", "index.cjs"))) return false;
  const binary = Math.min(...built.map((f) => statSync(join(root, "native", f)).mtimeMs));
  return binary >= newest(["crates", "Cargo.toml", "Cargo.lock"]);
}

async function main() {
  // Relinking the LTO-optimised addon takes minutes on 2 cores, so skip it
  // when nothing in the Rust sources changed since the last build.
  if (!nativeIsFresh() && run("npm", ["run", "build:native"]) !== 0) return 1;
  if (run("npm", ["run", "build:ts"]) !== 0) return 1;
  if (run("npm", ["run", "build:ferretdb"]) !== 0) return 1;
  if (run("node", ["scripts/build-s3-server.mjs", "--quiet"]) !== 0) return 1; // SeaweedFS for test/s3-*.test.ts
  if (run("npm", ["run", "typecheck"]) !== 0) return 1;
  if (run("npm", ["run", "lint"]) !== 0) return 1; // biome lint + import cycles (madge)
  if (run("npm", ["run", "format:check"]) !== 0) return 1; // biome + rustfmt: the committed code is formatted
  const target = hostTriple();
  // The addon's compilers too (build:native uses --use-napi-cross), or cargo rebuilds the C crates and all above them.
  const cargoEnv = { ...process.env, ...(target ? napiCrossEnv(target, process.env) : {}) };
  const targetArgs = ["--release", ...(target ? ["--target", target] : [])];
  if (
    run(
      "cargo",
      ["clippy", "--workspace", "--lib", "--tests", ...targetArgs, "--", "-D", "warnings"],
      cargoEnv,
    ) !== 0
  )
    return 1;
  if (run("bash", ["scripts/ensure-chromium.sh"]) !== 0) return 1;
  if (run("sh", ["scripts/ensure-redis.sh"]) !== 0) return 1;
  if (run("sh", ["scripts/ensure-iproute2.sh"]) !== 0) return 1;
  if (run("sh", ["scripts/ensure-obspy.sh"]) !== 0) return 1;

  let server = null;
  let uri = process.env.MSPASS_TEST_DB_URI;
  if (!uri) {
    server = await startFerret();
    uri = server.uri;
  }
  console.log(`\ntest database: ${uri}`);
  const stopOnSignal = () => {
    server?.stop().finally(() => process.exit(130));
  };
  process.once("SIGINT", stopOnSignal);
  process.once("SIGTERM", stopOnSignal);

  const env = { ...process.env, MSPASS_TEST_DB_URI: uri };
  let failed = 0;
  try {
    failed +=
      run("cargo", ["test", "-p", "mspass-core", ...targetArgs], { ...cargoEnv, MSPASS_TEST_DB_URI: uri }) !==
      0
        ? 1
        : 0;
    failed += run("npx", ["vitest", "run", ...extraArgs], env) !== 0 ? 1 : 0;
  } finally {
    await server?.stop();
  }
  console.log(failed ? `\n${failed} test stage(s) failed` : "\nall test stages passed");
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`npm test: ${err.message}`);
    process.exit(1);
  },
);
