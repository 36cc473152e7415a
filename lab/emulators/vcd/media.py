"""vCD media types: the API version travels as a ``version=`` parameter (docs/api/vcd-nsx.md#sessions-and-versions).

- ``/api`` (XML): ``Accept: application/*+xml;version=36.0`` (or a concrete
  ``application/vnd.vmware.…+xml;version=…``); answers carry the concrete type and the version.
- ``/cloudapi`` (JSON): ``Accept: application/json;version=36.0``; bodies ``application/json``.
- ``/network`` (NSX proxy) and ``/api/versions``: any Accept; no version needed.

A missing or unsupported version answers 406 (``NOT_ACCEPTABLE``).
"""
from __future__ import annotations

import re
from typing import Optional

from ..common.media import VendorMediaPolicy, parse_accept, parse_media_type
from . import inferred

_XML_RANGE = re.compile(r"application/(\*|vnd\.vmware\.[a-z0-9.]+)\+xml|application/xml", re.IGNORECASE)


class VcdMedia(VendorMediaPolicy):
    """``family``: ``xml`` (/api), ``json`` (/cloudapi) or ``any`` (no version check)."""

    def __init__(self, family: str, versions, default_version: str):
        super().__init__(r"(?P<version>x)", "{version}", versions, default_version, charset="")
        self.family = family

    def response_type(self, accept_header: Optional[str]) -> str:
        if self.family == "any":
            return "application/xml"
        for mtype, params in parse_accept(accept_header):
            if self.family == "xml" and (_XML_RANGE.fullmatch(mtype) or mtype in ("*/*", "application/*")) or \
                    self.family == "json" and mtype in ("application/json", "application/*+json", "*/*", "application/*"):
                version = params.get("version")
                if version in self.versions:
                    return "%s;version=%s" % ("application/json" if self.family == "json" else "application/*+xml", version)
        raise inferred.not_acceptable(accept_header)

    def check_request_type(self, content_type: Optional[str]) -> None:
        mtype, params = parse_media_type(content_type or "")
        if mtype == "application/json" and params.get("version", self.default_version) in self.versions:
            return
        raise inferred.unsupported_media(content_type)


def version_of(media: str) -> str:
    return parse_media_type(media)[1].get("version", "")


def xml_type(name: str, media: str) -> str:
    """``application/vnd.vmware.admin.org.rights+xml;version=36.0`` for ``admin.org.rights``."""
    version = version_of(media)
    base = "application/vnd.vmware.%s+xml" % name
    return "%s;version=%s" % (base, version) if version else base
