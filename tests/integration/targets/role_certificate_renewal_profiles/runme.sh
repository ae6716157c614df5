#!/usr/bin/env bash
# The role's slow-job scenario (test_pending.yml of the role's target) under several sandbox behaviour profiles, one for
# each way the real API may behave where its documentation is silent: together they cover every variant of job_search,
# poll_detail, poll_object_data, ended_job_info, dcv_layout and id_policy. A target of its own, so that it runs beside the other targets.
set -eux -o pipefail
cd ../role_certificate_renewal

run() {
  ansible-playbook -i inventory.yml -e @../../integration_config.yml -e "output_dir=${OUTPUT_DIR}" "$@"
}

run test_pending.yml -e '{"profile": {"job_search": "active", "poll_detail": "full", "poll_object_data": "certificate", "ended_job_info": "not_found", "dcv_layout": "flat", "id_policy": "new"}}' "$@"
run test_pending.yml -e '{"profile": {"job_search": "all", "poll_detail": "minimal", "poll_object_data": "certificate", "ended_job_info": "refused", "dcv_layout": "nested", "id_policy": "same"}}' "$@"
run test_pending.yml -e '{"profile": {"job_search": "active", "poll_detail": "minimal", "poll_object_data": "summary", "ended_job_info": "refused", "dcv_layout": "flat", "id_policy": "new"}}' "$@"
