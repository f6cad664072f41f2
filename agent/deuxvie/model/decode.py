"""The inverse of `jsonable()`: plain JSON data -> model objects, driven by type hints.

Used to read back what `--json` printed or a report carried (an inventory, diagnostic
results, erasure records), e.g. `deuxvie grade --inventory FILE`. Errors name the path
of the bad value ("disks.value[0].size_bytes: expected int, got 'x'").
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from typing import Any, TypeVar, Union

T = TypeVar("T")


class DecodeError(ValueError):
    """Data that does not fit the model type; the message names where."""


def _fail(path: str, message: str) -> DecodeError:
    return DecodeError(f"{path or '(top)'}: {message}")


def from_jsonable(tp: Any, data: Any, path: str = "") -> Any:
    """Build an object of type `tp` (a model dataclass, tuple[...], X | None, ...)."""
    return _decode(tp, data, path, {})


def _decode(tp: Any, data: Any, path: str, subst: dict[Any, Any]) -> Any:
    if isinstance(tp, TypeVar):
        tp = subst.get(tp, Any)
    if tp is Any or tp is object:
        return data
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (Union, types.UnionType):
        if data is None:
            if type(None) in args:
                return None
            raise _fail(path, "null where a value is required")
        options = [a for a in args if a is not type(None)]
        errors = []
        for option in options:
            try:
                return _decode(option, data, path, subst)
            except DecodeError as exc:
                errors.append(str(exc))
        raise _fail(path, "; ".join(errors))
    if origin is tuple:
        if not isinstance(data, list | tuple):
            raise _fail(path, f"expected a list, got {type(data).__name__}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_decode(args[0], v, f"{path}[{i}]", subst) for i, v in enumerate(data))
        if len(args) != len(data):
            raise _fail(path, f"expected {len(args)} items, got {len(data)}")
        return tuple(_decode(a, v, f"{path}[{i}]", subst)
                     for i, (a, v) in enumerate(zip(args, data, strict=True)))
    if origin is list:
        if not isinstance(data, list):
            raise _fail(path, f"expected a list, got {type(data).__name__}")
        return [_decode(args[0] if args else Any, v, f"{path}[{i}]", subst)
                for i, v in enumerate(data)]
    if origin is dict:
        if not isinstance(data, dict):
            raise _fail(path, f"expected an object, got {type(data).__name__}")
        vt = args[1] if args else Any
        return {k: _decode(vt, v, f"{path}.{k}", subst) for k, v in data.items()}
    if origin is not None and dataclasses.is_dataclass(origin):
        params = getattr(origin, "__parameters__", ())
        return _dataclass(origin, data, path, dict(zip(params, args, strict=False)))
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _dataclass(tp, data, path, subst)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        try:
            return tp(data)
        except ValueError:
            raise _fail(path, f"{data!r} is not a {tp.__name__}") from None
    if tp is float:
        if isinstance(data, bool) or not isinstance(data, int | float):
            raise _fail(path, f"expected a number, got {data!r}")
        return float(data)
    if tp in (int, str, bool):
        if not isinstance(data, tp) or (tp is int and isinstance(data, bool)):
            raise _fail(path, f"expected {tp.__name__}, got {data!r}")
        return data
    return data


def _dataclass(cls: Any, data: Any, path: str, subst: dict[Any, Any]) -> Any:
    if not isinstance(data, dict):
        raise _fail(path, f"expected an object for {cls.__name__}, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        where = f"{path}.{f.name}" if path else f.name
        if f.name not in data:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise _fail(where, "missing")
            continue
        kwargs[f.name] = _decode(hints[f.name], data[f.name], where, subst)
    return cls(**kwargs)
