#!/usr/bin/env node
// `npm run bench [-- <name>... [--] <bench args>]`: the benchmarks of bench/
// (compiled to bench/out by the npm script's `tsc -p bench/tsconfig.json`),
// one after another against ONE throw-away server started here with the
// service's starter (src/service/throwaway.ts; or MSPASS_BENCH_DB_URI if you
// point it at a server of your own), stopped at the end even on failure.
//
//   npm run bench                      # every bench/*.bench.ts
//   npm run bench -- readdata          # only bench/readdata.bench.ts
//   npm run bench -- readdata -- --members=100 --iterations=3
//
// Figures are printed by each benchmark; record them in bench/RESULTS.md.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "bench", "out");
const argv = process.argv.slice(2);
const cut = argv.indexOf("--");
const names = cut < 0 ? argv : argv.slice(0, cut);
const benchArgs = cut < 0 ? [] : argv.slice(cut + 1);

async function main() {
  if (!existsSync(join(root, "dist", "service", "throwaway.js"))) {
    console.error("npm run bench: dist/ is missing; run 'npm run build' first");
    return 1;
  }
  const all = existsSync(out)
    ? readdirSync(out)
        .filter((f) => f.endsWith(".bench.js"))
        .sort()
    : [];
  const chosen =
    names.length === 0 ? all : names.map((n) => `${n.replace(/\.bench(\.[jt]s)?$/, "")}.bench.js`);
  const missing = chosen.filter((f) => !all.includes(f));
  if (missing.length > 0 || chosen.length === 0) {
    console.error(
      `npm run bench: no such benchmark ${missing.join(", ") || "(none built)"}; have: ${all.map((f) => f.replace(".bench.js", "")).join(", ")}`,
    );
    return 2;
  }

  let server = null;
  let uri = process.env.MSPASS_BENCH_DB_URI;
  if (!uri) {
    const { startThrowawayDatabaseServer } = await import(
      new URL("../dist/service/throwaway.js", import.meta.url).href
    );
    server = await startThrowawayDatabaseServer({ label: "bench-db" });
    uri = server.uri;
  }
  const stopOnSignal = () => {
    server?.stop().finally(() => process.exit(130));
  };
  process.once("SIGINT", stopOnSignal);
  process.once("SIGTERM", stopOnSignal);
  console.log(`bench database: ${uri}`);
  let failed = 0;
  try {
    for (const f of chosen) {
      console.log(`\n$ node bench/out/${f} ${benchArgs.join(" ")}`);
      const r = spawnSync(process.execPath, [join(out, f), ...benchArgs], {
        cwd: root,
        stdio: "inherit",
        env: { ...process.env, MSPASS_BENCH_DB_URI: uri },
      });
      if (r.status !== 0) failed++;
    }
  } finally {
    await server?.stop();
  }
  console.log(failed ? `\n${failed} benchmark(s) failed` : "\nall benchmarks ran");
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`npm run bench: ${err.message}`);
    process.exit(1);
  },
);
