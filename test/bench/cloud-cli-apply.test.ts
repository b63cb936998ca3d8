// The openstack CLI script of the real-cloud apply comparison (bench/cloud-cli-apply.ts): it must make what the plan
// holds, move the same bytes as `bascule apply --from`, and name what it leaves out (taken out of Bascule's side too).
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cliApplyScript, planForScript } from '../../bench/cloud-cli-apply.js';
import type { Plan, PlanResource } from '../../src/plan/types.js';

const r = (kind: string, name: string, extra: Record<string, unknown> = {}): PlanResource => {
  const { spec, ...rest } = extra;
  return { kind, key: `${kind}:${name}`, ...rest, spec: { name, ...(spec as object) } } as unknown as PlanResource;
};

const plan = {
  format: 'bascule.plan/v1',
  provenance: {},
  resources: [
    r('flavor', 'm1.tiny', { external: true }),
    r('network', 'public', { external: true, spec: { router_external: true } }),
    r('keypair', 'k', { spec: { public_key: 'ssh-ed25519 AAAA k' } }),
    r('image', 'img', {
      source: { id: 'src-image-id' },
      spec: {
        disk_format: 'raw',
        container_format: 'bare',
        visibility: 'private',
        properties: { a: 'b' },
        tags: ['t'],
      },
    }),
    r('network', 'net', { spec: { description: 'app net' } }),
    r('subnet', 'sub', {
      refs: { network: 'network:net' },
      spec: { cidr: '10.1.0.0/24', gateway_ip: '10.1.0.1', ip_version: 4, enable_dhcp: false },
    }),
    r('security_group', 'default'),
    r('security_group', 'web'),
    {
      kind: 'security_group_rule',
      key: 'security_group_rule:web/egress',
      refs: { security_group: 'security_group:web' },
      spec: { direction: 'egress', ethertype: 'IPv4' },
    },
    {
      kind: 'security_group_rule',
      key: 'security_group_rule:web/22',
      refs: { security_group: 'security_group:web' },
      spec: {
        direction: 'ingress',
        ethertype: 'IPv4',
        protocol: 'tcp',
        port_range_min: 22,
        port_range_max: 22,
        remote_ip_prefix: '0.0.0.0/0',
      },
    },
    r('router', 'rt', {
      refs: { external_network: 'network:public', interfaces: ['subnet:sub'] },
      spec: { routes: [{ destination: '10.9.0.0/16', nexthop: '10.1.0.9' }] },
    }),
    r('port', 'p', {
      refs: { network: 'network:net', fixed_ips: ['subnet:sub'], security_groups: ['security_group:web'] },
      spec: { fixed_ips: [{ ip_address: '10.1.0.5' }] },
    }),
    {
      kind: 'floating_ip',
      key: 'floating_ip:p',
      refs: { floating_network: 'network:public', port: 'port:p' },
      spec: { fixed_ip_address: '10.1.0.5' },
    },
    r('volume', 'data', { source: { id: 'src-volume-id' }, spec: { size: 1 } }),
    r('volume', 'boot', { refs: { image: 'image:img' }, spec: { size: 1, bootable: true } }),
    r('server', 'vm', {
      refs: {
        flavor: 'flavor:m1.tiny',
        boot_volume: 'volume:boot',
        ports: ['port:p'],
        keypair: 'keypair:k',
        volumes: ['volume:data'],
      },
      spec: { volumes: [{ device: '/dev/vdb' }] },
    }),
    r('dns_zone', 'z.test.', { spec: { email: 'h@z.test', ttl: 600 } }),
    {
      kind: 'dns_recordset',
      key: 'dns_recordset:z.test./www/A',
      refs: { zone: 'dns_zone:z.test.', floating_ips: ['floating_ip:p'] },
      spec: { name: 'www', type: 'A', records: ['203.0.113.9'] },
    },
    {
      kind: 'dns_recordset',
      key: 'dns_recordset:z.test./@/MX',
      refs: { zone: 'dns_zone:z.test.' },
      spec: { name: '@', type: 'MX', records: ['10 mail'] },
    },
    { kind: 'quota', key: 'quota:project', spec: {} },
    r('trunk', 'tr', { refs: { port: 'port:p' } }),
    r('network', 'on-trunk', { refs: { trunk: 'trunk:tr' } }),
  ] as unknown as PlanResource[],
} as unknown as Plan;

describe('the openstack CLI script of the real-cloud apply bench', () => {
  const { plan: both, leftOut } = planForScript(plan);
  const script = cliApplyScript(both, { to: 'dst', from: 'src', zoneName: (n) => `mapped.${n}` });

  it('names each kind it has no step for, and what refers to it, and takes them out of the plan Bascule applies', () => {
    expect(leftOut).toEqual([
      'quota:project (no openstack CLI step for quota in the script)',
      'trunk:tr (no openstack CLI step for trunk in the script)',
      'network:on-trunk (refers to trunk:tr, left out)',
    ]);
    expect(both.resources.map((x) => x.key)).not.toContain('network:on-trunk');
    expect(both.resources).toHaveLength(plan.resources.length - 3);
  });

  it('is valid bash, and its removal too', () => {
    execFileSync('bash', ['-n'], { input: script.make });
    execFileSync('bash', ['-n'], { input: script.remove });
  });

  it('makes every entry that is neither external nor already on a project, with its own name', () => {
    const made = both.resources.filter(
      (x) =>
        !(x as { external?: boolean }).external &&
        !['security_group:default', 'security_group_rule:web/egress'].includes(x.key) &&
        !['security_group_rule', 'dns_recordset', 'floating_ip'].includes(x.kind),
    );
    for (const x of made) {
      const name = x.kind === 'dns_zone' ? 'mapped.z.test.' : (x as unknown as { spec: { name: string } }).spec.name;
      expect(script.make, x.key).toMatch(new RegExp(` create (.* )?${name.replace(/\./g, '\\.')} -f `));
    }
    expect(script.make).not.toMatch(/security group create .*default/);
    expect(script.make.match(/security group rule create/g)).toHaveLength(1); // the egress rule comes with the group
    expect(script.make).toContain('floating ip create --port "$');
  });

  it('moves the same bytes as bascule apply --from: the image from the source, the data volume through an upload', () => {
    expect(script.make).toContain('src image save --file "$WORK/');
    expect(script.make).toContain('src image create --volume src-volume-id --force --disk-format raw');
    expect(script.make).toMatch(/os volume create .*--bootable .*--image "\$r\d+" boot /);
    expect(script.make).toMatch(/server create .*--volume "\$r\d+" --port "\$r\d+" --key-name "\$r\d+" .*vm /);
    expect(script.make).toMatch(/server add volume "\$r\d+" "\$r\d+" --device \/dev\/vdb/);
  });

  it('writes the records under the mapped zone, the one at a floating IP at the target address', () => {
    expect(script.make).toContain('--record "$');
    expect(script.make).toMatch(/--type A "\$r\d+" www\.mapped\.z\.test\. /);
    expect(script.make).toContain("--record '10 mail.mapped.z.test.' --type MX");
  });

  it('removes servers before their volumes, and only what it recorded making', () => {
    const at = (s: string) => script.remove.indexOf(s);
    expect(at('server delete --wait')).toBeGreaterThan(-1);
    expect(at('server delete --wait')).toBeLessThan(at('os volume delete'));
    expect(at('os port delete')).toBeLessThan(at('os network delete'));
    expect(script.remove).not.toContain('server list');
  });
});
