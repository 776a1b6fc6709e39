/**
 * `indexMseedFiles(db, paths, options)`: `db.indexMseedFile` over many files
 * on the scheduler, one task per file (mseed-index-task.ts), a distributed
 * operation like readDistributedData.
 */
import path from "node:path";
import { ObjectId as ObjectIdClass, type ObjectId } from "mongodb";
import { MsPASSError } from "../errors.js";
import type { Database } from "../db/database.js";
import { checkOptions, type IndexMseedOptions } from "../db/mseed-index.js";
import { fromSequence } from "../scheduler/bag.js";
import { task } from "../scheduler/task-ref.js";
import { schedulerOption, type Scheduler } from "../scheduler/scheduler.js";
import type { IndexTaskItem, IndexTaskResult } from "./mseed-index-task.js";
import { describe } from "../option-checks.js";

const TASK_URL = new URL("./mseed-index-task.js", import.meta.url).href;

export interface IndexMseedFilesOptions extends Omit<IndexMseedOptions, "returnIds"> {
  /** "local" (default: the oldest open scheduler), "none" (this thread) or a scheduler. */
  scheduler?: "local" | "none" | Scheduler;
}

export interface IndexMseedFilesEntry {
  path: string;
  wfIds: ObjectId[];
  elogIds: ObjectId[];
  /** Set when this file could not be indexed; the other files are still indexed. */
  error?: string;
}

/**
 * `indexMseedFile` over many files on the scheduler, one task per file.
 * Relative paths are resolved against `dir` (or the cwd) HERE, so workers
 * with another cwd index the same files.
 */
export async function indexMseedFiles(
  db: Database,
  paths: readonly string[],
  options: IndexMseedFilesOptions = {},
): Promise<IndexMseedFilesEntry[]> {
  const FNS = "indexMseedFiles";
  if (!Array.isArray(paths) || paths.some((p) => typeof p !== "string" || p === "")) {
    throw new MsPASSError(
      `${FNS}: paths must be an array of non-empty strings, got ${describe(paths)}`,
      "Invalid",
    );
  }
  const { scheduler, ...rest } = options;
  const checked = checkOptions({ ...rest });
  const sched = schedulerOption(FNS, scheduler);
  const items: IndexTaskItem[] = paths.map((p) => ({
    db: db.name,
    path: path.isAbsolute(p) ? p : path.join(checked.dir ?? process.cwd(), p),
    options: {
      collection: checked.collection,
      segmentTimeTears: checked.segmentTimeTears,
      elogCollection: checked.elogCollection,
      normalizeChannel: checked.normalizeChannel,
    },
  }));
  const fn = task<(item: IndexTaskItem) => Promise<IndexTaskResult>>(TASK_URL, "indexMseedTask");
  const out = (await fromSequence(items, { npartitions: Math.max(1, items.length) })
    .map(fn)
    .compute(sched === undefined ? {} : { scheduler: sched })) as IndexTaskResult[];
  return out.map((r) => ({
    path: r.path,
    wfIds: r.wfIds.map((h) => new ObjectIdClass(h)),
    elogIds: r.elogIds.map((h) => new ObjectIdClass(h)),
    ...(r.error === undefined ? {} : { error: r.error }),
  }));
}
