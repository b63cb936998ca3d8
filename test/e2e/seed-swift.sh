#!/bin/bash
# Seed the source project's object storage (cloud `src`, project bascule-src). test/e2e/object-storage.test.ts calls
# it (and removes what it seeded afterwards); seed-source.sh is to call it with one line once the whole-seed tests
# (apply, audit) have run on the real cloud with containers in the seed. Skips
# cleanly (exit 0) when the cloud's catalog has no object-store. Swift's own API through curl with a token of the
# `openstack` CLI (never Bascule; the swift CLI does not read clouds.yaml). Idempotent: a container that exists is
# kept as it is. The names below are what test/e2e/object-storage.test.ts expects: change both together.
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

if exists seed-files; then
  say "container seed-files exists: kept as it is"
  exit 0
fi
sw -X PUT "$URL/seed-files-versions" -o /dev/null
sw -X PUT "$URL/seed-files_segments" -o /dev/null
sw -X PUT "$URL/seed-files" -o /dev/null -H 'X-Container-Meta-Owner: seed' -H 'X-Container-Read: .r:*,.rlistings' \
  -H 'X-Versions-Location: seed-files-versions'
head -c 1000 /dev/urandom | base64 > "$TMP/small.txt"
sw -X PUT "$URL/seed-files/small.txt" -o /dev/null -H 'Content-Type: text/plain' --data-binary "@$TMP/small.txt"
head -c 1000 /dev/urandom | base64 > "$TMP/small.txt"
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
say "created containers seed-files (small, zero-byte, SLO and DLO objects), seed-files_segments, seed-files-versions"
