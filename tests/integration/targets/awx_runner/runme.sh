#!/usr/bin/env bash
# playbooks/renew.yml as an AWX job: ansible-runner runs it from a private data directory with the environment the
# credential type in extensions/awx injects, against the sandbox (../../integration_config.yml); awx_job.py checks
# the renewal and that no password reaches the job's artifacts. See the docstring of awx_job.py.
set -eux -o pipefail

# The sandbox's control client comes from the collection under test, importable from the first collections path.
PYTHONPATH="${ANSIBLE_COLLECTIONS_PATH%%:*}${PYTHONPATH:+:$PYTHONPATH}" python awx_job.py ../../integration_config.yml "${OUTPUT_DIR}"
