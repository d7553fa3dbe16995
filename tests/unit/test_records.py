"""inst._records.dataclass behaves as dataclasses.dataclass for what inst uses:
random field lists (defaults, factories, init/repr/compare/hash flags), frozen or not,
eq or not; the same signature, values, repr, equality, hash, immutability and
replace()."""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any, Callable, NamedTuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inst._records import _records


class Spec(NamedTuple):
    name: str
    default: int | None  # None: no default
    factory: bool
    init: bool
    repr: bool
    compare: bool
    hash: bool | None


specs = st.lists(
    st.builds(
        Spec,
        name=st.sampled_from("abcdefgh"),
        default=st.none() | st.integers(-3, 3),
        factory=st.booleans(),
        init=st.booleans(),
        repr=st.booleans(),
        compare=st.booleans(),
        hash=st.none() | st.booleans(),
    ),
    max_size=6,
    unique_by=lambda spec: spec.name,
)


def make(decorate: Callable[..., Any], fields: list[Spec], **flags: Any) -> Any:
    namespace: dict[str, Any] = {"__doc__": "A record.", "__annotations__": {}}
    for spec in fields:
        namespace["__annotations__"][spec.name] = "int"
        kwargs: dict[str, Any] = {
            "init": spec.init,
            "repr": spec.repr,
            "compare": spec.compare,
            "hash": spec.hash,
        }
        if spec.factory:
            kwargs["default_factory"] = list
        elif spec.default is not None:
            kwargs["default"] = spec.default
        namespace[spec.name] = dataclasses.field(**kwargs)
    return decorate(**flags)(type("Record", (), namespace))


def assigned(record: Any, name: str) -> str:
    return outcome(lambda: setattr(record, name, 1))[0]


def outcome(call: Callable[[], Any]) -> tuple[str, Any]:
    try:
        return "ok", call()
    except (TypeError, ValueError, AttributeError) as error:
        return type(error).__name__, str(error).replace("Record.", "")


@settings(max_examples=300, deadline=None)
@given(fields=specs, frozen=st.booleans(), eq=st.booleans(), data=st.data())
def test_the_same_as_dataclasses(
    fields: list[Spec], frozen: bool, eq: bool, data: st.DataObject
) -> None:
    made = outcome(lambda: make(dataclasses.dataclass, fields, frozen=frozen, eq=eq))
    ours = outcome(lambda: make(_records, fields, frozen=frozen, eq=eq))
    assert made[0] == ours[0]
    if made[0] != "ok":
        return
    theirs_cls, ours_cls = made[1], ours[1]
    assert str(inspect.signature(theirs_cls)) == str(inspect.signature(ours_cls))
    assert [f.name for f in dataclasses.fields(theirs_cls)] == [
        f.name for f in dataclasses.fields(ours_cls)
    ]
    assert theirs_cls.__match_args__ == ours_cls.__match_args__
    assert (theirs_cls.__hash__ is None) == (ours_cls.__hash__ is None)
    init_names = [spec.name for spec in fields if spec.init]
    for _ in range(3):
        values = {
            name: data.draw(st.integers(0, 2), label=name)
            for name in init_names
            if data.draw(st.booleans(), label=f"give {name}")
        }
        compare_instances(theirs_cls, ours_cls, values, hashable=frozen and eq)


def compare_instances(
    theirs_cls: Any, ours_cls: Any, values: dict[str, int], *, hashable: bool
) -> None:
    theirs = outcome(lambda: theirs_cls(**values))
    mine = outcome(lambda: ours_cls(**values))
    assert theirs[0] == mine[0]
    if theirs[0] != "ok":
        return
    a, b = theirs[1], mine[1]
    assert outcome(lambda: repr(a)) == outcome(lambda: repr(b))
    assert outcome(lambda: dataclasses.asdict(a)) == outcome(
        lambda: dataclasses.asdict(b)
    )
    again = ours_cls(**values)
    assert outcome(lambda: b == again) == outcome(lambda: a == theirs_cls(**values))
    assert b != a  # another class: never equal
    if hashable and theirs_cls.__hash__ is not None:
        assert outcome(lambda: hash(b) == hash(again)) == outcome(
            lambda: hash(a) == hash(theirs_cls(**values))
        )
    for name in ("a", "zz"):
        assert assigned(a, name) == assigned(b, name)
    if values:
        change = {next(iter(values)): 7}
        assert outcome(lambda: repr(dataclasses.replace(a, **change))) == outcome(
            lambda: repr(dataclasses.replace(b, **change))
        )


def test_frozen_errors_name_the_field() -> None:
    @_records(frozen=True)
    class Point:
        """A point."""

        x: int

    point = Point(1)
    with pytest.raises(
        dataclasses.FrozenInstanceError, match="cannot assign to field 'x'"
    ):
        point.x = 2  # type: ignore[misc]
    with pytest.raises(
        dataclasses.FrozenInstanceError, match="cannot delete field 'x'"
    ):
        del point.x  # type: ignore[misc]


def test_what_a_class_defines_stays_and_post_init_runs() -> None:
    seen: list[int] = []

    @_records(frozen=True)
    class Sized:
        """Sized."""

        n: int

        def __post_init__(self) -> None:
            seen.append(self.n)

        def __repr__(self) -> str:
            return "mine"

    assert repr(Sized(3)) == "mine"
    assert seen == [3]
    assert hash(Sized(3)) == hash(Sized(3))


def test_subclasses_add_fields() -> None:
    @_records(frozen=True)
    class Base:
        """Base."""

        a: int

    @_records(frozen=True)
    class Child(Base):
        """Child."""

        b: int = 2

    child = Child(1)
    assert (child.a, child.b) == (1, 2)
    assert repr(child).endswith("Child(a=1, b=2)")
    assert child != Base(1)


def test_every_inst_module_uses_it() -> None:
    # The standard decorator costs 0.4-0.8 ms per class at import (see _records).
    from pathlib import Path

    import inst

    source = Path(inst.__file__).parent
    offenders = [
        str(path.relative_to(source))
        for path in source.rglob("*.py")
        if path.name != "_records.py"
        and "from dataclasses import dataclass" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
