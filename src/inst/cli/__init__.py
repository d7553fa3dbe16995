"""The command-line interface: a thin shell over the settings and the commands."""
