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

import contextlib
import datetime
import functools

from ._certificate import csr_public_key_sha256, days_until, expire_of, payable_of, resolve_certificate, serial_number_of, term_of
from ._client import AutoDNSError, parse_api_datetime
from ._dns_names import bare_name
from ._errors import TaskFailure
from ._local_state import LocalStateError, api_host, exclusive_lock, state_file_name
from ._poll import IN_FLIGHT_JOB_STATUSES, job_status, request_ctid_of
from ._x509 import X509Error

ORDER_AUTO = "auto"
ORDER_RENEW = "renew"
ORDER_REISSUE = "reissue"
ORDER_CHOICES = (ORDER_AUTO, ORDER_RENEW, ORDER_REISSUE)
# The job actions of the two orders are named like the orders.
ORDER_ACTIONS = (ORDER_RENEW, ORDER_REISSUE)
BUSINESS_CASES = {ORDER_RENEW: "RENEW", ORDER_REISSUE: "REISSUE"}
RENEWAL_WINDOW_DAYS = 90
# An order whose answer was lost may show in the job searches only a moment later.
ORDER_GRACE_SECONDS = 5.0
# Job creation times come from the API's clock; ours may differ by this much.
CLOCK_SKEW = datetime.timedelta(minutes=2)
# Another process may hold the lock while it orders and reconciles a lost answer (searches under the rate limit).
ORDER_LOCK_SECONDS = 300
CODE_TOO_EARLY = "EF4001012"
VALIDATION_METHOD = "DNS"
# The terms in months each product is sold for, the Productstore's ``periods[]`` (not served by the JSON API): the API reference
# and every captured order show 12 and 24 months. A renewal for another term is refused before it is ordered; a product not
# listed here is left to the API to judge.
PRODUCT_TERMS = {
    product: (12, 24)
    for product in ("QUICKSSLPREMIUM", "RAPID_SSL", "SSL123", "BASIC_SSL", "COMODO_SSL", "COMODO_SSL_PREMIUM", "SECTIGO_SSL")
}


class RenewalError(TaskFailure):
    """A renewal that cannot go on."""


def decision_argument_spec():
    """The options of the renewal decision, documented once in the doc fragment autodns.ssl._renewal."""
    return {
        "remaining_days": {"type": "int", "default": 30},
        "order": {"type": "str", "default": ORDER_AUTO, "choices": list(ORDER_CHOICES)},
    }


def decision_option_problem(params):
    """A sentence about a decision option no decision can be made with, or None."""
    if params["remaining_days"] < 0:
        return f"remaining_days must be 0 or more, not {params['remaining_days']}."
    return None


def order_option_problem(params):
    """A sentence about an option of certificate_renew no order can be placed with, or None."""
    if params["term"] is not None and params["term"] <= 0:
        return f"term must be a positive number of months, not {params['term']}."
    return None


def _unvalidated_problem(authentication, dns_provisioning):
    """Why an order with this ``authentication`` body could never validate, or None.

    Without provisioning somebody else writes the records, and only the prepared values say which; an order without them
    gets values nobody writes. An order already in flight needs neither, so this is asked only before a new order.
    """
    if dns_provisioning or authentication.get("dns"):
        return None
    return ("dns_provisioning=false needs authentication: pass the authentication list certificate_prepare returned for this CSR,"
            " so that the order validates with the records you write. Or set dns_provisioning=true to let AutoDNS write them.")


def renewal_possible_from(expire):
    """The first moment at which the API accepts a renewal of a certificate that expires at ``expire``."""
    return expire - datetime.timedelta(days=RENEWAL_WINDOW_DAYS)


def _too_early(order, expire, now):
    """Whether ``order`` is a renewal the API would refuse at ``now`` (EF4001012), forced or not."""
    return order == ORDER_RENEW and expire is not None and now < renewal_possible_from(expire)


def _too_early_text(certificate, expire):
    return (f"Certificate {certificate['id']} ({certificate['name']}) cannot be renewed yet: AutoDNS renews only within"
            f" {RENEWAL_WINDOW_DAYS} days before expiry and refuses earlier renewals with {CODE_TOO_EARLY}. The certificate expires"
            f" {expire.isoformat()}; renewal is possible from {renewal_possible_from(expire).isoformat()}.")


def _without_expiry(certificate, order):
    """The plan for a certificate the API reports no expiry for: nothing can be decided, so nothing may be ordered."""
    return {
        "due": True,
        "reason": "AutoDNS reports no expiry date for it",
        "order": ORDER_RENEW if order == ORDER_AUTO else order,
        "problem": (f"Certificate {certificate.get('id')} ({certificate.get('name')}) has no expiry date at AutoDNS, so whether and how it"
                    " can be renewed cannot be told, and nothing is ordered for it. Check the certificate in the SSL Manager"
                    " (a certificate that was never issued has none), or name the certificate that is in use."),
    }


def plan_renewal(certificate, remaining_days, force=False, order=ORDER_AUTO, now=None):
    """Whether the certificate is due, why, which order a renewal is, and what stands against that order.

    A paid term (``payable``) can outlive the certificate by far: within it a fresh certificate is a free reissue,
    and only a term that ends with the certificate needs a paid renewal. Returns a dict with ``due``, ``reason``,
    ``order`` (renew or reissue) and ``problem`` (None, or why the order must not be placed).
    """
    now = now or datetime.datetime.now(datetime.timezone.utc)
    expire = parse_api_datetime(certificate.get("expire"))
    if expire is None:
        return _without_expiry(certificate, order)
    days_remaining = days_until(expire, now)
    payable = payable_of(certificate)
    reissue_required = certificate.get("reissueRequired") is True
    term_outlives = payable is not None and payable - expire > datetime.timedelta(days=remaining_days)
    term_running = payable is None or payable > now
    if force:
        reason = "forced"
    elif days_remaining <= remaining_days:
        reason = f"expires in {days_remaining} days, within remaining_days ({remaining_days})"
    elif reissue_required:
        reason = "AutoDNS reports that the certificate must be reissued"
    else:
        reason = None
    if order == ORDER_AUTO:
        chosen = ORDER_REISSUE if term_outlives or (reissue_required and term_running) else ORDER_RENEW
    else:
        chosen = order
    problem = None
    if _too_early(chosen, expire, now):
        # Said here, before any order, so that check mode and certificate_info tell the truth too.
        problem = _too_early_text(certificate, expire) + " Run it again from then" + (
            "; force makes a certificate due, it cannot make AutoDNS renew earlier." if force else ".")
    elif chosen == ORDER_RENEW and term_outlives and not force:
        problem = (
            f"A renewal buys and bills a new term, but the current term is paid until {payable.isoformat()},"
            f" {(payable - expire).days} days after the certificate expires. Use order reissue (or auto) for a free"
            " certificate within the paid term, or set force to pay for a new term now.")
    elif chosen == ORDER_REISSUE and not term_running:
        problem = (
            f"The paid term ended {payable.isoformat()}, and a reissue cannot extend it."
            " Use order renew (or auto) to buy a new term.")
    return {"due": reason is not None, "reason": reason, "order": chosen, "problem": problem}


def authentication_body(authentication, common_name, dns_provisioning):
    """The order's ``authentication`` object from the entries certificate_prepare returned."""
    dns_entries = [entry for entry in authentication or [] if isinstance(entry, dict) and entry.get("method") == "DNS"]
    if authentication and (not dns_entries or any(not entry.get("name") for entry in dns_entries)):
        raise RenewalError(
            "authentication must be the list certificate_prepare returned: it needs one entry with method DNS"
            " and name for every name of the certificate.")
    with_records = [entry for entry in dns_entries if entry.get("dns")]
    if not with_records:
        if any(not entry.get("provisioning") for entry in dns_entries):
            raise RenewalError(
                "authentication must be the list certificate_prepare returned: entries without a DNS record are only possible"
                " where AutoDNS provisions the record.")
        return {"method": "DNS", "provisioning": dns_provisioning}
    wanted = common_name.rstrip(".").lower()
    common_name_entry = next((entry for entry in with_records if entry["name"].rstrip(".").lower() == wanted), None)
    if common_name_entry is None:
        names = ", ".join(entry["name"] for entry in dns_entries)
        raise RenewalError(
            f"authentication has no DNS entry for the common name {common_name} (it has: {names});"
            " prepare the order with the CSR of this renewal.")
    return {
        "method": "DNS",
        "provisioning": dns_provisioning,
        "dns": common_name_entry["dns"],
        "domains": [{"name": entry["name"], "method": "DNS", "dns": entry["dns"]} for entry in with_records],
    }


def order_body(certificate, term, csr, authentication):
    """The Certificate body of a renew or reissue: the certificate's identity, software and contacts (the API lists contact
    errors for renewals), the term, CSR and validation."""
    body = {"id": certificate["id"], "name": certificate.get("name"), "product": certificate.get("product")}
    if certificate.get("software"):
        body["software"] = certificate["software"]
    for contact in ("adminContact", "technicalContact"):
        contact_id = (certificate.get(contact) or {}).get("id")
        if contact_id is not None:
            body[contact] = {"id": contact_id}
    if term is not None:
        body["lifetime"] = {"unit": "MONTH", "period": term}
    if csr:
        body["csr"] = csr
    body["authentication"] = authentication
    return body


def _job_of(found):
    """The Job of an ObjectJob, or the Job itself: searches may answer either."""
    return found.get("job") or found


def _request_ctids(found):
    return {event.get("ctid") for event in _job_of(found).get("events") or [] if event.get("ctid")}


def _created(found):
    try:
        return parse_api_datetime(_job_of(found).get("created"))
    except ValueError:
        return None


def _order_job_filters(certificate, actions):
    return [
        {"key": "action", "operator": "IN", "values": list(actions)},
        {"key": "object", "operator": "EQUAL", "value": certificate["name"]},
    ]


def _complete(client, hit):
    """A search hit with its status: searches may answer reduced objects, the job routes answer whole ones."""
    if job_status(_job_of(hit)) is not None:
        return hit
    job_id = _job_of(hit).get("id")
    return (client.get_job_or_history(job_id) or hit) if job_id is not None else hit


def order_in_flight(client, certificate):
    """The renew or reissue job already running for this certificate's name (as the search or the job route answered), or None.

    A job is matched by action and name only. Which certificate id a job names (the ordered one, the one it will issue,
    or none) is not documented; waiting for another order of the same name is cheaper than paying twice.
    """
    filters = _order_job_filters(certificate, ORDER_ACTIONS) + [{"key": "status", "operator": "IN", "values": list(IN_FLIGHT_JOB_STATUSES)}]
    for hit in client.search_jobs(filters):
        found = _complete(client, hit)
        if job_status(_job_of(found)) in IN_FLIGHT_JOB_STATUSES:
            return found
    return None


def _jobs_by_name(search, certificates, filters, accept, one_by_one):
    """The job ``accept`` takes for each certificate's name, {lower-case name: job}, from one search of their renew and reissue
    jobs with the further ``filters``.

    ``accept(hit, name)`` returns the job to keep for a hit, or None. Where a hit of several names does not name its object,
    the search cannot tell the names apart, and each certificate is looked up with ``one_by_one(certificate)`` instead.
    """
    names = sorted({certificate["name"] for certificate in certificates})
    if not names:
        return {}
    if len(names) == 1:
        by_name = {"key": "object", "operator": "EQUAL", "value": names[0]}
    else:
        by_name = {"key": "object", "operator": "IN", "values": names}
    found = {}
    for hit in search([{"key": "action", "operator": "IN", "values": list(ORDER_ACTIONS)}, by_name] + filters):
        name = str((hit.get("object") or {}).get("value") or (names[0] if len(names) == 1 else "")).lower()
        if not name:
            return {certificate["name"].lower(): one_by_one(certificate) for certificate in certificates}
        if name not in found:
            job = accept(hit, name)
            if job is not None:
                found[name] = job
    return found


def orders_in_flight(client, certificates):
    """The renew or reissue job in flight of each certificate's name, {lower-case name: job}, from one search."""
    def in_flight(hit, dummy_name):
        complete = _complete(client, hit)
        return complete if job_status(_job_of(complete)) in IN_FLIGHT_JOB_STATUSES else None

    filters = [{"key": "status", "operator": "IN", "values": list(IN_FLIGHT_JOB_STATUSES)}]
    return _jobs_by_name(client.search_jobs, certificates, filters, in_flight, functools.partial(order_in_flight, client))


def describe_in_flight(found):
    """A job in flight in the shape modules return."""
    job = _job_of(found)
    created = _created(found)
    return {
        "id": job.get("id"), "status": job_status(job), "sub_status": job.get("subStatus"),
        "action": str(job.get("action") or "").lower() or None, "created": created.isoformat() if created else None,
    }


def find_ordered_job(client, certificate, order, ctid, sent_at):
    """The job an order with an unknown outcome started, or None where the searches prove that no such order exists.

    Running and ended jobs are searched (``/job/_search`` may answer running jobs only). The ctid of the order request
    identifies the job for sure where the API records it; without it, a job of the same action and name created
    after the order was sent (less the clock skew between us and the API) counts, and so does one still in flight.
    An earlier job that has ended is an earlier order and does not count.
    """
    filters = _order_job_filters(certificate, [order])
    found = {}
    for hit in client.search_jobs(filters) + client.search_job_history(filters):
        job_id = _job_of(hit).get("id")
        if job_id is not None and job_id not in found:
            found[job_id] = _complete(client, hit)
    jobs = list(found.values())
    by_ctid = [job for job in jobs if ctid and ctid in _request_ctids(job)]
    if by_ctid:
        return by_ctid[0]
    earliest = sent_at - CLOCK_SKEW
    candidates = [job for job in jobs
                  if (_created(job) is not None and _created(job) >= earliest) or job_status(_job_of(job)) in IN_FLIGHT_JOB_STATUSES]
    return max(candidates, key=lambda job: _created(job) or earliest) if candidates else None


def _refused_as_too_early(certificate, error):
    """The API's refusal of a renewal as too early (its clock may differ from ours), in the words of the local check."""
    expire = expire_of(certificate)
    return RenewalError(
        _too_early_text(certificate, expire) + " The API refused the order." + (f" [stid {error.stid}]" if error.stid else ""),
        error=error, renewal_possible_from=renewal_possible_from(expire).isoformat())


def _send_order(client, certificate, order, body, dns_provisioning):
    send = client.reissue_certificate if order == ORDER_REISSUE else client.renew_certificate
    try:
        return send(certificate["id"], body, dns_provisioning=dns_provisioning)
    except AutoDNSError as error:
        if error.has_code(CODE_TOO_EARLY):
            raise _refused_as_too_early(certificate, error) from error
        raise


def _job_result(found, order_ctid=None):
    job = _job_of(found)
    return {"job_id": job.get("id"), "job_status": job_status(job), "ctid": request_ctid_of(job) or order_ctid}


def _reconcile(client, certificate, order, body, dns_provisioning, error, sent_at):
    """After an order with an unknown outcome: the job it started, or the answer of the one resend the searches allow."""
    client.sleep(ORDER_GRACE_SECONDS)
    try:
        found = find_ordered_job(client, certificate, order, error.ctid, sent_at)
    except AutoDNSError as lookup_error:
        raise RenewalError(
            f"{error}. Looking for the job of that order failed too, so whether it was placed is unknown: {lookup_error}."
            f" Nothing was sent again (order request ctid {error.ctid}). Running the task again looks for the order's job"
            " first and orders only where there is none.", error=lookup_error) from lookup_error
    if found is not None:
        return _job_result(found, error.ctid)
    # The searches proved that the order did not take effect: send it once more, and only once.
    try:
        response = _send_order(client, certificate, order, body, dns_provisioning)
    except AutoDNSError as retry_error:
        if not retry_error.outcome_unknown:
            raise
        raise RenewalError(
            f"{retry_error}. The order was sent a second time after the first had no answer and no job was found;"
            " it is not sent again. Running the task again looks for the order's job first.", error=retry_error) from retry_error
    return _answer_result(response)


def _answer_result(response):
    first = response.first or {}
    return {"job_id": first.get("id"), "job_status": first.get("status"), "ctid": response.ctid}


def place_order(client, certificate, order, body, dns_provisioning):
    """Place the renew or reissue order exactly once; returns job_id, job_status, ctid and in_flight of the order."""
    sent_at = datetime.datetime.now(datetime.timezone.utc)
    try:
        return dict(_answer_result(_send_order(client, certificate, order, body, dns_provisioning)), in_flight=False)
    except AutoDNSError as error:
        if error.outcome_unknown:
            return dict(_reconcile(client, certificate, order, body, dns_provisioning, error, sent_at), in_flight=False)
        if not error.refused:
            raise
        # The API may refuse because an order of this certificate runs already (its code is not documented):
        # then that order is the one to wait for.
        found = order_in_flight(client, certificate)
        if found is None:
            raise
        return dict(_job_result(found), in_flight=True)


def reissue_problem(certificate, term=None):
    """Why a reissue of the certificate cannot be ordered as asked, or None."""
    method = (certificate.get("authentication") or {}).get("method")
    if method not in (None, VALIDATION_METHOD):
        return (f"Certificate {certificate['id']} validates by {method}; a reissue keeps the validation method,"
                f" and this collection validates by {VALIDATION_METHOD}. Reissue it in the SSL Manager instead.")
    current_term = term_of(certificate)
    if term is not None and current_term is not None and term != current_term:
        return f"A reissue keeps the term of {current_term} months; term {term} applies to a renewal (order renew) only."
    return None


def term_problem(certificate, term):
    """Why a renewal of the certificate for ``term`` months cannot be ordered (a term its product is not sold for), or None."""
    product = certificate.get("product")
    terms = PRODUCT_TERMS.get(product)
    if term is None or terms is None or term in terms:
        return None
    offered = " or ".join(str(months) for months in terms)
    return (f"term {term} is not offered for {product}: it is sold for {offered} months. Set term to one of these,"
            " or leave term out to keep the certificate's current term.")


def _certificate_names(certificate):
    names = [certificate.get("name")] + [san.get("name") for san in certificate.get("subjectAlternativeNames") or [] if isinstance(san, dict)]
    return [bare_name(name) for name in names if name]


def csr_names_problem(certificate, csr_info):
    """Why the CSR (csr_info of _x509.check_csr) cannot be ordered for the certificate, or None.

    A reissue or renewal keeps the certificate's names: the CSR's common name must be the certificate's name, and the CSR
    must not name domains the certificate does not have (the API would refuse it only once the order is sent).
    """
    allowed = _certificate_names(certificate)
    common_name = bare_name(csr_info["common_name"])
    foreign = [name for name in dict.fromkeys([common_name] + [bare_name(name) for name in csr_info["subject_alt_names"]])
               if name not in allowed]
    if common_name == allowed[0] and not foreign:
        return None
    return (f"The csr names {', '.join(foreign) or common_name}, but certificate {certificate['id']} is {certificate['name']}"
            f" (names: {', '.join(allowed)}). A reissue or renewal keeps the certificate's names: set a CSR whose common name is"
            f" {certificate['name']} and that names no other domains.")


def previous_of(certificate, csr):
    """What proves later which certificate the order issued (see _certificate.issued_certificate)."""
    ordered_csr = csr or certificate.get("csr")
    try:
        ordered_key = csr_public_key_sha256(ordered_csr) if ordered_csr else None
    except X509Error:
        # Without the key the serial number and the expiry still tell the issued certificate apart.
        ordered_key = None
    return {
        "id": certificate["id"],
        "name": certificate["name"],
        "serial_number": serial_number_of(certificate),
        "expire": expire_of(certificate).isoformat(),
        "public_key_sha256": ordered_key,
    }


def _order_problem(plan, certificate, term, csr_info):
    """Why the planned order must not be placed, from what was read and asked; None where nothing stands against it."""
    if plan["problem"]:
        return plan["problem"]
    problem = reissue_problem(certificate, term) if plan["order"] == ORDER_REISSUE else term_problem(certificate, term)
    return problem or (csr_names_problem(certificate, csr_info) if csr_info else None)


class RenewalRequest:
    """One certificate to renew: as it was read at ``read_at``, the options of its renewal (the options of certificate_renew),
    and ``csr_info`` of the checked ``options["csr"]`` (see _x509.check_csr)."""

    def __init__(self, certificate, read_at, options, csr_info=None):
        self.certificate = certificate
        self.read_at = read_at
        self.options = options
        self.csr_info = csr_info

    @property
    def name(self):
        return self.certificate["name"].lower()


def _ready_order(request, now):
    """The task result of the request so far, and the order to place (None where it is not due).

    Everything that stands against the order is found from what was read and asked, before anything is sent, and in check
    mode too; it raises RenewalError.
    """
    certificate, options, csr_info = request.certificate, request.options, request.csr_info
    expire = parse_api_datetime(certificate.get("expire"))
    payable = payable_of(certificate)
    plan = plan_renewal(certificate, options["remaining_days"], options["force"], options["order"], now)
    result = {
        "changed": False,
        "job_id": None,
        "job_status": None,
        "certificate_id": certificate["id"],
        "name": certificate["name"],
        "days_remaining": days_until(expire, now) if expire else None,
        "expire": expire.isoformat() if expire else None,
        "payable": payable.isoformat() if payable else None,
        "due": plan["due"],
        "due_reason": plan["reason"],
        "order": None,
        "ctid": None,
        "in_flight": False,
        "previous": None,
    }
    if not plan["due"]:
        return result, None
    problem = _order_problem(plan, certificate, options["term"], csr_info)
    if problem:
        if _too_early(plan["order"], expire, now or request.read_at):
            result["renewal_possible_from"] = renewal_possible_from(expire).isoformat()
        raise RenewalError(problem, **result)
    csr_common_name = csr_info["common_name"] if csr_info else certificate["name"]
    try:
        authentication = authentication_body(options["authentication"], csr_common_name, options["dns_provisioning"])
    except RenewalError as error:
        error.result.update(result)
        raise
    term = options["term"] if options["term"] is not None else term_of(certificate)
    result["previous"] = previous_of(certificate, options["csr"])
    return result, {
        "order": plan["order"],
        "body": order_body(certificate, term, options["csr"], authentication),
        "dns_provisioning": options["dns_provisioning"],
        "unvalidated": _unvalidated_problem(authentication, options["dns_provisioning"]),
    }


def renew_certificate(client, options, check_mode=False, csr_info=None, now=None):
    """Renew or reissue the certificate ``options`` name (the module's options) where it is due; returns the task result.

    ``csr_info`` describes the checked ``options["csr"]`` (see _x509.check_csr).
    """
    read_at = datetime.datetime.now(datetime.timezone.utc)
    certificate = resolve_certificate(client, certificate_id=options["certificate_id"], name=options["name"])
    outcome = renew_certificates(client, [RenewalRequest(certificate, read_at, options, csr_info)], check_mode, now)[0]
    if isinstance(outcome, RenewalError):
        raise outcome
    return outcome


def renew_certificates(client, requests, check_mode=False, now=None):
    """Renew or reissue each certificate of ``requests`` (RenewalRequest) that is due; returns for each, in the order given, its
    task result or the RenewalError that stopped it. One certificate's problem never stops the others.

    The due certificates are ordered together: under the locks of all their names, one search finds the orders in flight and
    one the orders placed since the certificates were read, for all of them.
    """
    outcomes = []
    due = []
    for request in requests:
        try:
            result, order = _ready_order(request, now)
        except RenewalError as error:
            outcomes.append(error)
            continue
        outcomes.append(result)
        if order is not None:
            due.append((len(outcomes) - 1, request, order))
    if due:
        _order_due(client, due, outcomes, check_mode)
    return outcomes


def renewal_entries(outcomes):
    """The task result of certificate_renew with certificates: the outcomes of renew_certificates as entries of ``renewals``."""
    entries = [dict(outcome.result, problem=str(outcome)) if isinstance(outcome, RenewalError) else dict(outcome, problem=None)
               for outcome in outcomes]
    return {"changed": any(entry.get("changed") for entry in entries), "renewals": entries}


@contextlib.contextmanager
def _order_locks(client, names):
    """The locks of the orders of all ``names``, taken in one order by every process, so that two never wait for each other."""
    with contextlib.ExitStack() as locks:
        for name in sorted(set(names)):
            locks.enter_context(exclusive_lock(state_file_name("order", api_host(client.api_url), name), ORDER_LOCK_SECONDS,
                                               f"the orders of {name}"))
        yield


def _order_due(client, due, outcomes, check_mode):
    """Find or place the order of each due request, and put its result (or its RenewalError) in ``outcomes``."""
    unsettled = {index for index, dummy_request, dummy_order in due}
    requests = [request for dummy_index, request, dummy_order in due]
    settled_names = {}
    try:
        # Check mode orders nothing, so it takes no lock and needs no look at the orders placed since the read.
        with contextlib.nullcontext() if check_mode else _order_locks(client, [request.name for request in requests]):
            found = orders_in_flight(client, [request.certificate for request in requests])
            if not check_mode:
                found.update(orders_placed_since(client, [(request.certificate, request.read_at) for request in requests
                                                          if request.name not in found]))
            for index, request, order in due:
                earlier = settled_names.get(request.name)
                if earlier is not None:
                    # A second request of one name waits for the order of the first.
                    outcomes[index] = dict(outcomes[index], **{key: earlier[key] for key in ("job_id", "job_status", "ctid", "order")},
                                           in_flight=True, changed=False)
                else:
                    outcomes[index] = _settled(outcomes[index], lambda: _order_once(client, request, order, found.get(request.name), check_mode))
                    if not isinstance(outcomes[index], RenewalError) and outcomes[index]["job_id"] is not None:
                        settled_names[request.name] = outcomes[index]
                unsettled.discard(index)
    except AutoDNSError as error:
        _fail_unsettled(unsettled, outcomes, str(error), error)
    except LocalStateError as error:
        _fail_unsettled(unsettled, outcomes, f"{error} The orders are placed only under these locks, so that two processes never both order.")


def _settled(result, settle):
    """``result`` completed by ``settle()``, or the RenewalError that stopped it, carrying ``result``."""
    try:
        return dict(result, **settle())
    except RenewalError as error:
        error.result.update(result)
        return error
    except AutoDNSError as error:
        return RenewalError(str(error), error=error, **result)


def _fail_unsettled(indexes, outcomes, reason, error=None):
    for index in indexes:
        outcomes[index] = RenewalError(reason, error=error, **outcomes[index])


def _in_flight_result(found, order):
    action = str(_job_of(found).get("action") or "").lower()
    return dict(_job_result(found), in_flight=True, changed=False, order=action if action in ORDER_ACTIONS else order)


def order_placed_since(client, certificate, since):
    """A renew or reissue job of this name created since ``since`` that has ended already, or None.

    Another process may have ordered and seen its job end while this one waited for the lock, after this one had read
    the certificate as due.
    """
    earliest = since - CLOCK_SKEW
    for hit in client.search_job_history(_order_job_filters(certificate, ORDER_ACTIONS)):
        created = _created(hit)
        if created is not None and created >= earliest:
            return hit
    return None


def orders_placed_since(client, reads):
    """For each (certificate, read_at) of ``reads``, the renew or reissue job of its name created since it was read that has
    ended already, {lower-case name: job}, from one search (see order_placed_since)."""
    since = {}
    for certificate, read_at in reads:
        name = certificate["name"].lower()
        since[name] = min(since.get(name, read_at), read_at)

    def placed_since(hit, name):
        created = _created(hit)
        return hit if created is not None and created >= since[name] - CLOCK_SKEW else None

    return _jobs_by_name(client.search_job_history, [certificate for certificate, dummy_read_at in reads], [], placed_since,
                         lambda certificate: order_placed_since(client, certificate, since[certificate["name"].lower()]))


def _order_once(client, request, order, found, check_mode):
    """The job in flight or placed since the certificate was read (``found``), else the order placed now, or in check mode the
    order that would be placed (unless ``order["unvalidated"]`` says why it must not be).

    The caller holds the certificate's lock, so other processes wait, and then find this order.
    """
    if found is not None:
        return _in_flight_result(found, order["order"])
    if order["unvalidated"]:
        raise RenewalError(order["unvalidated"])
    if check_mode:
        return {"order": order["order"], "changed": True}
    placed = place_order(client, request.certificate, order["order"], order["body"], order["dns_provisioning"])
    return dict(placed, order=order["order"], changed=not placed["in_flight"])
