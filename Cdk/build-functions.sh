#!/usr/bin/env bash
# Builds the two Lambda packages the stack deploys: a Native AOT linux-x64 publish of Api and Worker, each
# a single native executable renamed to `bootstrap` (what provided.al2023 runs).
#
#   Cdk/build-functions.sh [output-dir]      default output: Cdk/dist/{api,worker}
#   FUNCTION_BUILD=r2r Cdk/build-functions.sh /tmp/r2r
#                                            the previous self-contained ReadyToRun build, for comparison
#
# Trim and AOT analysis warnings fail the build (TreatWarningsAsErrors, IlcTreatWarningsAsErrors; one warning
# per call site, not one per assembly). The native debug symbols (`bootstrap.dbg`) go to <output>/symbols,
# not into the package. Native AOT links against the build machine's glibc: the script refuses a binary that
# needs a glibc symbol newer than 2.34, the glibc of provided.al2023.
set -euo pipefail

cdk_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_dir="$(dirname "$cdk_dir")"
out_root="${1:-$cdk_dir/dist}"
configuration="${CONFIGURATION:-Release}"
build="${FUNCTION_BUILD:-aot}"
max_glibc="2.34"

case "$build" in
  aot) mode_flags=(-p:PublishAot=true -p:IlcTreatWarningsAsErrors=true) ;;
  r2r) mode_flags=(--self-contained true -p:PublishReadyToRun=true) ;;
  *) echo "error: FUNCTION_BUILD must be aot or r2r, not '$build'" >&2; exit 2 ;;
esac

check_glibc() {
  local binary="$1"
  command -v objdump > /dev/null || { echo "    (objdump not found: glibc symbol versions not checked)"; return 0; }
  local newest
  newest="$(objdump -T "$binary" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1)"
  if [[ -n "$newest" && "$(printf '%s\n%s\n' "$newest" "$max_glibc" | sort -V | tail -1)" != "$max_glibc" ]]; then
    echo "error: $binary needs glibc $newest; provided.al2023 has $max_glibc. Build on an older glibc." >&2
    exit 1
  fi
  echo "    needs glibc <= ${newest:-?} (provided.al2023: $max_glibc)"
}

publish() {
  local name="$1" project="$2" assembly="$3"
  local out="$out_root/$name"
  rm -rf "$out"
  echo "==> publishing $project ($build) -> $out"
  dotnet publish "$repo_dir/$project" \
    --configuration "$configuration" \
    --runtime linux-x64 \
    -p:TreatWarningsAsErrors=true \
    -p:TrimmerSingleWarn=false \
    "${mode_flags[@]}" \
    --output "$out"
  # The executable is renamed to what the custom runtime starts. (A ReadyToRun apphost finds its managed
  # entry, <assembly>.dll, by the name baked in at build time, so renaming it is safe too.)
  if [[ ! -f "$out/$assembly" ]]; then
    echo "error: $out/$assembly was not produced (AssemblyName changed?)" >&2
    exit 1
  fi
  mv "$out/$assembly" "$out/bootstrap"
  chmod 755 "$out/bootstrap"
  # Not needed at run time: XML docs, managed symbols, and (AOT) the native symbols, kept beside the package.
  rm -f "$out"/*.xml "$out"/*.pdb
  if [[ -f "$out/$assembly.dbg" ]]; then
    mkdir -p "$out_root/symbols"
    mv "$out/$assembly.dbg" "$out_root/symbols/$name.bootstrap.dbg"
  fi
  if [[ "$build" == aot ]]; then
    check_glibc "$out/bootstrap"
  fi
  echo "    $(du -sh "$out" | cut -f1) in $out"
}

publish api Api/AppSyncChat.Api.csproj bootstrap-api
publish worker Worker/AppSyncChat.Worker.csproj bootstrap-worker
