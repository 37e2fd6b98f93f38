"""Endpoints for help requests: file, read, list, and one endpoint per life-cycle transition.

Each endpoint fetches through ``core.access`` (so outsiders get 404), calls one service
or selector, and returns the request as the caller may see it. No status is set here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja import Status as HttpStatus
from ninja.params import HeaderEx, P

from api.auth import actor_of
from api.schemas import (
    CloseIn,
    DispatchIn,
    ErrorOut,
    EventListOut,
    ListFilters,
    MergeIn,
    NoteIn,
    PersonalDataOut,
    ReasonIn,
    RequestDetailOut,
    RequestIn,
    RequestPageOut,
    ResolveAtIntakeIn,
    ResolveIn,
    RevealIn,
    day_in_range,
    day_range_message,
    detail_out,
    event_out,
    requester_out,
    summary_out,
)
from core import services
from core.access import (
    Actor,
    allowed_actions,
    get_request_for,
    may_file_requests,
    require_action,
    visible_requests,
)
from core.errors import Forbidden, InvalidInput
from core.intake import IntakeForm, form_errors
from core.models import (
    Category,
    Channel,
    Division,
    Group,
    HelpRequest,
    Status,
    Urgency,
)
from core.personal_data import requester_card, requester_reveal
from core.selectors import RequestFilters, request_queue, request_timeline

router = Router(tags=["requests"])

#: Longest ``Idempotency-Key`` accepted; ``IdempotencyRecord.key`` holds no more.
MAX_IDEMPOTENCY_KEY = 200

_ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}


def _detail(
    actor: Actor, help_request: HelpRequest, filed: services.Filed | None = None
) -> RequestDetailOut:
    """The request as ``actor`` may see it: personal data masked but for the requester.

    ``filed``: what a create just wrote with the request, shown as it is, not read back.
    """
    return detail_out(
        help_request,
        requester=requester_card(actor=actor, help_request=help_request),
        allowed_actions=allowed_actions(actor, help_request),
        assisting_groups=filed.assisting_groups if filed else None,
        attachments=filed.attachments if filed else None,
    )


def body_hash(payload: RequestIn) -> str:
    """sha256 of the body as understood, so key order and spacing do not make a new body."""
    canonical = json.dumps(
        payload.model_dump(), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


@router.post(
    "/requests",
    response={200: RequestDetailOut, 201: RequestDetailOut, **_ERRORS},
    summary="File a new request",
    description=(
        "Send an `Idempotency-Key` header to make retries safe: a retry with the same key and "
        "body answers 200 with the request filed the first time; the same key with a different "
        "body is refused with 409 `idempotency_conflict`. A call with an API key files on the "
        "key's channel, whatever `channel` says."
    ),
)
def create_request(
    request: HttpRequest,
    payload: RequestIn,
    idempotency_key: HeaderEx[str | None, P(alias="Idempotency-Key")] = None,
) -> HttpStatus[RequestDetailOut]:
    actor = actor_of(request)
    # Refuse the role before judging the fields: a citizen need not learn our validation rules.
    if not may_file_requests(actor):
        raise Forbidden(_("You may not file requests."))
    if actor.api_key is not None:
        payload = payload.model_copy(update={"channel": actor.api_key.channel})
    key = (idempotency_key or "").strip()
    if "\x00" in key:
        # PostgreSQL cannot look up text holding a NUL: refuse it, as any field with one.
        raise InvalidInput(details={"idempotency_key": [_("Null characters are not allowed.")]})
    if len(key) > MAX_IDEMPOTENCY_KEY:
        raise InvalidInput(
            details={
                "idempotency_key": [_("At most %(max)d characters.") % {"max": MAX_IDEMPOTENCY_KEY}]
            }
        )
    form = IntakeForm(data=payload.model_dump())
    if not form.is_valid():
        raise InvalidInput(details=form_errors(form))
    filed = services.request_file(
        actor=actor,
        new=form.to_new_request(),
        idempotency_key=key or None,
        body_hash=body_hash(payload) if key else "",
    )
    return HttpStatus(201 if filed.created else 200, _detail(actor, filed.help_request, filed))


@router.get("/requests", response={200: RequestPageOut, **_ERRORS}, summary="List requests")
def list_requests(request: HttpRequest, filters: Query[ListFilters]) -> RequestPageOut:
    """Requests the caller may see, most urgent first, then nearest deadline.

    Personal data is always masked in the list. Page on with `cursor=<next_cursor>`.
    """
    actor = actor_of(request)
    page = request_queue(
        actor=actor,
        filters=_request_filters(filters),
        cursor=filters.cursor.strip() or None,
        limit=filters.limit,
    )
    now = timezone.now()
    return RequestPageOut(
        items=[summary_out(help_request, now=now) for help_request in page.items],
        next_cursor=page.next_cursor,
    )


def _request_filters(filters: ListFilters) -> RequestFilters:
    """Check each code against what exists, so a typo is an error and not an empty list."""
    errors: dict[str, list[str]] = {}
    statuses = [
        part.strip() for value in filters.status for part in value.split(",") if part.strip()
    ]
    unknown = [status for status in statuses if status not in Status.values]
    if unknown:
        errors["status"] = [_("Unknown status: %(values)s.") % {"values": ", ".join(unknown)}]
    choices: list[tuple[str, list[str]]] = [
        ("urgency", list(Urgency.values)),
        ("channel", list(Channel.values)),
    ]
    for name, allowed in choices:
        value = getattr(filters, name)
        if value and value not in allowed:
            errors[name] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(allowed)}]
    if filters.category and not Category.objects.filter(code=filters.category).exists():
        errors["category"] = [_("Unknown category code.")]
    if filters.division and not Division.objects.filter(code=filters.division).exists():
        errors["division"] = [_("Unknown division code.")]
    if filters.group and not Group.objects.filter(code=filters.group).exists():
        errors["group"] = [_("Unknown group code.")]
    for name in ("received_from", "received_to"):
        if not day_in_range(getattr(filters, name)):
            errors[name] = [day_range_message()]
    if errors:
        raise InvalidInput(details=errors)
    return RequestFilters(
        statuses=statuses,
        category=filters.category,
        urgency=filters.urgency,
        channel=filters.channel,
        division=filters.division,
        group=filters.group,
        overdue=filters.overdue,
        q=filters.q,
        received_from=filters.received_from,
        received_to=filters.received_to,
    )


@router.get(
    "/requests/{number}", response={200: RequestDetailOut, **_ERRORS}, summary="One request"
)
def get_request(request: HttpRequest, number: str) -> RequestDetailOut:
    """The request, personal data masked for everyone but the requester themself."""
    actor = actor_of(request)
    return _detail(actor, get_request_for(actor, number))


@router.post(
    "/requests/{number}/personal-data",
    response={200: PersonalDataOut, **_ERRORS},
    summary="The requester in full, for a reason",
    description=(
        "For roles whose work needs the requester's name, phone and ID number in full "
        "(`requester.may_reveal` in the request): send `reason`, at least four characters. "
        "The view is recorded with the reason in the personal data access log. Other roles "
        "get 403; a request the caller may not see, 404."
    ),
)
def reveal_personal_data(request: HttpRequest, number: str, payload: RevealIn) -> PersonalDataOut:
    actor = actor_of(request)
    help_request = get_request_for(actor, number)
    card = requester_reveal(
        actor=actor, help_request=help_request, via="api", reason=payload.reason
    )
    return PersonalDataOut(number=help_request.number, requester=requester_out(card))


@router.get(
    "/requests/{number}/events", response={200: EventListOut, **_ERRORS}, summary="Timeline"
)
def list_events(request: HttpRequest, number: str) -> EventListOut:
    actor = actor_of(request)
    help_request = get_request_for(actor, number)
    return EventListOut(items=[event_out(event) for event in request_timeline(help_request)])


# --- Transitions -----------------------------------------------------------------------------


def _act(
    request: HttpRequest,
    number: str,
    action: str,
    do: Callable[[HelpRequest, Actor], HelpRequest],
) -> RequestDetailOut:
    """Fetch (404 for outsiders), refuse the role (403), then let the service do the rest.

    The service checks the role again under its row lock; checking here first means a
    caller who may not act hears so before being told about their input.
    """
    actor = actor_of(request)
    help_request = get_request_for(actor, number)
    require_action(actor, action, help_request)
    return _detail(actor, do(help_request, actor))


def _groups_by_code(payload: DispatchIn) -> tuple[Group, list[Group]]:
    codes = {payload.group, *payload.assisting_groups}
    found = {group.code: group for group in Group.objects.filter(code__in=codes)}
    errors: dict[str, list[str]] = {}
    if payload.group not in found:
        errors["group"] = [_("Unknown group code.")]
    missing = [code for code in payload.assisting_groups if code not in found]
    if missing:
        errors["assisting_groups"] = [
            _("Unknown group codes: %(codes)s.") % {"codes": ", ".join(missing)}
        ]
    if errors:
        raise InvalidInput(details=errors)
    return found[payload.group], [found[code] for code in payload.assisting_groups]


_DETAIL: dict[int, Any] = {200: RequestDetailOut, **_ERRORS}


@router.post("/requests/{number}/dispatch", response=_DETAIL, summary="Dispatch to a group")
def dispatch_request(request: HttpRequest, number: str, payload: DispatchIn) -> RequestDetailOut:
    """派单: the lead group (主办) and optional assisting groups (协办), by code."""

    def do(help_request: HelpRequest, actor: Actor) -> HelpRequest:
        lead, assisting = _groups_by_code(payload)
        return services.request_dispatch(
            help_request, actor=actor, group=lead, assisting=assisting, note=payload.note
        )

    return _act(request, number, "dispatch", do)


@router.post("/requests/{number}/accept", response=_DETAIL, summary="Accept (lead group)")
def accept_request(
    request: HttpRequest, number: str, payload: NoteIn | None = None
) -> RequestDetailOut:
    note = payload.note if payload else ""
    return _act(
        request,
        number,
        "accept",
        lambda help_request, actor: services.request_accept(help_request, actor=actor, note=note),
    )


@router.post("/requests/{number}/start", response=_DETAIL, summary="Start work (lead group)")
def start_request(
    request: HttpRequest, number: str, payload: NoteIn | None = None
) -> RequestDetailOut:
    note = payload.note if payload else ""
    return _act(
        request,
        number,
        "start",
        lambda help_request, actor: services.request_start(help_request, actor=actor, note=note),
    )


@router.post("/requests/{number}/note", response=_DETAIL, summary="Add a progress note")
def note_request(request: HttpRequest, number: str, payload: NoteIn) -> RequestDetailOut:
    """办理进展: where the work stands, in the request's timeline; the status does not change."""
    return _act(
        request,
        number,
        "note",
        lambda help_request, actor: services.request_note(
            help_request, actor=actor, note=payload.note
        ),
    )


@router.post("/requests/{number}/resolve", response=_DETAIL, summary="Resolve with an answer")
def resolve_request(request: HttpRequest, number: str, payload: ResolveIn) -> RequestDetailOut:
    """答复: what the requester was told, and how (`phone`, `sms`, `app`, `in_person`)."""
    return _act(
        request,
        number,
        "resolve",
        lambda help_request, actor: services.request_resolve(
            help_request, actor=actor, answer=payload.answer, answer_method=payload.answer_method
        ),
    )


@router.post(
    "/requests/{number}/resolve-at-intake", response=_DETAIL, summary="Answer on the line (直办)"
)
def resolve_request_at_intake(
    request: HttpRequest, number: str, payload: ResolveAtIntakeIn
) -> RequestDetailOut:
    return _act(
        request,
        number,
        "resolve_at_intake",
        lambda help_request, actor: services.request_resolve_at_intake(
            help_request, actor=actor, answer=payload.answer, answer_method=payload.answer_method
        ),
    )


@router.post("/requests/{number}/close", response=_DETAIL, summary="Close with the rating")
def close_request(request: HttpRequest, number: str, payload: CloseIn) -> RequestDetailOut:
    """`satisfaction`: `satisfied`, `basically_satisfied` or `unsatisfied`; the first
    `unsatisfied` reopens the request instead of closing it."""
    return _act(
        request,
        number,
        "close",
        lambda help_request, actor: services.request_close(
            help_request, actor=actor, satisfaction=payload.satisfaction, note=payload.note
        ),
    )


@router.post("/requests/{number}/reopen", response=_DETAIL, summary="Reopen (不满意重办)")
def reopen_request(request: HttpRequest, number: str, payload: ReasonIn) -> RequestDetailOut:
    return _act(
        request,
        number,
        "reopen",
        lambda help_request, actor: services.request_reopen(
            help_request, actor=actor, reason=payload.reason
        ),
    )


@router.post(
    "/requests/{number}/return", response=_DETAIL, summary="Return to the dispatcher (退单)"
)
def return_request(request: HttpRequest, number: str, payload: ReasonIn) -> RequestDetailOut:
    return _act(
        request,
        number,
        "return",
        lambda help_request, actor: services.request_return(
            help_request, actor=actor, reason=payload.reason
        ),
    )


@router.post("/requests/{number}/merge", response=_DETAIL, summary="Merge into another request")
def merge_request(request: HttpRequest, number: str, payload: MergeIn) -> RequestDetailOut:
    """Mark this request a duplicate of `into` (a request number)."""

    def do(help_request: HelpRequest, actor: Actor) -> HelpRequest:
        into = visible_requests(actor).filter(number=payload.into.strip()).first()
        if into is None:
            raise InvalidInput(
                details={"into": [_("No request numbered %(number)s.") % {"number": payload.into}]}
            )
        return services.request_merge(help_request, actor=actor, into=into, note=payload.note)

    return _act(request, number, "merge", do)
