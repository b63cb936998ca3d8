import { crud } from '../../resource.js';

export interface VolumeType {
  id: string;
  name: string;
  description?: string | null;
  is_public?: boolean;
  extra_specs?: Record<string, string>;
}

/** Cinder `/types` (members see public types; extra specs only for admins). */
export const volumeTypesApi = crud<VolumeType, { name: string; description?: string }, never>({
  path: '/types',
  one: 'volume_type',
  many: 'volume_types',
  pagination: 'none',
});
export const { list, get } = volumeTypesApi;
