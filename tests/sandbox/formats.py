"""Wire formats of the AutoDNS JSON API: dates and transaction ids."""

import datetime
import itertools

QUERY_DATE_FORMATS = ('%Y-%m-%dT%H:%M:%S.%f%z', '%Y-%m-%dT%H:%M:%S%z', '%Y-%m-%d %H:%M:%S', '%Y-%m-%d')

_stid_counter = itertools.count(1)


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc)


def format_date(moment):
    """Write a date the way the API does: milliseconds and an offset without colon."""
    moment = moment.astimezone(datetime.timezone.utc)
    return f"{moment.strftime('%Y-%m-%dT%H:%M:%S')}.{moment.microsecond // 1000:03d}+0000"


def parse_query_date(text):
    """Read a date given as a search filter value; naive dates count as UTC."""
    for date_format in QUERY_DATE_FORMATS:
        try:
            moment = datetime.datetime.strptime(text, date_format)
        except ValueError:
            continue
        return moment if moment.tzinfo else moment.replace(tzinfo=datetime.timezone.utc)
    raise ValueError(text)


def new_stid(moment):
    return f"{moment.strftime('%Y%m%d')}-sandbox-{next(_stid_counter)}"
