"""Tests for tools/fetch_backends.py and its pins; none of them use the network."""

from __future__ import annotations

import hashlib
import importlib.util
import subprocess
import sys
import zipfile
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]
FETCH_HINT = "run python tools/fetch_backends.py"


def _load_tool() -> ModuleType:
    # tools/ is not a package: import the script by path, as other code does.
    path = REPO / "tools" / "fetch_backends.py"
    spec = importlib.util.spec_from_file_location("fetch_backends", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


fb = _load_tool()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write_pins(path: Path, wheels: dict[str, bytes]) -> Path:
    """Write a pins file for fake wheels named NAME-VERSION-py3-none-any.whl."""
    lines = ["# test pins"]
    for filename, data in wheels.items():
        name, version = filename.split("-")[:2]
        lines.append(f"{name}=={version} --hash=sha256:{_sha(data)}  # {filename}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


FAKE = {
    "alpha-1.0-py3-none-any.whl": b"alpha wheel",
    "beta-2.0-py3-none-any.whl": b"beta wheel",
}


# --- the real pins file ------------------------------------------------------


def test_every_pin_is_exact_with_one_sha256() -> None:
    lines = [
        line.strip()
        for line in fb.PINS_FILE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    pins = fb.parse_pins(fb.PINS_FILE)
    assert len(pins) == len(lines)
    for line in lines:
        assert line.count("==") == 1, line
        assert line.count("--hash=") == 1 and "--hash=sha256:" in line, line
    for filename, sha in fb.pinned_wheels(fb.PINS_FILE).items():
        assert len(sha) == 64 and int(sha, 16) >= 0, filename


def test_every_pin_is_a_pure_python_wheel() -> None:
    for pin in fb.parse_pins(fb.PINS_FILE):
        parts = pin.filename[: -len(".whl")].split("-")
        (dist, version), (pytags, abi, plat) = parts[:2], parts[-3:]
        assert "py3" in pytags.split("."), pin.filename
        assert (abi, plat) == ("none", "any"), pin.filename
        assert fb._normalize(dist) == fb._normalize(pin.name), pin.filename
        assert version == pin.version, pin.filename


def test_expected_backends_are_pinned() -> None:
    names = [fb._normalize(pin.name) for pin in fb.parse_pins(fb.PINS_FILE)]
    for name in (
        "wheel",
        "flit_core",
        "hatchling",
        "packaging",
        "pathspec",
        "pluggy",
        "trove_classifiers",
        "tomli",
        "pbr",
        "setuptools_scm",
    ):
        assert name in names, name
    # Newest setuptools and the newest one still shipping pkg_resources.
    assert names.count("setuptools") == 2


def test_pins_split_into_groups_without_duplicate_names() -> None:
    groups = fb.group_pins(fb.parse_pins(fb.PINS_FILE))
    assert len(groups) == 2
    for group in groups:
        names = [fb._normalize(pin.name) for pin in group]
        assert len(names) == len(set(names))


# --- parsing errors ----------------------------------------------------------

GOOD_HASH = "a" * 64


@pytest.mark.parametrize(
    "line",
    [
        f"alpha>=1.0 --hash=sha256:{GOOD_HASH}  # alpha-1.0-py3-none-any.whl",
        "alpha==1.0  # alpha-1.0-py3-none-any.whl",
        (
            f"alpha==1.0 --hash=sha256:{GOOD_HASH} --hash=sha256:{'b' * 64}"
            "  # alpha-1.0-py3-none-any.whl"
        ),
        f"alpha==1.0 --hash=md5:{'a' * 32}  # alpha-1.0-py3-none-any.whl",
        f"alpha==1.0 --hash=sha256:{GOOD_HASH}",
        f"alpha==1.0 --hash=sha256:{GOOD_HASH}  # alpha-1.0-cp311-cp311-linux_x86_64.whl",
        f"alpha==1.0 --hash=sha256:{GOOD_HASH}  # beta-1.0-py3-none-any.whl",
        f"alpha==1.0 --hash=sha256:{GOOD_HASH}  # alpha-1.1-py3-none-any.whl",
    ],
)
def test_bad_pin_lines_are_rejected(tmp_path: Path, line: str) -> None:
    pins = tmp_path / "pins.txt"
    pins.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="pins.txt:1"):
        fb.parse_pins(pins)


def test_py2_py3_wheel_and_comments_are_accepted(tmp_path: Path) -> None:
    pins = tmp_path / "pins.txt"
    pins.write_text(
        "# comment\n\n"
        f"Some.Dist==1.0 --hash=sha256:{GOOD_HASH}  # some_dist-1.0-py2.py3-none-any.whl\n",
        encoding="utf-8",
    )
    assert fb.pinned_wheels(pins) == {"some_dist-1.0-py2.py3-none-any.whl": GOOD_HASH}


# --- check and cleanup on a temp folder --------------------------------------


def test_check_detects_missing_mismatched_and_extra(tmp_path: Path) -> None:
    pins = _write_pins(tmp_path / "pins.txt", FAKE)
    dest = tmp_path / "wheels"
    dest.mkdir()
    (dest / "alpha-1.0-py3-none-any.whl").write_bytes(b"corrupt")
    (dest / "old-0.1-py3-none-any.whl").write_bytes(b"stale")

    status = fb.check_dest(dest, fb.pinned_wheels(pins))
    assert status.mismatched == ["alpha-1.0-py3-none-any.whl"]
    assert status.missing == ["beta-2.0-py3-none-any.whl"]
    assert status.extra == ["old-0.1-py3-none-any.whl"]
    ok, summary = fb.check(dest, pins)
    assert not ok
    assert FETCH_HINT in summary
    assert fb.main(["--check", "--dest", str(dest), "--pins", str(pins)]) == 1


def test_check_passes_on_matching_folder(tmp_path: Path) -> None:
    pins = _write_pins(tmp_path / "pins.txt", FAKE)
    dest = tmp_path / "wheels"
    dest.mkdir()
    for filename, data in FAKE.items():
        (dest / filename).write_bytes(data)
    (dest / "NOTES.txt").write_text("not a wheel: ignored")
    assert fb.check(dest, pins)[0]
    assert fb.main(["--check", "--dest", str(dest), "--pins", str(pins)]) == 0


def test_check_on_missing_folder_fails(tmp_path: Path) -> None:
    pins = _write_pins(tmp_path / "pins.txt", FAKE)
    ok, summary = fb.check(tmp_path / "nowhere", pins)
    assert not ok
    assert "does not exist" in summary and FETCH_HINT in summary


def test_remove_unpinned_deletes_only_unpinned_wheels(tmp_path: Path) -> None:
    expected = {name: _sha(data) for name, data in FAKE.items()}
    for filename, data in FAKE.items():
        (tmp_path / filename).write_bytes(data)
    (tmp_path / "old-0.1-py3-none-any.whl").write_bytes(b"stale")
    (tmp_path / "NOTES.txt").write_text("keep me")

    assert fb.remove_unpinned(tmp_path, expected) == ["old-0.1-py3-none-any.whl"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*FAKE, "NOTES.txt"])


# --- fetch, with pip replaced by a fake --------------------------------------


def _fake_pip(
    monkeypatch: pytest.MonkeyPatch, served: dict[str, bytes]
) -> list[list[str]]:
    """Replace the pip subprocess with one 'downloading' from served."""
    calls: list[list[str]] = []

    def run(cmd: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        calls.append(cmd)
        req = Path(cmd[cmd.index("-r") + 1]).read_text(encoding="utf-8")
        out = Path(cmd[cmd.index("-d") + 1])
        out.mkdir(parents=True, exist_ok=True)
        for line in req.splitlines():
            name, version = line.split()[0].split("==")
            filename = f"{name}-{version}-py3-none-any.whl"
            (out / filename).write_bytes(served[filename])
        return subprocess.CompletedProcess(cmd, 0, "", "")

    monkeypatch.setattr(fb.subprocess, "run", run)
    return calls


def test_fetch_replaces_corrupt_and_missing_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pins = _write_pins(tmp_path / "pins.txt", FAKE)
    dest = tmp_path / "wheels"
    dest.mkdir()
    (dest / "alpha-1.0-py3-none-any.whl").write_bytes(b"corrupt")
    (dest / "old-0.1-py3-none-any.whl").write_bytes(b"stale")
    calls = _fake_pip(monkeypatch, FAKE)

    summary = fb.fetch(dest, pins)
    assert "fetched 1, replaced 1" in summary
    assert len(calls) == 1
    assert fb.check(dest, pins)[0]
    assert sorted(p.name for p in dest.iterdir()) == sorted(FAKE)


def test_fetch_is_offline_when_up_to_date(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pins = _write_pins(tmp_path / "pins.txt", FAKE)
    dest = tmp_path / "wheels"
    dest.mkdir()
    for filename, data in FAKE.items():
        (dest / filename).write_bytes(data)
    calls = _fake_pip(monkeypatch, {})

    assert "already up to date" in fb.fetch(dest, pins)
    assert calls == []


def test_fetch_rejects_a_wrong_download(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pins = _write_pins(tmp_path / "pins.txt", FAKE)
    dest = tmp_path / "wheels"
    _fake_pip(monkeypatch, {**FAKE, "beta-2.0-py3-none-any.whl": b"tampered"})

    with pytest.raises(fb.FetchError, match="beta-2.0-py3-none-any.whl has sha256"):
        fb.fetch(dest, pins)
    # Nothing half-done is left behind: no wheel moved in, no temp dir.
    assert list(dest.iterdir()) == []


def test_pip_failure_is_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pins = _write_pins(tmp_path / "pins.txt", FAKE)

    def run(cmd: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(
            cmd, 1, "", "ERROR: No matching distribution found for alpha==1.0\n"
        )

    monkeypatch.setattr(fb.subprocess, "run", run)
    assert fb.main(["--dest", str(tmp_path / "w"), "--pins", str(pins)]) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err
    assert "No matching distribution found for alpha==1.0" in err


# --- the real fetched folder (CI runs the fetch before the tests) ------------


def test_fetched_folder_matches_pins() -> None:
    ok, summary = fb.check(fb.DEFAULT_DEST)
    if not ok:
        pytest.fail(
            summary
        )  # the summary ends with: run python tools/fetch_backends.py


def test_older_setuptools_ships_pkg_resources() -> None:
    setuptools = sorted(
        (pin for pin in fb.parse_pins(fb.PINS_FILE) if pin.name == "setuptools"),
        key=lambda pin: tuple(int(part) for part in pin.version.split(".")),
    )
    older, newest = (fb.DEFAULT_DEST / pin.filename for pin in setuptools)
    if not (older.is_file() and newest.is_file()):
        pytest.fail(f"{fb.DEFAULT_DEST} lacks setuptools wheels: {FETCH_HINT}")
    with zipfile.ZipFile(older) as zf:
        assert "pkg_resources/__init__.py" in zf.namelist()
