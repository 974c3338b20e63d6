"""lims rules: limits with their kind and scope in the catalogue, the system's disinfectant.

- lims_parameter.limit_kind: what the general limit is (vmp | faixa_recomendada | ...); pH
  becomes a recommended range.
- lims_parameter_limit: scoped limits (point kinds, treatment types, disinfectants), seeded by
  lims.seed.seed_reference from lims/data/catalogue_p888_v1.toml, edited by a Gestor.
- lims_supply_system.disinfectant: chooses the residual rule of Art. 32.
- The disinfectant minimums move from the general limit to scoped rows (per disinfectant).

Revision ID: 0009_lims_rules
Revises: 0008_portal
"""
from alembic import op
import sqlalchemy as sa

revision = "0009_lims_rules"
down_revision = "0008_portal"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("lims_parameter", sa.Column("limit_kind", sa.String(length=20),
                                              nullable=False, server_default="vmp"))
    op.add_column("lims_supply_system", sa.Column("disinfectant", sa.String(length=20),
                                                  nullable=False, server_default="cloro_livre"))
    op.create_table(
        "lims_parameter_limit",
        sa.Column("parameter_code", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("minimum", sa.Numeric(20, 8), nullable=True),
        sa.Column("maximum", sa.Numeric(20, 8), nullable=True),
        sa.Column("point_kinds", sa.JSON(), nullable=False),
        sa.Column("treatment_types", sa.JSON(), nullable=False),
        sa.Column("disinfectants", sa.JSON(), nullable=False),
        sa.Column("annex", sa.String(length=40), nullable=True),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("unverified", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lims_parameter_limit")),
    )
    op.create_index(op.f("ix_lims_parameter_limit_parameter_code"), "lims_parameter_limit",
                    ["parameter_code"])
    # existing catalogues: pH is a recommendation; the residual minimums become scoped rows
    # (added by seed_reference), so the general limit keeps only the maximum
    op.execute("UPDATE lims_parameter SET limit_kind = 'faixa_recomendada' WHERE code = 'ph'")
    op.execute("UPDATE lims_parameter SET vmp_min = NULL WHERE code IN "
               "('cloro_residual_livre', 'cloro_residual_combinado', 'dioxido_de_cloro')")


def downgrade() -> None:
    op.drop_index(op.f("ix_lims_parameter_limit_parameter_code"),
                  table_name="lims_parameter_limit")
    op.drop_table("lims_parameter_limit")
    op.drop_column("lims_supply_system", "disinfectant")
    op.drop_column("lims_parameter", "limit_kind")
