/**
 * What a benchmark needs to start: where it runs (bench/out), the repository
 * root, the built addon (dist/native.js, the same module the library loads)
 * and its `--key=value` arguments.
 */
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type * as NativeModule from "../dist/native.js";

/** bench/out, where the compiled benchmarks and their scratch files live. */
export const benchOut = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(benchOut, "..", "..");

export async function loadNative(): Promise<typeof NativeModule.native> {
  return ((await import(pathToFileURL(join(repoRoot, "dist", "native.js")).href)) as typeof NativeModule)
    .native;
}

/** `--a=1 --flag` → Map { a: "1", flag: "true" }. */
export function benchArgs(argv: readonly string[] = process.argv.slice(2)): Map<string, string> {
  return new Map(
    argv.map((a) => {
      const kv = a.replace(/^--/, "");
      const eq = kv.indexOf("=");
      return eq < 0 ? ([kv, "true"] as const) : ([kv.slice(0, eq), kv.slice(eq + 1)] as const);
    }),
  );
}
