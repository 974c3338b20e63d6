"""telemetry tables.

Revision ID: 0004_telemetry
Revises: 0003_lims_results
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0004_telemetry"
down_revision = "0003_lims_results"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
