#!/usr/bin/env bash
# The demo: start the sandbox API with two certificates that expire in 20 days, one at the end of its paid term
# (renewed, a new term is paid) and one in the middle of a 24-month term (reissued at no cost), install both on two
# local hosts with the role autodns.ssl.certificate_renewal, print a summary, and stop the sandbox.
# Uses $VENV/bin when VENV is set, else python and ansible-playbook from PATH. Without ANSIBLE_COLLECTIONS_PATH
# the collection is staged into build/ first.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here="$root/tests/utils"
if [ -n "${VENV:-}" ]; then
  export PATH="$VENV/bin:$PATH"
fi

if [ -z "${ANSIBLE_COLLECTIONS_PATH:-}" ]; then
  collection=$(bash "$here/stage.sh")
  export ANSIBLE_COLLECTIONS_PATH="$root/build"
else
  collection=$root
fi

# shellcheck source=tests/utils/sandbox.sh
source "$here/sandbox.sh"
trap stop_sandbox EXIT
start_sandbox "$collection" --seed subscriptions

output="$root/build/demo"
rm -rf "$output"
mkdir -p "$output"
echo "Sandbox API at $SANDBOX_URL; installing into $output"

cd "$collection"
ansible-playbook -i playbooks/demo_inventory.yml playbooks/demo.yml \
  -e "demo_api_url=$SANDBOX_URL" -e "demo_output_dir=$output"

python - "$output/result.json" "$root" "$SANDBOX_CONTROL" <<'SUMMARY'
import json
import os
import sys
import urllib.request

with open(sys.argv[1], encoding="utf-8") as handle:
    result = json.load(handle)
with urllib.request.urlopen(sys.argv[3] + "/counters", timeout=30) as answer:
    counters = json.load(answer)
ORDER_WORDS = {"renew": "renewed for a new paid term", "reissue": "reissued within the paid term, at no cost"}
print()
print("Summary")
for certificate in result["certificates"]:
    print(f"  {certificate['name']}")
    if certificate["failed"]:
        print(f"    FAILED: {certificate['msg']}")
        continue
    if certificate["renewed"]:
        print(f"    {ORDER_WORDS[certificate['order']]}: serial {certificate['previous_serial_number']} -> {certificate['serial_number']}")
    else:
        print(f"    not renewed: serial {certificate['serial_number']}")
    print(f"    expires {certificate['expire']} ({certificate['days_remaining']} days)")
    for host, paths in sorted(certificate["changed_files"].items()):
        for path in paths:
            print(f"    wrote {host}:{os.path.relpath(path, sys.argv[2])}")
paid = sum(counters["orders"].values())
free = sum(counters["reissues"].values())
print(f"Orders at AutoDNS: {paid} paid renewal(s), {free} free reissue(s)")
SUMMARY
