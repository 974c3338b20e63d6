"""security: server-side session revocation (a per-user session version) and one-time
recovery codes for a locked-out administrator.

Revision ID: 0012_security
Revises: 0008_portal
"""
from alembic import op
import sqlalchemy as sa

revision = "0012_security"
down_revision = "0011_reliability"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("core_user") as batch:
        batch.add_column(sa.Column("session_version", sa.Integer(), nullable=False,
                                   server_default="0"))
    op.create_table(
        "core_recovery_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["core_user.id"], ondelete="CASCADE",
                                name=op.f("fk_core_recovery_code_user_id_core_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_core_recovery_code")),
    )
    op.create_index(op.f("ix_core_recovery_code_user_id"), "core_recovery_code", ["user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_core_recovery_code_user_id"), table_name="core_recovery_code")
    op.drop_table("core_recovery_code")
    with op.batch_alter_table("core_user") as batch:
        batch.drop_column("session_version")
