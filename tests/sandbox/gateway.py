"""The checks every /v1 request passes (rate limit, User-Agent, login, route, body) before its task runs."""

import base64
import binascii
import dataclasses
import datetime
import hmac
import json
import re

from . import api
from .envelope import ApiError, build_envelope, refuse
from .formats import new_stid
from .schema import validate

ROUTES = [
    ('GET', '/hello', api.hello, None),
    ('POST', '/certificate/_prepareOrder', api.prepare_order, 'CertificateData'),
    ('POST', '/certificate/_search', api.certificate_search, 'Query'),
    ('PUT', '/certificate/(?P<id>[^/]+)/_renew', api.renew, 'Certificate'),
    ('PUT', '/certificate/(?P<id>[^/]+)', api.reissue, 'Certificate'),
    ('GET', '/certificate/(?P<id>[^/]+)', api.certificate_info, None),
    ('GET', '/poll', api.poll_info, None),
    ('PUT', '/poll/(?P<id>[^/]+)', api.poll_confirm, None),
    ('POST', '/job/_search', api.job_search, 'Query'),
    ('POST', '/job/history/_search', api.job_history_search, 'Query'),
    ('GET', '/job/history/(?P<id>[^/]+)', api.job_history, None),
    ('GET', '/job/(?P<id>[^/]+)', api.job_info, None),
    ('POST', '/zone/_search', api.zone_search, 'Query'),
    ('POST', '/zone/(?P<name>[^/]+)/_stream', api.zone_stream, 'ZoneStream'),
    ('GET', '/zone/(?P<name>[^/]+)/(?P<nameserver>[^/]+)', api.zone_info, None),
]
COMPILED_ROUTES = [(method, re.compile(pattern), task, definition) for method, pattern, task, definition in ROUTES]
RATE_WINDOW = datetime.timedelta(seconds=1)


@dataclasses.dataclass
class ApiRequest:
    """An HTTP request to /v1, path relative to /v1; headers with lower-case names."""

    method: str
    path: str
    query: dict
    headers: dict
    body: bytes
    client: str


def _admitted(sandbox, client, now):
    """Rolling one-second window per client address; refused attempts count too."""
    limit = sandbox.settings['rate_limit']
    times = sandbox.request_times[client]
    while times and now - times[0] >= RATE_WINDOW:
        times.popleft()
    times.append(now)
    return not limit or len(times) <= limit


def _logged_in_user(sandbox, headers):
    scheme, _space, encoded = headers.get('authorization', '').partition(' ')
    try:
        name, _colon, password = base64.b64decode(encoded, validate=True).decode('utf-8').partition(':')
    except (binascii.Error, UnicodeError):
        name, password = '', ''
    user = sandbox.users.get(name)
    if (scheme.lower() != 'basic' or user is None or not hmac.compare_digest(password.encode(), user.password.encode())
            or headers.get('x-domainrobot-context', '') != str(user.context)):
        raise refuse(401, 'E0001', 'EF01000')
    return user


def _route(request):
    for method, pattern, task, definition in COMPILED_ROUTES:
        match = pattern.fullmatch(request.path)
        if match and method == request.method:
            return task, definition, match.groupdict()
    raise refuse(404, 'E0001', 'EF00002', [('path', request.path)])


def _parsed_body(request, definition):
    if definition is None or not request.body.strip():
        return None
    try:
        body = json.loads(request.body)
    except ValueError as error:
        raise refuse(400, 'E0001', 'EF00003') from error
    problems = validate(definition, body)
    if problems:
        raise ApiError(400, 'E0001', [('EF00022', [problem]) for problem in problems], status_without_code=True)
    return body


def _run(sandbox, request, now, stid):
    """Checks in contract order, then the task; returns (user or None, Reply)."""
    if not _admitted(sandbox, request.client, now):
        sandbox.counters['rate_limited'] += 1
        raise refuse(429, 'E0001', 'EF00025')
    if not request.headers.get('user-agent', '').strip():
        raise refuse(400, 'E0001', 'EF00001')
    user = _logged_in_user(sandbox, request.headers)
    try:
        task, definition, params = _route(request)
        body = _parsed_body(request, definition)
        call = api.Call(sandbox=sandbox, user=user, now=now, stid=stid, ctid=request.headers.get('x-domainrobot-ctid'),
                        body=body, params=params, keys=request.query.get('keys[]', []))
        return user, task(call)
    except ApiError as error:
        return user, error.reply


def answer(sandbox, request, now):
    """Run one /v1 request under the sandbox lock; returns (HTTP status, envelope, headers)."""
    stid = new_stid(now)
    ctid = request.headers.get('x-domainrobot-ctid')
    try:
        user, reply = _run(sandbox, request, now, stid)
    except ApiError as error:
        user, reply = None, error.reply
    envelope = build_envelope(reply, stid, ctid, user.language if user else 'en')
    return reply.http_status, envelope, {'X-Domainrobot-Stid': stid}
