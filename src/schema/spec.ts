/**
 * The plain-data form of a schema: what `default-schema.ts` declares and what
 * a MsPASS `mspass.yaml` is translated into before compilation.
 */

export const CONSTRAINTS = ["required", "xref_key", "normal", "optional"] as const;
export type Constraint = (typeof CONSTRAINTS)[number];

/** One attribute of a database collection (`Database.<collection>.schema.<name>` in mspass.yaml). */
export interface AttributeSpec {
  /** A MsPASS type name; may be omitted when `reference` supplies it. */
  readonly type?: string;
  readonly concept?: string;
  readonly aliases?: readonly string[];
  /** Defaults to "normal" (or to the referenced attribute's constraint). */
  readonly constraint?: Constraint;
  /** Collection this attribute is taken from: `<ref>_id` means that collection's `_id`. */
  readonly reference?: string;
}

export interface CollectionSpec {
  /** Short name resolving to this collection (`wf` → `wf_TimeSeries`). */
  readonly default?: string;
  /** "TimeSeries" or "Seismogram" for waveform collections. */
  readonly dataType?: string;
  /** Collection to look referenced attributes up in when absent here. */
  readonly base?: string;
  readonly attributes: Readonly<Record<string, AttributeSpec>>;
}

/** One entry of a Metadata section (`Metadata.<Type>.schema.<key>`). */
export interface MetadataAttributeSpec {
  /** Database collection defining the attribute; a `<collection>_` prefix is stripped to find it. */
  readonly collection?: string;
  /** Missing means readonly. */
  readonly readonly?: boolean;
  readonly type?: string;
  readonly concept?: string;
  readonly aliases?: readonly string[];
  readonly constraint?: Constraint;
}

export interface SchemaSpec {
  readonly database: Readonly<Record<string, CollectionSpec>>;
  /** Sections keyed by data type ("TimeSeries", "Seismogram", "Other"). */
  readonly metadata: Readonly<Record<string, Readonly<Record<string, MetadataAttributeSpec>>>>;
}
