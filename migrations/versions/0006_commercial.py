"""commercial tables.

Revision ID: 0006_commercial
Revises: 0005_telemetry_anomalies
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0006_commercial"
down_revision = "0005_telemetry_anomalies"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
