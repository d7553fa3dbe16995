"""Tiny test package that reads a data file shipped beside it."""

from pathlib import Path


def greeting() -> str:
    return (Path(__file__).parent / "data" / "greeting.txt").read_text(encoding="utf-8").strip()
