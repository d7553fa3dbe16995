"""--python names the target environment, and with it the site config file that applies."""

from __future__ import annotations

from harness import LocalIndex, VirtualEnv


def test_the_site_file_of_the_python_target_applies(
    run_inst, venv: VirtualEnv, sample_index: LocalIndex
) -> None:
    (venv.root / "inst.toml").write_text(
        f'[global]\nindex-url = "{sample_index.file_url}"\n', encoding="utf-8"
    )
    result = run_inst("install", "--dry-run", "--python", str(venv.root), "simple")
    assert result.code == 0, result.err
    assert "Would install simple-2.0" in result.out
