"""The layer rules of docs/architecture.md, checked on every import in src/inst.

Each top-level module or package of ``inst`` (a "unit": ``cli``, ``build``,
``fileio``, ...) sits in one layer. A unit may import units of the layers below it,
never of a layer above. In an *independent* layer the units do not import each other
either: that is what keeps build and install apart (build gets a Provisioner from its
caller instead of importing the installer). Every import counts: module level,
inside functions, and under ``TYPE_CHECKING`` (a type-only import upward still ties
the layers together).

An import that breaks a rule and has to stay for now goes into ``ALLOWED``, with the
reason and the issue that removes it; any other one fails the suite.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGE = SRC / "inst"


@dataclass(frozen=True)
class Layer:
    name: str
    units: frozenset[str]
    independent: bool  # its units may not import each other


def _layer(name: str, units: str, *, independent: bool) -> Layer:
    return Layer(name, frozenset(units.split()), independent)


#: Top first. A new top-level module or package must be given a layer here.
LAYERS = (
    _layer("entry", "__main__ cli", independent=False),
    # The wiring of a run (its session) and the one path from a resolution to wheels.
    _layer("session", "session prepare", independent=False),
    _layer("stages", "resolution build install inspect", independent=True),
    _layer("sources", "index download requirements wheel pylock", independent=True),
    _layer(
        "models",
        "environment settings models core_metadata cache cache_layout locking _probe",
        independent=False,
    ),
    _layer(
        "primitives",
        "fileio hashing fileurls interrupts errors ui _records __init__",
        independent=False,
    ),
)

#: (importing unit, imported unit) pairs that break a rule and stay for now, each with
#: why and which issue removes it. Empty: keep it that way.
ALLOWED: frozenset[tuple[str, str]] = frozenset()


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _is_module(dotted: str) -> bool:
    relative = Path(*dotted.split("."))
    return (SRC / relative).is_dir() or (SRC / relative).with_suffix(".py").is_file()


def imported_modules(path: Path) -> Iterator[tuple[int, str]]:
    """(line, dotted name) of each inst module the file imports, wherever it does."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            for alias in node.names:
                full = f"{module}.{alias.name}"
                # "from inst import ui" imports the module inst.ui; "from inst.x
                # import Thing" imports inst.x.
                yield node.lineno, full if _is_module(full) else module


def unit_of(dotted: str) -> str | None:
    """The unit an inst module belongs to; None for anything outside inst."""
    parts = dotted.split(".")
    if parts[0] != "inst":
        return None
    return parts[1] if len(parts) > 1 else "__init__"


def layer_index() -> dict[str, int]:
    return {unit: i for i, layer in enumerate(LAYERS) for unit in layer.units}


def violations(
    edges: Mapping[str, Mapping[str, str]], allowed: frozenset[tuple[str, str]]
) -> list[str]:
    """Each import that breaks a rule: edges[unit][imported unit] = where."""
    index = layer_index()
    found = []
    for unit, targets in sorted(edges.items()):
        for target, where in sorted(targets.items()):
            if target == unit or (unit, target) in allowed:
                continue
            mine, theirs = index[unit], index[target]
            if theirs < mine:
                found.append(f"{where}: {unit} imports {target}, a layer above it")
            elif theirs == mine and LAYERS[mine].independent:
                found.append(
                    f"{where}: {unit} imports {target}; units of the "
                    f"{LAYERS[mine].name} layer do not import each other"
                )
    return found


def import_edges() -> dict[str, dict[str, str]]:
    """edges[unit][imported unit] = the first file:line that imports it."""
    edges: dict[str, dict[str, str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        unit = unit_of(_module_name(path))
        assert unit is not None
        for line, module in imported_modules(path):
            target = unit_of(module)
            if target is not None and target != unit:
                where = f"{path.relative_to(SRC.parent)}:{line}"
                edges.setdefault(unit, {}).setdefault(target, where)
    return edges


def test_every_unit_has_a_layer() -> None:
    units = {
        unit_of(_module_name(path))
        for path in PACKAGE.iterdir()
        if path.suffix == ".py" or (path / "__init__.py").is_file()
    }
    missing = sorted(u for u in units if u is not None and u not in layer_index())
    assert not missing, f"give these a layer in LAYERS: {missing}"


def test_no_import_goes_up_or_sideways() -> None:
    found = violations(import_edges(), ALLOWED)
    assert not found, "layer rules broken (docs/architecture.md):\n" + "\n".join(found)


def test_allowlist_has_no_stale_entries() -> None:
    edges = import_edges()
    stale = sorted(pair for pair in ALLOWED if pair[1] not in edges.get(pair[0], {}))
    assert not stale, f"remove from ALLOWED, the import is gone: {stale}"


def test_the_checker_sees_what_it_must() -> None:
    # build importing install: sideways in an independent layer.
    assert violations({"build": {"install": "x.py:1"}}, frozenset())
    # index importing resolution, settings importing cli: upward.
    assert violations({"index": {"resolution": "x.py:1"}}, frozenset())
    assert violations({"settings": {"cli": "x.py:1"}}, frozenset())
    # Downward, and inside a layer that is not independent: fine.
    assert not violations({"cli": {"install": "x.py:1"}}, frozenset())
    assert not violations({"fileio": {"errors": "x.py:1"}}, frozenset())
    # Allowed explicitly.
    assert not violations({"build": {"install": "x.py:1"}}, {("build", "install")})


def test_function_level_imports_are_read() -> None:
    module = PACKAGE / "build" / "environments.py"
    names = {name for _, name in imported_modules(module)}
    assert "inst.build.interfaces" in names  # module level
    assert "inst.fileio" in names  # "from inst import fileio"
    transaction = {
        name for _, name in imported_modules(PACKAGE / "install" / "transaction.py")
    }
    assert "inst.locking" in transaction  # imported inside a function


# -- output goes through each stage's reporter ----------------------------------------

#: Modules outside cli/ and ui/ that may still print through inst.ui, and why.
UI_ALLOWED: Mapping[str, str] = {
    # The cache is chosen (and found unwritable) before any session or reporter
    # exists (cli/main.py's target_environment), and the warning is said once per run
    # by whichever part meets it first; it moves into the one Cache object.
    "inst.cache_layout": "the unwritable-cache warning, said once per run",
}
#: What any module may take from inst.ui: a pure helper, no output.
UI_HELPERS = frozenset({"redact"})


def ui_uses(path: Path) -> Iterator[tuple[int, str]]:
    """(line, what) of each import of inst.ui (or a module below it) beyond its
    helpers, wherever it is."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "inst.ui" or alias.name.startswith("inst.ui."):
                    yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and not node.level:
            module = node.module or ""
            for alias in node.names:
                if module == "inst" and alias.name == "ui":
                    yield node.lineno, "inst.ui"
                elif module.startswith("inst.ui.") or (
                    module == "inst.ui" and alias.name not in UI_HELPERS
                ):
                    yield node.lineno, f"{module}.{alias.name}"


def test_stages_report_through_reporters_not_ui() -> None:
    """Only cli/ (whose reporters write pip's words) and ui/ itself print through
    inst.ui; every stage tells its reporter (docs/architecture.md, Output)."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = _module_name(path)
        if unit_of(name) in ("cli", "ui") or name in UI_ALLOWED:
            continue
        found += [
            f"{path.relative_to(SRC.parent)}:{line}: {what}"
            for line, what in ui_uses(path)
        ]
    assert not found, "stages print through their reporters:\n" + "\n".join(found)


def test_ui_allowlist_has_no_stale_entries() -> None:
    paths = {_module_name(path): path for path in PACKAGE.rglob("*.py")}
    stale = [name for name in UI_ALLOWED if not list(ui_uses(paths[name]))]
    assert not stale, f"remove from UI_ALLOWED, it prints no more: {stale}"


def test_the_ui_check_sees_what_it_must(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "from inst.ui import redact\n"
        "def f():\n"
        "    from inst import ui\n"
        "    from inst.ui import info\n"
        "    from inst.ui.progress import Progress\n"
        "    import inst.ui\n",
        encoding="utf-8",
    )
    assert [line for line, _ in ui_uses(module)] == [3, 4, 5, 6]
