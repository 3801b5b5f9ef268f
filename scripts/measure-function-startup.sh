#!/usr/bin/env bash
# Compares the two ways of building the Lambda packages: ReadyToRun (self-contained) and Native AOT.
# For each it reports the package size (unzipped and zipped, as Lambda stores it) and the time from process
# start to the first `GET /runtime/invocation/next` of the Api and Worker bootstraps, each run out of process
# against the Local Runtime API server (tests/Local.Tests ExternalFunctionProcessTests, which also check that
# every start answers its test invocations).
#
#   scripts/measure-function-startup.sh [work-dir]     default work dir: /tmp/appsyncchat-function-startup
#   STARTS=20          starts per package (fresh process and Runtime API server each; the median is reported)
#   SKIP_PUBLISH=1     reuse packages already in work-dir/{r2r,aot}
#
# Publishing both ways takes several minutes on 2 cores (Native AOT compiles and links natively), which is why
# this is a script and not part of ./test.sh. Run it on a quiet machine: every figure includes CPU contention.
set -euo pipefail

repo_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${1:-/tmp/appsyncchat-function-startup}"
starts="${STARTS:-20}"
export AWS_EC2_METADATA_DISABLED=true
mkdir -p "$work"

for build in r2r aot; do
  if [[ "${SKIP_PUBLISH:-}" != 1 || ! -x "$work/$build/worker/bootstrap" ]]; then
    FUNCTION_BUILD="$build" "$repo_dir/Cdk/build-functions.sh" "$work/$build"
  fi
done

echo "==> building tests/Local.Tests"
dotnet build "$repo_dir/tests/Local.Tests" -clp:ErrorsOnly > /dev/null

zipped_size() {
  python3 - "$1" <<'PY'
import io, os, sys, zipfile
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
    for root, _, files in os.walk(sys.argv[1]):
        for f in files:
            path = os.path.join(root, f)
            z.write(path, os.path.relpath(path, sys.argv[1]))
print(len(buf.getvalue()))
PY
}

mb() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1048576 }'; }

echo
echo "Package sizes"
for build in r2r aot; do
  for fn in api worker; do
    dir="$work/$build/$fn"
    printf '  %-4s %-7s %s unzipped, %s zipped (%s files)\n' "$build" "$fn" \
      "$(mb "$(du -sb "$dir" | cut -f1)")" "$(mb "$(zipped_size "$dir")")" "$(find "$dir" -type f | wc -l)"
  done
done

echo
echo "Process start -> first poll ($starts starts each; load average: $(cut -d' ' -f1-3 /proc/loadavg))"
for build in r2r aot; do
  APPSYNCCHAT_FUNCTION_PACKAGES="$work/$build" APPSYNCCHAT_FUNCTION_STARTS="$starts" \
    dotnet test "$repo_dir/tests/Local.Tests" --no-build \
      --filter "FullyQualifiedName~ExternalFunctionProcessTests" \
      --logger "console;verbosity=detailed" > "$work/$build-test.log" 2>&1 \
    || { echo "error: the $build packages failed their test invocations; see $work/$build-test.log" >&2; exit 1; }
  grep -o '[a-z]* (.*): process start -> first poll.*' "$work/$build-test.log" | sed "s|^|  $build |"
done
