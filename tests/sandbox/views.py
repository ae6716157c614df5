"""JSON views of sandbox objects, shaped like the spec definitions (Certificate, ObjectJob, PollMessage, Zone)."""

from .envelope import error_message
from .formats import format_date

CERTIFICATE_SEARCH_KEYS = {
    'product': 'product', 'technical': 'technicalContact', 'orderId': 'orderId', 'created': 'created', 'admin': 'adminContact',
    'certificate_type': 'certificateType', 'expire': 'expire', 'domain': 'domain', 'name': 'name', 'comment': 'comment',
    'id': 'id', 'updated': 'updated', 'authentication': 'authentication',
    # Not in the spec's keys[] enum; the sandbox lets clients read the subscription fields without one info call per certificate.
    'payable': 'payable', 'multiyear': 'multiyear', 'reissueRequired': 'reissueRequired', 'reissueStatus': 'reissueStatus',
    'histories': 'histories',
}
MULTIYEAR_ABOVE_MONTHS = 12
REISSUE_STATUS_REQUIRED = 'REQUIRED'
SOA = {'refresh': 43200, 'retry': 7200, 'expire': 1209600, 'ttl': 600, 'email': 'hostmaster.sandbox.invalid'}


def owner_view(owner_key):
    return {'context': owner_key[1], 'user': owner_key[0]}


def _alternative_name(name):
    return {'name': name, 'type': 'WILDCARD' if name.startswith('*.') else 'FQDN'}


def dcv_in_layout(entries, common_name, layout):
    """prepareOrder's per-name DCV entries as setting dcv_layout shows them.

    flat: as they are; nested: only the common name's entries, each carrying the other names' entries of its method under domains.
    """
    if layout == 'flat':
        return entries
    nested = []
    for entry in entries:
        if entry['name'] != common_name:
            continue
        others = [other for other in entries if other['name'] != common_name and other['method'] == entry['method']]
        nested.append({**entry, 'domains': others} if others else entry)
    return nested


def _certificate_authentication(certificate, layout):
    """Certificate.authentication: flat lists every name under domains, nested only the names other than the common name."""
    authentication = dict(certificate.authentication)
    if layout == 'nested' and 'domains' in authentication:
        others = [domain for domain in authentication.pop('domains') if domain['name'] != certificate.name]
        if others:
            authentication['domains'] = others
    return authentication


def certificate_view(sandbox, certificate):
    view = {
        'created': format_date(certificate.created), 'updated': format_date(certificate.updated), 'owner': owner_view(certificate.owner),
        'updater': owner_view(certificate.owner), 'id': certificate.id, 'orderId': certificate.order_id, 'name': certificate.name,
        'lifetime': {'unit': 'MONTH', 'period': certificate.term}, 'software': 'NOT_SET', 'csr': certificate.csr_pem,
        'server': certificate.server_pem, 'serialNumber': certificate.serial_number, 'product': certificate.product,
        'certificateType': 'FQDN', 'signatureHashAlgorithm': 'SHA256', 'expire': format_date(certificate.expire),
        'payable': format_date(certificate.payable),
        'subjectAlternativeNames': [_alternative_name(name) for name in certificate.names if name != certificate.name],
        'histories': [{'serialNumber': history.serial_number, 'orderId': history.order_id} for history in certificate.histories],
        'certificationAuthority': [{'caType': 'INTERMEDIATE', 'caCertificate': sandbox.ca.intermediate_pem}],
        'authentication': _certificate_authentication(certificate, sandbox.settings['dcv_layout']), **certificate.contacts,
        'certificateTransparency': True, 'multiyear': certificate.term > MULTIYEAR_ABOVE_MONTHS,
        'reissueRequired': certificate.reissue_required,
    }
    if certificate.reissue_required:
        view['reissueStatus'] = REISSUE_STATUS_REQUIRED
    return view


def certificate_summary(sandbox, certificate, keys):
    """The reduced object of a search hit plus the fields asked for with keys[]."""
    full = certificate_view(sandbox, certificate)
    fields = ['id', 'name', 'created', 'updated'] + [CERTIFICATE_SEARCH_KEYS[key] for key in keys]
    return {field: full[field] for field in fields if field in full}


def job_view(job):
    view = {
        'created': format_date(job.created), 'updated': format_date(job.updated or job.created), 'owner': owner_view(job.owner),
        'status': job.status, 'execution': format_date(job.execution), 'action': job.action, 'subType': job.product, 'id': job.id,
        'events': [{'jobId': job.id, 'type': 'REQUEST', 'object': 'Certificate', **({'ctid': job.ctid} if job.ctid else {})}],
    }
    if job.sub_status:
        view['subStatus'] = job.sub_status
    return view


def _dcv_status(job):
    if job.dcv_passed:
        return 'COMPLETED'
    return 'COMPLETED_FAILED' if job.status == 'FAILED' else 'NOT_COMPLETED'


def _job_certificate(job):
    return {'id': job.issued_certificate_id or job.certificate_id, 'name': job.name}


def object_job_view(job):
    return {
        'job': job_view(job),
        'object': {'type': 'Certificate', 'value': job.name, 'data': _job_certificate(job)},
        'authentication': [{'status': _dcv_status(job), 'step': 'DCV_CHECK', 'updated': format_date(job.updated or job.created)}],
        'dcvAuth': [{'domain': name, 'status': _dcv_status(job)} for name in job.dcv],
    }


def in_poll_detail(view, detail):
    """An ObjectJob or PollMessage as setting poll_detail shows it; minimal: object with type and value only, job without events."""
    if detail == 'full':
        return view
    shown = dict(view)
    if 'object' in shown:
        shown['object'] = {key: value for key, value in shown['object'].items() if key in ('type', 'value')}
    if 'job' in shown:
        shown['job'] = {key: value for key, value in shown['job'].items() if key != 'events'}
    return shown


def job_poll_message(sandbox, job):
    """The PollMessage body (without id, owner, created) announcing a finished job."""
    certificate = sandbox.certificates[job.issued_certificate_id or job.certificate_id]
    if sandbox.settings['poll_object_data'] == 'certificate':
        data = certificate_view(sandbox, certificate)
    else:
        data = {**_job_certificate(job), 'product': certificate.product, 'expire': format_date(certificate.expire),
                'serialNumber': certificate.serial_number}
    message = {
        'job': job_view(job), 'stid': job.stid,
        'object': {'type': 'Certificate', 'value': job.name, 'data': data}, 'messages': [],
    }
    if job.ctid:
        message['ctid'] = job.ctid
    if job.status == 'FAILED':
        language = sandbox.users[job.owner[0]].language if job.owner[0] in sandbox.users else 'en'
        message['messages'] = [error_message('EF400139', language, [('Certificate', job.name)])]
    return message


def record_view(record):
    view = {'name': record.name, 'ttl': record.ttl, 'type': record.record_type, 'value': record.value}
    if record.pref is not None:
        view['pref'] = record.pref
    return view


def zone_summary(zone):
    return {
        'created': format_date(zone.created), 'updated': format_date(zone.updated), 'origin': zone.origin,
        'nameServerGroup': zone.virtual_name_server.split('.', 1)[-1], 'virtualNameServer': zone.virtual_name_server,
    }


def zone_view(zone):
    return {
        **zone_summary(zone), 'owner': owner_view(zone.owner), 'updater': owner_view(zone.owner), 'soa': dict(SOA), 'dnssec': False,
        'nameServers': [{'name': zone.virtual_name_server}], 'action': 'PRIMARY', 'wwwInclude': False,
        'resourceRecords': [record_view(record) for record in zone.records],
    }
