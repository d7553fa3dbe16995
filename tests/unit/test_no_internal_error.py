"""The no-internal-error guard: whatever a user types or an index serves, inst answers
with its output or one ``error:`` paragraph (exit 0 or 1), never "inst hit an internal
error".

Hypothesis throws generated input at the CLI, run in-process (``main(argv)`` with an
environment of our own and captured output, so hundreds of runs take seconds):

- requirement strings: PEP 508 and near misses, paths, URLs, ``name @ url``, long
  strings, odd unicode;
- every option of the table with values of its type (and not), on the command line
  before and after the command, as ``INST_*`` and ``PIP_*`` variables, in inst's TOML
  file and in pip's INI file;
- whole configuration files, valid and broken;
- requirements files (and a file they include);
- project pages of a file:// index, PEP 503 HTML and PEP 691 JSON, and find-links pages
  (and the page parsers alone, with many more examples);
- random command lines of the commands that change nothing outside the example.

Everything stays offline and inside temporary directories: a file:// index and a
find-links directory of our own, ``--dry-run``, a temporary cache and home, path values
relative to a scratch directory. The only host named is 127.0.0.1 port 9, which refuses
at once (with ``--retries 0``).

The profile is fixed (derandomized, no example database), so every run tries the same
examples. To hunt deeper: ``GUARD_MAX_EXAMPLES=2000 GUARD_RANDOM=1 pytest THIS_FILE``.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import tomlkit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness import build_index, make_wheel
from harness.config_home import make_config_home, patched_environ
from inst import ui
from inst.cli.main import main
from inst.errors import InstError
from inst.index.simple import MalformedPage, parse_html_page, parse_json_page
from inst.index.sources import parse_page
from inst.settings.layers import pip_env_names, pip_keys
from inst.settings.options import (
    GENERAL,
    OPTIONS,
    Kind,
    Option,
    Source,
)

pytestmark = pytest.mark.slow  # hundreds of generated runs per test

GUARD = settings(
    max_examples=int(os.environ.get("GUARD_MAX_EXAMPLES", "80")),
    derandomize=not os.environ.get("GUARD_RANDOM"),
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    print_blob=True,
)


def examples(share: float) -> settings:
    """The profile, with ``share`` times its number of examples."""
    return settings(GUARD, max_examples=max(10, int(GUARD.max_examples * share)))


# -- the world: an index, find-links, a home, all in one temporary directory ----------


class World:
    """The module's fixed surroundings. A plain class, so that hypothesis shows it in
    a failure by its short repr (a dataclass it would spell out, environment and all).
    """

    def __init__(
        self,
        root: Path,
        env: dict[str, str],
        index_url: str,
        find_links: str,
        wheel_url: str,  # a real wheel, with its .metadata file beside it
        cache: str,
    ) -> None:
        self.root = root
        self.env = env
        self.index_url = index_url
        self.find_links = find_links
        self.wheel_url = wheel_url
        self.cache = cache

    def __repr__(self) -> str:
        return f"World({self.root})"

    def offline(self, command: str) -> list[str]:
        """The command with the options that keep it offline and in temporary dirs."""
        fetch = ["-i", self.index_url, "--cache-dir", self.cache, "--retries", "0"]
        return {
            "install": ["install", "--dry-run", *fetch],
            "download": ["download", "-d", "saved", *fetch],
            "wheel": ["wheel", "-w", "saved", *fetch],
            "list": ["list", *fetch],
            "freeze": ["freeze"],
            "show": ["show"],
            "config": ["config", "debug"],
            "cache": ["cache", "dir", "--cache-dir", self.cache],
            "build-info": ["build-info", "--static"],
            # an empty scratch directory: no project, so nothing is built
            "build": ["build", "-o", "saved", *fetch],
        }[command]

    @staticmethod
    def positional(command: str) -> list[str]:
        return {
            "install": ["hello"],
            "download": ["hello"],
            "wheel": ["hello"],
            "show": ["hello"],
            "build-info": ["."],
            "build": ["."],
        }.get(command, [])


COMMANDS = (
    "install",
    "download",
    "wheel",
    "list",
    "freeze",
    "show",
    "config",
    "cache",
    "build-info",
    "build",
)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    root = tmp_path_factory.mktemp("guard")
    built = root / "built"
    wheels = [
        make_wheel(built, "hello", "1.0"),
        make_wheel(built, "hello", "2.0", requires=["dep>=1"]),
        make_wheel(built, "dep", "1.0", requires_python=">=3"),
    ]
    index = build_index(root / "index", wheels)
    home = make_config_home(root / "home")
    env = {
        key: value
        for key, value in home.env.items()
        if not key.lower().endswith("_proxy")  # 127.0.0.1 is asked directly
    }
    env["NO_COLOR"] = "1"
    (root / "runs").mkdir()
    wheel = index.find_links_dir / "hello-1.0-py3-none-any.whl"
    assert wheel.is_file()
    return World(
        root=root,
        env=env,
        index_url=index.file_url,
        find_links=str(index.find_links_dir),
        wheel_url=wheel.as_uri(),
        cache=str(root / "cache"),
    )


# -- running inst in-process ----------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    code: object
    out: str
    err: str


class _Stream(io.TextIOWrapper):
    """Standard output as a terminal-less UTF-8 stream: a text inst cannot encode
    fails here as it would for a user."""

    def __init__(self, errors: str) -> None:
        super().__init__(io.BytesIO(), encoding="utf-8", errors=errors)

    def text(self) -> str:
        self.flush()
        buffer = self.buffer
        assert isinstance(buffer, io.BytesIO)
        return buffer.getvalue().decode("utf-8", errors="replace")


@contextmanager
def scratch(world: World) -> Iterator[Path]:
    """A fresh working directory for one example."""
    path = Path(tempfile.mkdtemp(dir=world.root / "runs"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def run(
    world: World,
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str] | None = None,
) -> Outcome:
    out, err = _Stream("strict"), _Stream("backslashreplace")
    saved = (sys.stdout, sys.stderr, os.getcwd())
    # A home of the example's own: `inst config set` writes there, never into a file
    # a later example reads.
    home = {
        "HOME": str(cwd / "home"),
        "XDG_CONFIG_HOME": str(cwd / "home" / "config"),
        "XDG_CONFIG_DIRS": str(cwd / "home" / "etc"),
        "XDG_CACHE_HOME": str(cwd / "home" / "cache"),
    }
    try:
        with patched_environ({**world.env, **home, **(env or {})}):
            sys.stdout, sys.stderr = out, err
            os.chdir(cwd)
            try:
                code: object = main(list(argv))
            except SystemExit as exit:  # argparse's --help, read from a value like -h
                code = exit.code or 0
    finally:
        sys.stdout, sys.stderr = saved[0], saved[1]
        os.chdir(saved[2])
        ui.configure()
    return Outcome(code, out.text(), err.text())


def check(outcome: Outcome, argv: Sequence[str], **context: object) -> None:
    """The guard's one property: exit 0 or 1 and no internal error."""
    where = f"{_short(outcome.err)}\nargv={_short(repr(list(argv)))}" + "".join(
        f"\n{key}={_short(repr(value))}" for key, value in context.items()
    )
    assert "internal error" not in outcome.err, where
    assert outcome.code in (0, 1), f"exit {outcome.code!r}; {where}"


def _short(text: str) -> str:
    return text if len(text) < 1500 else text[:700] + " [...] " + text[-700:]


# -- strategies: text -----------------------------------------------------------------

#: Text as a command line or environment can carry: no NUL, and of the surrogates only
#: those that stand for the bytes of a name that is not UTF-8 (Python's surrogateescape
#: gives U+DC80 to U+DCFF; ODD has some).
ARGV_TEXT = st.text(
    alphabet=st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)),
    max_size=40,
)
ODD = st.sampled_from(
    [
        "",
        " ",
        "\t",
        "-",
        "--",
        "-h",
        "\udcff",  # a non-UTF-8 byte from argv
        "caf\udce9",
        "é",
        "ß",
        "İ",
        "\u202e",
        "💥",
        "\ufeff",
        "１",  # fullwidth digit
        "٣",  # Arabic-Indic digit
        "1_0",
        "0x10",
        "1e3",
        "-0",
        "+1",
        "nan",
        "inf",
        "9" * 5000,
        "a" * 300,
        "a/" * 200,
        "~",
        "~nosuchuser/x",
        "${HOME}",
        "%PATH%",
        "a\nb",
        "\r\n",
    ]
)
#: Text without a colon: never a URL with a host, so never the network.
NO_COLON = st.text(
    alphabet=st.characters(blacklist_characters="\x00:", blacklist_categories=("Cs",)),
    max_size=30,
)
SAFE_NAME = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9._ -]{0,20}", fullmatch=True).filter(
    lambda name: ".." not in name
)


def offline_urls(world: World) -> st.SearchStrategy[str]:
    return st.sampled_from(
        [
            world.index_url,
            world.index_url.rstrip("/"),
            world.wheel_url,
            world.wheel_url + "#sha256=" + "0" * 64,
            world.wheel_url + "#md5=abc",
            world.wheel_url + "#egg=hello",
            world.wheel_url + "#subdirectory=x",
            Path(world.find_links).as_uri(),
            "file:///nonexistent/simple",
            "file:///nonexistent/hello-1.0-py3-none-any.whl",
            "file://otherhost/x.whl",
            "file:",
            "file:.",
            "file:///",
            "file:///" + "a" * 300,
            "http://127.0.0.1:9/simple",
            "https://127.0.0.1:9/hello-1.0-py3-none-any.whl",
            "http://user:secret@127.0.0.1:9/x.tar.gz",
            "http://127.0.0.1:9/x.whl#sha256=" + "0" * 64,
            "http://[::1/",
            "http://127.0.0.1:99999/",
            "http://127.0.0.1:9/%zz",
            "git+https://127.0.0.1:9/repo.git",
            "hg+ssh://x/y",
            "ftp://127.0.0.1:9/x.zip",
            "mailto:x",
            "data:,x",
            "C:\\path\\x.whl",
            "\\\\server\\share\\x.whl",
            "//127.0.0.1:9/x.whl",
        ]
    )


# -- strategies: requirement strings ----------------------------------------------------

NAMES = st.sampled_from(
    ["hello", "Hello", "HELLO", "hello_", "dep", "missing", "a", "a-b.c_d", "x" * 300]
)
IDENTIFIER = st.from_regex(
    r"[A-Za-z0-9]([A-Za-z0-9._-]{0,20}[A-Za-z0-9])?", fullmatch=True
)
NAME = st.one_of(NAMES, IDENTIFIER)
VERSION = st.one_of(
    st.sampled_from(
        [
            "1.0",
            "2",
            "1.0.post1",
            "1!2.0",
            "1.0a1",
            "1.*",
            "2010i",
            "",
            "1.0+local",
            "0",
            "01",
        ]
    ),
    st.from_regex(r"[0-9a-z.*+!_-]{0,12}", fullmatch=True),
)
OPERATOR = st.sampled_from(
    ["==", "!=", "<=", ">=", "<", ">", "~=", "===", "=", "=>", ""]
)
SPECIFIER = st.lists(st.builds(str.__add__, OPERATOR, VERSION), max_size=3).map(
    ",".join
)
EXTRAS = st.one_of(
    st.lists(NAME, max_size=3).map(lambda xs: f"[{','.join(xs)}]" if xs else ""),
    st.sampled_from(["[", "[]", "[a", "[a,]", "[ a , b ]", "[a]b"]),
)
MARKER = st.sampled_from(
    [
        "",
        "; python_version >= '3'",
        ";python_version<'2'",
        '; os_name == "nt"',
        "; extra == 'x'",
        "; python_version",
        "; bogus == '1'",
        "; platform_release >= '5'",
        "; python_full_version < '3.0.0.dev0'",
        "; python_version >= 'abc'",
        ";",
        "; (",
        "; python_version >= '3' and",
        "; 'a' in 'abc'",
        "; implementation_name == \"cpython\" or python_version > '9'",
    ]
)
PATHS = st.one_of(
    st.sampled_from(
        [
            "./",
            ".",
            "..",
            "~",
            "~/x",
            "/",
            "./x.whl",
            "x.whl",
            "x.tar.gz",
            "x.zip",
            "x.tar.xz",
            "dir/",
            "./missing[extra]",
            "hello-1.0-py3-none-any.whl",
            "hello-1.0-py3-none-any.whl[extra]",
            "./hello-1.0.tar.gz; python_version > '3'",
            "requirements.txt",
            "./req.txt",
            "/dev/null",
            "/dev/zero",
            "/proc/self",
            "./" + "p" * 300,
            "q" * 300 + ".whl",
            "/" + "r" * 5000,
        ]
    ),
    SAFE_NAME.map(lambda name: "./" + name),
)


def requirement_strings(world: World) -> st.SearchStrategy[str]:
    urls = offline_urls(world)
    pep508 = st.builds(lambda *parts: "".join(parts), NAME, EXTRAS, SPECIFIER, MARKER)
    direct = st.builds(
        lambda name, extras, url, marker: f"{name}{extras} @ {url}{marker}",
        NAME,
        EXTRAS,
        urls,
        MARKER,
    )
    spaced = st.builds(lambda url, marker: f"{url} {marker}", urls, MARKER)
    return st.one_of(
        pep508,
        direct,
        urls,
        spaced,
        PATHS,
        ODD,
        ARGV_TEXT,
        st.text(alphabet="a-_.=<>~!@[];, '\"", max_size=30),
        st.text(alphabet="ab", min_size=200, max_size=2000),
    )


# -- strategies: option values ----------------------------------------------------------


#: What the user could type for a value, per option (a strategy of strings).
def string_values(option: Option, world: World) -> st.SearchStrategy[str]:
    text = st.one_of(NO_COLON, ODD, SAFE_NAME)
    if option.kind is Kind.CHOICE:
        return st.one_of(st.sampled_from(option.choices), text)
    if option.kind in (Kind.INT, Kind.FLOAT, Kind.COUNT):
        numbers = st.one_of(
            st.integers(-10, 10**12).map(str),
            st.floats(allow_nan=True, allow_infinity=True).map(repr),
            st.sampled_from(["0", "1", "0.001", "1e-300", "1000000000", "2.5"]),
        )
        return st.one_of(numbers, text)
    if option.kind is Kind.FLAG:
        words = ["1", "true", "yes", "on", "0", "false", "no", "off", "TRUE", "2"]
        return st.one_of(st.sampled_from(words), text)
    if option.name in ("index-url", "extra-index-url", "find-links", "proxy"):
        return st.one_of(offline_urls(world), text)
    if option.name == "python":
        return st.one_of(
            st.sampled_from([sys.executable, os.devnull, str(world.root), "."]),
            SAFE_NAME,
        )
    if option.name in ("requirement", "constraint", "build-constraint", "config-file"):
        return st.one_of(
            st.sampled_from(["/dev/null", "/dev/zero", "/dev/urandom"]), SAFE_NAME, ODD
        )
    if option.name in ("cert", "client-cert"):
        return st.one_of(st.sampled_from(["/dev/null", "."]), SAFE_NAME)
    if option.kind is Kind.PATH or option.kind is Kind.LIST:
        # Paths that write (cache, -d, --report, --target) stay in the scratch dir.
        return st.one_of(SAFE_NAME, st.sampled_from(["-", ".", "a/b", "a" * 300]))
    return text


@dataclass(frozen=True)
class Placed:
    """An option with a value, put somewhere inst reads options from."""

    argv_before: list[str]
    argv_after: list[str]
    env: dict[str, str]
    toml: dict[str, dict[str, Any]]
    ini: dict[str, dict[str, str]]


TOML_SCALARS = st.one_of(
    st.text(max_size=20),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(),
    st.booleans(),
    st.datetimes(),
    st.dates(),
)
TOML_VALUES = st.recursive(
    TOML_SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.text(min_size=1, max_size=5), inner, max_size=2),
    ),
    max_leaves=5,
)


@st.composite
def placed_options(draw: st.DrawFn, world: World, command: str) -> Placed:
    option = draw(st.sampled_from([o for o in OPTIONS if o.applies_to(command)]))
    value = draw(string_values(option, world))
    places = ["after"]
    if option.group == GENERAL:
        places.append("before")
    if option.env_var:
        places.append("env")
    if Source.FILE in option.sources:
        places.append("toml")
    if option.pip_shared:
        places += ["pip-env", "pip-ini"]
    place = draw(st.sampled_from(places))
    if place in ("before", "after"):
        if option.kind is Kind.FLAG:
            flags = [option.long_flag] + (
                [f"--no-{option.name}"] if option.negatable else []
            )
            argv = [draw(st.sampled_from(flags))]
        elif option.kind is Kind.COUNT:
            argv = [option.short or option.long_flag] * draw(st.integers(1, 4))
        else:
            style = draw(st.sampled_from(["separate", "equals", "short"]))
            if style == "equals":
                argv = [f"{option.long_flag}={value}"]
            elif style == "short" and option.short:
                argv = [option.short + value]
            else:
                argv = [option.long_flag, value]
        if place == "before":
            return Placed(argv, [], {}, {}, {})
        return Placed([], argv, {}, {}, {})
    if place == "env":
        assert option.env_var is not None
        return Placed([], [], {option.env_var: value}, {}, {})
    if place == "pip-env":
        return Placed(
            [], [], {draw(st.sampled_from(pip_env_names(option))): value}, {}, {}
        )
    table = draw(st.sampled_from(["global", command]))
    if place == "pip-ini":
        key = draw(st.sampled_from(pip_keys(option)))
        return Placed([], [], {}, {}, {table: {key: value}})
    raw: Any = draw(st.one_of(st.just(value), TOML_VALUES))
    key = draw(
        st.sampled_from(
            [option.name, option.name.replace("-", "_"), option.name.upper()]
        )
    )
    return Placed([], [], {}, {table: {key: raw}}, {})


def write_toml(path: Path, tables: Mapping[str, Mapping[str, Any]]) -> None:
    path.write_text(tomlkit.dumps(tables), encoding="utf-8")


def write_ini(path: Path, tables: Mapping[str, Mapping[str, str]]) -> None:
    lines = []
    for table, values in tables.items():
        lines.append(f"[{table}]")
        lines += [f"{key} = {value}" for key, value in values.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogatepass")


def config_env(
    cwd: Path, toml: Mapping[str, Any], ini: Mapping[str, Any]
) -> dict[str, str]:
    """Write the files and the variables that make inst read them."""
    env = {}
    if toml:
        write_toml(cwd / "inst.toml", toml)
        env["INST_CONFIG_FILE"] = str(cwd / "inst.toml")
    if ini:
        write_ini(cwd / "pip.conf", ini)
        env["PIP_CONFIG_FILE"] = str(cwd / "pip.conf")
    return env


# -- the properties -----------------------------------------------------------------


@examples(4)
@given(data=st.data())
def test_requirement_strings(world: World, data: st.DataObject) -> None:
    requirements = data.draw(
        st.lists(requirement_strings(world), min_size=1, max_size=3)
    )
    extra = data.draw(
        st.sampled_from(
            [
                [],
                ["-f", world.find_links, "--no-index"],
                ["-e", "./x"],
                ["-c", "/dev/null"],
            ]
        )
    )
    command = data.draw(st.sampled_from(["install", "install", "download", "wheel"]))
    how = data.draw(st.sampled_from(["positional", "editable", "constraint"]))
    if how == "editable":
        requirements = ["-e", *requirements]
    elif how == "constraint":
        extra += ["-c", "constraints.txt"]
    argv = [*world.offline(command), *extra, *requirements]
    with scratch(world) as cwd:
        if how == "constraint":
            text = "\n".join(requirements)
            (cwd / "constraints.txt").write_text(text, errors="surrogatepass")
            argv.append("hello")
        check(run(world, argv, cwd=cwd), argv)


@examples(8)
@given(data=st.data())
def test_option_values(world: World, data: st.DataObject) -> None:
    command = data.draw(st.sampled_from(COMMANDS))
    placed = [
        data.draw(placed_options(world, command))
        for _ in range(data.draw(st.integers(1, 3)))
    ]
    before = [token for p in placed for token in p.argv_before]
    after = [token for p in placed for token in p.argv_after]
    env: dict[str, str] = {}
    toml: dict[str, dict[str, Any]] = {}
    ini: dict[str, dict[str, str]] = {}
    for p in placed:
        env.update(p.env)
        for table, values in p.toml.items():
            toml.setdefault(table, {}).update(values)
        for table, values in p.ini.items():
            ini.setdefault(table, {}).update(values)
    if data.draw(st.integers(0, 9)) == 0:  # a variable inst does not know
        name = data.draw(st.from_regex(r"INST_[A-Z0-9_]{0,20}", fullmatch=True))
        env[name] = data.draw(ODD)
    base = world.offline(command)
    argv = [*before, *base, *after, *world.positional(command)]
    with scratch(world) as cwd:
        try:
            env.update(config_env(cwd, toml, ini))
        except (ValueError, UnicodeEncodeError):
            return  # tomlkit cannot write it (a key it refuses): not inst's input
        check(run(world, argv, cwd=cwd, env=env), argv, env=env, toml=toml, ini=ini)


# -- config files ---------------------------------------------------------------------

TABLES = st.sampled_from(
    [
        "global",
        "install",
        "download",
        "wheel",
        "list",
        "freeze",
        "config",
        "help",
        "bogus",
        "Install",
        "install.x",
    ]
)
KEYS = st.one_of(
    st.sampled_from(
        [o.name for o in OPTIONS] + [o.name.replace("-", "_") for o in OPTIONS]
    ),
    st.text(min_size=1, max_size=10),
)


@st.composite
def toml_documents(draw: st.DrawFn) -> str:
    tables = draw(
        st.dictionaries(
            TABLES,
            st.dictionaries(
                KEYS, st.one_of(TOML_VALUES, st.text(max_size=10)), max_size=4
            ),
            max_size=3,
        )
    )
    try:
        text = tomlkit.dumps(tables)
    except Exception:  # noqa: BLE001 - tomlkit refuses some keys: write garbage instead
        text = ""
    mutate = draw(st.sampled_from(["keep", "cut", "insert", "top-level", "garbage"]))
    if mutate == "cut" and text:
        text = text[: draw(st.integers(0, len(text)))]
    elif mutate == "insert":
        at = draw(st.integers(0, len(text)))
        text = (
            text[:at]
            + draw(
                st.sampled_from(
                    ["[", "]", "=", '"', "\n[[x]]\n", "\\", "\x00", "\ufeff"]
                )
            )
            + text[at:]
        )
    elif mutate == "top-level":
        text = (
            draw(st.sampled_from(["timeout = 3\n", 'x = [1, "a"]\n', "cert = 1\n"]))
            + text
        )
    elif mutate == "garbage":
        text = draw(st.text(max_size=80))
    return text


@st.composite
def ini_documents(draw: st.DrawFn) -> str:
    lines = []
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(
            st.sampled_from(["section", "pair", "continuation", "comment", "garbage"])
        )
        if kind == "section":
            lines.append(f"[{draw(st.one_of(TABLES, st.text(max_size=8)))}]")
        elif kind == "pair":
            separator = draw(st.sampled_from([" = ", "=", ": ", " "]))
            lines.append(f"{draw(KEYS)}{separator}{draw(st.text(max_size=20))}")
        elif kind == "continuation":
            lines.append("    " + draw(st.text(max_size=10)))
        elif kind == "comment":
            lines.append(draw(st.sampled_from(["# c", "; c", "%(x)s"])))
        else:
            lines.append(draw(st.text(max_size=20)))
    return "\n".join(lines)


@examples(3)
@given(
    toml=st.one_of(st.none(), toml_documents()),
    ini=st.one_of(st.none(), ini_documents()),
    argv_choice=st.sampled_from(
        [
            "config-debug",
            "config-list",
            "config-get",
            "config-set",
            "config-unset",
            "config-any",
            "install",
            "freeze",
        ]
    ),
    key=st.builds(
        lambda table, key: f"{table}.{key}" if table else key,
        st.one_of(st.just(""), TABLES, ODD),
        st.one_of(KEYS, ODD),
    ),
    value=st.one_of(ODD, NO_COLON, st.sampled_from(["1", "true", "a b", "[1]"])),
)
def test_config_files(
    world: World,
    toml: str | None,
    ini: str | None,
    argv_choice: str,
    key: str,
    value: str,
) -> None:
    action = ["get", "set", "unset"][len(key) % 3]
    argv = {
        "config-debug": ["config", "debug", "install"],
        "config-list": ["config", "list"],
        "config-get": ["config", "get", "global.timeout"],
        "config-set": ["config", "set", "global.timeout", "7"],
        "config-unset": ["config", "unset", "install.timeout"],
        "config-any": ["config", action, key] + ([value] if action == "set" else []),
        "install": [*world.offline("install"), "hello"],
        "freeze": ["freeze"],
    }[argv_choice]
    with scratch(world) as cwd:
        env = {}
        if toml is not None:
            (cwd / "inst.toml").write_text(
                toml, encoding="utf-8", errors="surrogatepass"
            )
            env["INST_CONFIG_FILE"] = str(cwd / "inst.toml")
        if ini is not None:
            (cwd / "pip.conf").write_text(ini, encoding="utf-8", errors="surrogatepass")
            env["PIP_CONFIG_FILE"] = str(cwd / "pip.conf")
        check(run(world, argv, cwd=cwd, env=env), argv, toml=toml, ini=ini)


# -- requirements files ---------------------------------------------------------------


def requirement_file_lines(world: World) -> st.SearchStrategy[str]:
    urls = offline_urls(world)
    value = st.one_of(urls, SAFE_NAME, ODD)
    option_lines = st.one_of(
        st.builds(
            lambda o, v: f"{o} {v}",
            st.sampled_from(
                [
                    "-i",
                    "--index-url",
                    "--extra-index-url",
                    "-f",
                    "--find-links",
                    "--only-binary",
                    "--no-binary",
                    "--trusted-host",
                    "-r",
                    "-c",
                    "--requirement",
                    "-e",
                    "--editable",
                    "-C",
                    "--config-settings",
                    "--global-option",
                    "--build-option",
                    "--hash",
                    "-Z",
                    "--bogus",
                ]
            ),
            value,
        ),
        st.builds(
            lambda o, v: f"{o}={v}",
            st.sampled_from(["--index-url", "--hash", "--only-binary", "-r"]),
            value,
        ),
        st.sampled_from(
            [
                "--no-index",
                "--pre",
                "--prefer-binary",
                "--require-hashes",
                "-r other.txt",
                "-c other.txt",
                "-r req.txt",
                "-rother.txt",
                "-r /dev/zero",
                "-c",
                "-r",
                "--hash",
                "'unclosed",
                '"',
            ]
        ),
    )
    with_options = st.builds(
        lambda requirement, options: f"{requirement} {options}",
        requirement_strings(world),
        st.sampled_from(
            [
                "--hash=sha256:" + "a" * 64,
                "--hash sha256:" + "b" * 64,
                "--hash=md5:00",
                "--hash=sha256:xyz",
                "-C k=v",
                "-C",
                "--global-option=--x",
                "--pre",
                "--hash",
            ]
        ),
    )
    return st.one_of(
        requirement_strings(world),
        option_lines,
        with_options,
        st.sampled_from(
            [
                "",
                "# comment",
                "  # indented",
                "hello \\",
                "\\",
                "${HOME}",
                "${NOT_SET}",
                "hello#egg",
                "\r",
                "\x0c",
            ]
        ),
        st.text(max_size=40),
    )


@st.composite
def requirement_files(draw: st.DrawFn, world: World) -> bytes:
    lines = draw(st.lists(requirement_file_lines(world), max_size=6))
    text = draw(st.sampled_from(["\n", "\r\n", "\\\n"])).join(lines)
    encoding = draw(
        st.sampled_from(
            ["utf-8", "utf-8-sig", "utf-16", "latin-1", "declared", "bytes"]
        )
    )
    if encoding == "bytes":
        return draw(st.binary(max_size=200))
    if encoding == "declared":
        codec = draw(
            st.sampled_from(
                [
                    "latin-1",
                    "utf-8",
                    "idna",
                    "rot13",
                    "bogus",
                    "utf-16",
                    "punycode",
                    "cp1252",
                ]
            )
        )
        text = f"# -*- coding: {codec} -*-\n" + text
        encoding = "utf-8"
    return text.encode(
        encoding, errors="surrogatepass" if encoding == "utf-8" else "replace"
    )


@examples(4)
@given(data=st.data())
def test_requirements_files(world: World, data: st.DataObject) -> None:
    content = data.draw(requirement_files(world))
    other = data.draw(st.one_of(st.none(), requirement_files(world)))
    option = data.draw(st.sampled_from(["-r", "-c"]))
    argv = [*world.offline("install"), option, "req.txt"]
    if option == "-c":
        argv.append("hello")
    with scratch(world) as cwd:
        (cwd / "req.txt").write_bytes(content)
        if other is not None:
            (cwd / "other.txt").write_bytes(other)
        check(run(world, argv, cwd=cwd), argv, content=content, other=other)


# -- index pages ----------------------------------------------------------------------


def hrefs(world: World) -> st.SearchStrategy[str]:
    filenames = st.builds(
        lambda name, version, tail: f"{name}-{version}{tail}",
        st.sampled_from(["hello", "Hello", "hello_world", "dep", "other"]),
        VERSION,
        st.sampled_from(
            [
                "-py3-none-any.whl",
                ".tar.gz",
                ".zip",
                "-py2-none-any.whl",
                "-1-py3-none-any.whl",
                "-cp99-cp99-linux_x86_64.whl",
                ".whl",
                ".tar.xz",
                ".exe",
                "",
            ]
        ),
    )
    fragment = st.sampled_from(
        [
            "",
            "#sha256=" + "0" * 64,
            "#sha256=zz",
            "#md5=00",
            "#egg=hello",
            "#",
            "#sha512=",
        ]
    )
    return st.one_of(
        offline_urls(world),
        st.builds(str.__add__, filenames, fragment),
        st.builds(lambda f: "../../files/" + f, filenames),
        st.sampled_from(
            [
                "",
                "#",
                "?x=1",
                "javascript:alert(1)",
                "../../files/hello-1.0-py3-none-any.whl",
                "/" * 3,
                "%",
                "%%%",
                "hello-1.0-py3-none-any.whl\x00",
            ]
        ),
        ARGV_TEXT,
    )


ATTRIBUTES = st.dictionaries(
    st.sampled_from(
        [
            "data-requires-python",
            "data-yanked",
            "data-core-metadata",
            "data-dist-info-metadata",
            "data-gpg-sig",
            "rel",
            "HREF",
        ]
    ),
    st.one_of(
        st.none(),
        st.sampled_from(
            [
                ">=3",
                ">=3&lt;4",
                "&gt;=3.8",
                ">=2.7,!=3.0.*",
                "",
                "junk",
                "true",
                "false",
                "sha256=" + "0" * 64,
                "sha256=",
                "=",
                "md5=0",
                "reason",
            ]
        ),
        st.text(max_size=12),
    ),
    max_size=3,
)


@st.composite
def html_pages(draw: st.DrawFn, world: World) -> str:
    parts = []
    if draw(st.booleans()):
        version = draw(st.sampled_from(["1.0", "1.1", "2.0", "x", "", "1"]))
        parts.append(f'<meta name="pypi:repository-version" content="{version}">')
    if draw(st.booleans()):
        parts.append(f'<base href="{draw(hrefs(world))}">')
    for _ in range(draw(st.integers(0, 5))):
        attributes = draw(ATTRIBUTES)
        rendered = "".join(
            f" {key}" if value is None else f' {key}="{value}"'
            for key, value in attributes.items()
        )
        href = draw(hrefs(world))
        quote = draw(st.sampled_from(['"', "'", ""]))
        parts.append(
            f"<a href={quote}{href}{quote}{rendered}>{draw(st.text(max_size=8))}</a>"
        )
    if draw(st.booleans()):
        parts.append(
            draw(
                st.sampled_from(
                    [
                        "<a",
                        "<!--",
                        "</a>",
                        "<![CDATA[",
                        "&#xFFFFFFFF;",
                        "&#0;",
                        "<a href>",
                        "<a href=''>",
                        "<script>",
                    ]
                )
            )
        )
    return "<html><body>" + "\n".join(parts)


JSON_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False),
        st.text(max_size=10),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.text(max_size=5), inner, max_size=3),
    ),
    max_leaves=6,
)


@st.composite
def json_pages(draw: st.DrawFn, world: World) -> bytes:
    def maybe(value: st.SearchStrategy[Any]) -> Any:
        return draw(st.one_of(value, JSON_VALUES))

    files = []
    for _ in range(draw(st.integers(0, 4))):
        href = draw(hrefs(world))
        entry = {
            "filename": maybe(st.just(href.rsplit("/", 1)[-1].split("#")[0])),
            "url": maybe(st.just(href)),
            "hashes": maybe(
                st.dictionaries(
                    st.sampled_from(["sha256", "md5", "SHA256", "blake2b"]),
                    st.sampled_from(["0" * 64, "", "zz"]),
                    max_size=2,
                )
            ),
            "requires-python": maybe(st.sampled_from([">=3", "junk", "", None])),
            "yanked": maybe(st.sampled_from([True, False, "reason", ""])),
            "core-metadata": maybe(
                st.sampled_from([True, False, {"sha256": "0" * 64}, {}])
            ),
            "dist-info-metadata": maybe(st.booleans()),
            "size": maybe(st.integers(-1, 10**20)),
        }
        keep = draw(st.sets(st.sampled_from(sorted(entry)), max_size=len(entry)))
        files.append(
            {
                key: value
                for key, value in entry.items()
                if key not in keep or key in ("filename", "url")
            }
        )
    page: Any = {
        "meta": maybe(
            st.fixed_dictionaries(
                {
                    "api-version": st.sampled_from(
                        ["1.0", "1.1", "1", "2.0", "x", 1, None]
                    )
                }
            )
        ),
        "name": "hello",
        "files": files if draw(st.booleans()) else maybe(st.just(files)),
    }
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=40))
    return json.dumps(page).encode()


@examples(4)
@given(data=st.data())
def test_index_pages(world: World, data: st.DataObject) -> None:
    kind = data.draw(st.sampled_from(["html", "json", "find-links"]))
    page = data.draw(
        json_pages(world)
        if kind == "json"
        else html_pages(world).map(lambda t: t.encode("utf-8", errors="surrogatepass"))
    )
    with scratch(world) as cwd:
        if kind == "find-links":
            (cwd / "links.html").write_bytes(page)
            argv = [
                *world.offline("install"),
                "--no-index",
                "-f",
                "links.html",
                "hello",
            ]
        else:
            project = cwd / "index" / "hello"
            project.mkdir(parents=True)
            (project / f"index.{kind}").write_bytes(page)
            argv = [
                "install",
                "--dry-run",
                "-i",
                (cwd / "index").as_uri(),
                "--cache-dir",
                world.cache,
                "--retries",
                "0",
                "hello",
            ]
        check(run(world, argv, cwd=cwd), argv, page=page)


# -- the page parsers alone: many more examples, no CLI ---------------------------------


HTML_BITS = st.sampled_from(
    [
        "<a href='hello-1.0-py3-none-any.whl'>",
        '<a href="hello-1.0.tar.gz#sha256=00" data-yanked>',
        '<a data-requires-python="&gt;=3" href=x.whl>',
        '<base href="../">',
        '<base href="http://[::1/">',
        '<meta name="pypi:repository-version" content="1.0">',
        '<meta name="pypi:repository-version" content="99">',
        "<a href='%'>",
        "<a href='//'>",
        "</a>",
        "<!--",
        "<![CDATA[",
        "&#xFFFFFFFF;",
        "&#0;",
        "<",
        "\udcff",
    ]
)


@examples(10)
@given(
    text=st.one_of(
        st.text(), st.lists(st.one_of(HTML_BITS, st.text(max_size=5))).map("".join)
    ),
    url=st.sampled_from(
        [
            "https://x.invalid/simple/hello/",
            "file:///tmp/simple/hello/index.html",
            "",
            "%",
            "http://[::1/",
        ]
    ),
)
def test_html_parser_raises_only_malformed_page(text: str, url: str) -> None:
    try:
        parse_html_page(text, url, "test")
    except MalformedPage:
        pass


@examples(10)
@given(
    data=st.one_of(
        st.binary(max_size=60),
        HTML_BITS.map(lambda t: t.encode("utf-8", "surrogatepass")),
    ),
    content_type=st.one_of(
        st.sampled_from(
            [
                "",
                "text/html",
                "text/html; charset=utf-8",
                "text/html; charset=bogus",
                "text/html; charset=utf-16",
                'text/html; charset="latin-1"',
                "text/html; charset=",
                "application/vnd.pypi.simple.v1+json",
                "application/vnd.pypi.simple.latest+json",
                "application/vnd.pypi.simple.v2+json",
                "application/json; charset=ascii",
                "text/plain",
            ]
        ),
        st.text(max_size=30),
    ),
)
def test_page_dispatch_raises_only_inst_errors(data: bytes, content_type: str) -> None:
    """What a server says a page is (Content-Type, charset) picks the parser."""
    try:
        parse_page(data, content_type, "https://x.invalid/simple/hello/", "test")
    except InstError:
        pass


@examples(10)
@given(
    data=st.one_of(
        st.binary(max_size=100),
        JSON_VALUES.map(
            lambda v: json.dumps({"meta": {"api-version": "1.0"}, "files": v}).encode()
        ),
    )
)
def test_json_parser_raises_only_malformed_page(data: bytes) -> None:
    try:
        parse_json_page(data, "https://x.invalid/simple/hello/", "test")
    except MalformedPage:
        pass


# -- whole command lines: the parser, general options before the command ---------------

#: Commands a random command line may reach: none of them installs, removes or
#: fetches into a place outside the example's directory (install, uninstall, download
#: and wheel get structured tests above).
FUZZ_WORDS = [
    "config",
    "list",
    "freeze",
    "show",
    "help",
    "cache",
    "build-info",
    "debug",
    "get",
    "set",
    "unset",
    "dir",
    "info",
    "purge",
    "remove",
    "global.timeout",
    "install.index-url",
    "wheel.x",
    "hello",
    "frob",
    "instal",
    "--",
    "--version",
    "--help",
    "--bogus",
    "-vq",
    "-qqq",
    "-vvv",
    "--json",
    "--static",
    "--format=json",
    "--outdated",
    "--python=.",
    "--timeout=",
    "-i",
]
FUZZ_SPELLINGS = sorted(
    {flag for option in OPTIONS for flag in (option.short, option.long_flag) if flag}
    | {f"--no-{option.name}" for option in OPTIONS if option.negatable}
    # --site writes the running interpreter's site file
    - {"--site"}
)


@examples(4)
@given(data=st.data())
def test_command_lines(world: World, data: st.DataObject) -> None:
    token = st.one_of(
        st.sampled_from(FUZZ_SPELLINGS),
        st.sampled_from(FUZZ_WORDS),
        ODD,
        SAFE_NAME,
        st.sampled_from([world.index_url, world.find_links, "file:///nonexistent"]),
    )
    argv = data.draw(st.lists(token, max_size=8))
    with scratch(world) as cwd:
        # Whatever the command line does, the index is the world's (even --isolated
        # reads the global file): `list --outdated` never reaches the default index.
        global_file = cwd / "home" / "etc" / "inst" / "inst.toml"
        global_file.parent.mkdir(parents=True)
        write_toml(global_file, {"global": {"index-url": world.index_url}})
        check(run(world, argv, cwd=cwd), argv)
