"""Registers every area's commands on ``app.cli``, so ``campaign …`` and the test runner see them."""

from __future__ import annotations

from flask import Flask


def register_commands(app: Flask) -> None:
    from campaign.content.commands import check_command
    from campaign.i18n.commands import commands as i18n_commands
    from campaign.letters.commands import commands as letter_commands
    from campaign.organizer.commands import commands as organizer_commands
    from campaign.signatures.commands import commands as signature_commands
    from campaign.storage.commands import db_group

    app.cli.add_command(check_command)
    app.cli.add_command(db_group)
    for group in (letter_commands, signature_commands, i18n_commands, organizer_commands):
        for command in group:
            app.cli.add_command(command)
