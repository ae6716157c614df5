"""Runs playbooks/renew.yml the way AWX runs a job template, against the sandbox, and checks what the job left behind.

AWX hands ansible-runner a private data directory: project/ (the playbooks), inventory/, env/extravars (the job
template's extra variables), env/envvars (the environment, with what the credentials' injectors render) and
env/settings; ansible-runner writes artifacts/<ident>/ (rc, status, stdout, command, job_events/*.json), from which AWX
shows the job. This script builds such a directory with the environment rendered from
extensions/awx/autodns_credential_type.yml as AWX renders injectors, runs the job twice (once with the CLI
`ansible-runner run`, once with the Python API `ansible_runner.run`, as on the next day of a schedule) and checks:

- the first job renews both due certificates (one validated by AutoDNS provisioning, one by the role through the zone
  API with the zone user of the credential), installs them, and the sandbox counted exactly one order for each;
- the second job orders nothing and changes nothing;
- no password of the credential (nor the Basic authentication header made of it) is in any file under artifacts/,
  except artifacts/<ident>/command, where ansible-runner keeps the job's environment (mode 0600) and where the
  passwords may appear only as the values of AUTODNS_PASSWORD and AUTODNS_ZONE_PASSWORD; nor in the events handed to
  the Python API's event handler, nor in inventory/ and the env/ files other than envvars.

Usage: awx_job.py INTEGRATION_CONFIG OUTPUT_DIR
"""

import base64
import json
import os
import shutil
import stat
import subprocess
import sys

import ansible_runner
import yaml

from jinja2 import StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ansible_collections.autodns.ssl.tests.sandbox.control import SandboxControl


SSL_USER, SSL_PASSWORD = "ssl-user", "ssl-password"
ZONE_USER, ZONE_PASSWORD = "zone-user", "zone-password"
SECRETS = {
    SSL_PASSWORD: "the SSL Manager password",
    ZONE_PASSWORD: "the zone user's password",
    base64.b64encode(f"{SSL_USER}:{SSL_PASSWORD}".encode()).decode(): "the SSL Manager user's Basic authentication",
    base64.b64encode(f"{ZONE_USER}:{ZONE_PASSWORD}".encode()).decode(): "the zone user's Basic authentication",
}
SECRET_VARIABLES = ("AUTODNS_PASSWORD", "AUTODNS_ZONE_PASSWORD")
# Variables AWX refuses in custom injectors (awx.main.fields.CredentialTypeInjectorField and CredentialType.ENV_BLACKLIST).
AWX_REFUSED = {"VIRTUAL_ENV", "PATH", "PYTHONPATH", "JOB_ID", "INVENTORY_ID", "INVENTORY_SOURCE_ID", "INVENTORY_UPDATE_ID",
               "AD_HOC_COMMAND_ID", "REST_API_URL", "REST_API_TOKEN", "MAX_EVENT_RES", "CALLBACK_QUEUE",
               "CALLBACK_CONNECTION", "CACHE", "JOB_CALLBACK_DEBUG", "INVENTORY_HOSTVARS", "AWX_HOST", "PROJECT_REVISION",
               "SUPERVISOR_CONFIG_PATH"}


def fail(message):
    print(f"FAILED: {message}")
    sys.exit(1)


def seed(control):
    """Two certificates of the SSL Manager user that are due for a paid renewal, in a zone AutoDNS provisions and in one it does not."""
    control.reset()
    owner = {"user": ZONE_USER, "context": 4}
    control.add_zone("example.com", owner=owner, provisioning=True)
    control.add_zone("example.org", owner=owner, provisioning=False)
    seeded = {}
    for name in ("due.example.com", "www.example.org"):
        seeded[name] = control.add_certificate(name, owner={"user": SSL_USER, "context": 9}, product="QUICKSSLPREMIUM", term=12, days_remaining=20)
    return seeded


def render_injectors(credential_type, inputs):
    """The environment AWX gives a job for a credential of this type (awx.main.models.credential.CredentialType.inject_credential).

    First the checks AWX makes when the type is saved: every field has an id and a label, string or boolean type, the
    required fields exist, and every injector template renders with every field set (StrictUndefined). Then the
    rendering of a job: the namespace holds only the inputs that are set and not empty, templates render in Jinja's
    immutable sandbox, and every env injector becomes a variable, also when it renders empty. Returns the environment
    and the copy AWX stores with the job, where secret fields render as '**********'.
    """
    fields = credential_type["inputs"]["fields"]
    ids = [field["id"] for field in fields]
    for field in fields:
        if not field.get("label") or field.get("type", "string") not in ("string", "boolean"):
            fail(f"credential type field {field} needs a label and the type string or boolean")
    if set(credential_type["inputs"].get("required", [])) - set(ids):
        fail("the credential type requires fields it does not define")
    if set(credential_type["injectors"]) - {"env", "extra_vars", "file"}:
        fail(f"unknown injector kinds {set(credential_type['injectors'])}")
    strict = ImmutableSandboxedEnvironment(undefined=StrictUndefined)
    for variable, template in credential_type["injectors"]["env"].items():
        if variable.startswith("ANSIBLE_") or variable in AWX_REFUSED:
            fail(f"AWX refuses the injected variable {variable}")
        strict.from_string(template).render({field_id: "EXAMPLE" for field_id in ids})

    secret = {field["id"] for field in fields if field.get("secret")}
    namespace = {key: value for key, value in inputs.items() if value not in ("", None)}
    safe_namespace = {key: ("**********" if key in secret else value) for key, value in namespace.items()}
    sandbox = ImmutableSandboxedEnvironment()
    env, safe_env = {}, {}
    for variable, template in credential_type["injectors"]["env"].items():
        env[variable] = sandbox.from_string(template).render(**namespace)
        safe_env[variable] = sandbox.from_string(template).render(**safe_namespace)
    return env, safe_env


def check_credential_type(credential_type, config):
    """The injected environment with every input, and with only the required ones."""
    full_inputs = {"username": SSL_USER, "password": SSL_PASSWORD, "context": "9", "api_url": config["autodns_sandbox_url"],
                   "zone_username": ZONE_USER, "zone_password": ZONE_PASSWORD, "zone_context": "4"}
    env, safe_env = render_injectors(credential_type, full_inputs)
    expected = {"AUTODNS_USERNAME": SSL_USER, "AUTODNS_PASSWORD": SSL_PASSWORD, "AUTODNS_CONTEXT": "9",
                "AUTODNS_API_URL": config["autodns_sandbox_url"], "AUTODNS_ZONE_USERNAME": ZONE_USER,
                "AUTODNS_ZONE_PASSWORD": ZONE_PASSWORD, "AUTODNS_ZONE_CONTEXT": "4"}
    if env != expected:
        fail(f"injected environment {env}, expected {expected}")
    if safe_env != dict(expected, AUTODNS_PASSWORD="**********", AUTODNS_ZONE_PASSWORD="**********"):
        fail(f"the environment AWX stores with the job shows a secret: {safe_env}")

    minimal, dummy = render_injectors(credential_type, {"username": SSL_USER, "password": SSL_PASSWORD, "context": "", "zone_username": ""})
    expected_minimal = {"AUTODNS_USERNAME": SSL_USER, "AUTODNS_PASSWORD": SSL_PASSWORD, "AUTODNS_CONTEXT": "9",
                        "AUTODNS_API_URL": "https://api.autodns.com/v1", "AUTODNS_ZONE_USERNAME": "",
                        "AUTODNS_ZONE_PASSWORD": "", "AUTODNS_ZONE_CONTEXT": ""}
    if minimal != expected_minimal:
        fail(f"injected environment without the optional inputs {minimal}, expected {expected_minimal}")
    zone_default, dummy = render_injectors(credential_type, {"username": SSL_USER, "password": SSL_PASSWORD,
                                                             "zone_username": ZONE_USER, "zone_password": ZONE_PASSWORD})
    if zone_default["AUTODNS_ZONE_CONTEXT"] != "4":
        fail(f"a zone user without a context gets context {zone_default['AUTODNS_ZONE_CONTEXT']!r}, expected '4'")
    return env


def write(path, content, mode=0o600):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(content)
    os.chmod(path, mode)


def private_data_dir(root, collection, injected, config, hosts_dir):
    """The directory AWX prepares for a job of the template: playbooks/renew.yml, one host, two certificates, the credential."""
    if os.path.exists(root):
        shutil.rmtree(root)
    shutil.copytree(os.path.join(collection, "playbooks"), os.path.join(root, "project"))
    write(os.path.join(root, "inventory", "hosts"),
          "[autodns_certificate_hosts]\n"
          f"web1 ansible_connection=local ansible_python_interpreter={sys.executable}\n")
    extravars = {
        "certificate_renewal_certificates": [
            {"name": "due.example.com", "cert_path": f"{hosts_dir}/web1/due.example.com.crt",
             "fullchain_path": f"{hosts_dir}/web1/due.example.com.fullchain.pem"},
            {"name": "www.example.org", "dns_method": "zone_api", "cert_path": f"{hosts_dir}/web1/www.example.org.crt"},
        ],
        # The sandbox's name server stands in for the authoritative servers of example.org.
        "certificate_renewal_dns_nameservers": [f"{config['autodns_sandbox_dns_server']}:{config['autodns_sandbox_dns_port']}"],
        "certificate_renewal_dns_timeout": 60,
        "certificate_renewal_wait_timeout": 300,
    }
    write(os.path.join(root, "env", "extravars"), yaml.safe_dump(extravars, sort_keys=False))
    envvars = dict(injected, ANSIBLE_COLLECTIONS_PATH=os.environ["ANSIBLE_COLLECTIONS_PATH"], ANSIBLE_NOCOLOR="1")
    write(os.path.join(root, "env", "envvars"), yaml.safe_dump(envvars, sort_keys=True))
    # As AWX: a job timeout, and the output in events rather than on the console. AWX also suppresses the stdout
    # file (it has the events); it is kept here so that its content can be checked for secrets.
    settings = {"job_timeout": 900, "suppress_ansible_output": True, "suppress_output_file": False}
    write(os.path.join(root, "env", "settings"), yaml.safe_dump(settings))
    # The job template's verbosity, raised to the highest level users pick for debugging.
    write(os.path.join(root, "env", "cmdline"), "-vvv")
    os.makedirs(os.path.join(hosts_dir, "web1"), exist_ok=True)


def job_events(root, ident):
    folder = os.path.join(root, "artifacts", ident, "job_events")
    events = []
    for name in os.listdir(folder):
        with open(os.path.join(folder, name), encoding="utf-8") as handle:
            events.append(json.load(handle))
    return sorted(events, key=lambda event: event["counter"])


def task_result(events, task):
    """The result of the task of that name on its (run_once) host."""
    found = [event["event_data"]["res"] for event in events
             if event["event"] == "runner_on_ok" and event["event_data"].get("task") == task]
    if len(found) != 1:
        fail(f"{len(found)} runner_on_ok events for the task {task!r}")
    return found[0]


def check_job(root, ident, events):
    with open(os.path.join(root, "artifacts", ident, "rc"), encoding="utf-8") as handle:
        rc = int(handle.read())
    with open(os.path.join(root, "artifacts", ident, "status"), encoding="utf-8") as handle:
        status = handle.read().strip()
    if rc != 0 or status != "successful":
        with open(os.path.join(root, "artifacts", ident, "stdout"), encoding="utf-8") as handle:
            print(handle.read()[-20000:])
        fail(f"job {ident}: rc {rc}, status {status}")
    summary = task_result(events, "Show what happened")["msg"]
    facts = task_result(events, "Publish the result")["ansible_facts"]["certificate_renewal_result"]
    print(f"Job {ident}: {len(events)} events; the role's summary:")
    for line in summary:
        print(f"  {line}")
    return summary, facts


def find_secrets(text):
    return [description for secret, description in SECRETS.items() if secret in text]


def check_secrets(root, ident):
    """No password in artifacts/ (but the environments in artifacts/*/command), inventory/ and env/ (but envvars).

    project/ is left out: it is the project's checkout, and playbooks/demo.yml has the sandbox's password written in it.
    """
    checked = 0
    for folder in ("artifacts", "inventory", "env"):
        for directory, dummy, files in os.walk(os.path.join(root, folder)):
            for name in files:
                path = os.path.join(directory, name)
                relative = os.path.relpath(path, root)
                with open(path, "rb") as handle:
                    text = handle.read().decode("utf-8", errors="replace")
                checked += 1
                if relative == os.path.join("env", "envvars"):
                    continue
                parts = relative.split(os.sep)
                if len(parts) == 3 and parts[0] == "artifacts" and parts[2] == "command":
                    # ansible-runner keeps the job's command line, directory and environment here, readable by its owner
                    # only (AWX deletes the directory after the job and stores the environment with secrets hidden).
                    if stat.S_IMODE(os.stat(path).st_mode) != 0o600:
                        fail(f"{relative} has mode {oct(stat.S_IMODE(os.stat(path).st_mode))}")
                    command = json.loads(text)
                    for variable in SECRET_VARIABLES:
                        command["env"].pop(variable)
                    text = json.dumps(command)
                leaked = find_secrets(text)
                if leaked:
                    position = min(text.find(secret) for secret in SECRETS if secret in text)
                    fail(f"{relative} contains {', '.join(leaked)}: ...{text[max(0, position - 300):position + 100]}...")
    print(f"After job {ident}: no password in the {checked} files of artifacts/, inventory/ and env/ (but env/envvars and the"
          " environment in artifacts/*/command)")


def main():
    with open(sys.argv[1], encoding="utf-8") as handle:
        config = yaml.safe_load(handle)
    output = sys.argv[2]
    collection = os.path.join(os.environ["ANSIBLE_COLLECTIONS_PATH"].split(":")[0], "ansible_collections", "autodns", "ssl")
    with open(os.path.join(collection, "extensions", "awx", "autodns_credential_type.yml"), encoding="utf-8") as handle:
        credential_type = yaml.safe_load(handle)
    injected = check_credential_type(credential_type, config)

    control = SandboxControl(config["autodns_sandbox_control"])
    seeded = seed(control)
    root = os.path.join(output, "awx-job")
    hosts_dir = os.path.join(output, "hosts")
    private_data_dir(root, collection, injected, config, hosts_dir)

    # The first job, through the command line.
    subprocess.run(["ansible-runner", "run", root, "-p", "renew.yml", "--ident", "job-1"], check=False)
    summary, result = check_job(root, "job-1", job_events(root, "job-1"))
    counters = control.counters()
    expected_orders = {str(seeded[name]["id"]): 1 for name in seeded}
    if counters["orders"] != expected_orders or counters["reissues"]:
        fail(f"orders {counters['orders']} and reissues {counters['reissues']}, expected orders {expected_orders} and none")
    if not result["renewed"] or result["failed"] or result["pending"] or result["changed_hosts"] != ["web1"]:
        fail(f"certificate_renewal_result {result}")
    for certificate, name in zip(result["certificates"], ("due.example.com", "www.example.org")):
        if certificate["name"] != name or not certificate["renewed"] or certificate["order"] != "renew":
            fail(f"{name}: {certificate}")
        if certificate["previous_certificate_id"] != seeded[name]["id"] or certificate["certificate_id"] == seeded[name]["id"]:
            fail(f"{name}: certificate {certificate['previous_certificate_id']} -> {certificate['certificate_id']}")
        if not any(line.startswith(f"{name}: renewed for a new paid term, certificate {seeded[name]['id']} -> ") for line in summary):
            fail(f"the summary does not report the renewal of {name}")
        issued = control.certificate(certificate["certificate_id"])
        with open(os.path.join(hosts_dir, "web1", f"{name}.crt"), encoding="utf-8") as handle:
            if handle.read().strip() != issued["cert_pem"].strip():
                fail(f"web1 has not the issued certificate of {name}")
    check_secrets(root, "job-1")

    # The next scheduled job, through the Python API, as AWX's worker calls it: AWX takes the events in its event
    # handler, which returns False, so that ansible-runner does not write them to job_events/.
    events = []

    def event_handler(event):
        events.append(event)
        return False

    runner = ansible_runner.run(private_data_dir=root, playbook="renew.yml", ident="job-2", event_handler=event_handler)
    if runner.rc != 0 or runner.status != "successful":
        fail(f"job-2: rc {runner.rc}, status {runner.status}")
    summary, result = check_job(root, "job-2", events)
    if result["renewed"] or result["changed_hosts"] or any(certificate["due"] for certificate in result["certificates"]):
        fail(f"the second job renewed or changed something: {result}")
    if control.counters()["orders"] != expected_orders:
        fail("the second job ordered again")
    if find_secrets(json.dumps(events)):
        fail(f"the {len(events)} events handed to the event handler contain {find_secrets(json.dumps(events))}")
    check_secrets(root, "job-2")
    print("OK: both jobs ran as AWX runs them; the certificates were renewed once and no password reached the job's artifacts")


if __name__ == "__main__":
    main()
