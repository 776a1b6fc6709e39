/**
 * Runs inside a worker thread of a `mspass worker` process (its local
 * worker-thread pool): the tasks of one BullMQ job, in order.
 *
 * Each task runs under the CLIENT's task id (`getWorker().taskId`), not the
 * local pool's: a job picked up again after its worker process died runs
 * its tasks under the same ids, which is what the idempotent
 * writeDistributedData keys its document ids on.
 */
import { serializeError } from "../error-transport.js";
import {
  explainReferenceError,
  failedFn,
  foldbyCombine,
  foldCombine,
  loadFn,
  runPartition,
  type FnEntry,
  type Stage,
} from "../executor.js";
import { FN_FOLD_COMBINE, FN_FOLDBY_COMBINE, FN_PARTITION } from "../protocol.js";
import { getWorker } from "../worker-context.js";
import type { FnDef } from "../task-ref.js";
import { serialize } from "node:v8";
import { MsPASSError } from "../../errors.js";
import { pack, packContext, unpackAll } from "../serialize.js";
import { encode, type JobPayload, type JobResult } from "./wire.js";
import { isThenable } from "../../option-checks.js";

/** Functions by definition text, per thread: a job's defs are loaded once per thread, not once per job. */
const loaded = new Map<string, FnEntry>();

async function entryFor(def: FnDef): Promise<FnEntry> {
  const k = def.kind === "source" ? `src:${def.source}` : `mod:${def.module}#${def.export}`;
  let e = loaded.get(k);
  if (e === undefined) {
    try {
      e = await loadFn(def);
    } catch (err) {
      return failedFn(def, err); // not cached: a module may appear later
    }
    loaded.set(k, e);
  }
  return e;
}

/**
 * Run the job's tasks and return the encoded JobResult. Encoding here, on
 * the worker thread, spreads that cost over the threads and lets a value
 * that cannot be serialized fail its own task only.
 */
export async function runJobChunk(payload: JobPayload, worker: string): Promise<string> {
  const start = Date.now();
  const byId = new Map<number, FnEntry>();
  for (const d of payload.defs) byId.set(d.id, await entryFor(d));
  const resolve = (id: number): FnEntry => {
    const e = byId.get(id);
    if (e === undefined) throw new Error(`internal: function ${id} is not in the job`);
    return e;
  };
  const self = getWorker();
  const outer = self.taskId;
  const vals: unknown[] = new Array(payload.tasks.length);
  const errs: [number, ReturnType<typeof serializeError>][] = [];
  for (let i = 0; i < payload.tasks.length; i++) {
    const t = payload.tasks[i];
    self.beginTask(t.id);
    let entry: FnEntry | undefined;
    try {
      unpackAll(t.args);
      // Stay synchronous for synchronous tasks: an await per task would cost a microtask turn each.
      if (t.fnId === FN_PARTITION)
        vals[i] = await runPartition(resolve, t.args[0] as Stage[], t.args[1] as unknown[]);
      else if (t.fnId === FN_FOLD_COMBINE) vals[i] = await foldCombine(resolve, t.args);
      else if (t.fnId === FN_FOLDBY_COMBINE) vals[i] = await foldbyCombine(resolve, t.args);
      else {
        entry = resolve(t.fnId);
        const r = entry.fn(...t.args);
        vals[i] = isThenable(r) ? await r : r;
      }
      vals[i] = pack(vals[i], packContext("bytes"));
    } catch (err) {
      vals[i] = undefined;
      errs.push([i, serializeError(entry === undefined ? err : explainReferenceError(err, entry))]);
    }
  }
  self.beginTask(outer);
  const result: JobResult = { vals, errs, worker, start, end: Date.now() };
  try {
    return encodeResult(result, payload);
  } finally {
    // Only once encoded: a result may hold a raw view of what its task gave up.
    self.releaseSent();
  }
}

function encodeResult(result: JobResult, payload: JobPayload): string {
  const { vals, errs } = result;
  try {
    return encode(result);
  } catch {
    for (let i = 0; i < vals.length; i++) {
      try {
        serialize(vals[i]);
      } catch (err) {
        vals[i] = undefined;
        errs.push([
          i,
          serializeError(
            new MsPASSError(
              `task ${payload.tasks[i].id}: its result cannot be sent back to the client: ${(err as Error).message}`,
              "Invalid",
            ),
          ),
        ]);
      }
    }
    errs.sort((a, b) => a[0] - b[0]);
    return encode(result);
  }
}
