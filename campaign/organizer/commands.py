"""Commands of this area, registered under ``campaign``."""

import click

commands: list[click.Command] = []
