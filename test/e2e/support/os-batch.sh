# Sourced by the e2e seed scripts (never run): many `openstack` commands in ONE process. A cold start of the CLI costs
# 2-4 s on this machine (Python start-up, then a token); a batch of 20 commands through its interactive mode, fed on
# stdin, hardly more than one command. Needs OS_CLIENT_CONFIG_FILE set (the caller's clouds.yaml).
#
#   os_batch CLOUD < commands   run the commands (one a line, without `openstack`) as CLOUD; stdout is their output,
#                               in order. The interactive mode goes on after a failed command and exits 0, so its
#                               stderr is checked: any failed command fails the batch (status 1, the errors on stderr).
#   bq WORD                     WORD quoted for a batch line: the interactive mode splits a line twice (shlex, then
#                               again after joining the arguments with spaces), so a word with spaces is quoted twice.
#                               WORD must hold no quote.
#   json_docs                   the JSON documents on stdin (what a batch of `... -f json` commands printed, one after
#                               the other) as one JSON list, in order
#   jq_py EXPR                  evaluate EXPR over the JSON on stdin (bound to d), print each item of the resulting list

os_batch() {
  local cloud=$1 err rc=0
  err=$(mktemp)
  OS_CLOUD=$cloud openstack 2> "$err" || rc=$?
  if ((rc != 0)) || grep -q 'Error while executing command\|is not an openstack command\|EXCEPTION of type\|error: \|^usage: ' "$err"; then
    printf 'openstack batch (%s) failed (exit %s): %s\n' "$cloud" "$rc" \
      "$(grep -m3 'Error\|not an openstack\|EXCEPTION\|error: ' "$err" || tail -3 "$err")" >&2
    rm -f "$err"
    return 1
  fi
  rm -f "$err"
}

bq() {
  case $1 in
    *\'* | *\"*) printf 'bq: a quote in %s\n' "$1" >&2; return 1 ;;
  esac
  printf "\"'%s'\"" "$1"
}

json_docs() {
  /usr/bin/python3 -c '
import json, sys
text, decoder, at, docs = sys.stdin.read(), json.JSONDecoder(), 0, []
while True:
    while at < len(text) and text[at].isspace():
        at += 1
    if at >= len(text):
        break
    doc, at = decoder.raw_decode(text, at)
    docs.append(doc)
print(json.dumps(docs))'
}

jq_py() { /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); [print(x) for x in ($1)]"; }
