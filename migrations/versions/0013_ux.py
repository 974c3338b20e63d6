"""ux: a lab-result notice waits for a person's confirmation; the E. coli policy.

Revision ID: 0013_ux
Revises: 0008_portal
"""
import sqlalchemy as sa
from alembic import op

revision = "0013_ux"
down_revision = "0012_security"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incidents_incident") as b:
        b.add_column(sa.Column("notice_confirmation", sa.String(length=20), nullable=False,
                               server_default=""))
        b.add_column(sa.Column("notice_confirmed_by", sa.String(length=120), nullable=True))
        b.add_column(sa.Column("notice_confirmed_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "incidents_notice_policy",
        sa.Column("ecoli_auto_publish", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents_notice_policy")),
    )


def downgrade() -> None:
    op.drop_table("incidents_notice_policy")
    with op.batch_alter_table("incidents_incident") as b:
        b.drop_column("notice_confirmed_at")
        b.drop_column("notice_confirmed_by")
        b.drop_column("notice_confirmation")
