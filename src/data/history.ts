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
export type AtomicType =
  | "TimeSeries"
  | "Seismogram"
  | "TimeSeriesEnsemble"
  | "SeismogramEnsemble"
  | "Undefined";

export interface HistoryNode {
  readonly status: ProcessingStatus;
  readonly uuid: string;
  readonly algorithm: string;
  readonly algid: string;
  readonly stage: number;
  readonly type: AtomicType;
}

/** Format tag of a history stored by this package (see `ProcessingHistory.toDocument`). */
export const HISTORY_DOCUMENT_FORMAT = "mspass-js-history/1";

export interface HistoryNodeDocument {
  status: ProcessingStatus;
  uuid: string;
  algorithm: string;
  algid: string;
  stage: number;
  type: AtomicType;
  /** uuids of the node's inputs. */
  inputs: string[];
}

/** `processing_history` as this package stores it (MsPASS stores a pickle). */
export interface HistoryDocument {
  format: typeof HISTORY_DOCUMENT_FORMAT;
  job_name: string;
  job_id: string;
  /** uuid of the current node, null for an empty history. */
  current: string | null;
  nodes: HistoryNodeDocument[];
}

export class ProcessingHistory {
  jobName = "";
  jobId = "";
  /** Every node created, oldest first. */
  readonly #nodes: HistoryNode[] = [];
  /** uuid of a node → uuids of its inputs (made with the first node: most data carry an empty history). */
  #inputs: Map<string, string[]> | undefined;
  #current: HistoryNode | undefined;
  /**
   * The `processing_history` bytes of a MsPASS-written `history_object` this
   * history continues from (a Python pickle: kept opaque, never parsed), or
   * undefined.
   */
  opaqueParent: Uint8Array | undefined;

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
    return this.#inputs?.get(uuid) ?? [];
  }

  /** uuid of the current node; throws if the history is empty. */
  id(): string {
    if (this.#current === undefined)
      throw new MsPASSError("ProcessingHistory.id: history is empty", "Invalid");
    return this.#current.uuid;
  }

  stage(): number {
    return this.#current?.stage ?? 0;
  }

  /** Start a new history at an origin (a datum read or created). Clears older nodes. */
  setAsOrigin(
    algorithm: string,
    algid: string,
    type: AtomicType,
    options: { uuid?: string; defineAsRaw?: boolean } = {},
  ): string {
    this.clear();
    return this.#push(
      {
        status: options.defineAsRaw ? "RAW" : "ORIGIN",
        uuid: options.uuid ?? randomUUID(),
        algorithm,
        algid,
        stage: 0,
        type,
      },
      [],
    );
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
    if (!PROCESSING_STATUS.includes(status))
      throw new MsPASSError(`ProcessingHistory.addNode: bad status ${status}`, "Invalid");
    const parent = this.#current;
    return this.#push(
      {
        status,
        uuid: randomUUID(),
        algorithm,
        algid,
        stage: parent === undefined ? 0 : parent.stage + 1,
        type,
      },
      parent === undefined ? [] : [parent.uuid],
    );
  }

  /**
   * The history as a BSON-storable document: MsPASS stores a Python pickle of
   * the C++ tree, which no other language can write, so the tree is stored as
   * `{format, job_name, job_id, current, nodes: [{status, uuid, algorithm,
   * algid, stage, type, inputs: [uuid...]}]}` (an array of sub-documents, no
   * nested arrays, so FerretDB v1 stores it). `extra` nodes are appended after
   * the current one without changing this history (a SAVED node the writer
   * adds only once the save succeeds).
   */
  toDocument(extra?: Omit<HistoryNode, "stage">): HistoryDocument {
    const nodes: HistoryNodeDocument[] = this.#nodes.map((n) => ({
      ...n,
      inputs: [...this.inputsOf(n.uuid)],
    }));
    let current = this.#current?.uuid ?? null;
    if (extra !== undefined) {
      const parent = this.#current;
      nodes.push({
        ...extra,
        stage: parent === undefined ? 0 : parent.stage + 1,
        inputs: parent === undefined ? [] : [parent.uuid],
      });
      current = extra.uuid;
    }
    return { format: HISTORY_DOCUMENT_FORMAT, job_name: this.jobName, job_id: this.jobId, current, nodes };
  }

  /** Replace this history by the tree of `doc` (from `toDocument`). Throws MsPASSError on a malformed one. */
  loadDocument(doc: unknown): void {
    const fn = "ProcessingHistory.loadDocument";
    const d = doc as Partial<HistoryDocument> | null;
    if (
      typeof d !== "object" ||
      d === null ||
      d.format !== HISTORY_DOCUMENT_FORMAT ||
      !Array.isArray(d.nodes)
    ) {
      throw new MsPASSError(`${fn}: not a history document of format ${HISTORY_DOCUMENT_FORMAT}`, "Invalid");
    }
    const nodes: Array<{ node: HistoryNode; inputs: string[] }> = [];
    for (const [i, n] of d.nodes.entries()) {
      const ok =
        typeof n === "object" &&
        n !== null &&
        PROCESSING_STATUS.includes(n.status) &&
        typeof n.uuid === "string" &&
        typeof n.algorithm === "string" &&
        typeof n.algid === "string" &&
        Number.isInteger(Number(n.stage)) &&
        typeof n.type === "string" &&
        Array.isArray(n.inputs) &&
        n.inputs.every((x) => typeof x === "string");
      if (!ok) throw new MsPASSError(`${fn}: node ${i} is malformed`, "Invalid");
      nodes.push({
        node: {
          status: n.status,
          uuid: n.uuid,
          algorithm: n.algorithm,
          algid: n.algid,
          stage: Number(n.stage),
          type: n.type,
        },
        inputs: [...n.inputs],
      });
    }
    const current = nodes.find((x) => x.node.uuid === d.current)?.node ?? nodes[nodes.length - 1]?.node;
    this.clear();
    for (const { node, inputs } of nodes) {
      this.#nodes.push(node);
      (this.#inputs ??= new Map()).set(node.uuid, inputs);
    }
    this.#current = current;
    if (typeof d.job_name === "string") this.jobName = d.job_name;
    if (typeof d.job_id === "string") this.jobId = d.job_id;
  }

  clear(): void {
    this.opaqueParent = undefined;
    this.#nodes.length = 0;
    this.#inputs?.clear();
    this.#current = undefined;
  }

  #push(node: HistoryNode, inputs: string[]): string {
    if (typeof node.algorithm !== "string" || typeof node.algid !== "string") {
      throw new MsPASSError("ProcessingHistory: algorithm and algid must be strings", "Invalid");
    }
    this.#nodes.push(node);
    (this.#inputs ??= new Map()).set(node.uuid, inputs);
    this.#current = node;
    return node.uuid;
  }
}
