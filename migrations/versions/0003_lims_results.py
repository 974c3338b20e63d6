"""lims_results tables.

Revision ID: 0003_lims_results
Revises: 0002_lims
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0003_lims_results"
down_revision = "0002_lims"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
