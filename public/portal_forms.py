"""Forms shared by the citizen app and the enterprise portal: a phone confirmed by a one-time
code, the county-then-street chooser, files sent with a request, and the requester's rating.

They only turn posted text into the arguments of ``accounts.services`` and ``core.services``;
what makes a phone, an ID number or a credit code valid stays in ``core.intake``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from core.intake import normalise_phone
from core.models import Category, Division, Satisfaction, Urgency
from core.services import MAX_TEXT
from lib.uploads import CleanUpload

#: A checker from ``lib.uploads``: ``clean_photo`` or ``clean_document``.
Cleaner = Callable[..., CleanUpload]

_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def normalise_mobile(value: str) -> str:
    """A phone as ``core.intake`` reads it, which must be a mobile: codes come by text message."""
    phone = normalise_phone(value)
    if not _MOBILE.match(phone):
        raise ValidationError(
            _("A code can only be texted to a mobile number; enter your mobile phone."),
            code="not_mobile",
        )
    return phone


class PhoneCodeForm(forms.Form):
    """A phone and the code texted to it; the "send code" button posts the same form.

    With ``sending_code`` only the phone is needed: the person asks for the code before
    typing it, and whatever else they typed is checked and kept, not refused as missing.
    """

    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel", "spellcheck": "false"}
        ),
    )
    code = forms.CharField(
        label=_("Code from the text message"),
        max_length=6,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "pattern": "[0-9]{6}",
                "placeholder": "123456",
            }
        ),
    )

    def __init__(self, *args: Any, sending_code: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sending_code = sending_code

    def full_clean(self) -> None:
        super().full_clean()
        if not (self.is_bound and self.sending_code):
            return
        # Asking for the code comes before typing it (and perhaps before the rest): only
        # what was typed wrong is an error yet, not what is still empty. The fields stay
        # required, so the page still marks them.
        for name in [name for name in self.errors if name != "phone"]:
            if all(error.code == "required" for error in self.errors.as_data()[name]):
                del self.errors[name]

    def clean_phone(self) -> str:
        return normalise_mobile(self.cleaned_data["phone"])

    def clean_code(self) -> str:
        return str(self.cleaned_data.get("code") or "").strip()


class SignInForm(PhoneCodeForm):
    """Signing in on a channel: the account is known by its phone."""


def _grouped_streets(county_code: str | None) -> list[Any]:
    """The street choices: one county's when it is known, else every street under its county."""
    streets = Division.objects.filter(level=Division.Level.STREET).select_related("parent")
    if county_code:
        return [(street.code, street.display_name) for street in streets.filter(parent=county_code)]
    grouped: dict[str, list[tuple[str, str]]] = defaultdict(list)
    names: dict[str, str] = {}
    for street in streets.order_by("code"):
        if street.parent is not None:
            names[street.parent.code] = street.parent.display_name
            grouped[street.parent.code].append((street.code, street.display_name))
    return [(names[code], options) for code, options in grouped.items()]


class LocationForm(forms.Form):
    """Where help is needed: a county, then one of its streets (optional), and an address.

    The street list follows the county: HTMX swaps in the county's streets when it changes;
    without scripts the list is grouped by county and the server checks that they match.
    """

    county = forms.ModelChoiceField(
        label=_("County / district"),
        queryset=Division.objects.filter(level=Division.Level.COUNTY),
        to_field_name="code",
        empty_label=_("Choose a county or district"),
        error_messages={"invalid_choice": _("Choose a county or district from the list.")},
    )
    street = forms.ModelChoiceField(
        label=_("Street / town"),
        queryset=Division.objects.filter(level=Division.Level.STREET),
        to_field_name="code",
        required=False,
        error_messages={"invalid_choice": _("Choose a street or town from the list.")},
    )
    address = forms.CharField(
        label=_("Address"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )

    def __init__(self, *args: Any, streets_url: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        county_field = self.fields["county"]
        county_field.widget.attrs.update(
            {
                "hx-get": streets_url,
                "hx-target": "#id_street",
                "hx-trigger": "change",
                "hx-swap": "innerHTML",
            }
            if streets_url
            else {}
        )
        street_field = cast(forms.ModelChoiceField, self.fields["street"])  # type: ignore[type-arg]
        street_field.choices = [
            ("", _("Whole county / not sure")),
            *_grouped_streets(self._chosen_county()),
        ]

    def _chosen_county(self) -> str | None:
        value = self.data.get(self.add_prefix("county")) if self.is_bound else None
        if value is None:
            initial = self.initial.get("county")
            value = initial.code if isinstance(initial, Division) else initial
        if value and Division.objects.filter(code=value, level=Division.Level.COUNTY).exists():
            return str(value)
        return None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        county, street = data.get("county"), data.get("street")
        if county is not None and street is not None and street.parent_id != county.code:
            self.add_error(
                "street",
                _("%(street)s is not in %(county)s; choose a street of that county.")
                % {"street": street.display_name, "county": county.display_name},
            )
        return data

    @property
    def division(self) -> Division:
        """The most precise place given: the street if one was chosen, else the county."""
        data = self.cleaned_data
        return cast(Division, data.get("street") or data["county"])


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by the form with ``lib.uploads``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile[bytes]]:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


def clean_uploads(
    files: Sequence[UploadedFile[bytes]], *, cleaner: Cleaner, max_bytes: int, max_files: int
) -> tuple[CleanUpload, ...]:
    """Check every file; report each bad one by its name, and refuse more than ``max_files``."""
    if len(files) > max_files:
        raise ValidationError(
            _("Send at most %(max)d files (you chose %(n)d)."),
            code="too_many_files",
            params={"max": max_files, "n": len(files)},
        )
    cleaned: list[CleanUpload] = []
    errors: list[ValidationError] = []
    for upload in files:
        try:
            cleaned.append(cleaner(upload, max_bytes=max_bytes))
        except ValidationError as error:
            errors.append(error)
    if errors:
        raise ValidationError(errors)
    return tuple(cleaned)


class HelpRequestForm(LocationForm):
    """What every channel asks of a person filing for themselves; the requester is the account."""

    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.filter(is_active=True),
        to_field_name="code",
        empty_label=_("Choose what it is about"),
        error_messages={"invalid_choice": _("Choose a category from the list.")},
    )
    description = forms.CharField(
        label=_("What is needed"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"),
        choices=Urgency.choices,
        initial=Urgency.NORMAL,
        widget=forms.RadioSelect,
    )

    def clean_description(self) -> str:
        text = str(self.cleaned_data["description"]).strip()
        if not text:
            raise ValidationError(_("This field is required."), code="required")
        return text


class RatingForm(forms.Form):
    """The requester's rating of the answer; the names are those ``request_close`` reports."""

    satisfaction = forms.ChoiceField(
        label=_("How satisfied are you with the answer?"),
        choices=Satisfaction.choices,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Comment (optional)"),
        max_length=MAX_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
