#!/usr/bin/env bash
# The collection against every ansible-core it supports: 2.16 to 2.19 on Python 3.11, 2.20 and 2.21 on Python 3.12
# (ansible-core 2.20 needs Python 3.12 or later). For each version a virtual environment in build/matrix/VERSION/venv
# (kept between runs, rebuilt when the requirements change) gets ansible-core~=VERSION.0 and the collection's test
# requirements; the collection is staged into build/matrix/VERSION/stage, and ansible-test runs sanity, units and
# then the role's integration targets there, each role target in its own staged copy against its own sandbox, both at
# once. Logs go to build/matrix/VERSION/STEP.log. Prints a table version x step and fails if any step failed.
#
# Usage: test_matrix.sh [--short] [VERSION...]
#   --short   only the unit tests, on the oldest and the newest version (2.16 and 2.21) unless versions are given
# Interpreters: PYTHON_3_11 / PYTHON_3_12 if set, else pyenv's 3.11.x / 3.12.x, else python3.11 / python3.12 on PATH.
# shellcheck disable=SC2317  # the steps are functions that run_step calls through "$@"
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here="$root/tests/utils"
matrix="$root/build/matrix"
export ANSIBLE_NOCOLOR=1

short=false
if [ "${1:-}" = "--short" ]; then
  short=true
  shift
fi
if [ "$#" -gt 0 ]; then
  versions=("$@")
elif $short; then
  versions=(2.16 2.21)
else
  versions=(2.16 2.17 2.18 2.19 2.20 2.21)
fi
ROLE_TARGETS=(role_certificate_renewal role_certificate_renewal_profiles)
if $short; then
  steps=(units)
else
  steps=(sanity units "${ROLE_TARGETS[@]}")
fi

# shellcheck source=tests/utils/sandbox.sh
source "$here/sandbox.sh"

python_version_for() {
  case "$1" in
    2.16 | 2.17 | 2.18 | 2.19) echo 3.11 ;;
    *) echo 3.12 ;;
  esac
}

interpreter_for() {
  local minor=$1 variable candidate found=
  variable="PYTHON_${minor//./_}"
  if [ -n "${!variable:-}" ]; then
    echo "${!variable}"
    return
  fi
  for candidate in "${PYENV_ROOT:-$HOME/.pyenv}/versions/$minor".*/bin/python; do
    [ -x "$candidate" ] && found=$candidate
  done
  if [ -n "$found" ]; then
    echo "$found"
  else
    command -v "python$minor"
  fi
}

# The test requirements without the tools that pin their own ansible-core (ansible-lint, antsibull-*, ansible-runner,
# ansible-builder) and without the ansible-core of the main test command.
requirements_file() {
  local file=$1
  {
    cat "$root/requirements.txt" "$root/tests/unit/requirements.txt" "$root/tests/integration/requirements.txt"
    grep -vE '^(ansible-core|ansible-lint|antsibull-|ansible-runner|ansible-builder)' "$root/tests/requirements.txt"
  } | sed -e 's/#.*//' -e '/^[[:space:]]*$/d' | sort -u > "$file"
}

# A virtual environment for one version, kept while the interpreter and the requirements stay the same.
setup() {
  local version=$1 python=$2 venv=$3 requirements stamp
  requirements="$matrix/$version/requirements.txt"
  requirements_file "$requirements"
  stamp="$("$python" --version 2>&1) $python ansible-core~=$version.0 $(sha256sum "$requirements" | cut -d' ' -f1)"
  if [ -f "$venv/.installed" ] && [ "$(cat "$venv/.installed")" = "$stamp" ]; then
    echo "Using the cached $venv ($(cat "$venv/.installed"))"
  else
    rm -rf "$venv"
    "$python" -m venv "$venv" || return 1
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "ansible-core~=$version.0" -r "$requirements" || return 1
    echo "$stamp" > "$venv/.installed"
  fi
  "$venv/bin/ansible" --version | sed -n 1p
  bash "$here/install_get_pip.sh" "$venv/bin/python"
}

# One role target in a staged copy of its own, against a sandbox of its own, as run_tests.sh's integration_lane.
role_target() {
  local target=$1 python_version=$2 lane_stage
  lane_stage=$(bash "$here/stage.sh" "$matrix/$version/lane-$target") || return 1
  (
    cd "$lane_stage" || exit 1
    start_sandbox "$lane_stage" || exit 1
    trap stop_sandbox EXIT
    sandbox_integration_config > tests/integration/integration_config.yml
    ANSIBLE_COLLECTIONS_PATH="$matrix/$version/lane-$target" \
      ansible-test integration --local --python "$python_version" --color no "$target"
  )
}

# The line of a log that says what went wrong: the first sanity error at a file and line; else the last failed task
# that was not ignored (the one that ended the run), with its name, assertion and message; else the first failed unit
# test; else the first error line.
first_error() {
  {
    grep -m 1 -E '^ERROR: [^ ]+:[0-9]+:' "$1" ||
      awk '
        function field(name) { return match(body, "\"" name "\": \"([^\"\\\\]|\\\\.)*\"") ? substr(body, RSTART, RLENGTH) " " : "" }
        /^TASK \[/ { task = $0 }
        /^\.\.\.ignoring/ { last = kept }
        collecting { body = body " " $0; if ($0 ~ /^}/) { collecting = 0; last = head field("assertion") field("msg") } next }
        /^(fatal|failed): \[/ {
          kept = last
          head = task " " substr($0, 1, index($0, " => "))
          body = $0
          if ($0 ~ /=> \{$/) { collecting = 1 } else { last = head field("assertion") field("msg") }
        }
        END { if (last == "") exit 1; print last }' "$1" ||
      grep -m 1 -E '^FAILED ' "$1" ||
      grep -m 1 -E '^(ERROR|FATAL)|FAILED!|^E   |Traceback' "$1"
  } | cut -c 1-400
}

# Runs one step, logs it to build/matrix/VERSION/STEP.log and notes "STEP RESULT SECONDS" in build/matrix/VERSION/results
# (a file, because the steps run in subshells and background jobs).
run_step() {
  local step=$1 log="$matrix/$version/$1.log" started=$SECONDS outcome
  shift
  if "$@" > "$log" 2>&1; then
    outcome=passed
  else
    outcome=failed
  fi
  echo "$step $outcome $((SECONDS - started))" >> "$matrix/$version/results"
  echo "  $version $step: $outcome in $((SECONDS - started)) s (${log#"$root"/})"
}

# Each ansible-test run creates this key when it is missing; parallel runs on a new machine would race for it.
if [ ! -f "$HOME/.ansible/test/id_rsa" ]; then
  mkdir -p "$HOME/.ansible/test"
  ssh-keygen -m PEM -q -t rsa -N '' -f "$HOME/.ansible/test/id_rsa"
fi

for version in "${versions[@]}"; do
  started=$SECONDS
  python_version=$(python_version_for "$version")
  venv="$matrix/$version/venv"
  mkdir -p "$matrix/$version"
  rm -f "$matrix/$version/results"
  echo "ansible-core $version on Python $python_version"
  python=$(interpreter_for "$python_version")
  if [ -z "$python" ]; then
    run_step setup false
    echo "No Python $python_version found" > "$matrix/$version/setup.log"
  else
    run_step setup setup "$version" "$python" "$venv"
  fi
  if grep -q '^setup passed' "$matrix/$version/results"; then
    (
      export PATH="$venv/bin:$PATH"
      export ANSIBLE_COLLECTIONS_PATH="$matrix/$version/stage"
      stage=$(bash "$here/stage.sh" "$matrix/$version/stage") || exit 1
      cd "$stage" || exit 1
      for step in "${steps[@]}"; do
        case "$step" in
          sanity) run_step sanity ansible-test sanity --local --python "$python_version" --color no ;;
          units) run_step units ansible-test units --local --python "$python_version" --color no --num-workers 2 ;;
        esac
      done
      # The role targets mostly wait for the sandbox's jobs and run beside each other, but not beside sanity and units:
      # their slow-job scenarios need the playbook to keep pace with the sandbox's clock.
      pids=()
      for step in "${steps[@]}"; do
        case "$step" in
          role_*)
            run_step "$step" role_target "$step" "$python_version" &
            pids+=($!)
            ;;
        esac
      done
      if [ "${#pids[@]}" -gt 0 ]; then
        wait "${pids[@]}"
      fi
    )
  fi
  echo "total passed $((SECONDS - started))" >> "$matrix/$version/results"
done

# The table: one row per version, one column per step, with the seconds each took.
cell() {
  local found
  found=$(awk -v step="$2" '$1 == step { print $2 " (" $3 " s)" }' "$matrix/$1/results" 2>/dev/null)
  echo "${found:-not run}"
}
echo
columns=(setup "${steps[@]}")
{
  printf '%s\t%s' ansible-core python
  printf '\t%s' "${columns[@]}" total
  printf '\n'
  for version in "${versions[@]}"; do
    printf '%s\t%s' "$version" "$(python_version_for "$version")"
    for step in "${columns[@]}"; do
      printf '\t%s' "$(cell "$version" "$step")"
    done
    printf '\t%s s\n' "$(awk '$1 == "total" { print $3 }' "$matrix/$version/results")"
  done
} | awk -F '\t' '
  { for (i = 1; i <= NF; i++) { cell[NR, i] = $i; if (length($i) > width[i]) width[i] = length($i) } rows = NR; if (NF > cols) cols = NF }
  END { for (r = 1; r <= rows; r++) { line = ""; for (i = 1; i <= cols; i++) line = line sprintf("%-" (width[i] + 2) "s", cell[r, i]); sub(/ +$/, "", line); print line } }'

status=0
for version in "${versions[@]}"; do
  for step in "${columns[@]}"; do
    if [ "$(awk -v step="$step" '$1 == step { print $2 }' "$matrix/$version/results")" != passed ]; then
      status=1
      echo "$version $step: $(first_error "$matrix/$version/$step.log" 2>/dev/null || true)"
    fi
  done
done
exit "$status"
