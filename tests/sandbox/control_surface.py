"""The control surface under /_sandbox: no login, no rate limit, JSON in and out."""

import collections
import re

from . import seed
from .formats import format_date

FAULT_KINDS = ('http_500', 'http_502', 'http_503', 'http_429', 'drop_before', 'drop_after', 'drop_after_job_ends', 'slow', 'late_answer',
               'malformed_json')
SETTING_MINIMUMS = {
    'rate_limit': 0, 'job_running_seconds': 0, 'issuance_delay': 0, 'dns_visibility_delay': 0,
    'deferred_recheck_seconds': 0.01, 'dcv_timeout_seconds': 0, 'search_max_limit': 1,
}
INTEGER_SETTINGS = ('rate_limit', 'search_max_limit')
SETTING_CHOICES = {
    'id_policy': ('new', 'same'), 'job_search': ('active', 'all'), 'poll_detail': ('full', 'minimal'),
    'poll_object_data': ('summary', 'certificate'),
    'ended_job_info': ('not_found', 'refused'), 'dcv_layout': ('flat', 'nested'),
}

ControlRequest = collections.namedtuple('ControlRequest', 'method path body params now seed_name')


def _reset(sandbox, request):
    seed_name = seed.checked_seed_name((request.body or {}).get('seed') or request.seed_name)
    sandbox.reset()
    seed.apply_seed(sandbox, seed_name, request.now)
    return {'reset': True}


def _add_user(sandbox, request):
    return seed.add_user(sandbox, request.body)


def _add_zone(sandbox, request):
    return seed.add_zone(sandbox, request.body, request.now)


def _add_zone_record(sandbox, request):
    return seed.add_zone_record(sandbox, request.params['origin'], request.body, request.now)


def _remove_zone_record(sandbox, request):
    return seed.remove_zone_record(sandbox, request.params['origin'], request.body, request.now)


def _add_certificate(sandbox, request):
    return seed.add_certificate(sandbox, request.body, request.now)


def _certificate(sandbox, request):
    return seed.sandbox_view(sandbox, seed.known_certificate(sandbox, int(request.params['id'])))


def _update_certificate(sandbox, request):
    return seed.update_certificate(sandbox, int(request.params['id']), request.body)


def _add_poll_message(sandbox, request):
    owner = seed.owner_key(sandbox, request.body.get('owner'))
    if owner is None or not isinstance(request.body.get('message'), dict):
        raise seed.SeedError('owner and message are required')
    return {'id': sandbox.queue_poll_message(owner, request.body['message'], request.now)}


def _checked_setting(name, value):
    if name in SETTING_CHOICES:
        if not isinstance(value, str) or value not in SETTING_CHOICES[name]:
            raise seed.SeedError(f'setting {name} must be one of {", ".join(SETTING_CHOICES[name])}')
        return value
    if name not in SETTING_MINIMUMS or isinstance(value, bool) or not isinstance(value, (int, float)):
        raise seed.SeedError(f'unknown setting or not a number: {name}')
    if value < SETTING_MINIMUMS[name] or (name in INTEGER_SETTINGS and not isinstance(value, int)):
        raise seed.SeedError(f'setting out of range: {name}')
    return value


def _settings(sandbox, request):
    if request.body:
        changes = {name: _checked_setting(name, value) for name, value in request.body.items()}
        sandbox.settings.update(changes)
    return dict(sandbox.settings)


def _add_fault(sandbox, request):
    spec = request.body
    if spec.get('kind') not in FAULT_KINDS or not spec.get('path') or not isinstance(spec.get('times', 1), int):
        raise seed.SeedError(f'fault needs path, times and kind in {FAULT_KINDS}')
    fault_id = next(sandbox.fault_ids)
    sandbox.faults[fault_id] = {
        'id': fault_id, 'method': (spec.get('method') or '*').upper(), 'path': spec['path'], 'kind': spec['kind'],
        'times': spec.get('times', 1), 'delay': spec.get('delay', 5), 'retry_after': spec.get('retry_after', 1),
    }
    return {'id': fault_id}


def _path_matches(path, pattern):
    """Glob match where ``*`` stays within one path segment, so that ``/certificate/*`` is the reissue route and not also ``/_renew``."""
    return re.fullmatch('[^/]*'.join(re.escape(part) for part in pattern.split('*')), path) is not None


def take_fault(sandbox, method, path):
    """The first armed fault matching the request, used up by one; None when none matches."""
    for fault_id, fault in list(sandbox.faults.items()):
        if fault['method'] in ('*', method) and _path_matches(path, fault['path']):
            fault['times'] -= 1
            if fault['times'] <= 0:
                del sandbox.faults[fault_id]
            sandbox.counters['faults_fired'] += 1
            return fault
    return None


def _log(sandbox, _request):
    return [dict(entry, time=format_date(entry['time'])) for entry in sandbox.request_log]


def _counters(sandbox, _request):
    jobs = sorted([*sandbox.active_jobs.values(), *sandbox.finished_jobs.values()], key=lambda job: job.id)
    return {**sandbox.counters, 'orders': dict(sandbox.counters['orders']), 'reissues': dict(sandbox.counters['reissues']),
            'confirmed': list(sandbox.counters['confirmed']),
            'jobs': [{'id': job.id, 'action': job.action, 'certificate_id': job.certificate_id, 'status': job.status, 'ctid': job.ctid}
                     for job in jobs]}


def _ca(sandbox, _request):
    return {'root_pem': sandbox.ca.root_pem, 'intermediate_pem': sandbox.ca.intermediate_pem}


CONTROL_ROUTES = [
    (method, re.compile(pattern), handler) for method, pattern, handler in (
        ('POST', '/reset', _reset),
        ('POST', '/users', _add_user),
        ('POST', '/zones', _add_zone),
        ('POST', '/zones/(?P<origin>[^/]+)/records', _add_zone_record),
        ('DELETE', '/zones/(?P<origin>[^/]+)/records', _remove_zone_record),
        ('POST', '/certificates', _add_certificate),
        ('GET', r'/certificates/(?P<id>\d+)', _certificate),
        ('PATCH', r'/certificates/(?P<id>\d+)', _update_certificate),
        ('POST', '/poll', _add_poll_message),
        ('GET', '/settings', _settings),
        ('PUT', '/settings', _settings),
        ('POST', '/faults', _add_fault),
        ('GET', '/log', _log),
        ('GET', '/counters', _counters),
        ('GET', '/ca', _ca),
    )
]


def answer_control(sandbox, request):
    """Run one control request under the sandbox lock; returns (HTTP status, JSON value)."""
    for method, pattern, handler in CONTROL_ROUTES:
        match = pattern.fullmatch(request.path)
        if match and method == request.method:
            try:
                return 200, handler(sandbox, request._replace(params=match.groupdict()))
            except seed.SeedError as error:
                return 400, {'error': str(error)}
    return 404, {'error': f'no control route {request.method} {request.path}'}
