"""The HTTP side of the sandbox: /v1 (the API imitation) and /_sandbox (the control surface)."""

import http.server
import ipaddress
import json
import threading
import time
import urllib.parse

from . import gateway
from .ca import SandboxCA
from .control_surface import ControlRequest, answer_control, take_fault
from .dns_server import SandboxDNS
from .envelope import build_envelope, refuse
from .formats import new_stid, utc_now
from .seed import apply_seed
from .state import Sandbox

API_PREFIX = '/v1'
CONTROL_PREFIX = '/_sandbox'
HTTP_FAULT_STATUS = {'http_500': 500, 'http_502': 502, 'http_503': 503, 'http_429': 429}
PROXY_ERROR_PAGE = b'<html><body><h1>%d</h1>The upstream server is unavailable.</body></html>'
REDACTED = '<redacted>'


def require_loopback(host):
    """Only IPv4 loopback addresses are allowed, so the sandbox is never reachable from outside."""
    try:
        address = ipaddress.IPv4Address(host)
    except ValueError as error:
        raise ValueError(f'{host} is not an IPv4 loopback address') from error
    if not address.is_loopback:
        raise ValueError(f'{host} is not a loopback address')


def _logged_body(body):
    try:
        return json.loads(body) if body else None
    except ValueError:
        return body.decode('utf-8', 'replace')


def _logged_headers(headers):
    return {name: REDACTED if name.lower() == 'authorization' else value for name, value in headers.items()}


class SandboxRequestHandler(http.server.BaseHTTPRequestHandler):
    """Serves /v1 and /_sandbox; server.sandbox holds the state."""

    protocol_version = 'HTTP/1.1'
    server_version = 'AutoDNSSandbox/1.0'

    def do_GET(self):  # pylint: disable=invalid-name
        self._dispatch()

    def do_POST(self):  # pylint: disable=invalid-name
        self._dispatch()

    def do_PUT(self):  # pylint: disable=invalid-name
        self._dispatch()

    def do_DELETE(self):  # pylint: disable=invalid-name
        self._dispatch()

    def do_PATCH(self):  # pylint: disable=invalid-name
        self._dispatch()

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        """Silent: the request log of the control surface records what matters."""

    def _dispatch(self):
        url = urllib.parse.urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get('Content-Length') or 0))
        if url.path == API_PREFIX or url.path.startswith(API_PREFIX + '/'):
            self._serve_api(url, body)
        elif url.path.startswith(CONTROL_PREFIX + '/'):
            self._serve_control(url.path[len(CONTROL_PREFIX):], body)
        else:
            self._send_json(404, {'error': 'unknown path'})

    def _send(self, status, payload, content_type, headers=None):
        try:
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header('Content-Type', content_type)
            self.send_header('Content-Length', str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except ConnectionError:
            # A client that stopped waiting (as late_answer intends) is not a sandbox error worth a traceback.
            self.close_connection = True

    def _send_json(self, status, value, headers=None):
        self._send(status, json.dumps(value).encode('utf-8'), 'application/json;charset=UTF-8', headers)

    def _serve_control(self, path, body):
        sandbox = self.server.sandbox
        try:
            parsed = json.loads(body) if body.strip() else {}
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict):
            self._send_json(400, {'error': 'the body must be a JSON object'})
            return
        with sandbox.lock:
            now = utc_now()
            sandbox.advance(now)
            status, value = answer_control(sandbox, ControlRequest(self.command, path, parsed, {}, now, self.server.seed_name))
        self._send_json(status, value)

    def _record_arrival(self, url, body):
        """Log the request and pick its fault, before anything else happens to it."""
        sandbox = self.server.sandbox
        path = url.path[len(API_PREFIX):] or '/'
        with sandbox.lock:
            now = utc_now()
            sandbox.advance(now)
            sandbox.counters['requests'] += 1
            fault = take_fault(sandbox, self.command, path)
            entry = {
                'time': now, 'method': self.command, 'path': path, 'query': urllib.parse.parse_qs(url.query),
                'headers': _logged_headers(self.headers), 'body': _logged_body(body), 'status': None,
                'ctid': self.headers.get('X-Domainrobot-Ctid'), 'fault': fault['kind'] if fault else None,
            }
            sandbox.request_log.append(entry)
        return path, fault, entry

    def _serve_api(self, url, body):
        path, fault, entry = self._record_arrival(url, body)
        kind = fault['kind'] if fault else None
        if kind == 'drop_before':
            self.close_connection = True
            return
        if kind in HTTP_FAULT_STATUS:
            entry['status'] = HTTP_FAULT_STATUS[kind]
            self._send_http_fault(fault)
            return
        if kind == 'slow':
            time.sleep(fault['delay'])
        request = gateway.ApiRequest(
            method=self.command, path=path, query=urllib.parse.parse_qs(url.query),
            headers={name.lower(): value for name, value in self.headers.items()}, body=body, client=self.client_address[0],
        )
        status, envelope, headers = self._handle(request, entry, end_started_jobs=kind == 'drop_after_job_ends')
        if kind in ('drop_after', 'drop_after_job_ends'):
            self.close_connection = True
            return
        if kind == 'late_answer':
            time.sleep(fault['delay'])
        payload = json.dumps(envelope).encode('utf-8')
        if kind == 'malformed_json':
            payload = payload[:len(payload) // 2]
        self._send(status, payload, 'application/json;charset=UTF-8', headers)

    def _handle(self, request, entry, end_started_jobs):
        """Answer one /v1 request and log its status; end_started_jobs runs the jobs it started to their end before the lock is released."""
        sandbox = self.server.sandbox
        with sandbox.lock:
            now = utc_now()
            sandbox.advance(now)
            running_before = set(sandbox.active_jobs)
            answered = gateway.answer(sandbox, request, now)
            entry['status'] = answered[0]
            if end_started_jobs:
                for job_id in sorted(set(sandbox.active_jobs) - running_before):
                    sandbox.finish_now(sandbox.active_jobs[job_id], now)
        return answered

    def _send_http_fault(self, fault):
        status = HTTP_FAULT_STATUS[fault['kind']]
        if status in (502, 503):
            self._send(status, PROXY_ERROR_PAGE % status, 'text/html')
            return
        stid = new_stid(utc_now())
        code = 'EF00025' if status == 429 else 'EF00500'
        envelope = build_envelope(refuse(status, 'E0001', code).reply, stid, self.headers.get('X-Domainrobot-Ctid'), 'en')
        headers = {'X-Domainrobot-Stid': stid}
        if status == 429:
            headers['Retry-After'] = str(fault['retry_after'])
        self._send_json(status, envelope, headers)


class SandboxService:
    """The HTTP and DNS servers around one Sandbox; start() runs them in background threads."""

    def __init__(self, host='127.0.0.1', port=0, dns_port=0, seed='none'):
        require_loopback(host)
        now = utc_now()
        self.sandbox = Sandbox(SandboxCA(now))
        apply_seed(self.sandbox, seed, now)
        self.http = http.server.ThreadingHTTPServer((host, port), SandboxRequestHandler)
        self.http.daemon_threads = True
        self.http.sandbox = self.sandbox
        self.http.seed_name = seed
        self.dns = SandboxDNS(self.sandbox, host, dns_port)
        self._thread = None

    @property
    def base_url(self):
        host, port = self.http.server_address[:2]
        return f'http://{host}:{port}'

    @property
    def url(self):
        return self.base_url + API_PREFIX

    @property
    def control_url(self):
        return self.base_url + CONTROL_PREFIX

    def start(self):
        self.dns.start()
        self._thread = threading.Thread(target=self.http.serve_forever, daemon=True)
        self._thread.start()

    def stop(self):
        self.http.shutdown()
        self.http.server_close()
        self.dns.stop()
