"""sensor and lab: collection points linked to telemetry tags, the online value beside each
validated result, the sensor-lab tolerance rules, extra samples asked by incidents, the
suspect flag of a tag and the instrument of a calibration work order.

Revision ID: 0017_sensor_lab
Revises: 0016_search
"""
from alembic import op
import sqlalchemy as sa

revision = "0017_sensor_lab"
down_revision = "0016_search"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "lims_point_tag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("point_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.String(20), nullable=False),
        sa.Column("tag", sa.String(80), nullable=False),
        sa.Column("parameter_code", sa.String(80), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["point_id"], ["lims_collection_point.id"],
                                name=op.f("fk_lims_point_tag_point_id_lims_collection_point")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lims_point_tag")),
        sa.UniqueConstraint("point_id", "quantity", name=op.f("uq_lims_point_tag_point_id_quantity")),
    )
    op.create_index(op.f("ix_lims_point_tag_point_id"), "lims_point_tag", ["point_id"])
    op.create_index(op.f("ix_lims_point_tag_tag"), "lims_point_tag", ["tag"])
    op.create_table(
        "lims_sensor_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.String(20), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("parameter_code", sa.String(80), nullable=False),
        sa.Column("tolerance", sa.Float(), nullable=False),
        sa.Column("pairs", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(300), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lims_sensor_rule")),
        sa.UniqueConstraint("quantity", name=op.f("uq_lims_sensor_rule_quantity")),
    )
    op.create_table(
        "lims_sensor_pair",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=False),
        sa.Column("point_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(80), nullable=False),
        sa.Column("parameter_code", sa.String(80), nullable=False),
        sa.Column("collected_at", TS, nullable=False),
        sa.Column("lab_value", sa.Float(), nullable=True),
        sa.Column("online_value", sa.Float(), nullable=True),
        sa.Column("online_at", TS, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["result_id"], ["lims_result.id"],
                                name=op.f("fk_lims_sensor_pair_result_id_lims_result")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lims_sensor_pair")),
        sa.UniqueConstraint("result_id", name=op.f("uq_lims_sensor_pair_result_id")),
    )
    op.create_index(op.f("ix_lims_sensor_pair_point_id"), "lims_sensor_pair", ["point_id"])
    op.create_index(op.f("ix_lims_sensor_pair_tag"), "lims_sensor_pair", ["tag"])
    op.create_table(
        "lims_sample_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sample_id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(80), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("announced", sa.Boolean(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["sample_id"], ["lims_sample.id"],
                                name=op.f("fk_lims_sample_request_sample_id_lims_sample")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lims_sample_request")),
        sa.UniqueConstraint("sample_id", name=op.f("uq_lims_sample_request_sample_id")),
    )
    op.create_index(op.f("ix_lims_sample_request_ref"), "lims_sample_request", ["ref"])
    with op.batch_alter_table("telemetry_tag") as batch:
        batch.add_column(sa.Column("suspect", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("suspect_reason", sa.String(500), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("suspect_since", TS, nullable=True))
    with op.batch_alter_table("incidents_work_order") as batch:
        batch.add_column(sa.Column("tag", sa.String(80), nullable=True))
        batch.create_index(batch.f("ix_incidents_work_order_tag"), ["tag"])


def downgrade() -> None:
    with op.batch_alter_table("incidents_work_order") as batch:
        batch.drop_index(batch.f("ix_incidents_work_order_tag"))
        batch.drop_column("tag")
    with op.batch_alter_table("telemetry_tag") as batch:
        batch.drop_column("suspect_since")
        batch.drop_column("suspect_reason")
        batch.drop_column("suspect")
    op.drop_table("lims_sample_request")
    op.drop_table("lims_sensor_pair")
    op.drop_table("lims_sensor_rule")
    op.drop_table("lims_point_tag")
