"""Candidate reports (text, JSON, HTML) and the shortlist page, in English, Norwegian, Swedish and Dutch."""

__all__: list[str] = []
