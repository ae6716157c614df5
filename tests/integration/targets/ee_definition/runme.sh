#!/usr/bin/env bash
# meta/execution-environment.yml through ansible-builder: the build context it generates (no image is built; that
# needs a container engine) has the documented base image, Python, ansible-core and ansible-runner, and carries the
# collection's Python requirements into the build.
set -eux -o pipefail

collection="${ANSIBLE_COLLECTIONS_PATH%%:*}/ansible_collections/autodns/ssl"
context="${OUTPUT_DIR}/ee-context"
rm -rf "$context"
(cd "$collection" && ansible-builder create -f meta/execution-environment.yml --context "$context" --output-filename Containerfile -v3)
python check_context.py "$collection" "$context" "${OUTPUT_DIR}"
