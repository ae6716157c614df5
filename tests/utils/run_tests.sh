#!/usr/bin/env bash
# The whole test suite: sanity, unit (incl. the sandbox and contract tests), integration against
# the sandbox, ansible-lint and the docs lint. Every step runs; the summary names the ones that failed.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here="$root/tests/utils"
export PATH="${VENV:?set VENV to the virtual environment}/bin:$PATH"
export ANSIBLE_NOCOLOR=1
# The API spec and the captured examples live beside the checkout; contract tests find them there.
if [ -z "${AUTODNS_SPEC:-}" ] && [ -f "$root/../shared/autodns-api/domainrobot.json" ]; then
  export AUTODNS_SPEC="$root/../shared/autodns-api/domainrobot.json"
  export AUTODNS_EXAMPLES="$root/../shared/autodns-api/examples"
fi

# shellcheck source=tests/utils/sandbox.sh
source "$here/sandbox.sh"
# The servers of this run only, for the check for leftovers at the end.
export SERVERS_BASE="${TMPDIR:-/tmp}/autodns-ssl-servers-$$"
# shellcheck source=tests/utils/servers.sh
source "$here/servers.sh"

bash "$here/install_get_pip.sh" python
if ! command -v shellcheck >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  (apt-get update -qq && apt-get install -y -qq shellcheck) >/dev/null 2>&1 || echo "shellcheck could not be installed; its sanity test is skipped"
fi

# BUILD_DIR lets two test commands run at once from one checkout, each with its own staged copies.
build=${BUILD_DIR:-$root/build}
stage=$(bash "$here/stage.sh" "$build") || exit 1
export ANSIBLE_COLLECTIONS_PATH="$build"
cd "$stage" || exit 1

passed=()
failed=()
step() {
  local name=$1
  shift
  echo
  echo "=== $name: $*"
  local started=$SECONDS
  if "$@"; then
    passed+=("$name")
    echo "=== $name passed in $((SECONDS - started)) s"
  else
    failed+=("$name")
    echo "=== $name FAILED in $((SECONDS - started)) s"
  fi
}

# One ansible-test integration run in a staged copy, against a sandbox of its own.
integration_lane() {
  local lane_stage=$1
  shift
  (
    cd "$lane_stage" || exit 1
    start_sandbox "$lane_stage" || exit 1
    trap stop_sandbox EXIT
    sandbox_integration_config > tests/integration/integration_config.yml
    if [ -n "${SSHD_PID:-}" ]; then
      servers_integration_config >> tests/integration/integration_config.yml
    fi
    ansible-test integration --local --python 3.11 --color no "$@"
  )
}

# The role's targets take as long as all module targets together and mostly wait for the sandbox's jobs,
# so each runs beside the module targets, in its own copy and against its own sandbox.
SLOW_TARGETS=(role_certificate_renewal role_certificate_renewal_profiles)
integration_targets() {
  if [ "$#" -gt 0 ]; then
    integration_lane "$stage" "$@"
    return
  fi
  # Each ansible-test run creates this key when it is missing; lanes starting at once on a new machine would race for it.
  if [ ! -f "$HOME/.ansible/test/id_rsa" ]; then
    mkdir -p "$HOME/.ansible/test"
    ssh-keygen -m PEM -q -t rsa -N '' -f "$HOME/.ansible/test/id_rsa"
  fi
  local target lane_stage status=0 pids=() excludes=()
  for target in "${SLOW_TARGETS[@]}"; do
    lane_stage=$(bash "$here/stage.sh" "$build/lane-$target") || return 1
    integration_lane "$lane_stage" "$target" > "$build/lane-$target.log" 2>&1 &
    pids+=($!)
    excludes+=(--exclude "$target")
  done
  integration_lane "$stage" "${excludes[@]}" || status=1
  for index in "${!SLOW_TARGETS[@]}"; do
    wait "${pids[$index]}" || status=1
    echo "--- ${SLOW_TARGETS[$index]}, run beside the other targets:"
    cat "$build/lane-${SLOW_TARGETS[$index]}.log"
  done
  return "$status"
}

# The deploy_* targets deploy over SSH and check what nginx serves (servers.sh). The servers need root, which the
# targets say (needs/root), and run only around the integration runs that may include those targets.
wants_servers() {
  [ "$(id -u)" = 0 ] || return 1
  [ "$#" -eq 0 ] && return 0
  local argument
  for argument in "$@"; do
    case "$argument" in deploy_*) return 0 ;; esac
  done
  return 1
}
integration() {
  if ! wants_servers "$@"; then
    integration_targets "$@"
    return
  fi
  (
    trap stop_servers EXIT
    start_servers || exit 1
    integration_targets "$@"
  )
}

sanity() { ansible-test sanity --local --python 3.11 --color no "$@"; }
units() { ansible-test units --local --python 3.11 --color no --num-workers 2 "$@"; }
ansible_lint() { ansible-lint --profile production --offline --nocolor "$@"; }
docs_lint() { antsibull-docs lint-collection-docs --plugin-docs . "$@"; }
# The role under every fault kind of the fault campaign once, each followed by a clean rerun; make fault-campaign runs 500 renewals.
fault_campaign_short() { python tests/utils/fault_campaign.py --short "$@"; }
# The oldest and the newest ansible-core the collection supports, unit tests only; make test-matrix runs them all.
matrix_short() { bash "$root/tests/utils/test_matrix.sh" --short "$@"; }

# With arguments, run one step only, for example: run_tests.sh integration api_check
if [ "$#" -gt 0 ]; then
  step "$1" "$@"
else
  for name in sanity units fault_campaign_short matrix_short integration ansible_lint docs_lint; do
    step "$name" "$name"
  done
fi

# Nothing a test started may outlive the test command. Sandboxes stop within a second of losing their parent;
# sshd and nginx of servers.sh name their directory in their command lines, and SSH sessions run as its user.
leftover_processes() {
  local pid
  for pid in $(pgrep -f -- '-m tests\.sandbox' || true); do
    case "$(readlink "/proc/$pid/cwd" 2>/dev/null)" in
      "$root"/*) echo "$pid" ;;
    esac
  done
  pgrep -f -- "$SERVERS_BASE\." || true
  if id "$SSHD_USER" >/dev/null 2>&1; then
    pgrep -u "$SSHD_USER" || true
  fi
}
leftovers() {
  local waited=0 found status=0
  if [ -e "$SSHD_SUDOERS" ] || id "$SSHD_USER" >/dev/null 2>&1; then
    echo "Left after the tests: the user $SSHD_USER or its sudo rule $SSHD_SUDOERS (servers.sh)."
    status=1
  fi
  while :; do
    mapfile -t found < <(leftover_processes)
    if [ "${#found[@]}" -eq 0 ]; then
      return "$status"
    fi
    if [ "$waited" -ge 5 ]; then
      echo "Still running after the tests:"
      ps -o pid=,args= -p "$(IFS=,; echo "${found[*]}")"
      return 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
}
if [ "$#" -eq 0 ]; then
  step leftovers leftovers
fi

echo
echo "Steps passed: ${passed[*]:-none}"
echo "Steps failed: ${failed[*]:-none}"
echo "steps: ${#passed[@]} passed, ${#failed[@]} failed"
[ "${#failed[@]}" -eq 0 ]
