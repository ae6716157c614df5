# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Domain-control records in AutoDNS zones: finding the zone of a name, comparing records, changing them by stream.

Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

import collections
import re

from ._client import AutoDNSError
from ._dns_names import VALIDATION_RECORD_TYPES, bare_name
from ._errors import TaskFailure

# The API refuses a whole stream with this code when one of its adds already exists.
DUPLICATE_RECORD_CODE = "EF02022"

# The fields of a ResourceRecord the zone stream accepts back when removing a record as read.
STREAM_RECORD_FIELDS = ("name", "type", "value", "ttl", "pref")

_LABEL = re.compile(r"^(?:\*|[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)$")

ZONE_OWNER_HINT = ("Zones belong to the AutoDNS user (context 4 or the Personal AutoDNS context), "
                   "not to the SSL Manager user (context 9): pass the zone user's credentials")


class ZoneRecordError(TaskFailure):
    """Input or zone state that makes the requested change impossible; raised before any write."""


class Record(collections.namedtuple("Record", "name type value ttl")):
    """A record with an absolute lowercase name without trailing dot; CNAME targets the same way."""

    __slots__ = ()

    @property
    def key(self):
        return (self.name, self.type, self.value)

    def zone_line(self):
        """The record in zone file notation, for diffs."""
        if self.type == "TXT":
            rdata = '"' + self.value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        elif self.type == "CNAME":
            # Targets read from the API may end in a dot already; names are case-insensitive.
            rdata = self.value.lower().rstrip(".") + "."
        else:
            rdata = self.value
        return f"{self.name}. {self.ttl} IN {self.type} {rdata}"

    def as_result(self):
        return {"name": self.name, "type": self.type, "value": self.value, "ttl": self.ttl}


def normalize_name(name, what="name"):
    """``name`` as an absolute lowercase DNS name without trailing dot, or ZoneRecordError."""
    text = bare_name(name)
    labels = text.split(".")
    valid = (
        0 < len(text) <= 253
        and len(labels) >= 2
        and all(_LABEL.match(label) and (label != "*" or position == 0) for position, label in enumerate(labels))
    )
    if not valid:
        raise ZoneRecordError(
            f"{what} {name!r} is not an absolute DNS name: it needs at least two labels of letters, digits, '-' or '_' "
            "(up to 63 characters each; '*' only as the first label); write internationalized names in their xn-- form")
    return text


def desired_record(name, record_type, value, ttl):
    """The record a user asked for, validated and normalized."""
    if record_type not in VALIDATION_RECORD_TYPES:
        raise ZoneRecordError(f"type must be one of {', '.join(VALIDATION_RECORD_TYPES)}, not {record_type!r}")
    if ttl is None or ttl <= 0:
        raise ZoneRecordError(f"ttl of {name} must be a positive number of seconds, not {ttl!r}")
    if record_type == "CNAME":
        value = normalize_name(value, "CNAME target")
    elif not value:
        raise ZoneRecordError(f"The TXT value of {name} must not be empty")
    return Record(normalize_name(name), record_type, value, ttl)


def desired_records(params):
    """The records of the module options: the single record or ``records``, duplicates dropped, order kept."""
    if params.get("records") is not None:
        entries = params["records"]
        if not entries:
            raise ZoneRecordError("records must name at least one record")
    else:
        entries = [params]
    wanted = {}
    for entry in entries:
        ttl = entry.get("ttl") if entry.get("ttl") is not None else params["ttl"]
        record = desired_record(entry["name"], entry["type"], entry["value"], ttl)
        wanted.setdefault(record.key, record)
    return list(wanted.values())


def relative_name(name, origin):
    """``name`` relative to ``origin`` ('' for the apex), or None when it lies outside the zone."""
    if name == origin:
        return ""
    suffix = "." + origin
    return name[:-len(suffix)] if name.endswith(suffix) else None


def zone_candidates(name):
    """The names that could be the zone of ``name``, longest first, down to two labels."""
    labels = name.split(".")
    return [".".join(labels[start:]) for start in range(len(labels) - 1)]


def _absolute_api_name(api_name, origin):
    """An API record name (relative, '' or '@' for the apex, or absolute with a trailing dot) made absolute."""
    text = (api_name or "").lower()
    if text in ("", "@"):
        return origin
    if text.endswith("."):
        return text[:-1]
    return f"{text}.{origin}"


def _cname_targets(api_value, origin):
    """What a CNAME value read from the API can mean: with a trailing dot it is absolute; without one,
    zone file notation reads it relative to the origin while people often mean it absolute, so both count."""
    text = (api_value or "").lower()
    if text.endswith("."):
        return {text[:-1]}
    return {text, f"{text}.{origin}"}


class ZoneRecords:
    """The records of one zone as read from the API, for comparison with the records a user names."""

    def __init__(self, origin, virtual_name_server, api_records):
        self.origin = origin
        self.virtual_name_server = virtual_name_server
        self.entries = [
            (Record(_absolute_api_name(api_record.get("name"), origin), (api_record.get("type") or "").upper(),
                    api_record.get("value") or "", api_record.get("ttl")), api_record)
            for api_record in api_records
        ]

    @classmethod
    def read(cls, client, origin, virtual_name_server):
        zone = client.get_zone(origin, virtual_name_server) or {}
        return cls(origin, virtual_name_server, zone.get("resourceRecords") or [])

    def matches(self, record, wanted):
        """Whether ``record`` read from the zone is ``wanted``: TXT value exact, CNAME target case-insensitive."""
        if record.name != wanted.name or record.type != wanted.type:
            return False
        if wanted.type == "CNAME":
            return wanted.value in _cname_targets(record.value, self.origin)
        return record.value == wanted.value

    def find(self, wanted):
        """The API record identical to ``wanted``, or None."""
        return next((api_record for record, api_record in self.entries if self.matches(record, wanted)), None)

    def at(self, names):
        """The records at any of ``names``, in zone order."""
        return [record for record, dummy in self.entries if record.name in names]

    def conflict(self, wanted):
        """Why ``wanted`` cannot join the records at its name (a CNAME allows no other data there), or None."""
        others = self.at({wanted.name})
        if wanted.type == "CNAME" and others:
            kinds = ", ".join(sorted({record.type for record in others}))
            return (f"{wanted.name} already holds {kinds} records in zone {self.origin}, and a CNAME must be the only record at its name. "
                    "Remove them first (state=absent with their exact values) or use another name")
        cname = next((record for record in others if record.type == "CNAME"), None)
        if cname is not None:
            return (f"{wanted.name} is a CNAME to {cname.value} in zone {self.origin}, so no other record can be added at that name. "
                    "Remove the CNAME first (state=absent with its exact value) or write the record at the CNAME's target")
        return None


class ZoneFinder:
    """Finds the AutoDNS zone of a name: the longest of its parent names that the user has as a zone."""

    def __init__(self, client):
        self.client = client
        self._hits = {}

    def entries(self, origin):
        """The user's zones of that origin (one per name server group; each origin is asked once)."""
        if origin not in self._hits:
            hits = self.client.search_zones([{"key": "name", "operator": "EQUAL", "value": origin}])
            self._hits[origin] = [hit for hit in hits if (hit.get("origin") or "").lower().rstrip(".") == origin]
        return self._hits[origin]

    def zone_of(self, name):
        candidates = zone_candidates(name)
        for candidate in candidates:
            if self.entries(candidate):
                return candidate
        raise ZoneRecordError(
            f"No zone of this user holds {name} (looked for {', '.join(candidates)}). {ZONE_OWNER_HINT}, or set zone")


def _stream_record(api_record):
    """A record as read from the zone, in the stream's notation, to remove exactly that record."""
    return {field: api_record[field] for field in STREAM_RECORD_FIELDS if field in api_record}


def _stream_add(record, origin):
    """A record to add in the stream's notation: name relative to the origin, CNAME target absolute."""
    value = record.value + "." if record.type == "CNAME" else record.value
    return {"name": relative_name(record.name, origin), "type": record.type, "value": value, "ttl": record.ttl}


class ZonePlan:
    """The change one zone needs for the records a user names in it."""

    def __init__(self, zone, records, state, replace_cname=False):
        self.zone = zone
        self.records = records
        self.state = state
        self.replace_cname = replace_cname
        # (record, stream record): adds for present, the exact records as read for absent.
        self.pending = []
        # For a CNAME that replaces CNAMEs at its name (replace_cname): its key -> [(record read, stream record to remove)].
        self.replaced = {}
        # The keys of the records written once apply() ran; until then changes() is a prediction.
        self.written = None
        for record in records:
            existing = zone.find(record)
            if state == "present" and existing is None:
                stale = self._replaceable(record)
                if stale:
                    self.replaced[record.key] = stale
                else:
                    problem = zone.conflict(record)
                    if problem:
                        raise ZoneRecordError(problem)
                self.pending.append((record, _stream_add(record, zone.origin)))
            elif state == "absent" and existing is not None:
                self.pending.append((record, _stream_record(existing)))

    def _replaceable(self, wanted):
        """The CNAMEs to other targets that ``wanted`` replaces at its name, where that is asked for and they are all there is."""
        others = [(record, api_record) for record, api_record in self.zone.entries if record.name == wanted.name]
        if not (self.replace_cname and wanted.type == "CNAME" and others and all(record.type == "CNAME" for record, dummy in others)):
            return []
        return [(record, _stream_record(api_record)) for record, api_record in others]

    def changes(self, record):
        if self.written is not None:
            return record.key in self.written
        return any(pending.key == record.key for pending, dummy in self.pending)

    def lines_before(self):
        return [record.zone_line() for record in self.zone.at({record.name for record in self.records})]

    def lines_after(self):
        changing = [record for record in self.records if self.changes(record)]
        replaced = [old.key for record in changing for old, dummy in self.replaced.get(record.key, [])]
        kept = [record for record in self.zone.at({record.name for record in self.records}) if record.key not in replaced]
        if self.state == "absent":
            return [record.zone_line() for record in kept if not any(self.zone.matches(record, gone) for gone in changing)]
        return [record.zone_line() for record in kept + changing]

    def apply(self, client):
        """Send the change. Where its outcome is unknown (no answer), the zone as read again tells what took
        effect, and only what is still missing is sent once more."""
        self.written = set()
        try:
            self._send(client, self.pending)
        except AutoDNSError as error:
            if not error.outcome_unknown:
                raise
            zone = ZoneRecords.read(client, self.zone.origin, self.zone.virtual_name_server)
            missing = ZonePlan(zone, self.records, self.state, self.replace_cname).pending
            missing_keys = {record.key for record, dummy in missing}
            self.written.update(record.key for record, dummy in self.pending if record.key not in missing_keys)
            self._send(client, missing)

    def _send(self, client, pending):
        """One stream for all; an add the API refuses as a duplicate (someone added it meanwhile) counts as already there."""
        if not pending:
            return
        streams = [stream for dummy, stream in pending]
        try:
            if self.state == "absent":
                client.stream_zone(self.zone.origin, rems=streams)
            else:
                client.stream_zone(self.zone.origin, adds=streams, rems=self._removals(pending))
        except AutoDNSError as error:
            if self.state == "absent" or not error.has_code(DUPLICATE_RECORD_CODE):
                raise
            if len(pending) > 1:
                # The API refused the whole stream for a duplicate without telling which by code: add them one by one.
                self._add_one_by_one(client, pending)
        else:
            self.written.update(record.key for record, dummy in pending)

    def _removals(self, pending):
        """The stream records of the CNAMEs that the pending adds replace, removed in the same stream."""
        return [stream for record, dummy in pending for dummy_old, stream in self.replaced.get(record.key, [])]

    def _add_one_by_one(self, client, pending):
        for record, stream in pending:
            try:
                client.stream_zone(self.zone.origin, adds=[stream], rems=self._removals([(record, stream)]))
            except AutoDNSError as error:
                if not error.has_code(DUPLICATE_RECORD_CODE):
                    raise
            else:
                self.written.add(record.key)


class ZoneChangeFailed(TaskFailure):
    """An API error while changing zones, with the result so far (earlier zones may have changed)."""

    def __init__(self, error, result):
        super().__init__(str(error), error=error, **result)


def _zone_origins(finder, records, zone):
    """The origin of the zone of every record, checked before anything is read from a zone."""
    if zone is None:
        return {record.key: finder.zone_of(record.name) for record in records}
    origin = normalize_name(zone, "zone")
    if not finder.entries(origin):
        raise ZoneRecordError(f"The zone {origin} does not exist for this user. {ZONE_OWNER_HINT}")
    outside = [record.name for record in records if relative_name(record.name, origin) is None]
    if outside:
        raise ZoneRecordError(f"Not inside the zone {origin}: {', '.join(outside)}")
    return {record.key: origin for record in records}


def _result(plans, records):
    plan_of = {record.key: plan for plan in plans for record in plan.records}
    results = [dict(record.as_result(), zone=plan_of[record.key].zone.origin, changed=plan_of[record.key].changes(record)) for record in records]
    before = [line for plan in plans for line in plan.lines_before()]
    after = [line for plan in plans for line in plan.lines_after()]
    return {
        "changed": any(entry["changed"] for entry in results),
        "records": results,
        "diff": {"before": "".join(line + "\n" for line in before), "after": "".join(line + "\n" for line in after)},
    }


def manage_records(client, params, check_mode=False, warn=None):
    """Make the named records present or absent; every zone is read and checked before the first write."""
    records = desired_records(params)
    finder = ZoneFinder(client)
    origins = _zone_origins(finder, records, params.get("zone"))
    plans = []
    for origin in dict.fromkeys(origins.values()):
        entries = finder.entries(origin)
        if len(entries) > 1 and warn:
            servers = ", ".join(entry.get("virtualNameServer") or "?" for entry in entries)
            warn(f"This user has {len(entries)} zones {origin} (on {servers}); the records were compared with the one on "
                 f"{entries[0].get('virtualNameServer')}, and the change goes to every one of them")
        in_zone = [record for record in records if origins[record.key] == origin]
        zone = ZoneRecords.read(client, origin, entries[0].get("virtualNameServer"))
        plans.append(ZonePlan(zone, in_zone, params["state"], params.get("replace_cname", False)))
    if not check_mode:
        for plan in plans:
            try:
                plan.apply(client)
            except AutoDNSError as error:
                for untouched in plans:
                    if untouched.written is None:
                        untouched.written = set()
                raise ZoneChangeFailed(error, _result(plans, records)) from error
    return _result(plans, records)
