"""Finding and using the official AutoDNS OpenAPI 2.0 spec (domainrobot.json) in contract tests.

The spec is not part of the collection. It is read from $AUTODNS_SPEC, else from
shared/autodns-api/domainrobot.json beside the checkout (or beside any ancestor, for staged copies);
tests that need it skip when it is absent.
"""

import copy
import json
import os
import pathlib
import re

import pytest

jsonschema = pytest.importorskip('jsonschema')

SPEC_RELATIVE = pathlib.Path('shared', 'autodns-api', 'domainrobot.json')


def _spec_candidates():
    if os.environ.get('AUTODNS_SPEC'):
        yield pathlib.Path(os.environ['AUTODNS_SPEC'])
    here = pathlib.Path(__file__).resolve()
    for root in (ancestor for ancestor in here.parents if (ancestor / 'galaxy.yml').is_file()):
        yield root.parent / SPEC_RELATIVE
    for ancestor in here.parents:
        yield ancestor / SPEC_RELATIVE


SPEC_PATH = next((candidate for candidate in _spec_candidates() if candidate.is_file()), None)
requires_spec = pytest.mark.skipif(SPEC_PATH is None, reason='official spec domainrobot.json not found (set AUTODNS_SPEC)')


def load_spec():
    """The spec, with the one enum value the real API answers but the spec lacks ("RSA", seen in a captured answer)."""
    with open(SPEC_PATH, encoding='utf-8') as handle:
        document = json.load(handle)
    document['definitions']['CsrHashAlgorithmConstants']['enum'].append('RSA')
    return document


def closed(spec_document):
    """The spec with every definition closed to the properties it declares, to catch invented fields."""
    result = copy.deepcopy(spec_document)
    for definition in result['definitions'].values():
        if 'properties' in definition:
            definition['additionalProperties'] = False
    return result


def assert_valid(spec_document, definition, instance):
    schema = {'$ref': f'#/definitions/{definition}', 'definitions': spec_document['definitions']}
    errors = sorted(jsonschema.Draft4Validator(schema).iter_errors(instance), key=str)
    assert not errors, f'{definition}: ' + '; '.join(f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in errors[:5])


def operation_for(spec_document, method, path):
    """The spec's operation for a concrete request path such as /certificate/17/_renew."""
    # Literal segments win over placeholders, as in /certificate/_search against /certificate/{id}.
    for template in sorted(spec_document['paths'], key=lambda candidate: candidate.count('{')):
        operations = spec_document['paths'][template]
        pattern = '^' + re.sub(r'\{[^}]+\}', '[^/]+', template) + '$'
        if re.match(pattern, path) and method.lower() in operations:
            return template, operations[method.lower()]
    raise AssertionError(f'{method} {path} is not a route of the spec')
