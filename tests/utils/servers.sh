#!/usr/bin/env bash
# A throwaway SSH server and nginx on the loopback address, for the deploy_* integration targets: the role deploys
# over SSH into nginx's directories, reloads nginx and checks what it serves. Source this file (as root), then:
#   start_servers            install_server_packages, start_sshd, start_nginx ssh1 ssh2
#   stop_servers             stop_nginx, stop_sshd, and remove SERVERS_DIR
#   servers_integration_config   the lines for integration_config.yml that tell the tests about both servers
# Everything lives in SERVERS_DIR (a new temporary directory, see SERVERS_BASE); both servers listen on free
# loopback ports, are stopped by their PIDs, and stop by themselves within a second of the end of the shell that
# sourced this file, also when it is killed.
#
# The SSH user is a dedicated system user, SSHD_USER, with no password and a throwaway key: deploying as an
# unprivileged user, and with become (sudo) where files belong to root, is how servers are reached in real life.
# start_sshd creates the user and its sudo rule; stop_sshd removes both.

SSHD_USER=autodns-ssl-test
SSHD_SUDOERS=/etc/sudoers.d/autodns-ssl-test
SERVERS_PACKAGES=(openssh-server nginx sudo python3 python3-cryptography)
SERVERS_SCRIPT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
# SERVERS_DIR is a new directory SERVERS_BASE.XXXXXX; the servers name it in their command lines.
SERVERS_BASE=${SERVERS_BASE:-${TMPDIR:-/tmp}/autodns-ssl-servers}

# Installs the servers and what Ansible needs on a target (python3 with cryptography, sudo) where missing.
install_server_packages() {
  local package missing=()
  for package in "${SERVERS_PACKAGES[@]}"; do
    dpkg-query -W -f '${Status}' "$package" 2>/dev/null | grep -q 'ok installed' || missing+=("$package")
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    return 0
  fi
  echo "Installing ${missing[*]}"
  # Packages start their services when installed, on the public addresses and beyond the test command; a
  # policy-rc.d that refuses every start (unless the machine has one already) keeps them down.
  local policy=/usr/sbin/policy-rc.d own_policy=
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy"
    chmod 755 "$policy"
    own_policy=1
  fi
  local status=0 output
  output=$(apt-get update -qq 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" 2>&1) || status=1
  if [ -n "$own_policy" ]; then
    rm -f "$policy"
  fi
  if [ "$status" -ne 0 ]; then
    echo "Could not install ${missing[*]} with apt-get:" >&2
    echo "$output" >&2
  fi
  return "$status"
}

free_loopback_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits until PID accepts connections on the loopback PORT; shows LOG and fails where it ends first or takes 10 s.
wait_for_listener() {
  local name=$1 pid=$2 port=$3 log=$4 waited=0
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null || [ "$waited" -ge 100 ]; then
      echo "$name did not start:" >&2
      cat "$log" >&2
      return 1
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
}

# sshd and nginx do not watch the process that started them. A watcher runs stop_servers within a second of the end of
# this shell, also when the shell is killed and cannot stop them itself; it finds the servers by their pid files.
watch_for_end_of_shell() {
  python3 - "$$" "$SERVERS_SCRIPT" "$SERVERS_DIR" >/dev/null 2>&1 <<'WATCHER' &
import os, sys, time
shell, servers_script, servers_dir = int(sys.argv[1]), sys.argv[2], sys.argv[3]

def running(pid):
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False

while running(shell):
    time.sleep(1)
os.environ["SERVERS_DIR"] = servers_dir
os.execvp("bash", ["bash", "-c", 'source "$0"; SSHD_PID=$(cat "$SERVERS_DIR/sshd/sshd.pid"); NGINX_PID=$(cat "$SERVERS_DIR/nginx/nginx.pid"); stop_servers',
                   servers_script])
WATCHER
  SERVERS_WATCHER=$!
}

make_servers_dir() {
  if [ -z "${SERVERS_DIR:-}" ]; then
    # Not below the checkout: the SSH user must reach its home, its authorized key and its site, also where a directory
    # above the checkout is closed to other users (a home directory, a mktemp -d).
    SERVERS_DIR=$(mktemp -d "$SERVERS_BASE.XXXXXX")
    chmod 755 "$SERVERS_DIR"
    watch_for_end_of_shell
  fi
}

# Starts sshd on 127.0.0.1:SSHD_PORT for SSHD_USER, who logs in with the key SSHD_KEY only and may sudo to root.
# Sets SSHD_PID, SSHD_PORT, SSHD_KEY and SSHD_KNOWN_HOSTS (the host key, for host key checking).
# shellcheck disable=SC2034  # the SSHD_* variables are for the scripts that source this file
start_sshd() {
  make_servers_dir
  local dir="$SERVERS_DIR/sshd" home="$SERVERS_DIR/home"
  mkdir -p "$dir"
  if id "$SSHD_USER" >/dev/null 2>&1; then
    /usr/sbin/usermod --home "$home" "$SSHD_USER" || return 1
  else
    # The password "*" matches no password but, unlike useradd's "!", does not lock the account: sshd refuses locked accounts.
    /usr/sbin/useradd --system --user-group --shell /bin/sh --home-dir "$home" --password '*' "$SSHD_USER" || return 1
  fi
  install -d -o "$SSHD_USER" -g "$SSHD_USER" -m 0700 "$home"
  echo "$SSHD_USER ALL=(root) NOPASSWD: ALL" > "$SSHD_SUDOERS.new"
  chmod 0440 "$SSHD_SUDOERS.new"
  if ! /usr/sbin/visudo -c -q -f "$SSHD_SUDOERS.new"; then
    return 1
  fi
  mv "$SSHD_SUDOERS.new" "$SSHD_SUDOERS"

  ssh-keygen -q -t ed25519 -N '' -C autodns-ssl-test-host -f "$dir/host_key"
  ssh-keygen -q -t ed25519 -N '' -C autodns-ssl-test-user -f "$dir/user_key"
  cp "$dir/user_key.pub" "$dir/authorized_keys"
  chmod 644 "$dir/authorized_keys"
  SSHD_PORT=$(free_loopback_port)
  SSHD_KEY="$dir/user_key"
  SSHD_KNOWN_HOSTS="$dir/known_hosts"
  echo "[127.0.0.1]:$SSHD_PORT $(cut -d' ' -f1,2 "$dir/host_key.pub")" > "$SSHD_KNOWN_HOSTS"
  cat > "$dir/sshd_config" <<CONFIG
ListenAddress 127.0.0.1
Port $SSHD_PORT
HostKey $dir/host_key
PidFile $dir/sshd.pid
AllowUsers $SSHD_USER
AuthenticationMethods publickey
AuthorizedKeysFile $dir/authorized_keys
PermitRootLogin no
UsePAM no
# The authorized key sits in a temporary directory; strict modes would refuse it below the world-writable /tmp.
StrictModes no
Subsystem sftp internal-sftp
CONFIG
  # sshd needs its privilege separation directory; the packaged service creates it, a plain start does not.
  mkdir -p /run/sshd
  /usr/sbin/sshd -t -f "$dir/sshd_config" || return 1
  /usr/sbin/sshd -D -e -f "$dir/sshd_config" </dev/null >"$dir/sshd.log" 2>&1 &
  SSHD_PID=$!
  wait_for_listener sshd "$SSHD_PID" "$SSHD_PORT" "$dir/sshd.log"
}

# Stops sshd, the sessions it still has, and removes SSHD_USER with its sudo rule.
stop_sshd() {
  if [ -n "${SSHD_PID:-}" ]; then
    # A session runs in a child of sshd and survives it; end the sessions first.
    pkill -TERM -P "$SSHD_PID" 2>/dev/null || true
    kill "$SSHD_PID" 2>/dev/null || true
    wait "$SSHD_PID" 2>/dev/null || true
    SSHD_PID=
  fi
  rm -f "$SSHD_SUDOERS" "$SSHD_SUDOERS.new"
  if id "$SSHD_USER" >/dev/null 2>&1; then
    # userdel refuses a user whose processes still run; the ended sessions take a moment to go.
    local waited=0
    while pgrep -u "$SSHD_USER" >/dev/null && [ "$waited" -lt 50 ]; do
      sleep 0.1
      waited=$((waited + 1))
    done
    /usr/sbin/userdel "$SSHD_USER" || echo "The user $SSHD_USER could not be removed." >&2
  fi
}

# Starts nginx with one TLS site per name, each on its own loopback port, serving SERVERS_DIR/sites/NAME/fullchain.pem
# with privkey.pem (a throwaway self-signed certificate until a test deploys another). Sets NGINX_PID, NGINX_COMMAND
# (the command with the options that select this instance; append -s reload to reload it), NGINX_SITE_DIRS and
# NGINX_SITE_PORTS (both by site name).
# shellcheck disable=SC2034  # the NGINX_* variables are for the scripts that source this file
start_nginx() {
  make_servers_dir
  local dir="$SERVERS_DIR/nginx" site site_dir port servers=""
  declare -gA NGINX_SITE_DIRS=() NGINX_SITE_PORTS=()
  mkdir -p "$dir/logs" "$dir/temp"
  for site in "$@"; do
    site_dir="$SERVERS_DIR/sites/$site"
    mkdir -p "$site_dir"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=throwaway.invalid" \
      -keyout "$site_dir/privkey.pem" -out "$site_dir/fullchain.pem" 2>/dev/null || return 1
    port=$(free_loopback_port)
    NGINX_SITE_DIRS[$site]=$site_dir
    NGINX_SITE_PORTS[$site]=$port
    servers+="
    server {
        listen 127.0.0.1:$port ssl;
        ssl_certificate $site_dir/fullchain.pem;
        ssl_certificate_key $site_dir/privkey.pem;
        return 200 '$site';
    }"
  done
  cat > "$dir/nginx.conf" <<CONFIG
daemon off;
user www-data;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/logs/error.log;
events {
    worker_connections 64;
}
http {
    access_log $dir/logs/access.log;
    client_body_temp_path $dir/temp/client_body;
    proxy_temp_path $dir/temp/proxy;
    fastcgi_temp_path $dir/temp/fastcgi;
    uwsgi_temp_path $dir/temp/uwsgi;
    scgi_temp_path $dir/temp/scgi;
$servers
}
CONFIG
  NGINX_COMMAND=(/usr/sbin/nginx -p "$dir/" -c "$dir/nginx.conf" -e "$dir/logs/error.log")
  "${NGINX_COMMAND[@]}" -t -q || return 1
  "${NGINX_COMMAND[@]}" </dev/null >"$dir/logs/stdout.log" 2>&1 &
  NGINX_PID=$!
  for site in "$@"; do
    wait_for_listener nginx "$NGINX_PID" "${NGINX_SITE_PORTS[$site]}" "$dir/logs/error.log" || return 1
  done
}

# Stops nginx; its workers end with it.
stop_nginx() {
  if [ -n "${NGINX_PID:-}" ]; then
    kill "$NGINX_PID" 2>/dev/null || true
    wait "$NGINX_PID" 2>/dev/null || true
    NGINX_PID=
  fi
}

start_servers() {
  install_server_packages && start_sshd && start_nginx ssh1 ssh2
}

stop_servers() {
  stop_nginx
  stop_sshd
  if [ -n "${SERVERS_WATCHER:-}" ]; then
    kill "$SERVERS_WATCHER" 2>/dev/null || true
    wait "$SERVERS_WATCHER" 2>/dev/null || true
    SERVERS_WATCHER=
  fi
  if [ -n "${SERVERS_DIR:-}" ]; then
    rm -rf "$SERVERS_DIR"
    SERVERS_DIR=
  fi
}

# The servers for integration_config.yml (YAML, one value per line: ansible-lint reads the file too).
servers_integration_config() {
  local site word
  printf 'deploy_sshd_port: %s\n' "$SSHD_PORT"
  printf 'deploy_sshd_user: %s\n' "$SSHD_USER"
  printf 'deploy_sshd_key: %s\n' "$SSHD_KEY"
  printf 'deploy_sshd_known_hosts: %s\n' "$SSHD_KNOWN_HOSTS"
  printf 'deploy_nginx_command:\n'
  for word in "${NGINX_COMMAND[@]}"; do
    printf '  - %s\n' "$word"
  done
  printf 'deploy_nginx_sites:\n'
  for site in "${!NGINX_SITE_DIRS[@]}"; do
    printf '  %s:\n    dir: %s\n    port: %s\n' "$site" "${NGINX_SITE_DIRS[$site]}" "${NGINX_SITE_PORTS[$site]}"
  done
}
