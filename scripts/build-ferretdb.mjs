#!/usr/bin/env node
/**
 * Builds the embedded MongoDB-API server: `.bin/ferretdb` (package root) from
 * the Go main in tools/ferretdb/, which embeds FerretDB v1.24.2 with its SQLite
 * backend. Run by `npm run build:ferretdb` (part of `npm install`) and by the
 * service launcher when the binary is missing.
 *
 * - Skips the build when the binary is newer than every source file.
 * - Pure Go, so CGO_ENABLED=0: no C toolchain needed.
 * - Go's module and build caches stay where Go puts them (outside the clone).
 * - If Go is missing or the build fails, prints ONE message that says what to
 *   do and exits non-zero (status 1); the compiler output is shown above it.
 *
 * Usage: node scripts/build-ferretdb.mjs [--force] [--quiet]
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const srcDir = join(root, "tools", "ferretdb");
const binDir = join(root, ".bin");
const bin = join(binDir, "ferretdb");
const args = new Set(process.argv.slice(2));
const quiet = args.has("--quiet");

function die(message) {
  console.error(`build-ferretdb: ${message}`);
  process.exit(1);
}

function sources() {
  if (!existsSync(srcDir)) die(`${srcDir} is missing; the package is incomplete (reinstall mspass)`);
  return readdirSync(srcDir)
    .filter((f) => f.endsWith(".go") || f === "go.mod" || f === "go.sum")
    .map((f) => join(srcDir, f));
}

function upToDate() {
  if (!existsSync(bin)) return false;
  const built = statSync(bin).mtimeMs;
  return sources().every((f) => statSync(f).mtimeMs <= built);
}

if (!args.has("--force") && upToDate()) {
  if (!quiet) console.log(`build-ferretdb: ${bin} is up to date`);
  process.exit(0);
}

const go = spawnSync("go", ["version"], { encoding: "utf8" });
if (go.error || go.status !== 0) {
  die(
    "Go is not installed (needed once to build the embedded FerretDB database server). " +
      "Install Go >= 1.24 from https://go.dev/dl/ and run 'npm run build:ferretdb', " +
      "or point mspass at an existing MongoDB server with MSPASS_DB_ADDRESS.",
  );
}

if (!quiet) console.log(`build-ferretdb: building ${bin} with ${go.stdout.trim()} (first build downloads FerretDB v1.24.2 and takes a few minutes)`);
mkdirSync(binDir, { recursive: true });
// Build to a temporary name and rename, so an interrupted build never leaves
// a truncated binary that looks up to date.
const tmp = `${bin}.tmp-${process.pid}`;
const build = spawnSync("go", ["build", "-trimpath", "-o", tmp, "."], {
  cwd: srcDir,
  stdio: ["ignore", "inherit", "inherit"],
  env: { ...process.env, CGO_ENABLED: "0" },
});
if (build.error || build.status !== 0) {
  rmSync(tmp, { force: true });
  die(
    `building FerretDB failed (go build in ${srcDir}, status ${build.status ?? build.error?.message}). ` +
      "Check that the Go module proxy is reachable (GOPROXY) and Go is >= 1.24; if Go's toolchain is the problem, " +
      "retry with GOTOOLCHAIN=go1.24.3 npm run build:ferretdb.",
  );
}
renameSync(tmp, bin);
if (!quiet) console.log(`build-ferretdb: built ${bin}`);
