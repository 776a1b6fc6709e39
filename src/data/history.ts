/**
 * Minimal ProcessingHistory: enough of MsPASS's history tree for readers and
 * writers to mark data as origin/raw and to chain processing steps. Nodes carry
 * the same fields as MsPASS's `NodeData`.
 */
import { randomUUID } from "node:crypto";
import { MsPASSError } from "../errors.js";

export const PROCESSING_STATUS = ["RAW", "ORIGIN", "VOLATILE", "SAVED", "UNDEFINED"] as const;
export type ProcessingStatus = (typeof PROCESSING_STATUS)[number];

/** MsPASS's AtomicType names for the object a node produced. */
export type AtomicType = "TimeSeries" | "Seismogram" | "TimeSeriesEnsemble" | "SeismogramEnsemble" | "Undefined";

export interface HistoryNode {
  readonly status: ProcessingStatus;
  readonly uuid: string;
  readonly algorithm: string;
  readonly algid: string;
  readonly stage: number;
  readonly type: AtomicType;
}

export class ProcessingHistory {
  jobName = "";
  jobId = "";
  /** Every node created, oldest first. */
  readonly #nodes: HistoryNode[] = [];
  /** uuid of a node → uuids of its inputs. */
  readonly #inputs = new Map<string, string[]>();
  #current: HistoryNode | undefined;

  /** True when no node has been recorded (MsPASS's `is_empty`). */
  isEmpty(): boolean {
    return this.#current === undefined;
  }

  get current(): HistoryNode | undefined {
    return this.#current;
  }

  get nodes(): readonly HistoryNode[] {
    return this.#nodes;
  }

  /** uuids of the inputs of node `uuid` (empty for an origin). */
  inputsOf(uuid: string): readonly string[] {
    return this.#inputs.get(uuid) ?? [];
  }

  /** uuid of the current node; throws if the history is empty. */
  id(): string {
    if (this.#current === undefined) throw new MsPASSError("ProcessingHistory.id: history is empty", "Invalid");
    return this.#current.uuid;
  }

  stage(): number {
    return this.#current?.stage ?? 0;
  }

  /** Start a new history at an origin (a datum read or created). Clears older nodes. */
  setAsOrigin(algorithm: string, algid: string, type: AtomicType, options: { uuid?: string; defineAsRaw?: boolean } = {}): string {
    this.clear();
    return this.#push({
      status: options.defineAsRaw ? "RAW" : "ORIGIN",
      uuid: options.uuid ?? randomUUID(),
      algorithm,
      algid,
      stage: 0,
      type,
    }, []);
  }

  /** Start a new history at raw data (MsPASS's `set_as_raw`). */
  setAsRaw(algorithm: string, algid: string, type: AtomicType, uuid?: string): string {
    return this.setAsOrigin(algorithm, algid, type, { uuid, defineAsRaw: true });
  }

  /**
   * Record a processing step applied to the current node (a "map" step) and make
   * it current. Returns the new node's uuid.
   */
  addNode(algorithm: string, algid: string, type: AtomicType, status: ProcessingStatus = "VOLATILE"): string {
    if (!PROCESSING_STATUS.includes(status)) throw new MsPASSError(`ProcessingHistory.addNode: bad status ${status}`, "Invalid");
    const parent = this.#current;
    return this.#push(
      { status, uuid: randomUUID(), algorithm, algid, stage: parent === undefined ? 0 : parent.stage + 1, type },
      parent === undefined ? [] : [parent.uuid],
    );
  }

  clear(): void {
    this.#nodes.length = 0;
    this.#inputs.clear();
    this.#current = undefined;
  }

  #push(node: HistoryNode, inputs: string[]): string {
    if (typeof node.algorithm !== "string" || typeof node.algid !== "string") {
      throw new MsPASSError("ProcessingHistory: algorithm and algid must be strings", "Invalid");
    }
    this.#nodes.push(node);
    this.#inputs.set(node.uuid, inputs);
    this.#current = node;
    return node.uuid;
  }
}
