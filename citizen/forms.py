"""Forms of the citizen app: real-name sign-up and a request with photos."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from core.intake import normalise_id_number
from lib.uploads import CleanUpload, clean_photo
from public.portal_forms import (
    HelpRequestForm,
    MultipleFileField,
    MultipleFileInput,
    PhoneCodeForm,
    clean_uploads,
)

MAX_PHOTOS = 3


class SignUpForm(PhoneCodeForm):
    """实名注册: the name and ID card number of the person, and a phone confirmed by a code."""

    name = forms.CharField(
        label=_("Real name"),
        max_length=50,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    id_number = forms.CharField(
        label=_("ID card number"),
        max_length=18,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    field_order = ["name", "id_number", "phone", "code"]

    def clean_name(self) -> str:
        return str(self.cleaned_data.get("name") or "").strip()

    def clean_id_number(self) -> str:
        return normalise_id_number(self.cleaned_data.get("id_number") or "")


class RequestForm(HelpRequestForm):
    """A citizen's request; who asks is the signed-in account, so only the need is asked."""

    photos = MultipleFileField(
        label=_("Photos (up to 3)"),
        help_text=_("JPEG, PNG or WebP. Where and when a photo was taken is removed."),
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    def clean_photos(self) -> tuple[CleanUpload, ...]:
        files: list[UploadedFile[bytes]] = self.cleaned_data.get("photos") or []
        return clean_uploads(
            files,
            cleaner=clean_photo,
            max_bytes=settings.HUYING_MAX_PHOTO_BYTES,
            max_files=MAX_PHOTOS,
        )
