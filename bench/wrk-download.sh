#!/usr/bin/env bash
# Bounded side-by-side download load: esp-ota serve vs nginx (sendfile off) on the same image file,
# with wrk (Debian package). Whole file and 64 KiB ranges, at 20 and 200 connections, DURATION each,
# ROUNDS times, ours and nginx back to back in each round (the machine is shared: compare within a
# round, not across runs); prints each round's ratio, the median ratio per case and the load average.
#   [NGINX_WORKERS=auto] [WARMUP=20s] bench/wrk-download.sh [DURATION=5s] [ROUNDS=3]
# nginx runs a master and NGINX_WORKERS worker processes (auto: one per core, as Kestrel uses every core;
# 1 gives the single-process figure). WARMUP per case lets the server's tiered JIT settle under load.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-5s}
rounds=${2:-3}
command -v wrk >/dev/null || { apt-get update && apt-get install -y wrk; }
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || { apt-get update && apt-get install -y nginx-light; }
work=$(mktemp -d /tmp/espota-wrk.XXXXXX)
dotnet build src/EspOta.Cli -c Release -v q >/dev/null
cli=src/EspOta.Cli/bin/Release/net10.0/esp-ota.dll
export ESP_OTA_API_KEY=bench-key
dotnet "$cli" serve --data "$work/data" --urls http://127.0.0.1:0 --allow-http --json > "$work/serve.json" 2>"$work/serve.err" &
server_pid=$!
nginx_pid=""
cleanup() { kill "$server_pid" 2>/dev/null || true; [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
# Startup can take tens of seconds while other builds load the machine.
for _ in $(seq 1200); do [ -s "$work/serve.json" ] && break; sleep 0.1; done
[ -s "$work/serve.json" ] || { echo "esp-ota serve did not start" >&2; exit 1; }
url=$(sed 's/.*"urls":\["\([^"]*\)".*/\1/' "$work/serve.json")
# The largest vector app image, uploaded through the API so that it lands content-addressed in images/.
image=${IMAGE:-/work/shared/vectors/images/app_desc_secure_version_7.bin}
sha=$(curl -s -H "X-Api-Key: $ESP_OTA_API_KEY" -H 'Content-Type: application/octet-stream' --data-binary @"$image" "$url/api/firmware" | sed 's/.*"sha256":"\([0-9a-f]*\)".*/\1/')
port=$(shuf -i 20000-60000 -n 1)
mkdir -p "$work/nginx"
# Workers run as the master's user (as root, nginx would switch them to nobody, who cannot read $work).
cat > "$work/nginx/nginx.conf" <<CONF
$([ "$(id -u)" = 0 ] && echo "user root;")
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
worker_processes ${NGINX_WORKERS:-auto};
events { worker_connections 4096; }
http {
  access_log off; sendfile off; default_type application/octet-stream;
  client_body_temp_path $work/nginx/b; proxy_temp_path $work/nginx/p; fastcgi_temp_path $work/nginx/f; uwsgi_temp_path $work/nginx/u; scgi_temp_path $work/nginx/s;
  server { listen 127.0.0.1:$port; location ~ "^/api/updates/firmware/([0-9a-f]{64})\$" { etag off; add_header ETag "\"\$1\"" always; alias $work/data/images/\$1.bin; } }
}
CONF
/usr/sbin/nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -g "daemon off;" &
nginx_pid=$!
sleep 0.5
# Both must serve the image's own bytes, whole and ranged, or the figures compare an error page.
for u in "$url" "http://127.0.0.1:$port"; do
  got=$(curl -sf "$u/api/updates/firmware/$sha" | sha256sum | cut -d' ' -f1)
  [ "$got" = "$sha" ] || { echo "$u did not serve the image (sha256 $got)" >&2; exit 1; }
  [ "$(curl -sf -H 'Range: bytes=0-65535' "$u/api/updates/firmware/$sha" | wc -c)" = 65536 ] || { echo "$u did not serve the range" >&2; exit 1; }
done
cat > "$work/range.lua" <<'LUA'
wrk.headers["Range"] = "bytes=0-65535"
LUA
rps() { wrk -t2 -c"$1" -d"$duration" ${3:+-s "$3"} "$2" | awk '/Requests\/sec/ {print $2}'; }
echo "image: $image ($(stat -c %s "$image") bytes), sha256 $sha"
# Warm-up: the server's JIT (tiered compilation) settles before anything is measured.
warmup=${WARMUP:-20s}
wrk -t2 -c200 -d"$warmup" "$url/api/updates/firmware/$sha" >/dev/null
wrk -t2 -c200 -d"$warmup" -s "$work/range.lua" "$url/api/updates/firmware/$sha" >/dev/null
wrk -t2 -c20 -d2s "http://127.0.0.1:$port/api/updates/firmware/$sha" >/dev/null
echo "nginx worker processes: $(pgrep -c -P "$nginx_pid" || echo 0) (master $nginx_pid)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-14s %6s %12s %12s %8s %s\n' case round esp-ota nginx ratio load1
declare -A ratios
for c in 20 200; do
  for kind in whole range; do
    script=""; [ "$kind" = range ] && script="$work/range.lua"
    for r in $(seq "$rounds"); do
      ours=$(rps "$c" "$url/api/updates/firmware/$sha" "$script")
      theirs=$(rps "$c" "http://127.0.0.1:$port/api/updates/firmware/$sha" "$script")
      ratio=$(echo "$ours / $theirs" | bc -l)
      ratios["$kind c=$c"]+="$ratio "
      printf '%-14s %6s %12s %12s %8.2f %s\n' "$kind c=$c" "$r" "$ours" "$theirs" "$ratio" "$(cut -d' ' -f1 /proc/loadavg)"
    done
  done
done
echo "median ratio (esp-ota / nginx, sendfile off):"
for k in "whole c=20" "range c=20" "whole c=200" "range c=200"; do
  printf '  %-14s %6.2f\n' "$k" "$(echo ${ratios[$k]} | tr ' ' '\n' | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}')"
done
# Server CPU per 1-byte Range request (user + system time of the process(es) over a wrk run / requests).
cat > "$work/byte.lua" <<'LUA'
wrk.headers["Range"] = "bytes=0-0"
LUA
ticks() { local t=0; for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo "$t"; }
cpu_per_request() {  # url pids...
  local u=$1; shift
  local before; before=$(ticks "$@")
  local n; n=$(wrk -t2 -c20 -d"$duration" -s "$work/byte.lua" "$u" | awk '/requests in/ {print $1}')
  local after; after=$(ticks "$@")
  echo "($after - $before) * 1000000 / $(getconf CLK_TCK) / $n" | bc -l
}
nginx_workers=$(pgrep -P "$nginx_pid" | tr '\n' ' ')
printf 'server CPU per 1-byte Range request (c=20), µs:\n'
for r in $(seq "$rounds"); do
  ours=$(cpu_per_request "$url/api/updates/firmware/$sha" "$server_pid")
  # shellcheck disable=SC2086
  theirs=$(cpu_per_request "http://127.0.0.1:$port/api/updates/firmware/$sha" $nginx_workers)
  printf '  round %s  esp-ota %6.1f  nginx %6.1f  ratio %5.2f\n' "$r" "$ours" "$theirs" "$(echo "$ours / $theirs" | bc -l)"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
