/**
 * `mspass notebook`: JupyterLab with the tslab TypeScript kernel, rooted at
 * the working directory, in the foreground (Ctrl-C stops it). With
 * `--install`, first installs JupyterLab (PyPI, into a venv) and tslab (npm)
 * under the notebook home via scripts/ensure-notebook.sh.
 */
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { readDesktopState } from "../launcher/desktop-state.js";
import { workflowEnv } from "../launcher/desktop.js";
import { installNotebook, notebookCommand, notebookHome, stopOrphanKernels } from "../launcher/notebook.js";
import { requirePortFree } from "../service/ports.js";
import { EXIT, parseArgs, UsageError, type CliCommand } from "./args.js";

export const NOTEBOOK_USAGE = `Usage: mspass notebook [--install] [--port N] [--project-dir DIR]

JupyterLab with a TypeScript kernel (tslab), its root the working directory,
on 127.0.0.1. In a cell: const { Client } = await import("mspass"); ...
If 'mspass up' runs here, the kernel uses its services.

Options:
  --install          install JupyterLab and tslab first (pip + npm; minutes the first time),
                     under MSPASS_NOTEBOOK_HOME (default <mspass package>/.mspass/notebook)
  --install-only     install, then exit
  --port N           port (default 8888)
  --project-dir DIR  working directory (default MSPASS_PROJECT_DIR, else the current directory)
  -h, --help         show this help`;

export const command: CliCommand = {
  async run(argv) {
    const a = parseArgs(
      argv,
      { options: ["port", "project-dir"], flags: ["help", "install", "install-only"] },
      NOTEBOOK_USAGE,
    );
    if (a.flags.has("help")) {
      process.stdout.write(NOTEBOOK_USAGE + "\n");
      return EXIT.ok;
    }
    if (a.positionals.length)
      throw new UsageError(`unexpected argument '${a.positionals[0]}'`, NOTEBOOK_USAGE);
    const portText = a.options.get("port") ?? "8888";
    const port = /^\d+$/.test(portText) ? Number(portText) : NaN;
    if (!(port >= 1 && port <= 65535))
      throw new UsageError(`--port must be a port 1-65535, got '${portText}'`, NOTEBOOK_USAGE);
    if (a.flags.has("install") || a.flags.has("install-only")) {
      await installNotebook();
      process.stderr.write(`mspass: JupyterLab and tslab are installed in ${notebookHome()}\n`);
      if (a.flags.has("install-only")) return EXIT.ok;
    }
    const wd = resolve(a.options.get("project-dir") ?? process.env.MSPASS_PROJECT_DIR ?? ".");
    const upState = readDesktopState(wd);
    const services = upState ? workflowEnv(upState) : {};
    const nb = notebookCommand({ workingDirectory: wd, port, env: { ...process.env, ...services } });
    await requirePortFree(port, "JupyterLab", "--port");
    process.stdout.write(`JupyterLab: ${nb.url}\n`);
    return new Promise<number>((res) => {
      const child = spawn(nb.command, nb.args, {
        cwd: wd,
        env: nb.env,
        stdio: ["ignore", "inherit", "inherit"],
      });
      // Ctrl-C: SIGTERM is Jupyter's clean shutdown (SIGINT makes it ask on a terminal).
      const stop = () => child.kill("SIGTERM");
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
      child.on("error", (e) => {
        process.stderr.write(`mspass: cannot start ${nb.command}: ${e.message}\n`);
        res(EXIT.error);
      });
      child.on("exit", (code) => {
        void stopOrphanKernels(wd, nb.env).then(
          () => res(code ?? EXIT.ok),
          () => res(code ?? EXIT.ok),
        );
      });
    });
  },
};
