"""payments (issue 21 part 3): bank return files and their lines, payments, returned direct
debits, payment plan instalments; the invoices' barcode indexed for the return files.

Revision ID: 0024_payments
Revises: 0023_service_requests
"""
from alembic import op
import sqlalchemy as sa

revision = "0024_payments"
down_revision = "0023_service_requests"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
MONEY = sa.Numeric(12, 2)


def _stamps() -> list[sa.Column]:
    return [sa.Column("created_at", TS, nullable=False), sa.Column("updated_at", TS, nullable=False)]


def _fk(table: str, col: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([col], [f"{target}.id"], name=op.f(f"fk_{table}_{col}_{target}"))


def upgrade() -> None:
    op.create_index("ix_commercial_invoice_barcode", "commercial_invoice", ["barcode"])
    t = "commercial_return_file"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("file_name", sa.String(200), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("bank_code", sa.String(3), nullable=False),
        sa.Column("bank_name", sa.String(20), nullable=False),
        sa.Column("agreement", sa.String(20), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("generated_on", sa.Date(), nullable=False),
        sa.Column("layout_version", sa.String(2), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("total", sa.Numeric(14, 2), nullable=False),
        sa.Column("applied_amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(120), nullable=True),
        *_stamps(),
        _fk(t, "user_id", "core_user"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
        sa.UniqueConstraint("sha256", name=op.f(f"uq_{t}_sha256")),
        sa.UniqueConstraint("kind", "bank_code", "agreement", "sequence",
                            name=op.f(f"uq_{t}_kind_bank_code_agreement_sequence")),
    )
    t = "commercial_return_line"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("record", sa.String(1), nullable=False),
        sa.Column("barcode", sa.String(44), nullable=True),
        sa.Column("reference", sa.String(60), nullable=True),
        sa.Column("invoice_id", sa.Integer(), nullable=True),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("credited_on", sa.Date(), nullable=True),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("expected", MONEY, nullable=True),
        sa.Column("return_code", sa.String(2), nullable=True),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("message", sa.String(300), nullable=False),
        _fk(t, "file_id", "commercial_return_file"),
        _fk(t, "invoice_id", "commercial_invoice"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
        sa.UniqueConstraint("file_id", "line_no", name=op.f(f"uq_{t}_file_id_line_no")),
    )
    op.create_index("ix_commercial_return_line_outcome", t, ["file_id", "outcome"])
    op.create_index(op.f(f"ix_{t}_invoice_id"), t, ["invoice_id"])
    t = "commercial_payment"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=True),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("credited_on", sa.Date(), nullable=True),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        *_stamps(),
        _fk(t, "invoice_id", "commercial_invoice"),
        _fk(t, "line_id", "commercial_return_line"),
        _fk(t, "user_id", "core_user"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
        sa.UniqueConstraint("invoice_id", name=op.f(f"uq_{t}_invoice_id")),
    )
    t = "commercial_debit_return"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=True),
        sa.Column("returned_on", sa.Date(), nullable=False),
        sa.Column("return_code", sa.String(2), nullable=False),
        sa.Column("reason", sa.String(120), nullable=False),
        *_stamps(),
        _fk(t, "invoice_id", "commercial_invoice"),
        _fk(t, "line_id", "commercial_return_line"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
    )
    op.create_index(op.f(f"ix_{t}_invoice_id"), t, ["invoice_id"])
    t = "commercial_plan_instalment"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("service_charge_id", sa.Integer(), nullable=True),
        sa.Column("paid_on", sa.Date(), nullable=True),
        *_stamps(),
        _fk(t, "plan_id", "commercial_payment_plan"),
        _fk(t, "service_charge_id", "commercial_service_charge"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
        sa.UniqueConstraint("plan_id", "number", name=op.f(f"uq_{t}_plan_id_number")),
    )
    op.create_index(op.f(f"ix_{t}_plan_id"), t, ["plan_id"])
    op.create_index(op.f(f"ix_{t}_service_charge_id"), t, ["service_charge_id"])


def downgrade() -> None:
    for t in ("commercial_plan_instalment", "commercial_debit_return", "commercial_payment",
              "commercial_return_line", "commercial_return_file"):
        op.drop_table(t)
    op.drop_index("ix_commercial_invoice_barcode", table_name="commercial_invoice")
