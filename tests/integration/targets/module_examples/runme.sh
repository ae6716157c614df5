#!/usr/bin/env bash
# Runs the EXAMPLES of the API modules as written, against the sandbox seeded with the demo data
# (www.example.com and shop.example.com, 20 days before expiry). The examples take their connection
# from the variables autodns_api_url, autodns_username and autodns_password, or from AUTODNS_* variables.
set -eux -o pipefail

python make_playbook.py ../../integration_config.yml api_check certificate_info certificate_prepare certificate_renew poll > "${OUTPUT_DIR}/examples.yml"
ansible-playbook -i localhost, -c local -e "ansible_python_interpreter=$(command -v python)" "${OUTPUT_DIR}/examples.yml" "$@"
