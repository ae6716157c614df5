# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Renewing a certificate: whether it is due, a renewal already in flight, and exactly one order per renewal.

An order starts an asynchronous job and the API has no idempotency key. So an order whose outcome is
unknown (no answer, a dropped connection, 5xx) is never sent again blindly: its job is looked up by the
ctid of the order request first, and the order is sent once more only where that lookup proves that
no order exists.

Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

import datetime

from ._certificate import days_until, expire_of, resolve_certificate, term_of
from ._client import AutoDNSError
from ._poll import request_ctid_of

RENEW_ACTION = "renew"
IN_FLIGHT_JOB_STATUSES = ("RUNNING", "DEFERRED", "WAIT", "SUPPORT", "NOT_SET")
RENEWAL_WINDOW_DAYS = 90
CODE_TOO_EARLY = "EF4001012"


class RenewalError(Exception):
    """A renewal that cannot go on; ``result`` holds the details for the task result."""

    def __init__(self, reason, error=None, **result):
        super().__init__(reason)
        if error is not None:
            result["api_error"] = error.as_result()
        self.result = result


def renewal_due(days_remaining, remaining_days, force=False):
    return force or days_remaining <= remaining_days


def authentication_body(authentication, common_name, dns_provisioning):
    """The renew request's ``authentication`` object from the entries certificate_prepare returned."""
    if not authentication:
        return {"method": "DNS", "provisioning": dns_provisioning}
    dns_entries = [entry for entry in authentication if isinstance(entry, dict) and entry.get("method") == "DNS"]
    incomplete = [entry for entry in dns_entries if not entry.get("name") or not entry.get("dns")]
    if not dns_entries or incomplete:
        raise RenewalError(
            "authentication must be the list certificate_prepare returned: it needs one entry with method DNS,"
            " name and dns for every name of the certificate.")
    wanted = common_name.rstrip(".").lower()
    common_name_entry = next((entry for entry in dns_entries if entry["name"].rstrip(".").lower() == wanted), None)
    if common_name_entry is None:
        names = ", ".join(entry["name"] for entry in dns_entries)
        raise RenewalError(
            f"authentication has no DNS entry for the common name {common_name} (it has: {names});"
            " prepare the order with the CSR of this renewal.")
    return {
        "method": "DNS",
        "provisioning": dns_provisioning,
        "dns": common_name_entry["dns"],
        "domains": [{"name": entry["name"], "method": "DNS", "dns": entry["dns"]} for entry in dns_entries],
    }


def renew_body(certificate, term, csr, authentication):
    body = {"id": certificate["id"], "product": certificate.get("product")}
    if term is not None:
        body["lifetime"] = {"unit": "MONTH", "period": term}
    if csr:
        body["csr"] = csr
    body["authentication"] = authentication
    return body


def _job_of(object_job):
    return object_job.get("job") or {}


def _renewed_certificate_id(object_job):
    return ((object_job.get("object") or {}).get("data") or {}).get("id")


def _request_ctids(object_job):
    return {event.get("ctid") for event in _job_of(object_job).get("events") or [] if event.get("ctid")}


def _renewal_jobs(client, certificate, statuses=None):
    """Renewal jobs of the certificate's name, each as the full ObjectJob (from the history where it has ended)."""
    filters = [
        {"key": "action", "operator": "EQUAL", "value": RENEW_ACTION},
        {"key": "object", "operator": "EQUAL", "value": certificate["name"]},
    ]
    if statuses:
        filters.append({"key": "status", "operator": "IN", "values": list(statuses)})
    jobs = []
    for hit in client.search_jobs(filters):
        job_id = (hit.get("job") or hit).get("id")
        if job_id is None:
            continue
        object_job = client.get_job(job_id)
        if object_job is None and not statuses:
            object_job = client.get_job_history(job_id)
        if object_job is not None:
            jobs.append(object_job)
    return jobs


def renewal_in_flight(client, certificate):
    """The renewal job already running for this certificate (the ObjectJob), or None."""
    for object_job in _renewal_jobs(client, certificate, IN_FLIGHT_JOB_STATUSES):
        if _renewed_certificate_id(object_job) == certificate["id"] and _job_of(object_job).get("status") in IN_FLIGHT_JOB_STATUSES:
            return object_job
    return None


def find_ordered_job(client, certificate, ctid):
    """The job an order with an unknown outcome started, or None where no renewal job of the certificate exists.

    The ctid of the order request identifies the job for sure, even one that has ended already. A renewal of this
    certificate in flight that does not name the ctid counts too, since a renewal is on its way either way; one
    that has ended does not, as it may be an earlier renewal that failed.
    """
    jobs = _renewal_jobs(client, certificate)
    by_ctid = [object_job for object_job in jobs if ctid and ctid in _request_ctids(object_job)]
    if by_ctid:
        return by_ctid[0]
    in_flight = [object_job for object_job in jobs
                 if _renewed_certificate_id(object_job) == certificate["id"] and _job_of(object_job).get("status") in IN_FLIGHT_JOB_STATUSES]
    return in_flight[0] if in_flight else None


def _too_early(certificate, error):
    expire = expire_of(certificate)
    possible_from = expire - datetime.timedelta(days=RENEWAL_WINDOW_DAYS)
    return RenewalError(
        f"Certificate {certificate['id']} ({certificate['name']}) cannot be renewed yet: the API refused with {CODE_TOO_EARLY},"
        f" it renews only within {RENEWAL_WINDOW_DAYS} days before expiry. The certificate expires {expire.isoformat()};"
        f" renewal is possible from {possible_from.isoformat()}." + (f" [stid {error.stid}]" if error.stid else ""),
        error=error, renewal_possible_from=possible_from.isoformat())


def _send_order(client, certificate, body, dns_provisioning):
    try:
        return client.renew_certificate(certificate["id"], body, dns_provisioning=dns_provisioning)
    except AutoDNSError as error:
        if error.has_code(CODE_TOO_EARLY):
            raise _too_early(certificate, error) from error
        raise


def _job_result(object_job, order_ctid=None):
    job = _job_of(object_job)
    return {"job_id": job.get("id"), "job_status": job.get("status"), "ctid": request_ctid_of(job) or order_ctid}


def place_order(client, certificate, body, dns_provisioning):
    """Order the renewal exactly once; returns job_id, job_status and ctid of the order."""
    try:
        response = _send_order(client, certificate, body, dns_provisioning)
    except AutoDNSError as error:
        if not error.outcome_unknown:
            raise
        try:
            object_job = find_ordered_job(client, certificate, error.ctid)
        except AutoDNSError as lookup_error:
            raise RenewalError(
                f"{error}. Looking for the job of that order failed too: {lookup_error}. Nothing was sent again;"
                " running the task again looks for a renewal in flight before it orders.", error=lookup_error) from lookup_error
        if object_job is not None:
            return _job_result(object_job, error.ctid)
        # The lookup proved that the order did not take effect: send it once more, and only once.
        try:
            response = _send_order(client, certificate, body, dns_provisioning)
        except AutoDNSError as retry_error:
            if not retry_error.outcome_unknown:
                raise
            raise RenewalError(
                f"{retry_error}. The order was sent a second time after the first had no answer and no job was found;"
                " it is not sent again. Running the task again looks for a renewal in flight before it orders.", error=retry_error) from retry_error
    first = response.first or {}
    return {"job_id": first.get("id"), "job_status": first.get("status"), "ctid": response.ctid}


def renew_certificate(client, options, check_mode=False, csr_common_name=None, now=None):
    """Renew the certificate ``options`` name (the module's options) where it is due; returns the task result."""
    certificate = resolve_certificate(client, certificate_id=options["certificate_id"], name=options["name"])
    expire = expire_of(certificate)
    days_remaining = days_until(expire, now)
    result = {
        "changed": False,
        "job_id": None,
        "job_status": None,
        "certificate_id": certificate["id"],
        "name": certificate["name"],
        "days_remaining": days_remaining,
        "expire": expire.isoformat(),
        "ctid": None,
        "in_flight": False,
    }
    if not renewal_due(days_remaining, options["remaining_days"], options["force"]):
        return result
    authentication = authentication_body(options["authentication"], csr_common_name or certificate["name"], options["dns_provisioning"])
    term = options["term"] if options["term"] is not None else term_of(certificate)
    body = renew_body(certificate, term, options["csr"], authentication)

    in_flight = renewal_in_flight(client, certificate)
    if in_flight is not None:
        result.update(_job_result(in_flight), in_flight=True)
        return result
    if check_mode:
        result["changed"] = True
        return result
    try:
        result.update(place_order(client, certificate, body, options["dns_provisioning"]))
    except RenewalError as error:
        error.result.update(result)
        raise
    except AutoDNSError as error:
        raise RenewalError(str(error), error=error, **result) from error
    result["changed"] = True
    return result
