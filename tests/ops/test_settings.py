"""The operator's overload, metrics and log settings: good values parse, bad ones stop start-up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from lib.rates import Rate, address_in, parse_networks, parse_rate

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("value", "rate"),
    [
        ("30/minute", Rate(30, 60)),
        ("1/second", Rate(1, 1)),
        (" 600/HOUR ", Rate(600, 3600)),
        ("0", None),
        ("off", None),
        ("OFF", None),
    ],
)
def test_rates_parse(value: str, rate: Rate | None) -> None:
    assert parse_rate("HUYING_RATE_LIMIT_API", value) == rate


@pytest.mark.parametrize(
    "value",
    [
        "30",
        "30/min",
        "30/minutes",
        "/minute",
        "0/minute",
        "-1/minute",
        "1.5/second",
        "thirty/minute",
        "30/minute/1",
        "30 per minute",
        "on",
        "١٢/minute",
    ],
)
def test_bad_rates_are_refused_naming_the_variable(value: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="HUYING_RATE_LIMIT_PUBLIC"):
        parse_rate("HUYING_RATE_LIMIT_PUBLIC", value)


def test_networks_parse_addresses_and_blocks() -> None:
    networks = parse_networks("HUYING_TRUSTED_PROXIES", ["10.0.0.0/8", "::1", "192.168.1.7"])
    assert address_in("10.2.3.4", networks)
    assert address_in("::1", networks)
    assert address_in("::ffff:192.168.1.7", networks)  # IPv4 seen through an IPv6 socket
    assert not address_in("192.168.1.8", networks)
    assert not address_in("not an ip", networks)
    assert not address_in("", networks)


@pytest.mark.parametrize("value", ["10.0.0.0/33", "localhost", "10.0.0.1/8/8", "*"])
def test_bad_networks_are_refused_naming_the_variable(value: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="HUYING_TRUSTED_PROXIES"):
        parse_networks("HUYING_TRUSTED_PROXIES", [value])


# The process stops while reading its settings, before any database: one pass.
@pytest.mark.db_independent
@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("HUYING_RATE_LIMIT_PUBLIC", "30/fortnight"),
        ("HUYING_TRUSTED_PROXIES", "proxy.example.org"),
        ("HUYING_METRICS_TOKEN", "short"),
        ("HUYING_LOG_FORMAT", "xml"),
    ],
)
def test_the_settings_refuse_to_load_with_a_bad_value(
    name: str, value: str, tmp_path: Path
) -> None:
    env = {**os.environ, "HUYING_DATA_DIR": str(tmp_path), name: value}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "-c", "import huying.settings"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert name in result.stderr.strip().splitlines()[-1]
