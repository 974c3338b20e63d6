"""reliability: tracked long jobs (heartbeat, interruption, resume) and the telemetry
dead letter (readings set aside, with the reason).

Revision ID: 0011_reliability
Revises: 0008_portal
"""
from alembic import op
import sqlalchemy as sa

revision = "0011_reliability"
down_revision = "0010_lims_closed_month"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "core_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(200), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("subject", sa.String(120), nullable=True),
        sa.Column("kwargs", sa.JSON(), nullable=False),
        sa.Column("cancel_path", sa.String(200), nullable=True),
        sa.Column("permission", sa.String(80), nullable=True),
        sa.Column("state", sa.String(15), nullable=False),
        sa.Column("worker", sa.String(200), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("checkpoint", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("interrupted_reason", sa.String(500), nullable=True),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_core_job")),
    )
    op.create_index(op.f("ix_core_job_subject"), "core_job", ["subject"])
    op.create_index(op.f("ix_core_job_state"), "core_job", ["state"])


def downgrade() -> None:
    op.drop_index(op.f("ix_core_job_state"), table_name="core_job")
    op.drop_index(op.f("ix_core_job_subject"), table_name="core_job")
    op.drop_table("core_job")
