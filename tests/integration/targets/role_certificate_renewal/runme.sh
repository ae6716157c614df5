#!/usr/bin/env bash
# The role against the sandbox, on two local hosts. ansible-test puts the sandbox's address into
# ../../integration_config.yml; each playbook resets the sandbox and seeds its own data.
set -eux -o pipefail

run() {
  ansible-playbook -i inventory.yml -e @../../integration_config.yml -e "output_dir=${OUTPUT_DIR}" "$@"
}

run test_renew.yml "$@"
run test_subscriptions.yml -e id_policy=new "$@"
run test_subscriptions.yml -e id_policy=same "$@"
run test_check_setup.yml "$@"
run test_check_run.yml --check --diff "$@" | tee "${OUTPUT_DIR}/check.log"
# --diff shows the file that would change, and only that one.
grep -q "+++ after: ${OUTPUT_DIR}/web2/later.example.com.crt" "${OUTPUT_DIR}/check.log"
if grep "+++ after: ${OUTPUT_DIR}/web1/" "${OUTPUT_DIR}/check.log"; then exit 1; fi
run test_failure.yml "$@"
run test_key_mismatch.yml "$@"
run test_key_rotation.yml "$@"
run test_parallel.yml "$@"
run test_dns_methods.yml "$@"
run test_bad_input.yml "$@"
