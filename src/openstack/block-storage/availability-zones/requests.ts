import type { ServiceClient } from '../../service-client.js';

export interface AvailabilityZone {
  zoneName: string;
  zoneState: { available: boolean };
}

/** GET /os-availability-zone: Cinder's zones (names and states; members may list them). */
export async function list(sc: ServiceClient, signal?: AbortSignal): Promise<AvailabilityZone[]> {
  const data = await sc.get<{ availabilityZoneInfo: AvailabilityZone[] }>(
    '/os-availability-zone',
    signal ? { signal } : {},
  );
  return data.availabilityZoneInfo;
}
