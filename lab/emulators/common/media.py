"""Media-type parsing and a versioned vendor media-type policy.

``VendorMediaPolicy`` covers APIs that put the API version in a vendor media type
(``application/vnd.vmware.h4-v4.7+json``) and also accept plain ``application/json``.
An emulator whose API versions media types differently (e.g. a ``version=`` parameter)
subclasses it and overrides ``version_of``/``vendor_type``.
"""
from __future__ import annotations

import re
from typing import Dict, Iterable, List, Optional, Tuple

from .errors import ApiError

JSON = "application/json"


def parse_media_type(value: str) -> Tuple[str, Dict[str, str]]:
    """``'Application/JSON; charset=UTF-8'`` -> ``('application/json', {'charset': 'UTF-8'})``."""
    parts = [p.strip() for p in (value or "").split(";")]
    mtype = parts[0].lower()
    params = {}
    for part in parts[1:]:
        if "=" in part:
            k, v = part.split("=", 1)
            params[k.strip().lower()] = v.strip().strip('"')
    return mtype, params


def parse_accept(header: Optional[str]) -> List[Tuple[str, Dict[str, str]]]:
    """The media ranges of an Accept header, highest ``q`` first; ``[]`` when absent."""
    if not header or not header.strip():
        return []
    ranges = []
    for index, item in enumerate(header.split(",")):
        if not item.strip():
            continue
        mtype, params = parse_media_type(item)
        try:
            q = float(params.pop("q", "1"))
        except ValueError:
            q = 0.0
        if q > 0:
            ranges.append((q, index, mtype, params))
    ranges.sort(key=lambda r: (-r[0], r[1]))
    return [(mtype, params) for _q, _index, mtype, params in ranges]


class VendorMediaPolicy:
    """Accept/Content-Type rules for one appliance.

    ``pattern`` matches the vendor type and captures ``version``; ``template`` builds it back
    (``'application/vnd.vmware.h4-v{version}+json'``); ``versions`` are the API versions the
    appliance serves; ``charset`` is appended to response types.
    """

    def __init__(self, pattern: str, template: str, versions: Iterable[str], default_version: str,
                 charset: str = "UTF-8", json_type: str = JSON):
        self.pattern = re.compile(pattern, re.IGNORECASE)
        self.template = template
        self.versions = list(versions)
        self.default_version = default_version
        self.charset = charset
        self.json_type = json_type

    def version_of(self, mtype: str, params: Dict[str, str]) -> Optional[str]:
        match = self.pattern.fullmatch(mtype)
        return match.group("version") if match else None

    def vendor_type(self, version: str) -> str:
        return self.template.format(version=version)

    def _with_charset(self, mtype: str) -> str:
        return "%s;charset=%s" % (mtype, self.charset) if self.charset else mtype

    def response_type(self, accept_header: Optional[str]) -> str:
        """The Content-Type to answer with, or ApiError 406 when nothing acceptable is offered.

        No Accept header, or ``*/*``/``application/*``: the vendor type of the default version.
        """
        ranges = parse_accept(accept_header)
        if not ranges:
            return self._with_charset(self.vendor_type(self.default_version))
        for mtype, params in ranges:
            version = self.version_of(mtype, params)
            if version is not None:
                if version in self.versions:
                    return self._with_charset(self.vendor_type(version))
                continue
            if mtype == self.json_type:
                return self._with_charset(self.json_type)
            if mtype in ("*/*", "application/*"):
                return self._with_charset(self.vendor_type(self.default_version))
        raise ApiError(406, "NotAcceptable",
                       "None of the requested media types is supported: %s. Supported: %s." % (
                           accept_header, ", ".join([self.json_type] + [self.vendor_type(v) for v in self.versions])),
                       [accept_header])

    def check_request_type(self, content_type: Optional[str]) -> None:
        """ApiError 415 unless the body is ``application/json`` or a supported vendor type."""
        mtype, params = parse_media_type(content_type or "")
        if mtype == self.json_type:
            return
        version = self.version_of(mtype, params)
        if version is not None and version in self.versions:
            return
        raise ApiError(415, "UnsupportedMediaType",
                       "Content type '%s' is not supported; send %s." % (content_type or "", self.json_type),
                       [content_type or ""])
