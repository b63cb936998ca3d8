// The contract suite against the real OpenStack (Zed); test/contract/sim.test.ts runs it on the simulator.
// It works in project bascule-dst2 under a unique name prefix and removes what it created.
import { loadCloudConfig } from '../../src/openstack/config/clouds-yaml.js';
import { connect } from '../../src/openstack/cloud.js';
import { contractSuite } from '../contract/contract.js';
import { requireCloud } from './support/env.js';

contractSuite(
  'real OpenStack (Zed)',
  async () => {
    const file = requireCloud();
    const config = await loadCloudConfig('dst2', { env: {}, files: [file] });
    const cloud = await connect(config);
    const admin = await connect(await loadCloudConfig('admin', { env: {}, files: [file] }));
    return {
      cloud,
      admin,
      close: async () => {
        await cloud.close();
        await admin.close();
      },
    };
  },
  { timeoutMs: 300_000 },
);
