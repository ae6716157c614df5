"""The /v1 tasks. Each takes a Call and returns a Reply or raises ApiError."""

import dataclasses
import datetime
import re

from .ca import CsrProblem, read_csr
from .dns_server import rdata_for
from .envelope import ApiError, Reply, refuse
from .formats import format_date
from .products import DCV_TTL, PERIODS, PRODUCTS, file_validation, make_dcv_record, parse_zone_line, validation_name
from .query import QueryProblem, run_query
from .state import Job, ZoneRecord
from .views import (
    CERTIFICATE_SEARCH_KEYS, SOA, certificate_summary, certificate_view, dcv_in_layout, in_poll_detail, object_job_view, zone_summary, zone_view,
)

RENEW_WINDOW = datetime.timedelta(days=90)
ORDER_KEYS = ('dnsProvisioning',)
STREAM_KEYS = ('autofix',)
ZONE_SEARCH_KEYS = ('dnssec', 'created', 'mainip', 'secondary1', 'secondary2', 'secondary3', 'secondary4', 'secondary5',
                    'secondary6', 'secondary7', 'virtualNameServer', 'domainsafe', 'name', 'comment', 'updated', 'action',
                    'primary', 'changed')
RECORD_TYPES = ('A', 'AAAA', 'CNAME', 'TXT', 'MX', 'NS', 'CAA', 'SRV')
RELATIVE_NAME = re.compile(r'(\*|[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*')


@dataclasses.dataclass(frozen=True)
class OrderTask:
    """What tells renew and reissue apart once their own checks have passed."""

    action: str
    error_code: str
    notify_code: str
    counter: str


RENEW = OrderTask('renew', 'E400106', 'N400106', 'orders')
REISSUE = OrderTask('reissue', 'E400102', 'N400102', 'reissues')


@dataclasses.dataclass
class Call:
    """One authenticated request as the tasks see it."""

    sandbox: object
    user: object
    now: datetime.datetime
    stid: str
    ctid: str
    body: dict
    params: dict
    keys: list


def query_refusal(problem):
    return ApiError(400, 'E0001', [('EF00022', [(problem.path, problem.key)])], status_without_code=True)


def _path_id(call, name='id'):
    try:
        return int(call.params[name])
    except ValueError as error:
        raise ApiError(400, 'E0001', [('EF00022', [(name, call.params[name])])], status_without_code=True) from error


def _check_keys(call, allowed):
    unknown = [key for key in call.keys if key not in allowed]
    if unknown:
        raise ApiError(400, 'E0001', [('EF00022', [('keys[]', key) for key in unknown])], status_without_code=True)


def _owned_certificate(call, certificate_id, status_code):
    certificate = call.sandbox.certificates.get(certificate_id)
    if certificate is None or certificate.owner != call.user.key:
        raise refuse(404, status_code, 'EF400104', [('Certificate', str(certificate_id))])
    return certificate


def _provisionable(zone):
    return zone is not None and zone.owner is not None and zone.provisioning


def _checked_csr(plain, status_code):
    try:
        return read_csr(plain)
    except CsrProblem as problem:
        raise refuse(400, status_code, problem.code) from problem


def hello(_call):
    return Reply('S0000')


def _authentication_entries(call, csr, product, scope):
    entries = []
    for name in csr.names:
        dcv_record = make_dcv_record(product, csr.der, validation_name(name, scope), call.now)
        call.sandbox.remember_dcv(csr.der, name, dcv_record, call.now)
        provisioning = _provisionable(call.sandbox.find_zone(dcv_record.owner))
        entries.append({'name': name, 'method': 'DNS', 'dns': dcv_record.zone_line(), 'provisioning': provisioning})
        entries.append({'name': name, 'method': 'FILE', **file_validation(name, call.now)})
    return entries


def _check_term_running(call, certificate, status_code):
    if certificate.payable <= call.now:
        raise refuse(400, status_code, 'EF4001017', [('payable', format_date(certificate.payable))])


def prepare_order(call):
    body = call.body or {}
    csr = _checked_csr(body.get('plain'), 'E400110')
    product = body.get('product')
    if product not in PRODUCTS:
        raise refuse(400, 'E400110', 'EF4001104', [('product', str(product))])
    certificate_id = (body.get('certificate') or {}).get('id')
    if certificate_id is not None:
        certificate = _owned_certificate(call, certificate_id, 'E400110')
        if certificate.authentication.get('method') != 'DNS':
            raise refuse(400, 'E400110', 'EF4001105', [('authentication/method', certificate.authentication.get('method'))])
        if body.get('businessCase') == 'REISSUE':
            _check_term_running(call, certificate, 'E400110')
    data = {
        'plain': csr.pem, 'name': csr.common_name, 'keySize': csr.key_size, 'algorithm': csr.algorithm,
        'signatureHashAlgorithm': 'SHA256', 'product': product,
        'subjectAlternativeNames': [{'name': name, 'type': 'WILDCARD' if name.startswith('*.') else 'FQDN'} for name in csr.names[1:]],
        'authentication': dcv_in_layout(_authentication_entries(call, csr, product, body.get('scope') or 'FQDN'), csr.common_name,
                                        call.sandbox.settings['dcv_layout']),
        **{field: value for field, value in csr.subject.items() if value},
    }
    return Reply('S400110', data=[data])


def _requested_term(body, certificate):
    """The (unit, period) the body asks for; an absent lifetime or part of it means the certificate's term."""
    lifetime = body.get('lifetime') or {}
    return lifetime.get('unit') or 'MONTH', lifetime.get('period') or certificate.term


def _renew_term(call, body, certificate):
    """Renew: inside the 90-day window, for any term the product sells; returns the new term."""
    if certificate.expire - call.now > RENEW_WINDOW:
        raise refuse(400, RENEW.error_code, 'EF4001012', [('Certificate', certificate.name)])
    unit, period = _requested_term(body, certificate)
    if unit != 'MONTH' or period not in PERIODS:
        raise refuse(400, RENEW.error_code, 'EF4001015', [('lifetime/period', str(period))])
    return period


def _reissue_term(call, body, certificate):
    """Reissue: any time within the paid term, which it keeps; returns that term."""
    _check_term_running(call, certificate, REISSUE.error_code)
    unit, period = _requested_term(body, certificate)
    if (unit, period) != ('MONTH', certificate.term):
        raise refuse(400, REISSUE.error_code, 'EF4001015', [('lifetime/period', str(period))])
    return certificate.term


def _check_changeable(call, body, certificate, status_code):
    """The checks renew and reissue share, in the order both apply them."""
    method = (body.get('authentication') or {}).get('method') or 'DNS'
    if body.get('id') not in (None, certificate.id):
        raise ApiError(400, 'E0001', [('EF00022', [('id', 'id')])], status_without_code=True)
    if (body.get('product') or certificate.product) != certificate.product:
        raise refuse(400, status_code, 'EF4001016', [('product', body['product'])])
    if method != certificate.authentication.get('method'):
        raise refuse(400, status_code, 'EF4001105', [('authentication/method', method)])
    if certificate.successor_id:
        raise refuse(400, status_code, 'EF4001014', [('Certificate', str(certificate.id))])
    if any(job.certificate_id == certificate.id for job in call.sandbox.active_jobs.values()):
        raise refuse(400, status_code, 'EF4001013', [('Certificate', str(certificate.id))])


def _order_dcv(call, csr, product, authentication):
    """Per name: a DCV record the client passed back (if prepareOrder made it for this CSR), else a fresh one."""
    sent_lines = [authentication.get('dns')] + [domain.get('dns') for domain in authentication.get('domains') or []]
    sent = [parse_zone_line(line) for line in sent_lines if line]
    chosen = {}
    for name in csr.names:
        remembered = call.sandbox.remembered_dcv(csr.der, name, call.now)
        record = next((mine for mine in remembered if any(mine.same_as(passed) for passed in sent)), None)
        if record is None:
            record = make_dcv_record(product, csr.der, validation_name(name, authentication.get('scope') or 'FQDN'), call.now)
            call.sandbox.remember_dcv(csr.der, name, record, call.now)
        chosen[name] = record
    return chosen


def _provision(call, job):
    visible_from = call.now + datetime.timedelta(seconds=call.sandbox.settings['dns_visibility_delay'])
    for name, dcv_record in job.dcv.items():
        zone = call.sandbox.find_zone(dcv_record.owner)
        if not _provisionable(zone):
            continue
        record = ZoneRecord(zone.relative_name(dcv_record.owner), dcv_record.record_type, dcv_record.value, DCV_TTL, visible_from)
        if not any(record.same_record(existing) for existing in zone.records):
            zone.records.append(record)
            job.provisioned[name] = (zone, record)


def _start_order(call, task, checked_term):
    """Renew and reissue: shared checks, the task's own term checks, then the job with its DCV records."""
    _check_keys(call, ORDER_KEYS)
    certificate = _owned_certificate(call, _path_id(call), task.error_code)
    body = call.body or {}
    authentication = body.get('authentication') or {}
    _check_changeable(call, body, certificate, task.error_code)
    term = checked_term(call, body, certificate)
    csr = _checked_csr(body.get('csr') or certificate.csr_pem, task.error_code)
    if csr.common_name != certificate.name:
        raise refuse(400, task.error_code, 'EF4001106', [('csr', csr.common_name)])
    sandbox = call.sandbox
    job = Job(
        id=next(sandbox.job_ids), action=task.action, certificate_id=certificate.id, owner=certificate.owner, name=certificate.name,
        product=certificate.product, term=term, csr_pem=csr.pem, dcv=_order_dcv(call, csr, certificate.product, authentication),
        ctid=call.ctid, stid=call.stid, created=call.now,
        execution=call.now + datetime.timedelta(seconds=sandbox.settings['job_running_seconds']),
    )
    if authentication.get('provisioning') is True or 'dnsProvisioning' in call.keys:
        _provision(call, job)
    sandbox.active_jobs[job.id] = job
    certificate.authentication = job.authentication()
    orders = sandbox.counters[task.counter]
    orders[str(certificate.id)] = orders.get(str(certificate.id), 0) + 1
    return Reply(task.notify_code, status_type='NOTIFY', response_object={'type': 'Certificate', 'value': certificate.name},
                 data=[{'id': job.id}])


def renew(call):
    return _start_order(call, RENEW, _renew_term)


def reissue(call):
    return _start_order(call, REISSUE, _reissue_term)


def certificate_info(call):
    certificate = _owned_certificate(call, _path_id(call), 'E400104')
    return Reply('S400104', data=[certificate_view(call.sandbox, certificate)], response_object={
        'type': 'Certificate', 'value': certificate.name, 'data': {'id': certificate.id, 'name': certificate.name},
    })


CERTIFICATE_FIELDS = {
    'id': (lambda certificate: certificate.id, 'int'),
    'name': (lambda certificate: certificate.name, 'text'),
    'product': (lambda certificate: certificate.product, 'text'),
    'expire': (lambda certificate: certificate.expire, 'date'),
    'payable': (lambda certificate: certificate.payable, 'date'),
    'created': (lambda certificate: certificate.created, 'date'),
}


def _search(call, items, fields):
    try:
        return run_query(items, call.body or {}, fields, call.sandbox.settings['search_max_limit'])
    except QueryProblem as problem:
        raise query_refusal(problem) from problem


def certificate_search(call):
    _check_keys(call, CERTIFICATE_SEARCH_KEYS)
    owned = [certificate for certificate in call.sandbox.certificates.values() if certificate.owner == call.user.key]
    page, total = _search(call, owned, CERTIFICATE_FIELDS)
    return Reply('S400105', response_object={'type': 'Certificate', 'summary': total},
                 data=[certificate_summary(call.sandbox, certificate, call.keys) for certificate in page])


def poll_info(call):
    queue = call.sandbox.poll_queues[call.user.key]
    if not queue:
        return Reply('S0905', response_object={'type': 'Message', 'summary': 0}, data=[])
    head = queue[0]
    return Reply('S0905', response_object={'type': 'Message', 'value': str(head['id']), 'summary': len(queue)},
                 data=[in_poll_detail(head, call.sandbox.settings['poll_detail'])])


def poll_confirm(call):
    queue = call.sandbox.poll_queues[call.user.key]
    message_id = call.params['id']
    position = next((index for index, message in enumerate(queue) if str(message['id']) == message_id), None)
    if position is None:
        raise refuse(404, 'E0906', 'EF09060', [('Message', message_id)])
    if position:
        raise refuse(400, 'E0906', 'EF09061', [('Message', message_id)])
    queue.pop(0)
    call.sandbox.counters['confirmed'].append(int(message_id))
    return Reply('S0906', response_object={'type': 'Message', 'value': message_id, 'summary': len(queue)}, data=None)


def _owned_job(call, jobs):
    job = jobs.get(_path_id(call))
    return job if job is not None and job.owner == call.user.key else None


def _shown_job(call, job):
    return in_poll_detail(object_job_view(job), call.sandbox.settings['poll_detail'])


def _job_reply(call, job):
    if job is None:
        raise refuse(404, 'E300114', 'EF300101', [('Job', call.params['id'])])
    return Reply('S300114', response_object={'type': 'ObjectJob', 'value': str(job.id)}, data=[_shown_job(call, job)])


def job_info(call):
    job = _owned_job(call, call.sandbox.active_jobs)
    if job is None and call.sandbox.settings['ended_job_info'] == 'refused' and _owned_job(call, call.sandbox.finished_jobs):
        # Which 4xx the real API gives an ended job is unknown; this variant catches clients that fall back to the history on 404 only.
        raise refuse(400, 'E300114', 'EF300102', [('Job', call.params['id'])])
    return _job_reply(call, job)


def job_history(call):
    return _job_reply(call, _owned_job(call, call.sandbox.finished_jobs))


JOB_FIELDS = {
    'id': (lambda job: job.id, 'int'),
    'status': (lambda job: job.status, 'text'),
    'action': (lambda job: job.action, 'text'),
    'object': (lambda job: job.name, 'text'),
    'subType': (lambda job: job.product, 'text'),
    'type': (lambda job: job.product, 'text'),
    'created': (lambda job: job.created, 'date'),
}


def _searched_jobs(call, jobs, status_code):
    owned = [job for job in jobs if job.owner == call.user.key]
    page, total = _search(call, owned, JOB_FIELDS)
    return Reply(status_code, response_object={'type': 'Job', 'summary': total}, data=[_shown_job(call, job) for job in page])


def job_search(call):
    jobs = list(call.sandbox.active_jobs.values())
    if call.sandbox.settings['job_search'] == 'all':
        jobs += call.sandbox.finished_jobs.values()
    return _searched_jobs(call, jobs, 'S300115')


def job_history_search(call):
    return _searched_jobs(call, call.sandbox.finished_jobs.values(), 'S300135')


ZONE_FIELDS = {
    'id': (lambda zone: zone.origin, 'text'),
    'name': (lambda zone: zone.origin, 'text'),
    'virtualNameServer': (lambda zone: zone.virtual_name_server, 'text'),
    'created': (lambda zone: zone.created, 'date'),
}


def zone_search(call):
    _check_keys(call, ZONE_SEARCH_KEYS)
    owned = [zone for zone in call.sandbox.zones.values() if zone.owner == call.user.key]
    page, total = _search(call, owned, ZONE_FIELDS)
    return Reply('S0205', response_object={'type': 'Zone', 'summary': total}, data=[zone_summary(zone) for zone in page])


def _owned_zone(call, status_code):
    zone = call.sandbox.zones.get(call.params['name'].lower().rstrip('.'))
    if zone is None or zone.owner != call.user.key:
        raise refuse(404, status_code, 'EF02020', [('Zone', call.params['name'])])
    return zone


def zone_info(call):
    zone = _owned_zone(call, 'E0205')
    if call.params['nameserver'].lower().rstrip('.') != zone.virtual_name_server:
        raise refuse(404, 'E0205', 'EF02020', [('Zone', f"{zone.origin}@{call.params['nameserver']}")])
    return Reply('S0205', response_object={'type': 'Zone', 'value': zone.origin}, data=[zone_view(zone)])


def _stream_record(zone, entry, path, visible_from):
    """A ZoneStream ResourceRecord as stored: name relative to the origin, value checked for its type."""
    name, record_type, value = entry.get('name'), entry.get('type'), entry.get('value')
    if name is None or record_type not in RECORD_TYPES or value is None:
        raise refuse(400, 'E0202002', 'EF02025', [(path, str(entry))])
    relative = zone.relative_name(name) if name.endswith('.') else name.lower()
    if relative is None or (relative and not RELATIVE_NAME.fullmatch(relative)):
        raise refuse(400, 'E0202002', 'EF02024', [(f'{path}/name', name)])
    try:
        rdata_for(zone, record_type, value)
    except ValueError as error:
        raise refuse(400, 'E0202002', 'EF02025', [(f'{path}/value', value)]) from error
    return ZoneRecord(relative, record_type, value, entry.get('ttl') or SOA['ttl'], visible_from, entry.get('pref'))


def _record_label(zone, record, index):
    return (f'{zone.origin}@{zone.virtual_name_server}/rr[{index}]', f'{record.name} {record.record_type} "{record.value}"')


def _stream_changes(call, zone):
    body = call.body or {}
    visible_from = call.now + datetime.timedelta(seconds=call.sandbox.settings['dns_visibility_delay'])
    removals = [_stream_record(zone, entry, f'rems[{index}]', visible_from) for index, entry in enumerate(body.get('rems') or [])]
    additions = [_stream_record(zone, entry, f'adds[{index}]', visible_from) for index, entry in enumerate(body.get('adds') or [])]
    for index, record in enumerate(removals):
        if not any(record.same_record(existing) for existing in zone.records):
            raise refuse(400, 'E0202002', 'EF02023', [_record_label(zone, record, index)])
    kept = [existing for existing in zone.records if not any(existing.same_record(record) for record in removals)]
    for index, record in enumerate(additions):
        if any(record.same_record(existing) for existing in kept + additions[:index]):
            raise refuse(400, 'E0202002', 'EF02022', [_record_label(zone, record, index)])
    return kept + additions


def zone_stream(call):
    _check_keys(call, STREAM_KEYS)
    zone = _owned_zone(call, 'E0202002')
    zone.records = _stream_changes(call, zone)
    zone.updated = call.now
    return Reply('S0202002', response_object={'type': 'Zone', 'value': zone.origin}, data=[zone_view(zone)])
