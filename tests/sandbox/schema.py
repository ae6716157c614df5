"""The sandbox's own strict schema of the request bodies it accepts.

Each definition names the properties the sandbox accepts, typed like the official spec
definition of the same name (a contract test checks that). Anything else is refused.
A property sent as null counts as absent.
"""

STRING = {'type': 'string'}
INTEGER = {'type': 'integer'}
BOOLEAN = {'type': 'boolean'}


def ref(definition):
    return {'$ref': definition}


def array_of(item):
    return {'type': 'array', 'items': item}


def one_of(*values):
    return {'type': 'string', 'enum': list(values)}


# The spec types businessCase as a plain string and names these four values in its description.
BUSINESS_CASES = ('CREATE', 'RENEW', 'REISSUE', 'DELETE')

REQUEST_DEFINITIONS = {
    'CertificateData': {
        'plain': STRING, 'name': STRING, 'product': STRING, 'certificate': ref('Certificate'),
        'scope': one_of('FQDN', 'BASEDOMAIN'), 'businessCase': one_of(*BUSINESS_CASES), 'checkCaa': BOOLEAN,
    },
    'Certificate': {
        'id': INTEGER, 'name': STRING, 'product': STRING, 'lifetime': ref('TimePeriod'), 'csr': STRING,
        'software': one_of('IIS4', 'IIS5', 'APACHE2', 'APACHESSL', 'PLESK', 'TOMCAT', 'NOT_SET'),
        'authentication': ref('CertAuthentication'), 'adminContact': ref('SslContact'), 'technicalContact': ref('SslContact'),
        'subjectAlternativeNames': array_of(ref('SubjectAlternativeName')), 'certificateTransparency': BOOLEAN,
    },
    'CertAuthentication': {
        'name': STRING, 'method': one_of('DNS', 'EMAIL', 'FILE', 'ORG'), 'dns': STRING, 'provisioning': BOOLEAN,
        'scope': one_of('FQDN', 'BASEDOMAIN'), 'domains': array_of(ref('CertAuthentication')),
    },
    'TimePeriod': {
        'unit': one_of('MILLISECOND', 'SECOND', 'MINUTE', 'HOUR', 'DAY', 'WEEK', 'MONTH', 'QUARTER', 'YEAR'), 'period': INTEGER,
    },
    'SslContact': {'id': INTEGER},
    'SubjectAlternativeName': {'name': STRING, 'type': one_of('FQDN', 'SUBDOMAIN', 'WILDCARD')},
    'Query': {'filters': array_of(ref('QueryFilter')), 'view': ref('QueryView'), 'orders': array_of(ref('Order'))},
    'QueryFilter': {
        'key': STRING, 'value': STRING, 'values': array_of(STRING),
        'operator': one_of('EQUAL', 'NOT_EQUAL', 'LIKE', 'NOT_LIKE', 'IN', 'NOT_IN', 'GREATER', 'GREATER_EQUAL', 'LESS', 'LESS_EQUAL'),
        'link': one_of('AND', 'OR'), 'filters': array_of(ref('QueryFilter')),
    },
    'QueryView': {'limit': INTEGER, 'offset': INTEGER, 'children': BOOLEAN},
    'Order': {'key': STRING, 'type': one_of('ASC', 'DESC')},
    'ZoneStream': {'adds': array_of(ref('ResourceRecord')), 'rems': array_of(ref('ResourceRecord'))},
    'ResourceRecord': {'name': STRING, 'ttl': INTEGER, 'type': STRING, 'value': STRING, 'pref': INTEGER},
}

JSON_TYPES = {'string': str, 'boolean': bool, 'object': dict, 'array': list}


def _has_type(value, type_name):
    if type_name == 'integer':
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, JSON_TYPES[type_name])


def _join(path, key):
    return f'{path}/{key}' if path else str(key)


def _check_value(spec, value, path, key, problems):
    if '$ref' in spec:
        _check_object(spec['$ref'], value, path, key, problems)
    elif not _has_type(value, spec['type']):
        problems.append((path, key))
    elif 'enum' in spec and value not in spec['enum']:
        problems.append((path, key))
    elif spec['type'] == 'array':
        for index, item in enumerate(value):
            _check_value(spec['items'], item, f'{path}[{index}]', key, problems)


def _check_object(definition, value, path, key, problems):
    if not isinstance(value, dict):
        problems.append((path, key))
        return
    properties = REQUEST_DEFINITIONS[definition]
    for name, item in value.items():
        if name not in properties:
            problems.append((_join(path, name), name))
        elif item is not None:
            _check_value(properties[name], item, _join(path, name), name, problems)


def validate(definition, body):
    """Problems of a request body as (json path, key) pairs; empty when the body is accepted."""
    problems = []
    _check_object(definition, body, '', '', problems)
    return problems
