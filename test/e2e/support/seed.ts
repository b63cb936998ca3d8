// The seeded source project: how to (re)create it, and what it must contain. test/e2e/seed-source.sh makes
// it with the `openstack` CLI; SEED below is the same description for assertions. Change both together.
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cloudEnv, dataDir, REPO_ROOT, requireCloud } from './env.js';
import { osJson } from './openstack-cli.js';

export const SEED_SCRIPT = join(REPO_ROOT, 'test/e2e/seed-source.sh');

/** What seed-source.sh creates in project bascule-src (cloud `src`). */
export const SEED = {
  keypair: 'seed-key',
  securityGroups: {
    web: {
      name: 'seed-web',
      description: 'web tier',
      // ingress rules: protocol, port range, remote
      rules: [
        { ethertype: 'IPv4', protocol: 'tcp', portMin: 22, portMax: 22, remoteIp: '0.0.0.0/0' },
        { ethertype: 'IPv4', protocol: 'tcp', portMin: 80, portMax: 80, remoteIp: '0.0.0.0/0' },
        { ethertype: 'IPv4', protocol: 'tcp', portMin: 443, portMax: 443, remoteIp: '0.0.0.0/0' },
        { ethertype: 'IPv4', protocol: 'icmp', portMin: null, portMax: null, remoteIp: '0.0.0.0/0' },
        { ethertype: 'IPv6', protocol: 'tcp', portMin: 443, portMax: 443, remoteIp: '::/0' },
      ],
    },
    db: {
      name: 'seed-db',
      description: 'database tier',
      rules: [
        { ethertype: 'IPv4', protocol: 'tcp', portMin: 5432, portMax: 5432, remoteGroup: 'seed-web' },
        { ethertype: 'IPv4', protocol: 'udp', portMin: 53, portMax: 53, remoteIp: '10.20.0.0/16' },
      ],
    },
  },
  networks: {
    app: { name: 'seed-net-app', description: 'application network' },
    db: { name: 'seed-net-db', description: 'database network' },
  },
  subnets: {
    app: {
      name: 'seed-subnet-app',
      network: 'seed-net-app',
      cidr: '10.20.1.0/24',
      gateway: '10.20.1.1',
      dhcp: true,
      pool: { start: '10.20.1.10', end: '10.20.1.200' },
      dns: ['10.20.1.2'],
      hostRoutes: [{ destination: '10.40.0.0/16', nexthop: '10.20.1.253' }],
    },
    db: { name: 'seed-subnet-db', network: 'seed-net-db', cidr: '10.20.2.0/24', gateway: '10.20.2.1', dhcp: false },
  },
  router: {
    name: 'seed-router',
    description: 'edge router',
    externalNetwork: 'public',
    interfaces: ['10.20.1.1', '10.20.2.1'],
    routes: [{ destination: '10.30.0.0/16', nexthop: '10.20.1.254' }],
  },
  port: {
    name: 'seed-port-vip',
    network: 'seed-net-app',
    description: 'service address',
    fixedIp: '10.20.1.50',
    allowedAddressPairs: ['10.20.1.51'],
    securityGroups: ['seed-web'],
  },
  floatingIp: { port: 'seed-port-vip', description: 'seed vip', network: 'public', cidr: '203.0.113.0/24' },
  image: {
    name: 'seed-image',
    diskFormat: 'raw',
    containerFormat: 'bare',
    visibility: 'private',
    sizeBytes: 3 * 1024 * 1024,
    minDisk: 1,
    minRam: 64,
    properties: { os_distro: 'bascule-test', hw_disk_bus: 'virtio' },
    tags: ['seed'],
    /** image property holding the sha256 (hex) of the uploaded bytes, computed before the upload */
    sha256Property: 'bascule_sha256',
  },
  volumes: {
    data: {
      name: 'seed-vol-data',
      sizeGiB: 1,
      type: 'standard',
      description: 'data volume',
      bootable: false,
      metadata: { tier: 'data', owner: 'seed' },
    },
    boot: {
      name: 'seed-vol-boot',
      sizeGiB: 1,
      image: 'seed-image',
      description: 'boot volume',
      bootable: true,
      metadata: { tier: 'boot' },
    },
  },
  serverGroup: { name: 'seed-group', policy: 'affinity' },
  servers: {
    fromImage: {
      name: 'seed-vm-image',
      flavor: 'm1.tiny',
      image: 'seed-image',
      network: 'seed-net-app',
      keypair: 'seed-key',
      securityGroups: ['seed-db', 'seed-web'],
      group: 'seed-group',
      metadata: { role: 'web', owner: 'seed' },
      tags: ['seed', 'web'],
      attachedVolumes: ['seed-vol-data'],
    },
    fromVolume: {
      name: 'seed-vm-volume',
      flavor: 'm1.tiny',
      bootVolume: 'seed-vol-boot',
      port: 'seed-port-vip',
      keypair: 'seed-key',
      metadata: { role: 'db' },
      tags: ['seed'],
    },
  },
} as const;

export interface SeedResult {
  /** false when this process (or the vitest run it belongs to) had already seeded */
  ran: boolean;
  output: string;
}

function runSeed(reset: boolean): Promise<string> {
  requireCloud();
  const args = reset ? [SEED_SCRIPT, '--reset'] : [SEED_SCRIPT];
  return new Promise((resolveSeed, reject) => {
    execFile(
      '/bin/bash',
      args,
      { env: cloudEnv(), timeout: 1_200_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error)
          reject(
            new Error(`seed-source.sh failed: ${(stderr || error.message).trim().split('\n').slice(-5).join(' | ')}`),
          );
        else resolveSeed(stdout);
      },
    );
  });
}

/** Run seed-source.sh (idempotent; with reset, the project is emptied first). */
export async function seed(options: { reset?: boolean } = {}): Promise<string> {
  const output = await runSeed(options.reset === true);
  await writeFile(markerFile(), runKey());
  return output;
}

// One vitest run = one parent process: its forks share process.ppid. The marker lets the second test file of
// the same run skip the seed's ~20 s of idempotent checks.
function runKey(): string {
  return `${process.env['BASCULE_E2E_RUN_ID'] ?? process.ppid}\n`;
}
function markerFile(): string {
  return join(dataDir(), 'seeded-by-run');
}

let pending: Promise<SeedResult> | undefined;

/**
 * Make sure the source project is seeded, at most once per vitest run: call it in `beforeAll` of every
 * e2e file that needs the seeded source. A test that changes the source must call `seed({ reset: true })`
 * or restore what it changed.
 */
export function seedOnce(): Promise<SeedResult> {
  pending ??= (async () => {
    const seen = await readFile(markerFile(), 'utf8').catch(() => '');
    if (seen === runKey()) return { ran: false, output: '' };
    const output = await seed();
    // what had to be (re)created shows in the test log: the seed's duration depends on it
    console.log(output.trim());
    return { ran: true, output };
  })();
  return pending;
}

/** The sha256 (hex) of the seeded image's bytes, as seed-source.sh computed them before the upload. */
export async function seedImageSha256(): Promise<string> {
  const image = await osJson<{ properties?: Record<string, unknown> }>('src', ['image', 'show', SEED.image.name]);
  const sum = image.properties?.[SEED.image.sha256Property];
  if (typeof sum !== 'string' || !/^[0-9a-f]{64}$/.test(sum)) {
    throw new Error(
      `image ${SEED.image.name} has no ${SEED.image.sha256Property} property: run seed-source.sh --reset`,
    );
  }
  return sum;
}
