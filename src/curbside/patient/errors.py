"""The one error raised when patient data cannot be read."""

from __future__ import annotations

from pathlib import Path


class PatientDataError(ValueError):
    """Patient data that cannot be read: a malformed file, an unknown key, an impossible value.

    The message names the source (a file path, or "FHIR Bundle") and the field, e.g.
    ``patient.yaml: anc: 45% is a percentage, not an absolute count``.
    """

    def __init__(
        self, message: str, *, source: str | Path | None = None, field: str | None = None
    ) -> None:
        self.source = str(source) if source is not None else None
        self.field = field
        self.reason = message
        prefix = "".join(f"{part}: " for part in (self.source, field) if part)
        super().__init__(prefix + message)
