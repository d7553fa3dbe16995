"""inst-setup-cfg: a build interface plug-in for inst (plug-in API version 1).

It builds projects that carry only a ``setup.cfg`` (no ``setup.py``, no
``pyproject.toml``): setuptools can build them, but pip and inst's built-in rules
refuse them ("does not appear to be a Python project"). It calls setuptools' PEP 517
backend in a subprocess of the build environment that inst made and filled with
``static_requirements()``. It uses the standard library only and imports nothing
from inst: the objects inst passes in are read by their documented attributes.
"""

import configparser
import json
import os
import subprocess
import sys
import tempfile

# Runs inside the build environment: call one hook of setuptools' backend and write
# its answer as JSON.
_HOOK = """
import json, sys
import setuptools.build_meta as backend
hook, args, out = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
result = getattr(backend, hook)(*args)
with open(out, "w", encoding="utf-8") as stream:
    json.dump(result, stream)
"""


class SetupCfgInterface:
    """The BuildInterface (inst's protocol) for one setup.cfg-only tree."""

    name = "setup-cfg"
    backend = "setuptools.build_meta (setup.cfg only)"

    def __init__(self, tree):
        self.tree = tree

    def static_requirements(self):
        return ("setuptools>=61",)

    def dynamic_requirements(self, env, purpose, options):
        settings = dict(options.config_settings) or None
        return self._hook(env, options, f"get_requires_for_build_{purpose}", settings)

    def prepare_metadata(self, env, out_dir, purpose, options):
        settings = dict(options.config_settings) or None
        name = self._hook(
            env,
            options,
            f"prepare_metadata_for_build_{purpose}",
            str(out_dir),
            settings,
        )
        return out_dir / name

    def build(self, env, out_dir, metadata_dir, purpose, options):
        settings = dict(options.config_settings) or None
        metadata = str(metadata_dir) if metadata_dir else None
        name = self._hook(
            env, options, f"build_{purpose}", str(out_dir), settings, metadata
        )
        return out_dir / name

    def _hook(self, env, options, hook, *args):
        with tempfile.TemporaryDirectory(prefix="inst-setup-cfg-") as scratch:
            out = os.path.join(scratch, "result.json")
            command = [env.python, "-c", _HOOK, hook, json.dumps(args), out]
            # A failure raises CalledProcessError: inst shows the end of its output.
            done = subprocess.run(
                command,
                cwd=str(self.tree),
                env=dict(env.environ),
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                check=True,
            )
            if options.verbose:
                for line in done.stdout.splitlines():
                    print(f"  {line}", file=sys.stderr)
            with open(out, encoding="utf-8") as stream:
                return json.load(stream)


class SetupCfgPlugin:
    """What the entry point names: inst reads these four attributes."""

    api_version = 1
    name = "setup-cfg"

    def claims(self, tree):
        if (tree / "pyproject.toml").exists() or (tree / "setup.py").exists():
            return None  # inst's own rules know these trees
        path = tree / "setup.cfg"
        if not path.is_file():
            return None
        parser = configparser.ConfigParser(interpolation=None)
        parser.read(path, encoding="utf-8")
        if not parser.get("metadata", "name", fallback="").strip():
            return None
        return "the tree has only a setup.cfg, with [metadata] name"

    def make_interface(self, tree):
        return SetupCfgInterface(tree)


plugin = SetupCfgPlugin()
