"""The base of profilefit's data models: made once, never changed, and strict about their keys."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class FrozenModel(BaseModel):
    """A pydantic model that cannot be changed once made and refuses keys it does not define.

    ``extra="forbid"``: a misspelt key in a file (a role's ``"wieght"``, an instrument's
    ``"reverse_keyed "``) or in a round-tripped result is an error, not a silent default.
    ``frozen``: a model can be shared and cached (the built-in instrument is one object).
    A subclass adds to this configuration (``strict=True``, ``protected_namespaces=()``).
    """

    # protected_namespaces=(): fields such as model_id are the documents' own (pydantic before 2.10 warned).
    model_config = ConfigDict(frozen=True, extra="forbid", protected_namespaces=())
