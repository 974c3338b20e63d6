"""portal tables.

Revision ID: 0008_portal
Revises: 0007_incidents
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0008_portal"
down_revision = "0007_incidents"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
