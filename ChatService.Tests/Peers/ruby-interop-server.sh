#!/usr/bin/env bash
# Runs the official gRPC Ruby interop server (shipped by Debian's ruby-grpc
# package) bound to 127.0.0.1 instead of 0.0.0.0, without TLS.
#
# Usage: bash ruby-interop-server.sh PORT
#
# The packaged server.rb is copied to a temporary directory, its
# require_relative paths are made absolute (they point into the installed gem)
# and its bind address is rewritten; the copy then replaces this shell.
# RB may be set to another directory holding the interop server.rb.
set -euo pipefail

if [ $# -ne 1 ] || ! [[ "$1" =~ ^[0-9]+$ ]]; then
  echo "usage: bash $0 PORT" >&2
  exit 2
fi
port="$1"

RB="${RB:-/usr/lib/x86_64-linux-gnu/rubygems-integration/3.1.0/gems/grpc-1.51.1/src/ruby/pb/test}"
if [ ! -f "$RB/server.rb" ]; then
  echo "Ruby interop server not found at $RB/server.rb (apt-get install ruby-grpc)" >&2
  exit 1
fi
pb_dir="$(cd "$RB/.." && pwd)"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/ruby-interop-server.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

# require_relative '../src/...' -> require '<pb_dir>/src/...'
# The $LOAD_PATH set-up at the top of server.rb derives lib/ and pb/ from the
# script's own directory, so those are rewritten to the gem's directories too.
sed \
  -e "s#require_relative '\.\./#require '${pb_dir}/#" \
  -e "s#^this_dir = .*#this_dir = '${RB}'#" \
  -e "s#0\.0\.0\.0#127.0.0.1#g" \
  "$RB/server.rb" > "$tmp/server.rb"

if ! grep -q "127.0.0.1:" "$tmp/server.rb" || grep -q "require_relative" "$tmp/server.rb"; then
  echo "could not rewrite $RB/server.rb (unexpected layout)" >&2
  exit 1
fi

# Ruby reads the whole script when it starts, so the copy can be removed
# shortly after the exec below; a detached sleeper does that (its stdio is
# closed so it never holds the caller's pipes open).
trap - EXIT
( sleep 10; rm -rf "$tmp" ) </dev/null >/dev/null 2>&1 &
disown
exec ruby "$tmp/server.rb" "--port=${port}" --use_tls=false
