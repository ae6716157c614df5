# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Scripted HTTP for unit tests: every request the client sends must be the next expected call.

A test lists the calls it expects (method, path, and optionally query, body and headers) with the
answer to give. Unexpected, out-of-order or missing calls fail the test.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import requests

API_URL = "https://api.autodns.test/v1"


class Call:
    def __init__(self, method, path, status=200, envelope=None, raw_body=None, headers=None, raises=None):
        self.method = method
        self.path = path
        self.status = status
        self.envelope = envelope
        self.raw_body = raw_body
        self.response_headers = headers or {}
        self.raises = raises
        self.expected_body = None
        self.expected_query = None
        self.expected_headers = {}

    def expect_body(self, body):
        self.expected_body = body
        return self

    def expect_query(self, query):
        self.expected_query = query
        return self

    def expect_header(self, name, value):
        self.expected_headers[name] = value
        return self


def envelope(code="S0000", data=None, status_type="SUCCESS", summary=None, object_type=None, messages=None, text="OK"):
    """A response envelope in the API's shape."""
    result = {"stid": "20261128-app1-1", "status": {"code": code, "text": text, "type": status_type}, "data": data or []}
    if summary is not None or object_type is not None:
        result["object"] = {"type": object_type, "summary": summary}
    if messages is not None:
        result["messages"] = messages
    return result


def error_envelope(status_code, *message_codes, text="Fehler", stid="20261128-app2-1234"):
    return {
        "stid": stid,
        "status": {"code": status_code, "text": status_code, "type": "ERROR"},
        "messages": [{"code": code, "text": text, "status": "ERROR"} for code in message_codes],
    }


class ScriptedSession(requests.Session):
    """A requests.Session whose network is a script of expected calls."""

    def __init__(self, calls):
        super().__init__()
        self.expected = list(calls)
        self.sent = []

    def request(self, method, url, params=None, data=None, headers=None, json=None, **kwargs):  # pylint: disable=arguments-differ,redefined-outer-name
        merged = dict(self.headers)
        merged.update(headers or {})
        self.sent.append({"method": method, "url": url, "params": params, "body": json, "headers": merged, "auth": self.auth, "kwargs": kwargs})
        if not self.expected:
            raise AssertionError(f"Unexpected request {method} {url}")
        call = self.expected.pop(0)
        parts = urlsplit(url)
        if method != call.method or parts.path != urlsplit(API_URL).path + call.path:
            raise AssertionError(f"Expected {call.method} {call.path}, got {method} {parts.path}")
        if call.expected_body is not None and json != call.expected_body:
            raise AssertionError(f"Body of {method} {call.path}: expected {call.expected_body!r}, got {json!r}")
        if call.expected_query is not None and (params or {}) != call.expected_query:
            raise AssertionError(f"Query of {method} {call.path}: expected {call.expected_query!r}, got {params!r}")
        for name, value in call.expected_headers.items():
            if merged.get(name) != value:
                raise AssertionError(f"Header {name} of {method} {call.path}: expected {value!r}, got {merged.get(name)!r}")
        if call.raises is not None:
            raise call.raises
        return _response(call, url)

    def assert_done(self):
        if self.expected:
            remaining = ", ".join(f"{call.method} {call.path}" for call in self.expected)
            raise AssertionError(f"Expected calls were not made: {remaining}")


def _response(call, url):
    response = requests.Response()
    response.status_code = call.status
    response.url = url
    response.headers.update(call.response_headers)
    if call.raw_body is not None:
        response._content = call.raw_body.encode("utf-8")  # pylint: disable=protected-access
    else:
        response._content = json.dumps(call.envelope if call.envelope is not None else envelope()).encode("utf-8")  # pylint: disable=protected-access
    return response


def query_of(url):
    return parse_qs(urlsplit(url).query)


class NoRateLimit:
    warning = None

    def acquire(self):
        """Unit tests do not wait."""


def format_api_datetime(moment):
    """An aware datetime written the way the API writes dates: milliseconds, offset without colon."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}" + moment.strftime("%z")
