/** The campaign file the campaign benchmarks move: one wave of every project, from `src` to `dst`. */
import { join } from 'node:path';
import { atomicWriteFile } from '../src/shared/fs.js';

export async function writeBenchCampaign(
  dir: string,
  projects: readonly string[],
  options: Record<string, unknown> = {},
): Promise<string> {
  const file = join(dir, 'campaign.json');
  await atomicWriteFile(
    file,
    JSON.stringify({
      format: 'bascule.campaign/v1',
      name: 'bench',
      defaults: { source: { cloud: 'src' }, target: { cloud: 'dst' }, options },
      waves: [{ name: 'all', projects: projects.map((project) => ({ source: { project } })) }],
    }),
  );
  return file;
}
