"""Tiny test package with no dependencies."""

VALUE = 42
