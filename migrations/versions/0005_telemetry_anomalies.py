"""telemetry_anomalies tables.

Revision ID: 0005_telemetry_anomalies
Revises: 0004_telemetry
"""
from alembic import op
import sqlalchemy as sa

revision = "0005_telemetry_anomalies"
down_revision = "0004_telemetry"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "telemetry_anomaly",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("process", sa.Boolean(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("message", sa.String(length=500), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=120), nullable=True),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tag_id"], ["telemetry_tag.id"],
                                name=op.f("fk_telemetry_anomaly_tag_id_telemetry_tag")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_telemetry_anomaly")),
    )
    with op.batch_alter_table("telemetry_anomaly", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_telemetry_anomaly_tag_id"), ["tag_id"], unique=False)
        batch_op.create_index("ix_telemetry_anomaly_started_at", ["started_at"], unique=False)
        # one open anomaly per (tag, kind): the monitor never double-reports an ongoing one
        batch_op.create_index("uq_telemetry_anomaly_open", ["tag_id", "kind"], unique=True,
                              postgresql_where=sa.text("state = 'aberta'"),
                              sqlite_where=sa.text("state = 'aberta'"))


def downgrade() -> None:
    with op.batch_alter_table("telemetry_anomaly", schema=None) as batch_op:
        batch_op.drop_index("uq_telemetry_anomaly_open")
        batch_op.drop_index("ix_telemetry_anomaly_started_at")
        batch_op.drop_index(batch_op.f("ix_telemetry_anomaly_tag_id"))
    op.drop_table("telemetry_anomaly")
