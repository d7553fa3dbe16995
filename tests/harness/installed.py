"""Distributions put into a test venv as an installer would leave them: an unpacked
wheel plus INSTALLER, REQUESTED and direct_url.json, for the commands that read an
environment (list, freeze, show, check, inspect)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from .dists import make_wheel
from .venvs import VirtualEnv


def install(
    venv: VirtualEnv,
    wheel: Path,
    *,
    installer: str | None = "pip",
    requested: bool = True,
    direct_url: dict[str, object] | None = None,
    metadata: list[str] | None = None,
) -> Path:
    """Unpack a wheel into the venv as an installer would; its .dist-info directory."""
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(venv.site_packages)
        (dist_info,) = {
            name.split("/")[0]
            for name in archive.namelist()
            if name.split("/")[0].endswith(".dist-info")
        }
    path = venv.site_packages / dist_info
    if installer is not None:
        (path / "INSTALLER").write_text(f"{installer}\n", encoding="utf-8")
    if requested:
        (path / "REQUESTED").write_text("", encoding="utf-8")
    if direct_url is not None:
        (path / "direct_url.json").write_text(json.dumps(direct_url), encoding="utf-8")
    if metadata:
        headers, _, body = (
            (path / "METADATA").read_text(encoding="utf-8").partition("\n\n")
        )
        text = headers + "\n" + "\n".join(metadata) + "\n\n" + body
        (path / "METADATA").write_text(text, encoding="utf-8")
    return path


def wheel(tmp_path: Path, name: str, version: str, **kwargs: object) -> Path:
    return make_wheel(tmp_path / "wheels", name, version, **kwargs)  # type: ignore[arg-type]
