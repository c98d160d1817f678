#!/bin/bash
# The Redis replay store against the in-process table (issue 20): starts a
# redis-server (unix socket and a loopback port, no persistence) in a
# temporary directory, runs bench/replay_bench COUNT times over both
# addresses, prints the markdown table, and stops the server.
# Usage: bench/replay_redis.sh [BUILD_DIR] [COUNT]   (defaults build, 4000)
set -eu
build=${1:-build}
count=${2:-4000}
dir=$(mktemp -d /tmp/mcsec-replay-bench-XXXXXX)
port=$((21000 + $$ % 20000))
redis-server --port "$port" --bind 127.0.0.1 --unixsocket "$dir/redis.sock" --dir "$dir" \
    --save "" --appendonly no --loglevel warning >"$dir/redis.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 50); do
    redis-cli -s "$dir/redis.sock" ping 2>/dev/null | grep -q PONG && break
    sleep 0.1
done
echo "redis-server $(redis-server --version | grep -o 'v=[0-9.]*'), $(nproc) CPU(s), $count EARs per store"
"$build/bench/replay_bench" "$count" "$dir/redis.sock" "$pid" "127.0.0.1:$port" "$pid"
