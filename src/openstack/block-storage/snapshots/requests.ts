import { crud } from '../../resource.js';

export interface VolumeSnapshot {
  id: string;
  name: string | null;
  status: string;
  size: number;
  volume_id: string;
  description?: string | null;
  metadata?: Record<string, string>;
  created_at?: string;
}

export const snapshotsApi = crud<
  VolumeSnapshot,
  { volume_id: string; name?: string; description?: string; force?: boolean; metadata?: Record<string, string> },
  { name?: string; description?: string }
>({
  path: '/snapshots',
  listPath: '/snapshots/detail',
  one: 'snapshot',
  many: 'snapshots',
  pagination: 'links',
  createStatus: [202],
});
export const { list, get, create, remove } = snapshotsApi;
