"""Forms of the enterprise portal: a company's sign-up by its first contact, its contacts,
and a request with documents."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from core.intake import normalise_uscc
from lib.uploads import CleanUpload, clean_document
from public.portal_forms import (
    HelpRequestForm,
    LocationForm,
    MultipleFileField,
    MultipleFileInput,
    PhoneCodeForm,
    clean_uploads,
    normalise_mobile,
)

MAX_FILES = 5
#: Beyond any company in the demo city; a typo of three extra zeros is refused.
MAX_WORKFORCE = 500_000


def workforce_field() -> forms.IntegerField:
    return forms.IntegerField(
        label=_("Number of employees"),
        min_value=1,
        max_value=MAX_WORKFORCE,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class SignUpForm(LocationForm, PhoneCodeForm):
    """The company (its credit code, name, size and place) and its first contact."""

    uscc = forms.CharField(
        label=_("Unified social credit code"),
        max_length=24,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    enterprise_name = forms.CharField(
        label=_("Enterprise name"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    workforce = workforce_field()
    contact_name = forms.CharField(
        label=_("Your name"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    field_order = [
        "uscc",
        "enterprise_name",
        "workforce",
        "county",
        "street",
        "address",
        "contact_name",
        "phone",
        "code",
    ]

    def clean_uscc(self) -> str:
        # People copy the code with spaces from the printed licence.
        return normalise_uscc("".join(str(self.cleaned_data.get("uscc") or "").split()))


class ContactForm(forms.Form):
    """A colleague to add as a contact of the company."""

    name = forms.CharField(label=_("Name"), max_length=100)
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
    )

    def clean_phone(self) -> str:
        return normalise_mobile(self.cleaned_data["phone"])


class RequestForm(HelpRequestForm):
    """A company's request: its size when it asks, and its documents."""

    workforce = workforce_field()
    attachments = MultipleFileField(
        label=_("Files (up to 5)"),
        help_text=_("PDF, Excel workbooks (.xlsx) or photos."),
        widget=MultipleFileInput(
            attrs={
                "accept": ".pdf,.xlsx,application/pdf,"
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,"
                "image/jpeg,image/png,image/webp"
            }
        ),
    )

    def clean_attachments(self) -> tuple[CleanUpload, ...]:
        files: list[UploadedFile[bytes]] = self.cleaned_data.get("attachments") or []
        return clean_uploads(
            files,
            cleaner=clean_document,
            max_bytes=settings.HUYING_MAX_DOCUMENT_BYTES,
            max_files=MAX_FILES,
        )
