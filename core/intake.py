"""What makes an intake valid: one form used by the console and the API alike, so a field is
checked the same way, with the same translated message, whichever door the request came in by.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils.translation import gettext_lazy as _
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError as StdnumError

from core import reference_cache
from core.errors import HuyingError
from core.models import Category, Channel, Division, RequesterKind, Urgency
from core.services import MAX_TEXT, NewRequest

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


def normalise_phone(value: str) -> str:
    """Strip spaces and the +86 country code; raise ``ValidationError`` if it is no phone."""
    phone = re.sub(r"[\s()]", "", value or "")
    if phone.startswith("+86"):
        phone = phone[3:]
    elif phone.startswith("0086"):
        phone = phone[4:]
    if not (_MOBILE.match(phone) or _LANDLINE.match(phone)):
        raise ValidationError(
            _(
                "Enter a mobile number of 11 digits (e.g. 13812341234) or a landline with area code."
            ),
            code="invalid_phone",
        )
    return phone


def normalise_id_number(value: str) -> str:
    number = (value or "").strip().upper()
    if not number:
        return ""
    try:
        return str(ric.validate(number))
    except StdnumError:
        raise ValidationError(
            _(
                "This is not a valid resident ID card number (check the digits and the last character)."
            ),
            code="invalid_id_number",
        ) from None


def normalise_uscc(value: str) -> str:
    code = (value or "").strip().upper()
    if not code:
        return ""
    try:
        return str(uscc.validate(code))
    except StdnumError:
        raise ValidationError(
            _("This is not a valid unified social credit code."), code="invalid_uscc"
        ) from None


class ReferenceChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A ``ModelChoiceField`` by code that finds the code in the process's copy of the
    reference data (``core.reference_cache``) instead of querying for it on every intake.

    The queryset stays for rendering the choices; ``find`` says what a code stands for.
    """

    def __init__(self, *, find: Callable[[str], Model | None], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.find = find

    def to_python(self, value: Any) -> Model | None:
        if value in self.empty_values:
            return None
        if isinstance(value, Model):  # an initial value given as the row itself
            value = getattr(value, self.to_field_name or "pk")
        found = self.find(str(value))
        if found is None:
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return found


def _active_category(code: str) -> Category | None:
    return reference_cache.snapshot().category(code)


def _division(code: str) -> Division | None:
    return reference_cache.snapshot().division(code)


class IntakeForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("Channel"), choices=Channel.choices, initial=Channel.HOTLINE
    )
    category = ReferenceChoiceField(
        find=_active_category,
        label=_("Category"),
        queryset=Category.objects.filter(is_active=True),
        to_field_name="code",
        error_messages={"invalid_choice": _("Unknown category code.")},
    )
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.NORMAL)
    summary = forms.CharField(label=_("Summary"), max_length=200, required=False)
    description = forms.CharField(
        label=_("What is needed"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 5})
    )
    division = ReferenceChoiceField(
        find=_division,
        label=_("County / street"),
        queryset=Division.objects.select_related("parent"),
        to_field_name="code",
        error_messages={"invalid_choice": _("Unknown division code.")},
    )
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    requester_kind = forms.ChoiceField(
        label=_("Requester is"), choices=RequesterKind.choices, initial=RequesterKind.PERSON
    )
    requester_name = forms.CharField(label=_("Name"), max_length=100)
    requester_phone = forms.CharField(label=_("Phone"), max_length=20)
    requester_id_number = forms.CharField(label=_("ID card number"), max_length=18, required=False)
    organisation = forms.CharField(label=_("Enterprise name"), max_length=200, required=False)
    uscc = forms.CharField(label=_("Unified social credit code"), max_length=18, required=False)
    external_ref = forms.CharField(label=_("External reference"), max_length=100, required=False)

    def clean_description(self) -> str:
        text: str = self.cleaned_data["description"].strip()
        if not text:
            raise ValidationError(_("This field is required."), code="required")
        return text

    def clean_requester_phone(self) -> str:
        return normalise_phone(self.cleaned_data["requester_phone"])

    def clean_requester_id_number(self) -> str:
        return normalise_id_number(self.cleaned_data["requester_id_number"])

    def clean_uscc(self) -> str:
        return normalise_uscc(self.cleaned_data["uscc"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("requester_kind") == RequesterKind.ENTERPRISE:
            if not data.get("organisation"):
                self.add_error(
                    "organisation", _("An enterprise request needs the enterprise name.")
                )
            if not data.get("uscc") and "uscc" not in self.errors:
                self.add_error(
                    "uscc", _("An enterprise request needs the unified social credit code.")
                )
        return data

    def to_new_request(self) -> NewRequest:
        data = self.cleaned_data
        return NewRequest(
            channel=data["channel"],
            category=data["category"],
            urgency=data["urgency"],
            summary=data.get("summary", ""),
            description=data["description"],
            division=data["division"],
            address=data.get("address", ""),
            requester_kind=data["requester_kind"],
            requester_name=data["requester_name"].strip(),
            requester_phone=data["requester_phone"],
            requester_id_number=data.get("requester_id_number", ""),
            organisation=data.get("organisation", ""),
            uscc=data.get("uscc", ""),
            external_ref=data.get("external_ref", ""),
        )


def form_errors(form: forms.Form) -> dict[str, list[str]]:
    """A form's errors as ``{field: [message, …]}``, the shape of the API's ``details``."""
    return {
        field: [str(message) for message in messages] for field, messages in form.errors.items()
    }


def add_error_details(form: forms.Form, error: HuyingError) -> None:
    """Show a service's error on the form: its message on top, its details by their fields."""
    form.add_error(None, str(error.message))
    for key, messages in error.details.items():
        # Only lists are messages; other details (a status, an action) are for programs.
        if not isinstance(messages, list):
            continue
        for message in messages:
            form.add_error(key if key in form.fields else None, str(message))


def division_choices(*, empty_label: str, divisions: Iterable[Division] | None = None) -> list[Any]:
    """Divisions grouped by county, so that the two 太行街道 of the demo city stay apart.

    ``divisions`` (any order) saves the query when the caller holds them already.
    """
    counties: list[Division] = []
    streets: dict[str, list[Division]] = defaultdict(list)
    rows = Division.objects.order_by("code") if divisions is None else divisions
    for division in sorted(rows, key=lambda division: division.code):
        if division.parent_id is None:
            counties.append(division)
        else:
            streets[division.parent_id].append(division)
    choices: list[Any] = [("", empty_label)]
    for county in counties:
        options = [(county.code, _("%(county)s (whole)") % {"county": county.display_name})]
        options += [(street.code, street.display_name) for street in streets[county.code]]
        choices.append((county.display_name, options))
    return choices
