/**
 * The worker side of `indexMseedFiles`: one task per file. It gets the
 * database NAME (handles never cross to a worker) and opens it with
 * `fetchDbhandle`, which reuses the worker's MongoDBWorker pool.
 */
import { fetchDbhandle } from "./fetch.js";
import { indexMseedFile, type IndexMseedOptions } from "../db/mseed-index.js";

export interface IndexTaskItem {
  db: string;
  path: string;
  options: Omit<IndexMseedOptions, "returnIds">;
}

export interface IndexTaskResult {
  path: string;
  wfIds: string[];
  elogIds: string[];
  /** Why this file could not be indexed (the others go on). */
  error?: string;
}

export async function indexMseedTask(item: IndexTaskItem): Promise<IndexTaskResult> {
  try {
    const db = fetchDbhandle(item.db);
    const r = await indexMseedFile(db, item.path, { ...item.options, returnIds: true });
    const [wf, elog] = r ?? [[], []];
    return {
      path: item.path,
      wfIds: wf.map((id) => id.toHexString()),
      elogIds: elog.map((id) => id.toHexString()),
    };
  } catch (err) {
    return { path: item.path, wfIds: [], elogIds: [], error: (err as Error).message };
  }
}
