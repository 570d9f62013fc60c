"""Settings: declared once, documented, read from the environment, validated."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from coevidence.server import create_app
from coevidence.server.settings import SETTINGS, SettingError, resolve

DOCS = Path(__file__).resolve().parents[2] / "docs" / "endpoint.md"


def documented_settings() -> dict[str, str]:
    """Setting name -> its row in the settings table of docs/endpoint.md."""
    rows = {}
    for line in DOCS.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\| `([A-Z_]+)` \|", line)
        if match:
            rows[match.group(1)] = line
    return rows


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.name)
def test_every_setting_is_documented(setting):
    rows = documented_settings()
    assert setting.name in rows, f"{setting.name} is missing from the settings table of {DOCS}"
    if isinstance(setting.default, (int, float)):
        assert f"`{setting.default:g}`" in rows[setting.name] or f"`{setting.default}`" in rows[setting.name]


def test_documentation_lists_no_setting_that_does_not_exist():
    assert set(documented_settings()) == {setting.name for setting in SETTINGS}


def test_defaults():
    values = resolve({}, environ={})
    assert values["SPARQL_TIMEOUT_S"] == 5.0
    assert values["MAX_ROWS"] == 10_000
    assert values["MAX_QUERY_BYTES"] == 100_000
    assert values["WORKERS"] == 2
    assert values["DATA_PATHS"] == ()


def test_environment_then_overrides():
    environ = {"COEVIDENCE_SPARQL_TIMEOUT_S": "2.5", "COEVIDENCE_MAX_ROWS": "50",
               "COEVIDENCE_DATA_PATHS": "a.ttl:b.ttl"}
    values = resolve({}, environ=environ)
    assert values["SPARQL_TIMEOUT_S"] == 2.5
    assert values["MAX_ROWS"] == 50
    assert values["DATA_PATHS"] == (Path("a.ttl"), Path("b.ttl"))
    values = resolve({"MAX_ROWS": 7, "SPARQL_TIMEOUT_S": "1"}, environ=environ)
    assert values["MAX_ROWS"] == 7 and values["SPARQL_TIMEOUT_S"] == 1.0


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ({"environ": {"COEVIDENCE_MAX_ROWS": "many"}}, "environment variable COEVIDENCE_MAX_ROWS: 'many' is not a valid value"),
        ({"environ": {"COEVIDENCE_SPARQL_TIMEOUT_S": "0"}}, "COEVIDENCE_SPARQL_TIMEOUT_S: '0' must be a number above 0"),
        ({"overrides": {"WORKERS": 0}}, "setting WORKERS: '0' must be a whole number of at least 1"),
        ({"overrides": {"MAX_QUERY_BYTES": -5}}, "setting MAX_QUERY_BYTES"),
    ],
)
def test_bad_values_name_the_setting(source, message):
    with pytest.raises(SettingError) as caught:
        resolve(source.get("overrides", {}), environ=source.get("environ", {}))
    assert message in str(caught.value)


def test_create_app_refuses_a_bad_setting_before_opening_anything(store):
    with pytest.raises(SettingError, match="SPARQL_TIMEOUT_S"):
        create_app({"SPARQL_TIMEOUT_S": -1, "STORE": store})
