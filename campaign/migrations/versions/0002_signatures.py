"""signatures, counters and milestones

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signatures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_slug", sa.String(100), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("email_key", sa.String(320), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("city", sa.String(120), nullable=False),
        sa.Column("postcode", sa.String(32), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("show_name", sa.Boolean(), nullable=False),
        sa.Column("updates", sa.Boolean(), nullable=False),
        sa.Column("locale", sa.String(16), nullable=False),
        sa.Column("recipient_id", sa.String(64), nullable=False),
        sa.Column("token_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("erased_at", sa.DateTime(), nullable=True),
        sa.Column("anonymized_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_signatures"),
        sa.UniqueConstraint("campaign_slug", "email_key", name="uq_signatures_campaign_email"),
    )
    op.create_index("ix_signatures_campaign_status", "signatures", ["campaign_slug", "status"])
    op.create_index("ix_signatures_campaign_recipient", "signatures",
                    ["campaign_slug", "recipient_id", "status"])
    op.create_table(
        "campaign_counters",
        sa.Column("campaign_slug", sa.String(100), nullable=False),
        sa.Column("confirmed", sa.Integer(), nullable=False),
        sa.Column("pending", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("campaign_slug", name="pk_campaign_counters"),
    )
    op.create_table(
        "country_counters",
        sa.Column("campaign_slug", sa.String(100), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("confirmed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("campaign_slug", "country", name="pk_country_counters"),
    )
    op.create_table(
        "milestones",
        sa.Column("campaign_slug", sa.String(100), nullable=False),
        sa.Column("percent", sa.Integer(), nullable=False),
        sa.Column("reached_at", sa.DateTime(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("campaign_slug", "percent", name="pk_milestones"),
    )


def downgrade() -> None:
    op.drop_table("milestones")
    op.drop_table("country_counters")
    op.drop_table("campaign_counters")
    op.drop_index("ix_signatures_campaign_recipient", table_name="signatures")
    op.drop_index("ix_signatures_campaign_status", table_name="signatures")
    op.drop_table("signatures")
