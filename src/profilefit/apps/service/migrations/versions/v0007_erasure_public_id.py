"""Each erasure record gets a random public id, answered as ``erasure_id`` in place of the row's counter.

The counter was shared by every API key, so one organisation could count another's erasures from the
ids its own erasures were given. Rows from before this revision are given a random id each here, so
every record stays readable with an id of the same kind.

Revision ID: 0007_erasure_public_id
Revises: 0006_reserved_invitation_id
Create Date: 2026-12-08
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0007_erasure_public_id"
down_revision = "0006_reserved_invitation_id"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``erasures.public_id`` (unique), a random one for each existing row."""
    with op.batch_alter_table("erasures") as batch:
        batch.add_column(sa.Column("public_id", sa.String(32), nullable=True))
    connection = op.get_bind()
    erasures = sa.table("erasures", sa.column("id", sa.Integer), sa.column("public_id", sa.String))
    for (row_id,) in connection.execute(sa.select(erasures.c.id)).all():
        connection.execute(erasures.update().where(erasures.c.id == row_id).values(public_id=secrets.token_hex(16)))
    with op.batch_alter_table("erasures") as batch:
        batch.create_index("ix_erasures_public_id", ["public_id"], unique=True)


def downgrade() -> None:
    """Drop ``erasures.public_id`` (erasure ids are the row counter again)."""
    with op.batch_alter_table("erasures") as batch:
        batch.drop_index("ix_erasures_public_id")
        batch.drop_column("public_id")
