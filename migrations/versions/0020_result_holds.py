"""result holds (issue 20): a result held from validation until a Supervisor decides.

Revision ID: 0020_result_holds
Revises: 0019_lab_methods
"""
from alembic import op
import sqlalchemy as sa

revision = "0020_result_holds"
down_revision = "0019_lab_methods"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "lims_result_hold",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("ref", sa.String(80), nullable=False),
        sa.Column("decision", sa.String(20), nullable=True),
        sa.Column("justification", sa.Text(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", TS, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["result_id"], ["lims_result.id"],
                                name=op.f("fk_lims_result_hold_result_id_lims_result")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["core_user.id"],
                                name=op.f("fk_lims_result_hold_decided_by_id_core_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lims_result_hold")),
    )
    op.create_index(op.f("ix_lims_result_hold_result_id"), "lims_result_hold", ["result_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_lims_result_hold_result_id"), table_name="lims_result_hold")
    op.drop_table("lims_result_hold")
