#!/usr/bin/env bash
# playbooks/report.yml against the sandbox (../../integration_config.yml): report_job.py seeds certificates with
# different expiries, runs the playbook as a user would, and checks the table in its output and the metrics file.
set -eux -o pipefail

python report_job.py ../../integration_config.yml "${OUTPUT_DIR}" "$@"
