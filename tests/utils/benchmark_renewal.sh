#!/usr/bin/env bash
# Measures how the role's renewal time grows with the number of due certificates, against the sandbox.
# Each job takes JOB_SECONDS at the sandbox's CA, as a slow real CA would; the role orders all certificates
# first and then waits for all jobs together, so N certificates should take about the time of one plus
# the API's rate limit (3 requests per second) for the extra requests. After the last count it runs the same
# certificates once more, when nothing is due any more: the cost of the daily run that renews nothing. Last, the last
# count again where the poll messages carry the whole issued certificate.
#   Usage: benchmark_renewal.sh [COUNT ...]      (default: 1 2 4)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here="$root/tests/utils"
export PATH="${VENV:-$root/.venv}/bin:$PATH"
job_seconds=${JOB_SECONDS:-20}
counts=("${@:-1 2 4}")
read -r -a counts <<< "${counts[*]}"

collection=$(bash "$here/stage.sh" "$root/build/benchmark")
export ANSIBLE_COLLECTIONS_PATH="$root/build/benchmark"
# shellcheck source=tests/utils/sandbox.sh
source "$here/sandbox.sh"
work=$(mktemp -d)
trap 'stop_sandbox; rm -rf "$work"' EXIT
start_sandbox "$collection"

control() {
  python - "$SANDBOX_CONTROL" "$@" <<'PY'
import json
import sys
import urllib.request

base, method, path = sys.argv[1:4]
body = json.dumps(json.loads(sys.argv[4]) if len(sys.argv) > 4 else {}).encode() if method != "GET" else None
request = urllib.request.Request(base + path, data=body, method=method, headers={"Content-Type": "application/json"})
with urllib.request.urlopen(request, timeout=30) as answer:
    print(answer.read().decode())
PY
}

# The run's API requests by method and path (numbers replaced by N), to see where the requests go.
request_kinds() {
  control GET /log | python -c '
import collections, json, re, sys
entries = json.load(sys.stdin)[int(sys.argv[1]):]
kinds = collections.Counter(entry["method"] + " " + re.sub(r"/\d+", "/N", entry["path"]) for entry in entries)
print(", ".join(f"{kind} {count}" for kind, count in kinds.most_common()))' "$1"
}

cat > "$work/inventory.yml" <<INVENTORY
bench:
  hosts:
    bench-host:
      ansible_connection: local
      ansible_python_interpreter: "$(command -v python)"
INVENTORY

run_role() {
  local label=$1 started elapsed counters orders requests
  started=$(date +%s.%N)
  AUTODNS_API_URL=$SANDBOX_URL AUTODNS_USERNAME=ssl-user AUTODNS_PASSWORD=ssl-password AUTODNS_CONTEXT=9 \
    ansible-playbook -i "$work/inventory.yml" "$collection/playbooks/renew.yml" -e autodns_ssl_hosts=bench \
    -e "{\"certificate_renewal_certificates\": $certificates}" > "$work/run-$label.log" 2>&1 \
    || { cat "$work/run-$label.log"; exit 1; }
  elapsed=$(python -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$started" "$(date +%s.%N)")
  counters=$(control GET /counters)
  orders=$(python -c "import json, sys; print(sum(json.loads(sys.argv[1])['orders'].values()) - int(sys.argv[2]))" "$counters" "$orders_before")
  requests=$(python -c "import json, sys; print(json.loads(sys.argv[1])['requests'] - int(sys.argv[2]))" "$counters" "$requests_before")
  printf '%-22s %-10s %-8s %-14s %s\n' "$label" "$elapsed" "$orders" "$requests" "$(request_kinds "$requests_before")"
  orders_before=$((orders_before + orders))
  requests_before=$((requests_before + requests))
}

# Seeds COUNT due certificates, with the poll messages of ended jobs carrying POLL_OBJECT_DATA (sandbox setting), and runs the role.
measure() {
  local count=$1 poll_object_data=$2 label=$3
  control POST /reset > /dev/null
  control PUT /settings "{\"job_running_seconds\": $job_seconds, \"poll_object_data\": \"$poll_object_data\"}" > /dev/null
  control POST /zones '{"origin": "example.com", "owner": {"user": "zone-user", "context": 4}, "provisioning": true}' > /dev/null
  certificates="["
  for index in $(seq 1 "$count"); do
    control POST /certificates "{\"name\": \"c$index.example.com\", \"owner\": {\"user\": \"ssl-user\", \"context\": 9}, \"days_remaining\": 20}" > /dev/null
    certificates+="{\"name\": \"c$index.example.com\", \"fullchain_path\": \"$work/c$index.pem\"},"
  done
  certificates="${certificates%,}]"
  orders_before=0
  requests_before=0
  run_role "$label"
}

printf '%-22s %-10s %-8s %-14s %s\n' certificates seconds orders api_requests 'requests by kind'
for count in "${counts[@]}"; do
  measure "$count" summary "$count"
done
run_role "${counts[-1]}, nothing due"
# Whether the poll message of an ended job carries the whole issued certificate is not documented; where it does, the
# role installs it without reading it again. The last count once more, under that variant.
measure "${counts[-1]}" certificate "${counts[-1]}, whole in message"
