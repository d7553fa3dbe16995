"""Sdists and source trees → metadata and wheels: unpack, choose the interface, get an
environment, run the steps, check and cache the result. One ``SourceBuilder`` serves a
whole run (the resolver's metadata, the install, and build requirements of builds)."""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import field
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name, parse_wheel_filename

from inst._records import dataclass
from inst.build.choice import BuildChoice, Rule, static_project_name
from inst.build.environments import EnvironmentStore
from inst.build.interfaces import (
    BuildEnv,
    BuildInterface,
    BuildOptions,
    Purpose,
    PyprojectInterface,
    SdistInterface,
    missing_requirements,
)
from inst.build.plugins import PluginRegistry
from inst.build.policy import Selection, SelectionFlags, select_interface
from inst.build.reporting import BuildReporter, BuildStep
from inst.build.runner import BuildFailed, StepFailed
from inst.build.sdists import CheckedSdist, check_sdist
from inst.build.sources import unpack_sdist
from inst.build.static_metadata import matches, static_metadata
from inst.build.wheel_cache import WheelCache
from inst.core_metadata import Metadata, read_wheel_metadata
from inst.errors import InstError
from inst.hashing import file_sha256
from inst.models import parse_sdist_name

#: Backend processes kept waiting for the wheel to be built after the metadata.
KEPT = 2


@dataclass(frozen=True)
class BuilderConfig:
    """What every build of a run is made with."""

    options: BuildOptions  # from the command line / env / config: every build
    choice: BuildChoice  # --build-interface, --use-pep517, --no-use-pep517
    isolated: bool
    no_clean: bool
    work_dir: Path
    markers: Mapping[str, str]
    #: Metadata from a static [project] table instead of the backend's hook (off when
    #: a report shows the metadata: it must be the backend's own).
    static_metadata: bool = True


@dataclass
class _Source:
    """One sdist or tree on its way to a wheel."""

    label: str
    tree: Path | None = None
    selection: Selection | None = None
    env: BuildEnv | None = None
    build_dir: Path | None = None
    metadata_dir: Path | None = None
    metadata: Metadata | None = None
    wheel: Path | None = None  # built, or found in the wheel cache
    from_cache: bool = False  # the wheel was built by an earlier run
    sha256: str | None = None
    options: BuildOptions = field(default_factory=BuildOptions)
    purpose: Purpose = "wheel"
    #: The user's interface rule for it (matched by name), if any.
    rule: Rule | None = None
    cached: bool = True  # its wheel is looked up in, and put into, the wheel cache
    #: Its metadata came from [project], not the backend: the wheel is checked.
    static_metadata: bool = False


class SourceBuilder:
    def __init__(
        self,
        config: BuilderConfig,
        *,
        environments: EnvironmentStore | None,
        target_env: BuildEnv | None,
        wheel_cache: WheelCache | None,
        reporter: BuildReporter | None = None,
        plugins: PluginRegistry | None = None,
    ) -> None:
        self._config = config
        self._plugins = plugins
        self._reporter = reporter or BuildReporter()
        self._environments = environments
        self._target_env = target_env
        self._wheel_cache = wheel_cache
        self._by_path: dict[Path, BuildOptions] = {}
        self._by_name: dict[str, BuildOptions] = {}
        self._editable: set[Path] = set()
        self._uncached: set[Path] = set()
        # Locked builds (inst sync): name -> (interface or None, the locked build
        # environment's identity, part of the wheel cache key).
        self._locked: dict[str, tuple[str | None, str]] = {}
        self._sources: dict[Path, _Source] = {}
        # Builds run one at a time: output stays readable, and environments are made
        # once. Reentrant: a build requirement may itself need building.
        self._lock = threading.RLock()
        # The sources whose build environments are being made, outermost first: one
        # asked for again is a cycle.
        self._active: list[_Source] = []
        # Interfaces keeping a backend process for their next hook (prepared metadata,
        # the wheel still to build), oldest first; a few at most, as each holds memory.
        self._kept: list[PyprojectInterface] = []

    # -- what callers tell before building ---------------------------------------------

    def configure(
        self,
        source: Path,
        *,
        options: BuildOptions | None = None,
        editable: bool = False,
        cached: bool = True,
    ) -> None:
        """Options for one path (per-requirement -C, --global-option...), or -e;
        cached=False: its wheel is built afresh and kept out of the wheel cache (an
        sdist ``inst build`` just made)."""
        key = source.resolve()
        if options is not None:
            self._by_path[key] = options
        if editable:
            self._editable.add(key)
        if not cached:
            self._uncached.add(key)

    def configure_name(self, name: str, options: BuildOptions) -> None:
        self._by_name[canonicalize_name(name)] = options

    def lock_build(self, name: str, interface: str | None, environment: str) -> None:
        """The sdist of name is built as a lock says: through interface ("pyproject"
        or "setup.py"; None: the policy's choice), in the environment the provisioner
        gives for it (``environment`` names it, for the wheel cache's key)."""
        self._locked[canonicalize_name(name)] = (interface, environment)

    def options_for(self, source: Path, name: str | None) -> BuildOptions:
        found = self._by_path.get(source.resolve())
        if found is None and name is not None:
            found = self._by_name.get(canonicalize_name(name))
        return found if found is not None else self._config.options

    # -- SourceMetadataBuilder ------------------------------------------------------------

    def prepare_metadata(self, source: Path, name: str | None) -> Metadata:
        with self._lock:
            state = self._source(source, name)
            if state.metadata is None:
                self._prepare_metadata(state, name)
            assert state.metadata is not None
            return state.metadata

    def build_wheel(self, source: Path, name: str | None) -> Path:
        """The wheel (or editable wheel, if configured) of source, built or cached."""
        with self._lock:
            state = self._source(source, name)
            if state.wheel is None:
                self._build(state, name)
            assert state.wheel is not None
            return state.wheel

    def build_sdist(self, tree: Path, label: str | None = None) -> CheckedSdist:
        """An sdist of the tree, built into a fresh build directory (never cached),
        its name checked against its PKG-INFO (see ``sdists.check_sdist``)."""
        with self._lock:
            key = tree.resolve()
            label = label or key.name
            options = self.options_for(key, None)
            interface = self.selection(key, options).interface
            if not isinstance(interface, SdistInterface):
                raise InstError(
                    f"the {interface.name} build interface cannot build sdists",
                    why=f"it was chosen for {label}, and it builds wheels only",
                    hint="build the wheel alone (inst build --wheel)",
                )
            env, _ = self._provided(
                interface,
                label,
                lambda env: interface.sdist_requirements(env, options),
            )
            out = self._build_dir(label) / "sdist"
            with self._announced(BuildStep("sdist", label, interface.name)):
                try:
                    path = interface.build_sdist(env, out, options)
                except BuildFailed as error:
                    raise _naming(error, label) from None
                finally:
                    self._release(interface)
            checked = check_sdist(path)
            if checked.expected_name is not None:
                self._reporter.warning(
                    f"the sdist of {checked.metadata.display_name} is named "
                    f"{path.name}, not {checked.expected_name} as PEP 625 asks: "
                    "PyPI refuses to upload it, and other indexes may; upgrade the "
                    "build backend in [build-system] requires (setuptools names "
                    "sdists so since 69.3)"
                )
            self._reporter.built_sdist(checked.metadata.display_name, path)
            return checked

    def built_here(self, wheel: Path) -> bool:
        """Whether this run built wheel (not taken from the wheel cache)."""
        return any(
            state.wheel == wheel and not state.from_cache
            for state in self._sources.values()
        )

    def selection(self, tree: Path, options: BuildOptions | None = None) -> Selection:
        options = options or self.options_for(tree, None)
        return select_interface(
            tree, self._flags(tree, options, self.rule_for(tree)), self._plugins
        )

    def rule_for(self, source: Path, name: str | None = None) -> Rule | None:
        """The user's interface rule for a tree or sdist: by the name the caller
        knows, else the sdist's file name, else what the tree's files say."""
        return self._config.choice.for_project(_project_name(source, name))

    def environment(
        self, selection: Selection, label: str, purpose: Purpose, options: BuildOptions
    ) -> tuple[BuildEnv, list[str]]:
        """The environment the interface needs, and the dynamic requirements found."""
        return self._environment(selection.interface, label, purpose, options)

    # -- steps ---------------------------------------------------------------------------

    def _flags(
        self, source: Path, options: BuildOptions, rule: Rule | None
    ) -> SelectionFlags:
        return SelectionFlags(
            config_settings=bool(options.config_settings),
            editable=source.resolve() in self._editable,
            rule=rule,
        )

    def _source(self, source: Path, name: str | None) -> _Source:
        key = source.resolve()
        state = self._sources.get(key)
        if state is not None:
            return state
        label = name or source.name
        state = _Source(label=label, options=self.options_for(source, name))
        if key in self._editable:
            state.purpose = "editable"
        state.cached = key not in self._uncached
        if source.is_file():
            state.rule = self.rule_for(source, name)
            if name is not None and canonicalize_name(name) in self._locked:
                # Before the cache lookup: the locked rule is part of the wheel's key.
                state.rule = self._locked_rule(name, state.rule)
            state.sha256 = file_sha256(source)
            cached = self._cached_wheel(state)
            if cached is not None:
                built_by = WheelCache.built_by(cached)
                self._reporter.using_cached_wheel(label, source, cached, built_by)
                state.wheel = cached
                state.from_cache = True
                state.metadata = read_wheel_metadata(cached, cached.name)
        self._sources[key] = state
        if state.wheel is None:
            state.build_dir = self._build_dir(label)
            if source.is_file():
                state.tree = unpack_sdist(source, state.build_dir / "source")
            else:
                state.tree = key
                state.rule = self.rule_for(key, name)
            if name is not None and canonicalize_name(name) in self._locked:
                state.rule = self._locked_rule(name, state.rule)
            state.selection = select_interface(
                state.tree,
                self._flags(source, state.options, state.rule),
                self._plugins,
            )
            legacy_options = state.options.global_options + state.options.build_options
            if legacy_options and state.selection.interface.name != "setup.py":
                self._reporter.warning(
                    f"--global-option/--build-option are ignored for {label}: they "
                    f"apply to the setup.py interface, and it builds through "
                    f"{state.selection.interface.name} (use -C for backend settings)"
                )
        return state

    def _build_dir(self, label: str) -> Path:
        if self._config.no_clean:
            path = Path(tempfile.mkdtemp(prefix=f"inst-build-{label}-"))
            self._reporter.build_dir_kept(label, path)
            return path
        root = self._config.work_dir / "build"
        root.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f"{label}-", dir=root))

    def _cache_options(self, state: _Source) -> dict[str, Any]:
        options = state.options
        found: dict[str, Any] = {
            "config_settings": dict(options.config_settings),
            "global_options": list(options.global_options),
            "build_options": list(options.build_options),
            # The interface asked for changes the wheel: one built through
            # setup.py is not the one PEP 517 gives.
            "interface": state.rule.interface if state.rule else "auto",
        }
        locked = self._locked.get(canonicalize_name(state.label))
        if locked is not None:  # a locked build's wheel is its own entry
            found["locked_build"] = list(locked)
        return found

    def _locked_rule(self, name: str, rule: Rule | None) -> Rule | None:
        """The interface a lock recorded for the project (inst sync), as a rule of
        its own that beats the user's: the locked build is the one the lock made."""
        interface, _ = self._locked[canonicalize_name(name)]
        if interface is None:
            return rule
        return Rule(
            project=canonicalize_name(name),
            interface=interface,
            spelled=f"{canonicalize_name(name)}={interface}",
            origin="the lock's [packages.tool.inst] build-interface",
        )

    def _cached_wheel(self, state: _Source) -> Path | None:
        if (
            self._wheel_cache is None
            or state.sha256 is None
            or state.purpose != "wheel"
            or not state.cached
        ):
            return None
        return self._wheel_cache.get(state.sha256, self._cache_options(state))

    def _ready(self, state: _Source) -> tuple[BuildInterface, BuildEnv]:
        try:
            return self._get_ready(state)
        except BuildFailed as error:
            raise _naming(error, state.label) from None

    def _get_ready(self, state: _Source) -> tuple[BuildInterface, BuildEnv]:
        assert state.selection is not None and state.tree is not None
        interface = state.selection.interface
        if state.env is None:
            if any(active is state for active in self._active):
                raise BuildCycle(state, self._active)
            self._active.append(state)
            try:
                state.env, _ = self._environment(
                    interface, state.label, state.purpose, state.options
                )
            finally:
                self._active.pop()
        return interface, state.env

    def _environment(
        self,
        interface: BuildInterface,
        label: str,
        purpose: Purpose,
        options: BuildOptions,
    ) -> tuple[BuildEnv, list[str]]:
        return self._provided(
            interface,
            label,
            lambda env: interface.dynamic_requirements(env, purpose, options),
        )

    def _provided(
        self,
        interface: BuildInterface,
        label: str,
        dynamic_of: Callable[[BuildEnv], list[str]],
    ) -> tuple[BuildEnv, list[str]]:
        """An environment with the static requirements, and with the dynamic ones
        (dynamic_of asks the project, inside the first) when any is missing."""
        static = list(interface.static_requirements())
        if self._environments is not None:
            env = self._environments.get(static, label)
            dynamic = dynamic_of(env)
            if missing_requirements(dynamic, env, self._config.markers):
                env = self._environments.get([*static, *dynamic], label)
            return env, dynamic
        assert self._target_env is not None
        env = self._target_env
        missing = missing_requirements(static, env, self._config.markers)
        if missing:
            raise _missing_error(label, interface, missing)
        dynamic = dynamic_of(env)
        missing = missing_requirements(dynamic, env, self._config.markers)
        if missing:
            raise _missing_error(label, interface, missing)
        return env, dynamic

    def _prepare_metadata(self, state: _Source, name: str | None) -> None:
        static = self._static_metadata(state)
        if static is not None:
            # Announced as pip does: the metadata is prepared, from pyproject.toml.
            step = BuildStep("metadata", state.label, PyprojectInterface.name)
            with self._announced(step):
                self._named(state, static, name)
            state.static_metadata = True
            return
        interface, env = self._ready(state)
        assert state.build_dir is not None
        out = state.build_dir / "metadata"
        out.mkdir(exist_ok=True)
        editable = state.purpose == "editable"
        step = BuildStep("metadata", state.label, interface.name, editable)
        with self._announced(step):
            try:
                state.metadata_dir = interface.prepare_metadata(
                    env, out, state.purpose, state.options
                )
            except BuildFailed as error:
                self._release(interface)
                raise _naming(error, state.label) from None
        self._keep(interface)
        metadata_file = state.metadata_dir / "METADATA"
        try:
            data = metadata_file.read_bytes()
        except OSError as exc:
            raise BuildFailed(
                f"the build backend {interface.backend} made no metadata for {state.label}",
                why=str(exc),
            ) from None
        self._named(state, Metadata.parse(data, f"{state.label} (built)"), name)

    def _named(self, state: _Source, metadata: Metadata, name: str | None) -> None:
        """The source's metadata, when it is of the project asked for."""
        if name is not None and metadata.name != canonicalize_name(name):
            raise InstError(
                f"the source distribution of {name} builds {metadata.display_name}",
                why="its metadata names another project",
                hint="the sdist is mislabelled; report it to whoever publishes it",
            )
        state.metadata = metadata
        state.label = metadata.display_name

    def _static_metadata(self, state: _Source) -> Metadata | None:
        """The metadata of [project], when it is all static and the wheel will be
        built through the pyproject.toml interface (see ``static_metadata``)."""
        if (
            not self._config.static_metadata
            or state.purpose != "wheel"
            or state.tree is None
            or state.selection is None
            or not isinstance(state.selection.interface, PyprojectInterface)
        ):
            return None
        return static_metadata(state.tree)

    def _build(self, state: _Source, name: str | None) -> None:
        interface, env = self._ready(state)
        assert state.build_dir is not None
        out = state.build_dir / "wheel"
        out.mkdir(exist_ok=True)
        editable = state.purpose == "editable"
        with self._announced(BuildStep("wheel", state.label, interface.name, editable)):
            try:
                wheel = interface.build(
                    env, out, state.metadata_dir, state.purpose, state.options
                )
            except BuildFailed as error:
                raise _naming(error, state.label) from None
            finally:
                self._release(interface)
        self._check(state, wheel, name)
        self._reporter.built(state.label, wheel, editable)
        if (
            self._wheel_cache is not None
            and state.sha256
            and state.purpose == "wheel"
            and state.cached
        ):
            wheel = self._wheel_cache.put(
                state.sha256,
                self._cache_options(state),
                wheel,
                interface=interface.name,
            )
        state.wheel = wheel

    def _check(self, state: _Source, wheel: Path, name: str | None) -> None:
        """A built wheel must be of the project and version asked for."""
        try:
            wheel_name, version, _, _ = parse_wheel_filename(wheel.name)
        except ValueError as exc:
            raise BuildFailed(
                f"the build of {state.label} made {wheel.name}, not a valid wheel name",
                why=str(exc),
            ) from None
        expected_name = state.metadata.name if state.metadata else name
        expected_version = state.metadata.version if state.metadata else None
        if (expected_name and wheel_name != canonicalize_name(expected_name)) or (
            expected_version is not None and version != expected_version
        ):
            raise BuildFailed(
                f"the build of {state.label} made {wheel.name}",
                why=f"expected a wheel of {expected_name} {expected_version or ''}".rstrip(),
                hint="the project's build produces another distribution; report it",
            )
        if state.metadata is None:
            state.metadata = read_wheel_metadata(wheel, wheel.name)
        elif state.static_metadata:
            built = read_wheel_metadata(wheel, wheel.name)
            if not matches(state.metadata, built):
                raise BuildFailed(
                    f"the wheel built of {state.label} does not say what its "
                    "pyproject.toml says",
                    why="its METADATA has another name, version, Requires-Python or "
                    "dependencies than the [project] table, which lists no field as "
                    "dynamic",
                    hint="report it to the project (or to its build backend)",
                )
            state.metadata = built

    def _keep(self, interface: BuildInterface) -> None:
        """The interface's backend process kept for its build, up to KEPT of them."""
        if not isinstance(interface, PyprojectInterface):
            return
        if interface in self._kept:
            self._kept.remove(interface)
        self._kept.append(interface)
        while len(self._kept) > KEPT:
            self._kept.pop(0).close()

    def _release(self, interface: BuildInterface) -> None:
        """The interface's backend process ended: its build is over."""
        if isinstance(interface, PyprojectInterface):
            interface.close()
            if interface in self._kept:
                self._kept.remove(interface)

    @contextmanager
    def _announced(self, step: BuildStep) -> Iterator[None]:
        """The step's start and its outcome (done, error, or interrupted) told."""
        self._reporter.step_started(step)
        try:
            yield
        except Exception:
            self._reporter.step_finished(step, "error")
            raise
        except BaseException:  # Ctrl-C, SIGTERM: the build was stopped, not failed
            self._reporter.step_finished(step, "interrupted")
            raise
        self._reporter.step_finished(step, "done")

    def cleanup(self) -> None:
        """Backend processes kept are ended, and every ended one waited for; build
        directories go with the run's work dir."""
        from inst.build.hook_process import wait_for_ended

        for interface in self._kept:
            interface.close()
        self._kept.clear()
        wait_for_ended()
        if not self._config.no_clean:
            shutil.rmtree(self._config.work_dir / "build", ignore_errors=True)


class BuildCycle(InstError):
    """A source whose build needs (through its build requirements) itself built."""

    def __init__(self, state: _Source, active: list[_Source]) -> None:
        start = next(i for i, s in enumerate(active) if s is state)
        chain = " → ".join(s.label for s in [*active[start:], state])
        direct = len(active) - start == 1
        super().__init__(
            f"{state.label} is already being built: its build needs itself ({chain})",
            why="its own build requirements include it, and only a source "
            "distribution of it is available"
            if direct
            else "each needs the next one to build, and only source distributions "
            "of them are available",
            hint="give inst a wheel of "
            + (state.label if direct else "one of them")
            + " (with --find-links), or build with --no-build-isolation in an "
            "environment that already has it",
        )


def _project_name(source: Path, name: str | None) -> str | None:
    if name:
        return name
    if source.is_file():
        try:
            return parse_sdist_name(source.name)[0]
        except ValueError:  # not a name-version file name: :all: rules only
            return None
    found = static_project_name(source)
    return found.name if found else None


def _naming(error: BuildFailed, label: str) -> BuildFailed:
    """The error with the project named, when it is a failed step's."""
    return error.of_project(label) if isinstance(error, StepFailed) else error


def _missing_error(
    label: str, interface: BuildInterface, missing: list[str]
) -> InstError:
    return InstError(
        f"the build of {label} needs {', '.join(missing)}, missing from the target "
        "environment",
        why=f"--no-build-isolation is on, so the {interface.name} build runs in the "
        "target environment with what it has",
        hint=f"install them first (inst install {' '.join(repr(m) for m in missing)}), or "
        "drop --no-build-isolation",
    )
