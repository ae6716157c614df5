"""Filtering, ordering and paging of the list tasks (Query, QueryFilter, QueryView, Order)."""

import re

from .formats import parse_query_date

VALUE_OPERATORS = {
    'EQUAL': lambda left, right: left == right,
    'NOT_EQUAL': lambda left, right: left != right,
    'GREATER': lambda left, right: left > right,
    'GREATER_EQUAL': lambda left, right: left >= right,
    'LESS': lambda left, right: left < right,
    'LESS_EQUAL': lambda left, right: left <= right,
}
LIKE_OPERATORS = {'LIKE': True, 'NOT_LIKE': False}
LIST_OPERATORS = {'IN': True, 'NOT_IN': False}


class QueryProblem(Exception):
    """A query the sandbox refuses; path and key name the offending part like EF00022 objects do."""

    def __init__(self, path, key):
        super().__init__(path)
        self.path = path
        self.key = key


def _convert(kind, text, path):
    """Turn a filter value into the type of the field: text, int or date."""
    try:
        if kind == 'int':
            return int(text)
        if kind == 'date':
            return parse_query_date(text)
    except (TypeError, ValueError) as error:
        raise QueryProblem(path, 'value') from error
    if not isinstance(text, str):
        raise QueryProblem(path, 'value')
    return text.lower()


def _like_pattern(text):
    return re.compile('.*'.join(re.escape(part) for part in text.lower().split('%')), re.DOTALL)


def _leaf_matcher(query_filter, fields, path):
    key = query_filter.get('key')
    if key not in fields:
        raise QueryProblem(f'{path}/key', key)
    getter, kind = fields[key]
    operator = query_filter.get('operator') or 'EQUAL'
    if operator in LIST_OPERATORS:
        wanted = {_convert(kind, value, f'{path}/values') for value in query_filter.get('values') or []}
        return lambda item: (_comparable(getter(item), kind) in wanted) == LIST_OPERATORS[operator]
    if operator in LIKE_OPERATORS:
        pattern = _like_pattern(_convert('text', query_filter.get('value'), f'{path}/value'))
        return lambda item: bool(pattern.fullmatch(str(getter(item)).lower())) == LIKE_OPERATORS[operator]
    wanted = _convert(kind, query_filter.get('value'), f'{path}/value')
    compare = VALUE_OPERATORS[operator]
    return lambda item: compare(_comparable(getter(item), kind), wanted)


def _comparable(value, kind):
    return value.lower() if kind == 'text' else value


def _group_matcher(filters, fields, path):
    """Filters joined left to right, each by its own link (AND unless it says OR)."""
    parts = [(query_filter.get('link') or 'AND', _matcher(query_filter, fields, f'{path}[{index}]'))
             for index, query_filter in enumerate(filters)]

    def matches(item):
        result = True
        for position, (link, matcher) in enumerate(parts):
            if position == 0:
                result = matcher(item)
            elif link == 'OR':
                result = result or matcher(item)
            else:
                result = result and matcher(item)
        return result
    return matches


def _matcher(query_filter, fields, path):
    if query_filter.get('filters'):
        return _group_matcher(query_filter['filters'], fields, f'{path}/filters')
    return _leaf_matcher(query_filter, fields, path)


def _ordered(items, orders, fields):
    ordered = sorted(items, key=fields['id'][0])
    for index, order in reversed(list(enumerate(orders))):
        key = order.get('key')
        if key not in fields:
            raise QueryProblem(f'orders[{index}]/key', key)
        ordered.sort(key=lambda item, getter=fields[key][0]: getter(item), reverse=order.get('type') == 'DESC')
    return ordered


def _page_bounds(view, max_limit):
    limit = view.get('limit')
    offset = view.get('offset') or 0
    if limit is not None and limit < 1:
        raise QueryProblem('view/limit', 'limit')
    if offset < 0:
        raise QueryProblem('view/offset', 'offset')
    return offset, min(limit or max_limit, max_limit)


def run_query(items, query, fields, max_limit):
    """Matching items in order, one page of them, and the total number of hits.

    fields maps filter/order keys to (getter, kind); kind is text, int or date. Must contain 'id'.
    """
    matches = _group_matcher(query.get('filters') or [], fields, 'filters')
    hits = _ordered([item for item in items if matches(item)], query.get('orders') or [], fields)
    offset, limit = _page_bounds(query.get('view') or {}, max_limit)
    return hits[offset:offset + limit], len(hits)
