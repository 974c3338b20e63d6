"""worksheets and QC samples (issue 20 parts 1-2): QC settings per method, reference
materials, worksheet templates, worksheets and their positions.

Revision ID: 0022_worksheets
Revises: 0021_method_details
"""
from alembic import op
import sqlalchemy as sa


revision = '0022_worksheets'
down_revision = "0021_method_details"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('lims_qc_setting',
    sa.Column('method_id', sa.Integer(), nullable=False),
    sa.Column('duplicate_max_rpd', sa.Numeric(precision=8, scale=3), nullable=False),
    sa.Column('blank_limit', sa.String(length=2), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['method_id'], ['lims_method.id'], name=op.f('fk_lims_qc_setting_method_id_lims_method')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lims_qc_setting')),
    sa.UniqueConstraint('method_id', name=op.f('uq_lims_qc_setting_method_id'))
    )
    op.create_table('lims_reference_material',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('method_id', sa.Integer(), nullable=False),
    sa.Column('certified_value', sa.Numeric(precision=20, scale=8), nullable=False),
    sa.Column('tolerance', sa.Numeric(precision=20, scale=8), nullable=False),
    sa.Column('unit', sa.String(length=30), nullable=False),
    sa.Column('lot', sa.String(length=60), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=False),
    sa.Column('supplier', sa.String(length=120), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['method_id'], ['lims_method.id'], name=op.f('fk_lims_reference_material_method_id_lims_method')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lims_reference_material')),
    sa.UniqueConstraint('code', name=op.f('uq_lims_reference_material_code'))
    )
    op.create_index(op.f('ix_lims_reference_material_method_id'), 'lims_reference_material', ['method_id'], unique=False)
    op.create_table('lims_worksheet_template',
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('method_id', sa.Integer(), nullable=False),
    sa.Column('sample_count', sa.Integer(), nullable=False),
    sa.Column('layout', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['method_id'], ['lims_method.id'], name=op.f('fk_lims_worksheet_template_method_id_lims_method')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lims_worksheet_template')),
    sa.UniqueConstraint('name', name=op.f('uq_lims_worksheet_template_name'))
    )
    op.create_index(op.f('ix_lims_worksheet_template_method_id'), 'lims_worksheet_template', ['method_id'], unique=False)
    op.create_table('lims_worksheet',
    sa.Column('code', sa.String(length=30), nullable=False),
    sa.Column('method_id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('analyst_id', sa.Integer(), nullable=True),
    sa.Column('instrument_id', sa.Integer(), nullable=True),
    sa.Column('reagent_lots', sa.Text(), nullable=False),
    sa.Column('analysed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('entered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('qc_passed', sa.Boolean(), nullable=True),
    sa.Column('qc_summary', sa.Text(), nullable=False),
    sa.Column('rerun_of_id', sa.Integer(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['analyst_id'], ['core_user.id'], name=op.f('fk_lims_worksheet_analyst_id_core_user')),
    sa.ForeignKeyConstraint(['created_by_id'], ['core_user.id'], name=op.f('fk_lims_worksheet_created_by_id_core_user')),
    sa.ForeignKeyConstraint(['entered_by_id'], ['core_user.id'], name=op.f('fk_lims_worksheet_entered_by_id_core_user')),
    sa.ForeignKeyConstraint(['instrument_id'], ['lims_instrument.id'], name=op.f('fk_lims_worksheet_instrument_id_lims_instrument')),
    sa.ForeignKeyConstraint(['method_id'], ['lims_method.id'], name=op.f('fk_lims_worksheet_method_id_lims_method')),
    sa.ForeignKeyConstraint(['rerun_of_id'], ['lims_worksheet.id'], name=op.f('fk_lims_worksheet_rerun_of_id_lims_worksheet')),
    sa.ForeignKeyConstraint(['template_id'], ['lims_worksheet_template.id'], name=op.f('fk_lims_worksheet_template_id_lims_worksheet_template')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lims_worksheet')),
    sa.UniqueConstraint('code', name=op.f('uq_lims_worksheet_code'))
    )
    op.create_index(op.f('ix_lims_worksheet_method_id'), 'lims_worksheet', ['method_id'], unique=False)
    op.create_index(op.f('ix_lims_worksheet_state'), 'lims_worksheet', ['state'], unique=False)
    op.create_table('lims_worksheet_slot',
    sa.Column('worksheet_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('sample_id', sa.Integer(), nullable=True),
    sa.Column('sample_code', sa.String(length=40), nullable=False),
    sa.Column('duplicate_of', sa.Integer(), nullable=True),
    sa.Column('reference_material_id', sa.Integer(), nullable=True),
    sa.Column('result_id', sa.Integer(), nullable=True),
    sa.Column('value', sa.Numeric(precision=20, scale=8), nullable=True),
    sa.Column('value_text', sa.String(length=40), nullable=False),
    sa.Column('qc_ok', sa.Boolean(), nullable=True),
    sa.Column('qc_note', sa.String(length=300), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['reference_material_id'], ['lims_reference_material.id'], name=op.f('fk_lims_worksheet_slot_reference_material_id_lims_reference_material')),
    sa.ForeignKeyConstraint(['result_id'], ['lims_result.id'], name=op.f('fk_lims_worksheet_slot_result_id_lims_result')),
    sa.ForeignKeyConstraint(['sample_id'], ['lims_sample.id'], name=op.f('fk_lims_worksheet_slot_sample_id_lims_sample')),
    sa.ForeignKeyConstraint(['worksheet_id'], ['lims_worksheet.id'], name=op.f('fk_lims_worksheet_slot_worksheet_id_lims_worksheet')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lims_worksheet_slot')),
    sa.UniqueConstraint('worksheet_id', 'position', name=op.f('uq_lims_worksheet_slot_worksheet_id_position'))
    )
    op.create_index(op.f('ix_lims_worksheet_slot_worksheet_id'), 'lims_worksheet_slot', ['worksheet_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_lims_worksheet_slot_worksheet_id'), table_name='lims_worksheet_slot')
    op.drop_table('lims_worksheet_slot')
    op.drop_index(op.f('ix_lims_worksheet_state'), table_name='lims_worksheet')
    op.drop_index(op.f('ix_lims_worksheet_method_id'), table_name='lims_worksheet')
    op.drop_table('lims_worksheet')
    op.drop_index(op.f('ix_lims_worksheet_template_method_id'), table_name='lims_worksheet_template')
    op.drop_table('lims_worksheet_template')
    op.drop_index(op.f('ix_lims_reference_material_method_id'), table_name='lims_reference_material')
    op.drop_table('lims_reference_material')
    op.drop_table('lims_qc_setting')
