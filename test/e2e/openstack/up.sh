#!/bin/bash
# Bring up Bascule's end-to-end cloud: a real OpenStack Zed from Debian 12 packages, every service a plain
# background process on 127.0.0.1 (no systemd), then the resources every e2e test may rely on and
# state/clouds.yaml (clouds admin, src, dst, dst2).
#
#   Keystone :5000  Glance :9292  Placement :8778  Nova :8774 (fake virt driver)  Neutron :9696 (ML2, no agents)
#   Cinder :8776 (NFS driver on a bind mount)  on MariaDB :3306, RabbitMQ :5672, memcached :11211
# and the extra services (lib/extras.sh): Swift :8080 (object-store), Octavia :9876 (load-balancer, no-op
# drivers), Designate :9001 (dns, fake backend, mdns :5354). BASCULE_OS_EXTRAS=none leaves them out.
#
# Idempotent: a second run reuses the packages, the databases and the running daemons, and takes seconds.
# Every daemon's PID is recorded; down.sh stops exactly those. Each stage prints its duration.
# Must run as root. Learned from ../shared/real-openstack (its REPORT.md lists the gotchas cited below).
#
# Environment: NOVA_DRIVER=fake.FakeDriver for nova's stock driver (snapshots then stay 'queued').
set -Eeuo pipefail
SCRIPT_TAG=up
source "$(dirname "$0")/lib/common.sh"
source "$E2E_OS_DIR/lib/configs.sh"
source "$E2E_OS_DIR/lib/extras.sh"

[[ $(id -u) == 0 ]] || die "up.sh must run as root (it installs packages and starts system daemons)"
export DEBIAN_FRONTEND=noninteractive
HOST=$(hostname)
NFS_SHARE="$IP:/var/lib/cinder/nfs-export"
NOVA_DRIVER=${NOVA_DRIVER:-bascule_fake_driver.DataFakeDriver}
extras_wanted > /dev/null   # a bad BASCULE_OS_EXTRAS stops here, before anything is installed
mkdir -p "$STATE" "$LOGS" "$STATE/data" "$MACHINE" "$RUN"
take_machine_lock
chmod 0700 "$STATE" "$MACHINE"
TIMINGS=$STATE/timings.txt
T_ALL=$(now)
STAGE_T0=0
STAGE_NAME=
stage() { STAGE_NAME=$1; STAGE_T0=$(now); say "stage $1 ..."; }
stage_done() {
  local s=$(( $(now) - STAGE_T0 ))
  say "stage $STAGE_NAME: ${s}s${1:+ ($1)}"
  echo "$(date -u +%FT%TZ) $STAGE_NAME ${s}s${1:+ $1}" >> "$TIMINGS"
}
trap 'say "FAILED in stage ${STAGE_NAME:-?}; logs: $LOGS"' ERR

###################################################################################################
# packages
PACKAGES=(mariadb-server python3-pymysql rabbitmq-server memcached python3-memcache
          keystone glance-api placement-api
          nova-api nova-conductor nova-scheduler nova-compute nova-compute-ironic
          neutron-server cinder-api cinder-scheduler cinder-volume
          nfs-common qemu-utils python3-openstackclient openssh-client curl uwsgi-plugin-python3)
mapfile -t -O ${#PACKAGES[@]} PACKAGES < <(extra_packages)

install_packages() {
  # Maintainer scripts must not start anything (there is no systemd; we start the daemons ourselves).
  if ! grep -qs 'exit 101' /usr/sbin/policy-rc.d; then
    printf '#!/bin/sh\n# written by bascule test/e2e/openstack/up.sh: packages never start daemons\nexit 101\n' \
      > /usr/sbin/policy-rc.d
    chmod 0755 /usr/sbin/policy-rc.d
  fi
  # No dbconfig-common, no debconf questions about databases, rabbit or endpoints (gotcha 2).
  local p q
  {
    echo "dbconfig-common dbconfig-common/dbconfig-install boolean false"
    for p in keystone glance-common glance-api nova-common nova-api placement-common placement-api \
             neutron-common neutron-api neutron-server cinder-common cinder-api; do
      for q in dbconfig-install configure_db register-endpoint configure_rabbit configure_ksat; do
        echo "$p $p/$q boolean false"
      done
    done
    extra_preseeds
  } | debconf-set-selections
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
  done
  if ((${#missing[@]} == 0)); then stage_done "already installed"; return; fi
  say "installing ${#missing[@]} packages and their dependencies (about 4 minutes; log: $LOGS/apt.log)"
  apt-get update -q >> "$LOGS/apt.log" 2>&1
  apt-get install -y -q --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    "${missing[@]}" >> "$LOGS/apt.log" 2>&1
  dpkg-query -W -f='${Package}=${Version}\n' > "$STATE/packages.txt"
  stage_done "${#missing[@]} requested"
}

###################################################################################################
# password and configuration
cloud_password() {
  local f=$MACHINE/password
  if [[ ! -s $f ]]; then
    (umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=\n' > "$f")
  fi
  cat "$f"
}

###################################################################################################
# daemons
start_daemon() { # NAME CMD...: started in its own session, so $! is the daemon itself (the subshell and setsid exec)
  local name=$1; shift
  if service_running "$name"; then return 0; fi
  # A daemon keeps only stdin, stdout and stderr. Any other descriptor it inherited would hold its lock for as long
  # as the daemon lives: the machine lock (fd 9), or the team's /work/e2e.lock when up.sh runs under
  # `flock /work/e2e.lock` (that happened: every later `flock` waited forever).
  (close_inherited_fds; exec setsid "$@") >> "$LOGS/$name.out" 2>&1 < /dev/null &
  record_pid "$name" $!
  STARTED+=("$name")
}
close_inherited_fds() {
  local fd
  for fd in $(ls /proc/$BASHPID/fd); do
    ((fd > 2)) && eval "exec $fd>&-"
  done
  return 0
}
wait_until() { # WHAT TIMEOUT CMD...
  local what=$1 limit=$2 t0; shift 2; t0=$(now)
  until "$@" > /dev/null 2>&1; do
    (( $(now) - t0 < limit )) || { say "timed out after ${limit}s waiting for $what"; return 1; }
    sleep 1
  done
}
answers() { # URL: any HTTP answer below 500
  local code; code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$1" || true)
  [[ $code =~ ^[1-4][0-9][0-9]$ ]]
}
sql() { mysql -uroot -N -B -e "$1"; }
sql_count_at_least_one() { [[ $(sql "$1") -ge 1 ]]; }

start_infrastructure() {
  install -d -o mysql -g mysql /run/mysqld
  # mariadbd itself, not mysqld_safe, so the PID stays the daemon's (gotcha 14)
  start_daemon mariadb setpriv --reuid=mysql --regid=mysql --init-groups /usr/sbin/mariadbd
  start_daemon memcached /usr/bin/memcached -u memcache -l $IP -p 11211 -U 0 -m 64
  # epmd in the foreground first, so erl does not spawn an unrecorded one (gotcha 13)
  start_daemon epmd setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups \
    env HOME=/var/lib/rabbitmq ERL_EPMD_ADDRESS=$IP /usr/bin/epmd -address $IP -port 4369
  wait_until epmd 10 bash -c "echo > /dev/tcp/$IP/4369"
  start_daemon rabbitmq setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups \
    env HOME=/var/lib/rabbitmq ERL_EPMD_ADDRESS=$IP /usr/lib/rabbitmq/bin/rabbitmq-server
  wait_until mariadb 90 mysql -uroot -e 'SELECT 1'
  wait_until rabbitmq 180 rabbitmqctl -q await_startup
  if rabbitmqctl -q list_users | awk '{print $1}' | grep -qx openstack; then
    rabbitmqctl -q change_password openstack "$PW" > /dev/null
  else
    rabbitmqctl -q add_user openstack "$PW" > /dev/null
  fi
  rabbitmqctl -q set_permissions openstack '.*' '.*' '.*' > /dev/null
  # databases and their users (the password is re-applied, so a new password file takes effect)
  local q="" pair db user
  for pair in keystone:keystone glance:glance placement:placement nova_api:nova nova:nova nova_cell0:nova \
              neutron:neutron cinder:cinder; do
    db=${pair%%:*}; user=${pair#*:}
    q+="CREATE DATABASE IF NOT EXISTS \`$db\`;"
    for h in '%' localhost; do
      q+="CREATE USER IF NOT EXISTS '$user'@'$h' IDENTIFIED BY '$PW';"
      q+="ALTER USER '$user'@'$h' IDENTIFIED BY '$PW';"
      q+="GRANT ALL PRIVILEGES ON \`$db\`.* TO '$user'@'$h';"
    done
  done
  mysql -uroot -e "$q"
}

sync_nova() {
  nova-manage api_db sync
  nova-manage cell_v2 map_cell0 --database_connection "mysql+pymysql://nova:$PW@$IP/nova_cell0"
  # capture first: 'nova-manage ... | grep -q' kills nova-manage with EPIPE (gotcha 11)
  local cells; cells=$(nova-manage cell_v2 list_cells 2>/dev/null || true)
  if ! grep -q ' cell1 ' <<<"$cells"; then
    nova-manage cell_v2 create_cell --name cell1 || [[ $? == 2 ]]
  fi
  nova-manage db sync
}

# Schema migrations: keystone first (it starts right after), the others in parallel behind it.
# Skipped when the databases were already migrated by the installed package versions.
DB_MARK=
db_sync_needed() {
  DB_MARK=$(dpkg-query -W -f='${Package}=${Version}\n' keystone glance-common placement-common nova-common \
            neutron-common cinder-common | sha256sum | cut -d' ' -f1)
  [[ $(cat "$MACHINE/dbsync.done" 2>/dev/null) != "$DB_MARK" ]]
}
SYNC_PIDS=()
db_sync_keystone() { keystone-manage db_sync > "$LOGS/dbsync-keystone.log" 2>&1; }
db_sync_others_start() {
  glance-manage db_sync > "$LOGS/dbsync-glance.log" 2>&1 & SYNC_PIDS+=("glance:$!")
  placement-manage db sync > "$LOGS/dbsync-placement.log" 2>&1 & SYNC_PIDS+=("placement:$!")
  (set -e; sync_nova) > "$LOGS/dbsync-nova.log" 2>&1 & SYNC_PIDS+=("nova:$!")
  neutron-db-manage --config-file /etc/neutron/neutron.conf --config-file /etc/neutron/plugins/ml2/ml2_conf.ini \
    upgrade heads > "$LOGS/dbsync-neutron.log" 2>&1 & SYNC_PIDS+=("neutron:$!")
  cinder-manage db sync > "$LOGS/dbsync-cinder.log" 2>&1 & SYNC_PIDS+=("cinder:$!")
}
db_sync_others_wait() {
  local entry failed=0
  for entry in "${SYNC_PIDS[@]}"; do
    wait "${entry#*:}" || { say "db sync of ${entry%%:*} failed: $LOGS/dbsync-${entry%%:*}.log"; failed=1; }
  done
  return $failed
}

# uwsgi's --http-socket does no keep-alive without saying so: python-requests then gets ECONNRESET now and
# then, unless every answer says 'Connection: close' (gotcha 5).
UWSGI=(uwsgi --plugin python3 --master --enable-threads --buffer-size 65535 --die-on-term --lazy-apps
       --need-app --thunder-lock --add-header 'Connection: close')
start_keystone() {
  keystone-manage fernet_setup --keystone-user keystone --keystone-group keystone >> "$LOGS/keystone-manage.log" 2>&1
  keystone-manage credential_setup --keystone-user keystone --keystone-group keystone >> "$LOGS/keystone-manage.log" 2>&1
  start_daemon keystone "${UWSGI[@]}" --http-socket $IP:5000 --wsgi-file /usr/bin/keystone-wsgi-public \
    --processes 2 --threads 2 --procname-prefix-spaced keystone
  wait_until keystone 120 answers http://$IP:5000/v3
  keystone-manage bootstrap --bootstrap-password "$PW" --bootstrap-region-id RegionOne \
    --bootstrap-admin-url http://$IP:5000/v3/ --bootstrap-internal-url http://$IP:5000/v3/ \
    --bootstrap-public-url http://$IP:5000/v3/ >> "$LOGS/keystone-manage.log" 2>&1
}

# One fake 'Open vSwitch agent' row for this host: ML2/openvswitch then binds ports (vif_type ovs) for
# nova-compute without any agent or OVS (gotcha 7). Ports stay DOWN.
fake_ovs_agent() {
  sql "USE neutron;
INSERT INTO agents (id, agent_type, \`binary\`, topic, host, admin_state_up, created_at, started_at,
  heartbeat_timestamp, description, configurations, \`load\`)
VALUES (UUID(), 'Open vSwitch agent', 'neutron-openvswitch-agent', 'N/A', '$HOST', 1, UTC_TIMESTAMP(),
  UTC_TIMESTAMP(), UTC_TIMESTAMP(), 'FAKE: inserted by bascule test/e2e/openstack/up.sh, no dataplane',
  '{\"bridge_mappings\": {\"public\": \"br-ex\", \"physnet1\": \"br-vlan\"}, \"tunnel_types\": [\"vxlan\"], \"tunneling_ip\": \"$IP\", \"integration_bridge\": \"br-int\", \"ovs_hybrid_plug\": false, \"datapath_type\": \"system\", \"ovs_capabilities\": {\"datapath_types\": [\"system\"], \"iface_types\": [\"internal\", \"vxlan\"]}, \"l2_population\": false, \"enable_distributed_routing\": false, \"devices\": 0}', 0)
ON DUPLICATE KEY UPDATE heartbeat_timestamp = UTC_TIMESTAMP(), admin_state_up = 1;"
}

# os-brick trusts /proc/mounts: a bind mount on <base>/<md5 of the share> is "the NFS share" (gotcha 6).
bind_nfs_share() {
  local mp
  mp=/var/lib/cinder/mnt/$(printf '%s' "$NFS_SHARE" | md5sum | cut -d' ' -f1)
  mkdir -p /var/lib/cinder/nfs-export "$mp"
  awk '{print $2}' /proc/mounts | grep -qx "$mp" || mount --bind /var/lib/cinder/nfs-export "$mp"
}

start_openstack() {
  mkdir -p /var/lib/glance/{images,staging,tasks_work_dir,lock} /var/lib/nova/{instances,tmp} \
           /var/lib/neutron/lock /var/lib/cinder/{mnt,tmp,conversion}
  start_daemon glance-api glance-api --config-file /etc/glance/glance-api.conf
  start_daemon placement "${UWSGI[@]}" --http-socket $IP:8778 --wsgi-file /usr/bin/placement-api \
    --processes 1 --threads 4 --procname-prefix-spaced placement
  start_daemon neutron-server neutron-server --config-file /etc/neutron/neutron.conf \
    --config-file /etc/neutron/plugins/ml2/ml2_conf.ini
  start_daemon nova-api nova-api --config-file /etc/nova/nova.conf
  start_daemon nova-conductor nova-conductor --config-file /etc/nova/nova.conf
  start_daemon nova-scheduler nova-scheduler --config-file /etc/nova/nova.conf
  start_daemon nova-compute nova-compute --config-file /etc/nova/nova.conf
  bind_nfs_share
  start_daemon cinder-api cinder-api --config-file /etc/cinder/cinder.conf
  start_daemon cinder-scheduler cinder-scheduler --config-file /etc/cinder/cinder.conf
  start_daemon cinder-volume cinder-volume --config-file /etc/cinder/cinder.conf
}

wait_apis() {
  local pair
  for pair in keystone:5000/v3 glance:9292/ placement:8778/ neutron:9696/ nova:8774/ cinder:8776/; do
    wait_until "${pair%%:*}" 240 answers "http://$IP:${pair#*:}"
  done
}

# nova-compute registered, mapped to cell1, with inventory in placement; cinder-volume reporting.
# Heartbeats are compared with the time this run started, so rows left by a previous run do not count.
wait_workers() {
  local since=$1
  wait_until "nova-compute heartbeat" 240 sql_count_at_least_one \
    "SELECT COUNT(*) FROM nova.services WHERE \`binary\`='nova-compute' AND host='$HOST' AND deleted=0
       AND COALESCE(updated_at, created_at) >= '$since'"
  local t0; t0=$(now)
  until [[ $(sql "SELECT COUNT(*) FROM nova_api.host_mappings WHERE host='$HOST'") -ge 1 ]]; do
    (( $(now) - t0 < 240 )) || { say "timed out waiting for the host mapping of $HOST"; return 1; }
    nova-manage cell_v2 discover_hosts >> "$LOGS/discover-hosts.log" 2>&1 || true
    sleep 2
  done
  wait_until "placement inventory of $HOST" 240 sql_count_at_least_one \
    "SELECT COUNT(*) FROM placement.inventories i JOIN placement.resource_providers r
       ON i.resource_provider_id = r.id WHERE r.name = '$HOST'"
  wait_until "cinder-volume heartbeat" 240 sql_count_at_least_one \
    "SELECT COUNT(*) FROM cinder.services WHERE \`binary\`='cinder-volume' AND deleted=0
       AND COALESCE(updated_at, created_at) >= '$since'"
}

check_all_alive() {
  local name dead=()
  for name in "${SERVICES[@]}"; do service_running "$name" || dead+=("$name"); done
  ((${#dead[@]} == 0)) && return 0
  say "not running: ${dead[*]} (see $LOGS/<name>.out)"
  return 1
}

write_clouds_yaml() {
  local f=$STATE/clouds.yaml tmp
  tmp=$(mktemp "$STATE/.clouds.XXXXXX")
  chmod 0600 "$tmp"
  {
    echo "# Bascule's local end-to-end cloud (test/e2e/openstack/up.sh). Local test passwords; gitignored."
    echo "clouds:"
    local entry name user project
    for entry in admin:admin:admin src:bascule-src-user:bascule-src dst:bascule-dst-user:bascule-dst \
                 dst2:bascule-dst2-user:bascule-dst2; do
      IFS=: read -r name user project <<<"$entry"
      cat <<EOF
  $name:
    auth:
      auth_url: http://$IP:5000/v3
      username: $user
      password: $PW
      project_name: $project
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionOne
    identity_api_version: 3
    interface: public
EOF
    done
  } > "$tmp"
  mv "$tmp" "$f"
}

###################################################################################################
main() {
  STARTED=()
  echo "=== up.sh $(date -u +%FT%TZ)" >> "$TIMINGS"

  stage packages; install_packages

  stage configure
  PW=$(cloud_password)
  local fingerprint; fingerprint=$(install_configs)
  local previous; previous=$(cat "$MACHINE/fingerprint" 2>/dev/null || true)
  local fast=0
  if [[ $fingerprint == "$previous" ]] && check_all_alive 2>/dev/null >/dev/null; then fast=1; fi
  if [[ $fingerprint != "$previous" ]] && compgen -G "$RUN/*.pid" > /dev/null; then
    say "configuration changed since the daemons started: restarting them"
    bash "$E2E_OS_DIR/down.sh"
  fi
  if [[ $fast == 1 ]]; then stage_done "unchanged, every daemon running"
  elif [[ $fingerprint == "$previous" ]]; then stage_done "unchanged, some daemons to start"
  else stage_done "new or changed"; fi

  local since; since=$(date -u '+%F %T')
  if [[ $fast == 0 ]]; then
    stage infrastructure; start_infrastructure; stage_done "mariadb, memcached, rabbitmq"

    stage keystone
    local syncing=0
    if db_sync_needed; then
      db_sync_keystone
      db_sync_others_start; syncing=1
    fi
    start_keystone
    stage_done

    stage db-sync
    if [[ $syncing == 1 ]]; then db_sync_others_wait; echo "$DB_MARK" > "$MACHINE/dbsync.done"; stage_done "migrated"
    else stage_done "up to date, skipped"; fi

    stage catalog
    BASCULE_OS_PASSWORD=$PW /usr/bin/python3 "$E2E_OS_DIR/lib/bootstrap.py" catalog >> "$LOGS/bootstrap.log" 2>&1 \
      || { tail -20 "$LOGS/bootstrap.log"; false; }
    fake_ovs_agent
    stage_done

    stage services
    start_openstack
    wait_apis
    wait_workers "$since"
    check_all_alive
    echo "$fingerprint" > "$MACHINE/fingerprint"
    stage_done "started: ${STARTED[*]:-none}"
  else
    stage services; wait_apis; stage_done "already running"
  fi

  stage extras
  EXTRAS_NOTE=
  start_extras
  stage_done "${EXTRAS_NOTE:-none}"

  stage resources
  BASCULE_OS_PASSWORD=$PW BASCULE_OS_EXTRAS="$(extras_wanted)" BASCULE_OS_DATA=$STATE/data /usr/bin/python3 "$E2E_OS_DIR/lib/bootstrap.py" resources \
    >> "$LOGS/bootstrap.log" 2>&1 || { tail -20 "$LOGS/bootstrap.log"; false; }
  write_clouds_yaml
  stage_done

  local total=$(( $(now) - T_ALL ))
  echo "$(date -u +%FT%TZ) total ${total}s" >> "$TIMINGS"
  say "OpenStack is up in ${total}s. Daemons (PID files in $RUN):"
  local name
  for name in "${SERVICES[@]}" $(extra_daemons $(extras_wanted)); do
    printf '  %-23s %s\n' "$name" "$(service_pid "$name")"
  done
  say "clouds admin, src, dst, dst2 in $STATE/clouds.yaml"
  echo "$STATE/clouds.yaml"
}
main "$@"
