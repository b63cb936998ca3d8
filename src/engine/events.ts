/**
 * Engine events: the hooks the views consume (Terraform's hook.go -> views). The engine never prints; it calls
 * `onEvent` with one of these, and src/cli/views/apply-*.ts renders them as a table or as JSON lines.
 */
import type { PlanKind } from '../plan/kinds.js';
import type { Action, ActionCounts, PlannedAction } from './actions.js';

export interface EngineErrorInfo {
  code: string;
  message: string;
}

export interface RunSummary {
  /** Entries that reached their planned state (created, updated, or already there). */
  done: number;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  skipped: number;
  /** Not started because the run was interrupted. */
  cancelled: number;
  elapsedMs: number;
}

export type EngineEvent =
  | { type: 'plan.start'; total: number }
  | { type: 'plan.action'; action: PlannedAction }
  | { type: 'plan.done'; counts: ActionCounts; elapsedMs: number }
  | { type: 'apply.start'; total: number; resume: boolean }
  | { type: 'node.start'; key: string; kind: PlanKind; action: Action }
  | { type: 'node.wait'; key: string; kind: PlanKind; what: string }
  | { type: 'node.done'; key: string; kind: PlanKind; action: Action; targetId?: string; elapsedMs: number }
  | { type: 'node.failed'; key: string; kind: PlanKind; error: EngineErrorInfo }
  | { type: 'node.skipped'; key: string; kind: PlanKind; upstream: string }
  | { type: 'node.cancelled'; key: string; kind: PlanKind }
  | { type: 'rollback.delete'; key: string; kind: PlanKind; targetId: string }
  | { type: 'rollback.keep'; key: string; kind: PlanKind; targetId: string; reason: string }
  | { type: 'warning'; key?: string; code: string; message: string }
  | { type: 'run.done'; summary: RunSummary; interrupted: boolean };

export type EventSink = (event: EngineEvent) => void;

export const NO_EVENTS: EventSink = () => {};

/** A short code and message for an error, for events and the journal (no stack, no secrets). */
export function errorInfo(error: unknown): EngineErrorInfo {
  if (error instanceof Error) {
    const code =
      typeof (error as { code?: unknown }).code === 'string' ? (error as unknown as { code: string }).code : 'ERROR';
    return { code, message: onceEach(error.message) };
  }
  return { code: 'ERROR', message: onceEach(String(error)) };
}

/**
 * A message with each subject said once: layers that each prefix what they were doing with the object's name give
 * "volume app-logs: volume app-logs: the download broke"; a subject repeated right after itself is dropped.
 */
export function onceEach(message: string): string {
  return message.replace(/(^|: |; )([^:;]{1,120}): (?:\2: )+/g, '$1$2: ');
}
