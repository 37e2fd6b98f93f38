"""Shapes of the API's input and output, and the functions that fill the output ones.

Input schemas only check JSON types; what a value means (a known category, a valid phone,
a state that allows the action) is checked by ``core.intake`` and ``core.services``, so the
console and the API refuse the same things with the same words.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import ConfigDict

from core.models import Attachment, Category, Division, Event, Group, HelpRequest
from core.personal_data import RequesterCard, masked_contact


class StrictIn(Schema):
    # A misspelt optional field ("adress") would otherwise be dropped without a word and
    # the request filed without it; refusing unknown fields makes the typo visible.
    model_config = ConfigDict(extra="forbid")


# --- Errors ----------------------------------------------------------------------------------


class ErrorOut(Schema):
    code: str = Field(..., examples=["invalid_input"])
    message: str = Field(..., examples=["Please correct the errors below."])
    details: dict[str, object] = Field(
        default_factory=dict, examples=[{"requester_phone": ["Enter a mobile number…"]}]
    )


# --- Input -----------------------------------------------------------------------------------


class RequestIn(StrictIn):
    """A new request; the fields of ``core.intake.IntakeForm``.

    ``channel`` is required for personal tokens and sessions; a call with an API key always
    files on the key's channel and ignores the one sent.
    """

    channel: str = ""
    category: str
    urgency: str
    summary: str = ""
    description: str
    division: str
    address: str = ""
    requester_kind: str = "person"
    requester_name: str
    requester_phone: str
    requester_id_number: str = ""
    organisation: str = ""
    uscc: str = ""
    external_ref: str = ""


class DispatchIn(StrictIn):
    group: str
    assisting_groups: list[str] = Field(default_factory=list)
    note: str = ""


class NoteIn(StrictIn):
    note: str = ""


class ResolveIn(StrictIn):
    answer: str
    answer_method: str


class ResolveAtIntakeIn(StrictIn):
    answer: str
    answer_method: str = "phone"


class CloseIn(StrictIn):
    satisfaction: str
    note: str = ""


class ReasonIn(StrictIn):
    reason: str


class MergeIn(StrictIn):
    into: str
    note: str = ""


class ListFilters(Schema):
    """Query string of ``GET /requests``. Codes are checked against the reference data."""

    status: list[str] = Field(
        default_factory=list, description="Repeat the parameter or separate with commas."
    )
    category: str = ""
    urgency: str = ""
    channel: str = ""
    division: str = Field("", description="A county's code also finds its streets' requests.")
    group: str = Field("", description="Code of the lead group.")
    overdue: bool | None = None
    q: str = Field("", max_length=200, description="Words in the text, or an exact number.")
    received_from: date | None = None
    received_to: date | None = None
    cursor: str = ""
    limit: int = Field(50, ge=1, le=200)


#: Days a query may name. Far outside them the local midnight of the day cannot be turned
#: into a time in UTC (Python's dates end at years 1 and 9999), which failed with a 500.
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2999, 12, 31)


def day_in_range(day: date | None) -> bool:
    return day is None or EARLIEST_DAY <= day <= LATEST_DAY


def day_range_message() -> str:
    return _("Enter a date between %(first)s and %(last)s.") % {
        "first": EARLIEST_DAY.isoformat(),
        "last": LATEST_DAY.isoformat(),
    }


# --- Output ----------------------------------------------------------------------------------


class CodeName(Schema):
    code: str
    name: str


class DivisionOut(Schema):
    code: str
    name: str
    full_name: str
    county: CodeName


class RequesterOut(Schema):
    kind: str
    name: str
    phone: str
    id_number: str
    organisation: str
    uscc: str
    #: False only for the requester themself, or in the answer to ``POST …/personal-data``.
    masked: bool
    #: The caller's role may see it in full through ``POST …/personal-data`` with a reason.
    may_reveal: bool


class RevealIn(StrictIn):
    #: Why the caller's work needs the full values; recorded with the view.
    reason: str = ""


class PersonalDataOut(Schema):
    number: str
    requester: RequesterOut


class ClocksOut(Schema):
    received_at: datetime
    dispatch_due_at: datetime
    accept_due_at: datetime
    resolve_due_at: datetime
    due_at: datetime
    overdue: bool


class RequestSummaryOut(Schema):
    number: str
    status: str
    status_label: str
    channel: str
    category: CodeName
    urgency: str
    summary: str
    division: CodeName
    lead_group: CodeName | None
    requester_name: str
    requester_phone: str
    received_at: datetime
    due_at: datetime
    overdue: bool


class RequestPageOut(Schema):
    items: list[RequestSummaryOut]
    next_cursor: str | None


class AttachmentOut(Schema):
    kind: str
    name: str
    content_type: str
    size: int
    #: Served only to a caller whose role may see the requester's personal data in full.
    url: str


class EnterpriseOut(Schema):
    name: str
    uscc: str
    #: The head count the company gave with this request.
    workforce: int | None


class MediaLeadOut(Schema):
    outlet: str
    source: str
    source_label: str
    reference: str


class RequestDetailOut(Schema):
    number: str
    status: str
    status_label: str
    channel: str
    category: CodeName
    urgency: str
    summary: str
    description: str
    division: DivisionOut
    address: str
    requester: RequesterOut
    external_ref: str
    clocks: ClocksOut
    lead_group: CodeName | None
    assisting_groups: list[CodeName]
    dispatched_at: datetime | None
    accepted_at: datetime | None
    resolved_at: datetime | None
    answer: str
    answer_method: str
    closed_at: datetime | None
    satisfaction: str
    reopen_count: int
    return_count: int
    merged_into: str | None
    allowed_actions: list[str]
    updated_at: datetime
    enterprise: EnterpriseOut | None
    media: MediaLeadOut | None
    #: Empty when the caller's role sees personal data only masked: a photo shows the person.
    attachments: list[AttachmentOut]


class EventOut(Schema):
    kind: str
    label: str
    from_status: str
    to_status: str
    actor_name: str
    note: str
    created_at: datetime


class EventListOut(Schema):
    items: list[EventOut]


class CategoryListOut(Schema):
    items: list[CodeName]


class CountyOut(Schema):
    code: str
    name: str
    streets: list[CodeName]


class DivisionListOut(Schema):
    items: list[CountyOut]


class GroupOut(Schema):
    code: str
    name: str
    kind: str


class GroupListOut(Schema):
    items: list[GroupOut]


# --- Filling the output ----------------------------------------------------------------------


def code_name(item: Category | Division | Group) -> CodeName:
    return CodeName(code=item.code, name=item.display_name)


def division_out(division: Division) -> DivisionOut:
    return DivisionOut(
        code=division.code,
        name=division.display_name,
        full_name=division.full_name,
        county=code_name(division.county),
    )


def requester_out(card: RequesterCard) -> RequesterOut:
    return RequesterOut(
        kind=card.kind,
        name=card.name,
        phone=card.phone,
        id_number=card.id_number,
        organisation=card.organisation,
        uscc=card.uscc,
        masked=card.masked,
        may_reveal=card.may_reveal,
    )


def summary_out(help_request: HelpRequest, *, now: datetime) -> RequestSummaryOut:
    """A list row. Always masked: a list is for finding, not for calling someone."""
    lead = help_request.lead_group
    requester_name, requester_phone = masked_contact(help_request.requester)
    return RequestSummaryOut(
        number=help_request.number,
        status=help_request.status,
        status_label=help_request.get_status_display(),
        channel=help_request.channel,
        category=code_name(help_request.category),
        urgency=help_request.urgency,
        summary=help_request.summary,
        division=CodeName(code=help_request.division.code, name=help_request.division.full_name),
        lead_group=code_name(lead) if lead else None,
        requester_name=requester_name,
        requester_phone=requester_phone,
        received_at=help_request.received_at,
        due_at=help_request.due_at,
        overdue=help_request.is_overdue(now),
    )


def detail_out(
    help_request: HelpRequest,
    *,
    requester: RequesterCard,
    allowed_actions: list[str],
    assisting_groups: Sequence[Group] | None = None,
    attachments: Sequence[Attachment] | None = None,
) -> RequestDetailOut:
    """The request in full; ``assisting_groups`` and ``attachments``, when the caller has
    them (a create has just written them), save reading them back."""
    lead = help_request.lead_group
    if assisting_groups is None:
        assisting_groups = list(help_request.assisting_groups.all())
    merged_into = help_request.merged_into
    return RequestDetailOut(
        number=help_request.number,
        status=help_request.status,
        status_label=help_request.get_status_display(),
        channel=help_request.channel,
        category=code_name(help_request.category),
        urgency=help_request.urgency,
        summary=help_request.summary,
        description=help_request.description,
        division=division_out(help_request.division),
        address=help_request.address,
        requester=requester_out(requester),
        external_ref=help_request.external_ref,
        clocks=ClocksOut(
            received_at=help_request.received_at,
            dispatch_due_at=help_request.dispatch_due_at,
            accept_due_at=help_request.accept_due_at,
            resolve_due_at=help_request.resolve_due_at,
            due_at=help_request.due_at,
            overdue=help_request.is_overdue(timezone.now()),
        ),
        lead_group=code_name(lead) if lead else None,
        assisting_groups=[code_name(group) for group in assisting_groups],
        dispatched_at=help_request.dispatched_at,
        accepted_at=help_request.accepted_at,
        resolved_at=help_request.resolved_at,
        answer=help_request.answer,
        answer_method=help_request.answer_method,
        closed_at=help_request.closed_at,
        satisfaction=help_request.satisfaction,
        reopen_count=help_request.reopen_count,
        return_count=help_request.return_count,
        merged_into=merged_into.number if merged_into else None,
        allowed_actions=allowed_actions,
        updated_at=help_request.updated_at,
        enterprise=_enterprise_out(help_request),
        media=_media_out(help_request),
        attachments=(
            _attachments_out(help_request, attachments)
            if not requester.masked or requester.may_reveal
            else []
        ),
    )


def _enterprise_out(help_request: HelpRequest) -> EnterpriseOut | None:
    company = help_request.enterprise
    if company is None:
        return None
    return EnterpriseOut(name=company.name, uscc=company.uscc, workforce=help_request.workforce)


def _media_out(help_request: HelpRequest) -> MediaLeadOut | None:
    outlet = help_request.media_outlet
    if outlet is None:
        return None
    return MediaLeadOut(
        outlet=outlet.name,
        source=help_request.lead_source,
        source_label=help_request.get_lead_source_display(),
        reference=help_request.external_ref,
    )


def _attachments_out(
    help_request: HelpRequest, attachments: Sequence[Attachment] | None = None
) -> list[AttachmentOut]:
    if attachments is None:
        attachments = list(help_request.attachments.all())
    return [
        AttachmentOut(
            kind=attachment.kind,
            name=attachment.original_name,
            content_type=attachment.content_type,
            size=attachment.size,
            url=reverse("attachment", args=[attachment.pk]),
        )
        for attachment in attachments
    ]


def event_out(event: Event) -> EventOut:
    return EventOut(
        kind=event.kind,
        label=event.get_kind_display(),
        from_status=event.from_status,
        to_status=event.to_status,
        actor_name=event.actor_name,
        note=event.note,
        created_at=event.created_at,
    )
