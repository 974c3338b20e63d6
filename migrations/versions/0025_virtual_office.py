"""virtual office (issue 21 item 4): one-time sign-in codes, consumer sessions, alert
subscriptions, the alerts sent with their proof, and the consumers' LGPD requests.

Revision ID: 0025_virtual_office
Revises: 0024_payments
"""
from alembic import op
import sqlalchemy as sa

revision = "0025_virtual_office"
down_revision = "0024_payments"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def _fk(table: str, col: str, target: str) -> sa.ForeignKeyConstraint:
    ref = target.split(".")[0]
    return sa.ForeignKeyConstraint([col], [target], name=op.f(f"fk_{table}_{col}_{ref}"))


def _conn_consumer(table: str) -> list:
    return [sa.Column("connection_id", sa.Integer(), nullable=False),
            sa.Column("consumer_id", sa.Integer(), nullable=False),
            _fk(table, "connection_id", "commercial_connection.id"),
            _fk(table, "consumer_id", "commercial_consumer.id")]


def upgrade() -> None:
    t = "portal_office_code"
    op.create_table(
        t, sa.Column("id", sa.Integer(), nullable=False), *_conn_consumer(t),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("recipient_masked", sa.String(200), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", TS, nullable=True),
        sa.Column("provider", sa.String(40), nullable=True),
        sa.Column("provider_message_id", sa.String(120), nullable=True),
        sa.Column("sent_at", TS, nullable=True),
        sa.Column("send_error", sa.String(500), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")))
    op.create_index(op.f(f"ix_{t}_connection_id"), t, ["connection_id"])

    t = "portal_office_session"
    op.create_table(
        t, sa.Column("id", sa.Integer(), nullable=False), *_conn_consumer(t),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("code_id", sa.Integer(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("last_seen_at", TS, nullable=False),
        sa.Column("ended_at", TS, nullable=True),
        _fk(t, "code_id", "portal_office_code.id"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
        sa.UniqueConstraint("token_hash", name=op.f(f"uq_{t}_token_hash")))
    op.create_index(op.f(f"ix_{t}_connection_id"), t, ["connection_id"])

    t = "portal_office_subscription"
    op.create_table(
        t, sa.Column("id", sa.Integer(), nullable=False), *_conn_consumer(t),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
        sa.UniqueConstraint("connection_id", "kind", name=op.f(f"uq_{t}_connection_id_kind")))
    op.create_index(op.f(f"ix_{t}_connection_id"), t, ["connection_id"])

    t = "portal_office_alert"
    op.create_table(
        t, sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("ref", sa.String(120), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("recipient", sa.String(200), nullable=True),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("sent_at", TS, nullable=True),
        sa.Column("provider", sa.String(40), nullable=True),
        sa.Column("provider_message_id", sa.String(120), nullable=True),
        sa.Column("error", sa.String(500), nullable=True),
        _fk(t, "subscription_id", "portal_office_subscription.id"),
        _fk(t, "connection_id", "commercial_connection.id"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
        sa.UniqueConstraint("ref", name=op.f(f"uq_{t}_ref")))
    op.create_index(op.f(f"ix_{t}_connection_id"), t, ["connection_id"])
    op.create_index("ix_portal_office_alert_state", t, ["state"])

    t = "portal_office_request"
    op.create_table(
        t, sa.Column("id", sa.Integer(), nullable=False), *_conn_consumer(t),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("handled_at", TS, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")))
    op.create_index(op.f(f"ix_{t}_connection_id"), t, ["connection_id"])


def downgrade() -> None:
    for t in ("portal_office_request", "portal_office_alert", "portal_office_subscription",
              "portal_office_session", "portal_office_code"):
        op.drop_table(t)
