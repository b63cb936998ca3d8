# shellcheck shell=bash
# Shared by up.sh, down.sh and status.sh: paths, logging, and the process records.
#
# Where things live:
#   $STATE (test/e2e/openstack/state/, gitignored)  logs/, timings.txt, clouds.yaml, data/ of the checkout that ran up.sh
#   $MACHINE (/var/lib/bascule-openstack/)           what belongs to the machine, not to a checkout:
#       run/<name>.pid   "PID STARTTIME" of every daemon up.sh started (down.sh stops exactly those)
#       password         the one password of this local test cloud (mode 0600, never printed)
#       fingerprint      what the running daemons were configured with (fast path of a second up.sh)
#       dbsync.done      package versions the databases were last migrated for (skip no-op db syncs)
# The daemons, their databases and /etc are machine-wide, so their records are too: a second checkout
# (CI's fresh clone, another helper) reuses the running cloud instead of fighting over its ports.

E2E_OS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE=${BASCULE_OS_STATE:-$E2E_OS_DIR/state}
LOGS=$STATE/logs
MACHINE=${BASCULE_OS_MACHINE:-/var/lib/bascule-openstack}
RUN=$MACHINE/run
IP=127.0.0.1
# Debian's interpreter and tools, never the pyenv shims that shadow /usr/bin/python3 here (REPORT.md gotcha 1).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export LC_ALL=C.UTF-8
while read -r v; do [[ -n $v ]] && unset "$v"; done < <(compgen -e | grep '^OS_' || true)

# The daemons, in start order. down.sh stops them in reverse.
SERVICES=(mariadb memcached epmd rabbitmq keystone glance-api placement neutron-server
          nova-api nova-conductor nova-scheduler nova-compute cinder-api cinder-scheduler cinder-volume)

# The extra services (lib/extras.sh) and their daemons, in start order. BASCULE_OS_EXTRAS picks the services:
# unset = all three, "none" = none, or a list such as "swift designate".
EXTRAS_ALL=(swift octavia designate)
EXTRA_DAEMONS_swift=(swift-object swift-container swift-account swift-container-updater swift-object-updater
                     swift-proxy)
EXTRA_DAEMONS_octavia=(octavia-api octavia-worker octavia-health-manager octavia-housekeeping octavia-fake-heartbeat)
EXTRA_DAEMONS_designate=(designate-central designate-mdns designate-worker designate-producer designate-api)
extras_wanted() {
  local want=${BASCULE_OS_EXTRAS-${EXTRAS_ALL[*]}} s
  [[ $want == none ]] && return 0
  for s in $want; do
    [[ " ${EXTRAS_ALL[*]} " == *" $s "* ]] || die "BASCULE_OS_EXTRAS: unknown service '$s' (swift, octavia, designate or none)"
  done
  echo $want
}
extra_daemons() { # SERVICE...: their daemons
  local s ref
  for s in "$@"; do ref="EXTRA_DAEMONS_$s[@]"; printf '%s\n' "${!ref}"; done
}

say() { printf '[%s %s] %s\n' "${SCRIPT_TAG:-e2e-openstack}" "$(date -u +%H:%M:%S)" "$*"; }
die() { say "ERROR: $*" >&2; exit 1; }
now() { date +%s; }

# stat field 3 is the state letter, field 22 the start time in clock ticks (after the "(comm)" field).
proc_field() { local s f; s=$(cat /proc/"$1"/stat 2>/dev/null) || return 1; read -r -a f <<<"${s##*) }"; echo "${f[$2 - 1]}"; }
# A PID is ours if it exists, is not a zombie (PID 1 here reaps late, REPORT.md gotcha 4), and started when recorded.
pid_alive() { local st; st=$(proc_field "$1" 1) || return 1; [[ -n $st && $st != Z ]]; }
record_pid() { mkdir -p "$RUN"; echo "$2 $(proc_field "$2" 20)" > "$RUN/$1.pid"; }
recorded_pid() { local f=$RUN/$1.pid pid start; [[ -f $f ]] || return 1; read -r pid start < "$f"; echo "$pid ${start:-}"; }
service_running() {
  local rec pid start
  rec=$(recorded_pid "$1") || return 1
  read -r pid start <<<"$rec"
  pid_alive "$pid" || return 1
  [[ -z $start || $(proc_field "$pid" 20) == "$start" ]]
}
service_pid() { local rec; rec=$(recorded_pid "$1") || return 1; echo "${rec%% *}"; }
# The PID and all its descendants, read before any signal is sent.
pid_tree() { local p=$1 c; echo "$p"; for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do pid_tree "$c"; done; }

# One up.sh or down.sh at a time on this machine (helpers and CI may call them at the same moment).
# up.sh holds the lock while it calls down.sh, which then does not ask for it again.
take_machine_lock() {
  [[ ${BASCULE_OS_LOCKED:-} == 1 ]] && return 0
  mkdir -p "$MACHINE"
  exec 9> "$MACHINE/lock"
  if ! flock -n 9; then
    say "another up.sh or down.sh is running on this machine: waiting for it (up to 15 minutes)"
    flock -w 900 9 || die "still locked after 15 minutes: $MACHINE/lock"
  fi
  export BASCULE_OS_LOCKED=1
}
