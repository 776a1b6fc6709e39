/**
 * What `mspass run` can execute: `.js`, `.mjs`, `.cjs` as they are; `.ts`,
 * `.mts` by, in order:
 * 1. Node's own type stripping, where this Node has it turned on
 *    (`process.features.typescript`: Node ≥ 23.6, or 22.x with
 *    --experimental-strip-types) — the script runs as it is;
 * 2. else the `typescript` package of the script's project (`npm install -D
 *    typescript`), or the one installed beside mspass: 5.x through its `transpileModule`, 7.x (which has no
 *    JavaScript compiler API) through its `tsc --noCheck` on that one file.
 * The output is a temporary `.mjs` NEXT TO the script, so its relative
 * imports and `import("mspass")` resolve as they would for the script. Only
 * that one file is compiled: modules it imports must be JavaScript (or
 * compiled by the user).
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, extname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { MsPASSError } from "../errors.js";

export interface PreparedScript {
  entry: string;
  cleanup(): void;
}

/** Whether this Node runs `.ts` files itself (type stripping enabled). */
function nodeStripsTypes(): boolean {
  return Boolean((process.features as { typescript?: string | false }).typescript);
}

export async function prepareScript(script: string, cwd: string): Promise<PreparedScript> {
  const file = resolve(cwd, script);
  if (!existsSync(file)) throw new MsPASSError(`workflow script ${file} does not exist`, "Fatal");
  const ext = extname(file);
  if ([".js", ".mjs", ".cjs"].includes(ext)) return { entry: file, cleanup: () => {} };
  if (ext !== ".ts" && ext !== ".mts") {
    throw new MsPASSError(
      `cannot run ${basename(file)}: mspass run takes .js, .mjs, .cjs, or .ts/.mts (compiled with the typescript package)`,
      "Invalid",
    );
  }
  if (nodeStripsTypes()) return { entry: file, cleanup: () => {} };
  const packageDir = typescriptPackage(file);
  if (packageDir === undefined) {
    throw new MsPASSError(
      `running ${basename(file)} needs the typescript package (npm install -D typescript), or Node ≥ 23.6, or compile it to .js yourself`,
      "Fatal",
    );
  }
  const entry = join(dirname(file), `.${basename(file, ext)}.mspass-run-${process.pid}.mjs`);
  const version = String(JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")).version);
  if (Number(version.split(".")[0]) >= 7) await compileWithTsc(packageDir, file, entry);
  else writeFileSync(entry, await transpileWithApi(packageDir, file));
  return { entry, cleanup: () => rmSync(entry, { force: true }) };
}

/** The `typescript` package the script's project has installed, else the one beside mspass, if any. */
function typescriptPackage(file: string): string | undefined {
  for (const from of [file, fileURLToPath(import.meta.url)]) {
    try {
      return dirname(createRequire(from).resolve("typescript/package.json"));
    } catch {
      // not installed there
    }
  }
  return undefined;
}

/** TypeScript 5.x: `transpileModule`, in process. */
async function transpileWithApi(packageDir: string, file: string): Promise<string> {
  const main = createRequire(join(packageDir, "package.json")).resolve("typescript");
  const ts = ((await import(pathToFileURL(main).href)) as { default: typeof import("typescript") }).default;
  const out = ts.transpileModule(readFileSync(file, "utf8"), {
    fileName: file,
    reportDiagnostics: true,
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      sourceMap: false,
      inlineSourceMap: true,
    },
  });
  const errors = (out.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length) {
    const text = errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")).join("; ");
    throw new MsPASSError(`cannot compile ${file}: ${text}`, "Invalid");
  }
  return out.outputText;
}

/** TypeScript 7.x: its `tsc` on this one file, types not checked (as transpileModule), into a temporary directory. */
async function compileWithTsc(packageDir: string, file: string, entry: string): Promise<void> {
  const outDir = mkdtempSync(join(dirname(file), ".mspass-run-tsc-"));
  try {
    const args = [
      join(packageDir, "bin", "tsc"),
      "--noCheck",
      "--noResolve",
      "--isolatedModules",
      "--skipLibCheck",
      "--module",
      "esnext",
      "--moduleResolution",
      "bundler",
      "--target",
      "es2022",
      "--inlineSourceMap",
      "--inlineSources",
      "--rootDir",
      dirname(file),
      "--outDir",
      outDir,
      file,
    ];
    try {
      await promisify(execFile)(process.execPath, args, { cwd: dirname(file) });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      const text = `${e.stdout ?? ""}${e.stderr ?? ""}`.trim() || e.message;
      throw new MsPASSError(`cannot compile ${file}: ${text}`, "Invalid");
    }
    renameSync(
      join(outDir, `${basename(file, extname(file))}${extname(file) === ".mts" ? ".mjs" : ".js"}`),
      entry,
    );
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}
