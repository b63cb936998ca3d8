/** What the engine needs to run against one target: the cloud context, the writers and readers, the mapping's resolution. */
import { createHash } from 'node:crypto';
import type { KindReader, KindWriter, ReadContext, WriteContext } from '../kinds/kind.js';
import { descriptorOf } from '../kinds/registry.js';
import type { PlanKind } from '../plan/kinds.js';
import { serializePlan } from '../plan/canonical.js';
import type { Plan } from '../plan/types.js';
import type { EventSink } from './events.js';
import type { Resolution } from './resolve.js';

/** The OpenStack service a kind's calls go to (one concurrency limit each): its descriptor's `service`. */
export function serviceOf(kind: PlanKind): string {
  return descriptorOf(kind).service;
}

/** Called around every mutating step (tests use it to crash the engine at a chosen point). */
export interface MutationHooks {
  /** Before the call, after its intent was journaled. */
  beforeCall?(info: { key: string; op: string; seq: number }): void | Promise<void>;
  /** After the call returned, before its result is journaled. */
  afterCall?(info: { key: string; op: string; seq: number; id?: string }): void | Promise<void>;
}

export interface EngineDeps {
  target: WriteContext;
  writerFor(kind: PlanKind): KindWriter | undefined;
  /** The reader of a kind (the same toEntry export uses); without one, compare falls back to same-named wire fields. */
  readerFor?(kind: PlanKind): KindReader | undefined;
  /** How each external entry is matched (from applyMapping); default: by name. */
  resolution?: Resolution;
  onEvent?: EventSink;
  /** Nodes in flight at once (default 8). */
  concurrency?: number;
  /** Per-service limits (compute, network, image, block-storage); default: `concurrency`. */
  serviceLimits?: Readonly<Record<string, number>>;
  hooks?: MutationHooks;
  /** Attempts per entry when it fails for a transient reason (default 3). */
  nodeAttempts?: number;
  /** First backoff delay between attempts, ms (default 500). */
  retryBaseMs?: number;
}

/** A ReadContext over the target, for running readers' toEntry on target objects. */
export function readContextFor(target: WriteContext): ReadContext {
  return {
    cloud: target.cloud,
    projectId: target.projectId,
    signal: target.signal,
    logger: target.logger,
    warn: () => {},
    extensions: target.extensions,
    options: { includeUserData: false },
  };
}

/** SHA-256 of the plan's canonical text. */
export function planDigest(plan: Plan): string {
  return createHash('sha256').update(serializePlan(plan)).digest('hex');
}
