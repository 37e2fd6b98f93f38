"""Forms of the media channel: signing in, filing a lead, filtering the outlet's leads.

A lead is checked by ``core.intake.IntakeForm`` like every other request, so a phone or a
division is refused with the same words whichever door the request came in by; this form
only drops what an editor does not choose (the channel, an enterprise) and adds the lead's
source.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from core.intake import IntakeForm, division_choices
from core.models import (
    OPEN_STATUSES,
    Channel,
    LeadSource,
    MediaOutlet,
    RequesterKind,
    Status,
    Urgency,
)
from core.services import NewRequest


def is_media_editor(user: object) -> bool:
    """An active editor's account that belongs to an outlet still on the channel."""
    return (
        isinstance(user, User)
        and user.is_active
        and user.effective_role == Role.MEDIA
        and user.media_outlet is not None
        and user.media_outlet.is_active
    )


class MediaAuthenticationForm(AuthenticationForm):
    """Let in only media editors: anyone else is told at the door, not after it."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "not_media_editor": _(
            "This account is not a media editor's account of an outlet on this channel. "
            "Staff sign in to the console; editors get their account from the headquarters."
        ),
    }

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if not is_media_editor(user):
            raise ValidationError(self.error_messages["not_media_editor"], code="not_media_editor")


#: Fields of ``IntakeForm`` an editor does not fill in: a lead comes by the media channel and
#: is about a person; its summary is taken from the text.
_NOT_ASKED = ("channel", "summary", "requester_kind", "organisation", "uscc")


class LeadForm(IntakeForm):
    lead_source = forms.ChoiceField(
        label=_("Where the lead came from"),
        choices=LeadSource.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose where the lead came from.")},
    )

    field_order = [
        "lead_source",
        "external_ref",
        "category",
        "urgency",
        "description",
        "division",
        "address",
        "requester_name",
        "requester_phone",
        "requester_id_number",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in _NOT_ASKED:
            del self.fields[name]
        self.fields["external_ref"].label = _("Your reference")
        self.fields["external_ref"].help_text = _(
            "Optional: how your newsroom knows it, e.g. the reader letter number."
        )
        # Three choices read faster as buttons than as a list, on a phone above all.
        self.fields["urgency"].widget = forms.RadioSelect(choices=Urgency.choices)
        # Only the rendering changes: validation still looks the code up in the queryset.
        cast(forms.ChoiceField, self.fields["division"]).choices = division_choices(
            empty_label=str(_("Choose a county or street"))
        )
        self.fields["description"].widget.attrs.update({"rows": 5})
        self.fields["address"].label = _("Address of the person in need")
        self.fields["requester_name"].label = _("Name of the person in need")
        self.fields["requester_phone"].label = _("Their phone")
        self.fields["requester_phone"].widget.attrs.update(
            {"type": "tel", "inputmode": "tel", "autocomplete": "off"}
        )
        self.fields["requester_id_number"].help_text = _("Optional.")

    def to_lead(self, outlet: MediaOutlet) -> NewRequest:
        data = self.cleaned_data
        return NewRequest(
            channel=Channel.MEDIA,
            category=data["category"],
            urgency=data["urgency"],
            description=data["description"],
            division=data["division"],
            address=data.get("address", ""),
            requester_kind=RequesterKind.PERSON,
            requester_name=data["requester_name"].strip(),
            requester_phone=data["requester_phone"],
            requester_id_number=data.get("requester_id_number", ""),
            external_ref=data.get("external_ref", "").strip(),
            media_outlet=outlet,
            lead_source=data["lead_source"],
        )


#: Values of the status filter besides the statuses themselves.
OPEN = "open"
ANSWERED = "answered"


class LeadFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("All leads")),
            (OPEN, _("Being handled")),
            (ANSWERED, _("Answered")),
            *Status.choices,
        ],
    )

    def statuses(self) -> list[str]:
        """The statuses to show; every status when the filter is empty or not valid."""
        value = self.cleaned_data.get("status", "") if self.is_valid() else ""
        if value == OPEN:
            return sorted(OPEN_STATUSES)
        if value == ANSWERED:
            return [Status.RESOLVED, Status.CLOSED]
        return [value] if value else []
