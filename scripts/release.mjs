#!/usr/bin/env node
/**
 * `npm run release -- --registry <url>`: publishes mspass from a BUILT
 * checkout (`npm install` done) to an npm registry, as napi-rs and esbuild
 * publish theirs:
 *
 * - one package per addon target (npm/<platform-arch-abi>/, made by
 *   `napi create-npm-dirs`): the `.node` copied in by `napi artifacts`,
 *   versioned and published by `napi pre-publish`;
 * - one package per FerretDB platform (npm/ferretdb-<platform>-<arch>/):
 *   the static, stripped `.bin/ferretdb` with FerretDB's LICENSE and a
 *   NOTICE;
 * - the root package, with no `.node` and no scripts, whose
 *   `optionalDependencies` name all of the above.
 *
 * Everything is assembled in a staging directory outside the checkout
 * (`npm pack` of the checkout, unpacked), so the committed package.json
 * never gains `optionalDependencies` (a clone keeps building from source)
 * and the checkout is left exactly as it was. Platform packages go first,
 * the root last, so the registry never offers a root whose dependencies
 * are missing.
 *
 * Usage: node scripts/release.mjs --registry <url> [--keep-staging]
 * Credentials are npm's own (`npm login --registry <url>` / .npmrc).
 */
import { execFileSync, spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";

class ReleaseError extends Error {}

/** Stops the release with one message; the staging directory is still removed. */
function die(message) {
  throw new ReleaseError(message);
}

function run(cmd, args, options = {}) {
  console.log(`$ ${cmd} ${args.join(" ")}${options.cwd ? `   (in ${options.cwd})` : ""}`);
  const r = spawnSync(cmd, args, { stdio: "inherit", ...options });
  if (r.error || r.status !== 0)
    die(`'${cmd} ${args.join(" ")}' failed (${r.error?.message ?? `status ${r.status}`})`);
}

const readJson = (file) => JSON.parse(readFileSync(file, "utf8"));
const writeJson = (file, value) => writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);

async function main() {
  let options;
  try {
    ({ values: options } = parseArgs({
      options: { registry: { type: "string" }, "keep-staging": { type: "boolean" } },
    }));
  } catch (err) {
    die(`${err.message}\nusage: npm run release -- --registry <url> [--keep-staging]`);
  }
  if (!options.registry) die("name the registry to publish to: npm run release -- --registry <url>");
  const registry = options.registry;
  try {
    new URL(registry);
  } catch {
    die(`--registry ${JSON.stringify(registry)} is not a URL`);
  }

  const manifest = readJson(join(root, "package.json"));
  const { binaryName } = manifest.napi;

  // napi's own view of the targets (name, platformArchABI, os/cpu/libc).
  const napiCli = await import("@napi-rs/cli");
  const targets = manifest.napi.targets.map((triple) => napiCli.parseTriple(triple));

  // -- a built checkout?
  for (const t of targets) {
    const node = join(root, "native", `${binaryName}.${t.platformArchABI}.node`);
    if (!existsSync(node)) die(`${node} is missing: build the addon first (npm run build:native)`);
    if (!existsSync(join(root, "npm", t.platformArchABI, "package.json")))
      die(`npm/${t.platformArchABI} is missing: run 'npx napi create-npm-dirs' and commit it`);
  }
  if (!existsSync(join(root, "dist", "index.js")))
    die("dist/ is missing: build the TypeScript first (npm run build:ts)");
  const ferretdbDirs = readdirSync(join(root, "npm")).filter((d) => d.startsWith("ferretdb-"));
  for (const dir of ferretdbDirs) {
    const pkg = readJson(join(root, "npm", dir, "package.json"));
    // The checkout builds FerretDB for its own host only.
    if (!pkg.os.includes(process.platform) || !pkg.cpu.includes(process.arch)) {
      die(
        `npm/${dir} is for ${pkg.os}-${pkg.cpu}, but this checkout builds FerretDB for ${process.platform}-${process.arch}; release from that platform`,
      );
    }
    if (!existsSync(join(root, ".bin", "ferretdb")))
      die(".bin/ferretdb is missing: build it first (npm run build:ferretdb)");
  }

  const staging = mkdtempSync(join(tmpdir(), "mspass-release-"));
  const env = { ...process.env, npm_config_registry: registry };
  console.log(
    `release: staging in ${staging}, publishing ${manifest.name}@${manifest.version} to ${registry}`,
  );

  try {
    // -- the root package as `npm pack` sees it ("files"), unpacked
    const packed = JSON.parse(
      execFileSync(NPM, ["pack", "--ignore-scripts", "--json", "--pack-destination", staging], {
        cwd: root,
        encoding: "utf8",
      }),
    )[0];
    run("tar", ["-xzf", join(staging, packed.filename), "-C", staging]);
    const stagedRoot = join(staging, "package");

    // -- addon packages: napi artifacts copies each .node into its npm/<target>/
    //    (and next to the root manifest, which "files" does not publish; removed anyway)
    for (const t of targets)
      cpSync(join(root, "npm", t.platformArchABI), join(stagedRoot, "npm", t.platformArchABI), {
        recursive: true,
      });
    run(
      "npx",
      ["napi", "artifacts", "--cwd", stagedRoot, "--output-dir", join(root, "native"), "--npm-dir", "npm"],
      { cwd: root, env },
    );
    for (const t of targets)
      rmSync(join(stagedRoot, `${binaryName}.${t.platformArchABI}.node`), { force: true });

    // -- the root manifest: no scripts (nothing runs at install), no dev-only fields
    const stagedManifest = readJson(join(stagedRoot, "package.json"));
    delete stagedManifest.scripts;
    delete stagedManifest.devDependencies;
    delete stagedManifest.overrides;
    writeJson(join(stagedRoot, "package.json"), stagedManifest);

    // -- FerretDB packages, as esbuild ships its Go binary
    const ferretdbDeps = {};
    for (const dir of ferretdbDirs) {
      const out = join(staging, dir);
      cpSync(join(root, "npm", dir), out, { recursive: true });
      mkdirSync(join(out, "bin"), { recursive: true });
      copyFileSync(join(root, ".bin", "ferretdb"), join(out, "bin", "ferretdb"));
      chmodSync(join(out, "bin", "ferretdb"), 0o755);
      writeFileSync(join(out, "NOTICE"), ferretdbNotice(join(root, ".bin", "ferretdb")));
      const pkg = readJson(join(out, "package.json"));
      pkg.version = manifest.version;
      writeJson(join(out, "package.json"), pkg);
      run(NPM, ["publish", "--ignore-scripts", "--registry", registry], { cwd: out, env });
      ferretdbDeps[pkg.name] = manifest.version;
    }

    // -- napi pre-publish: versions and publishes npm/<target>/, writes the
    //    root's optionalDependencies (in the STAGED package.json)
    run("npx", ["napi", "pre-publish", "--cwd", stagedRoot, "--npm-dir", "npm", "--no-gh-release"], {
      cwd: root,
      env,
    });

    const finalManifest = readJson(join(stagedRoot, "package.json"));
    finalManifest.optionalDependencies = { ...finalManifest.optionalDependencies, ...ferretdbDeps };
    writeJson(join(stagedRoot, "package.json"), finalManifest);
    rmSync(join(stagedRoot, "npm"), { recursive: true, force: true });
    const rootFiles = JSON.parse(
      execFileSync(NPM, ["pack", "--dry-run", "--ignore-scripts", "--json"], {
        cwd: stagedRoot,
        encoding: "utf8",
      }),
    )[0].files;
    const nodeFiles = rootFiles.map((f) => f.path).filter((p) => p.endsWith(".node"));
    if (nodeFiles.length > 0)
      die(`the root package would carry ${nodeFiles.join(", ")}: keep .node files out of "files"`);
    run(NPM, ["publish", "--ignore-scripts", "--registry", registry], { cwd: stagedRoot, env });
    console.log(
      `release: published ${manifest.name}@${manifest.version} with ${Object.keys(finalManifest.optionalDependencies).join(", ")}`,
    );
  } finally {
    if (options["keep-staging"]) console.log(`release: staging kept in ${staging}`);
    else rmSync(staging, { recursive: true, force: true });
  }
}

try {
  await main();
} catch (err) {
  if (!(err instanceof ReleaseError)) throw err;
  console.error(`release: ${err.message}`);
  process.exitCode = 1;
}

/**
 * FerretDB's NOTICE, what was changed, and the Go modules linked into the
 * executable (read from its build info by `go version -m`).
 */
function ferretdbNotice(binary) {
  const modules = execFileSync("go", ["version", "-m", binary], { encoding: "utf8" })
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter(([kind]) => kind === "dep" || kind === "=>")
    .map(([kind, path, version]) =>
      `  ${kind === "=>" ? "  replaced by " : ""}${path} ${version ?? ""}`.trimEnd(),
    );
  const patches = readJson(join(root, "tools", "ferretdb", "patches.json"));
  return [
    "FerretDB database system (https://www.ferretdb.com/).",
    "Copyright 2021 FerretDB Inc.",
    "Licensed under the Apache License, Version 2.0 (LICENSE).",
    "",
    `This executable is FerretDB built by mspass with ${patches.patches.length} source edit(s) to ${patches.module}:`,
    ...patches.patches.map((p) => `  ${p.file}: ${p.why}`),
    "",
    "It contains these Go modules, each under its own license:",
    ...modules,
    "",
  ].join("\n");
}
