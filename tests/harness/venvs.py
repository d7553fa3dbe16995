"""Small virtual environments (without pip) for installing into in tests."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import venv
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name

from .dists import parse_metadata

IS_WINDOWS = os.name == "nt"
# Variables that would let the outer environment leak into the venv's Python.
_LEAKY_ENV = (
    "PYTHONPATH",
    "PYTHONHOME",
    "PYTHONSTARTUP",
    "PYTHONUSERBASE",
    "VIRTUAL_ENV",
)


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """os.environ without variables that change which packages Python sees."""
    env = {k: v for k, v in os.environ.items() if k not in _LEAKY_ENV}
    env.update(extra or {})
    return env


@dataclass(frozen=True)
class VirtualEnv:
    root: Path
    python: Path
    bin_dir: Path
    site_packages: Path

    @classmethod
    def at(cls, root: Path) -> VirtualEnv:
        """Describe an existing virtual environment."""
        root = Path(root).absolute()
        if IS_WINDOWS:
            bin_dir = root / "Scripts"
            return cls(
                root, bin_dir / "python.exe", bin_dir, root / "Lib" / "site-packages"
            )
        bin_dir = root / "bin"
        python = bin_dir / "python"
        # lib/pythonX.Y (or pypyX.Y) holds the one site-packages of a POSIX venv.
        found = sorted((root / "lib").glob("*/site-packages"))
        if len(found) == 1:
            site_packages = found[0]
        else:
            out = subprocess.run(
                [
                    str(python),
                    "-c",
                    "import sysconfig; print(sysconfig.get_path('purelib'))",
                ],
                capture_output=True,
                text=True,
                check=True,
                env=clean_env(),
            ).stdout
            site_packages = Path(out.strip())
        return cls(root, python, bin_dir, site_packages)

    def run(
        self,
        *args: str,
        check: bool = True,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float = 120,
    ) -> subprocess.CompletedProcess[str]:
        """Run this environment's python with args; output captured as text.

        With check, a non-zero exit fails the test showing stdout and stderr.
        """
        proc = subprocess.run(
            [str(self.python), *args],
            check=False,
            capture_output=True,
            text=True,
            cwd=cwd,
            env=clean_env(env),
            timeout=timeout,
        )
        if check and proc.returncode != 0:
            raise AssertionError(
                f"{self.python} {' '.join(args)} exited {proc.returncode}\n"
                f"--- stdout\n{proc.stdout}--- stderr\n{proc.stderr}"
            )
        return proc

    def run_code(
        self, code: str, *, check: bool = True, env: Mapping[str, str] | None = None
    ) -> str:
        """Stdout of `python -c code` in this environment."""
        return self.run("-c", code, check=check, env=env).stdout

    def script(self, name: str) -> Path:
        """Path of an installed console script."""
        return self.bin_dir / (f"{name}.exe" if IS_WINDOWS else name)

    def installed(self) -> dict[str, str]:
        """{normalized name: version} of the distributions in site-packages."""
        result: dict[str, str] = {}
        if not self.site_packages.is_dir():
            return result
        for dist_info in self.site_packages.glob("*.dist-info"):
            metadata_file = dist_info / "METADATA"
            if metadata_file.is_file():
                metadata = parse_metadata(metadata_file.read_text(encoding="utf-8"))
                result[canonicalize_name(metadata["Name"])] = metadata["Version"]
        return result


def make_venv(path: Path, python: str | os.PathLike[str] | None = None) -> VirtualEnv:
    """Create a virtual environment without pip at path.

    With python None (or the running interpreter) it is made in-process, which
    is fast; otherwise `<python> -m venv --without-pip` runs.
    """
    path = Path(path).absolute()
    if python is None or Path(python) == Path(sys.executable):
        # Symlinks are cheaper, but Windows often lacks the privilege for them.
        venv.EnvBuilder(with_pip=False, symlinks=not IS_WINDOWS).create(path)
    else:
        subprocess.run(
            [os.fspath(python), "-m", "venv", "--without-pip", str(path)],
            check=True,
            capture_output=True,
            env=clean_env(),
            timeout=120,
        )
    return VirtualEnv.at(path)


@dataclass(frozen=True)
class Interpreter:
    path: Path
    version: tuple[int, int, int]


def _probe(executable: Path) -> Interpreter | None:
    code = "import platform, sys; print(platform.python_implementation(), *sys.version_info[:3])"
    try:
        proc = subprocess.run(
            [str(executable), "-c", code],
            check=False,
            capture_output=True,
            text=True,
            timeout=20,
            env=clean_env(),
        )
    except (OSError, subprocess.SubprocessError):
        return None
    fields = proc.stdout.split()
    if proc.returncode != 0 or len(fields) != 4 or fields[0] != "CPython":
        return None
    major, minor, micro = (int(f) for f in fields[1:])
    return Interpreter(executable, (major, minor, micro))


def _pyenv_root() -> Path | None:
    if os.environ.get("PYENV_ROOT"):
        return Path(os.environ["PYENV_ROOT"])
    pyenv = shutil.which("pyenv")
    if pyenv:
        try:
            out = subprocess.run(
                [pyenv, "root"], check=False, capture_output=True, text=True, timeout=20
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            out = ""
        if out:
            return Path(out)
    default = Path.home() / ".pyenv"
    return default if default.is_dir() else None


def _candidates() -> list[tuple[tuple[int, int] | None, Path]]:
    """(expected X.Y or None, executable) pairs; pyenv installs first as they are direct."""
    found: list[tuple[tuple[int, int] | None, Path]] = []
    root = _pyenv_root()
    if root is not None and (root / "versions").is_dir():
        for version_dir in sorted((root / "versions").iterdir()):
            exe = version_dir / ("python.exe" if IS_WINDOWS else "bin/python3")
            parts = version_dir.name.split(".")
            expected = None
            if len(parts) >= 2 and parts[0].isdigit() and parts[1].isdigit():
                expected = (int(parts[0]), int(parts[1]))
            if exe.is_file():
                found.append((expected, exe))
    for minor in range(6, 30):
        exe_path = shutil.which(f"python3.{minor}")
        if exe_path:
            found.append(((3, minor), Path(exe_path)))
    return found


@functools.cache
def other_pythons(min_version: tuple[int, int] = (3, 9)) -> tuple[Interpreter, ...]:
    """CPython interpreters on this machine other than the running one's X.Y.

    One per X.Y, at least min_version; empty when there are none (tests skip).
    """
    current = sys.version_info[:2]
    seen: set[tuple[int, int]] = {current}
    result: list[Interpreter] = []
    for expected, exe in _candidates():
        if expected is not None and (expected in seen or expected < min_version):
            continue  # skip probing what we would discard anyway
        interpreter = _probe(exe)
        if interpreter is None:
            continue
        key = interpreter.version[:2]
        if key in seen or key < min_version:
            continue
        seen.add(key)
        result.append(interpreter)
    return tuple(sorted(result, key=lambda i: i.version))
