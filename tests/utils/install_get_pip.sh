#!/usr/bin/env bash
# Put the offline pip bootstrap stand-in where ansible-test looks for its cached download,
# unless a real download is already cached there.
set -euo pipefail
python=${1:-python}
here=$(cd "$(dirname "$0")" && pwd)
source_file=$("$python" -c 'import ansible_test._internal.python_requirements as m; print(m.__file__)')
pip_version=$(grep -oE "pip='[0-9.]+'" "$source_file" | head -n 1 | cut -d"'" -f2)
cache="$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
if [ ! -s "$cache" ]; then
  mkdir -p "$(dirname "$cache")"
  cp "$here/offline_get_pip.py" "$cache"
  echo "Installed offline pip bootstrap stand-in at $cache"
fi
