"""The build layer wired to a run: its settings, the session's indexes and cache, and
the provisioning of build environments by inst's own resolver, preparer and installer
(given to the build layer as a Provisioner, so ``inst.build`` never imports the
install pipeline)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from inst._records import dataclass
from inst.errors import InstError

if TYPE_CHECKING:
    from inst.build.builder import SourceBuilder
    from inst.build.choice import BuildChoice
    from inst.build.environments import BuildPin
    from inst.build.interfaces import BuildOptions
    from inst.build.plugins import PluginRegistry
    from inst.build.reporting import BuildReporter
    from inst.environment import Environment
    from inst.install.installation import WheelToInstall
    from inst.prepare import PreparedWheel
    from inst.pylock.read import LockedBuild
    from inst.requirements.inputs import Inputs
    from inst.requirements.specs import RequirementSpec
    from inst.resolution.candidates import FileCandidate
    from inst.resolution.resolver import ResolvedDist
    from inst.session.core import Session
    from inst.settings.resolve import Settings


def build_options(settings: Settings, *, verbose: bool = False) -> BuildOptions:
    """The run's build options; verbose: the backends' output shown as it comes."""
    from inst.build.interfaces import BuildOptions
    from inst.requirements.specs import parse_config_settings

    return BuildOptions(
        config_settings=parse_config_settings(
            settings.config_settings, "the command line"
        ),
        global_options=settings.global_option,
        build_options=settings.build_option,
        verbose=verbose,
    )


def build_choice(settings: Settings) -> BuildChoice:
    """The run's interface rules: --use-pep517 and --no-use-pep517 as :all: rules
    first, then every --build-interface entry in order (a later one wins)."""
    from inst.build.choice import (
        ALL,
        PYPROJECT,
        SETUP_PY,
        BuildChoice,
        Rule,
        parse_rule,
    )
    from inst.errors import SettingsError

    flags = []
    for option, interface in (("use-pep517", PYPROJECT), ("no-use-pep517", SETUP_PY)):
        setting = settings.setting(option)
        if setting.value:
            rule = Rule(ALL, interface, f"--{option}", setting.origin.label)
            flags.append((setting.origin.layer, rule))
    if len(flags) == 2:
        if flags[0][0] == flags[1][0]:
            raise SettingsError(
                "--use-pep517 and --no-use-pep517 contradict each other",
                why=f"both are set, on the same level ({flags[0][1].origin})",
                hint="keep one of them, or say per project what you want with "
                "--build-interface NAME=INTERFACE",
            )
        # The one set where settings weigh more (the command line over INST_*
        # over files) comes later, so it wins like any later rule.
        flags.sort(key=lambda found: -found[0])
    entries = settings.setting("build-interface")
    rules = [parse_rule(text, entries.origin.label) for text in entries.value]
    return BuildChoice.of([rule for _, rule in flags] + rules)


def interface_plugins(choice: BuildChoice, reporter: BuildReporter) -> PluginRegistry:
    """The plug-ins of inst's environment, loaded when first asked; the rules checked
    against them now when a rule names an interface inst does not have built in."""
    from inst.build.choice import BUILT_IN
    from inst.build.plugins import PluginRegistry

    plugins = PluginRegistry(reporter)
    if choice.interfaces():
        available = [*BUILT_IN, *(p.name for p in plugins.plugins())]
        choice.check(available, "built in, and plug-ins in inst's own environment")
    return plugins


def spec_options(base: BuildOptions, spec: RequirementSpec) -> BuildOptions | None:
    """A requirement's own -C/--global-option/--build-option, added to the run's."""
    if not (spec.config_settings or spec.global_options or spec.build_options):
        return None
    from inst.requirements.specs import parse_config_settings

    settings = dict(base.config_settings)
    settings.update(
        parse_config_settings(
            (f"{k}={v}" for k, v in spec.config_settings), spec.origin
        )
    )
    return dataclasses.replace(
        base,
        config_settings=settings,
        global_options=base.global_options + spec.global_options,
        build_options=base.build_options + spec.build_options,
    )


@dataclass(frozen=True)
class ProvisionPolicy:
    """What a run's settings say about build environments."""

    constraints: Sequence[RequirementSpec]  # --build-constraint (never -c)
    link_mode: str
    lock_timeout: float
    verify_cache: bool

    @classmethod
    def from_settings(cls, settings: Settings) -> ProvisionPolicy:
        return cls(
            constraints=_build_constraints(settings),
            link_mode=settings.link_mode,
            lock_timeout=settings.lock_timeout,
            verify_cache=settings.verify_cache,
        )


class SessionProvisioner:
    """Resolves build requirements against the run's indexes (with --build-constraint,
    never -c), prepares them with the run's preparer and installs them with inst's
    installer into a build environment. It uses the session's parts when asked, after
    the session has made them all."""

    def __init__(self, session: Session, policy: ProvisionPolicy) -> None:
        self._session = session
        self._policy = policy
        self._hashes = _constraint_hashes(policy.constraints)
        self._wheels: dict[str, WheelToInstall] = {}

    def resolve(self, requirements: Sequence[str], purpose: str) -> list[BuildPin]:
        from packaging.utils import canonicalize_name

        locked = self._session.locked_builds.get(canonicalize_name(purpose))
        if locked is not None and locked.packages:
            return self._locked(locked, purpose)
        return self._resolved(requirements, purpose)

    def _locked(self, build: LockedBuild, purpose: str) -> list[BuildPin]:
        """A lock's build environment: exactly its wheels, hash-checked against the
        lock, whatever the build asks for (nothing is resolved)."""
        from inst.resolution.candidates import FileCandidate
        from inst.resolution.resolver import ResolvedDist

        dists = []
        for package in build.packages:
            assert package.file is not None and package.version is not None
            dists.append(
                ResolvedDist(
                    FileCandidate(package.name, package.version, package.file),
                    metadata=None,
                    requested=False,
                    requested_extras=frozenset(),
                    hashes={a: frozenset({d}) for a, d in package.file.hashes.items()},
                )
            )
        try:
            prepared = self._session.preparer.prepare(dists)
        except InstError as error:
            raise error.within(f"cannot provide the locked build packages of {purpose}")
        return self._pins(prepared)

    def _resolved(self, requirements: Sequence[str], purpose: str) -> list[BuildPin]:
        from inst.build.builder import BuildCycle
        from inst.requirements.specs import parse_requirement
        from inst.resolution.provider import ProviderOptions
        from inst.resolution.resolver import ResolveRequest, resolve

        origin = f"the build requirements of {purpose}"
        specs = [parse_requirement(text, origin=origin) for text in requirements]
        request = ResolveRequest(
            specs,
            self._policy.constraints,
            options=ProviderOptions(ignore_installed=True),
            quiet=True,
        )
        session = self._session
        try:
            resolution = resolve(
                request,
                session.finder,
                session.metadata,
                session.environment,
                session.reporters.resolve,
            )
        except BuildCycle:
            raise  # it names the whole chain itself
        except InstError as error:
            raise error.within(f"cannot provide the build requirements of {purpose}")
        for dist in resolution.to_fetch:
            self._check_hashed(dist, purpose)
        prepared = session.preparer.prepare(
            resolution.to_fetch, hashes=lambda d: self._hashes.get(d.name, {})
        )
        return self._pins(prepared)

    def _pins(self, prepared: Sequence[PreparedWheel]) -> list[BuildPin]:
        from inst.build.environments import BuildPin

        pins = []
        for item in prepared:
            version = item.dist.candidate.version
            pin = BuildPin(item.name, version, item.source_sha256 or "")
            self._wheels[str(pin)] = dataclasses.replace(
                item.wheel, requested=False, direct_url=None
            )
            pins.append(pin)
        return pins

    def _check_hashed(self, dist: ResolvedDist[FileCandidate], purpose: str) -> None:
        if self._session.require_hashes and not self._hashes.get(dist.name):
            version = dist.candidate.version
            raise InstError(
                f"in hash-checking mode, the build requirement {dist.name} "
                f"{version} of {purpose} needs a hash",
                why="--require-hashes covers what builds install too",
                hint=f"add '{dist.name}=={version} --hash=sha256:...' to a file "
                "given with --build-constraint",
            )

    def install(self, pins: Sequence[BuildPin], prefix: Path, python: Path) -> None:
        from inst.install.installation import InstallOptions, install_wheels, unpack_all
        from inst.install.target import venv_target
        from inst.install.transaction import changing
        from inst.install.unpacked import UnpackedWheels

        if not pins:
            return
        environment = self._session.environment.for_venv(prefix, python)
        target = venv_target(environment, prefix)
        wheels = [self._wheels[str(pin)] for pin in pins]
        reporter = self._session.reporters.install
        cache = UnpackedWheels(
            self._session.cache.unpacked,
            self._session.work_dir,
            verify=self._policy.verify_cache,
            reporter=reporter,
        )
        unpacked = unpack_all(wheels, cache)
        with changing(
            target.state_dir,
            label=target.label,
            keep_dirs=target.keep_dirs,
            timeout=self._policy.lock_timeout,
            # a build environment: an interrupted run speaks of the user's own
            reported=False,
            repair_options=target.options,
            reporter=reporter,
        ) as changes:
            # No reporter: the packages of a build environment are not announced.
            install_wheels(
                list(zip(wheels, unpacked)),
                target,
                environment,
                changes,
                # No bytecode now: a build imports a part of what it holds, and the
                # hook server writes the bytecode of that part (once, as Python does).
                InstallOptions(link_mode=self._policy.link_mode, compile=False),
            )


def _build_constraints(settings: Settings) -> list[RequirementSpec]:
    from inst.requirements.files import read_requirements

    found: list[RequirementSpec] = []
    for path in settings.build_constraint:
        parsed = read_requirements(str(path), constraint=True)
        found += parsed.constraints
    return found


def _constraint_hashes(
    specs: Sequence[RequirementSpec],
) -> dict[str, Mapping[str, frozenset[str]]]:
    return {spec.name: spec.hashes for spec in specs if spec.name and spec.hashes}


def make_builder(settings: Settings, session: Session) -> SourceBuilder:
    """The run's builder: isolated cached environments unless --no-build-isolation."""
    from inst.build.builder import BuilderConfig, SourceBuilder
    from inst.build.environments import EnvironmentStore, target_build_env
    from inst.build.wheel_cache import WheelCache

    environment = session.environment
    cache = session.cache
    isolated = not settings.no_build_isolation
    environments = None
    target = None
    if isolated:
        provisioner = SessionProvisioner(
            session, ProvisionPolicy.from_settings(settings)
        )
        environments = EnvironmentStore(
            cache.build_environments(session.work_dir),
            environment.python,
            environment.version_info,
            provisioner,
            lock_timeout=settings.lock_timeout,
            reporter=session.reporters.build,
            implementation=environment.markers.get("implementation_name"),
        )
    else:
        installed = {
            name: dist.version for name, dist in environment.installed().items()
        }
        target = target_build_env(environment.python, installed)
    wheel_cache = WheelCache(cache.built_wheels, _wheel_cache_key(environment))
    choice = build_choice(settings)
    return SourceBuilder(
        BuilderConfig(
            options=build_options(
                settings, verbose=session.reporters.build.shows_output()
            ),
            choice=choice,
            isolated=isolated,
            no_clean=settings.no_clean,
            work_dir=session.work_dir,
            markers=environment.markers,
            # A report shows the metadata whole: the backend's, not [project]'s.
            static_metadata=settings.report is None,
        ),
        environments=environments,
        target_env=target,
        wheel_cache=wheel_cache,
        reporter=session.reporters.build,
        plugins=interface_plugins(choice, session.reporters.build),
    )


def _wheel_cache_key(environment: Environment) -> dict[str, str]:
    """What a built wheel depends on besides its source and options."""
    return {
        "python": str(environment.python.resolve()),
        **{
            key: environment.markers.get(key, "")
            for key in (
                "implementation_name",
                "python_full_version",
                "platform_machine",
                "sys_platform",
            )
        },
    }


def configure_builder(builder: SourceBuilder, inputs: Inputs) -> None:
    """Per-requirement build options and -e, told to the builder before resolving."""
    base = builder.options_for(Path("."), None)
    for spec in inputs.requirements:
        options = spec_options(base, spec)
        if spec.path is not None:
            builder.configure(spec.path, options=options, editable=spec.editable)
        elif options is not None and spec.name is not None:
            builder.configure_name(spec.name, options)
