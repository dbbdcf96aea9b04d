#!/usr/bin/env bash
# CI check: the committed bundle in ChatService/wwwroot is exactly what web/ builds from its sources.
# Run from anywhere; needs npm registry access for `npm ci`.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --loglevel=error
npm run --silent build
cd ..
if ! git diff --exit-code --stat -- ChatService/wwwroot || [ -n "$(git ls-files --others --exclude-standard -- ChatService/wwwroot)" ]; then
  echo "ChatService/wwwroot does not match web/: run 'npm run build' in web/ and commit the result." >&2
  exit 1
fi
echo "bundle matches its sources"
