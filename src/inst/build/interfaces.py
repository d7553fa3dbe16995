"""How a source tree is built: the ``BuildInterface`` protocol and its two built-in
implementations (pyproject.toml per PEP 517/518, legacy setup.py). The policy choosing
between them (and plugged-in ones) is ``policy``.

An interface knows its steps; it does not know where its environment comes from (see
``environments``) or what becomes of the wheel (see ``builder``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from packaging.utils import NormalizedName
from packaging.version import Version

from inst._records import dataclass
from inst.build.legacy import BYTECODE_VARIABLE, egg_info_metadata, shim_command
from inst.build.project import (
    BuildSystem,
    ProjectError,
    setup_cfg_requires,
)
from inst.build.runner import BuildFailed, HookRunner, StepOutput, StepRunner, failure
from inst.errors import InstError

if TYPE_CHECKING:
    from pyproject_hooks import BuildBackendHookCaller

    from inst.build.hook_process import HookProcess

Purpose = Literal["wheel", "editable"]

#: setuptools gained its own bdist_wheel in 70.1; older ones need the wheel package.
_OWN_BDIST_WHEEL = Version("70.1")


@dataclass(frozen=True)
class BuildOptions:
    """What the user passes to builds: -C, --global-option, --build-option, -v."""

    config_settings: Mapping[str, str | list[str]] = field(default_factory=dict)
    global_options: tuple[str, ...] = ()
    build_options: tuple[str, ...] = ()
    verbose: bool = False


@dataclass(frozen=True)
class BuildEnv:
    """Where a step runs: the interpreter, its environment variables, what it has."""

    python: str
    environ: Mapping[str, str]
    isolated: bool
    #: Distributions importable there (name → version), for requirement checks.
    installed: Mapping[NormalizedName, Version]
    #: Made by this run and not used yet: none of its modules is compiled.
    new: bool = False


class BuildInterface(Protocol):
    """One way of building a tree. ``name`` is how messages call it."""

    name: str
    tree: Path

    @property
    def backend(self) -> str: ...

    def static_requirements(self) -> tuple[str, ...]:
        """Requirements known without running anything."""
        ...

    def dynamic_requirements(
        self, env: BuildEnv, purpose: Purpose, options: BuildOptions
    ) -> list[str]:
        """More requirements, asked of the project inside an environment having the
        static ones (get_requires_for_build_*, setup_requires)."""
        ...

    def prepare_metadata(
        self, env: BuildEnv, out_dir: Path, purpose: Purpose, options: BuildOptions
    ) -> Path:
        """A .dist-info (or .egg-info) directory in out_dir describing the project."""
        ...

    def build(
        self,
        env: BuildEnv,
        out_dir: Path,
        metadata_dir: Path | None,
        purpose: Purpose,
        options: BuildOptions,
    ) -> Path:
        """The wheel file built into out_dir."""
        ...


@runtime_checkable
class SdistInterface(Protocol):
    """What an interface adds to build source distributions (``inst build``): optional,
    so an interface that only builds wheels still is a ``BuildInterface``."""

    def sdist_requirements(self, env: BuildEnv, options: BuildOptions) -> list[str]:
        """Requirements of the sdist build beyond the static ones, asked inside an
        environment having those (get_requires_for_build_sdist, setup_requires)."""
        ...

    def build_sdist(self, env: BuildEnv, out_dir: Path, options: BuildOptions) -> Path:
        """The sdist file built into out_dir."""
        ...


class PyprojectInterface:
    """PEP 517/518: the backend named by [build-system], called through pyproject-hooks
    in a subprocess of the build environment's interpreter."""

    name = "pyproject.toml"

    def __init__(self, tree: Path, system: BuildSystem) -> None:
        self.tree = tree
        self.system = system
        #: The backend process serving this tree's hooks, kept between them.
        self._hooks: HookProcess | None = None

    def close(self) -> None:
        """End the backend process kept for the next hook, if any."""
        if self._hooks is not None:
            self._hooks.close()
            self._hooks = None

    def _runner(self, env: BuildEnv, steps: StepRunner) -> HookProcess | HookRunner:
        """The runner of the next hook: the kept process when it runs the same way
        (environment, -v), else a new one."""
        from inst.build import hook_process

        if not hook_process.available():
            return steps.hook_runner()
        if self._hooks is not None and self._hooks.steps != steps:
            self.close()
        if self._hooks is None:
            self._hooks = hook_process.HookProcess(
                steps, own_environment=env.isolated, precompile=env.new
            )
        return self._hooks

    @property
    def backend(self) -> str:
        return self.system.backend

    def static_requirements(self) -> tuple[str, ...]:
        return self.system.requires

    def dynamic_requirements(
        self, env: BuildEnv, purpose: Purpose, options: BuildOptions
    ) -> list[str]:
        hook = "get_requires_for_build_" + purpose
        result = self._call(env, options, hook, "asking the backend for requirements")
        return [str(r) for r in result]

    def prepare_metadata(
        self, env: BuildEnv, out_dir: Path, purpose: Purpose, options: BuildOptions
    ) -> Path:
        hook = "prepare_metadata_for_build_" + purpose
        # Without the hook, pyproject-hooks builds the wheel and takes its metadata,
        # and build_wheel later reuses that wheel.
        name = self._call(
            env, options, hook, "preparing metadata", str(out_dir), _allow_fallback=True
        )
        return out_dir / str(name)

    def build(
        self,
        env: BuildEnv,
        out_dir: Path,
        metadata_dir: Path | None,
        purpose: Purpose,
        options: BuildOptions,
    ) -> Path:
        name = self._call(
            env,
            options,
            "build_" + purpose,
            "building a wheel" if purpose == "wheel" else "building an editable wheel",
            str(out_dir),
            metadata_directory=str(metadata_dir) if metadata_dir else None,
        )
        return out_dir / str(name)

    def sdist_requirements(self, env: BuildEnv, options: BuildOptions) -> list[str]:
        result = self._call(
            env,
            options,
            "get_requires_for_build_sdist",
            "asking the backend for requirements",
        )
        return [str(r) for r in result]

    def build_sdist(self, env: BuildEnv, out_dir: Path, options: BuildOptions) -> Path:
        from pyproject_hooks import UnsupportedOperation

        out_dir.mkdir(parents=True, exist_ok=True)
        try:
            name = self._call(
                env, options, "build_sdist", "building an sdist", str(out_dir)
            )
        except UnsupportedOperation:
            raise BuildFailed(
                f"the build backend {self.system.backend} cannot build an sdist of "
                f"{self.tree}",
                why="it raised UnsupportedOperation for build_sdist",
                hint="build the wheel alone (inst build --wheel)",
            ) from None
        return out_dir / str(name)

    def _caller(self, env: BuildEnv, steps: StepRunner) -> tuple[Any, Any]:
        from pyproject_hooks import BuildBackendHookCaller

        runner = self._runner(env, steps)
        caller: BuildBackendHookCaller = BuildBackendHookCaller(
            str(self.tree),
            self.system.backend,
            backend_path=list(self.system.backend_path) or None,
            runner=runner,
            python_executable=env.python,
        )
        return caller, runner

    def _call(
        self,
        env: BuildEnv,
        options: BuildOptions,
        hook: str,
        what: str,
        *args: Any,
        **kw: Any,
    ) -> Any:
        from pyproject_hooks import BackendUnavailable, HookMissing

        caller, runner = self._caller(env, StepRunner(env.environ, options.verbose))
        try:
            # pyproject-hooks re-raises the backend's warnings in this process: they
            # are build output, shown with -v like the rest of it.
            with warnings.catch_warnings(record=True) as raised:
                warnings.simplefilter("always")
                result = getattr(caller, hook)(
                    *args, config_settings=dict(options.config_settings) or None, **kw
                )
            if options.verbose:
                for warning in raised:
                    for line in str(warning.message).splitlines():
                        print(f"  {line}", file=sys.stderr)
            return result
        except BackendUnavailable as exc:
            absent = [
                entry
                for entry in self.system.backend_path
                if not (self.tree / entry).is_dir()
            ]
            if absent:
                # Typical of a wheel built from an sdist that left the in-tree
                # backend out (inst build, like python -m build, builds it so).
                raise BuildFailed(
                    f"the build backend {self.system.backend} cannot be imported",
                    why=f"the backend-path directory {absent[0]} is missing from "
                    f"{self.tree}",
                    hint="if this tree was unpacked from an sdist, the sdist must "
                    "include the in-tree backend: add it to the sdist's files "
                    "(MANIFEST.in for setuptools)",
                ) from None
            module = self.system.backend.split(":")[0]
            error = BuildFailed(
                f"the build backend {self.system.backend} cannot be imported",
                why=f"{module} is not importable in the build environment"
                + (f": {exc.message}" if getattr(exc, "message", None) else ""),  # type: ignore[attr-defined]
                hint="check build-backend in pyproject.toml and that [build-system] "
                "requires lists the package providing it",
            )
            error.details = [
                line for line in (exc.traceback or "").splitlines() if line
            ][-8:]
            raise error from None
        except HookMissing as exc:
            missing = getattr(exc, "hook_name", None) or hook
            raise BuildFailed(
                f"the build backend {self.system.backend} has no {missing} hook",
                why="editable installs need a PEP 660 backend"
                if "editable" in hook
                else "the backend does not implement this step",
                hint="install it without -e, or upgrade the backend (setuptools>=64 "
                "supports editable installs)",
            ) from None
        except subprocess.CalledProcessError as exc:
            output = exc.output if isinstance(exc.output, StepOutput) else runner.last
            raise failure(
                what, self.name, self.system.backend, output, isolated=env.isolated
            ) from None


class LegacySetupPyInterface:
    """``setup.py egg_info`` / ``setup.py bdist_wheel``, run through inst's shim in the
    build environment; setup_requires are found and installed by inst."""

    name = "setup.py"
    backend = "setuptools (setup.py)"

    def __init__(self, tree: Path, requires: Sequence[str] = ()) -> None:
        self.tree = tree
        #: [build-system] requires of a pyproject.toml beside the setup.py, when the
        #: user chose this interface for such a tree: installed first, as PEP 518 says.
        self.requires = tuple(requires)

    def static_requirements(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(("setuptools>=40.8.0", *self.requires)))

    def dynamic_requirements(
        self, env: BuildEnv, purpose: Purpose, options: BuildOptions
    ) -> list[str]:
        found = list(self.setup_requires(env, options))
        setuptools = env.installed.get(NormalizedName("setuptools"))
        if setuptools is not None and setuptools < _OWN_BDIST_WHEEL:
            found.append("wheel")
        return found

    def setup_requires(self, env: BuildEnv, options: BuildOptions) -> list[str]:
        """setup.cfg's, read directly; setup.py's, captured by running it under the shim
        (only when its text mentions setup_requires: each run costs a subprocess)."""
        requires = setup_cfg_requires(self.tree)
        try:
            text = (self.tree / "setup.py").read_text(
                encoding="utf-8", errors="replace"
            )
        except OSError as exc:
            raise ProjectError(
                f"cannot read {self.tree / 'setup.py'}", why=str(exc)
            ) from None
        if "setup_requires" not in text:
            return requires
        with tempfile.TemporaryDirectory(prefix="inst-setup-requires-") as scratch:
            out = os.path.join(scratch, "requires.json")
            self._run(env, options, "finding setup_requires", "requires", out, "--name")
            if os.path.exists(out):
                with open(out, encoding="utf-8") as stream:
                    captured = [str(r) for r in json.load(stream)]
                requires = list(dict.fromkeys([*requires, *captured]))
        return requires

    def prepare_metadata(
        self, env: BuildEnv, out_dir: Path, purpose: Purpose, options: BuildOptions
    ) -> Path:
        base = out_dir / "egg-info"
        base.mkdir(parents=True, exist_ok=True)
        self._run(
            env,
            options,
            "preparing metadata",
            "run",
            "-",
            *options.global_options,
            "egg_info",
            "--egg-base",
            str(base),
        )
        found = sorted(base.glob("*.egg-info"))
        if len(found) != 1:
            raise BuildFailed(
                f"setup.py egg_info of {self.tree} made {len(found)} .egg-info "
                "directories, not one",
                hint="check the project's setup.py",
            )
        dist_info = out_dir / (found[0].stem + ".dist-info")
        dist_info.mkdir(exist_ok=True)
        (dist_info / "METADATA").write_bytes(egg_info_metadata(found[0]))
        return dist_info

    def build(
        self,
        env: BuildEnv,
        out_dir: Path,
        metadata_dir: Path | None,
        purpose: Purpose,
        options: BuildOptions,
    ) -> Path:
        if purpose != "wheel":
            raise InstError("the setup.py interface cannot build editable wheels")
        out_dir.mkdir(parents=True, exist_ok=True)
        self._run(
            env,
            options,
            "building a wheel",
            "run",
            "-",
            *options.global_options,
            "bdist_wheel",
            "-d",
            str(out_dir),
            *options.build_options,
        )
        wheels = sorted(out_dir.glob("*.whl"))
        if len(wheels) != 1:
            raise BuildFailed(
                f"setup.py bdist_wheel of {self.tree} made {len(wheels)} wheels, not one",
                hint="check the project's setup.py",
            )
        return wheels[0]

    def sdist_requirements(self, env: BuildEnv, options: BuildOptions) -> list[str]:
        # setup() runs for sdist too, and would fetch its setup_requires; bdist_wheel's
        # wheel package is not needed.
        return self.setup_requires(env, options)

    def build_sdist(self, env: BuildEnv, out_dir: Path, options: BuildOptions) -> Path:
        """``setup.py sdist``, as gzipped tar (PEP 625; older setuptools made .zip on
        Windows by default)."""
        out_dir.mkdir(parents=True, exist_ok=True)
        self._run(
            env,
            options,
            "building an sdist",
            "run",
            "-",
            *options.global_options,
            "sdist",
            "--formats=gztar",
            "--dist-dir",
            str(out_dir),
        )
        made = sorted(out_dir.iterdir())
        if len(made) != 1:
            raise BuildFailed(
                f"setup.py sdist of {self.tree} made {len(made)} files, not one",
                hint="check the project's setup.py",
            )
        return made[0]

    def _run(self, env: BuildEnv, options: BuildOptions, what: str, *args: str) -> None:
        environ = dict(env.environ)
        if env.isolated:  # inst's own environment: the shim may write its bytecode
            environ[BYTECODE_VARIABLE] = "1"
        steps = StepRunner(environ, options.verbose)
        try:
            steps.run(shim_command(env.python, *args), str(self.tree))
        except subprocess.CalledProcessError as exc:
            raise failure(
                what, self.name, self.backend, exc.output, isolated=env.isolated
            ) from None


def missing_requirements(
    requirements: Sequence[str], env: BuildEnv, markers: Mapping[str, str]
) -> list[str]:
    """Those of requirements the environment lacks (or has at a wrong version)."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    missing = []
    for text in requirements:
        requirement = Requirement(text)
        if requirement.marker is not None and not requirement.marker.evaluate(
            dict(markers)
        ):
            continue
        version = env.installed.get(canonicalize_name(requirement.name))
        if version is None or not requirement.specifier.contains(
            version, prereleases=True
        ):
            missing.append(text)
    return missing
