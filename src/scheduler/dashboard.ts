/**
 * The scheduler's live dashboard: a loopback-only HTTP server with
 *   /status        the page (hand-written HTML, no framework)
 *   /api/state     JSON snapshot (SchedulerState)
 *   /api/events    Server-Sent Events: the same snapshot, pushed twice a second
 * Nothing here keeps Node alive: the server and its sockets are unref'd.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { MsPASSError } from "../errors.js";
import { DASHBOARD_HTML } from "./dashboard-page.js";
import type { SchedulerState } from "./local.js";

/** What the dashboard reads: the LocalScheduler, or the RedisScheduler (workers of every host). */
export interface DashboardSource {
  state(since: number): SchedulerState;
  pollMemory(): void;
}

const HOST = "127.0.0.1";
const PUSH_MS = 500;
const MEMORY_MS = 1000;
const STREAM_WINDOW_MS = 30_000;
const PORT_TRIES = 100;

export class Dashboard {
  readonly link: string;
  readonly port: number;
  readonly #server: Server;
  readonly #clients = new Set<ServerResponse>();
  #pushTimer: NodeJS.Timeout | undefined;
  #memTimer: NodeJS.Timeout | undefined;

  private constructor(
    server: Server,
    port: number,
    private readonly scheduler: DashboardSource,
  ) {
    this.#server = server;
    this.port = port;
    this.link = `http://${HOST}:${port}/status`;
  }

  /** Listen on `port`, or the next free one above it (0 = any free port). */
  static async start(scheduler: DashboardSource, port: number): Promise<Dashboard> {
    let lastErr: Error | undefined;
    const tries = port === 0 ? 1 : PORT_TRIES;
    for (let i = 0; i < tries && port + i <= 65535; i++) {
      const server = createServer();
      try {
        await new Promise<void>((resolve, reject) => {
          server.once("error", reject);
          server.listen(port === 0 ? 0 : port + i, HOST, () => {
            server.off("error", reject);
            resolve();
          });
        });
      } catch (err) {
        lastErr = err as Error;
        if ((err as { code?: string }).code === "EADDRINUSE") continue;
        break;
      }
      server.unref();
      const addr = server.address();
      const d = new Dashboard(
        server,
        typeof addr === "object" && addr !== null ? addr.port : port + i,
        scheduler,
      );
      server.on("request", (req, res) => d.#handle(req, res));
      server.on("connection", (sock) => sock.unref());
      return d;
    }
    throw new MsPASSError(
      `dashboard: no free port on ${HOST} from ${port} to ${port + tries - 1}: ${lastErr?.message ?? "unknown error"}`,
      "Fatal",
    );
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    // Loopback only is not enough against DNS rebinding: a page from another
    // origin could resolve its own name to 127.0.0.1. Accept loopback names only.
    const host = (req.headers.host ?? "").replace(/:\d+$/, "").toLowerCase();
    if (host !== HOST && host !== "localhost" && host !== "[::1]") {
      res.writeHead(421, { "content-type": "text/plain" }).end("misdirected request: use http://127.0.0.1\n");
      return;
    }
    const url = new URL(req.url ?? "/", `http://${HOST}`);
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    switch (url.pathname) {
      case "/":
        res.writeHead(302, { location: "/status" }).end();
        return;
      case "/status":
        res
          .writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" })
          .end(DASHBOARD_HTML);
        return;
      case "/api/state": {
        const since = Number(url.searchParams.get("since") ?? Date.now() - STREAM_WINDOW_MS);
        res
          .writeHead(200, { "content-type": "application/json", "cache-control": "no-store" })
          .end(JSON.stringify(this.scheduler.state(Number.isFinite(since) ? since : 0)));
        return;
      }
      case "/api/events":
        this.#subscribe(req, res);
        return;
      default:
        res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
    }
  }

  #subscribe(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-store",
      connection: "keep-alive",
    });
    res.write("retry: 1000\n\n");
    this.#clients.add(res);
    this.#push(res);
    req.on("close", () => {
      this.#clients.delete(res);
      if (this.#clients.size === 0) this.#stopTimers();
    });
    if (this.#pushTimer === undefined) {
      this.#pushTimer = setInterval(() => {
        for (const c of this.#clients) this.#push(c);
      }, PUSH_MS);
      this.#pushTimer.unref();
      this.#memTimer = setInterval(() => this.scheduler.pollMemory(), MEMORY_MS);
      this.#memTimer.unref();
      this.scheduler.pollMemory();
    }
  }

  #push(res: ServerResponse): void {
    const state = this.scheduler.state(Date.now() - STREAM_WINDOW_MS);
    res.write(`data: ${JSON.stringify(state)}\n\n`);
  }

  #stopTimers(): void {
    if (this.#pushTimer) clearInterval(this.#pushTimer);
    if (this.#memTimer) clearInterval(this.#memTimer);
    this.#pushTimer = this.#memTimer = undefined;
  }

  async close(): Promise<void> {
    this.#stopTimers();
    for (const c of this.#clients) c.end();
    this.#clients.clear();
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }
}
