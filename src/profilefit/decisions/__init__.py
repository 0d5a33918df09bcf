"""The decision log: one pseudonymous line per decision and per human review, and erasure on request.

See docs/decision-log.md: what a line holds (EU AI Act Art. 12), that the log is personal
data (GDPR), how long to keep it, and how to erase one candidate's lines (GDPR Art. 17).
"""

from profilefit.decisions._log import KEY_ENVIRONMENT, DecisionLog, DecisionLogError

__all__ = ["KEY_ENVIRONMENT", "DecisionLog", "DecisionLogError"]
