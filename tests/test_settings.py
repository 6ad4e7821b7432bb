"""Every setting is documented: in its field description and in the README's table."""

from __future__ import annotations

from pathlib import Path

from curbside.settings import Settings

README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_setting_is_documented() -> None:
    readme = README.read_text(encoding="utf-8")
    for name, field in Settings.model_fields.items():
        variable = f"CURBSIDE_{name.upper()}"
        assert field.description and variable in field.description, name
        assert f"`{variable}`" in readme, f"{variable} is missing from the README"
