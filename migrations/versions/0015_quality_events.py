"""quality events: on-call teams, shifts and pages; tag shelving; operators' labels on
anomalies (the supervised detector's training set).

Revision ID: 0015_quality_events
Revises: 0008_portal
"""
from alembic import op
import sqlalchemy as sa

revision = "0015_quality_events"
down_revision = "0013_ux"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incidents_oncall_team",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(20), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("escalation_minutes", sa.Integer(), nullable=False),
        sa.Column("supervisor_name", sa.String(200), nullable=False),
        sa.Column("supervisor_channel", sa.String(10), nullable=False),
        sa.Column("supervisor_contact", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents_oncall_team")),
        sa.UniqueConstraint("code", name=op.f("uq_incidents_oncall_team_code")),
    )
    op.create_table(
        "incidents_oncall_shift",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("contact", sa.String(200), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["incidents_oncall_team.id"],
                                name=op.f("fk_incidents_oncall_shift_team_id_incidents_oncall_team")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents_oncall_shift")),
    )
    op.create_index("ix_incidents_oncall_shift_team", "incidents_oncall_shift",
                    ["team_id", "starts_at"])
    op.create_table(
        "incidents_page",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(12), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("recipient", sa.String(200), nullable=False),
        sa.Column("code", sa.String(8), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(14), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acked_by", sa.String(200), nullable=True),
        sa.Column("ack_via", sa.String(20), nullable=True),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents_incident.id"],
                                name=op.f("fk_incidents_page_incident_id_incidents_incident")),
        sa.ForeignKeyConstraint(["team_id"], ["incidents_oncall_team.id"],
                                name=op.f("fk_incidents_page_team_id_incidents_oncall_team")),
        sa.ForeignKeyConstraint(["message_id"], ["incidents_message.id"],
                                name=op.f("fk_incidents_page_message_id_incidents_message")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents_page")),
    )
    op.create_index(op.f("ix_incidents_page_incident_id"), "incidents_page", ["incident_id"])
    op.create_index("ix_incidents_page_waiting", "incidents_page", ["state", "due_at"])
    op.create_table(
        "telemetry_shelf",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lifted_by", sa.String(120), nullable=True),
        sa.ForeignKeyConstraint(["tag_id"], ["telemetry_tag.id"],
                                name=op.f("fk_telemetry_shelf_tag_id_telemetry_tag")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_telemetry_shelf")),
    )
    op.create_index("ix_telemetry_shelf_tag", "telemetry_shelf", ["tag_id", "until"])
    with op.batch_alter_table("telemetry_anomaly") as batch:
        batch.add_column(sa.Column("label", sa.String(12), nullable=True))
        batch.add_column(sa.Column("labelled_by", sa.String(120), nullable=True))
        batch.add_column(sa.Column("labelled_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("shelved", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("telemetry_anomaly") as batch:
        for col in ("shelved", "labelled_at", "labelled_by", "label"):
            batch.drop_column(col)
    op.drop_index("ix_telemetry_shelf_tag", table_name="telemetry_shelf")
    op.drop_table("telemetry_shelf")
    op.drop_index("ix_incidents_page_waiting", table_name="incidents_page")
    op.drop_index(op.f("ix_incidents_page_incident_id"), table_name="incidents_page")
    op.drop_table("incidents_page")
    op.drop_index("ix_incidents_oncall_shift_team", table_name="incidents_oncall_shift")
    op.drop_table("incidents_oncall_shift")
    op.drop_table("incidents_oncall_team")
