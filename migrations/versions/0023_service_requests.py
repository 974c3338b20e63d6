"""service requests (issue 21): request types, requests and their history, the service price
table, and a connection's fields on work orders and on the service catalogue.

Revision ID: 0023_service_requests
Revises: 0022_worksheets
"""
from alembic import op
import sqlalchemy as sa

revision = "0023_service_requests"
down_revision = "0022_worksheets"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def _stamps() -> list[sa.Column]:
    return [sa.Column("created_at", TS, nullable=False), sa.Column("updated_at", TS, nullable=False)]


def upgrade() -> None:
    op.create_table(
        "incidents_request_type",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(20), nullable=False),
        sa.Column("description", sa.String(200), nullable=False),
        sa.Column("group", sa.String(60), nullable=False),
        sa.Column("services", sa.JSON(), nullable=False),
        sa.Column("complaint", sa.String(20), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("needs_connection", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents_request_type")),
        sa.UniqueConstraint("code", name=op.f("uq_incidents_request_type_code")),
    )
    op.create_table(
        "incidents_service_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("protocol", sa.String(20), nullable=False),
        sa.Column("public_token", sa.String(64), nullable=False),
        sa.Column("type_code", sa.String(20), nullable=False),
        sa.Column("channel", sa.String(12), nullable=False),
        sa.Column("subject", sa.String(12), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=True),
        sa.Column("matricula", sa.String(12), nullable=False),
        sa.Column("address", sa.String(300), nullable=False),
        sa.Column("neighbourhood", sa.String(120), nullable=False),
        sa.Column("sector_code", sa.String(40), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("requester_name", sa.String(200), nullable=False),
        sa.Column("requester_document", sa.String(14), nullable=False),
        sa.Column("requester_phone", sa.String(40), nullable=False),
        sa.Column("requester_email", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("photo", sa.Text(), nullable=True),
        sa.Column("photo_type", sa.String(20), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("extra_samples", sa.JSON(), nullable=False),
        sa.Column("opened_at", TS, nullable=False),
        sa.Column("closed_at", TS, nullable=True),
        sa.Column("survey_score", sa.Integer(), nullable=True),
        sa.Column("survey_comment", sa.String(2000), nullable=False),
        sa.Column("survey_at", TS, nullable=True),
        *_stamps(),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents_incident.id"],
                                name=op.f("fk_incidents_service_request_incident_id_incidents_incident")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents_service_request")),
        sa.UniqueConstraint("protocol", name=op.f("uq_incidents_service_request_protocol")),
        sa.UniqueConstraint("public_token", name=op.f("uq_incidents_service_request_public_token")),
    )
    op.create_index(op.f("ix_incidents_service_request_connection_id"), "incidents_service_request",
                    ["connection_id"])
    op.create_index(op.f("ix_incidents_service_request_incident_id"), "incidents_service_request",
                    ["incident_id"])
    op.create_index("ix_incidents_service_request_sector", "incidents_service_request",
                    ["sector_code", "opened_at"])
    op.create_table(
        "incidents_request_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("text", sa.String(1000), nullable=False),
        sa.Column("username", sa.String(120), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["incidents_service_request.id"],
                                name=op.f("fk_incidents_request_event_request_id_incidents_service_request")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents_request_event")),
    )
    op.create_index("ix_incidents_request_event_request", "incidents_request_event", ["request_id", "at"])
    op.create_table(
        "incidents_service_price",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_code", sa.String(20), nullable=False),
        sa.Column("amount", sa.Numeric(12, 2), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents_service_price")),
    )
    op.create_index("ix_incidents_service_price_code", "incidents_service_price",
                    ["service_code", "valid_from"])
    with op.batch_alter_table("incidents_service_type") as b:
        b.add_column(sa.Column("connection_effect", sa.String(12), nullable=False, server_default=""))
    with op.batch_alter_table("incidents_work_order") as b:
        b.add_column(sa.Column("request_id", sa.Integer(), nullable=True))
        b.add_column(sa.Column("connection_id", sa.Integer(), nullable=True))
        b.add_column(sa.Column("matricula", sa.String(12), nullable=False, server_default=""))
        b.add_column(sa.Column("attendance", sa.String(12), nullable=False, server_default="sistema"))
        b.add_column(sa.Column("pause_reason", sa.String(300), nullable=False, server_default=""))
        b.add_column(sa.Column("km_start", sa.Float(), nullable=True))
        b.add_column(sa.Column("km_end", sa.Float(), nullable=True))
        b.add_column(sa.Column("charge_id", sa.Integer(), nullable=True))
        b.create_foreign_key(op.f("fk_incidents_work_order_request_id_incidents_service_request"),
                             "incidents_service_request", ["request_id"], ["id"])
        b.create_index(op.f("ix_incidents_work_order_request_id"), ["request_id"])
        b.create_index(op.f("ix_incidents_work_order_connection_id"), ["connection_id"])


def downgrade() -> None:
    with op.batch_alter_table("incidents_work_order") as b:
        b.drop_index(op.f("ix_incidents_work_order_connection_id"))
        b.drop_index(op.f("ix_incidents_work_order_request_id"))
        b.drop_constraint(op.f("fk_incidents_work_order_request_id_incidents_service_request"),
                          type_="foreignkey")
        for col in ("charge_id", "km_end", "km_start", "pause_reason", "attendance", "matricula",
                    "connection_id", "request_id"):
            b.drop_column(col)
    with op.batch_alter_table("incidents_service_type") as b:
        b.drop_column("connection_effect")
    op.drop_table("incidents_service_price")
    op.drop_table("incidents_request_event")
    op.drop_table("incidents_service_request")
    op.drop_table("incidents_request_type")
