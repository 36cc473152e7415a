# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Input checks shared by every module: the one place where URLs, ports and known names are validated.

``check_params(spec, params)`` walks an argument spec (nested ``options`` included) and checks every
option by its name, so that all modules follow the same rules without code of their own:

- an option named ``url`` or ending in ``_url`` (not ``proxy_*``) must be an ``https://host[:port][/path]`` URL;
- an ``int`` option named ``port`` or ending in ``_port`` must be a TCP port (1-65535).

Each failure is an ``InputError`` naming the option (``parent.child`` for suboptions). Knows nothing
of Ansible.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import InputError

_HOST = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,252}))$")
_URL = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<host>\[[^\]]*\]|[^/:?#]*)(?::(?P<port>[^/?#]*))?"
                  r"(?P<rest>[/?#].*)?$")


def is_url_option(name):
    """An endpoint URL option (a proxy URL may well be http://, so ``proxy_*`` options are not)."""
    return (name == "url" or name.endswith("_url")) and not name.startswith("proxy")


def is_port_option(name):
    return name == "port" or name.endswith("_port")


def https_url(value, option):
    """``value`` when it is an https URL with a host and a valid port; InputError naming ``option`` otherwise."""
    if value is None:
        return None
    text = str(value).strip()
    match = _URL.match(text)
    if not match:
        raise InputError("%s: '%s' is not a URL; give an https:// URL such as https://vcda.example.com"
                         % (option, value), option=option)
    scheme = match.group("scheme").lower()
    if scheme != "https":
        raise InputError("%s: '%s' uses %s://; only https:// URLs are accepted" % (option, value, scheme),
                         option=option)
    host = match.group("host")
    if not host or not _HOST.match(host) or " " in text:
        raise InputError("%s: '%s' has no valid host name" % (option, value), option=option)
    port = match.group("port")
    if port is not None:
        if not port.isdigit():
            raise InputError("%s: '%s' has an invalid port '%s'" % (option, value, port), option=option)
        tcp_port(int(port), option)
    return text


def tcp_port(value, option):
    """``value`` when it is a TCP port; InputError naming ``option`` otherwise."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        raise InputError("%s: %s is not a TCP port (1-65535)" % (option, value), option=option)
    return value


def known_names(values, known, option):
    """Every item of ``values`` must be in ``known``; the error lists the known ones."""
    unknown = [v for v in values or [] if v not in known]
    if unknown:
        word = "names" if len(unknown) > 1 else "name"
        raise InputError("%s: unknown %s '%s'" % (option, word, "', '".join(unknown)), option=option,
                         choices=sorted(known))
    return values


def check_params(spec, params, prefix=""):
    """Check every URL and port option of ``spec`` in ``params`` (recursing into suboptions)."""
    for name, option in (spec or {}).items():
        value = (params or {}).get(name)
        if value is None:
            continue
        label = prefix + name
        kind = option.get("type", "str")
        if option.get("options"):
            items = value if isinstance(value, list) else [value]
            for index, item in enumerate(items):
                if isinstance(item, dict):
                    sub = "%s[%d]." % (label, index) if isinstance(value, list) else label + "."
                    check_params(option["options"], item, sub)
            continue
        if is_url_option(name) and kind == "str":
            https_url(value, label)
        elif is_url_option(name) and kind == "list":
            for index, item in enumerate(value):
                https_url(item, "%s[%d]" % (label, index))
        elif is_port_option(name) and kind == "int":
            tcp_port(value, label)
