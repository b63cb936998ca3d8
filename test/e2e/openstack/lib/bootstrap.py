#!/usr/bin/python3
"""Idempotent set-up of Bascule's end-to-end cloud through the APIs, in one openstacksdk process
(about 15x faster than one `openstack` CLI call per step).

  bootstrap.py catalog     service project, service users (roles admin + service), services, endpoints
  bootstrap.py extras-catalog
                           the same for the extra services named in BASCULE_OS_EXTRAS (swift, octavia,
                           designate), and the roles they check (ResellerAdmin, load-balancer_*)
  bootstrap.py resources   what every e2e test may rely on:
                             external network `public` (203.0.113.0/24, TEST-NET-3: bookkeeping only),
                             public flavors m1.tiny .. m1.xlarge (the Pike-era defaults, ids 1..5),
                             public image `cirros` (qcow2 made from random bytes: there is no internet),
                             volume type `standard` (backend nfs1),
                             projects bascule-src, bascule-dst, bascule-dst2 with one user each
                             (roles member and reader; load-balancer_member too when Octavia is
                             among BASCULE_OS_EXTRAS, because its policy asks for it)

Environment: BASCULE_OS_PASSWORD (never printed), BASCULE_OS_IP, BASCULE_OS_DATA (folder for the image
file and its checksum), BASCULE_OS_EXTRAS (the extra services up.sh runs, space-separated). Every step says `exists` or `created`; anything unexpected raises.
"""
import hashlib
import os
import subprocess
import sys

import openstack

PW = os.environ['BASCULE_OS_PASSWORD']
IP = os.environ.get('BASCULE_OS_IP', '127.0.0.1')
DATA = os.environ.get('BASCULE_OS_DATA', '/tmp')
REGION = 'RegionOne'

SERVICE_USERS = ('glance', 'placement', 'nova', 'neutron', 'cinder')
CATALOG = (
    # (service name, type, description, endpoint url)
    ('keystone', 'identity', 'OpenStack Identity', f'http://{IP}:5000/v3/'),
    ('glance', 'image', 'OpenStack Image', f'http://{IP}:9292'),
    ('placement', 'placement', 'Placement API', f'http://{IP}:8778'),
    ('nova', 'compute', 'OpenStack Compute', f'http://{IP}:8774/v2.1'),
    ('neutron', 'network', 'OpenStack Networking', f'http://{IP}:9696'),
    ('cinderv3', 'volumev3', 'OpenStack Block Storage v3', f'http://{IP}:8776/v3/%(project_id)s'),
    ('cinder', 'block-storage', 'OpenStack Block Storage', f'http://{IP}:8776/v3/%(project_id)s'),
)
# name, id, vcpus, ram MiB, disk GiB: the flavors every Pike-era cloud shipped
FLAVORS = (
    ('m1.tiny', '1', 1, 512, 1),
    ('m1.small', '2', 1, 2048, 20),
    ('m1.medium', '3', 2, 4096, 40),
    ('m1.large', '4', 4, 8192, 80),
    ('m1.xlarge', '5', 8, 16384, 160),
)
PROJECTS = (
    # project, user, description
    ('bascule-src', 'bascule-src-user', 'Bascule e2e: the source project'),
    ('bascule-dst', 'bascule-dst-user', 'Bascule e2e: a target project'),
    ('bascule-dst2', 'bascule-dst2-user', 'Bascule e2e: a second target project'),
)
# The extra services (lib/extras.sh): service name, type, description, endpoint url per interface.
# Swift's public and internal endpoints carry the project's account; its admin one is the bare /v1.
EXTRAS = {
    'swift': ('swift', 'object-store', 'OpenStack Object Storage', {
        'public': f'http://{IP}:8080/v1/AUTH_%(project_id)s',
        'internal': f'http://{IP}:8080/v1/AUTH_%(project_id)s',
        'admin': f'http://{IP}:8080/v1'}),
    'octavia': ('octavia', 'load-balancer', 'OpenStack Load Balancer', f'http://{IP}:9876'),
    'designate': ('designate', 'dns', 'OpenStack DNS', f'http://{IP}:9001'),
}
# Roles the extra services' policies check: Swift's reseller admin, Octavia's four (its default policy refuses a
# plain member: shared REPORT.md gotcha O1).
EXTRA_ROLES = ('ResellerAdmin', 'load-balancer_observer', 'load-balancer_global_observer',
               'load-balancer_member', 'load-balancer_admin')
WANTED_EXTRAS = os.environ.get('BASCULE_OS_EXTRAS', '').split()
IMAGE_NAME = 'cirros'
IMAGE_MIB = 2


def say(*words):
    print('[bootstrap]', *words, flush=True)


def connect():
    return openstack.connect(
        auth_url=f'http://{IP}:5000/v3', username='admin', password=PW, project_name='admin',
        user_domain_name='Default', project_domain_name='Default', region_name=REGION,
        identity_api_version='3', interface='public')


def ensure_role(idn, name):
    role = idn.find_role(name)
    if role is None:
        role = idn.create_role(name=name)
        say('created role', name)
    return role


def service_users(idn, names):
    """Service users in project `service` with the roles admin and service (service tokens are required)."""
    domain = idn.find_domain('default')
    service = idn.find_project('service', domain_id=domain.id)
    if service is None:
        service = idn.create_project(name='service', domain_id=domain.id, description='OpenStack services')
        say('created project service')
    roles = {name: ensure_role(idn, name) for name in ('admin', 'member', 'reader', 'service')}
    for name in names:
        user = idn.find_user(name, domain_id=domain.id)
        if user is None:
            user = idn.create_user(name=name, password=PW, domain_id=domain.id,
                                   default_project_id=service.id)
            say('created service user', name)
        else:
            idn.update_user(user, password=PW)
        for role in ('admin', 'service'):
            idn.assign_project_role_to_user(service, user, roles[role])


def register(idn, entries):
    """Services and their public, internal and admin endpoints; `url` is one URL or one per interface."""
    services = list(idn.services())
    for name, kind, description, url in entries:
        svc = next((s for s in services if s.type == kind), None)
        if svc is None:
            svc = idn.create_service(name=name, type=kind, description=description, is_enabled=True)
            say('created service', kind)
        endpoints = list(idn.endpoints(service_id=svc.id))
        for interface in ('public', 'internal', 'admin'):
            want = url[interface] if isinstance(url, dict) else url
            ep = next((e for e in endpoints if e.interface == interface), None)
            if ep is None:
                idn.create_endpoint(service_id=svc.id, interface=interface, url=want, region_id=REGION)
                say('created endpoint', kind, interface, want)
            elif ep.url != want:
                idn.update_endpoint(ep, url=want)
                say('updated endpoint', kind, interface, want)


def extras_catalog(conn):
    idn = conn.identity
    for role in EXTRA_ROLES:
        ensure_role(idn, role)
    service_users(idn, WANTED_EXTRAS)
    register(idn, [EXTRAS[name] for name in WANTED_EXTRAS])
    say('extra services in the catalog:', ', '.join(EXTRAS[name][1] for name in WANTED_EXTRAS) or 'none')


def catalog(conn):
    service_users(conn.identity, SERVICE_USERS)
    register(conn.identity, CATALOG)
    say('catalog: %d services, 3 interfaces each, region %s' % (len(CATALOG), REGION))


def external_network(conn):
    net = conn.network.find_network('public')
    if net is None:
        net = conn.network.create_network(
            name='public', description='external network (TEST-NET-3, no dataplane)',
            is_router_external=True, is_shared=False,
            provider_network_type='flat', provider_physical_network='public')
        say('created network public')
    if conn.network.find_subnet('public-subnet') is None:
        conn.network.create_subnet(
            name='public-subnet', network_id=net.id, ip_version=4, cidr='203.0.113.0/24',
            gateway_ip='203.0.113.1', is_dhcp_enabled=False,
            allocation_pools=[{'start': '203.0.113.100', 'end': '203.0.113.250'}])
        say('created subnet public-subnet 203.0.113.0/24')


def flavors(conn):
    for name, fid, vcpus, ram, disk in FLAVORS:
        if conn.compute.find_flavor(name, ignore_missing=True) is None:
            conn.compute.create_flavor(name=name, id=fid, vcpus=vcpus, ram=ram, disk=disk, is_public=True)
            say('created flavor', name)


def image_file():
    """A qcow2 image made of random bytes, kept in DATA so that tests can compare downloads."""
    raw = os.path.join(DATA, 'cirros.raw')
    qcow = os.path.join(DATA, 'cirros.qcow2')
    if not os.path.exists(qcow):
        with open(raw, 'wb') as out:
            out.write(os.urandom(IMAGE_MIB * 1024 * 1024))
        subprocess.run(['qemu-img', 'convert', '-f', 'raw', '-O', 'qcow2', raw, qcow], check=True)
        os.unlink(raw)
    return qcow


def public_image(conn):
    image = conn.image.find_image(IMAGE_NAME, ignore_missing=True)
    if image is not None and image.status != 'active':
        say('image', IMAGE_NAME, 'is', image.status, '- deleting and uploading again')
        conn.image.delete_image(image)
        image = None
    if image is None:
        path = image_file()
        image = conn.create_image(
            IMAGE_NAME, filename=path, disk_format='qcow2', container_format='bare',
            visibility='public', wait=True, timeout=300,
            meta={'os_distro': 'cirros', 'bascule_e2e': 'true'}, min_disk=1, min_ram=64)
        say('created image', IMAGE_NAME, image.id)
    # record the checksum of what glance holds, for tests that download it back
    with open(os.path.join(DATA, 'cirros.md5'), 'w') as out:
        out.write((image.checksum or '') + '\n')
    qcow = os.path.join(DATA, 'cirros.qcow2')
    if os.path.exists(qcow):
        with open(qcow, 'rb') as f:
            if image.checksum and hashlib.md5(f.read()).hexdigest() != image.checksum:
                say('note: data/cirros.qcow2 is not the uploaded image (another checkout uploaded it)')


def volume_type(conn):
    if conn.block_storage.find_type('standard', ignore_missing=True) is None:
        conn.block_storage.create_type(name='standard', description='NFS backend nfs1', is_public=True,
                                       extra_specs={'volume_backend_name': 'nfs1'})
        say('created volume type standard')


def projects(conn):
    idn = conn.identity
    domain = idn.find_domain('default')
    wanted = [ensure_role(idn, 'member'), ensure_role(idn, 'reader')]
    if 'octavia' in WANTED_EXTRAS:
        wanted.append(ensure_role(idn, 'load-balancer_member'))
    for project_name, user_name, description in PROJECTS:
        project = idn.find_project(project_name, domain_id=domain.id)
        if project is None:
            project = idn.create_project(name=project_name, domain_id=domain.id, description=description)
            say('created project', project_name)
        user = idn.find_user(user_name, domain_id=domain.id)
        if user is None:
            user = idn.create_user(name=user_name, password=PW, domain_id=domain.id,
                                   default_project_id=project.id)
            say('created user', user_name)
        else:
            idn.update_user(user, password=PW)
        for role in wanted:
            idn.assign_project_role_to_user(project, user, role)


def resources(conn):
    external_network(conn)
    flavors(conn)
    public_image(conn)
    volume_type(conn)
    projects(conn)
    say('resources: network public, flavors m1.*, image %s, volume type standard, projects %s'
        % (IMAGE_NAME, ', '.join(p[0] for p in PROJECTS)))


def main(argv):
    steps = {'catalog': catalog, 'extras-catalog': extras_catalog, 'resources': resources}
    if len(argv) != 2 or argv[1] not in steps:
        print('usage: bootstrap.py catalog|extras-catalog|resources', file=sys.stderr)
        return 2
    steps[argv[1]](connect())
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
