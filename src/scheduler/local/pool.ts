/**
 * The LocalScheduler's worker pool: starting worker threads (and
 * restarting them), their control messages and acks, keeping Node alive
 * only while work is pending, and crash accounting when one dies.
 *
 * Crash accounting (why it looks like this): each worker publishes the id
 * of the task it is running in a shared Float64Array (running[0]) and the
 * number of tasks it finished but has not reported yet (running[1]). When
 * a worker dies, that running task alone is charged a retry; the others it
 * held are rescheduled for free, and those that had completed without
 * reporting are counted as reruns on their futures.
 */
import { getHeapStatistics } from "node:v8";
import { MessageChannel, Worker, type MessagePort, type ResourceLimits } from "node:worker_threads";
import { MsPASSError } from "../../errors.js";
import { deserializeError, type ErrorInfo } from "../error-transport.js";
import type { Task } from "../future.js";
import type {
  ControlMessage,
  MainToWorker,
  MemoryInfo,
  PluginWire,
  ResultsMessage,
  WorkerBoot,
  WorkerToMain,
} from "../protocol.js";
import { Deque } from "../queue.js";
import type { WorkerStatus } from "../front.js";
import type { TaskTable } from "../task-table.js";
import { workerThreadExecArgv } from "../worker-exec-argv.js";

const WORKER_URL = new URL("../worker.js", import.meta.url);
const MAX_BOOT_FAILURES = 3;

/** Reason given to futures whose worker died and that have no retries left. */
export class WorkerDiedError extends MsPASSError {
  constructor(message: string) {
    super(message, "Fatal");
    this.name = "WorkerDiedError";
  }
}

interface Ack {
  resolve(error: ErrorInfo | null): void;
}

interface Slot {
  index: number;
  bootFailures: number;
  abandoned: boolean;
}

export interface WorkerRec {
  id: number;
  name: string;
  slot: Slot;
  thread: Worker;
  running: Float64Array;
  /** Plugin changes go here (see WorkerBoot.pluginPort), then pluginEpoch[0] is bumped. */
  pluginPort: MessagePort;
  pluginEpoch: Int32Array;
  status: WorkerStatus;
  inflight: Deque<Task>;
  sentFns: Set<number>;
  sentData: Set<number>;
  acks: Map<number, Ack>;
  cancelIds: number[] | null;
  mem: MemoryInfo | null;
  /** When it last reported results, or was handed work while idle (performance.now()). */
  progressAt: number;
  done: number;
  erred: number;
  lastError: Error | undefined;
  bootError: Error | undefined;
  exited: Promise<number>;
}

/** What the pool needs from the scheduler around it. */
export interface PoolHost {
  readonly tasks: TaskTable;
  closing(): boolean;
  /** Plugins and broadcast data a new worker is booted with. */
  bootState(): { plugins: PluginWire[]; data: [number, unknown][] };
  onResults(w: WorkerRec, m: ResultsMessage): void;
  /** A worker became ready: hand it work. */
  dispatch(): void;
  /** Put tasks back at the front of the queue, in this order. */
  requeueFront(tasks: Task[]): void;
  /** Fail every queued task (no worker can start). */
  failQueued(err: Error): void;
  emit(event: string, payload: unknown): void;
}

/**
 * A worker's old generation, unless the caller sets it, is capped just under
 * 2 GB (JavaScript objects only: samples live outside V8's heap). V8 lets a
 * heap capped at 2 GB or more grow to 4× what survived its last full
 * collection before it collects again, a smaller one to about 2× (its heap
 * controller's growing factor). A worker's heap is mostly the short-lived
 * objects of the partitions it has run, so at 4× each worker carried some
 * 50 MB of them at its peaks; under 2 GB halves that, at no measured cost in
 * time (bench/RESULTS.md, "A partition's samples released when its results
 * leave the worker").
 */
export const DEFAULT_WORKER_OLD_GENERATION_MB = 2047;

/** `given`, with the default old-generation cap when it sets none and the process's own is higher. */
export function withWorkerHeapDefault(given: ResourceLimits | undefined): ResourceLimits | undefined {
  if (given?.maxOldGenerationSizeMb !== undefined) return given;
  // A worker inherits the process's heap limit: never raise it.
  if (getHeapStatistics().heap_size_limit / 2 ** 20 <= DEFAULT_WORKER_OLD_GENERATION_MB) return given;
  return { ...given, maxOldGenerationSizeMb: DEFAULT_WORKER_OLD_GENERATION_MB };
}

export class WorkerPool {
  #workers: WorkerRec[] = [];
  #nextWorkerId = 1;
  #nextSeq = 1;
  /** Tasks not settled + control operations awaiting acks; workers are ref'd while > 0. */
  #active = 0;
  #refd = false;
  #bootWaiters: { resolve(): void; reject(e: Error): void }[] = [];
  #lastBootError: Error | undefined;
  restarts = 0;
  reruns = 0;
  readonly #host: PoolHost;
  readonly #resourceLimits: ResourceLimits | undefined;
  readonly #stopTimeoutMs: number;

  constructor(host: PoolHost, resourceLimits: ResourceLimits | undefined, stopTimeoutMs: number) {
    this.#host = host;
    this.#resourceLimits = withWorkerHeapDefault(resourceLimits);
    this.#stopTimeoutMs = stopTimeoutMs;
  }

  /** Start `n` workers; resolves once none is booting and at least one is ready. */
  start(n: number): Promise<void> {
    for (let i = 0; i < n; i++) this.#spawn({ index: i, bootFailures: 0, abandoned: false });
    return this.#untilReady();
  }

  get all(): readonly WorkerRec[] {
    return this.#workers;
  }

  /** Workers that are (or will be) able to take messages. */
  live(): WorkerRec[] {
    return this.#workers.filter((w) => w.status === "booting" || w.status === "ready");
  }

  ready(): WorkerRec[] {
    return this.#workers.filter((w) => w.status === "ready");
  }

  /** Unsettled work changed by `n`: ref the workers while any is pending, so an idle scheduler never keeps Node alive. */
  activate(n: number): void {
    this.#active += n;
    if (this.#active > 0) this.#setRef(true);
    else if (this.#active === 0) this.#setRef(false);
  }

  unref(): void {
    this.#setRef(false);
  }

  /** Send a control message and resolve with the worker's answer (null = done; an error if it died first). */
  control(w: WorkerRec, msg: ControlMessage): Promise<ErrorInfo | null> {
    if (w.status === "dead")
      return Promise.resolve({ name: "WorkerDiedError", message: `${w.name} is gone` });
    const seq = this.#nextSeq++;
    this.activate(1);
    return new Promise<ErrorInfo | null>((resolve) => {
      w.acks.set(seq, {
        resolve: (e) => {
          this.activate(-1);
          resolve(e);
        },
      });
      if (msg.t === "plugin-add" || msg.t === "plugin-remove") {
        // Post first, bump second: a worker that sees the new epoch between
        // two tasks of a batch is sure to find the message on the port.
        w.pluginPort.postMessage({ ...msg, seq });
        Atomics.add(w.pluginEpoch, 0, 1);
      } else {
        w.thread.postMessage({ ...msg, seq });
      }
    });
  }

  /** Boot waiters reject (the scheduler closes). */
  rejectBootWaiters(err: Error): void {
    for (const b of this.#bootWaiters) b.reject(err);
    this.#bootWaiters = [];
  }

  /** Stop every worker gracefully (see LocalScheduler.close). */
  async stopAll(): Promise<void> {
    await Promise.all([...this.#workers].map((w) => this.#stopWorker(w)));
  }

  #spawn(slot: Slot): WorkerRec {
    const id = this.#nextWorkerId++;
    const name = `worker-${id}`;
    const state = new SharedArrayBuffer(16);
    const running = new Float64Array(state);
    running[0] = -1;
    const { plugins: bootPlugins, data: broadcast } = this.#host.bootState();
    const plugins = new MessageChannel();
    const epoch = new SharedArrayBuffer(4);
    const boot: WorkerBoot = {
      id,
      name,
      state,
      plugins: bootPlugins,
      pluginPort: plugins.port2,
      pluginEpoch: epoch,
      data: broadcast,
    };
    const thread = new Worker(WORKER_URL, {
      workerData: boot,
      transferList: [plugins.port2],
      resourceLimits: this.#resourceLimits,
      execArgv: workerThreadExecArgv(),
    });
    let onExit!: (code: number) => void;
    const w: WorkerRec = {
      id,
      name,
      slot,
      thread,
      running,
      pluginPort: plugins.port1,
      pluginEpoch: new Int32Array(epoch),
      status: "booting",
      inflight: new Deque<Task>(),
      sentFns: new Set(),
      sentData: new Set(broadcast.map(([d]) => d)),
      acks: new Map(),
      cancelIds: null,
      mem: null,
      progressAt: 0,
      done: 0,
      erred: 0,
      lastError: undefined,
      bootError: undefined,
      exited: new Promise<number>((r) => (onExit = r)),
    };
    if (!this.#refd) thread.unref();
    thread.on("message", (m: WorkerToMain) => this.#onMessage(w, m));
    thread.on("error", (err) => {
      w.lastError = err;
    });
    thread.on("exit", (code) => {
      onExit(code);
      this.#onExit(w, code);
    });
    this.#workers.push(w);
    return w;
  }

  #untilReady(): Promise<void> {
    if (this.#workers.some((w) => w.status === "ready")) {
      if (this.#workers.every((w) => w.status !== "booting")) return Promise.resolve();
    }
    return new Promise((resolve, reject) => this.#bootWaiters.push({ resolve, reject }));
  }

  #checkBootWaiters(): void {
    if (this.#bootWaiters.length === 0) return;
    const booting = this.#workers.some((w) => w.status === "booting");
    if (booting) return;
    const waiters = this.#bootWaiters;
    this.#bootWaiters = [];
    if (this.#workers.some((w) => w.status === "ready")) for (const b of waiters) b.resolve();
    else {
      const err = this.#noWorkersError();
      for (const b of waiters) b.reject(err);
    }
  }

  #noWorkersError(): MsPASSError {
    const why = this.#lastBootError ? `: ${this.#lastBootError.message}` : "";
    return new MsPASSError(`no scheduler worker could start${why}`, "Fatal", { cause: this.#lastBootError });
  }

  #setRef(on: boolean): void {
    if (on === this.#refd) return;
    this.#refd = on;
    for (const w of this.#workers) {
      if (on) w.thread.ref();
      else w.thread.unref();
    }
  }

  #onMessage(w: WorkerRec, m: WorkerToMain): void {
    switch (m.t) {
      case "res":
        this.#host.onResults(w, m);
        break;
      case "ack": {
        const a = w.acks.get(m.seq);
        w.acks.delete(m.seq);
        a?.resolve(m.error);
        break;
      }
      case "ready":
        w.mem = m.mem;
        if (w.status === "booting") w.status = "ready";
        w.slot.bootFailures = 0;
        this.#checkBootWaiters();
        this.#host.dispatch();
        break;
      case "boot-error":
        w.bootError = deserializeError(m.error);
        break;
      case "mem":
        w.mem = m.mem;
        break;
    }
  }

  #describeDeath(w: WorkerRec, code: number): string {
    const e = w.lastError;
    if (e !== undefined) {
      const c = (e as { code?: string }).code;
      if (c === "ERR_WORKER_OUT_OF_MEMORY") {
        const lim = this.#resourceLimits ? ` (resourceLimits ${JSON.stringify(this.#resourceLimits)})` : "";
        return `it ran out of memory${lim}: ${e.message}`;
      }
      return `uncaught ${e.name}: ${e.message}`;
    }
    return `it exited with code ${code} (process.exit() in the worker?)`;
  }

  #onExit(w: WorkerRec, code: number): void {
    const prev = w.status;
    w.status = "dead";
    w.pluginPort.close();
    this.#workers = this.#workers.filter((x) => x !== w);
    const closing = this.#host.closing();
    const reason =
      prev === "booting" && w.bootError
        ? `plugin setup failed: ${w.bootError.message}`
        : this.#describeDeath(w, code);
    for (const a of w.acks.values()) {
      a.resolve({
        name: "WorkerDiedError",
        message: w.bootError?.message ?? `${w.name} died before answering: ${reason}`,
        stack: w.bootError?.stack,
      });
    }
    w.acks.clear();
    const rescheduled = this.#chargeDeath(w, reason, closing);
    if (closing || prev === "stopping") return;
    if (prev === "booting") {
      w.slot.bootFailures++;
      this.#lastBootError =
        w.bootError ?? new MsPASSError(`${w.name} died while starting: ${reason}`, "Fatal");
    }
    this.#host.emit("worker-died", { id: w.id, name: w.name, reason, rescheduled });
    if (w.slot.bootFailures >= MAX_BOOT_FAILURES) {
      w.slot.abandoned = true;
      this.#host.emit("worker-abandoned", { slot: w.slot.index, reason });
      if (this.#workers.length === 0) this.#host.failQueued(this.#noWorkersError());
      this.#checkBootWaiters();
      return;
    }
    this.restarts++;
    this.#spawn(w.slot);
    this.#checkBootWaiters();
  }

  /** Settle or reschedule the tasks a dead worker held; returns how many were rescheduled. */
  #chargeDeath(w: WorkerRec, reason: string, closing: boolean): number {
    const tasks = this.#host.tasks;
    // Node delivers a dead worker's last messages before 'exit', so `held`
    // starts with the tasks it finished but had not reported yet (their
    // number is in running[1]), then the one it was running (running[0]).
    const culprit = w.running[0];
    let unreported = w.running[1];
    const held = w.inflight.drain();
    const requeue: Task[] = [];
    for (const t of held) {
      const completed = unreported > 0;
      unreported--;
      if (t.worker !== w || t.state !== "processing") continue;
      if (closing) {
        tasks.settle(
          t,
          "error",
          undefined,
          new MsPASSError(`the scheduler closed before task ${t.key} finished`, "Fatal"),
        );
        continue;
      }
      const charge = t.id === culprit;
      if (completed) {
        // It ran to completion but its result died with the worker.
        t.reruns++;
        this.reruns++;
        this.#host.emit("task-rerun", { key: t.key, worker: w.id });
      }
      if (t.transfer !== null) {
        tasks.settle(
          t,
          "error",
          undefined,
          new WorkerDiedError(
            `${w.name} died holding task ${t.key}, whose moved (transferred) arguments died with it: ${reason}`,
          ),
        );
      } else if (charge && t.retriesLeft <= 0) {
        tasks.settle(
          t,
          "error",
          undefined,
          new WorkerDiedError(
            `${w.name} died while running task ${t.key}: ${reason}; no retries left after ${t.attempts} attempt(s)`,
          ),
        );
      } else {
        if (charge) t.retriesLeft--;
        else if (!completed) t.attempts--; // dispatched but never started: not an attempt
        requeue.push(t);
      }
    }
    this.#host.requeueFront(requeue);
    return requeue.length;
  }

  async #stopWorker(w: WorkerRec): Promise<void> {
    if (w.status === "dead") return;
    w.status = "stopping";
    w.thread.ref(); // keep Node up until the worker has really ended
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((r) => (timer = setTimeout(r, this.#stopTimeoutMs)));
    const seq = this.#nextSeq++;
    const acked = new Promise<void>((resolve) => w.acks.set(seq, { resolve: () => resolve() }));
    try {
      w.thread.postMessage({ t: "stop", seq } satisfies MainToWorker);
    } catch {
      /* already gone */
    }
    await Promise.race([acked, w.exited.then(() => undefined), deadline]);
    clearTimeout(timer);
    await w.thread.terminate();
    await w.exited;
  }
}
