"""Floor 3, pages: what a recruiter reads.

Candidate reports, one row of a results file as a page, and the shortlist, in four languages.
Builds on the core and on data (results files); the studies above render their pages with
this floor's isolation and layout (docs/architecture.md).
"""
