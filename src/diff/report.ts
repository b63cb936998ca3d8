import type { PlanKind } from '../plan/types.js';

/** The four classes of difference (issue: missing, extra, changed, expected-lossy). */
export const DIFF_TYPES = ['missing', 'extra', 'changed', 'expected-lossy'] as const;
export type DiffType = (typeof DIFF_TYPES)[number];

export interface Difference {
  type: DiffType;
  kind: PlanKind;
  /** The key on the reference side (source or plan); for `extra`, the target's own key. */
  key: string;
  /** The matched key on the target side. */
  target_key?: string;
  /** `spec.<field>` or `refs.<name>`; absent for missing/extra. */
  field?: string;
  source?: unknown;
  target?: unknown;
  /** Why a lossy difference is expected, or how the pair was matched. */
  note?: string;
}

export const AUDIT_FORMAT = 'bascule.audit/v1';

/** A file an audit used: where it was, and the SHA-256 of its bytes then. */
export interface AuditInput {
  file: string;
  sha256: string;
}

/** The stable JSON shape of an audit report (documented in docs/audit.md). */
export interface AuditReport {
  format: typeof AUDIT_FORMAT;
  generated_at: string;
  bascule_version: string;
  source: { description: string; cloud?: string; project?: string };
  target: { description: string; cloud?: string; project?: string };
  /**
   * The files the audit used besides the two sides, so a report says what it was run with: the mapping (target
   * names, lossy rules) and the journal (matching by id). Each with its absolute path and the SHA-256 of its bytes.
   */
  inputs?: { mapping?: AuditInput; journal?: AuditInput };
  /** How resources were matched, and how many each way. */
  matching: { journal: number; marker: number; name: number; key: number; attributes: number };
  summary: {
    compared: number;
    matched: number;
    missing: number;
    extra: number;
    changed: number;
    expected_lossy: number;
    /** True when nothing but expected-lossy differences was found. */
    clean: boolean;
  };
  per_kind: Partial<
    Record<
      PlanKind,
      { source: number; target: number; missing: number; extra: number; changed: number; expected_lossy: number }
    >
  >;
  differences: Difference[];
}
