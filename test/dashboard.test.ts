import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { afterEach, describe, expect, it } from "vitest";
import { LocalScheduler, task, type SchedulerState } from "mspass";

const TASKS = new URL("./fixtures/scheduler-tasks.mjs", import.meta.url);
const sleep = task<(ms: number, v: unknown) => Promise<unknown>>(TASKS, "sleep");
const OUT = fileURLToPath(new URL("./out/", import.meta.url));
const CHROMIUM = "/usr/bin/chromium";

const open: LocalScheduler[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function start(options: Parameters<typeof LocalScheduler.start>[0] = {}): Promise<LocalScheduler> {
  const s = await LocalScheduler.start({ nworkers: 2, ...options });
  open.push(s);
  return s;
}

function listen(port: number): Promise<Server | null> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(null));
    srv.listen(port, "127.0.0.1", () => resolve(srv));
  });
}

async function json(url: string): Promise<SchedulerState> {
  const r = await fetch(url);
  expect(r.status).toBe(200);
  expect(r.headers.get("content-type")).toMatch(/application\/json/);
  return (await r.json()) as SchedulerState;
}

describe("dashboard", () => {
  it("serves on loopback at /status, from 8787 or the next free port", async () => {
    const s = await start();
    expect(s.dashboardLink).toMatch(/^http:\/\/127\.0\.0\.1:(\d+)\/status$/);
    const port = Number(new URL(s.dashboardLink!).port);
    expect(port).toBeGreaterThanOrEqual(8787); // other processes may hold 8787
    const page = await fetch(s.dashboardLink!);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<title>mspass scheduler<\/title>/);
    expect((await fetch(s.dashboardLink!.replace("/status", "/nope"))).status).toBe(404);
    // a foreign Host header (DNS rebinding) is refused
    const { request } = await import("node:http");
    const foreign = await new Promise<number>((resolve, reject) => {
      request(
        s.dashboardLink!.replace("/status", "/api/state"),
        { headers: { host: "evil.example:80" } },
        (r) => {
          r.resume();
          resolve(r.statusCode ?? 0);
        },
      )
        .on("error", reject)
        .end();
    });
    expect(foreign).toBe(421);
    // the port it holds is taken: the next scheduler moves on
    const t = await start({ dashboardPort: port });
    expect(Number(new URL(t.dashboardLink!).port)).toBeGreaterThan(port);
    expect((await start({ dashboard: false })).dashboardLink).toBeUndefined();
  });

  it("skips a port something else listens on", async () => {
    let held: Server | null = null;
    let port = 20000 + Math.floor(Math.random() * 20000);
    for (; held === null; port++) held = await listen(port);
    port--;
    try {
      const s = await start({ dashboardPort: port });
      expect(Number(new URL(s.dashboardLink!).port)).toBeGreaterThan(port);
    } finally {
      held.close();
    }
  });

  it("JSON endpoint: counts, progress per task name, workers with memory, task stream", async () => {
    const s = await start();
    const fs = s.map(sleep, [5, 5, 5, 5, 5, 5]);
    const bad = s.submit(task(TASKS, "boom"), "dash");
    await s.wait([...fs, bad]);
    const st = await json(s.dashboardLink!.replace("/status", "/api/state"));
    expect(st.counts).toMatchObject({ waiting: 0, processing: 0, done: 6, erred: 1 });
    expect(st.groups).toEqual(
      expect.arrayContaining([
        { name: "sleep", total: 6, done: 6, erred: 0, cancelled: 0 },
        { name: "boom", total: 1, done: 0, erred: 1, cancelled: 0 },
      ]),
    );
    expect(st.workers).toHaveLength(2);
    for (const w of st.workers) {
      expect(w.status).toBe("ready");
      expect(w.memory!.used).toBeGreaterThan(0);
      expect(w.memory!.limit).toBeGreaterThan(w.memory!.used);
    }
    const segs = st.stream.filter((x) => x.name === "sleep");
    expect(segs.reduce((a, x) => a + x.n, 0)).toBe(6);
    for (const x of segs) expect(x.end).toBeGreaterThanOrEqual(x.start);
    expect(st.stream.some((x) => x.name === "boom" && x.erred === 1)).toBe(true);
  });

  it("pushes the state over Server-Sent Events", async () => {
    const s = await start();
    await s.gather(s.map(sleep, [1, 1]));
    const ac = new AbortController();
    const r = await fetch(s.dashboardLink!.replace("/status", "/api/events"), { signal: ac.signal });
    expect(r.headers.get("content-type")).toMatch(/text\/event-stream/);
    const reader = r.body!.getReader();
    let text = "";
    while (!/\ndata: .*\n\n/.test(`\n${text}`)) text += new TextDecoder().decode((await reader.read()).value);
    const data = JSON.parse(/data: (.*)\n/.exec(text)![1]) as SchedulerState;
    expect(data.counts.done).toBe(2);
    ac.abort();
  });

  it("the page works in headless Chromium and shows a running job's progress", async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/ensure-chromium.sh`);
    const s = await start();
    const profile = mkdtempSync(join(tmpdir(), "mspass-chromium-"));
    const ctx = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
      viewport: { width: 1280, height: 800 },
    });
    try {
      const page = ctx.pages()[0] ?? (await ctx.newPage());
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      await page.goto(s.dashboardLink!);
      await expect(page.title()).resolves.toBe("mspass scheduler");
      await page.waitForSelector("#conn.live", { timeout: 10_000 });

      // A job of 80 × 40 ms tasks on 2 workers: about 1.6 s.
      const job = s.map(
        sleep,
        Array.from({ length: 80 }, () => 40),
      );
      const row = page.locator('#progress [data-group="sleep"]');
      await row.waitFor({ timeout: 10_000 });
      // Progress while it runs: some done, not all.
      // (functions below run in the page; strings keep the DOM types out of this Node test)
      await page.waitForFunction(
        "(() => { const n = Number(document.getElementById('n-done').textContent); return n > 10 && n < 80; })()",
        undefined,
        { timeout: 10_000, polling: 50 },
      );
      expect(Number(await page.textContent("#n-processing"))).toBeGreaterThan(0);
      await expect(row.textContent()).resolves.toMatch(/\d+ \/ 80/);
      expect(await page.locator("#workers tr").count()).toBe(2);
      await expect(page.locator("#workers tr").first().textContent()).resolves.toMatch(/MiB/);
      mkdirSync(OUT, { recursive: true });
      const shot = join(OUT, "dashboard.png");
      await page.screenshot({ path: shot, fullPage: true });
      expect(statSync(shot).size).toBeGreaterThan(10_000);

      await s.gather(job);
      await page.waitForFunction("document.getElementById('n-done').textContent === '80'", undefined, {
        timeout: 10_000,
      });
      await expect(row.textContent()).resolves.toMatch(/80 \/ 80/);
      expect(errors).toEqual([]);
    } finally {
      await ctx.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });
});
