"""Parsing of the operator's rate and address settings ("30/minute", "10.0.0.0/8").

Read once at start-up by the settings; a bad value stops the process naming the variable.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_PERIODS = {"second": 1, "minute": 60, "hour": 3600}
_OFF = {"0", "off"}
_DIGITS = re.compile(r"[0-9]{1,9}")


@dataclass(frozen=True)
class Rate:
    """At most ``count`` requests in each window of ``seconds``."""

    count: int
    seconds: int

    def __str__(self) -> str:
        period = {seconds: name for name, seconds in _PERIODS.items()}[self.seconds]
        return f"{self.count}/{period}"


def parse_rate(name: str, value: str) -> Rate | None:
    """``"30/minute"`` → ``Rate(30, 60)``; ``"0"`` or ``"off"`` → ``None`` (no limit)."""
    text = value.strip().lower()
    if text in _OFF:
        return None
    count, slash, period = text.partition("/")
    # ASCII digits only: str.isdigit() would also take "١٢" or "²".
    if not slash or period not in _PERIODS or not _DIGITS.fullmatch(count) or int(count) < 1:
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a rate; write it as N/second, N/minute or N/hour "
            "with N a whole number of at least 1, or 0 or off for no limit."
        )
    return Rate(int(count), _PERIODS[period])


def parse_networks(name: str, values: list[str]) -> tuple[IPNetwork, ...]:
    """Addresses and CIDR blocks (``127.0.0.1``, ``10.0.0.0/8``, ``::1``)."""
    networks: list[IPNetwork] = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} holds {value!r}, which is not an IP address or a CIDR block."
            ) from None
    return tuple(networks)


def is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip())
    except ValueError:
        return False
    return True


def address_in(address: str, networks: tuple[IPNetwork, ...]) -> bool:
    """Whether the textual ``address`` falls in one of ``networks`` (False if not an IP)."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip.version == network.version and ip in network for network in networks)
