"""Who may see and do what. One helper per kind of object, used by the API and the pages.

An outsider asking for a request they may not see gets ``NotFound``, never ``Forbidden``:
the answer must not tell them that the number exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from accounts.models import ApiKey, Role, User
from core.errors import Forbidden, NotFound
from core.models import OPEN_STATUSES, Channel, Group, HelpRequest, Status


@dataclass(frozen=True)
class Actor:
    """Whoever acts: a signed-in user, an integration holding an API key, or the system.

    ``system=True`` is the platform itself applying a dispatch rule (``core.dispatching``)
    to a request just filed. It is never built from a web request; it may dispatch and do
    nothing else (``may_act``), and its events are recorded with the actor name "system".
    """

    user: User | None = None
    api_key: ApiKey | None = None
    system: bool = False

    @property
    def role(self) -> str | None:
        return self.user.effective_role if self.user else None

    @property
    def name(self) -> str:
        if self.user is not None:
            return self.user.get_username()
        if self.api_key is not None:
            return f"api:{self.api_key.name}"
        return "system"

    @cached_property
    def group_ids(self) -> frozenset[int]:
        if self.user is None:
            return frozenset()
        return frozenset(
            Group.objects.filter(Q(members=self.user) | Q(leader=self.user)).values_list(
                "id", flat=True
            )
        )


#: Roles that see every request.
SEE_ALL = frozenset({Role.ADMIN, Role.DISPATCHER, Role.COMMANDER, Role.AUDITOR, Role.OPERATOR})
#: Roles shown a requester's personal data in full on a request's own page (and each view logged).
SEE_PERSONAL_DATA = frozenset(
    {Role.ADMIN, Role.DISPATCHER, Role.OPERATOR, Role.LEADER, Role.MEMBER}
)
#: Roles that may file a request for someone in the console or the API.
FILE_REQUESTS = frozenset({Role.ADMIN, Role.DISPATCHER, Role.OPERATOR})

#: People who ask for help themselves, each on their own channel (see ``channel_of``).
CHANNEL_ROLES: dict[str, str] = {
    Role.CITIZEN: Channel.APP,
    Role.ENTERPRISE: Channel.ENTERPRISE,
    Role.MEDIA: Channel.MEDIA,
}

GROUP_ROLES = frozenset({Role.MEMBER, Role.LEADER})


def visible_requests(actor: Actor) -> QuerySet[HelpRequest]:
    """Every request ``actor`` may see."""
    requests = HelpRequest.objects.all()
    if actor.user is not None:
        if actor.role in SEE_ALL:
            return requests
        if actor.role in GROUP_ROLES:
            groups = actor.group_ids
            # A subquery rather than a join, so no row repeats and no DISTINCT is needed.
            assisting = HelpRequest.assisting_groups.through.objects.filter(
                group_id__in=groups
            ).values("helprequest_id")
            return requests.filter(Q(lead_group_id__in=groups) | Q(pk__in=assisting))
        if actor.role == Role.ENTERPRISE and actor.user.enterprise_id is not None:
            # The company's requests, whichever of its contacts filed them.
            return requests.filter(enterprise_id=actor.user.enterprise_id)
        if actor.role == Role.MEDIA and actor.user.media_outlet_id is not None:
            return requests.filter(media_outlet_id=actor.user.media_outlet_id)
        return requests.filter(created_by=actor.user)
    if actor.api_key is not None:
        return requests.filter(api_key=actor.api_key)
    return requests.none()


def get_request_for(actor: Actor, number: str) -> HelpRequest:
    """The request numbered ``number`` if ``actor`` may see it; ``NotFound`` otherwise."""
    found = (
        visible_requests(actor)
        .select_related(
            "category",
            "division__parent",
            "lead_group",
            "requester",
            "merged_into",
            "enterprise",
            "media_outlet",
        )
        .filter(number=number)
        .first()
    )
    if found is None:
        raise NotFound(_("No request numbered %(number)s.") % {"number": number})
    return found


def may_file_requests(actor: Actor) -> bool:
    if actor.api_key is not None:
        return actor.api_key.revoked_at is None
    if actor.role in CHANNEL_ROLES:
        return _has_own_channel(actor)
    return actor.role in FILE_REQUESTS


def _has_own_channel(actor: Actor) -> bool:
    """A citizen must have confirmed a phone; a contact or editor must belong to their body."""
    user = actor.user
    if user is None or not user.is_active:
        return False
    if actor.role == Role.CITIZEN:
        return user.phone_confirmed_at is not None
    if actor.role == Role.ENTERPRISE:
        return user.enterprise_id is not None
    if actor.role == Role.MEDIA:
        return user.media_outlet_id is not None
    return False


def channel_of(actor: Actor) -> str | None:
    """The one channel this actor files on, or ``None`` for staff, who file for anyone."""
    if actor.api_key is not None:
        return actor.api_key.channel
    return CHANNEL_ROLES.get(actor.role or "")


def is_requester(actor: Actor, help_request: HelpRequest) -> bool:
    """Whether ``actor`` is the one who asked: the citizen who filed it, or the company."""
    user = actor.user
    if user is None:
        return False
    if actor.role == Role.CITIZEN:
        return help_request.created_by_id == user.pk
    if actor.role == Role.ENTERPRISE:
        return user.enterprise_id is not None and help_request.enterprise_id == user.enterprise_id
    return False


def may_see_personal_data(actor: Actor, help_request: HelpRequest) -> bool:
    if actor.user is None:
        return False
    return actor.role in SEE_PERSONAL_DATA or is_requester(actor, help_request)


def _in_lead_group(actor: Actor, help_request: HelpRequest) -> bool:
    return help_request.lead_group_id is not None and help_request.lead_group_id in actor.group_ids


def _in_lead_or_assisting_group(actor: Actor, help_request: HelpRequest) -> bool:
    if _in_lead_group(actor, help_request):
        return True
    return help_request.assisting_groups.filter(pk__in=actor.group_ids).exists()


def _leads_lead_group(actor: Actor, help_request: HelpRequest) -> bool:
    return (
        actor.user is not None
        and help_request.lead_group is not None
        and help_request.lead_group.leader_id == actor.user.pk
    )


#: For each action: the states it may start from.
ACTION_FROM: dict[str, frozenset[str]] = {
    "dispatch": frozenset({Status.RECEIVED}),
    "merge": frozenset({Status.RECEIVED, Status.DISPATCHED}),
    "resolve_at_intake": frozenset({Status.RECEIVED}),
    "accept": frozenset({Status.DISPATCHED}),
    "return": frozenset({Status.DISPATCHED, Status.ACCEPTED}),
    "start": frozenset({Status.ACCEPTED}),
    "resolve": frozenset({Status.ACCEPTED, Status.IN_PROGRESS}),
    "close": frozenset({Status.RESOLVED}),
    "reopen": frozenset({Status.RESOLVED, Status.CLOSED}),
    # A progress note (办理进展) changes no status: it may be written while the request is open.
    "note": frozenset(OPEN_STATUSES),
}


def may_act(actor: Actor, action: str, help_request: HelpRequest) -> bool:
    """Whether ``actor``'s role lets them take ``action`` on this request (state aside)."""
    role = actor.role
    if actor.system:
        # Only the dispatch that a dispatch rule decides, right after filing.
        return action == "dispatch"
    if actor.user is None:
        return False
    if role == Role.ADMIN:
        return True
    if action in ("dispatch", "merge"):
        return role == Role.DISPATCHER
    if action == "resolve_at_intake":
        return role in (Role.OPERATOR, Role.DISPATCHER)
    if action in ("accept", "return", "start", "resolve"):
        return role in GROUP_ROLES and _in_lead_group(actor, help_request)
    if action == "close":
        # The requester rates the answer themselves on their channel; staff record a rating
        # given by phone (回访).
        return role in (Role.OPERATOR, Role.DISPATCHER) or is_requester(actor, help_request)
    if action == "note":
        return role == Role.DISPATCHER or (
            role in GROUP_ROLES and _in_lead_or_assisting_group(actor, help_request)
        )
    if action == "reopen":
        return role == Role.DISPATCHER or (
            role == Role.LEADER and _leads_lead_group(actor, help_request)
        )
    return False


def allowed_actions(actor: Actor, help_request: HelpRequest) -> list[str]:
    """The actions to offer ``actor`` now, in life-cycle order."""
    return [
        action
        for action, states in ACTION_FROM.items()
        if help_request.status in states and may_act(actor, action, help_request)
    ]


def require_action(actor: Actor, action: str, help_request: HelpRequest) -> None:
    if not may_act(actor, action, help_request):
        raise Forbidden(
            _("You may not do this to request %(number)s.") % {"number": help_request.number}
        )
