/**
 * The contract sections of the services a cloud may or may not have (#17: object storage, load balancers, DNS).
 * Each service has a file of its own here (test/contract/services/<service>.ts) that registers its checks with
 * `section.it`. When the service is absent from the target's catalog, every check of its section is skipped with
 * that reason, so the same suite runs on a cloud without it (and on a simulator profile that does not offer it).
 */
import type { ServiceName } from '../../../src/openstack/auth/catalog.js';
import { isBasculeError } from '../../../src/shared/errors.js';
import type { ContractTarget } from '../contract.js';

export interface SectionContext {
  /** The target (valid inside a check, after the suite's beforeAll). */
  readonly target: ContractTarget;
  /** The unique name prefix of this run: name everything you create with it. */
  readonly prefix: string;
  /** Default timeout for waits inside a check. */
  readonly timeoutMs: number;
  /** Registers an undo, run in reverse order after the whole suite (even when a check fails). */
  cleanup(undo: () => Promise<unknown>): void;
}

export interface ServiceSection {
  /** The catalog service the section needs. */
  service: ServiceName;
  /** Shown in the test names: `object storage (object-store)`. */
  title: string;
  /** Why the section cannot run although the catalog has the service (a Neutron extension it lacks), or undefined. */
  absence?(target: ContractTarget): Promise<string | undefined>;
  /** Registers the checks: call `check(name, fn)` for each. */
  checks(check: (name: string, fn: (ctx: SectionContext) => Promise<void>) => void): void;
}

/** Why a service's checks cannot run on this cloud, or undefined when its catalog has the service. */
export async function serviceAbsence(target: ContractTarget, service: ServiceName): Promise<string | undefined> {
  try {
    await target.cloud.session.endpoint(service);
    return undefined;
  } catch (error) {
    if (isBasculeError(error) && error.code === 'OS_NO_ENDPOINT')
      return `${service} is not offered by ${target.cloud.name} (${error.message})`;
    throw error;
  }
}
