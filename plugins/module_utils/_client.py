# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one client of the AutoDNS JSON API ("Domainrobot") that every module uses.

Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

import datetime
import email.utils
import random
import time
import traceback
import uuid

try:
    import requests
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None

from ._rate_limit import RateLimiter
from ._version import COLLECTION_VERSION

LIVE_API_URL = "https://api.autodns.com/v1"
DEMO_API_URL = "https://api.demo.autodns.com/v1"

# Retried for calls that are safe to repeat; an order is never repeated by the client.
RETRY_HTTP_STATUSES = frozenset([408, 429, 500, 502, 503, 504])
RETRY_BUDGET_SECONDS = 60.0
RETRY_BASE_DELAY = 1.0
RETRY_MAX_DELAY = 20.0
RETRY_AFTER_CAP = 60.0

# Besides HTTP 404, the codes known to say that an object does not exist: EF300101 answers a job
# info for a job that has ended. Decided by code, never by text.
NOT_FOUND_CODES = frozenset(["EF300101"])

# What a person can do about an error, keyed by API message code or HTTP status.
ERROR_HINTS = {
    401: "Authentication failed: check username, password and context (SSL Manager users usually have context 9, the demo system 1).",
    429: "The API's rate limit (3 requests per second per IP) was exceeded; retry later or run fewer jobs against the API at once.",
    "EF4001012": "The API renews a certificate only within 90 days before it expires.",
    "EF02022": "The record already exists in the zone.",
}


def parse_api_datetime(value):
    """Parse the API's date format (``2021-05-03T13:39:31.000+0200``) into an aware datetime.

    The API writes the UTC offset without a colon, which strict RFC 3339 parsers reject.
    Also accepts ``Z``, an offset with a colon, and no fractional seconds. ``None`` stays ``None``.
    """
    if value is None or value == "":
        return None
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+0000"
    if len(text) > 6 and text[-3] == ":" and text[-6] in "+-":
        text = text[:-3] + text[-2:]
    for pattern in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            return datetime.datetime.strptime(text, pattern)
        except ValueError:
            continue
    raise ValueError(f"Cannot parse API date {value!r}")


# Every request of this collection carries a ctid with this prefix; messages of its orders carry it too.
CTID_PREFIX = "autodns-ssl-"


def new_ctid():
    """A fresh client transaction id, echoed by the API and stored on jobs and poll messages."""
    return f"{CTID_PREFIX}{uuid.uuid4().hex}"


def _flat_messages(messages):
    """The API's messages with their nested ``messages[]``, in order: a code may sit at any depth."""
    flat = []
    for message in messages or []:
        if isinstance(message, dict):
            flat.append(message)
            flat.extend(_flat_messages(message.get("messages")))
    return flat


class AutoDNSError(Exception):
    """Any failure of an API call: an ERROR answer, an HTTP error, or no usable answer at all."""

    def __init__(self, operation, http_status=None, status=None, messages=None, stid=None, ctid=None, reason=None, outcome_unknown=False):
        self.operation = operation
        self.http_status = http_status
        status = status or {}
        self.status_code = status.get("code") or status.get("resultCode")
        self.status_text = status.get("text")
        self.messages = _flat_messages(messages)
        self.codes = [message["code"] for message in self.messages if message.get("code")]
        self.texts = [message["text"] for message in self.messages if message.get("text")]
        self.stid = stid
        self.ctid = ctid
        self.reason = reason
        # True where the request may have taken effect although no answer says so.
        self.outcome_unknown = outcome_unknown
        super().__init__(self.describe())

    def has_code(self, *codes):
        return any(code in self.codes or code == self.status_code for code in codes)

    @property
    def not_found(self):
        return self.http_status == 404 or self.has_code(*NOT_FOUND_CODES)

    @property
    def refused(self):
        """The API answered and said no (HTTP 4xx): the request did not take effect, whatever the body looks like."""
        return self.http_status is not None and 400 <= self.http_status < 500

    @property
    def retryable(self):
        if self.http_status is None or self.http_status in RETRY_HTTP_STATUSES:
            return True
        return self.reason == "malformed" and not self.refused

    def hint(self):
        for key in self.codes + [self.http_status]:
            if key in ERROR_HINTS:
                return ERROR_HINTS[key]
        return None

    def describe(self):
        codes = " / ".join(code for code in [self.status_code] + self.codes if code)
        if self.http_status is None:
            sentence = f"{self.operation} failed: no answer from the API ({self.reason})"
        elif self.reason == "malformed":
            sentence = f"{self.operation} failed: the API answered HTTP {self.http_status} with a body that is not the JSON envelope"
        else:
            sentence = f"{self.operation} refused" + (f" ({codes})" if codes else f" (HTTP {self.http_status})")
            details = self.texts or ([self.status_text] if self.status_text and self.status_text != self.status_code else [])
            if details:
                sentence += ": " + " ".join(details)
        hint = self.hint()
        if hint:
            sentence = sentence.rstrip(".") + ". " + hint
        if self.outcome_unknown:
            sentence = sentence.rstrip(".") + ". It is unknown whether the request took effect"
        if self.stid:
            sentence += f" [stid {self.stid}]"
        elif self.ctid:
            sentence += f" [ctid {self.ctid}]"
        return sentence

    def as_result(self):
        """Structured details for a module's failure result."""
        return {
            "operation": self.operation,
            "http_status": self.http_status,
            "status_code": self.status_code,
            "codes": self.codes,
            "texts": self.texts,
            "stid": self.stid,
            "ctid": self.ctid,
        }


class ApiResponse:
    """A successful answer (SUCCESS, NOTIFY, ...) parsed from the response envelope."""

    def __init__(self, envelope, ctid):
        status = envelope.get("status")
        self.status = status if isinstance(status, dict) else {}
        self.status_code = self.status.get("code") or self.status.get("resultCode")
        self.status_type = self.status.get("type")
        self.stid = envelope.get("stid")
        self.ctid = envelope.get("ctid") or ctid
        self.messages = envelope.get("messages") or []
        self.object = envelope.get("object") or {}
        data = envelope.get("data")
        self.data = data if isinstance(data, list) else ([] if data is None else [data])

    @property
    def first(self):
        return self.data[0] if self.data else None

    @property
    def summary(self):
        return self.object.get("summary")


def _retry_after_seconds(response):
    value = response.headers.get("Retry-After") if response is not None else None
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value)
        if parsed is None:
            return None
        seconds = (parsed - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
    return min(max(seconds, 0.0), RETRY_AFTER_CAP)


class AutoDNSClient:
    """HTTP Basic + context header client with retries for repeatable calls and a shared rate limit."""

    def __init__(self, api_url, username, password, context, validate_certs=True, timeout=30, session=None,
                 rate_limiter=None, sleep=None, retry_budget=RETRY_BUDGET_SECONDS):
        self.api_url = api_url.rstrip("/")
        self.context = context
        self.validate_certs = validate_certs
        self.timeout = timeout
        self.sleep = sleep or time.sleep
        self.retry_budget = retry_budget
        self.session = session or requests.Session()
        self.session.auth = (username, password)
        self.session.headers.update({
            "User-Agent": f"autodns.ssl/{COLLECTION_VERSION} python-requests/{requests.__version__}",
            "Accept": "application/json",
            "Content-Type": "application/json",
            "X-Domainrobot-Context": str(context),
        })
        self.rate_limiter = rate_limiter or RateLimiter.for_url(self.api_url, sleep=self.sleep)

    # --- transport -------------------------------------------------------------------------

    def call(self, operation, method, path, body=None, query=None, repeatable=True):
        """Send one API request and return its ApiResponse, or raise AutoDNSError.

        Calls that are safe to repeat are retried on connection errors, timeouts, 408, 429 and 5xx
        with exponential backoff and jitter (honouring Retry-After) within the retry budget.
        Other calls are sent exactly once; when their outcome is unknown the error says so.
        """
        started = time.monotonic()
        attempt = 0
        while True:
            ctid = new_ctid()
            response, error = self._send_once(operation, method, path, body, query, ctid)
            if error is None:
                return response
            if not repeatable or not error.retryable:
                raise error
            delay = min(RETRY_MAX_DELAY, RETRY_BASE_DELAY * 2 ** attempt) * random.uniform(0.5, 1.0)
            retry_after = _retry_after_seconds(response)
            if retry_after is not None:
                delay = max(delay, retry_after)
            if time.monotonic() - started + delay > self.retry_budget:
                raise error
            attempt += 1
            self.sleep(delay)

    def _send_once(self, operation, method, path, body, query, ctid):
        """One HTTP exchange: (ApiResponse, None) on success, (raw response or None, AutoDNSError) otherwise."""
        self.rate_limiter.acquire()
        try:
            raw = self.session.request(
                method, self.api_url + path, json=body, params=query, headers={"X-Domainrobot-Ctid": ctid},
                timeout=self.timeout, verify=self.validate_certs)
        except requests.Timeout as exc:
            return None, AutoDNSError(operation, ctid=ctid, reason=f"timed out: {exc}", outcome_unknown=True)
        except requests.RequestException as exc:
            return None, AutoDNSError(operation, ctid=ctid, reason=f"connection failed: {exc}", outcome_unknown=True)
        stid = raw.headers.get("X-Domainrobot-Stid")
        try:
            envelope = raw.json()
        except ValueError:
            envelope = None
        if not isinstance(envelope, dict):
            unknown = raw.status_code < 400 or raw.status_code >= 500
            return raw, AutoDNSError(operation, http_status=raw.status_code, stid=stid, ctid=ctid, reason="malformed", outcome_unknown=unknown)
        status = envelope.get("status") if isinstance(envelope.get("status"), dict) else {}
        if raw.status_code >= 400 or status.get("type") == "ERROR":
            return raw, AutoDNSError(
                operation, http_status=raw.status_code, status=status, messages=envelope.get("messages"),
                stid=envelope.get("stid") or stid, ctid=ctid, outcome_unknown=raw.status_code >= 500)
        return ApiResponse(envelope, ctid), None

    # --- endpoints ------------------------------------------------------------------------

    def hello(self):
        return self.call("Hello", "GET", "/hello")

    def get_certificate(self, certificate_id):
        """The full certificate, or None where the API does not know the id for this user."""
        return self._get_or_none("CertificateInfo", f"/certificate/{int(certificate_id)}")

    def search_certificates(self, filters, keys=(), orders=None, page_size=50):
        """Every certificate matching the filters, across all pages."""
        query = {"keys[]": list(keys)} if keys else None
        return self._search_all("CertificateList", "/certificate/_search", filters, query, orders, page_size)

    def list_certificates(self, keys=(), page_size=50):
        """Every certificate of the account, across all pages: the search without filters."""
        return self.search_certificates(None, keys=keys, page_size=page_size)

    def prepare_order(self, csr, product, certificate_id=None, business_case=None):
        """Check the CSR and get validation data; ``business_case`` (RENEW, REISSUE) goes with the certificate's id."""
        body = {"plain": csr, "product": product}
        if certificate_id is not None:
            body["certificate"] = {"id": int(certificate_id)}
        if business_case is not None:
            body["businessCase"] = business_case
        return self.call("CertificatePrepareOrder", "POST", "/certificate/_prepareOrder", body=body).first

    def renew_certificate(self, certificate_id, body, dns_provisioning=False):
        """Order the renewal (a new paid term); sent once. Returns the ApiResponse whose ``first['id']`` is the job id."""
        return self._order("CertificateRenew", f"/certificate/{int(certificate_id)}/_renew", body, dns_provisioning)

    def reissue_certificate(self, certificate_id, body, dns_provisioning=False):
        """Order a reissue within the paid term; sent once. Returns the ApiResponse whose ``first['id']`` is the job id."""
        return self._order("CertificateReissue", f"/certificate/{int(certificate_id)}", body, dns_provisioning)

    def _order(self, operation, path, body, dns_provisioning):
        query = {"keys[]": ["dnsProvisioning"]} if dns_provisioning else None
        return self.call(operation, "PUT", path, body=body, query=query, repeatable=False)

    def poll_info(self):
        """The head of the account's notification queue and the number of pending messages."""
        response = self.call("PollInfo", "GET", "/poll")
        return response.first, response.summary or 0

    def poll_confirm(self, message_id):
        return self.call("PollConfirm", "PUT", f"/poll/{int(message_id)}").summary

    def get_job(self, job_id):
        """The active job, or None where the API no longer (or never) knew it."""
        return self._get_or_none("JobInfo", f"/job/{int(job_id)}")

    def get_job_history(self, job_id):
        return self._get_or_none("JobHistoryInfo", f"/job/history/{int(job_id)}")

    def get_job_or_history(self, job_id):
        """The job from the active jobs, else from the history; None where neither knows it.

        How the API answers for a job that has ended is not documented, so any refusal of the active route
        (other than for the credentials or the rate limit) leads to the history.
        """
        try:
            found = self.get_job(job_id)
        except AutoDNSError as error:
            if not error.refused or error.http_status in (401, 403, 429):
                raise
            found = None
        return found if found is not None else self.get_job_history(job_id)

    def search_jobs(self, filters, page_size=50):
        """Jobs matching the filters; whether ended jobs are among them is not documented."""
        return self._search_all("JobList", "/job/_search", filters, None, None, page_size)

    def search_job_history(self, filters, page_size=50):
        """Ended jobs matching the filters."""
        return self._search_all("JobHistoryList", "/job/history/_search", filters, None, None, page_size)

    def search_zones(self, filters, page_size=50):
        return self._search_all("ZoneList", "/zone/_search", filters, None, None, page_size)

    def get_zone(self, origin, virtual_name_server):
        return self.call("ZoneInfo", "GET", f"/zone/{origin}/{virtual_name_server}").first

    def stream_zone(self, origin, adds=(), rems=()):
        """Add and remove records; sent once, because a repeated stream is refused once the first took effect."""
        body = {"adds": list(adds), "rems": list(rems)}
        return self.call("ZoneStream", "POST", f"/zone/{origin}/_stream", body=body, repeatable=False).first

    def _get_or_none(self, operation, path):
        try:
            return self.call(operation, "GET", path).first
        except AutoDNSError as error:
            if error.not_found:
                return None
            raise

    def _search_all(self, operation, path, filters, query, orders, page_size):
        results = []
        while True:
            body = {"view": {"limit": page_size, "offset": len(results)}}
            # Without filters the query lists everything; the key is left out rather than sent empty.
            if filters is not None:
                body["filters"] = filters
            if orders:
                body["orders"] = orders
            response = self.call(operation, "POST", path, body=body, query=query)
            results.extend(response.data)
            total = response.summary
            if not response.data or (total is not None and len(results) >= total) or (total is None and len(response.data) < page_size):
                return results
