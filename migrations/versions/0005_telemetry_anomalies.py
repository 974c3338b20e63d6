"""telemetry_anomalies tables.

Revision ID: 0005_telemetry_anomalies
Revises: 0004_telemetry
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0005_telemetry_anomalies"
down_revision = "0004_telemetry"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
