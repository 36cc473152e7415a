"""Declarative, strict request-body schemas.

A schema lists every field a body may carry. Validation rejects unknown fields, missing
required fields, ``null`` where it is not allowed, and values of the wrong JSON type
(``true`` is not an integer, ``"8443"`` is not an integer, ``1.0`` is not an integer).
Errors are :class:`ValidationError` with a message naming the field by its dotted path;
each emulator maps them to its own "bad input" answer.

    LICENSE = Schema({"key": Str(required=True)})
    body = LICENSE.validate(json_body)
"""
from __future__ import annotations

from typing import Any, Callable, Dict, Iterable, Optional

from .errors import ValidationError

_MISSING = object()


class Field:
    """Base field: ``required`` (must be present), ``nullable`` (``null`` allowed),
    ``default`` (value used when absent), ``check`` (extra callable that raises ValueError)."""

    json_name = "value"

    def __init__(self, required: bool = False, nullable: bool = False, default: Any = _MISSING,
                 check: Optional[Callable[[Any], None]] = None, enum: Optional[Iterable[Any]] = None):
        self.required = required
        self.nullable = nullable
        self.default = default
        self.check = check
        self.enum = list(enum) if enum is not None else None

    def validate(self, value, path):
        if value is None:
            if not self.nullable:
                raise ValidationError("Field '%s' must not be null." % path, [path])
            return None
        value = self._validate_type(value, path)
        if self.enum is not None and value not in self.enum:
            allowed = ", ".join("null" if e is None else str(e) for e in self.enum)
            raise ValidationError("Field '%s' must be one of: %s." % (path, allowed), [path, value])
        if self.check is not None:
            try:
                self.check(value)
            except ValueError as exc:
                raise ValidationError("Field '%s' is invalid: %s" % (path, exc), [path]) from None
        return value

    def _validate_type(self, value, path):
        return value

    def _wrong_type(self, value, path):
        return ValidationError("Field '%s' must be of type %s, not %s." % (path, self.json_name, json_type_name(value)),
                               [path, self.json_name])


class Str(Field):
    json_name = "string"

    def __init__(self, *args, allow_empty: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.allow_empty = allow_empty

    def _validate_type(self, value, path):
        if not isinstance(value, str):
            raise self._wrong_type(value, path)
        if not value and not self.allow_empty:
            raise ValidationError("Field '%s' must not be empty." % path, [path])
        return value


class Int(Field):
    json_name = "integer"

    def __init__(self, *args, minimum: Optional[int] = None, maximum: Optional[int] = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.minimum = minimum
        self.maximum = maximum

    def _validate_type(self, value, path):
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._wrong_type(value, path)
        if self.minimum is not None and value < self.minimum or self.maximum is not None and value > self.maximum:
            raise ValidationError("Field '%s' must be between %s and %s." % (path, self.minimum, self.maximum), [path])
        return value


class Bool(Field):
    json_name = "boolean"

    def _validate_type(self, value, path):
        if not isinstance(value, bool):
            raise self._wrong_type(value, path)
        return value


class Obj(Field):
    """A nested object validated by ``schema``."""

    json_name = "object"

    def __init__(self, schema: "Schema", *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.schema = schema

    def _validate_type(self, value, path):
        return self.schema.validate(value, path)


class List(Field):
    json_name = "array"

    def __init__(self, item: Field, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.item = item

    def _validate_type(self, value, path):
        if not isinstance(value, list):
            raise self._wrong_type(value, path)
        return [self.item.validate(v, "%s[%d]" % (path, i)) for i, v in enumerate(value)]


class Schema:
    """An object with a fixed set of fields. ``validate`` returns a new dict holding every
    declared field (absent optional fields take their default, or are left out)."""

    def __init__(self, fields: Dict[str, Field], name: str = "body"):
        self.fields = fields
        self.name = name

    def validate(self, data, path: str = ""):
        if not isinstance(data, dict):
            where = "Field '%s'" % path if path else "The request body"
            raise ValidationError("%s must be a JSON object, not %s." % (where, json_type_name(data)), [path or self.name])
        unknown = sorted(set(data) - set(self.fields))
        if unknown:
            names = [_join(path, k) for k in unknown]
            raise ValidationError("Unrecognized field%s: %s." % ("s" if len(names) > 1 else "", ", ".join(names)), names)
        out = {}
        for key, field in self.fields.items():
            sub = _join(path, key)
            if key not in data:
                if field.required:
                    raise ValidationError("Missing required field '%s'." % sub, [sub])
                if field.default is not _MISSING:
                    out[key] = field.default
                continue
            out[key] = field.validate(data[key], sub)
        return out

    def field_names(self):
        return list(self.fields)


class OneOf:
    """A body whose shape depends on a discriminator field (e.g. ``type`` of a login body)."""

    def __init__(self, discriminator: str, variants: Dict[str, Schema]):
        self.discriminator = discriminator
        self.variants = variants

    def validate(self, data, path: str = ""):
        if not isinstance(data, dict):
            raise ValidationError("The request body must be a JSON object, not %s." % json_type_name(data), [path or "body"])
        kind = data.get(self.discriminator, _MISSING)
        if kind is _MISSING:
            raise ValidationError("Missing required field '%s'." % _join(path, self.discriminator), [self.discriminator])
        if not isinstance(kind, str) or kind not in self.variants:
            raise ValidationError("Field '%s' must be one of: %s." % (_join(path, self.discriminator), ", ".join(sorted(self.variants))),
                                  [self.discriminator, kind])
        return self.variants[kind].validate(data, path)


def json_type_name(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _join(path: str, key: str) -> str:
    return "%s.%s" % (path, key) if path else key
