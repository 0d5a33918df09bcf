"""Every error and warning profilefit raises on purpose, in one hierarchy.

Catch :class:`ProfilefitError` for any of them. Each also keeps the built-in base that says what
kind of problem it is (a bad value is a :class:`ValueError`, a missing optional library an
:class:`ImportError`, a file that cannot be written an :class:`OSError`), so code written against
those bases keeps working. Every message names what was wrong (the file, row, field or value)
and what to do about it.

An assessment that breaks the schema is the one input problem not in this hierarchy: it raises
pydantic's ``ValidationError``, which names every field with its value (the schema is a pydantic
model, and its error is what pydantic users expect); ``profilefit.core.schema.describe_errors`` turns
it into the records rejects files hold.

This module imports nothing from profilefit: every floor may raise these.
"""

from __future__ import annotations

from typing import Any


class ProfilefitError(Exception):
    """The base of every error profilefit raises on purpose."""


class ProfilefitWarning(UserWarning):
    """The base of every warning profilefit gives."""


# ---- the core: models, the decision log ---------------------------------------------------------


class ModelIntegrityError(ProfilefitError, RuntimeError):
    """The model file does not match its manifest's sha256, or is not a regular file."""


class ModelVersionError(ProfilefitError, RuntimeError):
    """The model file's format is newer than this profilefit reads, or not a profilefit model format at all.

    (Until format 3 this also meant "written by another scikit-learn"; format 3 files hold no code, so a
    scikit-learn version difference is recorded and reported, never refused.)
    """


class LegacyModelWarning(ProfilefitWarning):
    """A legacy ``.joblib`` model was loaded; re-save it with ``profilefit model convert``."""


class DecisionLogError(ProfilefitError, ValueError):
    """The decision log cannot be used as asked (no key, a bad review, an unreadable line)."""


class ForcedChoiceDesignError(ProfilefitError, ValueError):
    """A forced-choice design cannot give normative scores as it stands; the message lists every problem."""


class ParametersError(ProfilefitError, ValueError):
    """A forced-choice instrument's Thurstonian parameters file is missing, unreadable or for another instrument."""


class MissingExtraError(ProfilefitError, ImportError):
    """An optional library is not installed; the message names the extra that adds it and how to install it."""


# ---- data: rows, exports, results files, training -----------------------------------------------


class RepeatedFieldError(ProfilefitError, ValueError):
    """Two keys of one row name the same field once spaces and case are set aside (``"tc1"``, ``"TC1"``, ``" tc1"``).

    ``field`` is the field; ``keys`` the row's keys that name it, as written, and ``values`` what the row
    gives each, in order, so a reject can echo them (``[4, 6]``) as it does for a key repeated exactly
    (:class:`RepeatedKeyError`).
    """

    def __init__(self, field: str, keys: tuple[str, ...] = (), values: tuple[Any, ...] = ()) -> None:
        quoted = [repr(key) for key in keys]  # repr: a control character in a key is shown, not sent
        named = f", as {', '.join(quoted[:-1])} and {quoted[-1]}" if len(quoted) > 1 else ""
        super().__init__(
            f"field {field!r} appears more than once in this row{named} (keys are compared without spaces or case)"
        )
        self.field = field
        self.keys = keys
        self.values = values


class JsonRowError(ProfilefitError, ValueError):
    """A JSON text that is not one readable object; the message says why, in one line."""


class RepeatedKeyError(JsonRowError):
    """A JSON object that holds one key twice: ``key`` as written, and ``values``, what the object gives it, in order.

    The message is :func:`profilefit.core.rows.repeated_key_reason`; a reject names the key as its field and,
    when the key is a field of the instrument, the values (``["ac", "ba"]``), so the cell can be found and fixed.
    """

    def __init__(self, message: str, key: str, values: list[Any]) -> None:
        super().__init__(message)
        self.key = key
        self.values = values


class NotFiniteError(JsonRowError):
    """A JSON text holding ``NaN``, ``Infinity`` or a number too large for a double (``1e400``).

    ``key`` is the top-level key whose value holds it, as written; ``None`` when the text is not an object.
    """

    def __init__(self, message: str, key: str | None) -> None:
        super().__init__(message)
        self.key = key


class ColumnError(ProfilefitError, ValueError):
    """The header of an export cannot be scored as it stands; the message names the columns and the fix."""


class InputWarning(ProfilefitWarning):
    """Something about an input a caller should know, though every row was still accounted for.

    For example: header names matched without regard to case, columns ignored, data on other
    sheets of a workbook. The command line prints these as notes.
    """


class OutputPathError(ProfilefitError, ValueError):
    """An output path would overwrite the input or another output, or cannot be a file."""


class OutputError(ProfilefitError, OSError):
    """An output file could not be written; the message names the file (its final path) and the reason."""

    def __str__(self) -> str:
        return str(self.strerror)


class ResultsRoleError(ProfilefitError, ValueError):
    """A results file's fit is for another role than the one asked for, or for more than one role.

    The message names the file, the stored role(s), the role asked for and what to do. The
    command line exits 2 (a usage error: the file is fine, the request does not fit it).
    """


class TrainingDataError(ProfilefitError, ValueError):
    """Labelled data that cannot train a model; the message gives the counts and what to do."""


# ---- pages ---------------------------------------------------------------------------------------


class ResultNotFoundError(ProfilefitError, LookupError):
    """The results file holds no candidate with that id; the message names the file and the id."""


# ---- evidence: audits, item bias, validation studies ---------------------------------------------


class AuditInputError(ProfilefitError, ValueError):
    """A results or demographics file that the audit cannot use; the message names the file, row and field."""


class AuditMatchError(AuditInputError):
    """No result has a demographics row: there is nothing to audit (the ids probably differ)."""


class DifInputError(ProfilefitError, ValueError):
    """An input DIF cannot use; the message names the file, the field and what was expected."""


class ValidationInputError(ProfilefitError, ValueError):
    """A results or outcomes file a study cannot use; the message names the file, row, field and value."""


# ---- apps: the assessment service ----------------------------------------------------------------


class InvitationError(ProfilefitError, ValueError):
    """An invitation asked for a role or language the service does not offer; ``field`` names which."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field, self.reason = field, reason


class MailError(ProfilefitError, RuntimeError):
    """The invitation e-mail could not be handed to the SMTP server.

    ``refused`` is true when the server (or the message format) refused the recipient's
    address: the caller's input is at fault, not the service.
    """

    def __init__(self, reason: str, *, refused: bool = False) -> None:
        super().__init__(reason)
        self.refused = refused
