import { UnsupportedVersionError } from './errors.js';

/** A microversion "2.79" as [2, 79]. */
export type Microversion = readonly [number, number];

export function parseMicroversion(text: string): Microversion {
  const match = /^v?(\d+)\.(\d+)$/.exec(text.trim());
  if (!match) throw new UnsupportedVersionError(`not a microversion: ${JSON.stringify(text)}`);
  return [Number(match[1]), Number(match[2])];
}

export function formatMicroversion(version: Microversion): string {
  return `${version[0]}.${version[1]}`;
}

export function compareMicroversions(a: string, b: string): number {
  const [aMajor, aMinor] = parseMicroversion(a);
  const [bMajor, bMinor] = parseMicroversion(b);
  return aMajor !== bMajor ? aMajor - bMajor : aMinor - bMinor;
}

export const mvAtLeast = (version: string | undefined, wanted: string): boolean =>
  version !== undefined && compareMicroversions(version, wanted) >= 0;

export interface VersionRange {
  /** The lowest microversion the server accepts ("2.1"). */
  min: string;
  /** The highest ("2.53" on Pike). */
  max: string;
}

/**
 * Picks the microversion for one call (openstacksdk's pick_microversion): the user's pin if set,
 * else min(what our code understands for this call, the server's max). Fails clearly when the server
 * cannot give what the call needs.
 */
export function negotiate(
  service: string,
  server: VersionRange | undefined,
  wanted: { max: string; min?: string },
  pinned?: string,
): string | undefined {
  if (!server) {
    // No microversions on this endpoint (Cinder v2, Neutron, Glance): the call is sent without a header.
    if (wanted.min !== undefined && compareMicroversions(wanted.min, '2.0') > 0 && service === 'compute') {
      throw new UnsupportedVersionError(
        `${service}: the server does not announce microversions; this call needs ${wanted.min}`,
      );
    }
    return undefined;
  }
  let chosen = pinned ?? (compareMicroversions(wanted.max, server.max) <= 0 ? wanted.max : server.max);
  if (compareMicroversions(chosen, server.min) < 0) chosen = server.min;
  if (compareMicroversions(chosen, server.max) > 0) {
    throw new UnsupportedVersionError(`${service}: microversion ${chosen} is above the server's maximum ${server.max}`);
  }
  if (wanted.min !== undefined && compareMicroversions(chosen, wanted.min) < 0) {
    throw new UnsupportedVersionError(
      `${service}: this call needs microversion ${wanted.min} or later; the server offers up to ${server.max}`,
    );
  }
  return chosen;
}
