#!/bin/bash
# Stop Bascule's end-to-end cloud: exactly the daemons up.sh recorded (and their descendants, collected
# before any signal), API and workers first, infrastructure last. Never kills by name. Data is kept
# (databases, images, volumes): the next up.sh starts them again in about a minute.
set -uo pipefail
SCRIPT_TAG=down
source "$(dirname "$0")/lib/common.sh"
[[ $(id -u) == 0 ]] || die "down.sh must run as root"
take_machine_lock
T0=$(now)

stop_daemon() {
  local name=$1 pid tree p i left
  [[ -f $RUN/$name.pid ]] || return 0
  if ! service_running "$name"; then rm -f "$RUN/$name.pid"; return 0; fi
  pid=$(service_pid "$name")
  tree=$(pid_tree "$pid" | tr '\n' ' ')
  kill -TERM "$pid" 2>/dev/null
  for ((i = 0; i < 60; i++)); do
    left=0
    for p in $tree; do pid_alive "$p" && left=1; done
    ((left)) || break
    sleep 0.5
  done
  for p in $tree; do
    if pid_alive "$p"; then say "$name: pid $p still alive after 30s, SIGKILL"; kill -KILL "$p" 2>/dev/null; fi
  done
  rm -f "$RUN/$name.pid"
  say "stopped $name (pid $pid)"
}

for ((k = ${#SERVICES[@]} - 1; k >= 0; k--)); do stop_daemon "${SERVICES[$k]}"; done
# anything recorded that is not in the list (an older layout)
for f in "$RUN"/*.pid; do [[ -e $f ]] && stop_daemon "$(basename "$f" .pid)"; done
# the bind mount standing in for the NFS share
for mp in $(awk '$2 ~ "^/var/lib/cinder/mnt/" {print $2}' /proc/mounts); do umount "$mp" && say "unmounted $mp"; done
rm -f "$MACHINE/fingerprint"
say "down in $(( $(now) - T0 ))s"
