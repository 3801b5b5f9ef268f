#!/usr/bin/env bash
# Runs every test of the repository: unit, conformance (official AWS clients against our emulators),
# integration (against the Local stack) and CDK assertion tests. Installs what it needs (NuGet restore,
# npm ci for the Node parts) and exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")"

# No test may reach beyond loopback: never let the AWS credential chain probe the EC2 metadata address.
export AWS_EC2_METADATA_DISABLED=true
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

command -v node >/dev/null || { echo "test.sh: Node.js 20 or newer is required (node is not on PATH)." >&2; exit 2; }
command -v dotnet >/dev/null || { echo "test.sh: the .NET 10 SDK is required (dotnet is not on PATH)." >&2; exit 2; }

# The browser tests drive Debian's Chromium (never a downloaded browser). CI runs this as root without a
# terminal: install it non-interactively when it is missing.
if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "test.sh: installing chromium (apt-get) for the browser tests" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium </dev/null >/dev/null
  else
    echo "test.sh: the browser tests need Chromium at /usr/bin/chromium (apt-get install chromium) or CHROMIUM_PATH." >&2
    exit 2
  fi
fi

scripts/npm-ensure.sh Local/sidecar tests/conformance web/client tests/browser

dotnet build AppSyncChat.sln --nologo -clp:ErrorsOnly

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
dotnet test AppSyncChat.sln --no-build --nologo --blame-hang-timeout 10m "$@" 2>&1 | tee "$log" || status=$?

# The TypeScript client (vitest), then the browser tests (headless Chromium against their own Local stack,
# which builds the web app when its sources changed).
npm test --prefix web/client --silent -- --reporter=dot 2>&1 | tee -a "$log" || status=$?
npm test --prefix tests/browser --silent 2>&1 | tee -a "$log" || status=$?

# One closing line for the whole run: the last result line of each test assembly, summed (dotnet test
# can print an assembly's result line more than once), plus vitest's and node --test's totals.
awk '/^ *Tests +[0-9]/ {
       for (i = 1; i <= NF; i++) {
         if ($i ~ /^passed/) vp += $(i - 1); if ($i ~ /^failed/) vf += $(i - 1); if ($i ~ /^skipped/) vs += $(i - 1)
       }
     }
     /^# pass [0-9]+$/ { np += $3 } /^# fail [0-9]+$/ { nf += $3 } /^# skipped [0-9]+$/ { ns += $3 }
     /^(Passed|Failed)!/ {
       f = p = s = 0
       for (i = 1; i <= NF; i++) {
         if ($i == "Failed:") f = $(i + 1); if ($i == "Passed:") p = $(i + 1); if ($i == "Skipped:") s = $(i + 1)
       }
       F[$NF " " $(NF - 1)] = f + 0; P[$NF " " $(NF - 1)] = p + 0; S[$NF " " $(NF - 1)] = s + 0
     }
     END {
       tp = vp + np; tf = vf + nf; ts = vs + ns
       for (k in P) { tp += P[k]; tf += F[k]; ts += S[k] }
       printf "Tests: %d passed, %d failed, %d skipped\n", tp, tf, ts
     }' "$log"
exit "$status"
