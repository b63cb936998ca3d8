import { defineConfig } from 'vitest/config';

// The end-to-end suite runs against the real OpenStack started by test/e2e/openstack/up.sh.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    fileParallelism: false,
    pool: 'forks',
  },
});
