# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Bad input, one table row each: the option, the value, and the message the user sees, refused before any API write.

Module rows run the module against a real sandbox; its request log then proves that nothing was written. The writes are
the requests that change something at AutoDNS: renew (PUT /certificate/{id}/_renew), reissue (PUT /certificate/{id}),
the zone stream (POST /zone/{name}/_stream) and the poll confirm (PUT /poll/{id}). Every other request but GET is a
write too, except the two kinds of POST that only read: the searches (POST .../_search) and prepareOrder
(POST /certificate/_prepareOrder), which checks a CSR and hands out validation values.

Role rows run the filter autodns.ssl.renewal_requests, whose problems the role asserts on as its first step, before it
asks the API anything (the integration target role_certificate_renewal, test_bad_input.yml, proves that for the role).
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import os
import signal

import pytest

from ansible_collections.autodns.ssl.plugins.filter.renewal_requests import renewal_requests
from ansible_collections.autodns.ssl.plugins.module_utils import _client
from ansible_collections.autodns.ssl.plugins.modules import (
    api_check,
    certificate_deploy,
    certificate_info,
    certificate_prepare,
    certificate_renew,
    poll,
    zone_record,
)
from ansible_collections.autodns.ssl.tests.sandbox.control import SandboxControl
from ansible_collections.autodns.ssl.tests.sandbox.runner import start_sandbox
from ansible_collections.autodns.ssl.tests.unit.plugins import pki
from ansible_collections.autodns.ssl.tests.unit.plugins.filter.test_renewal_requests import DEFAULTS
from ansible_collections.autodns.ssl.tests.unit.plugins.module_utils.test_renewal import api_certificate, certificate_call, puts
from ansible_collections.autodns.ssl.tests.unit.plugins.scripted_http import Call, NoRateLimit, envelope

SSL_OWNER = {"user": "ssl-user", "context": 9}
ZONE_OWNER = {"user": "zone-user", "context": 4}
SSL_LOGIN = {"username": "ssl-user", "password": "ssl-password", "context": 9}
ZONE_LOGIN = {"username": "zone-user", "password": "zone-password", "context": 4}
# certificate_deploy talks to no API: None leaves the connection options of the module runner out.
NO_LOGIN = {"api_url": None, "username": None, "password": None, "context": None}
READ_ONLY_POSTS = ("/certificate/_prepareOrder",)

# ansible-test runs every test in a fork of the process that collected this module; a fork sets the module's fixtures up
# again and never tears them down, so a test running in a fork ends its own sandbox.
COLLECTING_PID = os.getpid()

# Values that are bad in themselves.
PRIVATE_KEY = pki.private_key_pem(pki.rsa_key(label="pasted"))
WEAK_CSR = pki.csr_pem(key=pki.rsa_key(bits=1024, label="weak"))
OTHER_NAME_CSR = pki.csr_pem(common_name="shop.example.com", sans=("shop.example.com",))
EXTRA_NAME_CSR = pki.csr_pem(common_name="www.example.com", sans=("www.example.com", "shop.example.net"))
GOOD_CSR = pki.csr_pem(common_name="www.example.com", sans=("www.example.com",), key=pki.rsa_key(label="new"))
NEW_KEY = pki.private_key_pem(pki.rsa_key(label="new"))
OTHER_KEY = pki.private_key_pem(pki.rsa_key(label="other"))


@dataclasses.dataclass(frozen=True)
class Row:
    """One bad input. ``args`` are the module's other options (or the role entry's other settings); strings in them naming
    a key of the seeded context (``$due``, ``$early``, ``$csr``, ``$tmp``) are replaced by its value."""

    target: str
    option: str
    value: object
    message: str
    args: dict = dataclasses.field(default_factory=dict)
    check_mode: bool = False
    # Where the message shows: the failure's msg, or for certificate_info the renewal decision it reports.
    reported_in: str = "msg"
    # Role entries before the row's own, for settings that collide across entries.
    earlier_entries: tuple = ()

    @property
    def label(self):
        """The row's test id: target, option and (the start of) the value."""
        value = self.value if not isinstance(self.value, str) or len(self.value) < 30 else f"{self.value[:18]}..."
        return f"{self.target}:{self.option}={value!r}" + (":check" if self.check_mode else "")


RENEW = {"certificate_id": "$due"}
PREPARE = {"csr": "$csr", "product": "QUICKSSLPREMIUM", "certificate_id": "$due"}
TXT = {"name": "_dnsauth.www.example.com", "type": "TXT", "value": "token", **ZONE_LOGIN}
MODULE_ROWS = [
    Row("certificate_renew", "term", -12, "term must be a positive number of months, not -12.", RENEW),
    Row("certificate_renew", "term", 36, "term 36 is not offered for QUICKSSLPREMIUM: it is sold for 12 or 24 months.",
        {**RENEW, "order": "renew"}),
    Row("certificate_renew", "remaining_days", -1, "remaining_days must be 0 or more, not -1.", RENEW),
    Row("certificate_renew", "remaining_days", "soon", "argument 'remaining_days' is of type", RENEW),
    Row("certificate_renew", "force", "maybe", "argument 'force' is of type", RENEW),
    Row("certificate_renew", "order", "upgrade", "value of order must be one of: auto, renew, reissue", RENEW),
    Row("certificate_renew", "certificate_id", "latest", "argument 'certificate_id' is of type"),
    Row("certificate_renew", "name", "", "name is an empty string. Set it."),
    Row("certificate_renew", "csr", "", "csr is an empty string. Set a PEM certificate signing request (BEGIN CERTIFICATE REQUEST), or leave csr"
        " out to order with the CSR AutoDNS holds.", RENEW),
    Row("certificate_renew", "csr", "not a csr", "The csr is not a PEM certificate signing request (BEGIN CERTIFICATE REQUEST)", RENEW),
    Row("certificate_renew", "csr", PRIVATE_KEY, "The csr holds a private key (it is not shown here). Pass the certificate signing request", RENEW),
    Row("certificate_renew", "csr", WEAK_CSR, "The csr's RSA key has 1024 bits; at least 2048 bits are required: make the CSR from a stronger key.", RENEW),
    Row("certificate_renew", "csr", OTHER_NAME_CSR, "The csr names shop.example.com, but certificate", RENEW),
    Row("certificate_renew", "csr", EXTRA_NAME_CSR, "The csr names shop.example.net, but certificate", RENEW),
    Row("certificate_renew", "force", True, "cannot be renewed yet: AutoDNS renews only within 90 days before expiry and refuses earlier"
        " renewals with EF4001012", {"certificate_id": "$early"}),
    Row("certificate_renew", "force", True, "renewal is possible from", {"certificate_id": "$early"}, check_mode=True),
    Row("certificate_renew", "dns_provisioning", False, "dns_provisioning=false needs authentication: pass the authentication list"
        " certificate_prepare returned", RENEW),
    Row("certificate_renew", "authentication", [{"method": "EMAIL"}], "authentication must be the list certificate_prepare returned", RENEW),
    Row("certificate_renew", "term", 24, "A reissue keeps the term of 12 months; term 24 applies to a renewal (order renew) only.",
        {**RENEW, "order": "reissue"}),
    Row("certificate_info", "name", "", "name is an empty string. Set it."),
    Row("certificate_info", "names", ["www.example.com", " "], "names holds an empty string. Remove it from names"),
    Row("certificate_info", "remaining_days", -5, "remaining_days must be 0 or more, not -5.", {"certificate_id": "$due"}),
    Row("certificate_info", "previous", {"id": 1}, "previous must be the previous value certificate_renew returned"),
    Row("certificate_info", "force", True, "cannot be renewed yet: AutoDNS renews only within 90 days before expiry",
        {"certificate_id": "$early"}, reported_in="certificate.renewal.problem"),
    Row("certificate_prepare", "csr", "", "csr is an empty string. Set a PEM certificate signing request (BEGIN CERTIFICATE REQUEST).", PREPARE),
    Row("certificate_prepare", "csr", PRIVATE_KEY, "The csr holds a private key (it is not shown here).", PREPARE),
    Row("certificate_prepare", "product", "", "product is an empty string. Set it.", PREPARE),
    Row("api_check", "password", "", "password is an empty string. Set it, or leave it out so that the environment variable AUTODNS_PASSWORD applies."),
    Row("api_check", "username", "", "username is an empty string. Set it, or leave it out so that the environment variable AUTODNS_USERNAME"),
    Row("api_check", "api_url", " ", "api_url is an empty string. Set it, or leave it out so that the environment variable AUTODNS_API_URL"),
    Row("api_check", "timeout", 0, "timeout must be a positive number of seconds."),
    Row("api_check", "context", "nine", "argument 'context' is of type"),
    Row("zone_record", "ttl", -1, "ttl of _dnsauth.www.example.com must be a positive number of seconds, not -1", TXT),
    Row("zone_record", "type", "A", "value of type must be one of: TXT, CNAME", TXT),
    Row("zone_record", "value", "", "The TXT value of _dnsauth.www.example.com must not be empty", TXT),
    Row("poll", "wait_timeout", -1, "wait_timeout must be 0 or more seconds, not -1.", {"job_id": 1}),
    Row("certificate_deploy", "cert_path", "$tmp", "cert_path $tmp is a directory; set the path of the file to write there", NO_LOGIN),
    Row("certificate_deploy", "key_path", "$tmp/www.crt", "key_path $tmp/www.crt of www.example.com is also a certificate path", NO_LOGIN),
]

ROLE_ENTRY = {"name": "www.example.com", "cert_path": "/srv/tls/www.crt"}
ROLE_ROWS = [
    Row("role", "csr", "", "csr is an empty string. Leave csr out to renew with the CSR AutoDNS holds for the certificate, or set a PEM"),
    Row("role", "csr", PRIVATE_KEY, "csr holds a private key (it is not shown here and was dropped)"),
    Row("role", "csr", "not a csr", "The csr is not a PEM certificate signing request (BEGIN CERTIFICATE REQUEST)"),
    Row("role", "csr", WEAK_CSR, "The csr's RSA key has 1024 bits; at least 2048 bits are required: make the CSR from a stronger key."),
    Row("role", "csr", OTHER_NAME_CSR, "csr is made for shop.example.com, not for www.example.com; set the CSR of www.example.com"),
    Row("role", "key_src", "$tmp/missing.key", "key_src $tmp/missing.key does not exist on the controller", {"csr": GOOD_CSR, "key_path": "/srv/k"}),
    Row("role", "key_src", "$tmp", "key_src $tmp is a directory; set the path of the private key file", {"csr": GOOD_CSR, "key_path": "/srv/k"}),
    Row("role", "key_src", "$tmp/other.key", "key_src $tmp/other.key does not belong to csr: the CSR carries another public key",
        {"csr": GOOD_CSR, "key_path": "/srv/k"}),
    Row("role", "key_src", "$tmp/new.key", "key_src needs csr", {"key_path": "/srv/k"}),
    Row("role", "key_src", "$tmp/new.key", "key_src needs key_path", {"csr": GOOD_CSR}),
    Row("role", "key_path", "/srv/tls/www.crt", "key_path /srv/tls/www.crt is also cert_path; each file needs a path of its own"),
    Row("role", "fullchain_path", "/srv/tls/", "fullchain_path /srv/tls/ ends with a slash, so it names a directory"),
    Row("role", "chain_path", "/srv/tls/www.crt", "chain_path /srv/tls/www.crt is also cert_path of shop.example.com; each file needs a path",
        {"cert_path": "/srv/tls/www-only.crt"}, earlier_entries=({"name": "shop.example.com", "cert_path": "/srv/tls/www.crt"},)),
    Row("role", "dns_method", "route53", "dns_method must be one of provisioning, zone_api, custom, not 'route53'"),
    Row("role", "order", "buy", "order must be one of auto, renew, reissue, not 'buy'"),
    Row("role", "term", "twelve", "term must be a whole number, not 'twelve'"),
    Row("role", "term", -12, "term must be a positive number of months"),
    Row("role", "remaining_days", -1, "remaining_days must be 0 or more"),
    Row("role", "force", "maybe", "force must be true or false, not 'maybe'"),
    Row("role", "id", -3, "id must be the positive id of a certificate at AutoDNS, not -3", {"name": None}),
    Row("role", "mode", 420, "mode must be a quoted string of octal digits such as '0644', not the number 420"),
    Row("role", "cert_path", ["/srv/a.crt"], "cert_path must be a single value, not a list"),
    Row("role", "fullchain", "/srv/f.pem", "unknown settings: fullchain"),
    Row("role", "dns_method", "custom", "dns_method custom needs dns_tasks"),
    Row("role", "id", 1658000, "set exactly one of name and id"),
]


def is_write(entry):
    """Whether a request of the sandbox log could have changed anything at AutoDNS (see the module docstring)."""
    if entry["method"] == "GET":
        return False
    return not (entry["method"] == "POST" and (entry["path"].endswith("/_search") or entry["path"] in READ_ONLY_POSTS))


def substituted(value, context):
    """``value`` with each ``$key`` of ``context`` replaced; a string that is just ``$key`` becomes the context's value itself."""
    if isinstance(value, str):
        if value.startswith("$") and value[1:] in context:
            return context[value[1:]]
        for key in sorted(context, key=len, reverse=True):
            value = value.replace(f"${key}", str(context[key]))
        return value
    if isinstance(value, list):
        return [substituted(item, context) for item in value]
    if isinstance(value, dict):
        return {key: substituted(item, context) for key, item in value.items()}
    return value


def reported(result, where):
    for key in where.split("."):
        result = result[key]
    return result


@pytest.fixture(scope="module")
def sandbox():
    with start_sandbox() as process:
        yield process


@pytest.fixture
def control(sandbox):
    sandbox_control = SandboxControl(sandbox.control_url)
    sandbox_control.reset()
    sandbox_control.settings(rate_limit=0)
    yield sandbox_control
    if os.getpid() != COLLECTING_PID:
        os.kill(sandbox.pid, signal.SIGTERM)


@pytest.fixture
def seeded(control, sandbox, tmp_path, monkeypatch):
    """A due certificate (20 days left) and one that cannot be renewed yet (200 days left), and what the rows refer to."""
    monkeypatch.setattr(_client.RateLimiter, "for_url", classmethod(lambda cls, url, **kwargs: NoRateLimit()))
    control.add_zone("example.com", owner=ZONE_OWNER, provisioning=True)
    due = control.add_certificate("www.example.com", owner=SSL_OWNER, product="QUICKSSLPREMIUM", days_remaining=20)
    early = control.add_certificate("later.example.com", owner=SSL_OWNER, product="QUICKSSLPREMIUM", days_remaining=200)
    return {"due": due["id"], "early": early["id"], "csr": due["csr"], "tmp": str(tmp_path), "url": sandbox.url}


MODULES = {module.__name__.rsplit(".", 1)[-1]: module for module in
           (api_check, certificate_deploy, certificate_info, certificate_prepare, certificate_renew, poll, zone_record)}


def module_args(row, seeded):
    args = {"api_url": seeded["url"], **SSL_LOGIN, **substituted(row.args, seeded), row.option: substituted(row.value, seeded)}
    if row.target == "certificate_deploy":
        entry = {"name": "www.example.com", "certificate": pki.cert_pem(pki.issue_leaf()), "cert_path": f"{seeded['tmp']}/www.crt"}
        entry[row.option] = args.pop(row.option)
        args = {**NO_LOGIN, "certificates": [entry]}
    return args


@pytest.mark.parametrize("row", MODULE_ROWS, ids=[f"{index}-{row.label}" for index, row in enumerate(MODULE_ROWS)])
def test_a_module_refuses_bad_input_before_any_write(row, seeded, control, run_module):
    logged_before = len(control.log())
    result = run_module(MODULES[row.target], module_args(row, seeded), check_mode=row.check_mode)

    message = reported(result, row.reported_in)
    assert substituted(row.message, seeded) in message
    assert row.option in message
    if row.reported_in == "msg":
        assert result["failed"] is True
        assert result.get("changed") is not True
    assert [entry for entry in control.log()[logged_before:] if is_write(entry)] == []
    assert control.counters()["jobs"] == []
    if row.value is PRIVATE_KEY:
        assert not shows_private_key(json.dumps(result))


def shows_private_key(text):
    """Whether any line of the pasted key's body is in ``text``, raw or inside a JSON string."""
    return any(line in text for line in PRIVATE_KEY.splitlines()[1:-1])


@pytest.fixture
def key_files(tmp_path):
    (tmp_path / "new.key").write_text(NEW_KEY)
    (tmp_path / "other.key").write_text(OTHER_KEY)
    return {"tmp": str(tmp_path)}


@pytest.mark.parametrize("row", ROLE_ROWS, ids=[f"{index}-{row.label}" for index, row in enumerate(ROLE_ROWS)])
def test_the_role_refuses_a_bad_entry_before_asking_the_api(row, key_files):
    entry = {**ROLE_ENTRY, **substituted(row.args, key_files), row.option: substituted(row.value, key_files)}
    entry = {name: value for name, value in entry.items() if value is not None}
    request = renewal_requests(list(row.earlier_entries) + [entry], DEFAULTS)[-1]

    problems = "; ".join(request["problems"])
    assert substituted(row.message, key_files) in problems
    assert row.option in problems
    if row.value is PRIVATE_KEY:
        assert request["csr"] is None
        assert not shows_private_key(json.dumps(request))


def test_the_table_has_at_least_thirty_rows():
    assert len(MODULE_ROWS + ROLE_ROWS) >= 30


def without_expire():
    certificate = api_certificate()
    del certificate["expire"]
    return certificate


def test_a_certificate_without_expiry_is_refused_not_ordered_as_expired_in_1970(http, run_module):
    session = http(certificate_call(without_expire()))
    result = run_module(certificate_renew, {"certificate_id": 1658000})
    assert result["failed"] is True
    assert "has no expiry date at AutoDNS" in result["msg"] and "nothing is ordered for it" in result["msg"]
    assert result["expire"] is None and result["days_remaining"] is None
    assert not puts(session)


def test_certificate_info_reports_a_certificate_without_expiry_as_a_problem(http, run_module):
    http(certificate_call(without_expire()), Call("POST", "/job/_search", envelope=envelope("S300115", data=[], summary=0)))
    result = run_module(certificate_info, {"certificate_id": 1658000})
    renewal = result["certificate"]["renewal"]
    assert renewal["due"] is True
    assert "has no expiry date at AutoDNS" in renewal["problem"]
    assert result["certificate"]["days_remaining"] is None


def test_a_renewal_too_early_is_no_change_predicted_in_check_mode(http, run_module):
    early = api_certificate(days_remaining=200)
    session = http(certificate_call(early))
    result = run_module(certificate_renew, {"certificate_id": 1658000, "force": True}, check_mode=True)
    assert result["failed"] is True
    assert result.get("changed") is not True
    assert result["renewal_possible_from"] == (_client.parse_api_datetime(early["expire"]) - datetime.timedelta(days=90)).isoformat()
    assert not puts(session)
