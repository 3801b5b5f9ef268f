#!/usr/bin/env bash
# Installs a Node folder's dependencies exactly from its lock file (npm ci), only when the lock file
# changed since the last install. Usage: scripts/npm-ensure.sh DIR...
set -euo pipefail
for dir in "$@"; do
  stamp="$dir/node_modules/.appsyncchat-installed-lock.json"
  if [ -f "$stamp" ] && cmp -s "$dir/package-lock.json" "$stamp"; then
    continue
  fi
  echo "npm ci in $dir" >&2
  npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
  cp "$dir/package-lock.json" "$stamp"
done
