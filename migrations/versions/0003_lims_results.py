"""lims_results tables: results, analysis reports, recoletas, ETA stoppages, dosing, closing.

Revision ID: 0003_lims_results
Revises: 0002_lims
"""
from alembic import op
import sqlalchemy as sa

revision = "0003_lims_results"
down_revision = "0002a_lims_routes"
branch_labels = None
depends_on = None

TABLES = ("lims_recoleta", "lims_result", "lims_month_closing", "lims_eta_stoppage",
          "lims_analysis_report", "lims_dosing_consumption")


def upgrade() -> None:
    op.create_table('lims_dosing_consumption',
    sa.Column('eta_code', sa.String(length=40), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('product', sa.String(length=120), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.Column('unit', sa.String(length=20), nullable=False),
    sa.Column('notes', sa.String(length=500), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lims_dosing_consumption')),
    sa.UniqueConstraint('eta_code', 'year', 'month', 'product', name=op.f('uq_lims_dosing_consumption_eta_code_year_month_product'))
    )
    op.create_table('lims_analysis_report',
    sa.Column('lab_name', sa.String(length=200), nullable=False),
    sa.Column('report_number', sa.String(length=60), nullable=False),
    sa.Column('report_date', sa.Date(), nullable=False),
    sa.Column('file_path', sa.String(length=400), nullable=True),
    sa.Column('file_name', sa.String(length=200), nullable=True),
    sa.Column('file_sha256', sa.String(length=64), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['entered_by_id'], ['core_user.id'], name=op.f('fk_lims_analysis_report_entered_by_id_core_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lims_analysis_report')),
    sa.UniqueConstraint('lab_name', 'report_number', name=op.f('uq_lims_analysis_report_lab_name_report_number'))
    )
    op.create_table('lims_eta_stoppage',
    sa.Column('eta_code', sa.String(length=40), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('source_ref', sa.String(length=120), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['core_user.id'], name=op.f('fk_lims_eta_stoppage_created_by_id_core_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lims_eta_stoppage')),
    sa.UniqueConstraint('source_ref', name=op.f('uq_lims_eta_stoppage_source_ref'))
    )
    with op.batch_alter_table('lims_eta_stoppage', schema=None) as batch_op:
        batch_op.create_index('ix_lims_eta_stoppage_eta', ['eta_code', 'started_at'], unique=False)

    op.create_table('lims_month_closing',
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('scope_id', sa.Integer(), nullable=False),
    sa.Column('system_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('reopened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reopened_by_id', sa.Integer(), nullable=True),
    sa.Column('reopen_reason', sa.String(length=2000), nullable=True),
    sa.Column('times_closed', sa.Integer(), nullable=False),
    sa.Column('report', sa.JSON(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['closed_by_id'], ['core_user.id'], name=op.f('fk_lims_month_closing_closed_by_id_core_user')),
    sa.ForeignKeyConstraint(['reopened_by_id'], ['core_user.id'], name=op.f('fk_lims_month_closing_reopened_by_id_core_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lims_month_closing')),
    sa.UniqueConstraint('year', 'month', 'level', 'scope_id', name=op.f('uq_lims_month_closing_year_month_level_scope_id'))
    )
    with op.batch_alter_table('lims_month_closing', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lims_month_closing_system_id'), ['system_id'], unique=False)

    op.create_table('lims_result',
    sa.Column('sample_id', sa.Integer(), nullable=False),
    sa.Column('sample_code', sa.String(length=40), nullable=False),
    sa.Column('parameter_id', sa.Integer(), nullable=False),
    sa.Column('parameter_code', sa.String(length=80), nullable=False),
    sa.Column('parameter_name', sa.String(length=200), nullable=False),
    sa.Column('point_id', sa.Integer(), nullable=True),
    sa.Column('point_kind', sa.String(length=30), nullable=True),
    sa.Column('point_code', sa.String(length=40), nullable=False),
    sa.Column('point_name', sa.String(length=200), nullable=False),
    sa.Column('system_id', sa.Integer(), nullable=True),
    sa.Column('system_name', sa.String(length=200), nullable=False),
    sa.Column('collected_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('collected_on', sa.Date(), nullable=True),
    sa.Column('is_recoleta', sa.Boolean(), nullable=False),
    sa.Column('value', sa.Numeric(precision=20, scale=8), nullable=True),
    sa.Column('value_text', sa.String(length=40), nullable=False),
    sa.Column('qualifier', sa.String(length=10), nullable=False),
    sa.Column('unit', sa.String(length=30), nullable=False),
    sa.Column('ld', sa.Numeric(precision=20, scale=8), nullable=True),
    sa.Column('lq', sa.Numeric(precision=20, scale=8), nullable=True),
    sa.Column('method', sa.String(length=200), nullable=True),
    sa.Column('instrument', sa.String(length=120), nullable=True),
    sa.Column('analysed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('analyst_id', sa.Integer(), nullable=True),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('report_id', sa.Integer(), nullable=True),
    sa.Column('outside_plausible_confirmed', sa.Boolean(), nullable=False),
    sa.Column('observation', sa.Text(), nullable=True),
    sa.Column('verdict', sa.String(length=20), nullable=False),
    sa.Column('standard', sa.String(length=120), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('validated_by_id', sa.Integer(), nullable=True),
    sa.Column('validated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('superseded_by_id', sa.Integer(), nullable=True),
    sa.Column('supersedes_id', sa.Integer(), nullable=True),
    sa.Column('supersede_kind', sa.String(length=20), nullable=True),
    sa.Column('change_reason', sa.String(length=1000), nullable=True),
    sa.Column('nonconformity_notified', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['analyst_id'], ['core_user.id'], name=op.f('fk_lims_result_analyst_id_core_user')),
    sa.ForeignKeyConstraint(['entered_by_id'], ['core_user.id'], name=op.f('fk_lims_result_entered_by_id_core_user')),
    sa.ForeignKeyConstraint(['report_id'], ['lims_analysis_report.id'], name=op.f('fk_lims_result_report_id_lims_analysis_report')),
    sa.ForeignKeyConstraint(['superseded_by_id'], ['lims_result.id'], name=op.f('fk_lims_result_superseded_by_id_lims_result')),
    sa.ForeignKeyConstraint(['supersedes_id'], ['lims_result.id'], name=op.f('fk_lims_result_supersedes_id_lims_result')),
    sa.ForeignKeyConstraint(['validated_by_id'], ['core_user.id'], name=op.f('fk_lims_result_validated_by_id_core_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lims_result'))
    )
    with op.batch_alter_table('lims_result', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lims_result_parameter_code'), ['parameter_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_lims_result_parameter_id'), ['parameter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lims_result_point_id'), ['point_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lims_result_sample_id'), ['sample_id'], unique=False)
        batch_op.create_index('ix_lims_result_sample_param', ['sample_id', 'parameter_id'], unique=False)
        batch_op.create_index('ix_lims_result_state_month', ['state', 'collected_on'], unique=False)
        batch_op.create_index('ix_lims_result_system_month', ['system_id', 'collected_on'], unique=False)

    op.create_table('lims_recoleta',
    sa.Column('original_sample_id', sa.Integer(), nullable=False),
    sa.Column('original_result_id', sa.Integer(), nullable=True),
    sa.Column('sample_id', sa.Integer(), nullable=True),
    sa.Column('point_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('scheduled_for', sa.Date(), nullable=False),
    sa.Column('automatic', sa.Boolean(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=1000), nullable=True),
    sa.Column('cancel_reason', sa.String(length=1000), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['core_user.id'], name=op.f('fk_lims_recoleta_created_by_id_core_user')),
    sa.ForeignKeyConstraint(['original_result_id'], ['lims_result.id'], name=op.f('fk_lims_recoleta_original_result_id_lims_result')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lims_recoleta')),
    sa.UniqueConstraint('original_result_id', 'point_id', 'scheduled_for', name=op.f('uq_lims_recoleta_original_result_id_point_id_scheduled_for'))
    )
    with op.batch_alter_table('lims_recoleta', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lims_recoleta_original_sample_id'), ['original_sample_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lims_recoleta_sample_id'), ['sample_id'], unique=False)



def downgrade() -> None:
    for name in TABLES:
        op.drop_table(name)
