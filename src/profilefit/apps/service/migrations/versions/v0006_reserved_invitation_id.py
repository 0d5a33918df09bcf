"""Each idempotency key reserves the id of the invitation its request makes.

A retry that takes over a stale key (its first request taken for dead) makes the invitation with
the same id, so a link the first request e-mailed before it was superseded opens the invitation
that is stored. Rows from before this revision have no reserved id; a takeover gives them one.

Revision ID: 0006_reserved_invitation_id
Revises: 0005_instrument_version
Create Date: 2026-12-14
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_reserved_invitation_id"
down_revision = "0005_instrument_version"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``idempotency_keys.reserved_id`` (empty in existing rows)."""
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.add_column(sa.Column("reserved_id", sa.String(32), nullable=True))


def downgrade() -> None:
    """Drop ``idempotency_keys.reserved_id`` (a takeover then makes an invitation with a new id, as before)."""
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.drop_column("reserved_id")
