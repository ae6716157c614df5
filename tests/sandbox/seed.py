"""Seeding the sandbox: default users, the demo and subscriptions data sets, and the objects the control surface adds or changes."""

import datetime

from .ca import CsrProblem, make_key_and_csr, read_csr
from .dns_server import rdata_for
from .formats import format_date
from .products import PRODUCTS, add_months, earliest_issue_moment
from .state import User, Zone, ZoneRecord
from .views import SOA, owner_view

DEFAULT_USERS = (('ssl-user', 'ssl-password', 9), ('zone-user', 'zone-password', 4))
SSL_OWNER = {'user': 'ssl-user', 'context': 9}
ZONE_OWNER = {'user': 'zone-user', 'context': 4}
DEMO_ZONES = (
    {'origin': 'example.com', 'owner': ZONE_OWNER, 'provisioning': True, 'records': [
        {'name': '', 'type': 'A', 'value': '192.0.2.10'}, {'name': 'www', 'type': 'A', 'value': '192.0.2.10'},
        {'name': 'shop', 'type': 'A', 'value': '192.0.2.11'}]},
    {'origin': 'example.org', 'owner': ZONE_OWNER, 'provisioning': False, 'records': [
        {'name': '', 'type': 'A', 'value': '192.0.2.20'}, {'name': 'www', 'type': 'A', 'value': '192.0.2.20'}]},
)
DEMO_CERTIFICATES = (
    {'name': 'www.example.com', 'owner': SSL_OWNER, 'product': 'QUICKSSLPREMIUM', 'days_remaining': 20},
    {'name': 'shop.example.com', 'owner': SSL_OWNER, 'product': 'QUICKSSLPREMIUM', 'days_remaining': 20},
)
SUBSCRIPTION_CERTIFICATES = (
    {'name': 'www.example.com', 'owner': SSL_OWNER, 'product': 'QUICKSSLPREMIUM', 'term': 12, 'days_remaining': 20},
    {'name': 'shop.example.com', 'owner': SSL_OWNER, 'product': 'QUICKSSLPREMIUM', 'term': 24, 'days_remaining': 20, 'payable_days': 520},
)
SEEDS = {'none': ((), ()), 'demo': (DEMO_ZONES, DEMO_CERTIFICATES), 'subscriptions': (DEMO_ZONES, SUBSCRIPTION_CERTIFICATES)}
DEFAULT_CONTACTS = {'adminContact': {'id': 100}, 'technicalContact': {'id': 100}}
KEY_SIZES = {'rsa': (2048, 3072, 4096), 'ec': (256, 384)}


class SeedError(ValueError):
    """A control-surface request the sandbox cannot carry out."""


def add_user(sandbox, spec):
    if not isinstance(spec.get('context'), int) or not spec.get('user') or not spec.get('password'):
        raise SeedError('user, password and an integer context are required')
    if spec.get('language', 'en') not in ('en', 'de'):
        raise SeedError('language must be en or de')
    user = User(spec['user'], spec['password'], spec['context'], spec.get('language', 'en'))
    sandbox.users[user.name] = user
    return {'user': user.name, 'context': user.context, 'language': user.language}


def owner_key(sandbox, owner):
    if owner is None:
        return None
    user = sandbox.users.get((owner or {}).get('user'))
    if user is None or user.context != owner.get('context'):
        raise SeedError(f'unknown owner {owner}')
    return user.key


def _record(zone, spec, visible_from):
    name = spec.get('name') or ''
    record_type = (spec.get('type') or '').upper()
    relative = zone.relative_name(name) if name.endswith('.') else name.lower()
    if relative is None:
        raise SeedError(f'{name} is outside {zone.origin}')
    try:
        rdata_for(zone, record_type, spec.get('value') or '')
    except ValueError as error:
        raise SeedError(f'invalid record {spec}') from error
    return ZoneRecord(relative, record_type, spec['value'], spec.get('ttl') or SOA['ttl'], visible_from)


def add_zone(sandbox, spec, now):
    """A zone with its initial records, visible at once."""
    origin = (spec.get('origin') or '').lower().rstrip('.')
    if not origin:
        raise SeedError('origin is required')
    zone = Zone(origin=origin, owner=owner_key(sandbox, spec.get('owner')), provisioning=bool(spec.get('provisioning')),
                virtual_name_server=spec.get('virtual_name_server') or 'a.ns14.net', created=now, updated=now)
    zone.records = [_record(zone, record, now) for record in spec.get('records') or []]
    sandbox.zones[origin] = zone
    return {'origin': origin}


def _zone(sandbox, origin):
    zone = sandbox.zones.get(origin.lower().rstrip('.'))
    if zone is None:
        raise SeedError(f'unknown zone {origin}')
    return zone


def add_zone_record(sandbox, origin, spec, now):
    """A record written by an outside DNS provider; visible after the DNS visibility delay."""
    zone = _zone(sandbox, origin)
    record = _record(zone, spec, now + datetime.timedelta(seconds=sandbox.settings['dns_visibility_delay']))
    zone.records.append(record)
    zone.updated = now
    return {'name': record.name, 'type': record.record_type, 'value': record.value, 'ttl': record.ttl}


def remove_zone_record(sandbox, origin, spec, now):
    zone = _zone(sandbox, origin)
    record = _record(zone, spec, now)
    if not any(record.same_record(existing) for existing in zone.records):
        raise SeedError(f'no such record {spec}')
    zone.records = [kept for kept in zone.records if not kept.same_record(record)]
    zone.updated = now
    return {'removed': 1}


def _key_and_csr(spec, name):
    if spec.get('csr'):
        return None, spec['csr']
    key_type = spec.get('key_type') or 'rsa'
    key_size = spec.get('key_size') or KEY_SIZES.get(key_type, (None,))[0]
    if key_size not in KEY_SIZES.get(key_type, ()):
        raise SeedError(f'unsupported key {key_type} {key_size}')
    return make_key_and_csr(name, spec.get('san') or [], key_type, key_size)


def _certificate_request(sandbox, spec):
    name = (spec.get('name') or '').lower()
    if spec.get('product', 'QUICKSSLPREMIUM') not in PRODUCTS or spec.get('renewal_outcome', 'SUCCESS') not in ('SUCCESS', 'FAILED'):
        raise SeedError('unknown product or renewal_outcome')
    if not isinstance(spec.get('reissue_required', False), bool):
        raise SeedError('reissue_required must be true or false')
    key_pem, csr_pem = _key_and_csr(spec, name)
    try:
        csr = read_csr(csr_pem)
    except CsrProblem as problem:
        raise SeedError(f'csr refused: {problem.code}') from problem
    if csr.common_name != name:
        raise SeedError('the csr common name must be the certificate name')
    request = {
        'name': name, 'owner': owner_key(sandbox, spec.get('owner') or SSL_OWNER), 'product': spec.get('product', 'QUICKSSLPREMIUM'),
        'term': spec.get('term') or 12, 'csr_pem': csr.pem, 'names': csr.names, 'key_pem': key_pem,
        'renewal_outcome': spec.get('renewal_outcome', 'SUCCESS'), 'contacts': dict(DEFAULT_CONTACTS),
        'authentication': {'method': spec.get('authentication_method') or 'DNS'},
        'reissue_required': spec.get('reissue_required', False),
    }
    return request, csr.public_key


def _days(spec, name, default):
    days = spec.get(name, default)
    if isinstance(days, bool) or not isinstance(days, (int, float)):
        raise SeedError(f'{name} must be a number of days')
    return days


def add_certificate(sandbox, spec, now):
    """A certificate issued by the sandbox CA, expiring days_remaining days from now, in a term paid until payable_days from now."""
    days_remaining = _days(spec, 'days_remaining', 20)
    payable_days = _days(spec, 'payable_days', days_remaining)
    if payable_days < days_remaining:
        raise SeedError('payable_days must not be less than days_remaining: a certificate never outlives its paid term')
    request, public_key = _certificate_request(sandbox, spec)
    not_after = now + datetime.timedelta(days=days_remaining)
    request['payable'] = now + datetime.timedelta(days=payable_days)
    not_before = earliest_issue_moment(not_after, add_months(request['payable'], -request['term']), now)
    if not_before is None:
        raise SeedError('no moment in the term allowed a certificate with that many days remaining under the CA/B validity limits')
    return sandbox_view(sandbox, sandbox.issue_certificate(request, public_key, not_before, not_after))


def known_certificate(sandbox, certificate_id):
    certificate = sandbox.certificates.get(certificate_id)
    if certificate is None:
        raise SeedError(f'unknown certificate {certificate_id}')
    return certificate


def update_certificate(sandbox, certificate_id, changes):
    """Flip reissue_required on an existing certificate, as the CA or the reseller would."""
    certificate = known_certificate(sandbox, certificate_id)
    if set(changes) != {'reissue_required'} or not isinstance(changes['reissue_required'], bool):
        raise SeedError('the only change is reissue_required: true or false')
    certificate.reissue_required = changes['reissue_required']
    return sandbox_view(sandbox, certificate)


def sandbox_view(sandbox, certificate):
    """The sandbox-side view of a certificate, with the private key when the sandbox made it."""
    return {
        'id': certificate.id, 'name': certificate.name, 'csr': certificate.csr_pem, 'key_pem': certificate.key_pem,
        'cert_pem': certificate.server_pem, 'chain_pem': sandbox.ca.intermediate_pem, 'serial_number': certificate.serial_number,
        'expire': format_date(certificate.expire), 'payable': format_date(certificate.payable), 'owner': owner_view(certificate.owner),
        'product': certificate.product, 'successor_id': certificate.successor_id, 'reissue_required': certificate.reissue_required,
        'histories': [{'serial_number': history.serial_number, 'order_id': history.order_id} for history in certificate.histories],
    }


def checked_seed_name(seed_name):
    if seed_name not in SEEDS:
        raise SeedError(f'unknown seed {seed_name}; known: {", ".join(SEEDS)}')
    return seed_name


def apply_seed(sandbox, seed_name, now):
    """Default users, plus the zones and certificates of the named data set."""
    zones, certificates = SEEDS[checked_seed_name(seed_name)]
    for name, password, context in DEFAULT_USERS:
        add_user(sandbox, {'user': name, 'password': password, 'context': context})
    for zone in zones:
        add_zone(sandbox, zone, now)
    for certificate in certificates:
        add_certificate(sandbox, certificate, now)
