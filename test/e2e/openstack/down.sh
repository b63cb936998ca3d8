#!/bin/bash
# Stop Bascule's end-to-end cloud: exactly the daemons up.sh recorded (and their descendants, collected
# before any signal). The OpenStack services get SIGTERM together, then the infrastructure one by one
# (rabbitmq, epmd, memcached, mariadb); whatever still runs 30 s after its SIGTERM gets SIGKILL.
# Never kills by name. Data is kept (databases, images, volumes, objects): the next up.sh starts them again in
# about a minute.
#
#   down.sh                          everything
#   down.sh extras                   only the extra services (Swift, Octavia, Designate)
#   down.sh swift|octavia|designate  only that extra service (several may be named)
set -uo pipefail
SCRIPT_TAG=down
source "$(dirname "$0")/lib/common.sh"
[[ $(id -u) == 0 ]] || die "down.sh must run as root"
ONLY=()
for arg in "$@"; do
  case $arg in
    extras) ONLY+=("${EXTRAS_ALL[@]}") ;;
    swift | octavia | designate) ONLY+=("$arg") ;;
    *) die "unknown argument '$arg' (usage: down.sh [extras | swift | octavia | designate ...])" ;;
  esac
done
take_machine_lock
T0=$(now)
mkdir -p "$STATE"

# stop_group NAME...: SIGTERM to each recorded daemon, then wait for every process of their trees
stop_group() {
  local name pid p i t0 left
  local -A tree=() root=()
  for name in "$@"; do
    [[ -f $RUN/$name.pid ]] || continue
    if ! service_running "$name"; then rm -f "$RUN/$name.pid"; continue; fi
    pid=$(service_pid "$name")
    root[$name]=$pid
    tree[$name]=$(pid_tree "$pid" | tr '\n' ' ')
    kill -TERM "$pid" 2>/dev/null
  done
  t0=$(now)
  for ((i = 0; i < 60 && ${#tree[@]} > 0; i++)); do
    for name in "${!tree[@]}"; do
      left=0
      for p in ${tree[$name]}; do pid_alive "$p" && left=1; done
      if ((left == 0)); then
        say "stopped $name (pid ${root[$name]}) in $(( $(now) - t0 ))s"
        rm -f "$RUN/$name.pid"; unset "tree[$name]"
      fi
    done
    ((${#tree[@]})) && sleep 0.5
  done
  for name in "${!tree[@]}"; do
    for p in ${tree[$name]}; do
      pid_alive "$p" && { say "$name: pid $p still alive 30s after SIGTERM, SIGKILL"; kill -KILL "$p" 2>/dev/null; }
    done
    rm -f "$RUN/$name.pid"
  done
}

if ((${#ONLY[@]})); then
  # shellcheck disable=SC2046
  stop_group $(extra_daemons "${ONLY[@]}")
  say "${ONLY[*]} down in $(( $(now) - T0 ))s"
  echo "$(date -u +%FT%TZ) down ${ONLY[*]} $(( $(now) - T0 ))s" >> "$STATE/timings.txt"
  exit 0
fi

# every OpenStack service at once, the extra ones too (they only lose their connections), then the
# infrastructure in order
# shellcheck disable=SC2046
stop_group $(extra_daemons "${EXTRAS_ALL[@]}") nova-compute nova-api nova-scheduler nova-conductor cinder-volume cinder-scheduler cinder-api \
           neutron-server glance-api placement keystone
for name in rabbitmq epmd memcached mariadb; do stop_group "$name"; done
# anything recorded that is not in the lists (an older layout)
for f in "$RUN"/*.pid; do [[ -e $f ]] && stop_group "$(basename "$f" .pid)"; done
# the bind mount standing in for the NFS share
for mp in $(awk '$2 ~ "^/var/lib/cinder/mnt/" {print $2}' /proc/mounts); do umount "$mp" && say "unmounted $mp"; done
say "down in $(( $(now) - T0 ))s"
echo "$(date -u +%FT%TZ) down $(( $(now) - T0 ))s" >> "$STATE/timings.txt"
