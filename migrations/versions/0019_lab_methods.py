"""lab methods and instruments (issue 20): the tables the quality system builds on.

Revision ID: 0019_lab_methods
Revises: 0018_plan_generator
"""
from alembic import op
import sqlalchemy as sa

revision = "0019_lab_methods"
down_revision = "0018_plan_generator"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
VALUE = sa.Numeric(precision=20, scale=8)


def upgrade() -> None:
    op.create_table(
        "lims_method",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("parameter_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(200), nullable=False),
        sa.Column("unit", sa.String(30), nullable=False),
        sa.Column("ld", VALUE, nullable=True),
        sa.Column("lq", VALUE, nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["parameter_id"], ["lims_parameter.id"],
                                name=op.f("fk_lims_method_parameter_id_lims_parameter")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lims_method")),
        sa.UniqueConstraint("code", name=op.f("uq_lims_method_code")),
    )
    op.create_index(op.f("ix_lims_method_parameter_id"), "lims_method", ["parameter_id"])
    op.create_table(
        "lims_instrument",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("kind", sa.String(60), nullable=False),
        sa.Column("serial", sa.String(80), nullable=True),
        sa.Column("location", sa.String(120), nullable=True),
        sa.Column("calibration_due", sa.Date(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lims_instrument")),
        sa.UniqueConstraint("code", name=op.f("uq_lims_instrument_code")),
    )


def downgrade() -> None:
    op.drop_table("lims_instrument")
    op.drop_index(op.f("ix_lims_method_parameter_id"), table_name="lims_method")
    op.drop_table("lims_method")
