"""The build layer: source trees and sdists → wheels.

``interfaces`` picks how a tree is built (pyproject.toml or legacy setup.py) and knows
each interface's steps; ``environments`` makes the isolated, cached environments builds
run in (populated through a provisioning callable, so this package never imports the
install pipeline); ``builder`` ties them together for the resolver and the commands.
"""
