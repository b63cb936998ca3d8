// The contract suite against the simulator's `zed` profile; test/e2e/contract.test.ts runs the same suite
// against the real Zed cloud.
import { loadCloudConfig } from '../../src/openstack/config/clouds-yaml.js';
import { connect } from '../../src/openstack/cloud.js';
import { startSimulator } from '../../src/sim/index.js';
import { contractSuite } from './contract.js';

contractSuite(
  'simulator (zed profile)',
  async () => {
    const sim = await startSimulator({
      clouds: [{ name: 'contract', profile: 'zed', seed: 'fixtures/sim/target-platform.yaml', randomSeed: 7 }],
    });
    // The simulator's clouds.yaml is an object; write it where the loader looks (a temporary file).
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    // As on the real cloud, the project's user holds Octavia's load-balancer_member role (Zed's policy wants it).
    const identity = sim.identityState('contract');
    const ops = identity.users.find((u) => u.name === 'pi-ops')!;
    const web = identity.projects.find((p) => p.name === 'pi-web')!;
    identity.assign(String(ops.id), String(web.id), 'load-balancer_member');
    const dir = await mkdtemp(join(tmpdir(), 'bascule-contract-'));
    const file = join(dir, 'clouds.yaml');
    await sim.writeCloudsYaml(file);
    const cloud = await connect(
      await loadCloudConfig('contract-pi-web', { env: {}, files: [file], cwd: dir, home: dir }),
      { retry: { baseMs: 5, capMs: 50 } },
    );
    const admin = await connect(
      await loadCloudConfig('contract-admin', { env: {}, files: [file], cwd: dir, home: dir }),
      { retry: { baseMs: 5, capMs: 50 } },
    );
    return {
      cloud,
      admin,
      bootImageName: 'cirros',
      async close() {
        await cloud.close();
        await admin.close();
        await sim.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
  {
    timeoutMs: 20_000,
    // A deliberate difference (docs/simulator.md, "Deliberate differences"): a blank simulated volume holds no
    // bytes, so it uploads as an empty image where real Cinder uploads the whole raw disk.
    known: { 'volume-upload': 'blank simulated volumes hold no bytes (docs/simulator.md)' },
  },
);
