/**
 * `mspass notebook`: JupyterLab with the tslab kernel, driven through the
 * Jupyter server's own REST and websocket API as JupyterLab itself does:
 * create a session with the tslab kernel, execute a cell that connects a
 * Client and runs a task, read the reply. Installs JupyterLab + tslab with the
 * project's script first (pip + npm; minutes the first time).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { findFreePort } from "mspass";
import { CLI, leftoversAfter, mspass, newProject } from "./launch-helpers.js";

const DB = process.env.MSPASS_TEST_DB_URI!;
let dir: string;

/** The install script, awaited (a synchronous run of minutes would starve vitest's own messages). */
function ensureNotebook(): Promise<void> {
  return new Promise((res, rej) => {
    const p = spawn("sh", [resolve("scripts/ensure-notebook.sh")], {
      stdio: "inherit",
      timeout: 15 * 60_000,
    });
    p.once("error", rej);
    p.once("exit", (code, signal) =>
      code === 0 ? res() : rej(new Error(`ensure-notebook.sh failed (${code ?? signal})`)),
    );
  });
}

beforeAll(async () => {
  await ensureNotebook();
  dir = newProject("mspass-nb-");
  // The TypeScript kernel type-checks cells: a project has @types/node (as this one does).
  symlinkSync(resolve("node_modules/@types"), join(dir, "node_modules", "@types"));
}, 16 * 60_000);

afterAll(async () => {
  await mspass(["down"], dir);
  rmSync(dir, { recursive: true, force: true });
});

interface Reply {
  status: string;
  stdout: string;
  stderr: string;
}

/** Create a session with the tslab kernel and execute one cell over the kernel's websocket. */
async function runCell(port: number, token: string, notebook: string, code: string): Promise<Reply> {
  const base = `http://127.0.0.1:${port}`;
  const headers = { Authorization: `token ${token}`, "Content-Type": "application/json" };
  const specs = (await (await fetch(`${base}/api/kernelspecs`, { headers })).json()) as {
    kernelspecs: Record<string, unknown>;
  };
  expect(Object.keys(specs.kernelspecs)).toContain("tslab");
  const res = await fetch(`${base}/api/sessions`, {
    method: "POST",
    headers,
    body: JSON.stringify({ path: notebook, name: notebook, type: "notebook", kernel: { name: "tslab" } }),
  });
  expect(res.status).toBe(201);
  const session = (await res.json()) as { id: string; kernel: { id: string } };
  const ws = new WebSocket(
    `ws://127.0.0.1:${port}/api/kernels/${session.kernel.id}/channels?session_id=${session.id}`,
    { headers: { Authorization: `token ${token}` } },
  );
  await new Promise((r, j) => {
    ws.once("open", r);
    ws.once("error", j);
  });
  const msgId = randomUUID();
  const reply: Reply = { status: "", stdout: "", stderr: "" };
  const done = new Promise<void>((r) => {
    let replied = false;
    let idle = false;
    ws.on("message", (data) => {
      const m = JSON.parse(data.toString()) as {
        msg_type: string;
        parent_header: { msg_id?: string };
        content: Record<string, unknown>;
      };
      if (m.parent_header.msg_id !== msgId) return;
      if (m.msg_type === "stream")
        reply[m.content.name === "stdout" ? "stdout" : "stderr"] += String(m.content.text);
      if (m.msg_type === "error") reply.stderr += `${String(m.content.ename)}: ${String(m.content.evalue)}`;
      if (m.msg_type === "execute_reply") {
        reply.status = String(m.content.status);
        replied = true;
      }
      if (m.msg_type === "status" && m.content.execution_state === "idle") idle = true;
      if (replied && idle) r();
    });
  });
  ws.send(
    JSON.stringify({
      header: {
        msg_id: msgId,
        username: "test",
        session: session.id,
        msg_type: "execute_request",
        version: "5.3",
        date: new Date().toISOString(),
      },
      parent_header: {},
      metadata: {},
      content: {
        code,
        silent: false,
        store_history: true,
        user_expressions: {},
        allow_stdin: false,
        stop_on_error: true,
      },
      channel: "shell",
      buffers: [],
    }),
  );
  await done;
  ws.close();
  return reply;
}

const CELL = `
const { Client, TimeSeries } = await import("mspass");
const client = await Client.connect({ nworkers: 1, dashboardPort: 0, databaseName: "launch_notebook" });
const ts = new TimeSeries({ npts: 3, dt: 1, t0: 0 });
ts.data.fill(1.5);
await client.getDatabase().saveData(ts);
const sum: number = await client.getScheduler()!.submit((a: number, b: number) => a + b, 40, 2);
console.log("CELL " + sum + " " + (await client.getDatabase().wf_TimeSeries.countDocuments({})) + " " + process.cwd());
await client.getDatabase().dropDatabase();
await client.close();
`;

describe("mspass notebook", () => {
  it("serves JupyterLab rooted at the working directory; a tslab cell connects a Client and runs a task", async () => {
    const port = await findFreePort();
    const child: ChildProcess = spawn(process.execPath, [CLI, "notebook", "--port", String(port)], {
      cwd: dir,
      env: { ...process.env, MSPASS_DB_ADDRESS: DB },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
    try {
      const deadline = Date.now() + 120_000;
      let token = "";
      for (;;) {
        token = /token=([0-9a-f]+)/.exec(out)?.[1] ?? "";
        if (token) {
          const ok = await fetch(`http://127.0.0.1:${port}/api/status`, {
            headers: { Authorization: `token ${token}` },
          }).then(
            (r) => r.ok,
            () => false,
          );
          if (ok) break;
        }
        if (Date.now() > deadline) throw new Error(`JupyterLab did not come up:\n${out}\n${err}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      // Without the token the API refuses.
      expect((await fetch(`http://127.0.0.1:${port}/api/sessions`)).status).toBe(403);
      const reply = await runCell(port, token, "analysis.ipynb", CELL);
      expect(reply.stderr).toBe("");
      expect(reply.status).toBe("ok");
      // The notebook's directory is the working directory, as MsPASS mounts it.
      expect(reply.stdout).toContain(`CELL 42 1 ${dir}`);
      // Contents API: the server's root is the working directory.
      const contents = (await (
        await fetch(`http://127.0.0.1:${port}/api/contents/`, {
          headers: { Authorization: `token ${token}` },
        })
      ).json()) as { content: { name: string }[] };
      expect(contents.content.map((c) => c.name)).toContain("node_modules");
    } finally {
      child.kill("SIGINT");
      await exited;
    }
    expect(await leftoversAfter(dir, 20_000)).toEqual([]);
  });

  it("mspass up --notebook starts it with the other services; down stops all of it", async () => {
    const [dbPort, nbPort] = [await findFreePort(), await findFreePort()];
    const yaml = join(dir, "mspass-desktop.yaml");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(yaml, `ports: { database: ${dbPort}, jupyter: ${nbPort} }\n`);
    const up = await mspass(["up", "--notebook"], dir);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toMatch(
      new RegExp(`notebook: jupyter-lab http://127\\.0\\.0\\.1:${nbPort}/lab\\?token=`),
    );
    const status = await mspass(["status"], dir);
    expect(status.stdout).toMatch(/notebook\s+running\s+jupyter-lab/);
    const state = JSON.parse(readFileSync(join(dir, ".mspass", "desktop.json"), "utf8")) as {
      services: { name: string; address?: string }[];
    };
    const url = new URL(state.services.find((s) => s.name === "notebook")!.address!);
    const token = url.searchParams.get("token")!;
    const reply = await runCell(
      nbPort,
      token,
      "up.ipynb",
      `console.log("ENV " + process.env.MSPASS_DB_ADDRESS)`,
    );
    // The kernel gets the services `up` started.
    expect(reply.stdout).toContain(`ENV mongodb://127.0.0.1:${dbPort}/`);
    const down = await mspass(["down"], dir);
    expect(down.code).toBe(0);
    expect(down.stderr).toContain("stopped notebook");
    expect(down.stderr).toContain("stopped database");
    expect(await leftoversAfter(dir, 20_000)).toEqual([]);
    rmSync(yaml);
  });

  it("says how to install when JupyterLab is missing", async () => {
    const r = await mspass(["notebook", "--port", String(await findFreePort())], dir, {
      MSPASS_NOTEBOOK_HOME: join(dir, "no-such-home"),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("run 'mspass notebook --install'");
    expect(existsSync(join(dir, "no-such-home"))).toBe(false);
  });
});
