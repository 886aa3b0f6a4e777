"""Typed agent parameters, declared as class attributes of an :class:`~ha_agents.agent.Agent`.

>>> class Web(Agent):
...     port = Integer(default=8080, minimum=1, maximum=65535, description="TCP port")
...     docroot = String(required=True, description="directory to serve")

Inside an action, ``self.port`` is an ``int`` and ``self.docroot`` a ``str``: the SDK
parsed and checked them before calling the action.  A parameter that is neither required
nor given a default holds the type's empty value (``""``, ``0``, ``False``).

Values arrive as text whatever the convention (``OCF_RESKEY_port=8080``,
``web::8080``, ``PORT=8080`` in /etc/default/web); :func:`resolve` parses them and
raises :class:`NotConfigured` (missing required) or :class:`InvalidArgs` (bad value).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Generic, Self, TypeVar, overload

from ha_agents.agent.results import InvalidArgs, NotConfigured

T = TypeVar("T", str, int, bool)
Value = str | int | bool

_TRUE = {"1", "true", "yes", "on", "y"}
_FALSE = {"0", "false", "no", "off", "n"}


class Param(ABC, Generic[T]):
    """One parameter: its OCF name, type, default and documentation."""

    ocf_type = "string"

    def __init__(
        self,
        *,
        default: T | None = None,
        required: bool = False,
        unique: bool = False,
        description: str = "",
        shortdesc: str = "",
        name: str | None = None,
    ) -> None:
        self.default: T | None = default
        self.required = required
        self.unique = unique
        self.description = description
        self.shortdesc = shortdesc or (
            description.split(". ")[0].rstrip(".") if description else ""
        )
        self.name = name or ""
        self.attr = ""

    def __set_name__(self, owner: type, attr: str) -> None:
        self.attr = attr
        if not self.name:
            self.name = attr

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> Self: ...

    @overload
    def __get__(self, obj: object, owner: type | None = None) -> T: ...

    def __get__(self, obj: object | None, owner: type | None = None) -> Self | T:
        if obj is None:
            return self
        values: Mapping[str, Value] = getattr(obj, "_values", {})
        if self.name not in values:
            raise AttributeError(f"parameter {self.name!r} has no value (meta-data call?)")
        return self._cast(values[self.name])

    @abstractmethod
    def _cast(self, value: Value) -> T:
        """Implemented by String, Integer and Boolean."""

    @abstractmethod
    def empty(self) -> T:
        """Implemented by String, Integer and Boolean."""

    @abstractmethod
    def parse(self, text: str) -> T:
        """Implemented by String, Integer and Boolean."""

    def render(self, value: T) -> str:
        return str(value)


class String(Param[str]):
    """A text parameter (OCF content type ``string``)."""

    ocf_type = "string"

    def _cast(self, value: Value) -> str:
        return str(value)

    def empty(self) -> str:
        return ""

    def parse(self, text: str) -> str:
        return text


class Integer(Param[int]):
    """A whole number (OCF ``integer``), optionally bounded by ``minimum``/``maximum``."""

    ocf_type = "integer"

    def __init__(
        self,
        *,
        default: int | None = None,
        required: bool = False,
        unique: bool = False,
        description: str = "",
        shortdesc: str = "",
        name: str | None = None,
        minimum: int | None = None,
        maximum: int | None = None,
    ) -> None:
        super().__init__(
            default=default,
            required=required,
            unique=unique,
            description=description,
            shortdesc=shortdesc,
            name=name,
        )
        self.minimum = minimum
        self.maximum = maximum

    def _cast(self, value: Value) -> int:
        return int(value)

    def empty(self) -> int:
        return 0

    def parse(self, text: str) -> int:
        try:
            value = int(text.strip(), 10)
        except ValueError:
            raise InvalidArgs(f"parameter {self.name}: {text!r} is not an integer") from None
        if self.minimum is not None and value < self.minimum:
            raise InvalidArgs(f"parameter {self.name}: {value} is below {self.minimum}")
        if self.maximum is not None and value > self.maximum:
            raise InvalidArgs(f"parameter {self.name}: {value} is above {self.maximum}")
        return value


class Boolean(Param[bool]):
    """A flag (OCF ``boolean``): accepts 1/0, true/false, yes/no, on/off."""

    ocf_type = "boolean"

    def _cast(self, value: Value) -> bool:
        return bool(value)

    def empty(self) -> bool:
        return False

    def parse(self, text: str) -> bool:
        word = text.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        raise InvalidArgs(f"parameter {self.name}: {text!r} is not a boolean (true/false)")

    def render(self, value: bool) -> str:
        return "true" if value else "false"


AnyParam = String | Integer | Boolean


def resolve(params: Sequence[AnyParam], supplied: Mapping[str, str]) -> dict[str, Value]:
    """Parse the supplied text values; fill defaults; report every problem at once.

    Raises :class:`NotConfigured` when a required parameter is missing (or empty) and
    :class:`InvalidArgs` when a value does not parse.
    """
    values: dict[str, Value] = {}
    missing: list[str] = []
    bad: list[str] = []
    for param in params:
        text = supplied.get(param.name)
        if text is None or (text == "" and param.required):
            if param.required:
                missing.append(param.name)
            elif param.default is not None:
                values[param.name] = param.default
            else:
                values[param.name] = param.empty()
            continue
        try:
            values[param.name] = param.parse(text)
        except InvalidArgs as exc:
            bad.append(exc.message)
    if missing:
        raise NotConfigured("required parameter(s) not set: " + ", ".join(missing))
    if bad:
        raise InvalidArgs("; ".join(bad))
    return values
