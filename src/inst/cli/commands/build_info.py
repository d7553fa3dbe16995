"""``inst build-info PATH``: which build interface inst would use for a project, and
why, with its backend and build requirements, without building anything."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inst import ui
from inst.errors import UsageError

if TYPE_CHECKING:
    from inst.settings.resolve import Settings

SUMMARY = "Show how inst would build a project (interface, backend, requirements)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", metavar="PATH", help="the project directory")
    parser.add_argument(
        "--json", action="store_true", help="print the answer as one JSON object"
    )
    parser.add_argument(
        "--static",
        action="store_true",
        help="only what the files say: make no build environment, run no hook",
    )


def run(settings: Settings, args: argparse.Namespace) -> int:
    from inst.build.choice import static_project_name
    from inst.build.interfaces import LegacySetupPyInterface
    from inst.build.policy import SelectionFlags, select_interface
    from inst.build.project import setup_cfg_requires
    from inst.cli.reporters import text_reporters
    from inst.requirements.inputs import Inputs
    from inst.session import open_session, target_environment
    from inst.session.building import build_choice, build_options, interface_plugins

    if args.json:
        ui.info_to_stderr()  # stdout holds the JSON alone
    tree = Path(args.path).expanduser().resolve()
    if not tree.is_dir():
        raise UsageError(
            f"{args.path} is not a directory",
            hint="give the directory holding pyproject.toml or setup.py",
        )
    reporters = text_reporters(settings)
    options = build_options(settings, verbose=reporters.build.shows_output())
    choice = build_choice(settings)
    plugins = interface_plugins(choice, reporters.build)
    name = static_project_name(tree)
    rule = choice.for_project(name.name if name else None)
    flags = SelectionFlags(config_settings=bool(options.config_settings), rule=rule)
    selection = select_interface(tree, flags, plugins)
    interface = selection.interface
    isolated = not settings.no_build_isolation
    info: dict[str, Any] = {
        "project": str(tree),
        "name": {"name": name.name, "from": name.source} if name else None,
        "interface": interface.name,
        "decided_by": list(selection.reasons),
        "rule": {"rule": rule.spelled, "from": rule.origin} if rule else None,
        "plugin": {"name": selection.plugin.name, "from": selection.plugin.source}
        if selection.plugin
        else None,
        "backend": interface.backend,
        "backend_path": list(
            getattr(getattr(interface, "system", None), "backend_path", ())
        ),
        "build_isolation": isolated,
        "static_requirements": list(interface.static_requirements()),
        "interfaces_available": [
            {"name": "pyproject", "from": "built in"},
            {"name": "setup.py", "from": "built in"},
            *({"name": p.name, "from": p.source} for p in plugins.plugins()),
        ],
    }
    if isinstance(interface, LegacySetupPyInterface):
        info["setup_requires_setup_cfg"] = setup_cfg_requires(tree)
    if not args.static:
        environment = target_environment(settings)
        with open_session(settings, Inputs(), environment, reporters) as session:
            env, dynamic = session.builder.environment(
                selection, tree.name, "wheel", options
            )
            info["dynamic_requirements"] = dynamic
            if isinstance(interface, LegacySetupPyInterface):
                info["setup_requires"] = interface.setup_requires(env, options)
            info["build_environment"] = {
                "python": env.python,
                "distributions": [f"{n}-{v}" for n, v in sorted(env.installed.items())]
                if isolated
                else "the target environment",
            }
    if args.json:
        ui.output(json.dumps(info, indent=2))
        return 0
    _print(info)
    return 0


def _print(info: dict[str, Any]) -> None:
    def listing(items: Any) -> str:
        return ", ".join(items) if items else "none"

    ui.output(f"Project: {info['project']}")
    name = info["name"]
    ui.output(f"Name: {name['name']} ({name['from']})" if name else "Name: unknown")
    ui.output(f"Interface: {info['interface']}")
    ui.output(f"Decided by: {'; '.join(info['decided_by'])}")
    ui.output(f"Backend: {info['backend']}")
    if info["backend_path"]:
        ui.output(f"Backend path: {listing(info['backend_path'])}")
    ui.output(f"Build isolation: {'on' if info['build_isolation'] else 'off'}")
    ui.output(f"Static build requirements: {listing(info['static_requirements'])}")
    if "setup_requires_setup_cfg" in info and "setup_requires" not in info:
        ui.output(
            f"setup_requires (setup.cfg): {listing(info['setup_requires_setup_cfg'])}"
        )
    if "dynamic_requirements" in info:
        ui.output(
            f"Dynamic build requirements: {listing(info['dynamic_requirements'])}"
        )
    if "setup_requires" in info:
        ui.output(f"setup_requires: {listing(info['setup_requires'])}")
    if "build_environment" in info:
        dists = info["build_environment"]["distributions"]
        ui.output(
            "Build environment: "
            + (dists if isinstance(dists, str) else listing(dists))
        )
    ui.output(
        "Interfaces available: "
        + ", ".join(f"{i['name']} ({i['from']})" for i in info["interfaces_available"])
    )
