"""Forms of the green channel screens: filing (and amending) a transfer, a step's reason, the list's filters.

The form only reads what was typed into Python values; the rules of a filing (what is
required, that the window ends after it starts) stay in ``greenchannel.services`` and come
back as ``InvalidInput``, which the view puts on these same fields.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.access import Actor, get_request_for
from core.errors import NotFound
from core.models import HelpRequest
from federation.models import Peer
from greenchannel.models import FILING_FIELDS, Filing, FilingStatus, Side
from greenchannel.services import MAX_TEXT

#: What a ``datetime-local`` input sends, and how it must be given back to show again.
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


def _field(name: str) -> forms.Field:
    """The model's own form field, so labels and lengths match the column that stores them.

    The service allows up to ``MAX_TEXT`` characters in every field, but a plate or a phone
    column is much shorter; the shorter limit is named here instead of failing in the database.
    """
    column = Filing._meta.get_field(name)
    field = column.formfield() if isinstance(column, models.Field) else None
    if field is None:
        raise LookupError(f"{name} is not a field of a filing")
    if isinstance(field, forms.CharField) and field.max_length is None:
        field.max_length = MAX_TEXT
        field.validators.append(MaxLengthValidator(MAX_TEXT))
        field.widget.attrs["maxlength"] = str(MAX_TEXT)
    if name in ("window_start", "window_end"):
        field = forms.DateTimeField(
            label=field.label,
            input_formats=[LOCAL_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
            widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_FORMAT),
        )
    if isinstance(field.widget, forms.Textarea):
        field.widget.attrs["rows"] = "3"
    return field


class FilingForm(forms.Form):
    """A new filing to a peer, or (``amend=True``) a new version of the description only."""

    peer = forms.ModelChoiceField(
        label=_("Destination command centre"), queryset=Peer.objects.filter(is_active=True)
    )
    help_request_number = forms.CharField(
        label=_("Help request number"),
        required=False,
        max_length=20,
        help_text=_("Optional: the request this transfer answers."),
        widget=forms.TextInput(attrs={"placeholder": "20220114-0097", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, actor: Actor, amend: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        for name in FILING_FIELDS:
            self.fields[name] = _field(name)
        if amend:
            # An amendment changes what moves, not between whom or for which request.
            del self.fields["peer"]
            del self.fields["help_request_number"]
        else:
            # Keep the peer and the request first, as a dispatcher thinks of them.
            order = ["peer", *FILING_FIELDS, "help_request_number"]
            self.order_fields(order)

    def clean_help_request_number(self) -> HelpRequest | None:
        number = (self.cleaned_data.get("help_request_number") or "").strip()
        if not number:
            return None
        try:
            return get_request_for(self.actor, number)
        except NotFound:
            raise forms.ValidationError(
                _("No help request numbered %(number)s."), params={"number": number}
            ) from None

    def filing_data(self) -> dict[str, Any]:
        """The filing's description as the service takes it."""
        return {name: self.cleaned_data.get(name) for name in FILING_FIELDS}


def amend_initial(filing: Filing) -> dict[str, Any]:
    """The filing as it stands, to start an amendment from."""
    return {name: getattr(filing, name) for name in FILING_FIELDS}


class StepForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": "2"}),
    )


class FilingFilterForm(forms.Form):
    """The list's filters; anything unknown is ignored rather than refused."""

    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *FilingStatus.choices],
    )
    direction = forms.ChoiceField(
        label=_("Direction"),
        required=False,
        choices=[
            ("", _("Both directions")),
            (Side.ORIGIN, _("Outgoing")),
            (Side.DESTINATION, _("Incoming")),
        ],
    )


class FileForm(forms.Form):
    """A supporting file; what it is is checked by ``greenchannel.files``, not by its name."""

    file = forms.FileField(label=_("Supporting file (PDF, image or Excel workbook)"))
