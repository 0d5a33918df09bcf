"""E-mails sent per API key in the last hour, for the e-mail limit.

Revision ID: 0004_mail_sends
Revises: 0003_callbacks
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_mail_sends"
down_revision = "0003_callbacks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``mail_sends``: an API key's digest and a time per e-mail, nothing about the recipient."""
    op.create_table(
        "mail_sends",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("owner", sa.String(64), nullable=False, index=True),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    """Drop ``mail_sends`` (the counts of the current hour go with it)."""
    op.drop_table("mail_sends")
