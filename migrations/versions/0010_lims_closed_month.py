"""lims: the closed month stored (per-parameter summary rows, one snapshot per closing), the
closing's scope (name and points), and the portal's summary cache dropped (the portal reads
the stored rows now).

Revision ID: 0010_lims_closed_month
Revises: 0009_lims_rules
"""
from alembic import op
import sqlalchemy as sa

revision = "0010_lims_closed_month"
down_revision = "0009_lims_rules"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("lims_month_closing") as b:
        b.add_column(sa.Column("scope_name", sa.String(length=200), nullable=True))
        b.add_column(sa.Column("point_ids", sa.JSON(), nullable=True))
    op.create_table(
        "lims_month_summary",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("closing_id", sa.Integer(), nullable=False),
        sa.Column("snapshot", sa.Integer(), nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("scope_id", sa.Integer(), nullable=False),
        sa.Column("parameter_code", sa.String(length=80), nullable=False),
        sa.Column("parameter_name", sa.String(length=200), nullable=False),
        sa.Column("unit", sa.String(length=30), nullable=False),
        sa.Column("where", sa.String(length=20), nullable=False),
        sa.Column("required", sa.Integer(), nullable=False),
        sa.Column("planned", sa.Integer(), nullable=False),
        sa.Column("analysed", sa.Integer(), nullable=False),
        sa.Column("conforming", sa.Integer(), nullable=False),
        sa.Column("nonconforming", sa.Integer(), nullable=False),
        sa.Column("field_readings", sa.Integer(), nullable=False),
        sa.Column("percent_conforming", sa.Numeric(precision=6, scale=2), nullable=True),
        sa.Column("mean", sa.Numeric(precision=20, scale=8), nullable=True),
        sa.Column("p95", sa.Numeric(precision=20, scale=8), nullable=True),
        sa.Column("verdict", sa.String(length=20), nullable=False),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("rules_version", sa.String(length=60), nullable=False),
        sa.Column("counting_rule", sa.Text(), nullable=False),
        sa.Column("row", sa.JSON(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["closing_id"], ["lims_month_closing.id"],
                                name=op.f("fk_lims_month_summary_closing_id_lims_month_closing")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lims_month_summary")),
    )
    op.create_index(op.f("ix_lims_month_summary_closing_id"), "lims_month_summary",
                    ["closing_id"])
    op.create_index("ix_lims_month_summary_lookup", "lims_month_summary",
                    ["system_id", "year", "month", "level", "current"])
    # the portal kept a copy of recomputed summaries to hide the recompute; closed months are
    # now read from lims_month_summary, so the copy goes
    op.drop_table("portal_summary_cache")


def downgrade() -> None:
    op.create_table(
        "portal_summary_cache",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_summary_cache")),
        sa.UniqueConstraint("system_id", "year", "month",
                            name=op.f("uq_portal_summary_cache_system_id_year_month")),
    )
    op.drop_index("ix_lims_month_summary_lookup", table_name="lims_month_summary")
    op.drop_index(op.f("ix_lims_month_summary_closing_id"), table_name="lims_month_summary")
    op.drop_table("lims_month_summary")
    with op.batch_alter_table("lims_month_closing") as b:
        b.drop_column("point_ids")
        b.drop_column("scope_name")
