"""A minimal in-tree backend with build_wheel only (no prepare_metadata_*,
no sdist, no editable hooks): the frontend must build the wheel to learn the
metadata. Standard library only; writes bp_no_prepare_metadata-1.0-py3-none-any.whl
with METADATA, WHEEL and a RECORD holding sha256 hashes.
"""

import base64
import hashlib
import os
import zipfile

NAME = "bp-no-prepare-metadata"
DIST = "bp_no_prepare_metadata"
VERSION = "1.0"
PACKAGE = "bp_no_prepare_metadata"
TAG = "py3-none-any"
ZIP_DATE_TIME = (2020, 1, 1, 0, 0, 0)


def get_requires_for_build_wheel(config_settings=None):
    return []


def _record_hash(data):
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _package_files():
    files = {}
    for directory, dirnames, filenames in os.walk(PACKAGE):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for filename in sorted(filenames):
            if filename.endswith((".pyc", ".pyo")):
                continue
            path = os.path.join(directory, filename)
            with open(path, "rb") as f:
                files[path.replace(os.sep, "/")] = f.read()
    return files


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    dist_info = f"{DIST}-{VERSION}.dist-info"
    contents = _package_files()
    contents[f"{dist_info}/METADATA"] = (
        "Metadata-Version: 2.1\n"
        f"Name: {NAME}\n"
        f"Version: {VERSION}\n"
        "Summary: inst build-layer test tree: backend without prepare_metadata\n"
        "\n"
    ).encode("utf-8")
    contents[f"{dist_info}/WHEEL"] = (
        "Wheel-Version: 1.0\n"
        "Generator: bp_wheel_only_backend 1.0\n"
        "Root-Is-Purelib: true\n"
        f"Tag: {TAG}\n"
    ).encode("utf-8")
    record_path = f"{dist_info}/RECORD"
    record_lines = [
        f"{path},{_record_hash(data)},{len(data)}" for path, data in contents.items()
    ]
    record_lines.append(f"{record_path},,")
    contents[record_path] = ("\n".join(record_lines) + "\n").encode("utf-8")

    wheel_name = f"{DIST}-{VERSION}-{TAG}.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, wheel_name), "w") as zf:
        for path, data in contents.items():
            info = zipfile.ZipInfo(path, date_time=ZIP_DATE_TIME)
            info.external_attr = 0o100644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return wheel_name
