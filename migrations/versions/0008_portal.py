"""portal tables: the cache of monthly quality summaries shown on the public site.

Revision ID: 0008_portal
Revises: 0007_incidents
"""
from alembic import op
import sqlalchemy as sa

revision = "0008_portal"
down_revision = "0007_incidents"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "portal_summary_cache",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_summary_cache")),
        sa.UniqueConstraint("system_id", "year", "month",
                            name=op.f("uq_portal_summary_cache_system_id_year_month")),
    )


def downgrade() -> None:
    op.drop_table("portal_summary_cache")
