"""Seeds the sandbox for playbook.yml with two users of distinctive passwords and a private key, then scans what the run left.

``scan.py setup INTEGRATION_CONFIG OUTPUT_DIR`` resets the sandbox and adds an SSL Manager user and a zone user, each with a
fresh random password, the zone example.com of the zone user (not provisioned by AutoDNS, so the role writes the records
with the zone user), and the certificates of the SSL Manager user. It writes OUTPUT_DIR/seeded.yml (names, ids and the new
CSR, nothing secret), OUTPUT_DIR/new.key (the private key of that CSR, mode 0600) and OUTPUT_DIR/secrets.json (mode
0600, for the scan), and prints the shell lines that export the passwords for the playbook.

``scan.py scan INTEGRATION_CONFIG OUTPUT_DIR`` looks for the secrets in the complete output of ansible-playbook -vvvv
(OUTPUT_DIR/output.log), in the results the playbook wrote (OUTPUT_DIR/results.json) and in the sandbox's request log:
either password, the Basic authentication value made of each user and password, and every line of the private key's
body (so that a key inside a JSON string is found as well). It also checks that every module taking the API password
(each plugins/modules/*.py built on api_argument_spec) ran. It names what it found where, never the secret itself.

Usage: scan.py setup|scan INTEGRATION_CONFIG OUTPUT_DIR
"""

import base64
import json
import os
import pathlib
import secrets
import shlex
import sys

import yaml

# ansible-test runs a copy of the target; the collection is where ANSIBLE_COLLECTIONS_PATH points.
COLLECTIONS_ROOT = pathlib.Path(os.environ["ANSIBLE_COLLECTIONS_PATH"].split(os.pathsep)[0])
COLLECTION = COLLECTIONS_ROOT / "ansible_collections" / "autodns" / "ssl"
sys.path.insert(0, str(COLLECTIONS_ROOT))

from ansible_collections.autodns.ssl.tests.sandbox.control import SandboxControl  # noqa: E402 pylint: disable=wrong-import-position

SSL_USER = "scan-ssl-user"
ZONE_USER = "scan-zone-user"
SSL_OWNER = {"user": SSL_USER, "context": 9}
ZONE_OWNER = {"user": ZONE_USER, "context": 4}
# Jobs end within seconds, so that the role's run finishes its renewal.
FAST_SETTINGS = {"job_running_seconds": 0.5, "issuance_delay": 0.5, "deferred_recheck_seconds": 0.5}


def fail(message):
    print(f"FAILED: {message}")
    sys.exit(1)


def sandbox(config_path):
    with open(config_path, encoding="utf-8") as config_file:
        return SandboxControl(yaml.safe_load(config_file)["autodns_sandbox_control"])


def write_private(path, text):
    """A file only its owner can read, created so from the start."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as private_file:
        private_file.write(text)


def setup(control, output_dir):
    passwords = {"ssl": f"Ssl-{secrets.token_urlsafe(18)}", "zone": f"Zone-{secrets.token_urlsafe(18)}"}
    control.reset("none")
    control.settings(**FAST_SETTINGS)
    control.add_user(SSL_USER, passwords["ssl"], 9)
    control.add_user(ZONE_USER, passwords["zone"], 4)
    control.add_zone("example.com", owner=ZONE_OWNER, provisioning=False)
    # The role renews www.example.com (the one that expires last) with the CSR and key of the other certificate of that name.
    current = control.add_certificate("www.example.com", owner=SSL_OWNER, product="QUICKSSLPREMIUM", days_remaining=20)
    new_key_source = control.add_certificate("www.example.com", owner=SSL_OWNER, product="QUICKSSLPREMIUM", days_remaining=10)
    shop = control.add_certificate("shop.example.com", owner=SSL_OWNER, product="QUICKSSLPREMIUM", days_remaining=20)
    write_private(os.path.join(output_dir, "new.key"), new_key_source["key_pem"])
    write_private(os.path.join(output_dir, "secrets.json"), json.dumps({"passwords": passwords, "key_pem": new_key_source["key_pem"]}))
    seeded = {"ssl_user": SSL_USER, "zone_user": ZONE_USER, "www_id": current["id"], "shop_id": shop["id"], "new_csr": new_key_source["csr"]}
    with open(os.path.join(output_dir, "seeded.yml"), "w", encoding="utf-8") as seeded_file:
        yaml.safe_dump(seeded, seeded_file)
    print(f"export SCAN_SSL_PASSWORD={shlex.quote(passwords['ssl'])} SCAN_ZONE_PASSWORD={shlex.quote(passwords['zone'])}")


def secret_patterns(stored):
    """Every form of a secret to look for, by a description that does not show it."""
    patterns = {}
    for kind, user in (("ssl", SSL_USER), ("zone", ZONE_USER)):
        password = stored["passwords"][kind]
        patterns[password] = f"the {kind} user's password"
        patterns[base64.b64encode(f"{user}:{password}".encode()).decode()] = f"the {kind} user's Basic authentication value"
    body = [line for line in stored["key_pem"].strip().splitlines() if not line.startswith("-----")]
    for number, line in enumerate(body, start=1):
        patterns[line] = f"line {number} of the private key"
    patterns["".join(body)] = "the private key's body on one line"
    return patterns


def api_modules():
    """The modules that take the API password: those built on api_argument_spec."""
    modules = sorted(COLLECTION.joinpath("plugins", "modules").glob("*.py"))
    return [path.stem for path in modules if "api_argument_spec()" in path.read_text(encoding="utf-8")]


def scan(control, output_dir):
    with open(os.path.join(output_dir, "secrets.json"), encoding="utf-8") as secrets_file:
        patterns = secret_patterns(json.load(secrets_file))
    places = {}
    for name in ("output.log", "results.json"):
        with open(os.path.join(output_dir, name), encoding="utf-8", errors="replace") as scanned:
            places[name] = scanned.read()
    places["the sandbox's request log"] = json.dumps(control.log())
    leaks = [f"{what} in {place}" for place, text in places.items() for pattern, what in patterns.items() if pattern in text]
    if leaks:
        fail("secrets leaked: " + "; ".join(leaks))
    missing = [module for module in api_modules() if f"AnsiballZ_{module}.py" not in places["output.log"]]
    if missing:
        fail(f"these modules that take the API password did not run: {', '.join(missing)}")
    print(f"no secret in {', '.join(places)} ({len(patterns)} patterns); modules run: {', '.join(api_modules())}")


def main():
    command, config_path, output_dir = sys.argv[1:4]
    control = sandbox(config_path)
    if command == "setup":
        setup(control, output_dir)
    elif command == "scan":
        scan(control, output_dir)
    else:
        fail(f"unknown command {command}")


if __name__ == "__main__":
    main()
