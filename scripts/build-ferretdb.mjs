#!/usr/bin/env node
/**
 * Builds the embedded MongoDB-API server: `.bin/ferretdb` (package root) from
 * the Go main in tools/ferretdb/, which embeds FerretDB v1.24.2 with its SQLite
 * backend. Run by `npm run build:ferretdb` (part of `npm install`) and by the
 * service launcher when the binary is missing.
 *
 * - Skips the build when the binary is newer than every source file.
 * - Pure Go, so CGO_ENABLED=0: no C toolchain needed, and a static executable
 *   (it runs on any Linux, whatever its glibc). Stripped (-ldflags "-s -w"):
 *   it is shipped in the mspass-ferretdb-<platform>-<arch> npm package.
 * - FerretDB's source is copied out of Go's module cache into
 *   .bin/ferretdb-src/, the edits in tools/ferretdb/patches.json are applied
 *   (each says why), and the build uses that copy through a `replace` in a
 *   generated go.mod; tools/ferretdb/go.mod itself stays the registry's.
 * - Go's module and build caches stay where Go puts them (outside the clone).
 * - If Go is missing or the build fails, prints ONE message that says what to
 *   do and exits non-zero (status 1); the compiler output is shown above it.
 *
 * Usage: node scripts/build-ferretdb.mjs [--force] [--quiet]
 */
import { spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
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
    .filter((f) => f.endsWith(".go") || f === "go.mod" || f === "go.sum" || f === "patches.json")
    .map((f) => join(srcDir, f))
    .concat(fileURLToPath(import.meta.url)); // how it is built (flags) counts too
}

function upToDate() {
  if (!existsSync(bin)) return false;
  const built = statSync(bin).mtimeMs;
  return sources().every((f) => statSync(f).mtimeMs <= built);
}

/**
 * Copies the FerretDB module out of Go's module cache, applies
 * tools/ferretdb/patches.json and returns the path of a go.mod that replaces
 * the module with the patched copy.
 */
function patchedModule() {
  const spec = JSON.parse(readFileSync(join(srcDir, "patches.json"), "utf8"));
  const dl = spawnSync("go", ["mod", "download", "-json", spec.module], {
    cwd: srcDir,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (dl.error || dl.status !== 0) {
    die(
      `'go mod download ${spec.module}' failed (status ${dl.status ?? dl.error?.message}); check that the Go module proxy is reachable (GOPROXY)`,
    );
  }
  const mod = JSON.parse(dl.stdout);
  const workDir = join(binDir, "ferretdb-src");
  const copy = join(workDir, `${spec.module.split("/").pop()}@${mod.Version}`);
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  cpSync(mod.Dir, copy, { recursive: true });
  // The module cache is read-only; the copy must be writable to patch it (and to remove it next time).
  const chmod = spawnSync("chmod", ["-R", "u+w", copy]);
  if (chmod.status !== 0) die(`could not make ${copy} writable`);
  for (const p of spec.patches) {
    const file = join(copy, p.file);
    const text = readFileSync(file, "utf8");
    const at = text.indexOf(p.find);
    if (at < 0 || text.indexOf(p.find, at + 1) >= 0) {
      die(
        `patch for ${p.file} does not apply to ${spec.module}@${mod.Version}: expected exactly one occurrence of ${JSON.stringify(p.find)}`,
      );
    }
    writeFileSync(file, text.slice(0, at) + p.replace + text.slice(at + p.find.length));
  }
  const modfile = join(workDir, "go.mod");
  writeFileSync(
    modfile,
    `${readFileSync(join(srcDir, "go.mod"), "utf8")}\nreplace ${spec.module} => ${copy}\n`,
  );
  cpSync(join(srcDir, "go.sum"), join(workDir, "go.sum"));
  if (!quiet)
    console.log(
      `build-ferretdb: ${spec.patches.length} patch(es) applied to ${spec.module}@${mod.Version} (tools/ferretdb/patches.json)`,
    );
  return modfile;
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

if (!quiet)
  console.log(
    `build-ferretdb: building ${bin} with ${go.stdout.trim()} (first build downloads FerretDB v1.24.2 and takes a few minutes)`,
  );
mkdirSync(binDir, { recursive: true });
// Build to a temporary name and rename, so an interrupted build never leaves
// a truncated binary that looks up to date.
const tmp = `${bin}.tmp-${process.pid}`;
const modfile = patchedModule();
const build = spawnSync("go", ["build", "-trimpath", "-ldflags=-s -w", "-modfile", modfile, "-o", tmp, "."], {
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
