#!/usr/bin/env bash
# Copy the collection into build/ansible_collections/autodns/ssl, the layout ansible-test and ansible-lint need.
# Only files git tracks or would track are copied, so local clutter never reaches the tests.
# Usage: stage.sh [BUILD_DIR]   (default: build/ in the checkout)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
stage="${1:-$root/build}/ansible_collections/autodns/ssl"
rm -rf "$stage"
mkdir -p "$stage"
cd "$root"
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' file; do
  [ -e "$file" ] || continue
  mkdir -p "$stage/$(dirname "$file")"
  cp -p "$file" "$stage/$file"
done
cd "$stage"
git init -q
git add -A
echo "$stage"
