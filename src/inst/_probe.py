"""Facts about a Python interpreter that inst installs into, as one JSON object.

Two ways in:

- in-process: ``inst.environment.interpreter`` imports ``probe()`` for the interpreter
  running inst;
- as a script in the target interpreter: ``inst.environment.interpreter`` runs
  ``BOOTSTRAP`` with ``python -c`` and passes this file and the directory of inst's
  own ``packaging`` package. ``main()`` prints ``MARKER`` followed by the JSON on one
  line.

Tags are computed *inside the target* with inst's ``packaging`` (26.x imports on
Python 3.8, checked), because only the target knows its glibc/musl, macOS version,
ABI flags and sysconfig. inst's ``packaging`` is loaded by file location under the name
``packaging`` instead of being put on ``sys.path``: its directory is inst's whole
site-packages, which must not shadow the target's modules, and the ``sys.path`` we
report stays exactly the target's own.

This file must stay standalone (no inst imports) and run on Python 3.8: annotations
only under ``from __future__ import annotations``, no 3.9+ library calls at runtime.
"""

from __future__ import annotations

import json
import os
import site
import sys
import sysconfig
from typing import Any

#: Printed before the JSON so that output from sitecustomize or .pth files is skipped.
MARKER = "INST-PROBE:"
#: Targets older than this are refused; packaging cannot import there either.
MIN_VERSION = (3, 8)

# Run with `python -c BOOTSTRAP <this file> <packaging dir>`. It must parse on any Python
# (2.7 too), so that a too-old target gets a clear message instead of a SyntaxError.
BOOTSTRAP = """\
import sys
if sys.version_info[:2] < (3, 8):
    sys.stdout.write('INST-PROBE:{"too_old": [%d, %d, %d]}\\n' % tuple(sys.version_info[:3]))
else:
    if not (sys.flags.isolated or getattr(sys.flags, "safe_path", False)) and sys.path:
        del sys.path[0]  # the '' that -c adds: the caller's cwd must not shadow modules
    _path = sys.argv[1]
    with open(_path, "rb") as _file:
        _code = compile(_file.read(), _path, "exec")
    _globals = {"__name__": "inst_probe", "__file__": _path}
    exec(_code, _globals)
    _globals["main"](sys.argv[2])
"""

SCHEME_KEYS = ("purelib", "platlib", "scripts", "data", "include")
#: Bumped whenever the answer gains or changes keys, so cached answers go stale.
FORMAT = 2
#: Stands for the prefix in ``prefix_scheme()``; the caller substitutes a real one.
PREFIX_PLACEHOLDER = "{inst-prefix}"
# The sysconfig variables pip sets to the directory given to --prefix (or --home).
_PREFIX_VARIABLES = (
    "installed_base",
    "base",
    "installed_platbase",
    "platbase",
    "prefix",
    "exec_prefix",
    "userbase",
)


def load_packaging(package_dir: str) -> None:
    """Import inst's `packaging` (at package_dir) as `packaging`, whatever sys.path holds."""
    import importlib.util

    # A .pth file may have imported the target's own copy already.
    for name in list(sys.modules):
        if name == "packaging" or name.startswith("packaging."):
            del sys.modules[name]
    spec = importlib.util.spec_from_file_location(
        "packaging",
        os.path.join(package_dir, "__init__.py"),
        submodule_search_locations=[package_dir],
    )
    if spec is None or spec.loader is None:
        raise ImportError("cannot load packaging from " + package_dir)
    module = importlib.util.module_from_spec(spec)
    sys.modules["packaging"] = module
    spec.loader.exec_module(module)


def scheme() -> dict[str, str]:
    """Install paths of the interpreter's default scheme for its own prefix."""
    preferred = getattr(sysconfig, "get_preferred_scheme", None)  # Python 3.10+
    if preferred is not None:
        paths = sysconfig.get_paths(scheme=preferred("prefix"))
    else:
        paths = sysconfig.get_paths()
    result = {key: paths[key] for key in SCHEME_KEYS}
    result["headers"] = _headers_dir(result["include"])
    return result


def _headers_dir(include: str, base: str | None = None) -> str:
    # As pip: a venv's headers go inside the venv (or the --prefix directory), not into
    # the base interpreter's include directory (installers append the dist's name).
    if _is_venv():
        version = "python{}.{}".format(*sys.version_info[:2])
        return os.path.join(
            sys.prefix if base is None else base, "include", "site", version
        )
    return include


def user_scheme() -> dict[str, str] | None:
    """Install paths of ``--user``, or None where the interpreter has no user scheme."""
    try:
        name = _user_scheme_name()
        if name is None or sysconfig.get_config_var("userbase") is None:
            return None  # e.g. Emscripten/WASI builds, which have no user base
        paths = sysconfig.get_paths(scheme=name)
        result = {key: paths[key] for key in SCHEME_KEYS}
    except (KeyError, ValueError, TypeError, AttributeError):
        return None
    # The user scheme's own include directory even in a venv: pip puts a venv's
    # --user headers into the venv itself, outside the user base that --user owns.
    result["headers"] = result["include"]
    return result


def _user_scheme_name() -> str | None:
    preferred = getattr(sysconfig, "get_preferred_scheme", None)  # Python 3.10+
    if preferred is not None:
        return str(preferred("user"))
    names = sysconfig.get_scheme_names()
    if sys.platform == "darwin" and _is_framework() and not _is_venv():
        name = "osx_framework_user"
    else:
        name = os.name + "_user"
    if name in names:
        return name
    return "posix_user" if "posix_user" in names else None


def prefix_scheme() -> dict[str, str]:
    """Install paths of ``--prefix``, with PREFIX_PLACEHOLDER where the prefix goes.

    The scheme pip picks: the preferred "prefix" scheme (in a venv on 3.11+ that is
    "venv", laid out as posix_prefix/nt but free of distribution patches), except
    Apple's osx_framework_library, which is only meant for the system prefix.
    """
    name = _prefix_scheme_name()
    if name == "osx_framework_library":
        name = "posix_prefix"
    variables = {key: PREFIX_PLACEHOLDER for key in _PREFIX_VARIABLES}
    paths = sysconfig.get_paths(scheme=name, vars=variables)
    result = {key: paths[key] for key in SCHEME_KEYS}
    result["headers"] = _headers_dir(result["include"], PREFIX_PLACEHOLDER)
    return result


def _prefix_scheme_name() -> str:
    preferred = getattr(sysconfig, "get_preferred_scheme", None)  # Python 3.10+
    if preferred is not None:
        return str(preferred("prefix"))
    # Before 3.10, as pip infers it: PyPy names its schemes after itself.
    names = sysconfig.get_scheme_names()
    implementation = sys.implementation.name
    for name in (implementation + "_" + os.name, implementation, os.name + "_prefix"):
        if name in names:
            return name
    return os.name if os.name in names else "posix_prefix"


def _is_framework() -> bool:
    return bool(sysconfig.get_config_var("PYTHONFRAMEWORK"))


def _is_venv() -> bool:
    base = getattr(sys, "real_prefix", None) or getattr(sys, "base_prefix", sys.prefix)
    return sys.prefix != base


def probe(*, tags: bool, drop_script_entry: bool) -> dict[str, Any]:
    """Everything an inst.environment.Environment needs (its Interpreter and its
    TargetPlatform), as JSON-able values.

    With tags False the caller computes them later (in-process, they are only needed
    when a wheel is chosen). drop_script_entry removes sys.path[0] when it is the
    script's directory or the current directory, which holds no installed distributions
    (an egg-info in a project checkout must not look installed).
    """
    sys_path = list(sys.path)
    if drop_script_entry and sys_path and _is_script_entry(sys_path[0]):
        del sys_path[0]
    user_site_enabled = bool(site.ENABLE_USER_SITE)
    try:
        user_site: str | None = site.getusersitepackages()
    except (AttributeError, OSError):  # embedded or unusual builds
        user_site = None
    info: dict[str, Any] = {
        "executable": sys.executable or "",
        "prefix": sys.prefix,
        "base_prefix": getattr(sys, "base_prefix", sys.prefix),
        "is_venv": _is_venv(),
        "version_info": list(sys.version_info[:3]),
        "implementation": sys.implementation.name,
        "markers": marker_environment(),
        "format": FORMAT,
        "scheme": scheme(),
        "user_scheme": user_scheme(),
        "prefix_scheme": prefix_scheme(),
        "sys_path": sys_path,
        "stdlib": sysconfig.get_path("stdlib"),
        "user_site": user_site,
        "user_site_enabled": user_site_enabled,
    }
    if tags:
        try:
            import packaging.tags

            info["tags"] = [str(tag) for tag in packaging.tags.sys_tags()]
        except Exception as error:  # noqa: BLE001 - inst falls back to tag_facts
            info["tags_error"] = f"{type(error).__name__}: {error}"
    # What inst needs to compute the tags itself when packaging cannot run here.
    info["tag_facts"] = {"abis": _abis()}
    return info


def marker_environment() -> dict[str, str]:
    """The PEP 508 marker environment, without packaging (which may not import here)."""
    import platform

    impl = sys.implementation
    version = impl.version
    impl_version = f"{version.major}.{version.minor}.{version.micro}"
    if version.releaselevel != "final":
        impl_version += version.releaselevel[0] + str(version.serial)
    return {
        "implementation_name": impl.name,
        "implementation_version": impl_version,
        "os_name": os.name,
        "platform_machine": platform.machine(),
        "platform_release": platform.release(),
        "platform_system": platform.system(),
        "platform_version": platform.version(),
        "python_full_version": platform.python_version(),
        "platform_python_implementation": platform.python_implementation(),
        "python_version": ".".join(platform.python_version_tuple()[:2]),
        "sys_platform": sys.platform,
    }


def _abis() -> list[str]:
    """The interpreter's own ABI tags, most specific first (abi3/none come later)."""
    soabi = sysconfig.get_config_var("SOABI") or ""
    if sys.implementation.name == "cpython":
        debug = "d" if sysconfig.get_config_var("Py_DEBUG") else ""
        threaded = "t" if sysconfig.get_config_var("Py_GIL_DISABLED") else ""
        return [f"cp{sys.version_info[0]}{sys.version_info[1]}{threaded}{debug}"]
    parts = soabi.split("-")
    if len(parts) >= 2:
        return ["_".join(parts[:2]).replace(".", "_").replace("-", "_")]
    return []


def _is_script_entry(entry: str) -> bool:
    if sys.flags.isolated or getattr(sys.flags, "safe_path", False):
        return False  # nothing was prepended
    if entry in ("", "."):
        return True
    candidates = [os.getcwd()]
    if sys.argv and sys.argv[0] and sys.argv[0] not in ("-c", "-m"):
        candidates.append(os.path.dirname(os.path.realpath(sys.argv[0])))
    return any(os.path.normcase(entry) == os.path.normcase(c) for c in candidates)


def main(package_dir: str) -> None:
    """Script entry: print MARKER + JSON; failures become {"error": ...}, not tracebacks."""
    try:
        try:
            load_packaging(package_dir)
            loaded = True
        except Exception:  # noqa: BLE001 - too new for this Python: inst computes tags
            loaded = False
        info = probe(tags=loaded, drop_script_entry=False)
    except Exception as error:  # noqa: BLE001  (reported to inst as data)
        info = {
            "error": f"{type(error).__name__}: {error}",
            "version_info": list(sys.version_info[:3]),
        }
    sys.stdout.write(MARKER + json.dumps(info) + "\n")
    sys.stdout.flush()
