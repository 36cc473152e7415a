"""OpenAPI list conventions (docs/api/vcd-nsx.md#sessions-and-versions): ``page``, ``pageSize`` (≤ 128), ``filter`` (FIQL) →
``{resultTotal, pageCount, page, pageSize, associations, values}``.

FIQL subset: ``field==value``, ``field!=value`` (``*`` wildcards), dotted fields
(``orgVdc.id==urn:…``), ``;`` = and, ``,`` = or (and binds tighter; no parentheses). As
before vCD 10.3, a value containing ``,`` or ``;`` cannot be expressed (it splits the filter).
Also ``sortAsc``/``sortDesc`` on one field.
"""
from __future__ import annotations

import fnmatch
import math
import re
from typing import Any, Dict, List

from . import inferred

MAX_PAGE_SIZE = 128
_COND = re.compile(r"^(?P<field>[A-Za-z_][A-Za-z0-9_.]*)(?P<op>==|!=|=lt=|=le=|=gt=|=ge=)(?P<value>.*)$")


def _lookup(item: Dict[str, Any], dotted: str):
    node: Any = item
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _as_text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _match(item, cond) -> bool:
    field, op, value = cond
    actual = _lookup(item, field)
    if op in ("==", "!="):
        hit = fnmatch.fnmatchcase(_as_text(actual), value)
        return hit if op == "==" else not hit
    try:
        left, right = float(actual), float(value)
    except (TypeError, ValueError):
        left, right = _as_text(actual), value
    return {"=lt=": left < right, "=le=": left <= right, "=gt=": left > right, "=ge=": left >= right}[op]


def parse_filter(text: str):
    """``[[cond, …], …]``: OR of ANDs; ApiError 400 on a malformed filter."""
    groups = []
    for group in text.split(","):
        conds = []
        for part in group.split(";"):
            found = _COND.match(part.strip())
            if not found or not found.group("value"):
                raise inferred.bad_request("Bad filter expression: '%s'" % text, text)
            conds.append((found.group("field"), found.group("op"), found.group("value")))
        groups.append(conds)
    return groups


def _int_arg(args, name, default):
    value = args.get(name)
    if value is None:
        return default
    if not value.isdigit() or int(value) < 1:
        raise inferred.bad_request("Query parameter %s must be a positive integer." % name, name)
    return int(value)


def page(items: List[Dict[str, Any]], args) -> Dict[str, Any]:
    """Filter, sort and page ``items`` (already in their public JSON form) by the query ``args``."""
    if args.get("filter"):
        groups = parse_filter(args["filter"])
        items = [i for i in items if any(all(_match(i, c) for c in conds) for conds in groups)]
    for key, reverse in (("sortAsc", False), ("sortDesc", True)):
        if args.get(key):
            items = sorted(items, key=lambda i, f=args[key]: _as_text(_lookup(i, f)), reverse=reverse)
    number = _int_arg(args, "page", 1)
    size = _int_arg(args, "pageSize", 25)
    if size > MAX_PAGE_SIZE:
        raise inferred.bad_request("pageSize must not exceed %d." % MAX_PAGE_SIZE, "pageSize")
    total = len(items)
    start = (number - 1) * size
    return {"resultTotal": total, "pageCount": max(1, math.ceil(total / size)) if total else 0, "page": number,
            "pageSize": size, "associations": None, "values": items[start:start + size]}
