"""Build interfaces plugged in from outside inst: entry points of the group
``inst.build_interfaces`` in inst's own environment (API version 1, documented in
docs/reference/build-interface-plugins.md).

Each entry point names an object with ``api_version``, ``name``, ``claims(tree)`` and
``make_interface(tree)``. A plug-in that cannot be loaded, or that raises, is reported
through the build reporter by name and left out for the rest of the run: a broken
plug-in never takes inst down. Its build steps run inside ``PluggedInterface``, which
turns whatever they raise into a failed build naming the plug-in.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inst._records import dataclass
from inst.build.choice import BUILT_IN
from inst.build.interfaces import (
    BuildEnv,
    BuildInterface,
    BuildOptions,
    Purpose,
    SdistInterface,
)
from inst.build.reporting import BuildReporter
from inst.build.runner import BuildFailed
from inst.errors import InstError

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

GROUP = "inst.build_interfaces"
#: The versions of the plug-in API this inst speaks.
API_VERSIONS = (1,)
#: Names a plug-in may not take: the built-in interfaces and their spellings.
RESERVED = frozenset({*BUILT_IN, "pyproject.toml", ":all:"})


@dataclass(frozen=True)
class Plugin:
    """A loaded plug-in: its interface's name, where it comes from, the object."""

    name: str
    source: str  # "inst-setup-cfg 1.0, entry point setup-cfg = inst_setup_cfg:plugin"
    obj: Any = field(compare=False)


def _entry_points() -> list[EntryPoint]:
    if not _may_declare(GROUP):
        return []
    from importlib.metadata import entry_points

    return sorted(entry_points(group=GROUP), key=lambda ep: (ep.name, ep.value))


def _may_declare(group: str) -> bool:
    """Whether a distribution on sys.path may have entry points of group: False only
    when every metadata folder there was read and none names the group. Most
    environments have no plug-in, and this look costs a few file reads, where
    importlib.metadata's import and parse of every distribution's entry points cost
    every build run 10-20 ms. Anything it cannot tell (an archive on sys.path, an
    egg, a finder of distributions other than the standard one) says True."""
    import importlib.machinery

    finders = [f for f in sys.meta_path if hasattr(f, "find_distributions")]
    if any(f is not importlib.machinery.PathFinder for f in finders):
        return True
    header = f"[{group}]"
    for entry in sys.path:
        try:
            listing = os.scandir(entry or ".")
        except NotADirectoryError:
            return True  # a zip archive (or an egg file) on sys.path
        except OSError:
            continue  # as importlib.metadata: an entry that is not there has nothing
        with listing:
            for item in listing:
                name = item.name.lower()
                if name.endswith(".egg"):
                    return True
                if not name.endswith((".dist-info", ".egg-info")):
                    continue
                if not item.is_dir():
                    continue  # an .egg-info file: PKG-INFO alone, no entry points
                try:
                    with open(
                        os.path.join(item.path, "entry_points.txt"), "rb"
                    ) as stream:
                        text = stream.read()
                except FileNotFoundError:
                    continue
                except OSError:
                    return True
                if header.encode() in text:
                    return True
    return False


def _where(entry: EntryPoint) -> str:
    dist = getattr(entry, "dist", None)
    owner = f"{dist.name} {dist.version}, " if dist is not None else ""
    return f"{owner}entry point {entry.name} = {entry.value}"


class PluginRegistry:
    """The plug-ins of inst's environment, loaded on first use, once per run."""

    def __init__(
        self,
        reporter: BuildReporter | None = None,
        entry_points: Callable[[], Iterable[EntryPoint]] = _entry_points,
    ) -> None:
        self._reporter = reporter or BuildReporter()
        self._entry_points = entry_points
        self._loaded: list[Plugin] | None = None

    def plugins(self) -> list[Plugin]:
        if self._loaded is None:
            self._loaded = self._load()
        return list(self._loaded)

    def get(self, name: str) -> Plugin | None:
        return next((p for p in self.plugins() if p.name == name), None)

    def claim(self, tree: Path) -> tuple[BuildInterface, Plugin, str] | None:
        """The first plug-in (by name) that claims tree, its interface and reason."""
        for plugin in self.plugins():
            try:
                reason = plugin.obj.claims(tree)
                if not reason:
                    continue
                interface = self._make(plugin, tree)
            except Exception as exc:  # noqa: BLE001 - a plug-in's bug is reported, not ours
                self._drop(plugin, f"raised {_error(exc)} while looking at {tree}")
                continue
            return interface, plugin, str(reason)
        return None

    def interface(self, plugin: Plugin, tree: Path) -> BuildInterface:
        """The plug-in's interface for a tree the user chose it for."""
        try:
            return self._make(plugin, tree)
        except InstError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise BuildFailed(
                f"the build interface plug-in {plugin.name} cannot build {tree}",
                why=f"it raised {_error(exc)} ({plugin.source})",
                hint="report it to the plug-in's authors, or choose another "
                "interface with --build-interface NAME=auto",
            ) from None

    def _make(self, plugin: Plugin, tree: Path) -> BuildInterface:
        inner = plugin.obj.make_interface(tree)
        if isinstance(inner, SdistInterface):
            return PluggedSdistInterface(plugin, inner, tree)
        return PluggedInterface(plugin, inner, tree)

    def _drop(self, plugin: Plugin, what: str) -> None:
        self._reporter.warning(
            f"the build interface plug-in {plugin.name} ({plugin.source}) {what}; "
            "inst goes on without it"
        )
        if self._loaded is not None:
            self._loaded = [p for p in self._loaded if p.name != plugin.name]

    def _load(self) -> list[Plugin]:
        try:
            entries = list(self._entry_points())
        except Exception as exc:  # noqa: BLE001 - broken metadata of some distribution
            self._reporter.warning(
                f"cannot list the build interface plug-ins ({_error(exc)}); inst "
                "goes on with its own interfaces"
            )
            return []
        found: list[Plugin] = []
        for entry in entries:
            source = _where(entry)
            problem = ""
            try:
                obj = entry.load()
                name = getattr(obj, "name", None)
                version = getattr(obj, "api_version", None)
            except Exception as exc:  # noqa: BLE001
                problem = f"cannot be loaded: {_error(exc)}"
                name, obj = entry.name, None
            if not problem:
                problem = _unusable(obj, name, version, found)
            if problem:
                self._reporter.warning(
                    f"the build interface plug-in {name or entry.name} ({source}) "
                    f"{problem}; inst goes on without it"
                )
                continue
            assert isinstance(name, str)
            found.append(Plugin(name, source, obj))
        return found


def _unusable(obj: Any, name: Any, version: Any, found: list[Plugin]) -> str:
    """Why a loaded object cannot serve as a plug-in ("" if it can)."""
    if not isinstance(name, str) or not name.strip():
        return "has no name (a non-empty string)"
    if name in RESERVED:
        return f"takes the name {name!r}, which is inst's own"
    if version not in API_VERSIONS:
        return (
            f"speaks version {version!r} of the plug-in API, and this inst speaks "
            f"{', '.join(map(str, API_VERSIONS))}"
        )
    for method in ("claims", "make_interface"):
        if not callable(getattr(obj, method, None)):
            return f"has no {method}() method"
    if any(p.name == name for p in found):
        return f"takes the name {name!r}, which another plug-in has"
    return ""


def _error(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


class PluggedInterface:
    """A plug-in's BuildInterface, named after the plug-in, whose steps fail as builds
    fail: an exception from the plug-in becomes a BuildFailed naming it."""

    def __init__(self, plugin: Plugin, inner: BuildInterface, tree: Path) -> None:
        self.plugin = plugin
        self.inner = inner
        self.name = plugin.name
        self.tree = tree

    @property
    def backend(self) -> str:
        backend = self._call("describing its backend", lambda: self.inner.backend)
        return str(backend)

    def static_requirements(self) -> tuple[str, ...]:
        found = self._call("listing its requirements", self.inner.static_requirements)
        return tuple(str(r) for r in found)

    def dynamic_requirements(
        self, env: BuildEnv, purpose: Purpose, options: BuildOptions
    ) -> list[str]:
        found = self._call(
            "asking for requirements",
            lambda: self.inner.dynamic_requirements(env, purpose, options),
        )
        return [str(r) for r in found]

    def prepare_metadata(
        self, env: BuildEnv, out_dir: Path, purpose: Purpose, options: BuildOptions
    ) -> Path:
        return Path(
            self._call(
                "preparing metadata",
                lambda: self.inner.prepare_metadata(env, out_dir, purpose, options),
            )
        )

    def build(
        self,
        env: BuildEnv,
        out_dir: Path,
        metadata_dir: Path | None,
        purpose: Purpose,
        options: BuildOptions,
    ) -> Path:
        return Path(
            self._call(
                "building a wheel" if purpose == "wheel" else "building an editable",
                lambda: self.inner.build(env, out_dir, metadata_dir, purpose, options),
            )
        )

    def _call(self, what: str, step: Callable[[], Any]) -> Any:
        try:
            return step()
        except InstError:
            raise
        except Exception as exc:  # noqa: BLE001 - the plug-in's failure, in words
            error = BuildFailed(
                f"{what} of {self.tree.name} failed ({self.name} interface, a plug-in)",
                why=f"the plug-in raised {_error(exc)} ({self.plugin.source})",
                hint="run inst with -v to see the build output; report a bug in the "
                "interface to the plug-in's authors, or choose another interface "
                "with --build-interface NAME=auto",
            )
            output = getattr(exc, "output", None) or getattr(exc, "stderr", None)
            if isinstance(output, bytes):
                output = output.decode("utf-8", "replace")
            if isinstance(output, str):
                error.details = [line for line in output.splitlines() if line][-25:]
            raise error from None


class PluggedSdistInterface(PluggedInterface):
    """A plug-in's interface that also builds sdists (the optional SdistInterface of
    ``inst build``), its sdist steps wrapped the same way."""

    def __init__(self, plugin: Plugin, inner: SdistInterface, tree: Path) -> None:
        super().__init__(plugin, inner, tree)  # type: ignore[arg-type]
        self.sdist_inner = inner

    def sdist_requirements(self, env: BuildEnv, options: BuildOptions) -> list[str]:
        inner = self.sdist_inner
        found = self._call(
            "asking for sdist requirements",
            lambda: inner.sdist_requirements(env, options),
        )
        return [str(r) for r in found]

    def build_sdist(self, env: BuildEnv, out_dir: Path, options: BuildOptions) -> Path:
        inner = self.sdist_inner
        return Path(
            self._call(
                "building an sdist", lambda: inner.build_sdist(env, out_dir, options)
            )
        )
