# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import datetime
import functools
import socket
import ssl
import threading

import pytest

from ansible_collections.autodns.ssl.plugins.module_utils import _endpoint
from ansible_collections.autodns.ssl.plugins.modules import endpoint_check
from ansible_collections.autodns.ssl.tests.unit.plugins import pki

SERIAL = 0x0A1B2C3D4E5F
NOT_AFTER = pki.NOW + datetime.timedelta(days=60)


class TinyTLSServer:
    """A TLS server on 127.0.0.1 that completes handshakes with ``context`` and counts them; ``context=None`` never answers."""

    def __init__(self, context):
        self.context = context
        self.connections = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.port = self.listener.getsockname()[1]
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stopping.is_set():
            try:
                connection, dummy_address = self.listener.accept()
            except socket.timeout:
                continue
            self.connections += 1
            with connection:
                if self.context is None:
                    self.stopping.wait(5)
                    continue
                connection.settimeout(5)
                try:
                    with self.context.wrap_socket(connection, server_side=True):
                        pass
                except (ssl.SSLError, OSError):
                    # The client refused the certificate, or was not speaking TLS: that is what some tests want.
                    pass

    def stop(self):
        self.stopping.set()
        self.thread.join()
        self.listener.close()


@pytest.fixture
def pki_files(tmp_path):
    """The test PKI as files: a leaf for www.example.com and example.com, its chain, its key and the root."""
    root, dummy_root_key, intermediate, dummy_intermediate_key = pki.ca_pair()
    leaf = pki.issue_leaf(key=pki.rsa_key(label="leaf"), serial=SERIAL, not_after=NOT_AFTER)
    files = {
        "fullchain": pki.cert_pem(leaf) + pki.cert_pem(intermediate),
        "leaf_only": pki.cert_pem(leaf),
        "key": pki.private_key_pem(pki.rsa_key(label="leaf")),
        "root": pki.cert_pem(root),
    }
    paths = {}
    for name, content in files.items():
        paths[name] = tmp_path / f"{name}.pem"
        paths[name].write_text(content)
    return {name: str(path) for name, path in paths.items()}


@pytest.fixture
def tls_server(pki_files):
    """Start a TinyTLSServer that serves ``certificates`` (a key of pki_files) with the leaf's key."""
    servers = []

    def start(certificates="fullchain"):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(pki_files[certificates], pki_files["key"])
        servers.append(TinyTLSServer(context))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def check(run_local_module):
    """Run endpoint_check with arguments (no API, so no connection options); returns its result."""
    return functools.partial(run_local_module, endpoint_check)


def served_facts(**overrides):
    facts = {
        "changed": False,
        "serial_number": "A1B2C3D4E5F",
        "not_after": NOT_AFTER.isoformat(),
        "subject_alt_names": ["www.example.com", "example.com"],
        "is_expected": True,
        "chain_verified": True,
        "verify_error": None,
    }
    facts.update(overrides)
    return facts


@pytest.mark.parametrize("check_mode", [False, True])
def test_the_expected_certificate_with_a_chain_that_verifies(check, tls_server, pki_files, check_mode):
    server = tls_server()
    result = check({"host": "127.0.0.1", "port": server.port, "server_name": "www.example.com",
                    "expected_serial_number": "A1B2C3D4E5F", "ca_path": pki_files["root"]}, check_mode=check_mode)
    result.pop("invocation", None)
    assert result == served_facts()
    # Where the chain verifies, one handshake gives every fact: they all come from the certificate that verified.
    assert server.connections == 1


@pytest.mark.parametrize("expected", ["0a:1b:2c:3d:4e:5f", "0A1B2C3D4E5F", " a1b2c3d4e5f "])
def test_case_colons_and_leading_zeros_of_the_expected_serial_do_not_matter(check, tls_server, pki_files, expected):
    server = tls_server()
    result = check({"host": "127.0.0.1", "port": server.port, "server_name": "example.com",
                    "expected_serial_number": expected, "ca_path": pki_files["root"]})
    assert result["is_expected"] is True


def test_without_an_expected_serial_only_the_chain_is_checked(check, tls_server, pki_files):
    server = tls_server()
    result = check({"host": "127.0.0.1", "port": server.port, "server_name": "www.example.com", "ca_path": pki_files["root"]})
    assert "failed" not in result
    assert result["is_expected"] is None
    assert result["chain_verified"] is True


def test_another_serial_fails_naming_server_name_and_both_serials(check, tls_server, pki_files):
    server = tls_server()
    result = check({"host": "127.0.0.1", "port": server.port, "server_name": "www.example.com",
                    "expected_serial_number": "4bc2678c", "ca_path": pki_files["root"]})
    assert result["failed"] is True
    assert result["msg"] == (
        f"127.0.0.1:{server.port} (SNI www.example.com) serves the certificate with serial A1B2C3D4E5F, not the expected serial 4BC2678C. "
        "Check that the new certificate was deployed, that the web server was reloaded since, and that it uses those files for www.example.com."
    )
    assert {key: result[key] for key in ("serial_number", "is_expected", "chain_verified", "verify_error")} == {
        "serial_number": "A1B2C3D4E5F", "is_expected": False, "chain_verified": True, "verify_error": None}


def test_another_serial_is_reported_without_failing(check, tls_server, pki_files):
    server = tls_server()
    result = check({"host": "127.0.0.1", "port": server.port, "server_name": "www.example.com",
                    "expected_serial_number": "4BC2678C", "ca_path": pki_files["root"], "fail_on_mismatch": False})
    result.pop("invocation", None)
    assert result == served_facts(is_expected=False)


def test_a_server_without_the_intermediate_does_not_verify(check, tls_server, pki_files):
    server = tls_server("leaf_only")
    result = check({"host": "127.0.0.1", "port": server.port, "server_name": "www.example.com",
                    "expected_serial_number": "A1B2C3D4E5F", "ca_path": pki_files["root"]})
    assert result["failed"] is True
    assert result["is_expected"] is True
    assert result["chain_verified"] is False
    assert result["verify_error"] == "unable to get local issuer certificate"
    assert result["msg"] == (
        f"127.0.0.1:{server.port} (SNI www.example.com) serves the certificate with serial A1B2C3D4E5F; it does not verify for "
        f"www.example.com against the CA bundle {pki_files['root']}: unable to get local issuer certificate. Check that the server "
        "sends the full chain (its certificate, then the intermediate certificates) and that the certificate covers www.example.com."
    )
    # The failed verifying handshake, then the one that reads the certificate.
    assert server.connections == 2


def test_a_name_the_certificate_does_not_cover_does_not_verify(check, tls_server, pki_files):
    server = tls_server()
    result = check({"host": "127.0.0.1", "port": server.port, "server_name": "shop.example.org",
                    "ca_path": pki_files["root"], "fail_on_mismatch": False})
    assert "failed" not in result
    assert result["chain_verified"] is False
    assert result["verify_error"] == "Hostname mismatch, certificate is not valid for 'shop.example.org'."
    assert result["serial_number"] == "A1B2C3D4E5F"


def test_without_ca_path_the_system_trust_store_does_not_know_the_test_ca(check, tls_server):
    server = tls_server()
    result = check({"host": "127.0.0.1", "port": server.port, "server_name": "www.example.com", "expected_serial_number": "A1B2C3D4E5F"})
    assert result["failed"] is True
    assert result["chain_verified"] is False
    assert "against the system trust store: unable to get local issuer certificate." in result["msg"]
    assert "not the expected serial" not in result["msg"]


def test_server_name_defaults_to_host(check, tls_server, pki_files, monkeypatch):
    server = tls_server()
    sent_names = []
    original = _endpoint.served_certificate_der

    def record_name(context, host, port, server_name, timeout):
        sent_names.append(server_name)
        return original(context, host, port, server_name, timeout)

    monkeypatch.setattr(_endpoint, "served_certificate_der", record_name)
    result = check({"host": "127.0.0.1", "port": server.port, "ca_path": pki_files["root"], "fail_on_mismatch": False})
    assert sent_names == ["127.0.0.1", "127.0.0.1"]
    assert result["verify_error"] == "IP address mismatch, certificate is not valid for '127.0.0.1'."


def closed_port():
    with socket.create_server(("127.0.0.1", 0)) as listener:
        return listener.getsockname()[1]


def test_connection_refused(check):
    port = closed_port()
    result = check({"host": "127.0.0.1", "port": port, "server_name": "www.example.com"})
    assert result["failed"] is True
    assert result["msg"].startswith(f"Nothing accepts connections on 127.0.0.1:{port} (connection refused). Check that the web server runs")
    assert "serial_number" not in result


def test_a_server_that_never_answers_times_out(check):
    server = TinyTLSServer(None)
    try:
        result = check({"host": "127.0.0.1", "port": server.port, "server_name": "www.example.com", "timeout": 1})
    finally:
        server.stop()
    assert result["failed"] is True
    assert result["msg"].startswith(f"No answer from 127.0.0.1:{server.port} within the timeout of 1 s.")


def test_a_port_without_tls(check):
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def answer_like_plain_http():
        connection, dummy_address = listener.accept()
        with connection:
            connection.recv(4096)
            connection.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")

    thread = threading.Thread(target=answer_like_plain_http, daemon=True)
    thread.start()
    try:
        result = check({"host": "127.0.0.1", "port": port, "server_name": "www.example.com"})
    finally:
        thread.join()
        listener.close()
    assert result["failed"] is True
    assert result["msg"].startswith(f"The TLS handshake with 127.0.0.1:{port} (SNI www.example.com) failed: ")
    assert "Check that the port serves TLS (not plain HTTP)" in result["msg"]


def test_a_name_that_does_not_resolve(check, monkeypatch):
    # Resolving a made-up name would ask the network's DNS; the resolver's answer is given instead.
    def unresolvable(address, timeout):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(_endpoint.socket, "create_connection", unresolvable)
    result = check({"host": "www.example.invalid", "server_name": "www.example.com"})
    assert result["msg"] == ("The host name www.example.invalid cannot be resolved where the task runs: Name or service not known. "
                             "Check the name, or give its address as host and the name as server_name.")


def test_a_ca_path_that_does_not_exist(check, tmp_path):
    missing = tmp_path / "missing.pem"
    result = check({"host": "127.0.0.1", "port": closed_port(), "ca_path": str(missing)})
    assert result["failed"] is True
    assert result["msg"].startswith(f"The CA bundle {missing} cannot be used (")
    assert result["msg"].endswith("it must be a readable file of PEM certificates (BEGIN CERTIFICATE).")


def test_a_ca_path_without_certificates(check, pki_files):
    result = check({"host": "127.0.0.1", "port": closed_port(), "ca_path": pki_files["key"]})
    assert result["failed"] is True
    assert result["msg"].startswith(f"The CA bundle {pki_files['key']} cannot be used (")


@pytest.mark.parametrize("args, message", [
    ({"expected_serial_number": "not-hex"}, "expected_serial_number 'not-hex' is not a hexadecimal serial number"),
    ({"port": 0}, "port must be between 1 and 65535, not 0."),
    ({"port": 70000}, "port must be between 1 and 65535, not 70000."),
    ({"timeout": 0}, "timeout must be at least 1 second."),
])
def test_options_that_cannot_be_used(check, args, message):
    result = check(dict({"host": "127.0.0.1", "port": closed_port()}, **args))
    assert result["failed"] is True
    assert result["msg"].startswith(message)
