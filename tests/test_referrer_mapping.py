"""Checks on our curated referrer mapping: a bad row would silently mislabel sessions."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests import reference as ref

MAPPING_CSV = Path(__file__).resolve().parents[1] / "sessionizer" / "data" / "referrer_mapping.csv"


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    with open(MAPPING_CSV, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == ["medium", "source", "host"]
        return list(reader)


def test_has_enough_hosts(rows: list[dict[str, str]]) -> None:
    assert len(rows) >= 150


def test_hosts_are_unique(rows: list[dict[str, str]]) -> None:
    """A duplicate host would duplicate every session it matches in the left join."""
    hosts = [r["host"] for r in rows]
    assert sorted(h for h in set(hosts) if hosts.count(h) > 1) == []


def test_mediums_are_known(rows: list[dict[str, str]]) -> None:
    assert {r["medium"] for r in rows} <= set(ref.MEDIUMS)


def test_sources_are_readable(rows: list[dict[str, str]]) -> None:
    assert all(r["source"].strip() == r["source"] != "" for r in rows)


def test_hosts_are_as_referrer_host_leaves_them(rows: list[dict[str, str]]) -> None:
    """Only hosts that referrer_host can produce can ever match."""
    for r in rows:
        host = r["host"]
        assert host == host.lower() == host.strip(), host
        assert "www." not in host and "://" not in host, host
        assert "/" not in host and "?" not in host and host, host
        assert ref.referrer_host(f"https://www.{host}/some/path?q=1") == host


def test_well_known_hosts_are_mapped(rows: list[dict[str, str]]) -> None:
    mapping = {r["host"]: (r["medium"], r["source"]) for r in rows}
    assert mapping["google.com"] == ("search", "Google")
    assert mapping["t.co"] == ("social", "Twitter")
    assert mapping["mail.google.com"] == ("email", "Gmail")
    assert ref.load_referrer_mapping(MAPPING_CSV) == mapping
