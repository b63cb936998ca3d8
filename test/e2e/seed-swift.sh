#!/bin/bash
# Seed the source project's object storage (cloud `src`, project bascule-src). test/e2e/object-storage.test.ts calls
# it (and removes what it seeded afterwards); seed-source.sh is to call it with one line once the whole-seed tests
# (apply, audit) have run on the real cloud with containers in the seed. Skips
# cleanly (exit 0) when the cloud's catalog has no object-store. Swift's own API through curl with a token of the
# `openstack` CLI (never Bascule; the swift CLI does not read clouds.yaml). Idempotent: a complete seed (every object
# below listed) is kept as it is; an incomplete one (a clean-up cut short, a run killed while seeding) is removed and
# made again, never kept as it is. It ends only when Swift lists and counts what it seeded (a bounded wait: Swift
# updates a container's listing and counters after the object PUT, later when the container server is busy).
# The names below are what test/e2e/object-storage.test.ts expects: change both together.
#
#   container seed-files: metadata owner=seed, read ACL .r:*,.rlistings, versions kept in seed-files-versions,
#     objects small.txt (1,336 bytes, written twice: its first version is in seed-files-versions, metadata kind=small),
#     empty (0 bytes), big.bin (a static large object: 2 MiB + 5,000 bytes in 3 segments in seed-files_segments),
#     movie (a dynamic large object over seed-files_segments/dlo/)
#   container seed-files_segments: the segments (big.bin/000..002, dlo/0, dlo/1)
#   container seed-files-versions
set -euo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
while read -r v; do [[ -n $v ]] && unset "$v"; done < <(compgen -e | grep '^OS_' || true)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export OS_CLIENT_CONFIG_FILE=${BASCULE_E2E_CLOUDS:-$ROOT/test/e2e/openstack/state/clouds.yaml}
say() { printf '[seed-swift %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
os() { openstack --os-cloud src "$@"; }

if ! os catalog show object-store -f value > /dev/null 2>&1; then
  say "no object-store in the catalog of cloud src: object storage not seeded"
  exit 0
fi
URL=$(os catalog show object-store -f json | /usr/bin/python3 -c \
  'import json,sys; print([e["url"] for e in json.load(sys.stdin)["endpoints"] if e["interface"] == "public"][0])')
TOKEN=$(os token issue -f value -c id)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# the token goes to curl in a header file, never on a command line
printf 'X-Auth-Token: %s\n' "$TOKEN" > "$TMP/auth"
sw() { curl -sS -f -H @"$TMP/auth" "$@"; }
exists() { curl -s -o /dev/null -w '%{http_code}' -I -H @"$TMP/auth" "$URL/$1" | grep -q '^20'; }
# "<listed objects> <listed bytes> <counted objects>" of a container: its listing, and its HEAD's object count (its
# X-Container-Bytes-Used counts a static large object's manifest, not the object's size that the listing gives)
state() {
  local listed counted
  listed=$(sw "$URL/$1?format=json" | /usr/bin/python3 -c \
    'import json,sys; rows=json.load(sys.stdin); print(len(rows), sum(r["bytes"] for r in rows))')
  counted=$(curl -sS -f -I -H @"$TMP/auth" "$URL/$1" | tr -d '\r' | awk -F': ' \
    'tolower($1)=="x-container-object-count"{print $2}')
  echo "$listed $counted"
}
names() { sw "$URL/$1" | sort | tr '\n' ' '; }
# What the seed holds once Swift has caught up: the objects and bytes of each container, listed and counted alike
# (small.txt 1,336 + empty 0 + big.bin 2 x 1 MiB + 5,000 + movie 0; two versions of small.txt: one kept aside).
declare -A WANT=(
  [seed-files]="4 2103488 4"
  [seed-files_segments]="5 2102175 5"
  [seed-files-versions]="1 1336 1"
)
declare -A NAMES=(
  [seed-files]="big.bin empty movie small.txt "
  [seed-files_segments]="big.bin/000 big.bin/001 big.bin/002 dlo/0 dlo/1 "
)
# Removes the seed's containers (only these three): versioning off first, or deleting an object of seed-files
# would restore its previous version (the clean-up cut short that once left seed-files with small.txt alone).
unseed() {
  local c o round
  for c in seed-files seed-files_segments seed-files-versions; do
    exists "$c" || continue
    sw -X POST "$URL/$c" -o /dev/null -H 'X-Remove-Versions-Location: x' -H 'X-Remove-History-Location: x'
    for round in 1 2 3 4 5 6 7 8 9 10; do
      for o in $(sw "$URL/$c"); do curl -sS -o /dev/null -X DELETE -H @"$TMP/auth" "$URL/$c/$o"; done
      [[ $(curl -s -o /dev/null -w '%{http_code}' -X DELETE -H @"$TMP/auth" "$URL/$c") =~ ^(204|404)$ ]] && break
      ((round < 10)) || { say "ERROR: container $c could not be removed (409 after 10 rounds)" >&2; exit 1; }
      sleep "$round"
    done
  done
}

seed() {
  sw -X PUT "$URL/seed-files-versions" -o /dev/null
  sw -X PUT "$URL/seed-files_segments" -o /dev/null
  sw -X PUT "$URL/seed-files" -o /dev/null -H 'X-Container-Meta-Owner: seed' -H 'X-Container-Read: .r:*,.rlistings' \
    -H 'X-Versions-Location: seed-files-versions'
  head -c 1000 /dev/urandom | base64 -w0 > "$TMP/small.txt"
  sw -X PUT "$URL/seed-files/small.txt" -o /dev/null -H 'Content-Type: text/plain' --data-binary "@$TMP/small.txt"
  head -c 1000 /dev/urandom | base64 -w0 > "$TMP/small.txt"
  sw -X PUT "$URL/seed-files/small.txt" -o /dev/null -H 'Content-Type: text/plain' -H 'X-Object-Meta-Kind: small' \
    --data-binary "@$TMP/small.txt"
  sw -X PUT "$URL/seed-files/empty" -o /dev/null --data-binary ''
  manifest='['
  for i in 0 1 2; do
    if ((i < 2)); then head -c 1048576 /dev/urandom > "$TMP/seg"; else head -c 5000 /dev/urandom > "$TMP/seg"; fi
    etag=$(md5sum "$TMP/seg" | cut -d' ' -f1)
    sw -X PUT "$URL/seed-files_segments/big.bin/00$i" -o /dev/null -H "ETag: $etag" --data-binary "@$TMP/seg"
    manifest+="{\"path\": \"/seed-files_segments/big.bin/00$i\", \"etag\": \"$etag\", \"size_bytes\": $(stat -c %s "$TMP/seg")},"
  done
  manifest="${manifest%,}]"
  sw -X PUT "$URL/seed-files/big.bin?multipart-manifest=put" -o /dev/null -H 'Content-Type: application/octet-stream' \
    --data-binary "$manifest"
  printf 'first half, ' > "$TMP/d0"
  printf 'second half' > "$TMP/d1"
  sw -X PUT "$URL/seed-files_segments/dlo/0" -o /dev/null --data-binary "@$TMP/d0"
  sw -X PUT "$URL/seed-files_segments/dlo/1" -o /dev/null --data-binary "@$TMP/d1"
  sw -X PUT "$URL/seed-files/movie" -o /dev/null -H 'X-Object-Manifest: seed-files_segments/dlo/' --data-binary ''
}

# Complete: the three containers hold the seeded objects, listed and counted (an older seed of other sizes is not).
complete() {
  local c
  for c in seed-files seed-files_segments seed-files-versions; do exists "$c" || return 1; done
  [[ $(names seed-files) == "${NAMES[seed-files]}" && $(names seed-files_segments) == "${NAMES[seed-files_segments]}" ]] ||
    return 1
  for c in seed-files seed-files_segments seed-files-versions; do [[ $(state "$c") == "${WANT[$c]}" ]] || return 1; done
}
if complete; then
  say "container seed-files exists with every seeded object: kept as it is"
else
  if exists seed-files; then
    say "container seed-files exists but lists [$(names seed-files)] ($(state seed-files): objects and bytes" \
      "listed, objects counted): not the seed, removed and made again"
  fi
  unseed
  seed
fi
# Wait (bounded) until each container's listing and counters show what was seeded.
for c in seed-files seed-files_segments seed-files-versions; do
  for i in $(seq 1 60); do
    got=$(state "$c")
    [[ $got == "${WANT[$c]}" ]] && break
    if ((i == 60)); then
      say "ERROR: Swift still lists and counts \"$got\" in container $c 60 s after the seed, not \"${WANT[$c]}\"" \
        "(objects and bytes listed, objects counted): see test/e2e/openstack/state/logs/swift-*.out" >&2
      exit 1
    fi
    sleep 1
  done
done
say "containers seed-files (small, zero-byte, SLO and DLO objects), seed-files_segments, seed-files-versions:" \
  "listed and counted as seeded"
