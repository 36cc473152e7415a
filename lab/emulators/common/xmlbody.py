"""XML bodies: safe parsing with lxml, strict schema-order validation, rendering.

vCD validates request bodies against its XSDs (JAXB): elements must come in the schema's
sequence order, unknown elements are errors, required ones must be there. ``XmlSchema``
declares that order with nested :class:`El` and raises :class:`ValidationError` with
messages shaped like the Xerces ones vCD passes back (``cvc-complex-type.2.4.a: Invalid
content was found starting with element '…'. One of '{…}' is expected.``)::

    ORG_RIGHTS = XmlSchema(El("OrgRights", [El("Link", max=None), El("RightReference", max=None)],
                              attrs={"href": False, "type": False}), ns=VCLOUD_NS)
    root = ORG_RIGHTS.validate(parse(raw))
"""
from __future__ import annotations

from typing import Dict, Iterable, List, Optional

from flask import Response
from lxml import etree

from .errors import ValidationError

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True, huge_tree=False)
_ALWAYS_OK_ATTR_NS = ("http://www.w3.org/2001/XMLSchema-instance", "http://www.w3.org/XML/1998/namespace")
TEXT_TYPES = ("string", "boolean", "int", "any")


def parse(raw: bytes):
    """The root element of ``raw``; ValidationError when it is not well-formed XML."""
    try:
        return etree.fromstring(raw, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise ValidationError("The request body is not well-formed XML: %s" % exc, ["body"]) from None


def local(tag) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def element_names(root, prefix: str = "") -> List[str]:
    """Dotted local names of every element under ``root`` (no values), for the request log."""
    names: List[str] = []
    for child in root:
        if not isinstance(child.tag, str):
            continue
        name = "%s.%s" % (prefix, local(child.tag)) if prefix else local(child.tag)
        if name not in names:
            names.append(name)
        for sub in element_names(child, name):
            if sub not in names:
                names.append(sub)
    return names


class El:
    """One element of a sequence: ``name``; ``children`` (ordered, None = simple content typed
    ``text``); ``min``/``max`` occurrences (``max=None`` unbounded); ``attrs`` name -> required;
    ``open_content``: anything inside is accepted (extension points)."""

    def __init__(self, name: str, children: Optional[Iterable["El"]] = None, min: int = 0, max: Optional[int] = 1,  # pylint: disable=redefined-builtin
                 text: str = "string", attrs: Optional[Dict[str, bool]] = None, open_content: bool = False,
                 enum: Optional[Iterable[str]] = None):
        self.name = name
        self.children = list(children) if children is not None else None
        self.min = min
        self.max = max
        self.text = text
        self.attrs = dict(attrs or {})
        self.open_content = open_content
        self.enum = list(enum) if enum is not None else None


class XmlSchema:
    def __init__(self, root: El, ns: Optional[str] = None):
        self.root = root
        self.ns = ns

    def _q(self, name: str) -> str:
        return "{%s}%s" % (self.ns, name) if self.ns else name

    def _expected(self, specs: List[El]) -> str:
        return ", ".join('"%s":%s' % (self.ns, s.name) if self.ns else s.name for s in specs)

    def validate(self, root):
        if root.tag != self._q(self.root.name):
            raise ValidationError("cvc-elt.1.a: Cannot find the declaration of element '%s'." % local(root.tag),
                                  [local(root.tag)])
        self._check(root, self.root, self.root.name)
        return root

    def _check(self, node, spec: El, path: str) -> None:
        for attr in node.attrib:
            qname = etree.QName(attr)
            if qname.namespace in _ALWAYS_OK_ATTR_NS:
                continue
            if qname.namespace or qname.localname not in spec.attrs:
                raise ValidationError("cvc-complex-type.3.2.2: Attribute '%s' is not allowed to appear in element '%s'." % (
                    qname.localname, spec.name), [path + "@" + qname.localname])
        for attr, required in spec.attrs.items():
            if required and attr not in node.attrib:
                raise ValidationError("cvc-complex-type.4: Attribute '%s' must appear on element '%s'." % (attr, spec.name),
                                      [path + "@" + attr])
        if spec.open_content:
            return
        if spec.children is None:
            if len(node):
                raise ValidationError("cvc-type.3.1.2: Element '%s' is a simple type, so it must have no element "
                                      "information item [children]." % spec.name, [path])
            self._check_text(node.text or "", spec, path)
            return
        self._check_sequence(node, spec, path)

    def _check_text(self, value: str, spec: El, path: str) -> None:
        value = value.strip()
        ok = True
        if spec.text == "boolean":
            ok = value in ("true", "false", "1", "0")
        elif spec.text == "int":
            ok = value.lstrip("-").isdigit()
        if ok and spec.enum is not None:
            ok = value in spec.enum
        if not ok:
            raise ValidationError("cvc-datatype-valid.1.2.1: '%s' is not a valid value for '%s' of element '%s'." % (
                value, spec.text if spec.enum is None else "enumeration", spec.name), [path])

    def _check_sequence(self, node, spec: El, path: str) -> None:
        if (node.text or "").strip():
            raise ValidationError("cvc-complex-type.2.3: Element '%s' cannot have character [children], because the type's "
                                  "content type is element-only." % spec.name, [path])
        specs = spec.children
        pos, count = 0, 0
        for child in node:
            if not isinstance(child.tag, str):
                continue
            start = pos
            while pos < len(specs) and child.tag != self._q(specs[pos].name):
                if count < specs[pos].min:
                    raise self._invalid(child, specs[pos:pos + 1], path)
                pos += 1
                count = 0
            if pos == len(specs):
                allowed = [s for s in specs[start:] if s.max is None or s.max > 0]
                raise self._invalid(child, allowed or specs, path)
            count += 1
            if specs[pos].max is not None and count > specs[pos].max:
                raise self._invalid(child, specs[pos + 1:] or specs[pos:], path)
            self._check(child, specs[pos], "%s.%s" % (path, specs[pos].name))
        missing = [s for i, s in enumerate(specs) if (i > pos or (i == pos and count < s.min)) and s.min > 0]
        if missing:
            raise ValidationError("cvc-complex-type.2.4.b: The content of element '%s' is not complete. One of '{%s}' is "
                                  "expected." % (spec.name, self._expected(missing[:1])), ["%s.%s" % (path, missing[0].name)])

    def _invalid(self, child, expected: List[El], path: str) -> ValidationError:
        return ValidationError("cvc-complex-type.2.4.a: Invalid content was found starting with element '%s'. One of '{%s}' "
                               "is expected." % (local(child.tag), self._expected(expected)),
                               ["%s.%s" % (path, local(child.tag))])


# ----- building and answering ---------------------------------------------------------------
def sub(parent, tag: str, text=None, ns: Optional[str] = None, **attrs):
    """Append a child element (``text`` converted: bools as ``true``/``false``)."""
    elem = etree.SubElement(parent, "{%s}%s" % (ns, tag) if ns else tag)
    for key, value in attrs.items():
        if value is not None:
            elem.set(key, _text(value))
    if text is not None:
        elem.text = _text(text)
    return elem


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def to_bytes(root) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def xml_response(status: int, root, content_type: str, headers=None) -> Response:
    resp = Response(to_bytes(root) if root is not None else b"", status=status, content_type=content_type)
    for key, value in (headers or {}).items():
        resp.headers[key] = value
    return resp


def child(node, *names, ns: Optional[str] = None):
    """The first descendant along ``names`` (local names in ``ns``), or None."""
    for name in names:
        if node is None:
            return None
        node = node.find("{%s}%s" % (ns, name) if ns else name)
    return node


def text(node, *names, ns: Optional[str] = None, default=None):
    found = child(node, *names, ns=ns)
    if found is None or found.text is None:
        return default
    return found.text.strip()


def children(node, name: str, ns: Optional[str] = None):
    return [] if node is None else node.findall("{%s}%s" % (ns, name) if ns else name)


def as_bool(value, default=False) -> bool:
    if value is None:
        return default
    return value.strip() in ("true", "1")
