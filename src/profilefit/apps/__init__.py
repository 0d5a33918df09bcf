"""Floor 5, apps: the ways in from outside.

The ``profilefit`` command and the assessment service (HTTP API, candidate page, ATS
contracts). Nothing below imports them (docs/architecture.md).
"""
