"""``dataclass``, as the standard library's, made in a fraction of the time.

On CPython 3.11 ``dataclasses.dataclass`` compiles every method it adds from source
(``exec``): about 0.6 ms for a frozen class, and an install imports some 70 of
them, which made dataclass creation the largest fixed cost of a run (40-50 ms).
Here ``dataclasses`` still reads the fields (so ``field()``, ``fields()``,
``replace()`` and ``asdict()`` work as ever), but adds no method; ``__init__`` is
compiled once, and ``__eq__``, ``__hash__``, ``__repr__`` and the frozen
``__setattr__``/``__delattr__`` are shared functions over the fields' names.

Only what inst uses is supported: ``frozen`` and ``eq``, and dataclass bases made
by this decorator too. What a class defines itself is kept, as ``dataclasses``
does. Type checkers see the standard ``dataclass``.
"""

from __future__ import annotations

import dataclasses
import reprlib
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Callable

__all__ = ["dataclass"]

_MISSING: Any = dataclasses.MISSING


class _Factory:
    """The default of a parameter whose field has a default_factory."""

    def __repr__(self) -> str:
        return "<factory>"  # as dataclasses shows it in signatures


_FACTORY = _Factory()
_FROZEN = "__record_frozen__"


def _records(
    cls: type | None = None, /, *, frozen: bool = False, eq: bool = True
) -> Any:
    def wrap(cls: type) -> type:
        return _process(cls, frozen=frozen, eq=eq)

    return wrap if cls is None else wrap(cls)


def _process(cls: type, *, frozen: bool, eq: bool) -> type:
    own = set(cls.__dict__)  # what the class defines itself stays
    # A class that defines __eq__ gets __hash__ = None from Python: not its own.
    if cls.__dict__.get("__hash__", 0) is None and "__eq__" in own:
        own.discard("__hash__")
    # As dataclasses: a frozen class has frozen bases only, and the reverse.
    bases = [
        vars(base) for base in cls.__mro__[1:] if "__dataclass_fields__" in vars(base)
    ]
    if any(
        base.get(_FROZEN, base["__dataclass_params__"].frozen) != frozen
        for base in bases
    ):
        raise TypeError(
            "cannot inherit frozen dataclass from a non-frozen one"
            if frozen
            else "cannot inherit non-frozen dataclass from a frozen one"
        )
    # The fields, their defaults as class attributes, __match_args__, and the
    # checks of the fields (mutable defaults, ClassVar): dataclasses' own work.
    # (Its parameters stay those of this call: frozen=False, which its own check
    # of bases reads; ours is the attribute _FROZEN.)
    dataclasses.dataclass(cls, init=False, repr=False, eq=False)
    setattr(cls, _FROZEN, frozen)
    fields = dataclasses.fields(cls)
    if "__init__" not in own:
        cls.__init__ = _init(cls, fields, frozen)  # type: ignore[misc]
    if "__repr__" not in own:
        cls.__repr__ = _repr([f.name for f in fields if f.repr])  # type: ignore[assignment]
    if eq:
        compared = [f.name for f in fields if f.compare]
        if "__eq__" not in own:
            cls.__eq__ = _eq(compared)  # type: ignore[assignment]
        if "__hash__" not in own:
            if frozen:
                hashed = [
                    f.name for f in fields if (f.compare if f.hash is None else f.hash)
                ]
                cls.__hash__ = _hash(hashed)  # type: ignore[assignment]
            else:
                cls.__hash__ = None  # type: ignore[assignment]
    if frozen:
        names = frozenset(f.name for f in fields)
        for special in ("__setattr__", "__delattr__"):
            if special in own:
                raise TypeError(
                    f"Cannot overwrite attribute {special} in class {cls.__name__}"
                )
        setter, deleter = _frozen(cls, names)
        setattr(cls, "__setattr__", setter)  # noqa: B010 - mypy: not a method-assign
        setattr(cls, "__delattr__", deleter)  # noqa: B010
    return cls


def _init(cls: type, fields: tuple[dataclasses.Field[Any], ...], frozen: bool) -> Any:
    """__init__, compiled once: the same parameters and defaults as dataclasses'."""
    namespace: dict[str, Any] = {
        "__object_setattr": object.__setattr__,
        "FACTORY": _FACTORY,
    }
    parameters = ["self"]
    body = []
    seen_default = False
    for index, f in enumerate(fields):
        value = f.name
        if f.default_factory is not _MISSING:
            namespace[f"__factory_{index}"] = f.default_factory
            if f.init:
                parameters.append(f"{f.name}=FACTORY")
                value = f"__factory_{index}() if {f.name} is FACTORY else {f.name}"
            else:
                value = f"__factory_{index}()"
            seen_default = seen_default or f.init
        elif f.init:
            if f.default is not _MISSING:
                namespace[f"__default_{index}"] = f.default
                parameters.append(f"{f.name}=__default_{index}")
                seen_default = True
            elif seen_default:
                raise TypeError(
                    f"non-default argument {f.name!r} follows default argument"
                )
            else:
                parameters.append(f.name)
        elif f.default is not _MISSING:
            namespace[f"__default_{index}"] = f.default
            value = f"__default_{index}"
        else:
            continue  # init=False and no default: left unset, as dataclasses does
        if frozen:
            body.append(f"    __object_setattr(self, {f.name!r}, {value})")
        else:
            body.append(f"    self.{f.name} = {value}")
    if hasattr(cls, "__post_init__"):
        body.append("    self.__post_init__()")
    source = f"def __init__({', '.join(parameters)}):\n" + (
        "\n".join(body) or "    pass"
    )
    exec(source, namespace)  # noqa: S102 - our own text, from the class's field names
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__annotations__ = {f.name: f.type for f in fields if f.init}
    init.__annotations__["return"] = None
    return init


def _repr(names: list[str]) -> Callable[[Any], str]:
    @reprlib.recursive_repr()
    def __repr__(self: Any) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        return f"{type(self).__qualname__}({shown})"

    return __repr__


def _values(names: list[str]) -> Callable[[Any], tuple[Any, ...]]:
    """The named attributes of an instance, as a tuple (whatever their number)."""
    if not names:
        return lambda self: ()
    if len(names) == 1:
        one = attrgetter(names[0])
        return lambda self: (one(self),)
    return attrgetter(*names)


def _eq(names: list[str]) -> Callable[[Any, Any], Any]:
    values = _values(names)

    def __eq__(self: Any, other: Any) -> Any:
        if other.__class__ is self.__class__:
            return values(self) == values(other)
        return NotImplemented

    return __eq__


def _hash(names: list[str]) -> Callable[[Any], int]:
    values = _values(names)

    def __hash__(self: Any) -> int:
        return hash(values(self))

    return __hash__


def _frozen(
    cls: Any, names: frozenset[str]
) -> tuple[Callable[[Any, str, Any], None], Callable[[Any, str], None]]:
    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is cls or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)

    return __setattr__, __delattr__


if TYPE_CHECKING:
    from dataclasses import dataclass
else:
    dataclass = _records
