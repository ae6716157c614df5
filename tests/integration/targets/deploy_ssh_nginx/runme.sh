#!/usr/bin/env bash
# The role deploys over SSH to two hosts, into the directories of their nginx sites; a handler reloads nginx, and
# autodns.ssl.endpoint_check proves that nginx serves the renewed certificate. The sshd and nginx on loopback come from
# tests/utils/servers.sh, started by tests/utils/run_tests.sh, which puts their ports and paths into
# ../../integration_config.yml beside the sandbox's address.
set -eux -o pipefail

if ! grep -q '^deploy_sshd_port:' ../../integration_config.yml; then
  echo "This target needs the sshd and nginx that tests/utils/run_tests.sh starts: bash tests/utils/run_tests.sh integration deploy_ssh_nginx" >&2
  exit 1
fi

run() {
  ansible-playbook -i inventory.yml -e @../../integration_config.yml -e "output_dir=${OUTPUT_DIR}" "$@"
}

run test_deploy.yml "$@"
run test_check_setup.yml "$@"
run test_check_run.yml --check --diff "$@" | tee "${OUTPUT_DIR}/check.log"
# --diff shows the file that would change, and only that one.
grep -q "+++ after: .*/sites/ssh2/cert.pem" "${OUTPUT_DIR}/check.log"
if grep "+++ after: .*/sites/ssh1/" "${OUTPUT_DIR}/check.log"; then exit 1; fi
run test_endpoint_problems.yml "$@"
run test_verify_mismatch.yml "$@"
