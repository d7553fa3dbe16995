"""Recording reporters: each stage's reporter with every event it hears kept as
``(name, args)``, in order, so a test drives a stage and asserts on what it told
(not on the words the CLI makes of it).

``recording_reporters()`` gives a session's whole bundle; ``recording(Base)`` one
stage's reporter. Events of resolvelib's own ``BaseReporter`` hooks (rounds,
pinning, ...) are not kept: only those a stage of inst defines.
"""

from __future__ import annotations

import threading
from typing import Any, TypeVar

from inst.build.reporting import BuildReporter
from inst.download import DownloadReporter
from inst.index.reporting import IndexReporter
from inst.install.reporting import InstallReporter
from inst.resolution.reporting import ResolveReporter
from inst.session.reporting import Reporters

#: One event: the hook's name and the arguments it was called with.
Event = tuple[str, tuple[Any, ...]]

R = TypeVar("R")
_classes: dict[type[Any], type[Any]] = {}


def _events_of(base: type[Any]) -> list[str]:
    """The public hooks a reporter class of inst defines (its own and its bases')."""
    names: list[str] = []
    for klass in base.__mro__:
        if not klass.__module__.startswith("inst."):
            continue  # resolvelib's hooks, object's methods
        for name, value in vars(klass).items():
            if callable(value) and not name.startswith("_") and name not in names:
                names.append(name)
    return names


def _recording_class(base: type[R]) -> type[R]:
    if base in _classes:
        return _classes[base]

    def init(self: Any) -> None:
        base.__init__(self)
        self.events = []
        self._events_lock = threading.Lock()  # downloads report from threads

    def hook(name: str) -> Any:
        def record(self: Any, *args: Any) -> Any:
            with self._events_lock:
                self.events.append((name, args))
            return getattr(base, name)(self, *args)  # the base's answer, if any

        record.__name__ = name
        return record

    namespace: dict[str, Any] = {"__init__": init}
    namespace.update({name: hook(name) for name in _events_of(base)})
    namespace["names"] = lambda self: [name for name, _ in self.events]
    namespace["of"] = lambda self, name: [args for n, args in self.events if n == name]
    made = type(f"Recording{base.__name__}", (base,), namespace)
    _classes[base] = made
    return made


def recording(base: type[R]) -> R:
    """A reporter of class base that keeps every event: ``.events`` (name, args),
    ``.names()`` the names in order, ``.of(name)`` the args of one kind."""
    return _recording_class(base)()


def recording_reporters() -> Reporters:
    """A bundle of recording reporters, for a session (each keeps its own events)."""
    return Reporters(
        index=recording(IndexReporter),
        resolve=recording(ResolveReporter),
        download=recording(DownloadReporter),
        build=recording(BuildReporter),
        install=recording(InstallReporter),
    )
