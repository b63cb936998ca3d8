import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { generateValidators } from '../../scripts/build-validators.js';

describe('precompiled schema validators', () => {
  it('are in step with their schemas (regenerate with `npm run build:validators`)', async () => {
    const generated = generateValidators();
    expect(generated.map((g) => g.path).sort()).toEqual([
      'src/campaign/schema/campaign.validator.generated.ts',
      'src/mapping/schema/mapping.validator.generated.ts',
      'src/plan/schema/plan.validator.generated.ts',
    ]);
    for (const file of generated) {
      const onDisk = await readFile(new URL(`../../${file.path}`, import.meta.url), 'utf8');
      expect(onDisk === file.text, `${file.path} is out of step with its schema`).toBe(true);
    }
  });
});
