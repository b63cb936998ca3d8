#!/bin/bash
# Show each recorded daemon of the end-to-end cloud: PID, running or not, resident memory of its process tree.
set -uo pipefail
SCRIPT_TAG=status
source "$(dirname "$0")/lib/common.sh"
total=0; down=0
printf '%-23s %8s %-8s %8s\n' service pid state rss_mib
# the base daemons, then the extra ones that are wanted or recorded (BASCULE_OS_EXTRAS, lib/extras.sh)
# shellcheck disable=SC2046
for name in "${SERVICES[@]}" $(extra_daemons "${EXTRAS_ALL[@]}"); do
  if [[ " ${SERVICES[*]} " != *" $name "* && ! -f $RUN/$name.pid ]]; then
    wanted=0
    for s in $(extras_wanted); do [[ " $(extra_daemons "$s" | tr '\n' ' ') " == *" $name "* ]] && wanted=1; done
    ((wanted)) || continue
  fi
  pid=$(service_pid "$name" 2>/dev/null || echo -)
  if service_running "$name"; then
    kb=0
    for p in $(pid_tree "$pid"); do
      r=$(awk '/^VmRSS/ {print $2}' /proc/"$p"/status 2>/dev/null); kb=$((kb + ${r:-0}))
    done
    total=$((total + kb)); printf '%-23s %8s %-8s %8d\n' "$name" "$pid" running $((kb / 1024))
  else
    down=$((down + 1)); printf '%-23s %8s %-8s %8s\n' "$name" "$pid" stopped -
  fi
done
printf '%-23s %8s %-8s %8d\n' total '' '' $((total / 1024))
[[ -f $STATE/clouds.yaml ]] && echo "clouds.yaml: $STATE/clouds.yaml"
exit $((down > 0))
