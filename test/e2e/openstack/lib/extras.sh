# shellcheck shell=bash
# The extra services of the e2e cloud, beside the Zed base: Swift (object-store), Octavia (load-balancer) and
# Designate (dns). Sourced by up.sh after lib/configs.sh. Learned from ../shared/real-openstack-extra/ (its
# REPORT.md numbers the gotchas cited below: S = Swift, O = Octavia, D = Designate).
#
#   Swift      proxy :8080 (authtoken + keystoneauth, SLO, DLO, versioned writes, quotas), account :6202,
#              container :6201, object :6200, container-updater, object-updater; one ring device, a plain
#              directory /srv/node/d1
#   Octavia    api :9876 (uwsgi), worker, health-manager (udp :5555), housekeeping, every controller driver
#              no-op, plus a fake amphora heartbeat so operating_status goes ONLINE (O4)
#   Designate  api :9001, central, worker, producer, mdns :5354 (tcp+udp); the `fake` backend, the pool's
#              nameserver is mdns itself (D1)
#
# BASCULE_OS_EXTRAS chooses them: unset = "swift octavia designate", "none" = none of them.
# Their configuration has a fingerprint of its own ($MACHINE/fingerprint-extras): a change restarts the extra
# daemons only, never the base cloud.

EXTRA_PACKAGES_swift=(swift swift-proxy swift-account swift-container swift-object)
EXTRA_PACKAGES_octavia=(octavia-api octavia-worker octavia-health-manager octavia-housekeeping python3-octaviaclient)
EXTRA_PACKAGES_designate=(designate-api designate-central designate-worker designate-producer designate-mdns
                          python3-designateclient bind9-dnsutils)
SWIFT_DEVICES=/srv/node
HEARTBEAT_PY=/usr/local/lib/bascule-openstack/fake_amp_heartbeat.py

# The packages of the wanted extras (for up.sh's one apt-get run), and their debconf preseeds.
extra_packages() {
  local s
  for s in $(extras_wanted); do
    case $s in
      swift) printf '%s\n' "${EXTRA_PACKAGES_swift[@]}" ;;
      octavia) printf '%s\n' "${EXTRA_PACKAGES_octavia[@]}" ;;
      designate) printf '%s\n' "${EXTRA_PACKAGES_designate[@]}" ;;
    esac
  done
}
extra_preseeds() {
  local p q
  for p in swift swift-proxy octavia-common octavia-api designate-common designate-api designate; do
    for q in dbconfig-install configure_db register-endpoint configure_rabbit configure_ksat; do
      echo "$p $p/$q boolean false"
    done
  done
}

###################################################################################################
# configuration: rendered into a scratch folder mirroring /, like lib/configs.sh
render_extra_configs() { # DIR
  local d=$1 rabbit="rabbit://openstack:$PW@$IP:5672/" s
  for s in $(extras_wanted); do "render_$s" "$d" "$rabbit"; done
}

render_swift() {
  local d=$1 svc port
  mkdir -p "$d/etc/swift"
  # The hash suffix must never change once objects exist (S1): made once, kept with the machine's records.
  if [[ ! -s $MACHINE/swift-hash-suffix ]]; then
    (umask 077; head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$MACHINE/swift-hash-suffix")
  fi
  cat > "$d/etc/swift/swift.conf" <<EOF
[swift-hash]
swift_hash_path_suffix = $(cat "$MACHINE/swift-hash-suffix")
swift_hash_path_prefix = bascule
[storage-policy:0]
name = Policy-0
default = yes
[swift-constraints]
EOF
  # workers = 0: one process each. They run as user swift (setpriv): with workers = 0 Swift never drops
  # privileges itself, and root-owned databases break the container-updater (S6).
  for svc in account:6202 container:6201 object:6200; do
    port=${svc#*:}; svc=${svc%%:*}
    cat > "$d/etc/swift/$svc-server.conf" <<EOF
[DEFAULT]
bind_ip = $IP
bind_port = $port
user = swift
swift_dir = /etc/swift
devices = $SWIFT_DEVICES
mount_check = false
workers = 0
log_name = $svc-server
log_level = INFO
[pipeline:main]
pipeline = healthcheck recon $svc-server
[app:$svc-server]
use = egg:swift#$svc
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:recon]
use = egg:swift#recon
recon_cache_path = /var/cache/swift
[$svc-replicator]
[$svc-auditor]
[$svc-updater]
# The account's object and byte counters come from the container-updater (S4). Each sweep forks a Python child
# (about 0.4 s of CPU): every 30 s, not the recipe's 5 s, on this shared two-core machine. The account's counters
# lag by up to about 40 s; a container's own counters are always current.
interval = 30
concurrency = 1
[container-sync]
[container-sharder]
EOF
  done
  # keystoneauth: a plain project member is an operator (S3); the middleware Bascule relies on is all here
  cat > "$d/etc/swift/proxy-server.conf" <<EOF
[DEFAULT]
bind_ip = $IP
bind_port = 8080
user = swift
swift_dir = /etc/swift
workers = 0
log_name = proxy-server
log_level = INFO
[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk tempurl ratelimit authtoken keystoneauth copy container-quotas account-quotas slo dlo versioned_writes symlink proxy-logging proxy-server
[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
allow_account_management = true
[filter:authtoken]
paste.filter_factory = keystonemiddleware.auth_token:filter_factory
www_authenticate_uri = http://$IP:5000
auth_url = http://$IP:5000
memcached_servers = $IP:11211
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = swift
password = $PW
delay_auth_decision = True
service_token_roles_required = true
[filter:keystoneauth]
use = egg:swift#keystoneauth
operator_roles = admin, member, swiftoperator
reseller_admin_role = ResellerAdmin
[filter:cache]
use = egg:swift#memcache
memcache_servers = $IP:11211
[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:bulk]
use = egg:swift#bulk
[filter:tempurl]
use = egg:swift#tempurl
[filter:ratelimit]
use = egg:swift#ratelimit
[filter:copy]
use = egg:swift#copy
[filter:container-quotas]
use = egg:swift#container_quotas
[filter:account-quotas]
use = egg:swift#account_quotas
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
[filter:versioned_writes]
use = egg:swift#versioned_writes
allow_versioned_writes = true
allow_object_versioning = true
[filter:symlink]
use = egg:swift#symlink
EOF
}

render_octavia() {
  local d=$1 rabbit=$2
  mkdir -p "$d/etc/octavia" "$d${HEARTBEAT_PY%/*}"
  cp "$E2E_OS_DIR/lib/fake_amp_heartbeat.py" "$d$HEARTBEAT_PY"
  # The local cert generator signs the (no-op) amphora's certificate even with no-op drivers (O2), and the
  # no-op compute driver reads client_ca (O3): both point at a CA made once (octavia_ca).
  cat > "$d/etc/octavia/octavia.conf" <<EOF
[DEFAULT]
debug = false
transport_url = $rabbit
[api_settings]
bind_host = $IP
bind_port = 9876
auth_strategy = keystone
api_base_uri = http://$IP:9876
enabled_provider_drivers = amphora:The Octavia Amphora driver (no-op controller drivers here).,octavia:Deprecated alias of the Octavia Amphora driver.
default_provider_driver = amphora
[database]
connection = mysql+pymysql://octavia:$PW@$IP/octavia
[health_manager]
bind_ip = $IP
bind_port = 5555
controller_ip_port_list = $IP:5555
heartbeat_key = $PW
health_update_threads = 1
stats_update_threads = 1
heartbeat_interval = 10
# a stale (fake) heartbeat must never fail an amphora over
heartbeat_timeout = 31536000
[controller_worker]
workers = 1
amphora_driver = amphora_noop_driver
compute_driver = compute_noop_driver
network_driver = network_noop_driver
volume_driver = volume_noop_driver
image_driver = image_noop_driver
loadbalancer_topology = SINGLE
amp_image_tag = amphora
amp_flavor_id = noop-flavor
amp_boot_network_list = 00000000-0000-0000-0000-000000000000
amp_secgroup_list = 00000000-0000-0000-0000-000000000000
client_ca = /etc/octavia/certs/ca.pem
[task_flow]
jobboard_enabled = false
[certificates]
cert_manager = local_cert_manager
cert_generator = local_cert_generator
storage_path = /var/lib/octavia/certs
ca_certificate = /etc/octavia/certs/ca.pem
ca_private_key = /etc/octavia/certs/ca.key
[haproxy_amphora]
client_cert = /etc/octavia/certs/ca.pem
server_ca = /etc/octavia/certs/ca.pem
[oslo_messaging]
topic = octavia_prov
[oslo_concurrency]
lock_path = /var/lib/octavia/lock
$(conf_authtoken octavia)
$(conf_ksa service_auth octavia)
EOF
}

render_designate() {
  local d=$1 rabbit=$2
  mkdir -p "$d/etc/designate"
  # poll_*: the worker polls mdns for the serial after each change; a delete's poll never succeeds, so the
  # defaults (10 x 15 s) made every zone delete take 150 s (D3).
  cat > "$d/etc/designate/designate.conf" <<EOF
[DEFAULT]
debug = false
transport_url = $rabbit
state_path = /var/lib/designate
[service:api]
listen = $IP:9001
api_base_uri = http://$IP:9001/
auth_strategy = keystone
enable_api_v2 = true
enable_api_admin = true
enabled_extensions_admin = quotas, reports
workers = 1
[service:central]
workers = 1
[service:worker]
workers = 1
poll_retry_interval = 1
poll_max_retries = 3
poll_delay = 1
[service:producer]
workers = 1
[service:mdns]
listen = $IP:5354
workers = 1
[storage:sqlalchemy]
connection = mysql+pymysql://designate:$PW@$IP/designate
[oslo_concurrency]
lock_path = /var/lib/designate/lock
$(conf_authtoken designate)
EOF
  # The fake backend creates nothing; the worker then asks the pool's nameservers for the zone's serial, so
  # they are mdns itself (D1). The fake target still needs host and port for its NOTIFY (D2).
  cat > "$d/etc/designate/pools.yaml" <<EOF
- name: default
  description: Default pool (fake backend; mdns answers the serial polls)
  attributes: {}
  ns_records:
    - hostname: ns1.example.test.
      priority: 1
  nameservers:
    - host: $IP
      port: 5354
  targets:
    - type: fake
      description: fake backend, no DNS server
      masters:
        - host: $IP
          port: 5354
      options:
        host: $IP
        port: 5354
EOF
}

# Installs the files that differ; prints the fingerprint of the whole set.
install_extra_configs() {
  local tmp f dest u
  tmp=$(mktemp -d)
  render_extra_configs "$tmp"
  while IFS= read -r f; do
    dest=/${f#"$tmp"/}
    if ! cmp -s "$f" "$dest"; then
      keep_original "$dest"
      install -D -m 0640 "$f" "$dest"
    fi
  done < <(find "$tmp" -type f | sort)
  [[ -f $HEARTBEAT_PY ]] && chmod 0644 "$HEARTBEAT_PY"
  for u in swift octavia designate; do
    [[ -d /etc/$u ]] && chgrp -R "$u" "/etc/$u" 2>/dev/null
  done
  (cd "$tmp" && { echo "$(extras_wanted)"; find . -type f | sort | xargs -r cat; } | sha256sum | cut -d' ' -f1)
  rm -rf "$tmp"
}

# What lives beside the configuration and must survive it: Swift's rings and storage, Octavia's CA.
swift_rings() {
  mkdir -p "$SWIFT_DEVICES/d1" /var/cache/swift /var/run/swift
  chown -R swift:swift "$SWIFT_DEVICES" /var/cache/swift /var/run/swift
  local svc port
  for svc in account:6202 container:6201 object:6200; do
    port=${svc#*:}; svc=${svc%%:*}
    [[ -f /etc/swift/$svc.ring.gz ]] && continue
    # one region, zone and device, one replica, 2^10 partitions (S1); rebalance exits 1 for a warning
    (cd /etc/swift && swift-ring-builder "$svc.builder" create 10 1 1 &&
      swift-ring-builder "$svc.builder" add --region 1 --zone 1 --ip $IP --port "$port" --device d1 --weight 100 &&
      { swift-ring-builder "$svc.builder" rebalance || [[ $? == 1 ]]; }) >> "$LOGS/swift-rings.log" 2>&1
  done
  chown -R swift:swift /etc/swift
}
octavia_ca() {
  mkdir -p /var/lib/octavia/lock /var/lib/octavia/certs /etc/octavia/certs
  if [[ ! -f /etc/octavia/certs/ca.pem ]]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj '/CN=bascule-e2e-octavia-ca' \
      -keyout /etc/octavia/certs/ca.key -out /etc/octavia/certs/ca.pem >> "$LOGS/octavia-ca.log" 2>&1
    chmod 0600 /etc/octavia/certs/ca.key
  fi
}

###################################################################################################
# databases: created like the base ones; migrations skipped when the package versions did not change
extra_databases() {
  local q="" s h
  for s in $(extras_wanted); do
    [[ $s == swift ]] && continue
    q+="CREATE DATABASE IF NOT EXISTS \`$s\`;"
    for h in '%' localhost; do
      q+="CREATE USER IF NOT EXISTS '$s'@'$h' IDENTIFIED BY '$PW';"
      q+="ALTER USER '$s'@'$h' IDENTIFIED BY '$PW';"
      q+="GRANT ALL PRIVILEGES ON \`$s\`.* TO '$s'@'$h';"
    done
  done
  [[ -z $q ]] || mysql -uroot -e "$q"
}
extra_db_sync() { # prints what it did
  local mark s done=()
  mark=$(dpkg-query -W -f='${Package}=${Version}\n' octavia-common designate-common 2>/dev/null | sha256sum | cut -d' ' -f1)
  for s in $(extras_wanted); do
    case $s in
      octavia)
        [[ $(cat "$MACHINE/dbsync-octavia.done" 2>/dev/null) == "$mark" ]] && continue
        octavia-db-manage --config-file /etc/octavia/octavia.conf upgrade head > "$LOGS/dbsync-octavia.log" 2>&1 \
          || { say "octavia db sync failed: $LOGS/dbsync-octavia.log" >&2; return 1; }
        echo "$mark" > "$MACHINE/dbsync-octavia.done"; done+=(octavia) ;;
      designate)
        [[ $(cat "$MACHINE/dbsync-designate.done" 2>/dev/null) == "$mark" ]] && continue
        designate-manage --config-file /etc/designate/designate.conf database sync > "$LOGS/dbsync-designate.log" 2>&1 \
          || { say "designate db sync failed: $LOGS/dbsync-designate.log" >&2; return 1; }
        echo "$mark" > "$MACHINE/dbsync-designate.done"; done+=(designate) ;;
    esac
  done
  echo "${done[*]:-up to date}"
}

###################################################################################################
# daemons
start_swift() {
  local as_swift=(setpriv --reuid=swift --regid=swift --init-groups env HOME=/var/lib/swift)
  # -v: Swift logs to syslog, which nobody reads here; -v also writes to the console, our .out files (S2)
  start_daemon swift-object "${as_swift[@]}" swift-object-server /etc/swift/object-server.conf -v
  start_daemon swift-container "${as_swift[@]}" swift-container-server /etc/swift/container-server.conf -v
  start_daemon swift-account "${as_swift[@]}" swift-account-server /etc/swift/account-server.conf -v
  start_daemon swift-container-updater "${as_swift[@]}" swift-container-updater /etc/swift/container-server.conf -v
  # A container's listing and counters follow each object PUT or DELETE at once, unless the container server did not
  # answer the object server in time (a busy machine): the object server then keeps the update aside (async_pending)
  # and only the object-updater sends it ([object-updater] above: a sweep every 30 s).
  start_daemon swift-object-updater "${as_swift[@]}" swift-object-updater /etc/swift/object-server.conf -v
  start_daemon swift-proxy "${as_swift[@]}" swift-proxy-server /etc/swift/proxy-server.conf -v
}
wait_swift() {
  local port
  for port in 6200 6201 6202 8080; do wait_until "swift :$port" 90 answers "http://$IP:$port/healthcheck"; done
}
start_octavia() {
  chown -R octavia:octavia /var/lib/octavia 2>/dev/null || true
  start_daemon octavia-api "${UWSGI[@]}" --http-socket $IP:9876 --wsgi-file /usr/bin/octavia-wsgi \
    --processes 1 --threads 4 --procname-prefix-spaced octavia-api
  start_daemon octavia-worker octavia-worker --config-file /etc/octavia/octavia.conf
  start_daemon octavia-health-manager octavia-health-manager --config-file /etc/octavia/octavia.conf
  start_daemon octavia-housekeeping octavia-housekeeping --config-file /etc/octavia/octavia.conf
  # the password reaches it through its environment, never its command line
  start_daemon octavia-fake-heartbeat env BASCULE_OS_PASSWORD="$PW" /usr/bin/python3 "$HEARTBEAT_PY" $IP:5555 10
}
wait_octavia() { wait_until octavia-api 180 answers "http://$IP:9876/"; }
start_designate() {
  mkdir -p /var/lib/designate/lock
  chown -R designate:designate /var/lib/designate 2>/dev/null || true
  start_daemon designate-central designate-central --config-file /etc/designate/designate.conf
  # `pool update` goes through central and re-creates the pool's target rows even when pools.yaml is the same,
  # and a running worker keeps the old ones (D4): only before the worker starts.
  if ! service_running designate-worker; then
    wait_until "designate pool update" 180 designate-manage --config-file /etc/designate/designate.conf \
      pool update --file /etc/designate/pools.yaml
  fi
  start_daemon designate-mdns designate-mdns --config-file /etc/designate/designate.conf
  start_daemon designate-worker designate-worker --config-file /etc/designate/designate.conf
  start_daemon designate-producer designate-producer --config-file /etc/designate/designate.conf
  start_daemon designate-api designate-api --config-file /etc/designate/designate.conf
}
wait_designate() {
  wait_until designate-api 180 answers "http://$IP:9001/"
  wait_until designate-mdns 180 bash -c "ss -ltn | grep -q '$IP:5354 '"
}

# The recorded extra daemons of the wanted services, all running?
extras_all_alive() {
  local name
  for name in $(extra_daemons $(extras_wanted)); do service_running "$name" || return 1; done
}

# up.sh's stage: configuration, databases, catalog, daemons. STARTED collects what it started.
start_extras() {
  local wanted; wanted=$(extras_wanted)
  [[ -n $wanted ]] || { say "extra services: none (BASCULE_OS_EXTRAS=none)"; return 0; }
  local fingerprint previous s
  fingerprint=$(install_extra_configs)
  previous=$(cat "$MACHINE/fingerprint-extras" 2>/dev/null || true)
  if [[ $fingerprint == "$previous" ]] && extras_all_alive; then
    wait_swift_octavia_designate "$wanted"
    EXTRAS_NOTE="unchanged, every daemon running"
    return 0
  fi
  if [[ $fingerprint != "$previous" ]] && [[ -n $(running_extra_daemons) ]]; then
    say "the extra services' configuration changed: restarting them"
    bash "$E2E_OS_DIR/down.sh" extras
  fi
  for s in $wanted; do
    case $s in
      swift) swift_rings ;;
      octavia) octavia_ca ;;
    esac
  done
  extra_databases
  local synced; synced=$(extra_db_sync)
  BASCULE_OS_PASSWORD=$PW BASCULE_OS_EXTRAS=$wanted /usr/bin/python3 "$E2E_OS_DIR/lib/bootstrap.py" extras-catalog \
    >> "$LOGS/bootstrap.log" 2>&1 || { tail -20 "$LOGS/bootstrap.log"; return 1; }
  local before=${#STARTED[@]}
  for s in $wanted; do "start_$s"; done
  wait_swift_octavia_designate "$wanted"
  for name in $(extra_daemons $wanted); do
    service_running "$name" || { say "$name is not running (see $LOGS/$name.out)"; return 1; }
  done
  echo "$fingerprint" > "$MACHINE/fingerprint-extras"
  local started="${STARTED[*]:before}"
  EXTRAS_NOTE="db sync: $synced; started: ${started:-none}"
}
wait_swift_octavia_designate() { local s; for s in $1; do "wait_$s"; done; }
running_extra_daemons() {
  local name
  for name in $(extra_daemons swift octavia designate); do service_running "$name" && echo "$name"; done
}
