"""signatures: values stored with a spreadsheet quote get it back off

Names, cities and postcodes that began with a formula character (= + - @, a tab or a carriage
return) used to be stored with a quote in front ('=1+1), as a CSV export writes them. Values are
now stored as typed and quoted only where CSV is written; without this step, letters and packets
would go on printing the quote of the rows stored before.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# campaign.signatures.rules.FORMULA_PREFIXES, as it was when these rows were stored.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

signatures = sa.table("signatures", sa.column("name", sa.String), sa.column("city", sa.String),
                      sa.column("postcode", sa.String))


def upgrade() -> None:
    bind = op.get_bind()
    for column in (signatures.c.name, signatures.c.city, signatures.c.postcode):
        for prefix in FORMULA_PREFIXES:
            bind.execute(sa.update(signatures)
                         .where(column.startswith("'" + prefix, autoescape=True))
                         .values({column.name: sa.func.substr(column, 2)}))


def downgrade() -> None:
    # Nothing to undo: the quote was never part of what the signer typed.
    pass
