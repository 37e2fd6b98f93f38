"""A management command whose ``--help`` ends with its examples, laid out as written."""

from __future__ import annotations

from argparse import RawDescriptionHelpFormatter
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class DocumentedCommand(BaseCommand):
    """``epilog`` (what the command writes, examples) is printed after the options, verbatim."""

    epilog = ""

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = RawDescriptionHelpFormatter
        parser.epilog = self.epilog
        return parser
