"""The target environment: the Python interpreter inst installs into.

``current_environment()`` describes the interpreter running inst, in-process.
``find_environment(python)`` describes another one (``--python``): it runs
``inst/_probe.py`` in that interpreter once and caches the answer as JSON, keyed by the
executable and its stat, so later runs start no subprocess.

Wheel tags are computed inside the target with inst's own ``packaging`` (loaded there
by file location, see ``_probe``), not reconstructed here from raw facts: ``packaging``
26 imports on Python 3.8 (checked with 3.8.18), the oldest target inst accepts, and
only the target itself knows its libc, macOS version, ABI flags and sysconfig.

Installed distributions are never cached: they change without the interpreter changing,
so ``Environment.installed()`` lists the target's ``sys.path`` directories every time.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from packaging.markers import Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.tags import Tag
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from inst import __version__, _probe
from inst.errors import InstError

if TYPE_CHECKING:
    # email (→ socket, datetime, random), tempfile, hashlib and shutil are imported
    # where used: current_environment() runs on every start of inst.
    import email.message

#: Seconds a target interpreter gets to answer the probe (a cold start on a slow disk).
PROBE_TIMEOUT = 60.0

# Variables that change what the target's sys.path or scheme is, so they are part of
# the probe cache key.
_PATH_VARIABLES = (
    "PYTHONPATH",
    "PYTHONHOME",
    "PYTHONNOUSERSITE",
    "PYTHONUSERBASE",
    "PYTHONSAFEPATH",
    "PYTHONPLATLIBDIR",
    "_PYTHON_HOST_PLATFORM",
    "_PYTHON_SYSCONFIGDATA_NAME",
)

# Short interpreter names (wheel tags) → (implementation_name, platform_python_implementation).
_IMPLEMENTATIONS = {
    "cp": ("cpython", "CPython"),
    "pp": ("pypy", "PyPy"),
    "ip": ("ironpython", "IronPython"),
    "jy": ("jython", "Jython"),
    "gp": ("graalpy", "GraalVM"),
}
_SHORT_NAMES = {long: short for short, (long, _) in _IMPLEMENTATIONS.items()}
_SEPARATORS = os.sep + (os.altsep or "")


@dataclass(frozen=True)
class InstalledDist:
    """One installed distribution: a ``.dist-info`` or ``.egg-info`` in a site directory.

    Name and version come from the directory name when it has them, so listing an
    environment reads no files; everything else is read on first use.
    """

    name: NormalizedName
    version: Version
    path: Path  # the .dist-info / .egg-info directory (or egg-info file)
    location: Path  # the sys.path directory it was found in

    @cached_property
    def display_name(self) -> str:
        """The project's name as written in its metadata."""
        name = self.metadata().get("Name")
        return str(name).strip() if name else self.name

    def metadata(self) -> email.message.Message:
        """METADATA (or PKG-INFO) headers; the description, if any, is the payload."""
        return self._metadata

    @cached_property
    def _metadata(self) -> email.message.Message:
        return _parse_metadata(self.path)

    @cached_property
    def requires(self) -> list[Requirement]:
        """Requires-Dist entries; lines that do not parse are skipped."""
        lines = self.metadata().get_all("Requires-Dist") or []
        if not lines and not self.path.name.lower().endswith(".dist-info"):
            lines = _egg_requires(_read_text(self.path / "requires.txt") or "")
        result: list[Requirement] = []
        for line in lines:
            try:
                result.append(Requirement(str(line)))
            except InvalidRequirement:
                continue
        return result

    @property
    def requires_python(self) -> str | None:
        value = self.metadata().get("Requires-Python")
        return None if value is None else str(value).strip()

    @property
    def installer(self) -> str | None:
        text = _read_text(self.path / "INSTALLER")
        return None if text is None else text.strip()

    @property
    def requested(self) -> bool:
        return (self.path / "REQUESTED").is_file()

    @property
    def direct_url(self) -> dict[str, Any] | None:
        text = _read_text(self.path / "direct_url.json")
        if text is None:
            return None
        try:
            data = json.loads(text)
        except ValueError:
            return None
        return data if isinstance(data, dict) else None


def _parse_metadata(path: Path) -> email.message.Message:
    """The headers of a .dist-info's METADATA or an .egg-info's PKG-INFO (empty if none)."""
    if not path.is_dir():
        metadata_file = path  # a distutils-style egg-info file is PKG-INFO itself
    elif path.name.lower().endswith(".dist-info"):
        metadata_file = path / "METADATA"
    else:
        metadata_file = path / "PKG-INFO"
    import email.parser

    return email.parser.HeaderParser().parsestr(_read_text(metadata_file) or "")


def _read_text(path: Path) -> str | None:
    try:
        return path.read_bytes().decode("utf-8", errors="replace")
    except OSError:  # missing, or path is not a directory
        return None


def _egg_requires(text: str) -> list[str]:
    """requires.txt (``[extra:marker]`` sections) as Requires-Dist lines, as importlib.metadata."""
    result: list[str] = []
    conditions = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            extra, _, marker = line[1:-1].partition(":")
            parts = [f'extra == "{extra}"'] if extra else []
            if marker:
                parts.append(f"({marker})")
            conditions = " and ".join(parts)
            continue
        result.append(f"{line}; {conditions}" if conditions else line)
    return result


@dataclass(frozen=True)
class Environment:
    """A Python interpreter as an install target.

    ``tags`` is computed on first use (``sys_tags()`` costs a few milliseconds that
    ``inst install`` of a pure-Python set never needs); construct through
    ``current_environment()``, ``find_environment()`` or ``with_target()``.
    """

    python: Path
    prefix: Path
    base_prefix: Path
    is_venv: bool
    version_info: tuple[int, int, int]
    implementation: str
    markers: Mapping[str, str]
    scheme: Mapping[str, str]
    sys_path: tuple[str, ...]
    stdlib: str
    user_site: str | None
    user_site_enabled: bool
    is_current: bool
    # The tags, or a function computing them on first use of `tags`.
    _tags: tuple[Tag, ...] | Callable[[], tuple[Tag, ...]] = field(
        repr=False, compare=False
    )
    #: A target described by --platform/--python-version/...: nothing is installed there.
    hypothetical: bool = False
    #: Install paths of ``--user`` (purelib, platlib, scripts, data, include, headers);
    #: None when the interpreter has no user scheme.
    user_scheme: Mapping[str, str] | None = None
    #: The same keys for ``--prefix``, with ``_probe.PREFIX_PLACEHOLDER`` where the
    #: prefix goes: use ``prefix_scheme_for()``.
    prefix_scheme: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType({})
    )

    def __hash__(self) -> int:
        # Mappings are unhashable; these fields identify an environment well enough.
        return hash((self.python, self.prefix, self.version_info, self.hypothetical))

    @cached_property
    def tags(self) -> tuple[Tag, ...]:
        """Supported wheel tags of the target, most preferred first."""
        source = self._tags
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

    def installed(self) -> dict[NormalizedName, InstalledDist]:
        """Distributions on the target's sys.path; the first found per name wins."""
        if self.hypothetical:
            return {}
        return self.installed_in(self.sys_path)

    def installed_in(
        self, directories: Iterable[str]
    ) -> dict[NormalizedName, InstalledDist]:
        """Distributions in these directories only; the first found per name wins.

        Unlike ``installed()`` this scans even a hypothetical target's directories:
        ``--target DIR`` with ``--platform`` still has what is in DIR.
        """
        found: dict[NormalizedName, InstalledDist] = {}
        seen: set[str] = set()
        for entry in directories:
            if not entry:
                continue
            key = os.path.normcase(os.path.abspath(entry))
            if key not in seen:
                seen.add(key)
                _scan_directory(entry, found)
        return found

    def prefix_scheme_for(self, prefix: Path) -> Mapping[str, str]:
        """The install paths of ``--prefix prefix`` (made absolute) for this target."""
        if not self.prefix_scheme:
            raise ValueError("this Environment was built without a prefix scheme")
        base = os.path.abspath(prefix)
        placeholder = _probe.PREFIX_PLACEHOLDER
        result: dict[str, str] = {}
        for key, value in self.prefix_scheme.items():
            if value.startswith(placeholder):
                # Joined, not concatenated: prefix "/" must not give "//lib/...".
                rest = value[len(placeholder) :].lstrip(_SEPARATORS)
                value = os.path.join(base, rest) if rest else base
            result[key] = value
        return MappingProxyType(result)

    def with_target(
        self,
        *,
        platforms: Sequence[str] = (),
        python_version: str | None = None,
        implementation: str | None = None,
        abis: Sequence[str] = (),
    ) -> Environment:
        """A hypothetical target for ``--platform/--python-version/--implementation/--abi``.

        Tags follow pip's ``get_supported()``; what is not given comes from this
        environment (its platforms, Python version, implementation and ABIs) rather than
        from the interpreter running inst. ``installed()`` of the result is empty.
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
        return dataclasses.replace(
            self,
            version_info=version_info,
            implementation=implementation_name,
            markers=MappingProxyType(markers),
            _tags=tuple(_unique(tags)),
            is_current=False,
            hypothetical=True,
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


# --- installed distributions ---------------------------------------------------------


def _scan_directory(entry: str, found: dict[NormalizedName, InstalledDist]) -> None:
    if entry.lower().endswith(".egg"):
        # An egg on sys.path (easy_install) carries its metadata in EGG-INFO.
        egg_info = os.path.join(entry, "EGG-INFO")
        if os.path.isdir(egg_info):
            base = os.path.basename(entry)[:-4]
            _add(found, base, Path(egg_info), Path(entry), egg=True)
        return
    try:
        names = sorted(
            os.listdir(entry)
        )  # sorted: duplicates resolve the same each run
    except OSError:  # missing, a zip file, unreadable
        return
    location: Path | None = None
    for name in names:
        lower = name.lower()
        if lower.endswith(".dist-info"):
            stem, egg = name[:-10], False
        elif lower.endswith(".egg-info"):
            stem, egg = name[:-9], True
        else:
            continue
        location = location or Path(entry)
        _add(found, stem, location / name, location, egg=egg)


def _add(
    found: dict[NormalizedName, InstalledDist],
    stem: str,
    path: Path,
    location: Path,
    *,
    egg: bool,
) -> None:
    """Record the distribution at path unless one of its name was found first."""
    name_part, _, rest = stem.partition("-")
    # name-version.dist-info; egg-info names may add -pyX.Y[-platform].
    version = _version(rest.partition("-")[0] if egg else rest)
    if name_part and version is not None:
        name = canonicalize_name(name_part)
        if name not in found:
            found[name] = InstalledDist(name, version, path, location)
        return
    if name_part and canonicalize_name(name_part) in found:
        return
    # Not name-version (a develop checkout's "foo.egg-info"): the metadata decides.
    metadata = _parse_metadata(path)
    meta_name = str(metadata.get("Name") or name_part).strip()
    version = _version(str(metadata.get("Version") or "").strip())
    if not meta_name or version is None:
        return  # no usable name or version anywhere: not a distribution inst can use
    name = canonicalize_name(meta_name)
    if name not in found:
        dist = InstalledDist(name, version, path, location)
        dist.__dict__["_metadata"] = metadata  # already read: seed the cached_property
        found[name] = dist


def _version(text: str) -> Version | None:
    if not text:
        return None
    try:
        return Version(text)
    except InvalidVersion:
        return None


# --- the current interpreter ---------------------------------------------------------


def current_environment() -> Environment:
    """The interpreter running inst, probed in-process once per process."""
    # Keyed on what identifies the interpreter, so a test that patches sys.prefix for a
    # while cannot leave a wrong environment cached for the rest of the process.
    return _current_environment(sys.executable, sys.prefix, sys.base_prefix)


@functools.cache
def _current_environment(executable: str, prefix: str, base_prefix: str) -> Environment:
    data = _probe.probe(tags=False, drop_script_entry=True)
    path = Path(os.path.abspath(executable)) if executable else None
    return _environment(data, path, is_current=True, tags=_current_tags)


def _current_tags() -> tuple[Tag, ...]:
    import packaging.tags

    return tuple(packaging.tags.sys_tags())


def _environment(
    data: Mapping[str, Any],
    executable: Path | None,
    *,
    is_current: bool,
    tags: tuple[Tag, ...] | Callable[[], tuple[Tag, ...]],
) -> Environment:
    """An Environment from a probe's answer; KeyError/TypeError/ValueError if malformed."""
    reported = str(data["executable"])
    if executable is None or (not is_current and os.path.isabs(reported)):
        # The interpreter's own sys.executable: for a launcher script (a pyenv shim)
        # it names the real binary, which scripts' shebangs need.
        executable = Path(reported)
    major, minor, micro = (int(part) for part in data["version_info"])
    user_site = data["user_site"]
    user_scheme = data["user_scheme"]
    return Environment(
        python=executable,
        prefix=Path(data["prefix"]),
        base_prefix=Path(data["base_prefix"]),
        is_venv=bool(data["is_venv"]),
        version_info=(major, minor, micro),
        implementation=str(data["implementation"]),
        markers=MappingProxyType({str(k): str(v) for k, v in data["markers"].items()}),
        scheme=MappingProxyType({str(k): str(v) for k, v in data["scheme"].items()}),
        sys_path=tuple(str(entry) for entry in data["sys_path"]),
        stdlib=str(data["stdlib"]),
        user_site=None if user_site is None else str(user_site),
        user_site_enabled=bool(data["user_site_enabled"]),
        is_current=is_current,
        _tags=tags,
        user_scheme=None if user_scheme is None else _string_map(user_scheme),
        prefix_scheme=_string_map(data["prefix_scheme"]),
    )


def _string_map(data: Mapping[str, Any]) -> Mapping[str, str]:
    return MappingProxyType({str(k): str(v) for k, v in data.items()})


# --- other interpreters --------------------------------------------------------------


def find_environment(
    python: str | os.PathLike[str] | None, *, cache_dir: Path | None
) -> Environment:
    """The environment of ``--python``: an executable, a venv directory or a name on PATH.

    Raises InstError when it is missing, not a Python interpreter, or too old.
    """
    if python is None:
        return current_environment()
    text = os.fspath(python)
    executable = _locate(text)
    if _is_running_interpreter(executable):
        return current_environment()
    data = _cached_probe(executable, text, cache_dir)
    try:
        return _environment(data, executable, is_current=False, tags=_tag_parser(data))
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise InstError(
            f"--python {text}: its answer to inst's probe is not understood",
            why=f"{type(error).__name__}: {error}",
        ) from None


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


def _locate(text: str) -> Path:
    """The executable that ``--python text`` names (absolute, symlinks kept)."""
    try:
        return _find_executable(text)
    except PermissionError as error:
        raise _not_permitted(text, error) from None


def _not_permitted(text: str, error: PermissionError) -> InstError:
    where = error.filename or text
    return InstError(
        f"--python {text}: permission denied",
        why=f"this user may not look into or run {where} (a directory above it, or what "
        "it links to)",
        hint="run inst as a user who may run that interpreter, or give another "
        "--python",
    )


def _find_executable(text: str) -> Path:
    path = Path(text).expanduser()
    if not path.exists():
        separators = [os.sep] + ([os.altsep] if os.altsep else [])
        if not any(sep in text for sep in separators):
            import shutil

            found = shutil.which(text)
            if found:
                return Path(os.path.abspath(found))
            raise InstError(
                f"--python {text}: no such file, directory or command on PATH"
            )
        raise InstError(f"--python {text}: no such file or directory")
    if path.is_dir():
        for relative in ("bin/python", "Scripts/python.exe", "bin/python3"):
            candidate = path / relative
            if candidate.is_file():
                return Path(os.path.abspath(candidate))
        raise InstError(
            f"--python {text}: not a virtual environment",
            why="the directory has no bin/python or Scripts/python.exe",
            hint="give the path of a Python executable or of a virtual environment",
        )
    return Path(os.path.abspath(path))


def _pyvenv_cfg(executable: Path) -> Path | None:
    for directory in (executable.parent, executable.parent.parent):
        candidate = directory / "pyvenv.cfg"
        if candidate.is_file():
            return candidate
    return None


def _is_running_interpreter(executable: Path) -> bool:
    """Same binary and the same prefix as the running interpreter."""
    if not sys.executable or os.path.realpath(executable) != os.path.realpath(
        sys.executable
    ):
        return False
    # A venv's python is a link to its base's binary; pyvenv.cfg tells them apart.
    cfg = _pyvenv_cfg(executable)
    prefix = str(cfg.parent) if cfg is not None else sys.base_prefix
    return _same_path(prefix, sys.prefix)


def _same_path(a: str, b: str) -> bool:
    return os.path.normcase(os.path.realpath(a)) == os.path.normcase(
        os.path.realpath(b)
    )


def _cached_probe(
    executable: Path, text: str, cache_dir: Path | None
) -> dict[str, Any]:
    if cache_dir is None:
        return _run_probe(executable, text)
    try:
        stat = executable.stat()
    except PermissionError as error:
        raise _not_permitted(text, error) from None
    except OSError:
        raise InstError(f"--python {text}: no such file or directory") from None
    variables = {
        name: os.environ[name] for name in _PATH_VARIABLES if name in os.environ
    }
    # The probe's format: an answer cached by an older inst lacks newer keys.
    key = json.dumps([str(executable), __version__, _probe.FORMAT, variables])
    import hashlib

    from inst import cache_layout

    digest = hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()
    key_part = digest[: cache_layout.INTERPRETER_KEY_LENGTH]
    cache_file = cache_dir / cache_layout.INTERPRETERS / f"{key_part}.json"
    stamp = [stat.st_mtime_ns, stat.st_size]
    cached = _read_cache(cache_file, key, stamp, executable)
    if cached is not None:
        return cached
    data = _run_probe(executable, text)
    entry = {
        "key": key,
        "stamp": stamp,
        "validators": _validators(executable, data),
        "probe": data,
    }
    _write_atomically(cache_file, json.dumps(entry))
    return data


def _read_cache(
    cache_file: Path, key: str, stamp: list[int], executable: Path
) -> dict[str, Any] | None:
    try:
        entry = json.loads(cache_file.read_text(encoding="utf-8"))
        data = entry["probe"]
        fresh = (
            entry["key"] == key
            and entry["stamp"] == stamp
            and entry["validators"] == _validators(executable, data)
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # a missing, unreadable or foreign entry is just a miss
    return data if fresh and isinstance(data, dict) else None


def _validators(executable: Path, data: Mapping[str, Any]) -> dict[str, Any]:
    """What else decides the target's sys.path: pyvenv.cfg and .pth files.

    An editable install adds a .pth file without touching the executable, so the
    cached sys.path is stale once the set of .pth files (or their mtimes) changes.
    """
    cfg = _pyvenv_cfg(executable)
    result: dict[str, Any] = {"pyvenv.cfg": _mtime(cfg) if cfg is not None else None}
    scheme = data["scheme"]
    directories = [scheme["purelib"], scheme["platlib"], data.get("user_site") or ""]
    pth: dict[str, int | None] = {}
    for directory in _unique(d for d in directories if d):
        try:
            names = os.listdir(directory)
        except OSError:
            continue
        for name in names:
            if name.endswith(".pth"):
                path = os.path.join(directory, name)
                pth[path] = _mtime(Path(path))
    result["pth"] = pth
    return result


def _mtime(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


def _write_atomically(path: Path, text: str) -> None:
    """Write path whole (inst.fileio); a cache that fails is no error."""
    from inst import fileio

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fileio.write_text(path, text)
    except OSError:
        return


def _run_probe(executable: Path, text: str) -> dict[str, Any]:
    """Run _probe.py in the executable; its answer, or an InstError saying why not."""
    import packaging

    package_dir = os.path.dirname(os.path.abspath(packaging.__file__))
    environ = dict(os.environ)
    # macOS sets this for a venv's python; it would point the target at inst's venv.
    environ.pop("__PYVENV_LAUNCHER__", None)
    not_python = f"--python {text} is not a Python interpreter"
    try:
        proc = _run_bounded(
            [str(executable), "-c", _probe.BOOTSTRAP, _probe.__file__, package_dir],
            environ,
            PROBE_TIMEOUT,
        )
    except FileNotFoundError:
        raise InstError(f"--python {text}: no such file or directory") from None
    except PermissionError:
        raise InstError(not_python, why="it is not executable") from None
    except subprocess.TimeoutExpired:
        raise InstError(
            f"--python {text} did not answer",
            why=f"inst's probe was still running after {PROBE_TIMEOUT:g} seconds, "
            "so inst stopped it",
            hint="check that it is a Python interpreter that starts on its own "
            "(a wrapper script may wait for input or hang)",
        ) from None
    except OSError as error:  # e.g. "Exec format error"
        raise InstError(not_python, why=error.strerror or str(error)) from None
    data = _answer(proc.stdout.decode("utf-8", errors="replace"))
    if data is None:
        raise InstError(not_python, why=_failure_reason(proc))
    if "too_old" in data:
        version = ".".join(str(part) for part in data["too_old"][:2])
        minimum = ".".join(map(str, _probe.MIN_VERSION))
        raise InstError(
            f"--python {text} is Python {version}, inst needs a target of "
            f"Python {minimum} or newer"
        )
    if "error" in data:
        version = ".".join(str(part) for part in data.get("version_info", [])[:3])
        raise InstError(
            f"--python {text}: inst could not inspect this Python {version}",
            why=str(data["error"]),
        )
    return data


def _run_bounded(
    argv: list[str], environ: dict[str, str], timeout: float
) -> subprocess.CompletedProcess[bytes]:
    """subprocess.run with a timeout that ends the child's whole process group.

    subprocess.run kills only the child: a wrapper script's own children (a `sleep`,
    the real interpreter) would live on, and, holding the output pipes, make the wait
    for their end last as long as they do."""
    own_group = os.name == "posix"
    with subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environ,
        start_new_session=own_group,
    ) as process:
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except BaseException:  # the timeout, Ctrl-C, SIGTERM: the probe must end too
            _kill_group(process, own_group)
            process.wait()
            raise
    return subprocess.CompletedProcess(argv, process.returncode, stdout, stderr)


def _kill_group(process: subprocess.Popen[bytes], own_group: bool) -> None:
    if own_group:
        try:
            os.killpg(process.pid, signal.SIGKILL)
            return
        except OSError:  # gone already, or not allowed: kill what we can
            pass
    process.kill()


def _answer(stdout: str) -> dict[str, Any] | None:
    # The last marker line: sitecustomize or .pth files may print before it.
    for line in reversed(stdout.splitlines()):
        if line.startswith(_probe.MARKER):
            try:
                data = json.loads(line[len(_probe.MARKER) :])
            except ValueError:
                return None
            return data if isinstance(data, dict) else None
    return None


def _failure_reason(proc: subprocess.CompletedProcess[bytes]) -> str:
    lines = [
        line.strip()
        for line in proc.stderr.decode("utf-8", errors="replace").splitlines()
        if line.strip()
    ]
    if lines:
        # A traceback's first line says nothing; its last line says what went wrong.
        return lines[-1] if lines[0].startswith("Traceback") else lines[0]
    if proc.returncode != 0:
        return f"running inst's probe with it failed with exit code {proc.returncode}"
    return "it ran inst's probe without answering"


# --- hypothetical targets ------------------------------------------------------------


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
