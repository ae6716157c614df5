#!/usr/bin/env bash
# playbooks/report.yml against the sandbox (../../integration_config.yml): report_job.py seeds certificates with
# different expiries, runs the playbook as a user would, and checks the table in its output and the metrics file.
set -eux -o pipefail

# The sandbox's control client comes from the collection under test, importable from the first collections path.
PYTHONPATH="${ANSIBLE_COLLECTIONS_PATH%%:*}${PYTHONPATH:+:$PYTHONPATH}" python report_job.py ../../integration_config.yml "${OUTPUT_DIR}" "$@"
