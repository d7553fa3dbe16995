"""The target platform: what distributions are matched against.

A ``TargetPlatform`` holds a Python's version, implementation, environment markers and
wheel tags, and answers the finder's and the resolver's questions: which of a wheel's
tags fit best (``tag_rank``), whether a Requires-Python admits it
(``python_supported``), what a marker says (``evaluate``). ``TargetPlatform.from_probe``
makes the platform of a real interpreter; ``described()`` makes the one that
``inst download --platform/--python-version/--implementation/--abi`` describes, a
platform no interpreter on this machine runs.

Wheel tags of a probed interpreter are computed inside it with inst's own
``packaging`` (loaded there by file location, see ``_probe``), not reconstructed here
from raw facts: ``packaging`` 26 imports on Python 3.8 (checked with 3.8.18), the
oldest target inst accepts, and only the target itself knows its libc, macOS version,
ABI flags and sysconfig.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import field
from functools import cached_property
from types import MappingProxyType
from typing import Any

from packaging.markers import Marker
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.tags import Tag
from packaging.version import Version

from inst._records import dataclass
from inst.errors import InstError

# Short interpreter names (wheel tags) → (implementation_name, platform_python_implementation).
_IMPLEMENTATIONS = {
    "cp": ("cpython", "CPython"),
    "pp": ("pypy", "PyPy"),
    "ip": ("ironpython", "IronPython"),
    "jy": ("jython", "Jython"),
    "gp": ("graalpy", "GraalVM"),
}
_SHORT_NAMES = {long: short for short, (long, _) in _IMPLEMENTATIONS.items()}


@dataclass(frozen=True)
class TargetPlatform:
    """A Python platform as distributions see it: version, implementation, markers and
    tags.

    ``tags`` is computed on first use (``sys_tags()`` costs a few milliseconds that
    ``inst install`` of a pure-Python set never needs).
    """

    version_info: tuple[int, int, int]
    implementation: str
    markers: Mapping[str, str]
    # The tags, or a function computing them on first use of `tags`.
    tag_source: tuple[Tag, ...] | Callable[[], tuple[Tag, ...]] = field(
        repr=False, compare=False
    )

    def __hash__(self) -> int:
        # Mappings are unhashable; these fields identify a platform well enough.
        return hash((self.version_info, self.implementation))

    @classmethod
    def from_probe(cls, data: Mapping[str, Any], *, running: bool) -> TargetPlatform:
        """The platform of a probed interpreter (``running``: the one running inst,
        whose tags packaging computes here); KeyError/TypeError/ValueError if the
        answer is malformed."""
        tags = _running_tags if running else _tag_parser(data)
        major, minor, micro = (int(part) for part in data["version_info"])
        return cls(
            version_info=(major, minor, micro),
            implementation=str(data["implementation"]),
            markers=MappingProxyType(
                {str(k): str(v) for k, v in data["markers"].items()}
            ),
            tag_source=tags,
        )

    @cached_property
    def tags(self) -> tuple[Tag, ...]:
        """Supported wheel tags of the target, most preferred first."""
        source = self.tag_source
        return source if isinstance(source, tuple) else source()

    @cached_property
    def _tag_ranks(self) -> dict[Tag, int]:
        ranks: dict[Tag, int] = {}
        for rank, tag in enumerate(self.tags):
            ranks.setdefault(tag, rank)
        return ranks

    def tag_rank(self, tags: Iterable[Tag]) -> int | None:
        """Index in ``self.tags`` of the best of ``tags`` (0 = best); None if none fits."""
        ranks = self._tag_ranks
        best: int | None = None
        for tag in tags:
            rank = ranks.get(tag)
            if rank is not None and (best is None or rank < best):
                best = rank
        return best

    @cached_property
    def _python_version(self) -> Version:
        # As pip: the bare X.Y.Z, so a 3.13.0rc1 target satisfies ">=3.13".
        return Version(".".join(map(str, self.version_info)))

    def python_supported(self, requires_python: str | SpecifierSet | None) -> bool:
        """Whether the target's Python satisfies a Requires-Python; unparsable → True."""
        if requires_python is None:
            return True
        if isinstance(requires_python, str):
            specifiers = _specifier_set(requires_python)
            if specifiers is None:
                return True
        else:
            specifiers = requires_python
        return specifiers.contains(self._python_version, prereleases=True)

    @cached_property
    def _marker_environment(self) -> dict[str, str]:
        return dict(self.markers)

    def evaluate(self, marker: Marker | None, extras: Iterable[str] = ()) -> bool:
        """The marker's value for the target; with extras, true if any extra makes it so."""
        if marker is None:
            return True
        environment = self._marker_environment
        # As pip: "" stands for "no extra", so `extra == "x"` is false without extras.
        for extra in tuple(extras) or ("",):
            if marker.evaluate({**environment, "extra": extra}):
                return True
        return False

    def described(
        self,
        *,
        platforms: Sequence[str] = (),
        python_version: str | None = None,
        implementation: str | None = None,
        abis: Sequence[str] = (),
    ) -> TargetPlatform:
        """The platform ``--platform/--python-version/--implementation/--abi`` describe.

        Tags follow pip's ``get_supported()``; what is not given comes from this
        platform (its platforms, Python version, implementation and ABIs) rather than
        from the interpreter running inst. Nothing given: this platform itself.
        """
        if not platforms and python_version is None and not implementation and not abis:
            return self
        import packaging.tags

        own_short = _SHORT_NAMES.get(self.implementation, "py")
        short = implementation or own_short
        version_info = self.version_info
        if python_version is not None:
            given = _parse_python_version(python_version)
            # pip's "3" means any Python 3: tags for (3,), markers for 3.0.0.
            tag_version: tuple[int, ...] = given[:2]
            padded = (*given, 0, 0)
            version_info = (padded[0], padded[1], padded[2])
        else:
            tag_version = self.version_info[:2]
        interpreter = f"{short}{''.join(map(str, tag_version))}"
        target_platforms = _expand_platforms(platforms) or self._platforms()
        abi_list: list[str] | None
        if abis:
            abi_list = list(abis)
        elif python_version is None and short == own_short:
            abi_list = self._abis()
        else:
            abi_list = None  # cpython_tags derives cpXY; generic tags get "none" only
        tags: list[Tag] = []
        if short == "cp":
            tags += packaging.tags.cpython_tags(
                tag_version, abis=abi_list, platforms=target_platforms
            )
        else:
            tags += packaging.tags.generic_tags(
                interpreter, abis=abi_list or [], platforms=target_platforms
            )
        tags += packaging.tags.compatible_tags(
            tag_version, interpreter, target_platforms
        )

        markers = dict(self.markers)
        implementation_name = self.implementation
        if implementation and short in _IMPLEMENTATIONS:
            implementation_name, markers["platform_python_implementation"] = (
                _IMPLEMENTATIONS[short]
            )
            markers["implementation_name"] = implementation_name
        if python_version is not None:
            full = ".".join(map(str, version_info))
            markers["python_version"] = f"{version_info[0]}.{version_info[1]}"
            markers["python_full_version"] = full
            if implementation_name == "cpython":
                markers["implementation_version"] = full
        if platforms:
            markers.update(_platform_markers(platforms))
        return TargetPlatform(
            version_info=version_info,
            implementation=implementation_name,
            markers=MappingProxyType(markers),
            tag_source=tuple(_unique(tags)),
        )

    def _platforms(self) -> list[str]:
        return list(_unique(tag.platform for tag in self.tags if tag.platform != "any"))

    def _abis(self) -> list[str]:
        """The target's own ABIs (e.g. cp311, cp313t), as its first tags name them."""
        if not self.tags:
            return []
        first = self.tags[0].interpreter
        return list(
            _unique(
                tag.abi
                for tag in self.tags
                if tag.interpreter == first and tag.abi not in ("abi3", "none")
            )
        )


def _unique(items: Iterable[Any]) -> Iterable[Any]:
    return dict.fromkeys(items)


@functools.lru_cache(maxsize=1024)
def _specifier_set(text: str) -> SpecifierSet | None:
    # The finder asks about the same few Requires-Python strings for many files.
    if not text.strip():
        return None
    try:
        return SpecifierSet(text)
    except InvalidSpecifier:
        return None


def _running_tags() -> tuple[Tag, ...]:
    import packaging.tags

    return tuple(packaging.tags.sys_tags())


def _tag_parser(data: Mapping[str, Any]) -> Callable[[], tuple[Tag, ...]]:
    if "tags" not in data:
        return lambda: _tags_from_facts(data)
    strings = data["tags"]
    if not isinstance(strings, list):
        raise TypeError("tags is not a list")

    def parse() -> tuple[Tag, ...]:
        return tuple(Tag(*text.split("-")) for text in strings)

    return parse


def _tags_from_facts(data: Mapping[str, Any]) -> tuple[Tag, ...]:
    """Tags for a target where inst's packaging cannot run (too old for it): computed
    here from the target's version and ABI, with this machine's platforms."""
    import packaging.tags

    version = tuple(int(part) for part in data["version_info"][:2])
    implementation = str(data["implementation"])
    short = _SHORT_NAMES.get(implementation, "py")
    abis = [str(abi) for abi in data.get("tag_facts", {}).get("abis", [])]
    platforms = list(packaging.tags.platform_tags())
    interpreter = f"{short}{''.join(map(str, version))}"
    tags: list[Tag] = []
    if short == "cp":
        tags += packaging.tags.cpython_tags(version, abis=abis, platforms=platforms)
    else:
        tags += packaging.tags.generic_tags(interpreter, abis=abis, platforms=platforms)
    tags += packaging.tags.compatible_tags(version, interpreter, platforms)
    return tuple(_unique(tags))


# --- described platforms ------------------------------------------------------------


def _parse_python_version(text: str) -> tuple[int, ...]:
    """pip's --python-version: "3", "3.12", "312" or "3.12.1"."""
    parts = text.strip().split(".")
    if len(parts) > 3:
        raise InstError(
            f"--python-version {text}: at most three version parts are allowed"
        )
    if len(parts) == 1 and len(parts[0]) > 1:
        parts = [parts[0][0], parts[0][1:]]  # "312" → 3.12
    if not all(part.isdigit() for part in parts):
        raise InstError(
            f"--python-version {text}: each version part must be an integer",
            hint='write it as "3", "3.12" or "312"',
        )
    return tuple(int(part) for part in parts)


_APPLE = re.compile(r"(.+)_(\d+)_(\d+)_(.+)")
_MANYLINUX = re.compile(r"manylinux_(\d+)_(\d+)_(.+)")
_LEGACY_MANYLINUX = {"manylinux1": 5, "manylinux2010": 12, "manylinux2014": 17}
_LEGACY_NAMES = {minor: name for name, minor in _LEGACY_MANYLINUX.items()}
_MANYLINUX2014_ARCHES = {
    "x86_64",
    "i686",
    "aarch64",
    "armv7l",
    "ppc64",
    "ppc64le",
    "s390x",
}
_MUSLLINUX = re.compile(r"musllinux_(\d+)_(\d+)_(.+)")


def _expand_platforms(platforms: Sequence[str]) -> list[str]:
    """The platform tags a machine of each given platform accepts, most specific first."""
    return list(_unique(tag for platform in platforms for tag in _expand(platform)))


def _expand(platform: str) -> list[str]:
    import packaging.tags

    apple = _APPLE.match(platform)
    if platform.startswith("macosx") and apple:
        # As pip: keep whatever prefix the user wrote ("macosx" in practice).
        name, major, minor, arch = apple.groups()
        return [
            f"{name}_{tag[len('macosx_') :]}"
            for tag in packaging.tags.mac_platforms((int(major), int(minor)), arch)
        ]
    if platform.startswith("ios") and apple:
        name, major, minor, multiarch = apple.groups()
        return [
            f"{name}_{tag[len('ios_') :]}"
            for tag in packaging.tags.ios_platforms((int(major), int(minor)), multiarch)
        ]
    legacy, _, arch = platform.partition("_")
    if legacy in _LEGACY_MANYLINUX and arch:
        return [platform, *_manylinux(2, _LEGACY_MANYLINUX[legacy], arch)]
    manylinux = _MANYLINUX.fullmatch(platform)
    if manylinux:
        major, minor, arch = manylinux.groups()
        return [platform, *_manylinux(int(major), int(minor), arch)]
    musllinux = _MUSLLINUX.fullmatch(platform)
    if musllinux:
        major, minor, arch = musllinux.groups()
        return [
            platform,
            *(f"musllinux_{major}_{m}_{arch}" for m in range(int(minor), -1, -1)),
        ]
    return [platform]


def _manylinux(major: int, minor: int, arch: str) -> list[str]:
    """manylinux tags for glibc major.minor and older, as packaging yields for a host.

    pip only adds manylinux2010/manylinux1 to manylinux2014; a real glibc 2.17 machine
    accepts every older manylinux wheel, so inst expands like packaging does for one.
    """
    if major != 2:
        return []
    oldest = 5 if arch in ("x86_64", "i686") else 17
    result: list[str] = []
    for glibc_minor in range(minor, oldest - 1, -1):
        result.append(f"manylinux_2_{glibc_minor}_{arch}")
        legacy = _LEGACY_NAMES.get(glibc_minor)
        if legacy and arch in (
            _MANYLINUX2014_ARCHES if legacy == "manylinux2014" else ("x86_64", "i686")
        ):
            result.append(f"{legacy}_{arch}")
    return result


def _platform_markers(platforms: Sequence[str]) -> dict[str, str]:
    """sys_platform, platform_system, os_name (and platform_machine) for --platform.

    Only when every given platform agrees, so that dependencies are chosen for the
    target rather than for the machine running inst.
    """
    facts = [_platform_facts(platform) for platform in platforms]
    if not facts or any(fact is None for fact in facts):
        return {}
    systems = {fact[:3] for fact in facts if fact is not None}
    if len(systems) != 1:
        return {}
    sys_platform, system, os_name = systems.pop()
    result = {
        "sys_platform": sys_platform,
        "platform_system": system,
        "os_name": os_name,
    }
    machines = {fact[3] for fact in facts if fact is not None}
    if len(machines) == 1 and None not in machines:
        result["platform_machine"] = str(machines.pop())
    return result


_WINDOWS_MACHINES = {"win32": "x86", "win_amd64": "AMD64", "win_arm64": "ARM64"}


def _platform_facts(platform: str) -> tuple[str, str, str, str | None] | None:
    if platform in _WINDOWS_MACHINES:
        return ("win32", "Windows", "nt", _WINDOWS_MACHINES[platform])
    if platform.startswith("macosx_"):
        apple = _APPLE.match(platform)
        machine = apple.group(4) if apple else None
        return (
            "darwin",
            "Darwin",
            "posix",
            machine if machine in ("x86_64", "arm64") else None,
        )
    linux = _MANYLINUX.fullmatch(platform) or _MUSLLINUX.fullmatch(platform)
    if linux:
        return ("linux", "Linux", "posix", linux.group(3))
    prefix, _, arch = platform.partition("_")
    if arch and (prefix == "linux" or prefix in _LEGACY_MANYLINUX):
        return ("linux", "Linux", "posix", arch)
    return None


def platform_markers(platform: str) -> dict[str, str]:
    """The marker values (sys_platform, platform_system, os_name and, when the tag
    says it, platform_machine) a --platform tag implies; {} for a tag inst does not
    know."""
    return _platform_markers([platform])
