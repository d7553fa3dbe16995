"""tools/realworld judges inst's answer beside pip's: its verdicts and reasons, from
made-up runs and reports (the tool itself needs the network and is no part of the
suite)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

TOOL = Path(__file__).resolve().parents[2] / "tools" / "realworld"


def _load(name: str) -> ModuleType:
    # tools/ is not a package: import the modules by path, under names of our own.
    spec = importlib.util.spec_from_file_location(
        f"realworld_{name}", TOOL / f"{name}.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


compare = _load("compare")
projects = _load("projects")

FILES = "https://files.example/packages/ab/cd"


def item(
    name: str,
    version: str,
    filename: str | None = None,
    *,
    metadata: bool = True,
    yanked: bool = False,
    requires_python: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    filename = filename or f"{name.replace('-', '_')}-{version}-py3-none-any.whl"
    meta: dict[str, Any] = {}
    if metadata:
        meta = {"metadata_version": "2.1", "name": name, "version": version, **extra}
        if requires_python:
            meta["requires_python"] = requires_python
    return {
        "download_info": {
            "url": f"{FILES}/{filename}",
            "archive_info": {"hashes": {"sha256": "0" * 64}},
        },
        "is_direct": False,
        "is_yanked": yanked,
        "requested": True,
        "metadata": meta,
    }


def report(*items: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": "1",
        "pip_version": "26.3",
        "install": list(items),
        "environment": {"python_full_version": "3.11.7"},
    }


def ok(tool: str, *items: dict[str, Any]) -> Any:
    return compare.Run(tool, 0, "", report(*items), 1.0)


def failed(tool: str, output: str, returncode: int | None = 1) -> Any:
    return compare.Run(tool, returncode, output, None, 300.0)


def test_same_names_versions_and_files_are_the_same() -> None:
    inst = ok("inst", item("six", "1.17.0"), item("idna", "3.10"))
    pip = ok("pip", item("idna", "3.10"), item("six", "1.17.0"))  # order is no matter
    verdict = compare.judge(inst, pip)
    assert verdict.verdict == compare.SAME
    assert verdict.reasons == []
    assert verdict.as_pip


def test_names_are_compared_canonically() -> None:
    inst = ok("inst", item("Typing_Extensions", "4.12.2", "t-4.12.2-py3-none-any.whl"))
    pip = ok("pip", item("typing-extensions", "4.12.2", "t-4.12.2-py3-none-any.whl"))
    assert compare.judge(inst, pip).verdict == compare.SAME


def test_a_different_version_names_both_and_what_is_odd_about_the_newer() -> None:
    inst = ok("inst", item("attrs", "25.1.0", requires_python=">=3.12"))
    pip = ok("pip", item("attrs", "24.3.0"))
    verdict = compare.judge(inst, pip)
    assert verdict.verdict == compare.DIFFERENT
    (reason,) = verdict.reasons
    assert reason.startswith("attrs: inst chose 25.1.0, pip 24.3.0")
    assert "requires-python '>=3.12' excludes 3.11.7" in reason
    assert verdict.version_pairs == {"attrs": ("25.1.0", "24.3.0")}
    assert not verdict.as_pip


@pytest.mark.parametrize(
    ("inst_item", "fact"),
    [
        (item("rich", "14.0.0", yanked=True), "yanked"),
        (item("rich", "14.0.0rc1"), "a pre-release"),
    ],
)
def test_yanked_and_prereleases_are_said(inst_item: dict[str, Any], fact: str) -> None:
    verdict = compare.judge(ok("inst", inst_item), ok("pip", item("rich", "13.9.4")))
    assert f"inst's {inst_item['metadata']['version']}: {fact}" in verdict.reasons[0]


def test_the_newer_side_may_be_pips() -> None:
    verdict = compare.judge(
        ok("inst", item("rich", "13.9.4")),
        ok("pip", item("rich", "14.0.0", yanked=True)),
    )
    assert "pip's 14.0.0: yanked" in verdict.reasons[0]


def test_equal_versions_spelled_differently_are_equal() -> None:
    inst = ok("inst", item("pytz", "2025.1", "pytz-2025.1-py2.py3-none-any.whl"))
    pip = ok("pip", item("pytz", "2025.01", "pytz-2025.1-py2.py3-none-any.whl"))
    assert compare.judge(inst, pip).verdict == compare.SAME


def test_another_file_of_the_same_version_is_a_difference() -> None:
    sdist = item("pyyaml", "6.0.2", "pyyaml-6.0.2.tar.gz")
    wheel = item(
        "pyyaml", "6.0.2", "PyYAML-6.0.2-cp311-cp311-manylinux_2_17_x86_64.whl"
    )
    verdict = compare.judge(ok("inst", sdist), ok("pip", wheel))
    assert verdict.verdict == compare.DIFFERENT
    assert (
        "inst takes the sdist pyyaml-6.0.2.tar.gz, pip the wheel" in verdict.reasons[0]
    )

    other = item("pyyaml", "6.0.2", "PyYAML-6.0.2-cp311-abi3-manylinux_2_17_x86_64.whl")
    verdict = compare.judge(ok("inst", other), ok("pip", wheel))
    assert "other wheel: inst PyYAML-6.0.2-cp311-abi3" in verdict.reasons[0]


def test_missing_and_extra_dependencies_are_listed() -> None:
    inst = ok("inst", item("flask", "3.1.0"), item("blinker", "1.9.0"))
    pip = ok("pip", item("flask", "3.1.0"), item("click", "8.1.8"))
    verdict = compare.judge(inst, pip)
    assert verdict.verdict == compare.DIFFERENT
    assert verdict.reasons == [
        "blinker 1.9.0: only inst installs it",
        "click 8.1.8: only pip installs it",
    ]


def test_a_report_without_metadata_is_a_difference_named_by_its_file() -> None:
    inst = ok("inst", item("pyspark", "3.5.4", "pyspark-3.5.4.tar.gz", metadata=False))
    pip = ok("pip", item("pyspark", "3.5.4", "pyspark-3.5.4.tar.gz"))
    verdict = compare.judge(inst, pip)
    assert verdict.verdict == compare.DIFFERENT
    assert verdict.reasons == [
        "pyspark: inst's report has no core metadata (pip's has it; issue 11 item 16)"
    ]


def test_metadata_fields_that_differ_are_notes_only() -> None:
    inst = ok("inst", item("idna", "3.10", import_name="idna"))
    pip = ok("pip", item("idna", "3.10"))
    verdict = compare.judge(inst, pip)
    assert verdict.verdict == compare.SAME
    assert verdict.notes == ["idna: metadata field 'import_name' only in inst's report"]


TRACEBACK = """\
Traceback (most recent call last):
  File "/work/main/src/inst/cli/main.py", line 28, in main
    return _run(argv)
  File "/work/main/src/inst/finding/finder.py", line 212, in best_file
    ranked = sorted(candidates)
  File "/usr/lib/python3.11/functools.py", line 91, in _lt
    raise oops
TypeError: '<' not supported between instances of 'DistFile' and 'DistFile'
error: inst hit an internal error (TypeError: '<' not supported between instances of
'DistFile' and 'DistFile'). This is a bug in inst, not in your input. Run the command
again with -v to see the traceback, and report it.
"""


def test_an_internal_error_wins_over_anything_pip_did() -> None:
    verdict = compare.judge(
        failed("inst", TRACEBACK), ok("pip", item("numpy", "2.2.1"))
    )
    assert verdict.verdict == compare.INTERNAL
    message = "'<' not supported between instances of 'DistFile' and 'DistFile'"
    assert verdict.reasons == [f"internal error: TypeError: {message}"]
    assert compare.traceback_site(TRACEBACK) == (
        "src/inst/finding/finder.py:212 in best_file"
    )
    assert compare.last_exception_line(TRACEBACK) == (
        "TypeError: '<' not supported between instances of 'DistFile' and 'DistFile'"
    )


@pytest.mark.parametrize(
    ("returncode", "output", "why"),
    [
        (
            1,
            "Traceback (most recent call last):\n  File x\nKeyError: 'a'\n",
            "KeyError",
        ),
        (-9, "", "killed by signal 9"),
        (2, "usage: ...", "exit code 2"),
        (1, "something went wrong\n", "without an `error:` paragraph"),
        (0, "", "no report was written"),
    ],
)
def test_crashes_and_silent_failures_are_internal_errors(
    returncode: int, output: str, why: str
) -> None:
    verdict = compare.judge(
        failed("inst", output, returncode), ok("pip", item("six", "1.17.0"))
    )
    assert verdict.verdict == compare.INTERNAL
    assert why in verdict.reasons[0]


def test_a_clear_error_is_a_failure_and_says_whether_pip_failed_too() -> None:
    inst = failed(
        "inst",
        "error: no version of tensorflow-io-gcs-filesystem fits Python 3.11.7\n"
        "  hint: try another Python\n",
    )
    alone = compare.judge(inst, ok("pip", item("x", "1")))
    assert alone.verdict == compare.FAILED
    assert alone.reasons == [
        "inst: no version of tensorflow-io-gcs-filesystem fits Python 3.11.7",
        "pip resolved it",
    ]
    assert not alone.as_pip

    pip = failed(
        "pip", "ERROR: Could not find a version that satisfies the requirement"
    )
    both = compare.judge(inst, pip)
    assert both.verdict == compare.FAILED
    assert both.reasons[1] == (
        "pip also failed: Could not find a version that satisfies the requirement"
    )
    assert both.as_pip


def test_a_short_error_head_takes_the_next_line() -> None:
    pip = failed(
        "pip", "error: subprocess-exited-with-error\n\n  x Getting requirements\n"
    )
    assert (
        compare.first_error(pip)
        == "subprocess-exited-with-error x Getting requirements"
    )


def test_a_timeout_is_a_failure_never_an_answer_like_pips() -> None:
    verdict = compare.judge(failed("inst", "", None), ok("pip", item("six", "1.17.0")))
    assert verdict.verdict == compare.FAILED
    assert verdict.reasons[0] == "inst timed out after 300 s"
    both = compare.judge(failed("inst", "", None), failed("pip", "", None))
    assert both.verdict == compare.FAILED
    assert both.reasons[1] == "pip also failed: timed out"
    assert not both.as_pip


def test_pip_failing_where_inst_resolves_is_a_difference() -> None:
    pip = failed("pip", "ERROR: Failed to build 'pyspark' when getting requirements\n")
    verdict = compare.judge(ok("inst", item("pyspark", "3.5.4")), pip)
    assert verdict.verdict == compare.DIFFERENT
    assert verdict.reasons == [
        "pip failed (Failed to build 'pyspark' when getting requirements) and inst did not"
    ]


def test_reports_are_read_or_said_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    assert compare.read_report(path) == (None, None)
    path.write_text("{", encoding="utf-8")
    parsed, problem = compare.read_report(path)
    assert parsed is None and problem is not None and "not JSON" in problem
    path.write_text('{"install": []}', encoding="utf-8")
    assert compare.read_report(path) == ({"install": []}, None)


def test_the_ranked_list_and_its_selections(tmp_path: Path) -> None:
    listing = tmp_path / "top.txt"
    listing.write_text(
        "# a comment\nboto3\nPackaging\n\nurllib3  # trailing\nZope.Interface\n"
    )
    ranked = projects.read_projects(listing)
    assert [(p.name, p.rank) for p in ranked] == [
        ("boto3", 1),
        ("packaging", 2),
        ("urllib3", 3),
        ("zope-interface", 4),
    ]
    chosen, span = projects.select(ranked, 2, None, None, None)
    assert [p.name for p in chosen] == ["boto3", "packaging"] and span == "ranks 1-2"
    chosen, _ = projects.select(ranked, None, 3, None, None)
    assert [p.name for p in chosen] == ["urllib3", "zope-interface"]
    chosen, _ = projects.select(ranked, None, None, None, ["URLLIB3", "unlisted"])
    assert [(p.name, p.rank_text) for p in chosen] == [
        ("urllib3", "3"),
        ("unlisted", "-"),
    ]


def test_the_committed_list_holds_800_distinct_names() -> None:
    ranked = projects.read_projects(TOOL / "top-projects.txt")
    assert len(ranked) == 800
    assert len({p.name for p in ranked}) == 800


def test_a_comprehension_frame_is_named_with_its_function() -> None:
    output = TRACEBACK.replace(
        '  File "/usr/lib/python3.11/functools.py", line 91, in _lt\n',
        '  File "/work/main/src/inst/finding/finder.py", line 205, in <listcomp>\n',
    )
    assert compare.traceback_site(output) == (
        "src/inst/finding/finder.py:205 in <listcomp>"
        " (from src/inst/finding/finder.py:212 in best_file)"
    )


def test_a_backends_traceback_before_a_clear_error_is_a_failure() -> None:
    output = (
        "  | Traceback (most recent call last):\n"
        '  |   File "_in_process.py", line 381, in main\n'
        "  | RuntimeError: failed to download the real wheel\n"
        "error: preparing metadata of dbt-core-experimental-parser failed (pyproject.toml"
        " interface, backend _dbt_sa_build).\n"
        "Collecting dbt-core\n"
    )
    pip = failed("pip", "error: metadata-generation-failed\n\n× Encountered error\n")
    verdict = compare.judge(failed("inst", output), pip)
    assert verdict.verdict == compare.FAILED
    assert verdict.reasons[0].startswith(
        "inst: preparing metadata of dbt-core-experimental-parser failed"
    )
    assert verdict.as_pip
