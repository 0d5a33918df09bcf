"""Each invitation records the instrument version it was made with.

Invitations made before this revision were all made with instrument 1.2, so existing rows
get "1.2"; the service then completes and scores them with 1.2 while new invitations use 2.0.

Revision ID: 0005_instrument_version
Revises: 0004_mail_sends
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_instrument_version"
down_revision = "0004_mail_sends"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``invitations.instrument_version``, "1.2" for every existing row."""
    with op.batch_alter_table("invitations") as batch:
        batch.add_column(sa.Column("instrument_version", sa.String(16), nullable=False, server_default="1.2"))


def downgrade() -> None:
    """Drop ``invitations.instrument_version`` (the rows no longer say which version made them)."""
    with op.batch_alter_table("invitations") as batch:
        batch.drop_column("instrument_version")
