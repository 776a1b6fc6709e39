/**
 * What `mspass run` can execute. Node 20 has no TypeScript type stripping, so:
 * `.js`, `.mjs`, `.cjs` run as they are; `.ts`, `.mts` are compiled with the
 * `typescript` package (the project's own dev dependency; a user installs it
 * with `npm install -D typescript`) into a temporary `.mjs` NEXT TO the script,
 * so its relative imports and `import("mspass")` resolve as they would for
 * the script. Only that one file is compiled: modules it imports must be
 * JavaScript (or compiled by the user).
 */
import { existsSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { basename, dirname, extname, join, resolve } from "node:path";
import { MsPASSError } from "../errors.js";

export interface PreparedScript {
  entry: string;
  cleanup(): void;
}

export async function prepareScript(script: string, cwd: string): Promise<PreparedScript> {
  const file = resolve(cwd, script);
  if (!existsSync(file)) throw new MsPASSError(`workflow script ${file} does not exist`, "Fatal");
  const ext = extname(file);
  if ([".js", ".mjs", ".cjs"].includes(ext)) return { entry: file, cleanup: () => {} };
  if (ext !== ".ts" && ext !== ".mts") {
    throw new MsPASSError(`cannot run ${basename(file)}: mspass run takes .js, .mjs, .cjs, or .ts/.mts (compiled with the typescript package)`, "Invalid");
  }
  let ts: typeof import("typescript");
  try {
    ts = (await import("typescript")).default;
  } catch {
    throw new MsPASSError(`running ${basename(file)} needs the typescript package (npm install -D typescript), or compile it to .js yourself`, "Fatal");
  }
  const out = ts.transpileModule(readFileSync(file, "utf8"), {
    fileName: file,
    reportDiagnostics: true,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: false, inlineSourceMap: true },
  });
  const errors = (out.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length) {
    const text = errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")).join("; ");
    throw new MsPASSError(`cannot compile ${file}: ${text}`, "Invalid");
  }
  const entry = join(dirname(file), `.${basename(file, ext)}.mspass-run-${process.pid}.mjs`);
  writeFileSync(entry, out.outputText);
  return { entry, cleanup: () => rmSync(entry, { force: true }) };
}
