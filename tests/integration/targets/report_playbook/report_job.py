"""Runs playbooks/report.yml (ansible-playbook autodns.ssl.report) against the sandbox, the way a user runs it, and checks:

- the table in the job log lists the account's current certificates, the ones the next run reissues or renews first, then by
  fewest days remaining, with product, expiry, days, the end of the paid term and what the next run does; a certificate that
  a later one of the same name replaced, and another user's certificate, are not listed; the search pages (the sandbox
  answers at most two hits a page);
- the metrics file parses as the Prometheus text exposition format, with HELP and TYPE for each family, and carries each
  certificate's expiry, days remaining, paid term and whether it is due;
- the role's certificate_renewal_remaining_days changes the decision as it does for the renewal job.

Usage: report_job.py INTEGRATION_CONFIG OUTPUT_DIR [ANSIBLE_PLAYBOOK_ARGS...]
"""

import datetime
import json
import os
import re
import subprocess
import sys

import yaml

from ansible_collections.autodns.ssl.tests.sandbox.control import SandboxControl

SSL_OWNER = {"user": "ssl-user", "context": 9}
# name -> days remaining, term in months, days until the paid term ends
SEEDS = {
    "renew.example.com": (20, 12, 20),
    "reissue.example.com": (10, 24, 400),
    "soon.example.com": (40, 12, 40),
    "later.example.com": (150, 12, 150),
}
EXPECTED_ORDER = ["reissue.example.com", "renew.example.com", "soon.example.com", "later.example.com"]
EXPECTED_NEXT_RUN = {"reissue.example.com": "reissue", "renew.example.com": "renew", "soon.example.com": "-", "later.example.com": "-"}
SAMPLE = re.compile(r'(?P<metric>[a-zA-Z_:][a-zA-Z0-9_:]*)\{name="(?P<name>(?:[^"\\]|\\.)*)",id="(?P<id>\d+)"\} (?P<value>-?\d+)')
FAMILIES = ("autodns_certificate_expiry_timestamp_seconds", "autodns_certificate_days_remaining",
            "autodns_certificate_payable_timestamp_seconds", "autodns_certificate_renewal_due")


def fail(message):
    print(f"FAILED: {message}")
    sys.exit(1)


def seed(control):
    control.reset()
    control.settings(search_max_limit=2)
    seeded = {}
    for name, (days, term, payable_days) in SEEDS.items():
        seeded[name] = control.add_certificate(name, owner=SSL_OWNER, product="QUICKSSLPREMIUM", term=term, days_remaining=days,
                                               payable_days=payable_days)
    # The certificate a renewal replaced under a new id: AutoDNS keeps it, the report leaves it out.
    control.add_certificate("renew.example.com", owner=SSL_OWNER, product="QUICKSSLPREMIUM", term=12, days_remaining=5)
    control.add_user("other-user", "other-password", 9)
    control.add_certificate("other.example.com", owner={"user": "other-user", "context": 9}, product="QUICKSSLPREMIUM", term=12,
                            days_remaining=3)
    return seeded


def run_report(config, output_dir, extra_args, *variables):
    environment = dict(os.environ, AUTODNS_API_URL=config["autodns_sandbox_url"], AUTODNS_USERNAME="ssl-user",
                       AUTODNS_PASSWORD="ssl-password", AUTODNS_CONTEXT="9", ANSIBLE_STDOUT_CALLBACK="default",
                       ANSIBLE_CALLBACK_RESULT_FORMAT="json")
    command = ["ansible-playbook", "autodns.ssl.report", "-e", f"ansible_python_interpreter={sys.executable}"]
    for variable in variables:
        command += ["-e", variable]
    run = subprocess.run(command + list(extra_args), env=environment, capture_output=True, text=True, check=False)
    print(run.stdout, run.stderr)
    if run.returncode != 0:
        fail(f"{' '.join(command)} ended with {run.returncode}")
    with open(os.path.join(output_dir, "report.log"), "a", encoding="utf-8") as log:
        log.write(run.stdout)
    return run.stdout


def printed_table(output):
    """The lines of the table, as the debug task printed them: the JSON after 'ok: [localhost] =>' of that task."""
    task = output.split("TASK [Show the certificates, the most urgent first]", 1)[1]
    shown = re.search(r"ok: \[localhost\] => (\{.*?\n\})", task, re.DOTALL)
    if not shown:
        fail("the table is not in the job log")
    return json.loads(shown.group(1))["msg"]


def check_table(lines, seeded):
    header, rows = re.split(r"\s{2,}", lines[0].strip()), lines[1:]
    if header != ["NAME", "ID", "PRODUCT", "EXPIRES", "DAYS", "PAID UNTIL", "NEXT RUN", "WHY"]:
        fail(f"unexpected header {lines[0]!r}")
    names = [row.split()[0] for row in rows]
    if names != EXPECTED_ORDER:
        fail(f"the table lists {names}, expected {EXPECTED_ORDER} (due first, then by days remaining; no replaced or foreign certificate)")
    for row in rows:
        cells = re.split(r"\s{2,}", row.strip(), maxsplit=7)
        name, certificate_id, product, expires, days, paid_until, next_run = cells[:7]
        certificate = seeded[name]
        expected = [str(certificate["id"]), "QUICKSSLPREMIUM", certificate["expire"][:10], certificate["payable"][:10], EXPECTED_NEXT_RUN[name]]
        if [certificate_id, product, expires, paid_until, next_run] != expected:
            fail(f"row {row!r}: expected id, product, expiry, paid until, next run {expected}")
        if abs(int(days) - SEEDS[name][0]) > 1:
            fail(f"row {row!r}: {days} days remaining, seeded with {SEEDS[name][0]}")
        if next_run != "-" and "within remaining_days (30)" not in cells[7]:
            fail(f"row {row!r} does not say why the certificate is due")


def parse_metrics(text):
    """Samples by (family, certificate name); fails on anything the text exposition format does not allow."""
    if not text.endswith("\n"):
        fail("the metrics file does not end with a line feed")
    described, samples = {}, {}
    for line in text.splitlines():
        if line.startswith("#"):
            parts = line.split(" ", 3)
            if len(parts) < 4 or parts[1] not in ("HELP", "TYPE"):
                fail(f"not a HELP or TYPE line: {line!r}")
            if parts[1] == "TYPE" and parts[3] != "gauge":
                fail(f"{parts[2]} is not a gauge")
            described.setdefault(parts[2], []).append(parts[1])
            continue
        sample = SAMPLE.fullmatch(line)
        if not sample:
            fail(f"not a sample line: {line!r}")
        if described.get(sample["metric"]) != ["HELP", "TYPE"]:
            fail(f"{sample['metric']} has a sample before its HELP and TYPE lines")
        key = (sample["metric"], sample["name"])
        if key in samples:
            fail(f"{key} appears twice")
        samples[key] = (int(sample["id"]), int(sample["value"]))
    if sorted(described) != sorted(FAMILIES):
        fail(f"the metric families are {sorted(described)}")
    return samples


def epoch(api_date):
    return int(datetime.datetime.strptime(api_date, "%Y-%m-%dT%H:%M:%S.%f%z").timestamp())


def check_metrics(path, seeded):
    with open(path, encoding="utf-8") as handle:
        samples = parse_metrics(handle.read())
    if {name for dummy, name in samples} != set(SEEDS):
        fail(f"the metrics name {sorted({name for dummy, name in samples})}, expected {sorted(SEEDS)}")
    for name, certificate in seeded.items():
        expected = {
            "autodns_certificate_expiry_timestamp_seconds": epoch(certificate["expire"]),
            "autodns_certificate_payable_timestamp_seconds": epoch(certificate["payable"]),
            "autodns_certificate_renewal_due": 1 if EXPECTED_NEXT_RUN[name] != "-" else 0,
        }
        for family, value in expected.items():
            if samples[family, name] != (certificate["id"], value):
                fail(f"{family} of {name} is {samples[family, name]}, expected {(certificate['id'], value)}")
        certificate_id, days = samples["autodns_certificate_days_remaining", name]
        if certificate_id != certificate["id"] or abs(days - SEEDS[name][0]) > 1:
            fail(f"autodns_certificate_days_remaining of {name} is {days}, seeded with {SEEDS[name][0]}")
    leftovers = [entry for entry in os.listdir(os.path.dirname(path)) if entry != os.path.basename(path) and entry.endswith(".tmp")]
    if leftovers:
        fail(f"temporary files left beside the metrics file: {leftovers}")


def main():
    config_path, output_dir, extra_args = sys.argv[1], sys.argv[2], sys.argv[3:]
    with open(config_path, encoding="utf-8") as handle:
        config = yaml.safe_load(handle)
    control = SandboxControl(config["autodns_sandbox_control"])
    seeded = seed(control)
    textfile_directory = os.path.join(output_dir, "textfile")
    os.makedirs(textfile_directory, exist_ok=True)
    metrics_path = os.path.join(textfile_directory, "autodns_certificates.prom")

    output = run_report(config, output_dir, extra_args, f"autodns_report_metrics_path={metrics_path}")
    check_table(printed_table(output), seeded)
    check_metrics(metrics_path, seeded)

    # Without the metrics path nothing is written; with the renewal job's remaining_days the decision follows it.
    os.unlink(metrics_path)
    output = run_report(config, output_dir, extra_args, "certificate_renewal_remaining_days=45")
    rows = printed_table(output)[1:]
    due = [row.split()[0] for row in rows if re.search(r"within remaining_days \(45\)$", row)]
    if due != ["reissue.example.com", "renew.example.com", "soon.example.com"]:
        fail(f"with certificate_renewal_remaining_days=45 the due certificates are {due}")
    if os.path.exists(metrics_path):
        fail("the metrics file was written without autodns_report_metrics_path")
    print("report playbook: table and metrics as expected")


if __name__ == "__main__":
    main()
