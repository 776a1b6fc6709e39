#!/usr/bin/env node
/**
 * Builds the S3-compatible server the tests and benchmarks run:
 * `.bin/weed` (SeaweedFS, Apache-2.0) from the Go module pinned in
 * tools/seaweedfs/go.mod (a `tool` directive: go.sum pins every dependency).
 * Started by src/s3/local-server.ts as `weed mini` on 127.0.0.1.
 *
 * - Skips the build when the binary is newer than tools/seaweedfs/go.{mod,sum}.
 * - Pure Go (CGO_ENABLED=0). Go's module and build caches stay where Go puts
 *   them (outside the clone), so a second clone or CI run with warm caches
 *   relinks in seconds.
 * - The pinned SeaweedFS needs go >= 1.26.6 (its go.mod); Go 1.26.8 builds it,
 *   so no GOTOOLCHAIN is needed. An older Go fetches the toolchain its go.mod
 *   names through the module proxy (GOTOOLCHAIN=auto, Go's default).
 * - If Go is missing or the build fails: ONE message and exit status 1.
 *
 * Usage: node scripts/build-s3-server.mjs [--force] [--quiet]
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const srcDir = join(root, "tools", "seaweedfs");
const bin = join(root, ".bin", "weed");
const args = new Set(process.argv.slice(2));
const quiet = args.has("--quiet");

function die(message) {
  console.error(`build-s3-server: ${message}`);
  process.exit(1);
}

const sources = ["go.mod", "go.sum"].map((f) => join(srcDir, f));
for (const f of sources) if (!existsSync(f)) die(`${f} is missing; the clone is incomplete`);
if (
  !args.has("--force") &&
  existsSync(bin) &&
  sources.every((f) => statSync(f).mtimeMs <= statSync(bin).mtimeMs)
) {
  if (!quiet) console.log(`build-s3-server: ${bin} is up to date`);
  process.exit(0);
}

const go = spawnSync("go", ["version"], { encoding: "utf8" });
if (go.error || go.status !== 0)
  die(
    "Go is not installed (needed once to build the SeaweedFS S3 server for the tests): install Go >= 1.26 from https://go.dev/dl/",
  );

console.log(
  `build-s3-server: building ${bin} (SeaweedFS) with ${go.stdout.trim()}; the first build downloads ~300 modules and takes several minutes`,
);
mkdirSync(dirname(bin), { recursive: true });
const tmp = `${bin}.tmp-${process.pid}`;
// -mod=readonly: build exactly what go.sum pins, never edit go.mod on a user's machine.
const build = spawnSync(
  "go",
  ["build", "-mod=readonly", "-trimpath", "-ldflags=-s -w", "-o", tmp, "github.com/seaweedfs/seaweedfs/weed"],
  {
    cwd: srcDir,
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, CGO_ENABLED: "0" },
  },
);
if (build.error || build.status !== 0) {
  rmSync(tmp, { force: true });
  die(
    `building SeaweedFS failed (go build in ${srcDir}, status ${build.status ?? build.error?.message}); check that the Go module proxy is reachable (GOPROXY)`,
  );
}
renameSync(tmp, bin);
console.log(`build-s3-server: built ${bin}`);
