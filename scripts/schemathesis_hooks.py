"""Schemathesis hooks that scripts/schemathesis.sh appends to the hooks file it writes.

The service refuses, in every text a request carries, the C0 and C1 control characters other
than tab, line feed and carriage return, and the bidirectional embeddings, overrides and
isolates (openapi.yaml, "Conventions"; src/domain/text.rs). JSON Schema has no way to say that
once for every string, so schemathesis would count such strings as schema-valid and their 400
as a failure. In positive cases (data the schema allows) each such character is replaced by
"x" here; negative cases keep them (their 400 is the expected refusal). They are replaced, not
filtered out: the Open311 filings have so many free-text fields that a filter leaves too few
cases and fails schemathesis' `filter_too_much` health check. tests/api/text_input.rs sends
exactly those characters to every field of every operation and checks each refusal.
"""

import re

import schemathesis
from schemathesis.generation.modes import GenerationMode

REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _scrubbed(value):
    """`value` with every refused character in its strings (keys too) replaced by "x"."""
    if isinstance(value, str):
        return REFUSED.sub("x", value)
    if isinstance(value, dict):
        return {_scrubbed(k): _scrubbed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrubbed(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_scrubbed(v) for v in value)
    return value


@schemathesis.hook
def map_case(context, case):
    meta = case.meta
    if meta is None or meta.generation.mode != GenerationMode.POSITIVE:
        return case
    case.body = _scrubbed(case.body)
    if isinstance(case.query, dict):
        case.query = _scrubbed(case.query)
    if isinstance(case.path_parameters, dict):
        case.path_parameters = _scrubbed(case.path_parameters)
    return case
