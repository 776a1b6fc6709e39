/**
 * The one place that loads the napi-rs addon. Everything else imports the
 * binding from here; the generated loader (native/index.cjs) and its types
 * (native/index.d.ts) are private to the package.
 *
 * Loading it here, at module load, also pins the shared library on the main
 * thread: Node unloads an addon when a worker's environment is destroyed but
 * never on the main thread, so the process-wide connection pool survives
 * worker restarts.
 */
import { createRequire } from "node:module";
import { MsPASSError } from "./errors.js";
import type * as Binding from "../native/index.cjs";

const require = createRequire(import.meta.url);

function load(): typeof Binding {
  try {
    return require("../native/index.cjs") as typeof Binding;
  } catch (err) {
    throw new MsPASSError(
      `cannot load the mspass native addon (native/index.cjs): ${(err as Error).message}. ` +
        "Build it with 'npm run build:native' (needs Rust).",
      "Fatal",
      { cause: err },
    );
  }
}

export const native: typeof Binding = load();
