#!/usr/bin/env bash
# Start and stop the sandbox API server from shell scripts. Source this file, then:
#   start_sandbox COLLECTION_ROOT [sandbox options...]   sets SANDBOX_PID, SANDBOX_URL, SANDBOX_CONTROL,
#                                                        SANDBOX_DNS_SERVER, SANDBOX_DNS_PORT, SANDBOX_OUTPUT
#   stop_sandbox                                         stops it by its PID
#   sandbox_integration_config                           prints the sandbox's part of integration_config.yml
# Both ports are picked free on the loopback address.

# shellcheck disable=SC2034  # the SANDBOX_* variables are for the scripts that source this file
start_sandbox() {
  local collection_root=$1
  shift
  SANDBOX_OUTPUT=$(mktemp)
  (cd "$collection_root" && exec python -m tests.sandbox --host 127.0.0.1 --port 0 --dns-port 0 "$@") >"$SANDBOX_OUTPUT" 2>&1 &
  SANDBOX_PID=$!
  local waited=0
  until grep -q '^SANDBOX_READY' "$SANDBOX_OUTPUT"; do
    if ! kill -0 "$SANDBOX_PID" 2>/dev/null || [ "$waited" -ge 600 ]; then
      echo "The sandbox did not start:" >&2
      cat "$SANDBOX_OUTPUT" >&2
      return 1
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  SANDBOX_URL=$(sed -n 's/^SANDBOX_URL=//p' "$SANDBOX_OUTPUT")
  SANDBOX_CONTROL=$(sed -n 's/^SANDBOX_CONTROL=//p' "$SANDBOX_OUTPUT")
  local dns
  dns=$(sed -n 's/^SANDBOX_DNS=//p' "$SANDBOX_OUTPUT")
  SANDBOX_DNS_SERVER=${dns%:*}
  SANDBOX_DNS_PORT=${dns##*:}
}

stop_sandbox() {
  if [ -n "${SANDBOX_PID:-}" ]; then
    kill "$SANDBOX_PID" 2>/dev/null || true
    wait "$SANDBOX_PID" 2>/dev/null || true
    SANDBOX_PID=
  fi
  if [ -n "${SANDBOX_OUTPUT:-}" ]; then
    rm -f "$SANDBOX_OUTPUT"
  fi
}

sandbox_integration_config() {
  cat <<CONFIG
---
autodns_sandbox_url: $SANDBOX_URL
autodns_sandbox_control: $SANDBOX_CONTROL
autodns_sandbox_dns_server: $SANDBOX_DNS_SERVER
autodns_sandbox_dns_port: $SANDBOX_DNS_PORT
CONFIG
}
