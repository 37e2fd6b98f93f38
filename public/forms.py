"""The public tracking form: a request number and the last four digits of the phone given."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_NUMBER = re.compile(r"^\d{8}-\d{4,}$")
_FOUR_DIGITS = re.compile(r"^\d{4}$")


class TrackForm(forms.Form):
    number = forms.CharField(
        label=_("Request number"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"placeholder": "20220114-0097", "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    phone_last4 = forms.CharField(
        label=_("Last four digits of the phone you gave"),
        max_length=4,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "pattern": "[0-9]{4}",
                "autocomplete": "off",
                "placeholder": "1234",
            }
        ),
    )

    def clean_number(self) -> str:
        # People copy numbers out of text messages with spaces and full-width dashes.
        number = re.sub(r"\s", "", self.cleaned_data["number"]).replace("－", "-")
        if not _NUMBER.match(number):
            raise ValidationError(
                _("Enter the number as you were given it, for example 20220114-0097."),
                code="invalid_number",
            )
        return number

    def clean_phone_last4(self) -> str:
        digits: str = self.cleaned_data["phone_last4"].strip()
        if not _FOUR_DIGITS.match(digits):
            raise ValidationError(_("Enter exactly four digits."), code="invalid_digits")
        return digits
