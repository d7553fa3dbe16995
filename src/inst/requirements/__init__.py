"""Requirements as the user gives them: command-line specs, requirements files and
constraints files, parsed into RequirementSpec values for the resolver."""

from __future__ import annotations

from inst.requirements.files import FileOptions, RequirementsFile, read_requirements
from inst.requirements.specs import (
    RequirementError,
    RequirementSpec,
    SourceKind,
    parse_config_settings,
    parse_requirement,
)

__all__ = [
    "FileOptions",
    "RequirementError",
    "RequirementSpec",
    "RequirementsFile",
    "SourceKind",
    "parse_config_settings",
    "parse_requirement",
    "read_requirements",
]
