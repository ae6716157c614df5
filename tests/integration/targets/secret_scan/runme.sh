#!/usr/bin/env bash
# The role and every module that takes the API password, at -vvvv against the sandbox, with two distinctive passwords
# (the SSL Manager user and the zone user) and a private key (key_src); scan.py then looks for them in the complete
# output, the results and the sandbox's request log. The shell does not trace: the passwords must not reach any log.
set -eu -o pipefail

eval "$(python scan.py setup ../../integration_config.yml "${OUTPUT_DIR}")"
# The playbook's own failure is reported after the scan: a failed run must not leak either.
status=0
ansible-playbook -vvvv -i inventory.yml -e @../../integration_config.yml -e "@${OUTPUT_DIR}/seeded.yml" -e "output_dir=${OUTPUT_DIR}" \
  playbook.yml "$@" > "${OUTPUT_DIR}/output.log" 2>&1 || status=$?
python scan.py scan ../../integration_config.yml "${OUTPUT_DIR}"
if [ "$status" -ne 0 ]; then
  tail -n 60 "${OUTPUT_DIR}/output.log"
  echo "The playbook failed with status $status"
  exit "$status"
fi
