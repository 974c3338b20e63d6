"""incidents tables: incidents, timeline, evidence chain, work orders, notices, messages.

Revision ID: 0007_incidents
Revises: 0006_commercial
"""
import sqlalchemy as sa
from alembic import op

revision = "0007_incidents"
down_revision = "0006_commercial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('incidents_incident',
    sa.Column('protocol', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('origin', sa.String(length=20), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('severity', sa.String(length=10), nullable=False),
    sa.Column('open_key', sa.String(length=200), nullable=True),
    sa.Column('asset_code', sa.String(length=40), nullable=True),
    sa.Column('asset_name', sa.String(length=200), nullable=False),
    sa.Column('asset_kind', sa.String(length=20), nullable=False),
    sa.Column('tag', sa.String(length=120), nullable=True),
    sa.Column('anomaly_ids', sa.JSON(), nullable=False),
    sa.Column('anomaly_kind', sa.String(length=20), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('area', sa.JSON(), nullable=False),
    sa.Column('area_description', sa.String(length=500), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('estimated_hours', sa.Float(), nullable=True),
    sa.Column('safety_measures', sa.String(length=1000), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('public_notice', sa.Boolean(), nullable=False),
    sa.Column('public_token', sa.String(length=64), nullable=False),
    sa.Column('source_system', sa.String(length=60), nullable=True),
    sa.Column('source_code', sa.String(length=80), nullable=True),
    sa.Column('source_status', sa.String(length=60), nullable=True),
    sa.Column('source_data', sa.JSON(), nullable=False),
    sa.Column('requester_name', sa.String(length=200), nullable=False),
    sa.Column('requester_phone', sa.String(length=40), nullable=False),
    sa.Column('requester_email', sa.String(length=200), nullable=False),
    sa.Column('survey_score', sa.Integer(), nullable=True),
    sa.Column('survey_comment', sa.String(length=2000), nullable=False),
    sa.Column('survey_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incidents_incident')),
    sa.UniqueConstraint('open_key', name=op.f('uq_incidents_incident_open_key')),
    sa.UniqueConstraint('protocol', name=op.f('uq_incidents_incident_protocol')),
    sa.UniqueConstraint('public_token', name=op.f('uq_incidents_incident_public_token')),
    sa.UniqueConstraint('source_system', 'source_code', name='uq_incidents_incident_source')
    )
    op.create_index(op.f('ix_incidents_incident_asset_code'), 'incidents_incident', ['asset_code'], unique=False)
    op.create_index('ix_incidents_incident_state', 'incidents_incident', ['state', 'opened_at'], unique=False)
    op.create_table('incidents_local_outbox',
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('recipient', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incidents_local_outbox')),
    sa.UniqueConstraint('reference', name=op.f('uq_incidents_local_outbox_reference'))
    )
    op.create_table('incidents_service_type',
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('group', sa.String(length=60), nullable=False),
    sa.Column('deadline_amount', sa.Integer(), nullable=False),
    sa.Column('deadline_unit', sa.String(length=5), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('team_size', sa.Integer(), nullable=False),
    sa.Column('max_postponements', sa.Integer(), nullable=False),
    sa.Column('needs_approval', sa.Boolean(), nullable=False),
    sa.Column('materials_kit', sa.JSON(), nullable=False),
    sa.Column('closing_form', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incidents_service_type')),
    sa.UniqueConstraint('code', name=op.f('uq_incidents_service_type_code'))
    )
    op.create_table('incidents_step_config',
    sa.Column('step', sa.String(length=20), nullable=False),
    sa.Column('send_whatsapp', sa.Boolean(), nullable=False),
    sa.Column('template_code', sa.String(length=40), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incidents_step_config')),
    sa.UniqueConstraint('step', name=op.f('uq_incidents_step_config_step'))
    )
    op.create_table('incidents_technician',
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('username', sa.String(length=120), nullable=True),
    sa.Column('skills', sa.JSON(), nullable=False),
    sa.Column('available', sa.Boolean(), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('position_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('vehicle', sa.String(length=40), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incidents_technician')),
    sa.UniqueConstraint('username', name=op.f('uq_incidents_technician_username'))
    )
    op.create_table('incidents_template',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('whatsapp_template', sa.String(length=80), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incidents_template')),
    sa.UniqueConstraint('code', name=op.f('uq_incidents_template_code'))
    )
    op.create_table('incidents_evidence',
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents_incident.id'], name=op.f('fk_incidents_evidence_incident_id_incidents_incident')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incidents_evidence')),
    sa.UniqueConstraint('incident_id', 'seq', name='uq_incidents_evidence_seq')
    )
    op.create_index(op.f('ix_incidents_evidence_message_id'), 'incidents_evidence', ['message_id'], unique=False)
    op.create_table('incidents_notice',
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=40), nullable=False),
    sa.Column('template_code', sa.String(length=40), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('area_description', sa.String(length=500), nullable=False),
    sa.Column('estimated_hours', sa.Float(), nullable=True),
    sa.Column('safety_measures', sa.String(length=1000), nullable=False),
    sa.Column('recipients', sa.Integer(), nullable=False),
    sa.Column('without_channel', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents_incident.id'], name=op.f('fk_incidents_notice_incident_id_incidents_incident')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incidents_notice')),
    sa.UniqueConstraint('incident_id', 'purpose', name='uq_incidents_notice_purpose')
    )
    op.create_index(op.f('ix_incidents_notice_incident_id'), 'incidents_notice', ['incident_id'], unique=False)
    op.create_table('incidents_timeline',
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('text', sa.String(length=1000), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('username', sa.String(length=120), nullable=False),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents_incident.id'], name=op.f('fk_incidents_timeline_incident_id_incidents_incident')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incidents_timeline'))
    )
    op.create_index('ix_incidents_timeline_incident', 'incidents_timeline', ['incident_id', 'at'], unique=False)
    op.create_table('incidents_timestamp',
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('tsa_url', sa.String(length=300), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('token_b64', sa.Text(), nullable=False),
    sa.Column('gen_time', sa.String(length=40), nullable=False),
    sa.Column('error', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents_incident.id'], name=op.f('fk_incidents_timestamp_incident_id_incidents_incident')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incidents_timestamp'))
    )
    op.create_index(op.f('ix_incidents_timestamp_incident_id'), 'incidents_timestamp', ['incident_id'], unique=False)
    op.create_table('incidents_work_order',
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=True),
    sa.Column('service_code', sa.String(length=20), nullable=False),
    sa.Column('state', sa.String(length=30), nullable=False),
    sa.Column('origin', sa.String(length=20), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('technician_id', sa.Integer(), nullable=True),
    sa.Column('distance_km', sa.Float(), nullable=True),
    sa.Column('scheduled_for', sa.DateTime(timezone=True), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('executed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('postponements', sa.Integer(), nullable=False),
    sa.Column('approved', sa.Boolean(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('redo_of_id', sa.Integer(), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('closing_answers', sa.JSON(), nullable=False),
    sa.Column('materials_used', sa.JSON(), nullable=False),
    sa.Column('readings', sa.JSON(), nullable=False),
    sa.Column('vehicle', sa.String(length=40), nullable=False),
    sa.Column('note', sa.String(length=1000), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents_incident.id'], name=op.f('fk_incidents_work_order_incident_id_incidents_incident')),
    sa.ForeignKeyConstraint(['parent_id'], ['incidents_work_order.id'], name=op.f('fk_incidents_work_order_parent_id_incidents_work_order')),
    sa.ForeignKeyConstraint(['redo_of_id'], ['incidents_work_order.id'], name=op.f('fk_incidents_work_order_redo_of_id_incidents_work_order')),
    sa.ForeignKeyConstraint(['technician_id'], ['incidents_technician.id'], name=op.f('fk_incidents_work_order_technician_id_incidents_technician')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incidents_work_order')),
    sa.UniqueConstraint('number', name=op.f('uq_incidents_work_order_number'))
    )
    op.create_index(op.f('ix_incidents_work_order_incident_id'), 'incidents_work_order', ['incident_id'], unique=False)
    op.create_table('incidents_message',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=True),
    sa.Column('consumer_id', sa.Integer(), nullable=True),
    sa.Column('connection_id', sa.Integer(), nullable=True),
    sa.Column('matricula', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('recipient', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('provider', sa.String(length=30), nullable=False),
    sa.Column('provider_message_id', sa.String(length=200), nullable=True),
    sa.Column('provider_answer', sa.JSON(), nullable=False),
    sa.Column('last_error', sa.String(length=1000), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents_incident.id'], name=op.f('fk_incidents_message_incident_id_incidents_incident')),
    sa.ForeignKeyConstraint(['notice_id'], ['incidents_notice.id'], name=op.f('fk_incidents_message_notice_id_incidents_notice')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incidents_message')),
    sa.UniqueConstraint('key', name=op.f('uq_incidents_message_key'))
    )
    op.create_index(op.f('ix_incidents_message_incident_id'), 'incidents_message', ['incident_id'], unique=False)
    op.create_index(op.f('ix_incidents_message_notice_id'), 'incidents_message', ['notice_id'], unique=False)
    op.create_index('ix_incidents_message_pending', 'incidents_message', ['status', 'next_attempt_at'], unique=False)
    op.create_index('ix_incidents_message_provider', 'incidents_message', ['provider_message_id'], unique=False)
    op.create_table('incidents_wo_action',
    sa.Column('work_order_id', sa.Integer(), nullable=False),
    sa.Column('client_key', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('username', sa.String(length=120), nullable=False),
    sa.Column('photo', sa.Text(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['work_order_id'], ['incidents_work_order.id'], name=op.f('fk_incidents_wo_action_work_order_id_incidents_work_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incidents_wo_action')),
    sa.UniqueConstraint('work_order_id', 'client_key', name='uq_incidents_wo_action_key')
    )
    op.create_index(op.f('ix_incidents_wo_action_work_order_id'), 'incidents_wo_action', ['work_order_id'], unique=False)
    op.create_table('incidents_receipt',
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('provider_status', sa.String(length=40), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('raw', sa.JSON(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['incidents_message.id'], name=op.f('fk_incidents_receipt_message_id_incidents_message')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incidents_receipt'))
    )
    op.create_index(op.f('ix_incidents_receipt_message_id'), 'incidents_receipt', ['message_id'], unique=False)


def downgrade() -> None:
    op.drop_table('incidents_receipt')
    op.drop_table('incidents_wo_action')
    op.drop_table('incidents_message')
    op.drop_table('incidents_work_order')
    op.drop_table('incidents_timestamp')
    op.drop_table('incidents_timeline')
    op.drop_table('incidents_notice')
    op.drop_table('incidents_evidence')
    op.drop_table('incidents_template')
    op.drop_table('incidents_technician')
    op.drop_table('incidents_step_config')
    op.drop_table('incidents_service_type')
    op.drop_table('incidents_local_outbox')
    op.drop_table('incidents_incident')
