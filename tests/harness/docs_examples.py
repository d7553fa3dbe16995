"""Runnable examples in docs/: find them, run them, compare them, rewrite them.

A console block is runnable when the line just before it is ``<!-- run -->``::

    <!-- run -->
    ```console
    $ inst install --dry-run flask
    Collecting flask
    ...
    ```

Each ``$ `` line is run by bash; the lines under it, up to the next ``$ `` line, are
what it printed (stdout and stderr together, as a terminal shows them). A line that is
only ``...`` stands for any number of lines, so a page may show the head and the tail
of a long output. The blocks of one page run in order in one :class:`Sandbox`, so a
later block sees what an earlier one did.

The sandbox is a fresh home directory (``~``, the current directory) with an activated
virtual environment ``~/.venv`` and no configuration, where ``inst`` is the program of
this checkout and pip's default index (which inst uses when none is configured) is the
docs index: real wheels (the docs' subset of the benchmark's pins, fetched by
``tools/fetch_bench_wheels.py --docs``, and ``tests_data/backend-wheels``) plus the
harness's sample projects, served over HTTP on 127.0.0.1. So a page shows exactly what a user of the public index sees, with the
index's address written as ``https://index.example.org/``.

:func:`displayed` turns what a command printed into what a page shows (the sandbox's
paths as ``~``, the index's address, the machine's Python); :func:`loose` then forgets
what may differ between runs and machines (version numbers, sizes, timings, the order
of parallel downloads), and :func:`matches` compares a page with a run.
``tools/update_docs_examples.py`` rewrites the blocks from a fresh run.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from harness.build_projects import make_helper_wheel
from harness.config_home import make_config_home
from harness.dists import DistFactory
from harness.index import SAMPLE_RELEASES, SAMPLE_YANK_REASON, LocalIndex, build_index
from harness.server import IndexServer
from harness.venvs import make_venv

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
DATA = ROOT / "tests_data"
MARKER = "<!-- run -->"
#: ``<!-- setup: COMMAND -->`` runs COMMAND in the sandbox, unseen, where it stands:
#: to put a project from tests_data ($DOCS_DATA) where the page's examples expect it.
SETUP = re.compile(r"^\s*<!-- setup: (.+) -->\s*$")
#: ``<!-- file: PATH -->`` before a fenced block writes the block's text to PATH, so the
#: file the page shows is the file its examples use.
FILE = re.compile(r"^\s*<!-- file: (\S+) -->\s*$")
ELLIPSIS = "..."
INDEX_DISPLAY = "https://index.example.org/"
_PY = f"{sys.version_info[0]}.{sys.version_info[1]}"
#: Seconds one command may take (a build with a real backend takes a few).
COMMAND_TIMEOUT = 180


@dataclass
class Command:
    line: str  # without the "$ "
    output: list[str] = field(default_factory=list)


@dataclass
class Block:
    first: int  # index of the ```console line in the page's lines
    last: int  # index of the closing ``` line
    commands: list[Command]
    indent: str = ""  # a block inside a list item is indented


def find_blocks(text: str) -> list[Block]:
    """The runnable console blocks of a page, in order."""
    lines = text.split("\n")
    blocks = []
    index = 0
    quoting = False  # inside a ```` fence, which shows Markdown as text
    while index < len(lines):
        if lines[index].strip().startswith("````"):
            quoting = not quoting
        elif quoting:
            pass
        elif lines[index].strip() == MARKER and index + 1 < len(lines):
            if lines[index + 1].strip() != "```console":
                raise ValueError(f"line {index + 1}: {MARKER} must precede ```console")
            first = index + 1
            last = first + 1
            while last < len(lines) and lines[last].strip() != "```":
                last += 1
            indent = lines[first][: len(lines[first]) - len(lines[first].lstrip())]
            body = [line.removeprefix(indent) for line in lines[first + 1 : last]]
            blocks.append(Block(first, last, _commands(body), indent))
            index = last
        index += 1
    return blocks


def _commands(lines: list[str]) -> list[Command]:
    commands: list[Command] = []
    continued = False
    for line in lines:
        if continued:
            commands[-1].line += "\n" + line
        elif line.startswith("$ "):
            commands.append(Command(line[2:]))
        elif not commands:
            raise ValueError(f"output before the first command: {line!r}")
        else:
            commands[-1].output.append(line)
        continued = bool(commands) and line.endswith("\\") and not commands[-1].output
    return commands


def pages() -> list[Path]:
    """The pages of docs/ with at least one runnable block."""
    return sorted(
        path
        for path in DOCS.rglob("*.md")
        if find_blocks(path.read_text(encoding="utf-8"))
    )


def _docs_wheel_names() -> list[str]:
    """The file names of the docs' pinned real wheels (tools/fetch_bench_wheels.py)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "docs_fetch_bench_wheels", ROOT / "tools" / "fetch_bench_wheels.py"
    )
    assert spec is not None and spec.loader is not None
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return [pin.filename for pin in tool.docs_pins()]


def _docs_wheels() -> tuple[list[Path], list[str]]:
    """The docs' real wheels found, and the names of those missing. Exactly the pinned
    files, so the index is the same whatever else tests_data/bench-wheels holds; the
    benchmark's folder serves them too, for a checkout that fetched all of it."""
    found, missing = [], []
    for name in _docs_wheel_names():
        for folder in ("docs-wheels", "bench-wheels"):
            if (DATA / folder / name).is_file():
                found.append(DATA / folder / name)
                break
        else:
            missing.append(name)
    return found, missing


def docs_index_dists(work: Path) -> list[Path]:
    """The files of the docs index: real wheels and the sample projects."""
    dists = _docs_wheels()[0] + sorted((DATA / "backend-wheels").glob("*.whl"))
    factory = DistFactory(DATA / "projects", work / "dists")
    for project, version in SAMPLE_RELEASES:
        dists += factory.both(project, version)
    # What tests_data/build-projects ask for besides the backends.
    helper = work / "helper"
    helper.mkdir(parents=True, exist_ok=True)
    dists.append(make_helper_wheel(helper))
    return dists


def unsupported_here() -> str:
    """Why the examples cannot run on this machine, or "" when they can."""
    import platform

    here = (
        sys.implementation.name,
        sys.version_info[:2],
        sys.platform,
        platform.machine(),
    )
    if here != ("cpython", (3, 11), "linux", "x86_64"):
        return "the docs index holds wheels for CPython 3.11 on Linux x86_64 only"
    return ""


def missing_index_data() -> str:
    """What the docs index lacks and the command that fetches it, or "" when complete.
    Missing data is an error, never a skip (as for the backend wheels)."""
    missing = _docs_wheels()[1]
    if missing:
        return (
            f"{len(missing)} wheels of the docs index are missing ({missing[0]}, ...):"
            " run python tools/fetch_bench_wheels.py --docs"
        )
    if not any((DATA / "backend-wheels").glob("*.whl")):
        return "tests_data/backend-wheels is empty: run python tools/fetch_backends.py"
    return ""


def build_docs_index(root: Path) -> LocalIndex:
    return build_index(
        root,
        docs_index_dists(root.parent / "docs-index-dists"),
        yanked={"another==1.1": SAMPLE_YANK_REASON},
    )


@contextmanager
def serving(index: LocalIndex) -> Iterator[IndexServer]:
    with IndexServer(index.root) as server:
        yield server


#: Stands in for pip's ``pip._internal.models.index`` in the sandbox, so that inst's
#: default index (pip's, read at run time) is the docs index.
_DEFAULT_INDEX_SHIM = """\
class PyPI:
    simple_url = {url!r}
"""

_INST = """\
#!/bin/sh
exec {python} -c "import sys; from inst.cli.main import main; sys.exit(main())" "$@"
"""


class Sandbox:
    """A fresh home with an activated ~/.venv, for one page's examples."""

    def __init__(self, root: Path, server: IndexServer) -> None:
        self.root = root
        self.server = server
        self.home = make_config_home(root)
        self.cwd = Path(self.home.env["HOME"])
        self.venv = make_venv(self.cwd / ".venv")
        # inst runs from a venv of its own, as if installed there from a clone in
        # ~/src/inst: its site config file is the sandbox's, not the test venv's.
        own = make_venv(self.cwd / "src" / "inst" / ".venv")
        (own.site_packages / "inst-checkout.pth").write_text(
            f"{ROOT / 'src'}\n{_site_packages()}\n"
        )
        bin_dir = root / "bin"
        bin_dir.mkdir()
        inst = bin_dir / "inst"
        inst.write_text(_INST.format(python=own.python))
        inst.chmod(0o755)
        # In inst's own site-packages, ahead of the .pth paths, so only inst sees it
        # and PYTHONPATH stays the user's (a page may set it, for a plug-in).
        shim = own.site_packages / "pip" / "_internal" / "models"
        shim.mkdir(parents=True)
        for package in (shim.parent.parent, shim.parent, shim):
            (package / "__init__.py").write_text("")
        (shim / "index.py").write_text(
            _DEFAULT_INDEX_SHIM.format(url=server.simple_url)
        )
        machine = (
            "REQUESTS_CA_BUNDLE",
            "CURL_CA_BUNDLE",
            "SSL_CERT_FILE",
            "SSL_CERT_DIR",
            "PYTHONPATH",
        )
        self.env = {
            **{
                key: value
                for key, value in self.home.env.items()
                if key not in machine and not key.lower().endswith("_proxy")
            },
            "PATH": os.pathsep.join(
                [str(bin_dir), str(self.venv.bin_dir), os.environ["PATH"]]
            ),
            "VIRTUAL_ENV": str(self.venv.root),
            # Where a user's files are: the sandbox's home.
            "XDG_CONFIG_HOME": str(self.cwd / ".config"),
            "XDG_CACHE_HOME": str(self.cwd / ".cache"),
            "COLUMNS": "100",
            "DOCS_DATA": str(DATA),
            "LC_ALL": "C.UTF-8",
        }

    def run(self, command: str) -> list[str]:
        """What the command printed, as a page shows it."""
        cd = re.fullmatch(r"cd\s+(\S+)", command.strip())
        if cd:
            target = (
                self.cwd / cd.group(1).replace("~", self.env["HOME"], 1)
            ).resolve()
            if not target.is_dir():
                return [f"bash: cd: {cd.group(1)}: No such file or directory"]
            self.cwd = target
            return []
        done = subprocess.run(
            ["bash", "-c", command],
            cwd=self.cwd,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )
        text = displayed(done.stdout, self)
        return text.split("\n") if text else []

    def write(self, name: str, text: str) -> None:
        path = self.cwd / name.replace("~", self.env["HOME"], 1)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def replacements(self) -> list[tuple[str, str]]:
        """Machine-specific text → what a page shows, longest first."""
        home = self.env["HOME"]
        pairs = [
            (self.env["XDG_CONFIG_HOME"], "~/.config"),
            (self.env["XDG_CACHE_HOME"], "~/.cache"),
            (self.env["XDG_CONFIG_DIRS"], "/etc/xdg"),
            (self.env["TMPDIR"], "/tmp"),
            (home, "~"),
            (self.server.url, INDEX_DISPLAY),
            (self.server.url.replace("127.0.0.1", "localhost"), INDEX_DISPLAY),
            (str(ROOT / "src"), "~/src/inst/src"),
            # inst's dependencies, as if installed beside it in ~/src/inst/.venv.
            (
                _site_packages(),
                f"~/src/inst/.venv/lib/python{_PY}/site-packages",
            ),
            (sys.base_prefix, "/usr"),
        ]
        return sorted(pairs, key=lambda pair: -len(pair[0]))


def _site_packages() -> str:
    """Where the packages inst needs are installed for the interpreter running this."""
    import requests

    return str(Path(requests.__file__).parent.parent)


def displayed(text: str, sandbox: Sandbox) -> str:
    for machine, shown in sandbox.replacements():
        text = text.replace(machine, shown)
    text = re.sub(r"/tmp/[\w.-]*?inst[\w.-]*", "/tmp/inst-XXXXXX", text)
    # mkdtemp's suffixes inside inst's work directory.
    text = re.sub(
        r"(/tmp/inst-XXXXXX/[\w./-]*?-)[a-z0-9_]{8}(?=/)", r"\1XXXXXXXX", text
    )
    return text.rstrip("\n")


#: What may differ between two runs or two machines.
_NUMBER = re.compile(r"\d+(?:\.\d+)*")
_RULE = re.compile(r"-{3,}")
_HEX = re.compile(r"\b[0-9a-f]{16,}\b")
_PARALLEL = ("Downloading ", "Using cached ", "Saved ", "Unpacking ")


def loose(lines: list[str]) -> list[str]:
    """What the suite compares: every number is forgotten (versions too), so a page
    passes on any machine and Python 3.11.x, whatever its venv module bundles; the
    strict comparison is :func:`exact`, for ``update_docs_examples.py --check``."""
    # Column rules (---) are as wide as the longest path, which the sandbox makes longer.
    # Hashes that name run-specific things (a build environment's key) differ too.
    out = [
        _RULE.sub("---", _NUMBER.sub("N", _HEX.sub("HEX", line.rstrip())))
        for line in lines
    ]
    return _sorted_parallel(out)


def _sorted_parallel(out: list[str]) -> list[str]:
    # Parallel downloads finish in any order (a cached file among them anywhere):
    # compare each run of such lines as a set.
    result: list[str] = []
    run: list[str] = []
    for line in out:
        if line.startswith(_PARALLEL):
            run.append(line)
            continue
        result += sorted(run)
        run = []
        result.append(line)
    return result + sorted(run)


#: What differs between runs on one machine: timings, sizes (a kB count rounds
#: differently as a build's files vary), run-specific hashes, and the machine's Python
#: (its patch version, and the pip and setuptools its venv module bundles).
_TIMING = re.compile(r"\b\d+(?:\.\d+)?\s?(?:ms|s|seconds?|minutes?)\b")
_SIZE = re.compile(r"\b\d+(?:\.\d+)?\s?(?:[kMG]i?B|bytes)\b")
_MACHINE_PYTHON = re.compile(r"\b(Python 3\.\d+)\.\d+\b")
_BUNDLED = re.compile(r"\b(pip|setuptools)([- ]+)\d+(?:\.\d+)+\b")


def exact(lines: list[str]) -> list[str]:
    """A run's lines with only what varies on one machine forgotten: unlike
    :func:`loose`, a version, a count or any other number must be what the page says."""
    out = []
    for line in lines:
        line = _HEX.sub("HEX", line.rstrip())
        line = _TIMING.sub("TIME", _SIZE.sub("SIZE", line))
        line = _MACHINE_PYTHON.sub(r"\1.N", line)
        line = _BUNDLED.sub(r"\1\2N", line)
        out.append(_RULE.sub("---", line))
    return _sorted_parallel(out)


def matches(page: list[str], actual: list[str], *, strict: bool = False) -> bool:
    """Whether a run's output fits the page's, ``...`` standing for any lines;
    compared as :func:`exact` does when strict, else as :func:`loose` does."""
    forget = exact if strict else loose
    expected = forget(page)
    got = forget(actual)

    def fit(i: int, j: int) -> bool:
        if i == len(expected):
            return j == len(got)
        if expected[i] == ELLIPSIS:
            return any(fit(i + 1, k) for k in range(j, len(got) + 1))
        return j < len(got) and expected[i] == got[j] and fit(i + 1, j + 1)

    return fit(0, 0)


def elided_like(page: list[str], actual: list[str]) -> list[str]:
    """A run's output shaped as the page's: its head and tail, if the page elides."""
    if ELLIPSIS not in page:
        return actual
    cut = page.index(ELLIPSIS)
    head = page[:cut]
    tail = page[len(page) - page[::-1].index(ELLIPSIS) :]
    if len(head) + len(tail) >= len(actual):
        return actual
    kept_head = actual[: len(head)]
    kept_tail = actual[len(actual) - len(tail) :]
    # Parallel lines come in any order, so a cut must not fall among them.
    while kept_head and kept_head[-1].startswith(_PARALLEL):
        kept_head.pop()
    while kept_tail and kept_tail[0].startswith(_PARALLEL):
        kept_tail.pop(0)
    return [*kept_head, ELLIPSIS, *kept_tail]


@dataclass
class Mismatch:
    page: Path
    command: str
    expected: list[str]
    actual: list[str]

    def __str__(self) -> str:
        return (
            f"{self.page.relative_to(ROOT)}: $ {self.command}\n"
            "--- the page shows\n" + "\n".join(self.expected) + "\n"
            "--- it printed\n" + "\n".join(self.actual)
        )


def run_page(
    path: Path, sandbox: Sandbox, *, strict: bool = False
) -> tuple[str, list[Mismatch]]:
    """Run a page's blocks: the page rewritten from the run, and what differed."""
    lines = path.read_text(encoding="utf-8").split("\n")
    mismatches = []
    replaced: dict[int, tuple[int, list[str]]] = {}
    done_to = 0
    for block in find_blocks("\n".join(lines)):
        for number in range(done_to, block.first):
            setup = SETUP.match(lines[number])
            if setup:
                sandbox.run(setup.group(1))
            written = FILE.match(lines[number])
            if written:
                sandbox.write(written.group(1), _fenced(lines, number + 1))
        done_to = block.last
        new_block = []
        for command in block.commands:
            actual = sandbox.run(command.line)
            if not matches(command.output, actual, strict=strict):
                mismatches.append(Mismatch(path, command.line, command.output, actual))
            # A page that still fits strictly is kept as it is (parallel lines in any
            # order, timings), so a rewrite changes only what did change.
            if matches(command.output, actual, strict=True):
                shown = command.output
            else:
                shown = elided_like(command.output, actual)
            new_block += ["$ " + command.line, *shown]
        indented = [block.indent + line if line else line for line in new_block]
        replaced[block.first] = (block.last, indented)
    out = []
    index = 0
    while index < len(lines):
        out.append(lines[index])
        if index in replaced:
            last, new_block = replaced[index]
            out += new_block
            index = last
            continue
        index += 1
    return "\n".join(out), mismatches


def _fenced(lines: list[str], start: int) -> str:
    """The text of the fenced block that opens at lines[start]."""
    if not lines[start].lstrip().startswith("```"):
        raise ValueError(
            f"line {start + 1}: a file: comment must precede a fenced block"
        )
    end = start + 1
    while lines[end].strip() != "```":
        end += 1
    return "\n".join(lines[start + 1 : end]) + "\n"


def sandbox_for(path: Path, work: Path, server: IndexServer) -> Sandbox:
    root = work / path.stem
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    return Sandbox(root, server)
