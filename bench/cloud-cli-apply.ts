/**
 * The `openstack` CLI side of the real-cloud apply comparison (issue #18, "side by side on the real cloud"): from an
 * exported plan of the e2e source project, a bash script that makes the same resources in the target project with
 * `openstack` commands one after the other, as an operator would by hand, and the script that removes them again.
 *
 * What the script does, kind by kind (the same data moves as `bascule apply --from SRC --server-disk base-image
 * --consistency live`):
 * - keypair: `keypair create --public-key` with the plan's public key;
 * - image: `image save` of the source image to a local file, then `image create --file` on the target with its
 *   formats, minimums, properties and tags;
 * - networks, subnets (pools, gateway, DHCP, DNS servers, host routes), security groups and their rules (the egress
 *   rules Neutron makes with every group, and the `default` group with its standard rules, already exist on both
 *   sides: neither makes them);
 * - router: created, gateway on the external network, one interface per subnet, then its static routes;
 * - ports (fixed IPs, allowed address pairs, groups), floating IPs (on their port and fixed IP);
 * - server groups;
 * - volumes: a volume made from an image is made from the target's copy of that image; any other volume has its bytes
 *   copied: a forced upload of the source volume to a temporary image (`image create --volume --force`), `image save`
 *   of it, `image create --file` on the target, `volume create --image`, then both temporary images deleted;
 * - servers: booted from the target's copy of their image or from their boot volume, on their ports, with key, group
 *   hint, metadata and tags; the script waits for each ACTIVE, then attaches the data volumes in device order;
 * - DNS: the zone (under the mapped name), then each recordset, the one at a floating IP at the target's address.
 *
 * Any other kind is not in the script: `planForScript` takes it (and whatever refers to it) out of the plan Bascule
 * applies, and names it, so both sides make the same things.
 */
import type { Plan, PlanResource } from '../src/plan/types.js';

/** The kinds the script makes; entries marked `external` are only referred to, never made, by either side. */
export const SCRIPT_KINDS: readonly string[] = [
  'keypair',
  'image',
  'network',
  'subnet',
  'security_group',
  'security_group_rule',
  'router',
  'port',
  'floating_ip',
  'server_group',
  'volume',
  'server',
  'dns_zone',
  'dns_recordset',
];

type Spec = Record<string, unknown>;
type Refs = Record<string, string | string[] | undefined>;

const spec = (r: PlanResource): Spec => (r as unknown as { spec: Spec }).spec ?? {};
const refs = (r: PlanResource): Refs => ((r as unknown as { refs?: Refs }).refs ?? {}) as Refs;
const source = (r: PlanResource): Spec => (r as unknown as { source?: Spec }).source ?? {};
const external = (r: PlanResource): boolean => (r as unknown as { external?: boolean }).external === true;
const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Quotes a word for bash. */
export function q(value: unknown): string {
  const s = String(value);
  return /^[A-Za-z0-9_./:=@,+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A Neutron rule that every new group gets by itself (egress, any protocol, any address, one per ethertype). */
function isDefaultEgress(s: Spec): boolean {
  return (
    s['direction'] === 'egress' &&
    s['protocol'] === undefined &&
    s['remote_ip_prefix'] === undefined &&
    s['port_range_min'] === undefined
  );
}

/**
 * The plan both sides make: the plan less any entry of a kind the script does not make, and less whatever refers to
 * such an entry; `leftOut` names each, with the reason.
 */
export function planForScript(plan: Plan): { plan: Plan; leftOut: string[] } {
  const out = new Set<string>();
  const leftOut: string[] = [];
  for (const r of plan.resources)
    if (!external(r) && !SCRIPT_KINDS.includes(r.kind)) {
      out.add(r.key);
      leftOut.push(`${r.key} (no openstack CLI step for ${r.kind} in the script)`);
    }
  for (let changed = true; changed;) {
    changed = false;
    for (const r of plan.resources) {
      if (out.has(r.key)) continue;
      const to = Object.values(refs(r))
        .flatMap(list)
        .find((k) => out.has(k));
      if (to !== undefined) {
        out.add(r.key);
        leftOut.push(`${r.key} (refers to ${to}, left out)`);
        changed = true;
      }
    }
  }
  return { plan: { ...plan, resources: plan.resources.filter((r) => !out.has(r.key)) }, leftOut };
}

export interface ScriptOptions {
  /** Target and source clouds of clouds.yaml. */
  to: string;
  from: string;
  /** The zone name on the target, for each source zone name (zone names are global in Designate). */
  zoneName: (sourceName: string) => string;
}

/**
 * The make script (`bash make.sh IDS WORK`: appends `kind id` to IDS as it makes each thing, so the removal finds
 * everything even after a failure; WORK holds the downloaded bytes) and the removal (`bash remove.sh IDS`).
 */
export function cliApplyScript(plan: Plan, opts: ScriptOptions): { make: string; remove: string; steps: number } {
  const byKey = new Map(plan.resources.map((r) => [r.key, r]));
  const vars = new Map<string, string>();
  let n = 0;
  const v = (key: string): string => {
    let name = vars.get(key);
    if (name === undefined) vars.set(key, (name = `r${++n}`));
    return name;
  };
  /** The target's ID (or name) of what a ref points to: a variable the script set, or the name of an external entry. */
  const id = (key: string): string => {
    const r = byKey.get(key);
    if (r !== undefined && external(r)) return q(spec(r)['name']);
    if (!vars.has(key)) throw new Error(`the script refers to ${key} before making it`);
    return `"$${vars.get(key)!}"`;
  };
  const of = (kind: string) => plan.resources.filter((r) => r.kind === kind && !external(r));
  const lines: string[] = [
    'set -euo pipefail',
    'IDS=$1; WORK=$2',
    `os() { openstack --os-cloud ${q(opts.to)} "$@"; }`,
    `src() { openstack --os-cloud ${q(opts.from)} "$@"; }`,
    'made() { echo "$1 $2" >> "$IDS"; }',
    '# wait_status CLOUD KIND ID WANTED: poll `KIND show` every 2 s until its status is one of WANTED (|-separated)',
    'wait_status() {',
    '  local cloud=$1 kind=$2 id=$3 wanted=$4 t0 status; t0=$(date +%s)',
    '  while :; do',
    '    # shellcheck disable=SC2086',
    '    status=$($cloud $kind show "$id" -f value -c status)',
    '    [[ "|$wanted|" == *"|$status|"* ]] && return 0',
    '    case $status in error*|ERROR|killed) echo "$kind $id is $status" >&2; return 1 ;; esac',
    '    (( $(date +%s) - t0 < 600 )) || { echo "$kind $id still $status after 600 s" >&2; return 1; }',
    '    sleep 2',
    '  done',
    '}',
  ];
  const L = (line: string) => lines.push(line);
  let steps = 0;
  const cmd = (line: string) => {
    steps++;
    L(line);
  };

  for (const r of of('keypair')) {
    const s = spec(r);
    L(`printf '%s\\n' ${q(s['public_key'])} > "$WORK/key.pub"`);
    cmd(`os keypair create --public-key "$WORK/key.pub" ${q(s['name'])} -f value -c name > /dev/null`);
    L(`${v(r.key)}=${q(s['name'])}; made keypair "$${v(r.key)}"`);
  }
  for (const r of of('image')) {
    const s = spec(r);
    const props = Object.entries((s['properties'] ?? {}) as Record<string, unknown>)
      .filter(([k]) => !k.startsWith('owner_specified.'))
      .map(([k, val]) => `--property ${q(`${k}=${String(val)}`)}`);
    const tags = ((s['tags'] ?? []) as string[]).map((t) => `--tag ${q(t)}`);
    cmd(`src image save --file "$WORK/${v(r.key)}.img" ${q(source(r)['id'])}`);
    cmd(
      `${v(r.key)}=$(os image create --${s['visibility'] === 'private' ? 'private' : 'shared'} --disk-format ${q(s['disk_format'])} --container-format ${q(s['container_format'])} --min-disk ${q(s['min_disk'] ?? 0)} --min-ram ${q(s['min_ram'] ?? 0)} ${[...props, ...tags].join(' ')} --file "$WORK/${v(r.key)}.img" ${q(s['name'])} -f value -c id)`,
    );
    L(`made image "$${v(r.key)}"; rm -f "$WORK/${v(r.key)}.img"`);
  }
  for (const r of of('network')) {
    const s = spec(r);
    const desc = s['description'] ? `--description ${q(s['description'])} ` : '';
    cmd(`${v(r.key)}=$(os network create ${desc}${q(s['name'])} -f value -c id); made network "$${v(r.key)}"`);
  }
  for (const r of of('subnet')) {
    const s = spec(r);
    const args = [`--network ${id(refs(r)['network'] as string)}`, `--subnet-range ${q(s['cidr'])}`];
    if (s['ip_version'] === 6) args.push('--ip-version 6');
    args.push(s['gateway_ip'] ? `--gateway ${q(s['gateway_ip'])}` : '--gateway none');
    if (s['enable_dhcp'] === false) args.push('--no-dhcp');
    for (const p of (s['allocation_pools'] ?? []) as { start: string; end: string }[])
      args.push(`--allocation-pool start=${q(p.start)},end=${q(p.end)}`);
    for (const d of (s['dns_nameservers'] ?? []) as string[]) args.push(`--dns-nameserver ${q(d)}`);
    for (const h of (s['host_routes'] ?? []) as { destination: string; nexthop: string }[])
      args.push(`--host-route destination=${q(h.destination)},gateway=${q(h.nexthop)}`);
    if (s['description']) args.push(`--description ${q(s['description'])}`);
    cmd(`${v(r.key)}=$(os subnet create ${args.join(' ')} ${q(s['name'])} -f value -c id)`);
  }
  const existingGroups = new Set<string>();
  for (const r of of('security_group')) {
    const s = spec(r);
    if (s['name'] === 'default') {
      existingGroups.add(r.key);
      continue;
    }
    const desc = s['description'] ? `--description ${q(s['description'])} ` : '';
    cmd(`${v(r.key)}=$(os security group create ${desc}${q(s['name'])} -f value -c id); made group "$${v(r.key)}"`);
  }
  for (const r of of('security_group_rule')) {
    const s = spec(r);
    const group = refs(r)['security_group'] as string;
    if (existingGroups.has(group) || isDefaultEgress(s)) continue;
    const args = [s['direction'] === 'egress' ? '--egress' : '--ingress', `--ethertype ${q(s['ethertype'])}`];
    if (s['protocol'] !== undefined) args.push(`--protocol ${q(s['protocol'])}`);
    if (s['port_range_min'] !== undefined)
      args.push(`--dst-port ${q(s['port_range_min'])}:${q(s['port_range_max'] ?? s['port_range_min'])}`);
    if (s['remote_ip_prefix'] !== undefined) args.push(`--remote-ip ${q(s['remote_ip_prefix'])}`);
    const remote = refs(r)['remote_group'];
    if (typeof remote === 'string') args.push(`--remote-group ${id(remote)}`);
    if (s['description']) args.push(`--description ${q(s['description'])}`);
    cmd(`os security group rule create ${args.join(' ')} ${id(group)} -f value -c id > /dev/null`);
  }
  for (const r of of('router')) {
    const s = spec(r);
    const desc = s['description'] ? `--description ${q(s['description'])} ` : '';
    cmd(`${v(r.key)}=$(os router create ${desc}${q(s['name'])} -f value -c id); made router "$${v(r.key)}"`);
    const ext = refs(r)['external_network'];
    if (typeof ext === 'string')
      cmd(
        `os router set --external-gateway ${id(ext)}${s['enable_snat'] === false ? ' --disable-snat' : ''} "$${v(r.key)}"`,
      );
    for (const sub of list(refs(r)['interfaces'])) {
      cmd(`os router add subnet "$${v(r.key)}" ${id(sub)}`);
      L(`made interface "$${v(r.key)}/"${id(sub)}`);
    }
    const routes = ((s['routes'] ?? []) as { destination: string; nexthop: string }[]).map(
      (x) => `--route destination=${q(x.destination)},gateway=${q(x.nexthop)}`,
    );
    if (routes.length > 0) cmd(`os router set ${routes.join(' ')} "$${v(r.key)}"`);
  }
  for (const r of of('port')) {
    const s = spec(r);
    const subnets = list(refs(r)['fixed_ips']);
    const args = [`--network ${id(refs(r)['network'] as string)}`];
    ((s['fixed_ips'] ?? []) as { ip_address?: string }[]).forEach((f, i) => {
      const sub = subnets[i];
      const parts = [sub === undefined ? '' : `subnet=${id(sub)}`, f.ip_address ? `ip-address=${q(f.ip_address)}` : '']
        .filter(Boolean)
        .join(',');
      if (parts) args.push(`--fixed-ip ${parts}`);
    });
    for (const p of (s['allowed_address_pairs'] ?? []) as { ip_address: string; mac_address?: string }[])
      args.push(
        `--allowed-address ip-address=${q(p.ip_address)}${p.mac_address ? `,mac-address=${q(p.mac_address)}` : ''}`,
      );
    const groups = list(refs(r)['security_groups']);
    if (groups.length === 0) args.push('--no-security-group');
    for (const g of groups) args.push(`--security-group ${id(g)}`);
    if (s['description']) args.push(`--description ${q(s['description'])}`);
    cmd(
      `${v(r.key)}=$(os port create ${args.join(' ')} ${q(s['name'] ?? '')} -f value -c id); made port "$${v(r.key)}"`,
    );
  }
  const fipAddress = new Map<string, string>();
  for (const r of of('floating_ip')) {
    const s = spec(r);
    const args: string[] = [];
    const port = refs(r)['port'];
    if (typeof port === 'string') args.push(`--port ${id(port)}`);
    if (s['fixed_ip_address']) args.push(`--fixed-ip-address ${q(s['fixed_ip_address'])}`);
    if (s['description']) args.push(`--description ${q(s['description'])}`);
    cmd(
      `eval "$(os floating ip create ${args.join(' ')} ${id(refs(r)['floating_network'] as string)} -f shell --prefix ${v(r.key)}_ -c id -c floating_ip_address)"; ${v(r.key)}=$${v(r.key)}_id`,
    );
    L(`made fip "$${v(r.key)}"`);
    fipAddress.set(r.key, `$${v(r.key)}_floating_ip_address`);
  }
  for (const r of of('server_group')) {
    const s = spec(r);
    cmd(
      `${v(r.key)}=$(os server group create --policy ${q(s['policy'])} ${q(s['name'])} -f value -c id); made server_group "$${v(r.key)}"`,
    );
  }
  // Volumes: from the target's image, or a copy of the source volume's bytes (the data must move, as with --from).
  const volumes = of('volume');
  for (const r of volumes) {
    const s = spec(r);
    const args = [`--size ${q(s['size'])}`];
    const type = refs(r)['volume_type'];
    const typeEntry = typeof type === 'string' ? byKey.get(type) : undefined;
    if (typeEntry && spec(typeEntry)['name'] !== '__DEFAULT__') args.push(`--type ${q(spec(typeEntry)['name'])}`);
    if (s['bootable'] === true) args.push('--bootable');
    if (s['description']) args.push(`--description ${q(s['description'])}`);
    for (const [k, val] of Object.entries((s['metadata'] ?? {}) as Record<string, unknown>))
      args.push(`--property ${q(`${k}=${String(val)}`)}`);
    const image = refs(r)['image'];
    if (typeof image === 'string') {
      args.push(`--image ${id(image)}`);
    } else {
      const t = `${v(r.key)}_t`;
      const tmp = q(`bench-cli-copy-${String(s['name'])}`);
      cmd(
        `${t}_src=$(src image create --volume ${q(source(r)['id'])} --force --disk-format raw --container-format bare ${tmp} -f value -c image_id); made src_image "$${t}_src"`,
      );
      L(`wait_status src image "$${t}_src" active`);
      cmd(`src image save --file "$WORK/${t}.img" "$${t}_src"`);
      cmd(
        `${t}=$(os image create --private --disk-format raw --container-format bare --file "$WORK/${t}.img" ${tmp} -f value -c id); made image "$${t}"; rm -f "$WORK/${t}.img"`,
      );
      args.push(`--image "$${t}"`);
    }
    cmd(`${v(r.key)}=$(os volume create ${args.join(' ')} ${q(s['name'])} -f value -c id); made volume "$${v(r.key)}"`);
  }
  for (const r of volumes) L(`wait_status os volume "$${v(r.key)}" available`);
  for (const r of volumes)
    if (typeof refs(r)['image'] !== 'string') {
      const t = `${v(r.key)}_t`;
      cmd(`os image delete "$${t}"; src image delete "$${t}_src"`);
    }
  const servers = of('server');
  for (const r of servers) {
    const s = spec(r);
    const args = [`--flavor ${id(refs(r)['flavor'] as string)}`];
    const boot = refs(r)['boot_volume'];
    if (typeof boot === 'string') args.push(`--volume ${id(boot)}`);
    else args.push(`--image ${id(refs(r)['image'] as string)}`);
    for (const p of list(refs(r)['ports'])) args.push(`--port ${id(p)}`);
    if (typeof refs(r)['keypair'] === 'string') args.push(`--key-name ${id(refs(r)['keypair'] as string)}`);
    if (typeof refs(r)['server_group'] === 'string') args.push(`--hint group=${id(refs(r)['server_group'] as string)}`);
    if (s['availability_zone']) args.push(`--availability-zone ${q(s['availability_zone'])}`);
    for (const [k, val] of Object.entries((s['metadata'] ?? {}) as Record<string, unknown>))
      args.push(`--property ${q(`${k}=${String(val)}`)}`);
    for (const t of (s['tags'] ?? []) as string[]) args.push(`--tag ${q(t)}`);
    cmd(
      `${v(r.key)}=$(os --os-compute-api-version 2.52 server create ${args.join(' ')} ${q(s['name'])} -f value -c id); made server "$${v(r.key)}"`,
    );
  }
  for (const r of servers) L(`wait_status os server "$${v(r.key)}" ACTIVE`);
  for (const r of servers) {
    const devices = (spec(r)['volumes'] ?? []) as { device?: string }[];
    list(refs(r)['volumes']).forEach((vol, i) => {
      const device = devices[i]?.device ? ` --device ${q(devices[i]!.device)}` : '';
      cmd(`os server add volume "$${v(r.key)}" ${id(vol)}${device} > /dev/null`);
      L(`wait_status os volume ${id(vol)} in-use`);
    });
  }
  const zones = new Map<string, string>();
  for (const r of of('dns_zone')) {
    const s = spec(r);
    const name = opts.zoneName(String(s['name']));
    zones.set(r.key, name);
    const email = String(s['email']).replace(String(s['name']).replace(/\.$/, ''), name.replace(/\.$/, ''));
    const args = [`--email ${q(email)}`];
    if (s['ttl'] !== undefined) args.push(`--ttl ${q(s['ttl'])}`);
    if (s['description']) args.push(`--description ${q(s['description'])}`);
    cmd(`${v(r.key)}=$(os zone create ${args.join(' ')} ${q(name)} -f value -c id); made zone "$${v(r.key)}"`);
  }
  for (const r of of('dns_recordset')) {
    const s = spec(r);
    const zone = zones.get(refs(r)['zone'] as string)!;
    const fqdn = (name: string) => (name === '@' ? zone : name.endsWith('.') ? name : `${name}.${zone}`);
    const fips = list(refs(r)['floating_ips']);
    const type = String(s['type']);
    const records = ((s['records'] ?? []) as string[]).map((rec, i) => {
      if (fips[i] !== undefined && fipAddress.has(fips[i]!)) return `"${fipAddress.get(fips[i]!)!}"`;
      if (type === 'CNAME') return q(fqdn(rec));
      if (type === 'MX') {
        const [prio, host] = rec.split(' ');
        return q(`${prio} ${fqdn(host!)}`);
      }
      return q(rec);
    });
    const ttl = s['ttl'] !== undefined ? `--ttl ${q(s['ttl'])} ` : '';
    cmd(
      `os recordset create ${ttl}${records.map((x) => `--record ${x}`).join(' ')} --type ${q(type)} "$${v(refs(r)['zone'] as string)}" ${q(fqdn(String(s['name'])))} -f value -c id > /dev/null`,
    );
  }

  // The removal: what the make step recorded, in the order dependencies allow.
  const remove = [
    'set -uo pipefail',
    'IDS=$1',
    `os() { openstack --os-cloud ${q(opts.to)} "$@"; }`,
    `src() { openstack --os-cloud ${q(opts.from)} "$@"; }`,
    'ids() { awk -v k="$1" \'$1==k{print $2}\' "$IDS"; }',
    's=$(ids server); [ -z "$s" ] || os server delete --wait $s',
    'for z in $(ids zone); do os zone delete "$z" > /dev/null; done',
    'f=$(ids fip); [ -z "$f" ] || os floating ip delete $f',
    'for r in $(ids router); do os router set --no-route "$r"; os router unset --external-gateway "$r"; done',
    'for i in $(ids interface); do os router remove subnet "${i%%/*}" "${i#*/}"; done',
    'r=$(ids router); [ -z "$r" ] || os router delete $r',
    'p=$(ids port); [ -z "$p" ] || os port delete $p',
    'n=$(ids network); [ -z "$n" ] || os network delete $n',
    'g=$(ids group); [ -z "$g" ] || os security group delete $g',
    '# a volume of a deleted server is detached in the background: wait until it is available',
    'for v in $(ids volume); do',
    '  for _ in $(seq 60); do [[ $(os volume show "$v" -f value -c status) == available ]] && break; sleep 2; done',
    '  os volume delete "$v"',
    'done',
    'i=$(ids image); [ -z "$i" ] || os image delete $i 2> /dev/null',
    'i=$(ids src_image); [ -z "$i" ] || src image delete $i 2> /dev/null',
    'k=$(ids keypair); [ -z "$k" ] || os keypair delete $k',
    'g=$(ids server_group); [ -z "$g" ] || os server group delete $g',
    'exit 0',
  ];
  return { make: lines.join('\n') + '\n', remove: remove.join('\n') + '\n', steps };
}
