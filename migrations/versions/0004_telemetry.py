"""telemetry tables: assets, tags, connector state, embedded readings.

Revision ID: 0004_telemetry
Revises: 0003_lims_results
"""
from alembic import op
import sqlalchemy as sa

revision = "0004_telemetry"
down_revision = "0003_lims_results"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "telemetry_asset",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("sector_code", sa.String(length=40), nullable=True),
        sa.Column("system_code", sa.String(length=40), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_telemetry_asset")),
        sa.UniqueConstraint("code", name=op.f("uq_telemetry_asset_code")),
    )
    op.create_table(
        "telemetry_tag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("quantity", sa.String(length=20), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("expected_period_seconds", sa.Integer(), nullable=False),
        sa.Column("plausible_min", sa.Float(), nullable=True),
        sa.Column("plausible_max", sa.Float(), nullable=True),
        sa.Column("detectors", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["asset_id"], ["telemetry_asset.id"],
                                name=op.f("fk_telemetry_tag_asset_id_telemetry_asset")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_telemetry_tag")),
        sa.UniqueConstraint("name", name=op.f("uq_telemetry_tag_name")),
    )
    with op.batch_alter_table("telemetry_tag", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_telemetry_tag_asset_id"), ["asset_id"], unique=False)
    op.create_table(
        "telemetry_connector_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_reading_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("readings_total", sa.Integer(), nullable=False),
        sa.Column("rejected_total", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("stats", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_telemetry_connector_state")),
        sa.UniqueConstraint("name", name=op.f("uq_telemetry_connector_state_name")),
    )
    op.create_table(
        "telemetry_reading",
        sa.Column("tag", sa.String(length=80), nullable=False),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("quality", sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint("tag", "ts", name=op.f("pk_telemetry_reading")),
    )
    with op.batch_alter_table("telemetry_reading", schema=None) as batch_op:
        batch_op.create_index("ix_telemetry_reading_ts", ["ts"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("telemetry_reading", schema=None) as batch_op:
        batch_op.drop_index("ix_telemetry_reading_ts")
    op.drop_table("telemetry_reading")
    op.drop_table("telemetry_connector_state")
    with op.batch_alter_table("telemetry_tag", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_telemetry_tag_asset_id"))
    op.drop_table("telemetry_tag")
    op.drop_table("telemetry_asset")
