import { ApiError } from './api-error.js';

/** A microversion as [major, minor]; compare with `atLeast`. */
export type Version = readonly [number, number];

export function parseVersion(text: string): Version | undefined {
  const m = /^([1-9]\d*)\.([1-9]\d*|0)$/.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

export function formatVersion(v: Version): string {
  return `${v[0]}.${v[1]}`;
}

export function compareVersions(a: Version, b: Version): number {
  return a[0] !== b[0] ? a[0] - b[0] : a[1] - b[1];
}

export function atLeast(v: Version | undefined, text: string): boolean {
  if (!v) return false;
  return compareVersions(v, parseVersion(text)!) >= 0;
}

export interface MicroversionSpec {
  /** `compute` or `volume`: the service type in `OpenStack-API-Version`. */
  serviceType: string;
  min: string;
  max: string;
  /** Nova also reads X-OpenStack-Nova-API-Version. */
  legacyHeader?: string;
}

/**
 * Negotiates as nova/api/openstack/wsgi.py does: the header absent means the minimum, `latest` the
 * maximum; a malformed value is 400, a value out of range 406 with Nova's message.
 */
export function negotiate(spec: MicroversionSpec, headers: Record<string, string | string[] | undefined>): Version {
  let requested: string | undefined;
  const header = headers['openstack-api-version'];
  const values = Array.isArray(header) ? header.join(',') : header;
  if (values) {
    for (const item of values.split(',')) {
      const [service, version] = item.trim().split(/\s+/);
      if (service?.toLowerCase() === spec.serviceType && version) requested = version;
    }
  }
  if (requested === undefined && spec.legacyHeader) {
    const legacy = headers[spec.legacyHeader.toLowerCase()];
    requested = Array.isArray(legacy) ? legacy[0] : legacy;
  }
  const min = parseVersion(spec.min)!;
  const max = parseVersion(spec.max)!;
  if (requested === undefined) return min;
  if (requested.trim() === 'latest') return max;
  const v = parseVersion(requested);
  if (!v) {
    throw new ApiError(
      400,
      `API Version String ${requested} is of invalid format. Must be of format MajorNum.MinorNum.`,
    );
  }
  if (compareVersions(v, min) < 0 || compareVersions(v, max) > 0) {
    throw new ApiError(
      406,
      `Version ${formatVersion(v)} is not supported by the API. Minimum is ${spec.min} and maximum is ${spec.max}.`,
    );
  }
  return v;
}
