"""Masking of personal data for display: ``138****1234`` and ``4108**********1234``."""

from __future__ import annotations


def mask_phone(phone: str) -> str:
    """Keep the first three and last four digits, as Chinese services print a mobile number."""
    if len(phone) <= 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_id_number(id_number: str) -> str:
    """Keep the first four (province and city) and the last four characters."""
    if len(id_number) <= 8:
        return "*" * len(id_number)
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]


def mask_name(name: str) -> str:
    """Keep the family name only: 张三 → 张*, 欧阳娜娜 → 欧***."""
    if len(name) <= 1:
        return name
    return name[0] + "*" * (len(name) - 1)
