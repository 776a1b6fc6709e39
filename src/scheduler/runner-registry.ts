/**
 * Schedulers other than the LocalScheduler that bags (and the distributed
 * read/write) can run on: the RedisScheduler registers itself here while it
 * is open. Kept apart so bag.ts needs no import of any particular
 * distributed engine.
 */
import type { BagRunner } from "./inline.js";

/** What a Bag needs from a scheduler it computes on. */
export interface BagScheduler extends BagRunner {
  readonly closed: boolean;
}

const open = new Set<BagScheduler>();
const known = new WeakSet<object>();

/** @internal Called by a scheduler when it opens / closes. */
export function registerBagScheduler(s: BagScheduler): void {
  known.add(s);
  open.add(s);
}

/** @internal */
export function unregisterBagScheduler(s: BagScheduler): void {
  open.delete(s);
}

/** The oldest open registered scheduler, if any. */
export function currentBagScheduler(): BagScheduler | undefined {
  for (const s of open) return s;
  return undefined;
}

/** True for a scheduler that registered itself here (open or closed). */
export function isBagScheduler(v: unknown): v is BagScheduler {
  return typeof v === "object" && v !== null && known.has(v);
}
