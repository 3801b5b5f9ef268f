#!/usr/bin/env bash
# Builds the two Lambda packages the stack deploys: a self-contained, ReadyToRun linux-x64 publish of
# Api and Worker, each with its apphost renamed to `bootstrap` (what provided.al2023 runs).
#
#   Cdk/build-functions.sh [output-dir]      default output: Cdk/dist/{api,worker}
#
# Native AOT is not used: the .NET 10 ILCompiler pack is missing from the registry here. The code is
# trim/AOT-clean, so switching is a publish flag away (-p:PublishAot=true) once it exists.
set -euo pipefail

cdk_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_dir="$(dirname "$cdk_dir")"
out_root="${1:-$cdk_dir/dist}"
configuration="${CONFIGURATION:-Release}"

publish() {
  local name="$1" project="$2" assembly="$3"
  local out="$out_root/$name"
  rm -rf "$out"
  echo "==> publishing $project -> $out"
  dotnet publish "$repo_dir/$project" \
    --configuration "$configuration" \
    --runtime linux-x64 \
    --self-contained true \
    -p:PublishReadyToRun=true \
    --output "$out"
  # The apphost finds its managed entry (<assembly>.dll) by the name baked in at build time, so the
  # executable itself can be renamed to what the custom runtime starts.
  if [[ ! -f "$out/$assembly" ]]; then
    echo "error: $out/$assembly was not produced (AssemblyName changed?)" >&2
    exit 1
  fi
  mv "$out/$assembly" "$out/bootstrap"
  chmod 755 "$out/bootstrap"
  echo "    $(du -sh "$out" | cut -f1) in $out"
}

publish api Api/AppSyncChat.Api.csproj bootstrap-api
publish worker Worker/AppSyncChat.Worker.csproj bootstrap-worker
