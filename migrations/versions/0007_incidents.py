"""incidents tables.

Revision ID: 0007_incidents
Revises: 0006_commercial
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0007_incidents"
down_revision = "0006_commercial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
