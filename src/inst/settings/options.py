"""The option table: the only place an inst option is defined.

Each row gives the command-line flag, the ``INST_<NAME>`` environment variable, the
config-file key, the reference page entry and, for options pip shares, the pip setting
inst falls back to. Later features add options by adding rows here, nothing else.
"""

from __future__ import annotations

import enum

from inst._records import dataclass


class Kind(enum.Enum):
    """How an option's value is written and parsed."""

    FLAG = "flag"  # on or off; the flag on the command line turns it on
    COUNT = "count"  # repeatable flag such as -v -v; a whole number elsewhere
    INT = "int"
    FLOAT = "float"
    STRING = "string"
    PATH = "path"
    CHOICE = "choice"
    LIST = "list"  # repeatable on the command line; whitespace-separated elsewhere


class Source(enum.Enum):
    """Where an option may be set."""

    CLI = "command line"
    ENV = "environment"
    FILE = "config file"


EVERYWHERE = frozenset(Source)
CLI_AND_ENV = frozenset({Source.CLI, Source.ENV})
CLI_ONLY = frozenset({Source.CLI})

#: Every command inst has or will have. Config files may hold a table for each of them
#: even before the command exists; the CLI registers only the ones that work
#: (see inst.cli.commands).
COMMAND_NAMES = (
    "install",
    "download",
    "wheel",
    "build",
    "uninstall",
    "list",
    "freeze",
    "show",
    "cache",
    "config",
    "build-info",
    "repair",
    "help",
    "check",
    "inspect",
    "hash",
    "index",
    "completion",
    "lock",
    "sync",
)

#: Marks an option that applies to every command.
ALL_COMMANDS: tuple[str, ...] = ("*",)

#: The commands that take requirements (-r, -c, --no-deps).
REQUIREMENTS = ("install", "download", "wheel", "build-info", "lock")
#: The commands that resolve against indexes: those, and inst build (the build
#: requirements of its build environments).
RESOLVING = (*REQUIREMENTS, "build")
ENVIRONMENT = (
    "build",
    "install",
    "download",
    "wheel",
    "build-info",
    "uninstall",
    "list",
    "freeze",
    "show",
    "repair",
    "check",
    "inspect",
    "index",
    "lock",
    "sync",
)
BUILDING = ("install", "download", "wheel", "build-info", "build", "lock", "sync")
NETWORK = (
    "install",
    "download",
    "wheel",
    "list",
    "build-info",
    "index",
    "build",
    "lock",
    "sync",
)


@dataclass(frozen=True)
class Option:
    """One row of the table."""

    name: str  # the long flag without dashes; also the config key
    kind: Kind
    help: str
    group: str
    default: object = None
    commands: tuple[str, ...] = ALL_COMMANDS
    short: str | None = None
    flag: str | None = None  # only where the flag is spelled unlike the name
    metavar: str | None = None
    choices: tuple[str, ...] = ()
    sources: frozenset[Source] = EVERYWHERE
    pip_shared: bool = False  # take pip's value when inst has none of its own
    negatable: bool = False  # a FLAG that also gets --no-<name>
    comma_lists: bool = (
        False  # LIST items may also be separated by commas (pip's spelling)
    )
    default_doc: str | None = None  # describes a default computed at run time
    positive: bool = False  # an INT/FLOAT that must be greater than 0 (0 means nothing)
    # A PATH that must name something that exists when a command that goes to the
    # network reads it: "file", or "file or directory".
    existing: str = ""
    urls: bool = False  # values with a scheme (scheme://...) must parse as URLs

    @property
    def dest(self) -> str:
        return self.name.replace("-", "_")

    @property
    def long_flag(self) -> str:
        return self.flag or f"--{self.name}"

    @property
    def env_var(self) -> str | None:
        if Source.ENV not in self.sources:
            return None
        return "INST_" + self.name.upper().replace("-", "_")

    @property
    def config_key(self) -> str | None:
        return self.name if Source.FILE in self.sources else None

    @property
    def pip_env_var(self) -> str | None:
        return "PIP_" + self.name.upper().replace("-", "_") if self.pip_shared else None

    def applies_to(self, command: str | None) -> bool:
        return self.commands == ALL_COMMANDS or command in self.commands


GENERAL = "General"
INDEX = "Package index"
SELECTION = "Distribution selection"
TARGET = "Download target"
INSPECT = "Inspecting an environment"
INSTALL = "Installing"
BUILD = "Building"
CONFIG = "inst config"

OPTIONS: tuple[Option, ...] = (
    # -- General -----------------------------------------------------------------------
    Option(
        "verbose",
        Kind.COUNT,
        "Show more output; repeat for more (-vv). With -v an error also shows its traceback.",
        GENERAL,
        default=0,
        short="-v",
    ),
    Option(
        "quiet",
        Kind.COUNT,
        "Show less output: -q hides progress, -qq warnings too. Errors always show.",
        GENERAL,
        default=0,
        short="-q",
    ),
    Option(
        "no-color",
        Kind.FLAG,
        "Never colour the output. A non-empty NO_COLOR environment variable does the same.",
        GENERAL,
        default=False,
    ),
    Option(
        "isolated",
        Kind.FLAG,
        "Ignore INST_* and PIP_* environment variables and user configuration files "
        "(inst's and pip's).",
        GENERAL,
        default=False,
        sources=CLI_AND_ENV,
    ),
    Option(
        "config-file",
        Kind.PATH,
        "Read this configuration file last, after the global, user and site files. "
        "The null device (/dev/null, or nul on Windows) turns every configuration file off.",
        GENERAL,
        metavar="PATH",
        sources=CLI_AND_ENV,
    ),
    Option(
        "cache-dir",
        Kind.PATH,
        "Keep inst's cache (HTTP responses, wheels, build environments) here.",
        GENERAL,
        metavar="DIR",
        default_doc="the user cache directory, e.g. ~/.cache/inst on Linux",
    ),
    Option(
        "no-cache-dir",
        Kind.FLAG,
        "Use no persistent cache at all.",
        GENERAL,
        default=False,
    ),
    Option(
        "timeout",
        Kind.FLOAT,
        "Seconds to wait for a network response before giving up.",
        GENERAL,
        default=15.0,
        metavar="SECONDS",
        pip_shared=True,
        positive=True,
    ),
    Option(
        "retries",
        Kind.INT,
        "How many times to retry a request after a connection error or a 5xx answer.",
        GENERAL,
        default=5,
        metavar="N",
        pip_shared=True,
    ),
    Option(
        "proxy",
        Kind.STRING,
        "Send requests through this proxy, as scheme://[user:password@]host:port. "
        "Without it, the usual *_proxy environment variables apply.",
        GENERAL,
        metavar="URL",
        pip_shared=True,
        urls=True,
    ),
    Option(
        "trusted-host",
        Kind.LIST,
        "Trust this host (or host:port) even without valid HTTPS. Repeatable.",
        GENERAL,
        default=(),
        metavar="HOST",
        pip_shared=True,
    ),
    Option(
        "cert",
        Kind.PATH,
        "Verify HTTPS servers with the CA bundle in this file (or the certificates in "
        "this directory).",
        GENERAL,
        metavar="PATH",
        pip_shared=True,
        existing="file or directory",
    ),
    Option(
        "client-cert",
        Kind.PATH,
        "Present this client certificate (one PEM file holding key and certificate).",
        GENERAL,
        metavar="PATH",
        pip_shared=True,
        existing="file",
    ),
    Option(
        "keyring-provider",
        Kind.CHOICE,
        "Where to look up credentials when an index answers 401: the keyring package "
        "(import), the keyring command on PATH (subprocess), whichever is found first "
        "(auto), or nowhere (disabled).",
        GENERAL,
        default="auto",
        choices=("auto", "disabled", "import", "subprocess"),
        pip_shared=True,
    ),
    Option(
        "python",
        Kind.PATH,
        "Work on this Python environment: a python executable or a virtual "
        "environment's directory.",
        GENERAL,
        commands=ENVIRONMENT,
        metavar="PATH",
        default_doc="for the inst program, the active virtual environment "
        "(VIRTUAL_ENV), else the active conda environment (CONDA_PREFIX), else a .venv "
        "in the current directory or above it, else the interpreter running inst; for "
        "python -m inst, the interpreter running it",
    ),
    Option(
        "progress-bar",
        Kind.CHOICE,
        "Show progress bars for downloads that take more than a moment (only on a "
        "terminal).",
        GENERAL,
        default="on",
        commands=(*RESOLVING, "sync"),
        choices=("on", "off"),
        pip_shared=True,
    ),
    Option(
        "max-downloads",
        Kind.INT,
        "How many files to download at once.",
        GENERAL,
        default=10,
        commands=(*RESOLVING, "sync"),
        metavar="N",
    ),
    # -- Package index -----------------------------------------------------------------
    Option(
        "index-url",
        Kind.STRING,
        "The main package index (PEP 503/691 simple API). With the default "
        "--index-strategy first-index it is searched after the --extra-index-url ones.",
        INDEX,
        commands=(*RESOLVING + ("list", "index"), "sync"),
        short="-i",
        metavar="URL",
        pip_shared=True,
        default_doc="pip's own default index, read from pip at run time",
        urls=True,
    ),
    Option(
        "extra-index-url",
        Kind.LIST,
        "Further indexes. Repeatable. With --index-strategy first-index they are searched "
        "in order before --index-url; with best-match the files of all indexes compete.",
        INDEX,
        default=(),
        commands=(*RESOLVING + ("list", "index"), "sync"),
        metavar="URL",
        pip_shared=True,
        urls=True,
    ),
    Option(
        "no-index",
        Kind.FLAG,
        "Search no index: only --find-links locations and local paths.",
        INDEX,
        default=False,
        commands=(*RESOLVING + ("list", "index"), "sync"),
        pip_shared=True,
    ),
    Option(
        "find-links",
        Kind.LIST,
        "Also look for distributions in this directory, or in the links of this HTML page. "
        "Repeatable.",
        INDEX,
        default=(),
        commands=(*RESOLVING + ("list", "index"), "sync"),
        short="-f",
        metavar="PATH_OR_URL",
        pip_shared=True,
        urls=True,
    ),
    Option(
        "index-strategy",
        Kind.CHOICE,
        "first-index: take each project from the first index that has it, searching "
        "--extra-index-url indexes in order and --index-url last (this stops dependency "
        "confusion). best-match: let the files of every index compete, as pip does.",
        INDEX,
        default="first-index",
        commands=(*RESOLVING, "sync"),
        choices=("first-index", "best-match"),
    ),
    # -- Distribution selection --------------------------------------------------------
    Option(
        "requirement",
        Kind.LIST,
        "Install, fetch or (for uninstall) remove what this requirements file lists. "
        "Repeatable.",
        SELECTION,
        default=(),
        commands=(*REQUIREMENTS, "uninstall"),
        short="-r",
        metavar="FILE",
    ),
    Option(
        "group",
        Kind.LIST,
        "Add the requirements of this dependency group (PEP 735) of ./pyproject.toml; "
        "PATH:NAME reads the group from another pyproject.toml. With a lock (inst sync, "
        "install -r pylock.toml), install the packages the lock holds for this group "
        "instead (PEP 751; without --group, the lock's default groups). Repeatable.",
        SELECTION,
        default=(),
        commands=(*RESOLVING, "sync"),
        metavar="[PATH:]NAME",
    ),
    Option(
        "extra",
        Kind.LIST,
        "inst lock: lock this extra of the project ([project.optional-dependencies] of "
        "./pyproject.toml) too. With a lock (inst sync, install -r pylock.toml): "
        "install the packages the lock holds for this extra (PEP 751). Repeatable.",
        SELECTION,
        default=(),
        commands=("lock", "install", "sync"),
        metavar="NAME",
    ),
    Option(
        "output",
        Kind.PATH,
        "Write the lock to this file ('-' writes it to standard output).",
        SELECTION,
        default="pylock.toml",
        commands=("lock",),
        short="-o",
        metavar="FILE",
        sources=CLI_ONLY,
    ),
    Option(
        "check",
        Kind.FLAG,
        "Write nothing; exit 1, showing the difference, when the lock file no longer "
        "matches what locking its inputs gives now (for CI).",
        SELECTION,
        commands=("lock",),
        sources=CLI_ONLY,
    ),
    Option(
        "pre",
        Kind.FLAG,
        "Consider pre-releases and development versions, not only final releases.",
        SELECTION,
        default=False,
        commands=RESOLVING + ("list", "index"),
        pip_shared=True,
    ),
    Option(
        "only-binary",
        Kind.LIST,
        "Use wheels only for these projects: names, :all: or :none:. Comma-separated or "
        "repeated.",
        SELECTION,
        default=(),
        commands=(*RESOLVING, "sync"),
        metavar="NAMES",
        pip_shared=True,
        comma_lists=True,
    ),
    Option(
        "no-binary",
        Kind.LIST,
        "Build these projects from source, never from wheels: names, :all: or :none:. "
        "Comma-separated or repeated.",
        SELECTION,
        default=(),
        commands=(*RESOLVING, "sync"),
        metavar="NAMES",
        pip_shared=True,
        comma_lists=True,
    ),
    Option(
        "prefer-binary",
        Kind.FLAG,
        "Prefer an older wheel to a newer source distribution.",
        SELECTION,
        default=False,
        commands=RESOLVING,
        pip_shared=True,
    ),
    Option(
        "constraint",
        Kind.LIST,
        "Constrain versions with this constraints file. Repeatable.",
        SELECTION,
        default=(),
        commands=REQUIREMENTS,
        short="-c",
        metavar="FILE",
        pip_shared=True,
    ),
    Option(
        "require-hashes",
        Kind.FLAG,
        "Require a --hash for every requirement, dependencies included, each pinned with ==.",
        SELECTION,
        default=False,
        commands=RESOLVING,
        pip_shared=True,
    ),
    Option(
        "no-deps",
        Kind.FLAG,
        "Install or fetch only the named requirements, none of their dependencies.",
        SELECTION,
        default=False,
        commands=REQUIREMENTS,
    ),
    Option(
        "ignore-requires-python",
        Kind.FLAG,
        "Accept distributions whose Requires-Python excludes the target interpreter.",
        SELECTION,
        default=False,
        commands=(*RESOLVING, "sync"),
        pip_shared=True,
    ),
    Option(
        "upgrade",
        Kind.FLAG,
        "Upgrade the named requirements to the newest versions allowed, even if "
        "installed.",
        SELECTION,
        default=False,
        commands=("install",),
        short="-U",
    ),
    Option(
        "upgrade-strategy",
        Kind.CHOICE,
        "With --upgrade, only-if-needed upgrades a dependency only when the installed "
        "version no longer fits; eager upgrades every dependency too.",
        SELECTION,
        default="only-if-needed",
        commands=("install",),
        choices=("only-if-needed", "eager"),
        pip_shared=True,
    ),
    Option(
        "force-reinstall",
        Kind.FLAG,
        "Reinstall every resolved distribution, even if the same version is installed.",
        SELECTION,
        default=False,
        commands=("install", "sync"),
    ),
    Option(
        "ignore-installed",
        Kind.FLAG,
        "Resolve as if nothing were installed, and install over what is there.",
        SELECTION,
        default=False,
        commands=("install",),
        short="-I",
    ),
    Option(
        "dry-run",
        Kind.FLAG,
        "Say what would be done and change nothing: for install, resolve and say what "
        "would be installed; for repair, what would be put back and removed; for "
        "sync, what would be installed, upgraded, downgraded and removed.",
        SELECTION,
        default=False,
        commands=("install", "repair", "sync"),
        sources=CLI_AND_ENV,
    ),
    Option(
        "report",
        Kind.PATH,
        "Write a JSON installation report (pip's format, version 1) to this file; - "
        "writes it to standard output.",
        SELECTION,
        commands=("install",),
        metavar="FILE",
        sources=CLI_AND_ENV,
    ),
    # -- Locks (inst install -r pylock.toml, inst sync) -----------------------------
    Option(
        "remove-pip",
        Kind.FLAG,
        "inst sync: remove pip too when the lock does not hold it (by default pip "
        "stays, so the environment keeps its own installer).",
        SELECTION,
        default=False,
        commands=("sync",),
    ),
    # -- Download targets --------------------------------------------------------------
    Option(
        "dest",
        Kind.PATH,
        "Save the distributions in this directory.",
        TARGET,
        default=".",
        commands=("download",),
        short="-d",
        metavar="DIR",
        default_doc="the current directory",
    ),
    Option(
        "platform",
        Kind.LIST,
        "Fetch wheels for this platform tag (such as manylinux_2_28_x86_64) instead of "
        "the target interpreter's. Repeatable. Needs --only-binary=:all:. inst lock: "
        "each value is a target of its own.",
        TARGET,
        default=(),
        commands=("download", "lock"),
        metavar="PLATFORM",
    ),
    Option(
        "python-version",
        Kind.LIST,
        "Fetch for this Python version (3, 3.12 or 312) instead of the target "
        "interpreter's (the last one given counts). Needs --only-binary=:all:. "
        "inst lock: repeatable, each value a target of its own.",
        TARGET,
        default=(),
        commands=("download", "lock"),
        metavar="VERSION",
    ),
    Option(
        "implementation",
        Kind.LIST,
        "Fetch for this Python implementation (cp, pp, py, ...; the last one given "
        "counts). Needs --only-binary=:all:. inst lock: repeatable, each value a "
        "target of its own.",
        TARGET,
        default=(),
        commands=("download", "lock"),
        metavar="IMPL",
    ),
    Option(
        "abi",
        Kind.LIST,
        "Fetch wheels for this ABI tag (such as cp312 or abi3). Repeatable. Needs "
        "--only-binary=:all:. inst lock: the ABIs of every target.",
        TARGET,
        default=(),
        commands=("download", "lock"),
        metavar="ABI",
    ),
    # -- Installing --------------------------------------------------------------------
    Option(
        "user",
        Kind.FLAG,
        "Install into the user site-packages of the target interpreter (python -m site "
        "--user-site) and its scripts into the user base's bin directory.",
        INSTALL,
        default=False,
        commands=("install", "repair", "sync"),
    ),
    Option(
        "target",
        Kind.PATH,
        "Install into this directory instead of an environment: packages at its top, "
        "scripts in DIR/bin. Implies --ignore-installed; what is there already is "
        "replaced only with --upgrade.",
        INSTALL,
        commands=("install", "repair", "sync"),
        short="-t",
        metavar="DIR",
    ),
    Option(
        "prefix",
        Kind.PATH,
        "Install into the scheme the target interpreter would use for this prefix "
        "(DIR/lib/pythonX.Y/site-packages, DIR/bin, ...).",
        INSTALL,
        commands=("install", "repair", "sync"),
        metavar="DIR",
    ),
    Option(
        "root",
        Kind.PATH,
        "Install as usual but below this directory, as if it were the filesystem root "
        "(for building OS packages and images).",
        INSTALL,
        commands=("install", "repair", "sync"),
        metavar="DIR",
    ),
    Option(
        "compile",
        Kind.FLAG,
        "Write .pyc files for the installed modules (with the target interpreter) "
        "instead of leaving that to their first import; --no-compile turns it off.",
        INSTALL,
        default=False,
        commands=("install", "sync"),
        negatable=True,
    ),
    Option(
        "link-mode",
        Kind.CHOICE,
        "How files get from inst's cache of unpacked wheels into the environment: "
        "hardlink (falls back to copy across filesystems) or copy.",
        INSTALL,
        default="hardlink",
        commands=("install", "sync"),
        choices=("hardlink", "copy"),
    ),
    Option(
        "verify-cache",
        Kind.FLAG,
        "Hash every file taken from inst's cache of unpacked wheels again, against "
        "its wheel's RECORD, before installing it; a damaged entry is unpacked again "
        "from the wheel. Without it an entry is trusted if no file's size, "
        "modification time or mode changed.",
        INSTALL,
        default=False,
        commands=("install", "sync"),
    ),
    Option(
        "break-system-packages",
        Kind.FLAG,
        "Install into or uninstall from an environment its distribution marks as "
        "externally managed (PEP 668) anyway.",
        INSTALL,
        default=False,
        commands=("install", "uninstall", "sync"),
        pip_shared=True,
    ),
    Option(
        "lock-timeout",
        Kind.FLOAT,
        "How many seconds to wait for another inst that is changing the same "
        "environment before giving up.",
        INSTALL,
        default=300.0,
        commands=("install", "uninstall", "repair", "sync"),
        metavar="SECONDS",
    ),
    Option(
        "yes",
        Kind.FLAG,
        "Uninstall without asking for confirmation.",
        INSTALL,
        default=False,
        commands=("uninstall",),
        short="-y",
        pip_shared=True,
    ),
    # -- Inspecting an environment ----------------------------------------------------
    Option(
        "format",
        Kind.CHOICE,
        "How inst list shows the distributions: a table, pip freeze lines, or JSON.",
        INSPECT,
        default="columns",
        commands=("list",),
        choices=("columns", "freeze", "json"),
    ),
    Option(
        "outdated",
        Kind.FLAG,
        "List only distributions with a newer version on the indexes, with that version.",
        INSPECT,
        default=False,
        commands=("list",),
        sources=CLI_AND_ENV,
    ),
    Option(
        "files",
        Kind.FLAG,
        "Also list the files each distribution installed (from its RECORD).",
        INSPECT,
        default=False,
        commands=("show",),
        short="-f",
        sources=CLI_AND_ENV,
    ),
    Option(
        "algorithm",
        Kind.CHOICE,
        "The hash algorithm inst hash uses.",
        INSPECT,
        default="sha256",
        commands=("hash",),
        short="-a",
        choices=("sha256", "sha384", "sha512"),
        pip_shared=True,
    ),
    Option(
        "bash",
        Kind.FLAG,
        "Print the completion script for bash.",
        INSPECT,
        default=False,
        commands=("completion",),
        sources=CLI_ONLY,
    ),
    Option(
        "zsh",
        Kind.FLAG,
        "Print the completion script for zsh.",
        INSPECT,
        default=False,
        commands=("completion",),
        sources=CLI_ONLY,
    ),
    Option(
        "fish",
        Kind.FLAG,
        "Print the completion script for fish.",
        INSPECT,
        default=False,
        commands=("completion",),
        sources=CLI_ONLY,
    ),
    # -- Building ----------------------------------------------------------------------
    Option(
        "build-interface",
        Kind.LIST,
        "Build a project through this interface: NAME=INTERFACE, where NAME is a "
        "project name or :all: and INTERFACE is auto, pyproject, setup.py or a "
        "plugged-in interface. Repeatable; an entry for a name beats :all:, and a later "
        "entry an earlier one. setup.py on a project with a pyproject.toml installs its "
        "[build-system] requires first.",
        BUILD,
        default=(),
        commands=BUILDING,
        metavar="NAME=INTERFACE",
    ),
    Option(
        "use-pep517",
        Kind.FLAG,
        "Build every project through its pyproject.toml interface (PEP 517), even one with "
        "only a setup.py; such projects get setuptools' legacy backend. The same as "
        "--build-interface :all:=pyproject.",
        BUILD,
        default=False,
        commands=BUILDING,
    ),
    Option(
        "no-use-pep517",
        Kind.FLAG,
        "Build every project that has a setup.py through it (setup.py bdist_wheel), even "
        "one with a pyproject.toml, as pip did before 25.3. The same as "
        "--build-interface :all:=setup.py.",
        BUILD,
        default=False,
        commands=BUILDING,
    ),
    Option(
        "no-build-isolation",
        Kind.FLAG,
        "Build in the target environment instead of a fresh isolated one; missing build "
        "requirements are reported, not installed.",
        BUILD,
        default=False,
        commands=BUILDING,
    ),
    Option(
        "config-settings",
        Kind.LIST,
        "Pass KEY=VALUE to every PEP 517 hook of every build. Repeatable; a key given "
        "more than once reaches the backend as a list of its values, as in pip. Also "
        "makes a project with only a setup.py build through the pyproject.toml "
        "interface.",
        BUILD,
        default=(),
        commands=BUILDING,
        short="-C",
        metavar="KEY=VALUE",
        pip_shared=True,
    ),
    Option(
        "global-option",
        Kind.LIST,
        "Pass this option to setup.py before its command (legacy setup.py builds "
        "only). Repeatable. Write it with = (--global-option=--verbose) when it starts "
        "with a dash.",
        BUILD,
        default=(),
        commands=("install", "wheel", "build-info", "build"),
        metavar="OPTION",
        pip_shared=True,
    ),
    Option(
        "build-option",
        Kind.LIST,
        "Pass this option to setup.py bdist_wheel after the command (legacy setup.py "
        "builds only). Repeatable. Write it with = (--build-option=--plat-name=x) when "
        "it starts with a dash.",
        BUILD,
        default=(),
        commands=("install", "wheel", "build"),
        metavar="OPTION",
        pip_shared=True,
    ),
    Option(
        "build-constraint",
        Kind.LIST,
        "Constrain the versions of build requirements (those installed into isolated "
        "build environments) with this constraints file. Repeatable. --constraint "
        "never applies to builds.",
        BUILD,
        default=(),
        commands=BUILDING,
        metavar="FILE",
    ),
    Option(
        "no-clean",
        Kind.FLAG,
        "Keep the build directories (unpacked sources, build environments) instead of "
        "removing them, and print where they are.",
        BUILD,
        default=False,
        commands=BUILDING,
        pip_shared=True,
    ),
    Option(
        "editable",
        Kind.LIST,
        "Install the local project in this directory in editable mode (PEP 660), so "
        "changes to its source take effect without reinstalling. Repeatable.",
        BUILD,
        default=(),
        commands=("install",),
        short="-e",
        metavar="PATH",
        sources=CLI_ONLY,
    ),
    Option(
        "wheel-dir",
        Kind.PATH,
        "Save the wheels inst wheel builds or downloads in this directory.",
        BUILD,
        commands=("wheel",),
        short="-w",
        metavar="DIR",
        default_doc="the current directory",
    ),
    Option(
        "outdir",
        Kind.PATH,
        "Write the sdist and wheel inst build makes into this directory.",
        BUILD,
        commands=("build",),
        short="-o",
        metavar="DIR",
        default_doc="dist/ in the project directory, as python -m build",
    ),
    # -- inst config -------------------------------------------------------------------
    Option(
        "config-user",
        Kind.FLAG,
        "Use the user configuration file.",
        CONFIG,
        default=False,
        commands=("config",),
        flag="--user",
        sources=CLI_ONLY,
    ),
    Option(
        "config-global",
        Kind.FLAG,
        "Use the global (system-wide) configuration file.",
        CONFIG,
        default=False,
        commands=("config",),
        flag="--global",
        sources=CLI_ONLY,
    ),
    Option(
        "config-site",
        Kind.FLAG,
        "Use the site configuration file, in the target environment's prefix.",
        CONFIG,
        default=False,
        commands=("config",),
        flag="--site",
        sources=CLI_ONLY,
    ),
)

OPTIONS_BY_NAME: dict[str, Option] = {option.name: option for option in OPTIONS}
OPTIONS_BY_ENV_VAR: dict[str, Option] = {
    option.env_var: option for option in OPTIONS if option.env_var is not None
}


def options_for(command: str | None) -> list[Option]:
    """The rows a command takes; ``None`` means the bare ``inst`` command line."""
    return [option for option in OPTIONS if option.applies_to(command)]
