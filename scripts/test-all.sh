#!/bin/bash
# The whole test suite, as `npm run test:all` (and CI) runs it:
#   1. npm run postgres:up the test PostgreSQL of test/postgres/ (installs postgresql-15 the first time; needs
#                          root); the unit suite's PostgreSQL tests need it and fail when it is absent
#   2. npm test            typecheck, lint, build, unit and simulator tests
#   3. npm run openstack:up the real OpenStack of test/e2e/openstack/ (installs it the first time; needs root)
#   4. npm run test:e2e    the end-to-end suite against it
# Every stage runs even when an earlier one failed (except the e2e suite, which needs the cloud), each prints
# its duration, and the last line is the sum of both vitest runs, exactly:
#   tests: N passed, N failed[, N skipped]
# The exit status is non-zero when anything failed.
#
# Environment: BASCULE_E2E_CLOUDS (default test/e2e/openstack/state/clouds.yaml) is passed to the e2e suite;
# BASCULE_TEST_RESULTS is where the vitest JSON reports go (default: a fresh temporary folder).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
export BASCULE_E2E_CLOUDS=${BASCULE_E2E_CLOUDS:-$ROOT/test/e2e/openstack/state/clouds.yaml}
RESULTS=${BASCULE_TEST_RESULTS:-$(mktemp -d -t bascule-tests.XXXXXX)}
mkdir -p "$RESULTS"
export BASCULE_E2E_RUN_ID="test-all-$$-$(date +%s)"

say() { printf '\n[test-all %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
SUMMARY=()
STAGE_FAILURES=0   # stages that failed without a vitest report to say how many tests failed
T_ALL=$(date +%s)

# run_stage NAME REPORT|- CMD...: runs CMD, records its duration and status
run_stage() {
  local name=$1 report=$2 t0 rc; shift 2
  [[ $report == - ]] || rm -f "$report"
  say "stage $name: $*"
  t0=$(date +%s)
  "$@"; rc=$?
  local took=$(( $(date +%s) - t0 ))
  SUMMARY+=("$(printf '%-14s %5ss  %s' "$name" "$took" "$([[ $rc == 0 ]] && echo ok || echo "FAILED (exit $rc)")")")
  say "stage $name: ${took}s, exit $rc"
  if [[ $rc != 0 && ( $report == - || ! -s $report ) ]]; then STAGE_FAILURES=$((STAGE_FAILURES + 1)); fi
  return $rc
}

VITEST_REPORT=(--reporter=default --reporter=json)
# The unit stage runs even when PostgreSQL did not come up: its PostgreSQL tests then fail, loudly.
run_stage postgres-up - npm run postgres:up || say "PostgreSQL did not come up: its tests will fail (log: /var/lib/bascule-postgres/log/)"
run_stage unit "$RESULTS/unit.json" npm test -- "${VITEST_REPORT[@]}" "--outputFile.json=$RESULTS/unit.json"
if run_stage openstack-up - npm run openstack:up; then
  run_stage e2e "$RESULTS/e2e.json" npm run test:e2e -- "${VITEST_REPORT[@]}" "--outputFile.json=$RESULTS/e2e.json"
else
  say "the e2e suite was not run: the cloud did not come up (logs: test/e2e/openstack/state/logs/)"
fi

say "durations"
printf '  %s\n' "${SUMMARY[@]}"
printf '  %-14s %5ss\n' total $(( $(date +%s) - T_ALL ))
say "vitest reports in $RESULTS"

# Sum the vitest JSON reports. A report whose run failed without a failed test (a file that did not load)
# counts its failed files instead, so a broken run can never read as green.
node --input-type=module - "$STAGE_FAILURES" "$RESULTS/unit.json" "$RESULTS/e2e.json" <<'EOF'
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
const [stageFailures, ...files] = process.argv.slice(2);
let passed = 0, failed = Number(stageFailures), skipped = 0;
const failures = [];
const firstLine = (text) => String(text ?? 'no message').split('\n')[0].slice(0, 200);
for (const file of files) {
  if (!existsSync(file)) continue;
  const r = JSON.parse(readFileSync(file, 'utf8'));
  passed += r.numPassedTests ?? 0;
  skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  const failedTests = r.numFailedTests ?? 0;
  failed += failedTests > 0 || r.success !== false ? failedTests : Math.max(1, r.numFailedTestSuites ?? 0);
  // Name what failed, so the end of the output (all CI keeps) says which tests to look at.
  for (const suite of r.testResults ?? []) {
    const where = relative(process.cwd(), suite.name ?? '');
    const bad = (suite.assertionResults ?? []).filter((t) => t.status === 'failed');
    for (const t of bad) failures.push(`${where} > ${t.fullName ?? t.title}`);
    if (bad.length === 0 && suite.status === 'failed') failures.push(`${where} (did not run: ${firstLine(suite.message)})`);
  }
}
if (failures.length > 0) {
  console.log(`failed (${failures.length}):`);
  for (const f of failures) console.log(`  ${f}`);
}
if (stageFailures !== '0') console.log(`(${stageFailures} stage(s) failed before any test could report: counted as failures)`);
console.log(`tests: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
EOF
