# shellcheck shell=bash
# Configuration of every service, written from scratch (the Debian originals are kept as *.debian-orig).
# Needs: PW (the cloud's password), IP, HOST (nova's compute host = neutron's binding host), NOVA_DRIVER,
# NFS_SHARE. Every daemon listens on 127.0.0.1 only and runs a single worker (memory: docs/testing.md).

keep_original() { [[ -f $1 && ! -e $1.debian-orig ]] && cp -a "$1" "$1.debian-orig"; return 0; }

# [keystone_authtoken] of an API service; service tokens are required (shared REPORT.md, gotcha 12).
conf_authtoken() {
  cat <<EOF
[keystone_authtoken]
www_authenticate_uri = http://$IP:5000
auth_url = http://$IP:5000
memcached_servers = $IP:11211
auth_type = password
user_domain_name = Default
project_domain_name = Default
project_name = service
username = $1
password = $PW
service_token_roles_required = true
service_token_roles = service
EOF
}
# A keystoneauth section ([neutron], [placement], [nova], ...) for service-to-service calls.
conf_ksa() {
  cat <<EOF
[$1]
auth_type = password
auth_url = http://$IP:5000/v3
user_domain_name = Default
project_domain_name = Default
project_name = service
username = $2
password = $PW
region_name = RegionOne
EOF
}

render_configs() { # DIR: writes every file under DIR, mirroring /
  local d=$1 rabbit="rabbit://openstack:$PW@$IP:5672/"
  mkdir -p "$d/etc/mysql/mariadb.conf.d" "$d/etc/rabbitmq" "$d/etc/keystone" "$d/etc/glance" \
           "$d/etc/placement" "$d/etc/nova" "$d/etc/neutron/plugins/ml2" "$d/etc/cinder"

  # MariaDB: started as mariadbd itself (mysqld_safe forks); about 15 clients with pools (gotcha 14).
  cat > "$d/etc/mysql/mariadb.conf.d/99-bascule.cnf" <<EOF
[mysqld]
bind-address = $IP
port = 3306
skip-name-resolve
max_connections = 1000
innodb_buffer_pool_size = 128M
character-set-server = utf8mb4
collation-server = utf8mb4_general_ci
EOF

  # RabbitMQ: node name, AMQP and distribution ports all on loopback (gotcha 13).
  cat > "$d/etc/rabbitmq/rabbitmq-env.conf" <<EOF
NODENAME=rabbit@localhost
NODE_IP_ADDRESS=$IP
NODE_PORT=5672
DIST_PORT=25672
SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
EOF
  cat > "$d/etc/rabbitmq/rabbitmq.conf" <<EOF
listeners.tcp.default = $IP:5672
loopback_users = none
EOF

  cat > "$d/etc/keystone/keystone.conf" <<EOF
[DEFAULT]
debug = false
[database]
connection = mysql+pymysql://keystone:$PW@$IP/keystone
[token]
provider = fernet
expiration = 14400
[cache]
enabled = true
backend = oslo_cache.memcache_pool
memcache_servers = $IP:11211
EOF

  cat > "$d/etc/glance/glance-api.conf" <<EOF
[DEFAULT]
debug = false
bind_host = $IP
bind_port = 9292
workers = 1
enabled_backends = file:file
[database]
connection = mysql+pymysql://glance:$PW@$IP/glance
[glance_store]
default_backend = file
[file]
filesystem_store_datadir = /var/lib/glance/images/
[os_glance_staging_store]
filesystem_store_datadir = /var/lib/glance/staging/
[os_glance_tasks_store]
filesystem_store_datadir = /var/lib/glance/tasks_work_dir/
[paste_deploy]
flavor = keystone
[oslo_concurrency]
lock_path = /var/lib/glance/lock
$(conf_authtoken glance)
EOF

  cat > "$d/etc/placement/placement.conf" <<EOF
[DEFAULT]
debug = false
[api]
auth_strategy = keystone
[placement_database]
connection = mysql+pymysql://placement:$PW@$IP/placement
$(conf_authtoken placement)
EOF

  # Nova: the fake virt driver subclass (lib/bascule_fake_driver.py), the osapi_compute API only.
  cat > "$d/etc/nova/nova.conf" <<EOF
[DEFAULT]
debug = false
host = $HOST
my_ip = $IP
transport_url = $rabbit
compute_driver = $NOVA_DRIVER
enabled_apis = osapi_compute
osapi_compute_listen = $IP
osapi_compute_listen_port = 8774
osapi_compute_workers = 1
state_path = /var/lib/nova
instances_path = /var/lib/nova/instances
allow_resize_to_same_host = true
[api]
auth_strategy = keystone
[api_database]
connection = mysql+pymysql://nova:$PW@$IP/nova_api
[database]
connection = mysql+pymysql://nova:$PW@$IP/nova
[conductor]
workers = 1
[scheduler]
workers = 1
discover_hosts_in_cells_interval = 30
[glance]
valid_interfaces = public
[oslo_concurrency]
lock_path = /var/lib/nova/tmp
[vnc]
enabled = false
[wsgi]
api_paste_config = /etc/nova/api-paste.ini
$(conf_authtoken nova)
$(conf_ksa neutron neutron)
$(conf_ksa placement placement)
$(conf_ksa cinder nova)
os_region_name = RegionOne
$(conf_ksa service_user nova)
send_service_user_token = true
EOF

  # Neutron: ML2 + routers, no agents. Trunks, QoS and floating IP port forwardings are API-only service plugins
  # here (no agent applies them; their RPC casts find no listener): Bascule moves them (issue 17). One fake OVS agent row binds the ports (gotcha 7), so agents
  # must never be seen as down; no DHCP ports.
  cat > "$d/etc/neutron/neutron.conf" <<EOF
[DEFAULT]
debug = false
bind_host = $IP
bind_port = 9696
core_plugin = ml2
service_plugins = router,trunk,qos,port_forwarding
auth_strategy = keystone
transport_url = $rabbit
api_workers = 1
rpc_workers = 1
rpc_state_report_workers = 1
state_path = /var/lib/neutron
notify_nova_on_port_status_changes = true
notify_nova_on_port_data_changes = true
dhcp_agent_notification = false
agent_down_time = 31536000
[database]
connection = mysql+pymysql://neutron:$PW@$IP/neutron
[oslo_concurrency]
lock_path = /var/lib/neutron/lock
$(conf_authtoken neutron)
$(conf_ksa nova neutron)
EOF
  cat > "$d/etc/neutron/plugins/ml2/ml2_conf.ini" <<EOF
[ml2]
type_drivers = flat,vlan,vxlan
tenant_network_types = vxlan
mechanism_drivers = openvswitch
extension_drivers = port_security,qos
[ml2_type_flat]
flat_networks = public
[ml2_type_vlan]
network_vlan_ranges = physnet1:100:199
[ml2_type_vxlan]
vni_ranges = 1:1000
EOF

  # Cinder: NFS driver whose "share" is a bind mount (no device-mapper here, so no LVM: gotcha 6).
  echo "$NFS_SHARE" > "$d/etc/cinder/nfs_shares"
  cat > "$d/etc/cinder/cinder.conf" <<EOF
[DEFAULT]
debug = false
my_ip = $IP
transport_url = $rabbit
auth_strategy = keystone
osapi_volume_listen = $IP
osapi_volume_listen_port = 8776
osapi_volume_workers = 1
state_path = /var/lib/cinder
image_conversion_dir = /var/lib/cinder/conversion
glance_api_servers = http://$IP:9292
enabled_backends = nfs1
# Bascule copies an attached volume (a boot volume, a data volume of a running server) by uploading it to an
# image with force=True; Cinder refuses that unless the operator allows it.
enable_force_upload = true
[database]
connection = mysql+pymysql://cinder:$PW@$IP/cinder
[oslo_concurrency]
lock_path = /var/lib/cinder/tmp
[nfs1]
volume_driver = cinder.volume.drivers.nfs.NfsDriver
volume_backend_name = nfs1
nfs_shares_config = /etc/cinder/nfs_shares
nfs_mount_point_base = /var/lib/cinder/mnt
nfs_sparsed_volumes = true
nfs_snapshot_support = true
nas_secure_file_operations = false
nas_secure_file_permissions = false
$(conf_authtoken cinder)
$(conf_ksa nova cinder)
EOF
}

# Render into a scratch folder, install the files that differ, and print the fingerprint of the whole set
# (with the fake driver's source, which nova-compute loads).
install_configs() {
  local tmp f dest u
  tmp=$(mktemp -d)
  render_configs "$tmp"
  cp "$E2E_OS_DIR/lib/bascule_fake_driver.py" "$tmp/bascule_fake_driver.py"
  while IFS= read -r f; do
    dest=/${f#"$tmp"/}
    if ! cmp -s "$f" "$dest"; then
      keep_original "$dest"
      install -D -m 0640 "$f" "$dest"
    fi
  done < <(find "$tmp/etc" -type f | sort)
  for u in keystone glance placement nova neutron cinder; do
    [[ -d /etc/$u ]] && chgrp -R "$u" "/etc/$u" 2>/dev/null
  done
  chmod 0644 /etc/mysql/mariadb.conf.d/99-bascule.cnf
  chown rabbitmq:rabbitmq /etc/rabbitmq/rabbitmq-env.conf /etc/rabbitmq/rabbitmq.conf
  # nova loads drivers only as nova.virt.<compute_driver> (gotcha 8)
  install -m 0644 "$tmp/bascule_fake_driver.py" /usr/lib/python3/dist-packages/nova/virt/bascule_fake_driver.py
  (cd "$tmp" && find . -type f | sort | xargs cat | sha256sum | cut -d' ' -f1)
  rm -rf "$tmp"
}
