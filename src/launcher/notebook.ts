/**
 * The notebook frontend: JupyterLab with the tslab TypeScript/JavaScript
 * kernel, rooted at the working directory (as MsPASS mounts the working
 * directory at /home in its frontend container). JupyterLab lives in a venv
 * and tslab in a node_modules under the notebook home, installed on request by
 * scripts/ensure-notebook.sh (`mspass notebook --install`).
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { MsPASSError } from "../errors.js";
import { packageRoot } from "../service/paths.js";
import { requirePortFree } from "../service/ports.js";
import { stopProcess } from "../service/processes.js";
import { spawnDetached, waitUntil } from "./processes.js";

export function notebookHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.MSPASS_NOTEBOOK_HOME ?? join(packageRoot(), ".mspass", "notebook");
}

export function ensureNotebookScript(): string {
  return join(packageRoot(), "scripts", "ensure-notebook.sh");
}

/** Run scripts/ensure-notebook.sh (pip + npm; minutes the first time). */
export function installNotebook(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("sh", [ensureNotebookScript()], { env, stdio: ["ignore", "inherit", "inherit"] });
    child.on("error", (e) =>
      reject(new MsPASSError(`cannot run ${ensureNotebookScript()}: ${e.message}`, "Fatal")),
    );
    child.on("exit", (code) =>
      code === 0
        ? resolve()
        : reject(
            new MsPASSError(
              `installing JupyterLab and tslab failed (${ensureNotebookScript()} exited ${code}); see its output above`,
              "Fatal",
            ),
          ),
    );
  });
}

/** Where this project's Jupyter connection files live (one per kernel). */
export function jupyterRuntimeDir(workingDirectory: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.JUPYTER_RUNTIME_DIR ?? join(workingDirectory, ".mspass", "jupyter-runtime");
}

/**
 * Stop kernels the server left behind. Jupyter starts each kernel in a session
 * of its own and, on a hurried shutdown, a kernel holding worker threads can
 * outlive it; its command line names its connection file in this project's
 * runtime directory, which is how we know it is ours.
 */
export async function stopOrphanKernels(
  workingDirectory: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number[]> {
  const marker = join(jupyterRuntimeDir(workingDirectory, env), "kernel-");
  const pids: number[] = [];
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readFileSync(`/proc/${e}/cmdline`, "utf8").includes(marker)) pids.push(Number(e));
    } catch {
      // exited meanwhile
    }
  }
  for (const pid of pids) await stopProcess(pid, undefined, 5000);
  return pids;
}

export interface NotebookCommand {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  url: string;
  token: string;
}

/** The jupyter-lab command line, or one clear error if it is not installed. */
export function notebookCommand(opts: {
  workingDirectory: string;
  port: number;
  env: NodeJS.ProcessEnv;
  token?: string;
}): NotebookCommand {
  const home = notebookHome(opts.env);
  const lab = join(home, "venv", "bin", "jupyter-lab");
  const tslabBin = join(home, "node_modules", ".bin");
  if (!existsSync(lab) || !existsSync(join(tslabBin, "tslab"))) {
    throw new MsPASSError(
      `JupyterLab with the tslab kernel is not installed in ${home}: run 'mspass notebook --install' (or sh scripts/ensure-notebook.sh)`,
      "Fatal",
    );
  }
  const token = opts.token ?? randomBytes(16).toString("hex");
  return {
    command: lab,
    args: [
      "--no-browser",
      "--ServerApp.ip=127.0.0.1",
      `--ServerApp.port=${opts.port}`,
      "--ServerApp.port_retries=0",
      `--ServerApp.root_dir=${opts.workingDirectory}`,
      `--IdentityProvider.token=${token}`,
      // Jupyter refuses to run as root unless told; containers (MsPASS's too) run as root.
      ...(process.getuid?.() === 0 ? ["--allow-root"] : []),
    ],
    // The kernel spec runs `tslab`; the kernel's working directory is the
    // notebook's, so `import("mspass")` resolves from the user's project.
    env: {
      ...opts.env,
      // Connection files and cookie secret stay in this project, not in ~/.local.
      JUPYTER_RUNTIME_DIR: jupyterRuntimeDir(opts.workingDirectory, opts.env),
      PATH: [join(home, "venv", "bin"), tslabBin, opts.env.PATH ?? ""].join(delimiter),
    },
    url: `http://127.0.0.1:${opts.port}/lab?token=${token}`,
    token,
  };
}

/** True when the Jupyter server answers its REST API. */
export async function notebookAnswers(port: number, token: string): Promise<boolean> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/api/status`, {
      headers: { Authorization: `token ${token}` },
      signal: AbortSignal.timeout(2000),
    });
    return r.ok;
  } catch {
    return false;
  }
}

/** Start JupyterLab in the background (for `mspass up`) and wait until its API answers. */
export async function startNotebookServer(opts: {
  workingDirectory: string;
  port: number;
  env: NodeJS.ProcessEnv;
  logDir: string;
  timeoutMs: number;
}) {
  const nb = notebookCommand(opts);
  await requirePortFree(opts.port, "JupyterLab", "ports.jupyter in mspass-desktop.yaml (or --port)");
  const log = join(opts.logDir, "notebook.log");
  const p = await spawnDetached(nb.command, nb.args, { cwd: opts.workingDirectory, env: nb.env, log });
  await waitUntil(
    p,
    `JupyterLab on 127.0.0.1:${opts.port}`,
    () => notebookAnswers(opts.port, nb.token),
    opts.timeoutMs,
  );
  return { pid: p.pid, command: nb.command, url: nb.url, token: nb.token, log };
}
