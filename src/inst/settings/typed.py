"""The typed view of the settings: one property per option of the table, typed as
the option's value is once parsed.

Generated from src/inst/settings/options.py by tools/gen_options_reference.py. Do
not edit by hand: change the option table and run the script.
"""

from __future__ import annotations

from typing import Any, Literal, cast

KeyringProvider = Literal["auto", "disabled", "import", "subprocess"]
ProgressBar = Literal["on", "off"]
IndexStrategy = Literal["first-index", "best-match"]
UpgradeStrategy = Literal["only-if-needed", "eager"]
LinkMode = Literal["hardlink", "copy"]
Format = Literal["columns", "freeze", "json"]
Algorithm = Literal["sha256", "sha384", "sha512"]


class OptionValues:
    """Every option's effective value, as ``settings.<name_with_underscores>``.

    ``Settings`` inherits this class and answers ``_value()``: each option is
    resolved on first access, through the layers. Every command sees every option;
    one a command does not take on its command line can still come from an INST_*
    variable, a configuration file or pip's configuration, or has its default.
    """

    __slots__ = ()

    def _value(self, name: str) -> Any:
        raise NotImplementedError  # Settings resolves the option

    @property
    def verbose(self) -> int:
        """-v, --verbose, INST_VERBOSE: Show more output; repeat for more (-vv). With -v
        an error also shows its traceback."""
        return cast("int", self._value("verbose"))

    @property
    def quiet(self) -> int:
        """-q, --quiet, INST_QUIET: Show less output: -q hides progress, -qq warnings
        too. Errors always show."""
        return cast("int", self._value("quiet"))

    @property
    def no_color(self) -> bool:
        """--no-color, INST_NO_COLOR: Never colour the output. A non-empty NO_COLOR
        environment variable does the same."""
        return cast("bool", self._value("no-color"))

    @property
    def isolated(self) -> bool:
        """--isolated, INST_ISOLATED: Ignore INST_* and PIP_* environment variables and
        user configuration files (inst's and pip's)."""
        return cast("bool", self._value("isolated"))

    @property
    def config_file(self) -> str | None:
        """--config-file, INST_CONFIG_FILE: Read this configuration file last, after the
        global, user and site files. The null device (/dev/null, or nul on Windows)
        turns every configuration file off."""
        return cast("str | None", self._value("config-file"))

    @property
    def cache_dir(self) -> str | None:
        """--cache-dir, INST_CACHE_DIR: Keep inst's cache (HTTP responses, wheels, build
        environments) here."""
        return cast("str | None", self._value("cache-dir"))

    @property
    def no_cache_dir(self) -> bool:
        """--no-cache-dir, INST_NO_CACHE_DIR: Use no persistent cache at all."""
        return cast("bool", self._value("no-cache-dir"))

    @property
    def timeout(self) -> float:
        """--timeout, INST_TIMEOUT: Seconds to wait for a network response before giving
        up."""
        return cast("float", self._value("timeout"))

    @property
    def retries(self) -> int:
        """--retries, INST_RETRIES: How many times to retry a request after a connection
        error or a 5xx answer."""
        return cast("int", self._value("retries"))

    @property
    def proxy(self) -> str | None:
        """--proxy, INST_PROXY: Send requests through this proxy, as
        scheme://[user:password@]host:port. Without it, the usual *_proxy environment
        variables apply."""
        return cast("str | None", self._value("proxy"))

    @property
    def trusted_host(self) -> tuple[str, ...]:
        """--trusted-host, INST_TRUSTED_HOST: Trust this host (or host:port) even
        without valid HTTPS. Repeatable."""
        return cast("tuple[str, ...]", self._value("trusted-host"))

    @property
    def cert(self) -> str | None:
        """--cert, INST_CERT: Verify HTTPS servers with the CA bundle in this file (or
        the certificates in this directory)."""
        return cast("str | None", self._value("cert"))

    @property
    def client_cert(self) -> str | None:
        """--client-cert, INST_CLIENT_CERT: Present this client certificate (one PEM
        file holding key and certificate)."""
        return cast("str | None", self._value("client-cert"))

    @property
    def keyring_provider(self) -> KeyringProvider:
        """--keyring-provider, INST_KEYRING_PROVIDER: Where to look up credentials when
        an index answers 401: the keyring package (import), the keyring command on
        PATH (subprocess), whichever is found first (auto), or nowhere (disabled)."""
        return cast("KeyringProvider", self._value("keyring-provider"))

    @property
    def python(self) -> str | None:
        """--python, INST_PYTHON: Work on this Python environment: a python executable
        or a virtual environment's directory."""
        return cast("str | None", self._value("python"))

    @property
    def progress_bar(self) -> ProgressBar:
        """--progress-bar, INST_PROGRESS_BAR: Show progress bars for downloads that take
        more than a moment (only on a terminal)."""
        return cast("ProgressBar", self._value("progress-bar"))

    @property
    def max_downloads(self) -> int:
        """--max-downloads, INST_MAX_DOWNLOADS: How many files to download at once."""
        return cast("int", self._value("max-downloads"))

    @property
    def index_url(self) -> str | None:
        """-i, --index-url, INST_INDEX_URL: The main package index (PEP 503/691 simple
        API). With the default --index-strategy first-index it is searched after the
        --extra-index-url ones."""
        return cast("str | None", self._value("index-url"))

    @property
    def extra_index_url(self) -> tuple[str, ...]:
        """--extra-index-url, INST_EXTRA_INDEX_URL: Further indexes. Repeatable. With
        --index-strategy first-index they are searched in order before --index-url;
        with best-match the files of all indexes compete."""
        return cast("tuple[str, ...]", self._value("extra-index-url"))

    @property
    def no_index(self) -> bool:
        """--no-index, INST_NO_INDEX: Search no index: only --find-links locations and
        local paths."""
        return cast("bool", self._value("no-index"))

    @property
    def find_links(self) -> tuple[str, ...]:
        """-f, --find-links, INST_FIND_LINKS: Also look for distributions in this
        directory, or in the links of this HTML page. Repeatable."""
        return cast("tuple[str, ...]", self._value("find-links"))

    @property
    def index_strategy(self) -> IndexStrategy:
        """--index-strategy, INST_INDEX_STRATEGY: first-index: take each project from
        the first index that has it, searching --extra-index-url indexes in order and
        --index-url last (this stops dependency confusion). best-match: let the files
        of every index compete, as pip does."""
        return cast("IndexStrategy", self._value("index-strategy"))

    @property
    def requirement(self) -> tuple[str, ...]:
        """-r, --requirement, INST_REQUIREMENT: Install, fetch or (for uninstall) remove
        what this requirements file lists. Repeatable."""
        return cast("tuple[str, ...]", self._value("requirement"))

    @property
    def group(self) -> tuple[str, ...]:
        """--group, INST_GROUP: Add the requirements of this dependency group (PEP 735)
        of ./pyproject.toml; PATH:NAME reads the group from another pyproject.toml.
        With a lock (inst sync, install -r pylock.toml), install the packages the
        lock holds for this group instead (PEP 751; without --group, the lock's
        default groups). Repeatable."""
        return cast("tuple[str, ...]", self._value("group"))

    @property
    def extra(self) -> tuple[str, ...]:
        """--extra, INST_EXTRA: inst lock: lock this extra of the project
        ([project.optional-dependencies] of ./pyproject.toml) too. With a lock (inst
        sync, install -r pylock.toml): install the packages the lock holds for this
        extra (PEP 751). Repeatable."""
        return cast("tuple[str, ...]", self._value("extra"))

    @property
    def output(self) -> str:
        """-o, --output: Write the lock to this file ('-' writes it to standard output)."""
        return cast("str", self._value("output"))

    @property
    def check(self) -> bool | None:
        """--check: Write nothing; exit 1, showing the difference, when the lock file no
        longer matches what locking its inputs gives now (for CI)."""
        return cast("bool | None", self._value("check"))

    @property
    def pre(self) -> bool:
        """--pre, INST_PRE: Consider pre-releases and development versions, not only
        final releases."""
        return cast("bool", self._value("pre"))

    @property
    def only_binary(self) -> tuple[str, ...]:
        """--only-binary, INST_ONLY_BINARY: Use wheels only for these projects: names,
        :all: or :none:. Comma-separated or repeated."""
        return cast("tuple[str, ...]", self._value("only-binary"))

    @property
    def no_binary(self) -> tuple[str, ...]:
        """--no-binary, INST_NO_BINARY: Build these projects from source, never from
        wheels: names, :all: or :none:. Comma-separated or repeated."""
        return cast("tuple[str, ...]", self._value("no-binary"))

    @property
    def prefer_binary(self) -> bool:
        """--prefer-binary, INST_PREFER_BINARY: Prefer an older wheel to a newer source
        distribution."""
        return cast("bool", self._value("prefer-binary"))

    @property
    def constraint(self) -> tuple[str, ...]:
        """-c, --constraint, INST_CONSTRAINT: Constrain versions with this constraints
        file. Repeatable."""
        return cast("tuple[str, ...]", self._value("constraint"))

    @property
    def require_hashes(self) -> bool:
        """--require-hashes, INST_REQUIRE_HASHES: Require a --hash for every
        requirement, dependencies included, each pinned with ==."""
        return cast("bool", self._value("require-hashes"))

    @property
    def no_deps(self) -> bool:
        """--no-deps, INST_NO_DEPS: Install or fetch only the named requirements, none
        of their dependencies."""
        return cast("bool", self._value("no-deps"))

    @property
    def ignore_requires_python(self) -> bool:
        """--ignore-requires-python, INST_IGNORE_REQUIRES_PYTHON: Accept distributions
        whose Requires-Python excludes the target interpreter."""
        return cast("bool", self._value("ignore-requires-python"))

    @property
    def upgrade(self) -> bool:
        """-U, --upgrade, INST_UPGRADE: Upgrade the named requirements to the newest
        versions allowed, even if installed."""
        return cast("bool", self._value("upgrade"))

    @property
    def upgrade_strategy(self) -> UpgradeStrategy:
        """--upgrade-strategy, INST_UPGRADE_STRATEGY: With --upgrade, only-if-needed
        upgrades a dependency only when the installed version no longer fits; eager
        upgrades every dependency too."""
        return cast("UpgradeStrategy", self._value("upgrade-strategy"))

    @property
    def force_reinstall(self) -> bool:
        """--force-reinstall, INST_FORCE_REINSTALL: Reinstall every resolved
        distribution, even if the same version is installed."""
        return cast("bool", self._value("force-reinstall"))

    @property
    def ignore_installed(self) -> bool:
        """-I, --ignore-installed, INST_IGNORE_INSTALLED: Resolve as if nothing were
        installed, and install over what is there."""
        return cast("bool", self._value("ignore-installed"))

    @property
    def dry_run(self) -> bool:
        """--dry-run, INST_DRY_RUN: Say what would be done and change nothing: for
        install, resolve and say what would be installed; for repair, what would be
        put back and removed; for sync, what would be installed, upgraded, downgraded
        and removed."""
        return cast("bool", self._value("dry-run"))

    @property
    def report(self) -> str | None:
        """--report, INST_REPORT: Write a JSON installation report (pip's format,
        version 1) to this file; - writes it to standard output."""
        return cast("str | None", self._value("report"))

    @property
    def remove_pip(self) -> bool:
        """--remove-pip, INST_REMOVE_PIP: inst sync: remove pip too when the lock does
        not hold it (by default pip stays, so the environment keeps its own
        installer)."""
        return cast("bool", self._value("remove-pip"))

    @property
    def dest(self) -> str:
        """-d, --dest, INST_DEST: Save the distributions in this directory."""
        return cast("str", self._value("dest"))

    @property
    def platform(self) -> tuple[str, ...]:
        """--platform, INST_PLATFORM: Fetch wheels for this platform tag (such as
        manylinux_2_28_x86_64) instead of the target interpreter's. Repeatable. Needs
        --only-binary=:all:. inst lock: each value is a target of its own."""
        return cast("tuple[str, ...]", self._value("platform"))

    @property
    def python_version(self) -> tuple[str, ...]:
        """--python-version, INST_PYTHON_VERSION: Fetch for this Python version (3, 3.12
        or 312) instead of the target interpreter's (the last one given counts).
        Needs --only-binary=:all:. inst lock: repeatable, each value a target of its
        own."""
        return cast("tuple[str, ...]", self._value("python-version"))

    @property
    def implementation(self) -> tuple[str, ...]:
        """--implementation, INST_IMPLEMENTATION: Fetch for this Python implementation
        (cp, pp, py, ...; the last one given counts). Needs --only-binary=:all:. inst
        lock: repeatable, each value a target of its own."""
        return cast("tuple[str, ...]", self._value("implementation"))

    @property
    def abi(self) -> tuple[str, ...]:
        """--abi, INST_ABI: Fetch wheels for this ABI tag (such as cp312 or abi3).
        Repeatable. Needs --only-binary=:all:. inst lock: the ABIs of every target."""
        return cast("tuple[str, ...]", self._value("abi"))

    @property
    def user(self) -> bool:
        """--user, INST_USER: Install into the user site-packages of the target
        interpreter (python -m site --user-site) and its scripts into the user base's
        bin directory."""
        return cast("bool", self._value("user"))

    @property
    def target(self) -> str | None:
        """-t, --target, INST_TARGET: Install into this directory instead of an
        environment: packages at its top, scripts in DIR/bin. Implies
        --ignore-installed; what is there already is replaced only with --upgrade."""
        return cast("str | None", self._value("target"))

    @property
    def prefix(self) -> str | None:
        """--prefix, INST_PREFIX: Install into the scheme the target interpreter would
        use for this prefix (DIR/lib/pythonX.Y/site-packages, DIR/bin, ...)."""
        return cast("str | None", self._value("prefix"))

    @property
    def root(self) -> str | None:
        """--root, INST_ROOT: Install as usual but below this directory, as if it were
        the filesystem root (for building OS packages and images)."""
        return cast("str | None", self._value("root"))

    @property
    def compile(self) -> bool:
        """--compile, INST_COMPILE: Write .pyc files for the installed modules (with the
        target interpreter) instead of leaving that to their first import;
        --no-compile turns it off."""
        return cast("bool", self._value("compile"))

    @property
    def link_mode(self) -> LinkMode:
        """--link-mode, INST_LINK_MODE: How files get from inst's cache of unpacked
        wheels into the environment: hardlink (falls back to copy across filesystems)
        or copy."""
        return cast("LinkMode", self._value("link-mode"))

    @property
    def verify_cache(self) -> bool:
        """--verify-cache, INST_VERIFY_CACHE: Hash every file taken from inst's cache of
        unpacked wheels again, against its wheel's RECORD, before installing it; a
        damaged entry is unpacked again from the wheel. Without it an entry is
        trusted if no file's size, modification time or mode changed."""
        return cast("bool", self._value("verify-cache"))

    @property
    def break_system_packages(self) -> bool:
        """--break-system-packages, INST_BREAK_SYSTEM_PACKAGES: Install into or
        uninstall from an environment its distribution marks as externally managed
        (PEP 668) anyway."""
        return cast("bool", self._value("break-system-packages"))

    @property
    def lock_timeout(self) -> float:
        """--lock-timeout, INST_LOCK_TIMEOUT: How many seconds to wait for another inst
        that is changing the same environment before giving up."""
        return cast("float", self._value("lock-timeout"))

    @property
    def yes(self) -> bool:
        """-y, --yes, INST_YES: Uninstall without asking for confirmation."""
        return cast("bool", self._value("yes"))

    @property
    def format(self) -> Format:
        """--format, INST_FORMAT: How inst list shows the distributions: a table, pip
        freeze lines, or JSON."""
        return cast("Format", self._value("format"))

    @property
    def outdated(self) -> bool:
        """--outdated, INST_OUTDATED: List only distributions with a newer version on
        the indexes, with that version."""
        return cast("bool", self._value("outdated"))

    @property
    def files(self) -> bool:
        """-f, --files, INST_FILES: Also list the files each distribution installed
        (from its RECORD)."""
        return cast("bool", self._value("files"))

    @property
    def algorithm(self) -> Algorithm:
        """-a, --algorithm, INST_ALGORITHM: The hash algorithm inst hash uses."""
        return cast("Algorithm", self._value("algorithm"))

    @property
    def bash(self) -> bool:
        """--bash: Print the completion script for bash."""
        return cast("bool", self._value("bash"))

    @property
    def zsh(self) -> bool:
        """--zsh: Print the completion script for zsh."""
        return cast("bool", self._value("zsh"))

    @property
    def fish(self) -> bool:
        """--fish: Print the completion script for fish."""
        return cast("bool", self._value("fish"))

    @property
    def build_interface(self) -> tuple[str, ...]:
        """--build-interface, INST_BUILD_INTERFACE: Build a project through this
        interface: NAME=INTERFACE, where NAME is a project name or :all: and
        INTERFACE is auto, pyproject, setup.py or a plugged-in interface. Repeatable;
        an entry for a name beats :all:, and a later entry an earlier one. setup.py
        on a project with a pyproject.toml installs its [build-system] requires
        first."""
        return cast("tuple[str, ...]", self._value("build-interface"))

    @property
    def use_pep517(self) -> bool:
        """--use-pep517, INST_USE_PEP517: Build every project through its pyproject.toml
        interface (PEP 517), even one with only a setup.py; such projects get
        setuptools' legacy backend. The same as --build-interface :all:=pyproject."""
        return cast("bool", self._value("use-pep517"))

    @property
    def no_use_pep517(self) -> bool:
        """--no-use-pep517, INST_NO_USE_PEP517: Build every project that has a setup.py
        through it (setup.py bdist_wheel), even one with a pyproject.toml, as pip did
        before 25.3. The same as --build-interface :all:=setup.py."""
        return cast("bool", self._value("no-use-pep517"))

    @property
    def no_build_isolation(self) -> bool:
        """--no-build-isolation, INST_NO_BUILD_ISOLATION: Build in the target
        environment instead of a fresh isolated one; missing build requirements are
        reported, not installed."""
        return cast("bool", self._value("no-build-isolation"))

    @property
    def config_settings(self) -> tuple[str, ...]:
        """-C, --config-settings, INST_CONFIG_SETTINGS: Pass KEY=VALUE to every PEP 517
        hook of every build. Repeatable; a key given more than once reaches the
        backend as a list of its values, as in pip. Also makes a project with only a
        setup.py build through the pyproject.toml interface."""
        return cast("tuple[str, ...]", self._value("config-settings"))

    @property
    def global_option(self) -> tuple[str, ...]:
        """--global-option, INST_GLOBAL_OPTION: Pass this option to setup.py before its
        command (legacy setup.py builds only). Repeatable. Write it with =
        (--global-option=--verbose) when it starts with a dash."""
        return cast("tuple[str, ...]", self._value("global-option"))

    @property
    def build_option(self) -> tuple[str, ...]:
        """--build-option, INST_BUILD_OPTION: Pass this option to setup.py bdist_wheel
        after the command (legacy setup.py builds only). Repeatable. Write it with =
        (--build-option=--plat-name=x) when it starts with a dash."""
        return cast("tuple[str, ...]", self._value("build-option"))

    @property
    def build_constraint(self) -> tuple[str, ...]:
        """--build-constraint, INST_BUILD_CONSTRAINT: Constrain the versions of build
        requirements (those installed into isolated build environments) with this
        constraints file. Repeatable. --constraint never applies to builds."""
        return cast("tuple[str, ...]", self._value("build-constraint"))

    @property
    def no_clean(self) -> bool:
        """--no-clean, INST_NO_CLEAN: Keep the build directories (unpacked sources,
        build environments) instead of removing them, and print where they are."""
        return cast("bool", self._value("no-clean"))

    @property
    def editable(self) -> tuple[str, ...]:
        """-e, --editable: Install the local project in this directory in editable mode
        (PEP 660), so changes to its source take effect without reinstalling.
        Repeatable."""
        return cast("tuple[str, ...]", self._value("editable"))

    @property
    def wheel_dir(self) -> str | None:
        """-w, --wheel-dir, INST_WHEEL_DIR: Save the wheels inst wheel builds or
        downloads in this directory."""
        return cast("str | None", self._value("wheel-dir"))

    @property
    def outdir(self) -> str | None:
        """-o, --outdir, INST_OUTDIR: Write the sdist and wheel inst build makes into
        this directory."""
        return cast("str | None", self._value("outdir"))

    @property
    def config_user(self) -> bool:
        """--user: Use the user configuration file."""
        return cast("bool", self._value("config-user"))

    @property
    def config_global(self) -> bool:
        """--global: Use the global (system-wide) configuration file."""
        return cast("bool", self._value("config-global"))

    @property
    def config_site(self) -> bool:
        """--site: Use the site configuration file, in the target environment's prefix."""
        return cast("bool", self._value("config-site"))
