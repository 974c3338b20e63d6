"""method details (issue 20): uncertainty ranges, instrument records, analyst competence,
per-parameter rules (holding time, arrival temperature, decision rule, verifications),
result verifications, and the method / instrument / uncertainty of each result.

Revision ID: 0021_method_details
Revises: 0020_result_holds
"""
from alembic import op
import sqlalchemy as sa

revision = "0021_method_details"
down_revision = "0020_result_holds"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
VALUE = sa.Numeric(precision=20, scale=8)


def _stamps() -> list[sa.Column]:
    return [sa.Column("created_at", TS, nullable=False), sa.Column("updated_at", TS, nullable=False)]


def _fk(table: str, col: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([col], [f"{target}.id"], name=op.f(f"fk_{table}_{col}_{target}"))


def upgrade() -> None:
    op.create_table(
        "lims_method_range",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("method_id", sa.Integer(), nullable=False),
        sa.Column("low", VALUE, nullable=False),
        sa.Column("high", VALUE, nullable=True),
        sa.Column("u_abs", VALUE, nullable=True),
        sa.Column("u_rel", sa.Numeric(8, 3), nullable=True),
        sa.Column("k", sa.Numeric(4, 2), nullable=False),
        sa.Column("notes", sa.String(300), nullable=False),
        *_stamps(),
        _fk("lims_method_range", "method_id", "lims_method"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lims_method_range")),
    )
    op.create_index(op.f("ix_lims_method_range_method_id"), "lims_method_range", ["method_id"])
    op.create_table(
        "lims_instrument_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instrument_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("performed_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("certificate", sa.String(120), nullable=False),
        sa.Column("performed_by", sa.String(200), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        *_stamps(),
        _fk("lims_instrument_record", "instrument_id", "lims_instrument"),
        _fk("lims_instrument_record", "recorded_by_id", "core_user"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lims_instrument_record")),
    )
    op.create_index(op.f("ix_lims_instrument_record_instrument_id"), "lims_instrument_record",
                    ["instrument_id"])
    op.create_table(
        "lims_competence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("method_id", sa.Integer(), nullable=False),
        sa.Column("granted_on", sa.Date(), nullable=False),
        sa.Column("evidence", sa.String(300), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_stamps(),
        _fk("lims_competence", "user_id", "core_user"),
        _fk("lims_competence", "method_id", "lims_method"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lims_competence")),
        sa.UniqueConstraint("user_id", "method_id", name=op.f("uq_lims_competence_user_id_method_id")),
    )
    op.create_index(op.f("ix_lims_competence_user_id"), "lims_competence", ["user_id"])
    op.create_index(op.f("ix_lims_competence_method_id"), "lims_competence", ["method_id"])
    op.create_table(
        "lims_parameter_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("parameter_id", sa.Integer(), nullable=False),
        sa.Column("max_hours", sa.Numeric(8, 2), nullable=True),
        sa.Column("temp_min", sa.Numeric(5, 1), nullable=True),
        sa.Column("temp_max", sa.Numeric(5, 1), nullable=True),
        sa.Column("source", sa.String(300), nullable=False),
        sa.Column("unverified", sa.Boolean(), nullable=False),
        sa.Column("version", sa.String(40), nullable=False),
        sa.Column("decision_rule", sa.String(20), nullable=False),
        sa.Column("verifications", sa.Integer(), nullable=False),
        *_stamps(),
        _fk("lims_parameter_rule", "parameter_id", "lims_parameter"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lims_parameter_rule")),
        sa.UniqueConstraint("parameter_id", name=op.f("uq_lims_parameter_rule_parameter_id")),
    )
    op.create_table(
        "lims_result_verification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("verified_at", TS, nullable=False),
        *_stamps(),
        _fk("lims_result_verification", "result_id", "lims_result"),
        _fk("lims_result_verification", "user_id", "core_user"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lims_result_verification")),
        sa.UniqueConstraint("result_id", "user_id",
                            name=op.f("uq_lims_result_verification_result_id_user_id")),
    )
    op.create_index(op.f("ix_lims_result_verification_result_id"), "lims_result_verification",
                    ["result_id"])
    with op.batch_alter_table("lims_result") as b:
        b.add_column(sa.Column("method_id", sa.Integer(), nullable=True))
        b.add_column(sa.Column("instrument_id", sa.Integer(), nullable=True))
        b.add_column(sa.Column("uncertainty", VALUE, nullable=True))
        b.add_column(sa.Column("decision_rule", sa.String(20), nullable=True))
        b.create_foreign_key(op.f("fk_lims_result_method_id_lims_method"), "lims_method",
                             ["method_id"], ["id"])
        b.create_foreign_key(op.f("fk_lims_result_instrument_id_lims_instrument"),
                             "lims_instrument", ["instrument_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("lims_result") as b:
        b.drop_constraint(op.f("fk_lims_result_instrument_id_lims_instrument"), type_="foreignkey")
        b.drop_constraint(op.f("fk_lims_result_method_id_lims_method"), type_="foreignkey")
        for col in ("decision_rule", "uncertainty", "instrument_id", "method_id"):
            b.drop_column(col)
    op.drop_index(op.f("ix_lims_result_verification_result_id"), table_name="lims_result_verification")
    op.drop_table("lims_result_verification")
    op.drop_table("lims_parameter_rule")
    op.drop_index(op.f("ix_lims_competence_method_id"), table_name="lims_competence")
    op.drop_index(op.f("ix_lims_competence_user_id"), table_name="lims_competence")
    op.drop_table("lims_competence")
    op.drop_index(op.f("ix_lims_instrument_record_instrument_id"), table_name="lims_instrument_record")
    op.drop_table("lims_instrument_record")
    op.drop_index(op.f("ix_lims_method_range_method_id"), table_name="lims_method_range")
    op.drop_table("lims_method_range")
