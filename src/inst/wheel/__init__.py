"""Wheels on their own, before any environment: the ZIP archive (archive.py), the wheel
spec's rules on it (checks.py) and what a checked wheel holds (manifest.py). Placing
the files into an environment is the installer's (inst.install.placement); this
package imports nothing from install/, build/ or cli/."""
