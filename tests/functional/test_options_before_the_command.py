"""`inst --python VENV install X`: general options before the command, end to end."""

from __future__ import annotations

from pathlib import Path

from harness import VirtualEnv, build_index, make_wheel


def test_python_before_the_command_installs_into_that_environment(
    run_inst, venv: VirtualEnv, tmp_path: Path
) -> None:
    wheel = make_wheel(tmp_path / "built", "hello", "1.0")
    index = build_index(tmp_path / "index", [wheel])
    result = run_inst(
        "--python",
        str(venv.python),
        "-q",
        "--cache-dir",
        str(tmp_path / "cache"),
        "install",
        "-i",
        index.file_url,
        "hello",
    )
    assert result.code == 0, result.err
    assert list(venv.site_packages.glob("hello-1.0.dist-info"))
    listed = run_inst("--python", str(venv.python), "freeze")
    assert "hello==1.0" in listed.out.splitlines()
