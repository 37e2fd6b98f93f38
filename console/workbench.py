"""The group workbench (工作台): a group's open requests for its members, and its load for
its leader.

Members and leaders see the requests their groups lead (主办) and assist (协办), most urgent
and nearest deadline first; a leader also sees the group's load, what is overdue, who holds
which accepted request and who is on duty now. Reads only: every step is taken on the
request's own page, through ``core.services``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.models import Role, User
from console.views import ConsoleRequest, _forbidden, console_view
from core.access import GROUP_ROLES, Actor, visible_requests
from core.models import OPEN_STATUSES, Group, GroupMembership, HelpRequest, Status, Urgency
from duty.services import on_duty

#: Rows of the workbench; a group with more open requests than this has a bigger problem,
#: and the queue with its filters shows them all.
WORKBENCH_ROWS = 200

#: Open statuses in the order of the life cycle, for the counts.
OPEN_ORDER = [s for s in Status.values if s in OPEN_STATUSES]

#: Who may open any group's leader view with ``?group=``.
SEE_ANY_GROUP = frozenset({Role.ADMIN, Role.COMMANDER})


@dataclass(frozen=True)
class Row:
    hr: HelpRequest
    #: The viewer's groups only assist (协办): another group leads it.
    assisting: bool
    overdue: bool


@dataclass(frozen=True)
class StatusCount:
    status: str
    label: str
    count: int


def _status_counts(counter: Counter[str]) -> list[StatusCount]:
    labels = dict(Status.choices)
    return [StatusCount(s, str(labels[s]), counter.get(s, 0)) for s in OPEN_ORDER]


@require_GET
@console_view
def workbench(request: ConsoleRequest) -> HttpResponse:
    """The open requests of the viewer's groups, lead and assisting ones."""
    actor = Actor(user=request.user)
    if actor.role not in GROUP_ROLES:
        return _forbidden(request, _("The workbench is for the members of a working group."))
    now = timezone.now()
    requests = (
        visible_requests(actor)
        .filter(status__in=OPEN_STATUSES)
        .select_related("category", "division__parent", "lead_group", "accepted_by")
        .order_by("priority", "due_at", "id")
    )
    groups = actor.group_ids
    rows = [
        Row(hr=hr, assisting=hr.lead_group_id not in groups, overdue=hr.due_at < now)
        for hr in requests[:WORKBENCH_ROWS]
    ]
    counter: Counter[str] = Counter(
        {
            entry["status"]: entry["n"]
            for entry in requests.order_by().values("status").annotate(n=Count("id"))
        }
    )
    context = {
        "groups": Group.objects.filter(pk__in=groups).order_by("kind", "code"),
        "rows": rows,
        "status_counts": _status_counts(counter),
        "total": sum(counter.values()),
        "shown_all": sum(counter.values()) <= WORKBENCH_ROWS,
        "overdue_count": requests.filter(due_at__lt=now).count(),
        "leads_groups": Group.objects.filter(leader=request.user).exists(),
    }
    return render(request, "console/workbench.html", context)


@dataclass
class Holder:
    """One member of the group and the accepted, unresolved requests they hold."""

    user: User
    requests: list[HelpRequest] = field(default_factory=list)


@dataclass(frozen=True)
class UrgencyLoad:
    urgency: str
    label: str
    counts: list[int]
    total: int


def _leader_group(request: ConsoleRequest) -> tuple[Group, list[Group]]:
    """The group whose load is shown, and the groups the viewer may switch between.

    A leader sees the groups they lead; an administrator or commander any active group.
    An unknown code, or a group the viewer does not lead, is a 404.
    """
    user = request.user
    if user.effective_role in SEE_ANY_GROUP:
        choices = list(Group.objects.filter(is_active=True).order_by("kind", "code"))
    elif user.effective_role == Role.LEADER:
        choices = list(Group.objects.filter(leader=user).order_by("kind", "code"))
    else:
        raise PermissionError
    code = request.GET.get("group", "").strip()
    if code:
        chosen = next((g for g in choices if g.code == code), None)
        if chosen is None:
            raise Http404(code)
        return chosen, choices
    if not choices:
        raise Http404("no group")
    return choices[0], choices


@require_GET
@console_view
def leader_view(request: ConsoleRequest) -> HttpResponse:
    """A group's load: open requests by status and urgency, what is overdue, who holds what,
    and who is on duty now."""
    try:
        group, choices = _leader_group(request)
    except PermissionError:
        return _forbidden(request, _("The group's load is for its leader."))
    now = timezone.now()
    open_lead = HelpRequest.objects.filter(lead_group=group, status__in=OPEN_STATUSES)
    by_cell: Counter[tuple[str, str]] = Counter(
        {
            (entry["status"], entry["urgency"]): entry["n"]
            for entry in open_lead.order_by().values("status", "urgency").annotate(n=Count("id"))
        }
    )
    urgency_labels = dict(Urgency.choices)
    load = [
        UrgencyLoad(
            urgency=u,
            label=str(urgency_labels[u]),
            counts=[by_cell.get((s, u), 0) for s in OPEN_ORDER],
            total=sum(by_cell.get((s, u), 0) for s in OPEN_ORDER),
        )
        for u in Urgency.values
    ]
    by_status: Counter[str] = Counter()
    for (status, _urgency), n in by_cell.items():
        by_status[status] += n
    overdue = list(
        open_lead.filter(due_at__lt=now)
        .select_related("category", "accepted_by")
        .order_by("priority", "due_at", "id")
    )
    holders = _holders(group, open_lead)
    duty = next((d for d in on_duty(now) if d.group.pk == group.pk), None)
    assisting = (
        HelpRequest.objects.filter(assisting_groups=group, status__in=OPEN_STATUSES)
        .exclude(lead_group=group)
        .count()
    )
    context = {
        "group": group,
        "choices": choices,
        "status_counts": _status_counts(by_status),
        "load": load,
        "total": sum(by_status.values()),
        "overdue": overdue,
        "holders": holders,
        "unassigned": open_lead.filter(
            Q(status__in=[Status.ACCEPTED, Status.IN_PROGRESS]), accepted_by__isnull=True
        ).count(),
        "duty": duty,
        "assisting_count": assisting,
        "now": now,
    }
    return render(request, "console/workbench_leader.html", context)


def _holders(group: Group, open_lead: QuerySet[HelpRequest]) -> list[Holder]:
    """Every member of the group (the leader first), with the accepted requests they hold."""
    people: dict[int, Holder] = {}
    if group.leader is not None:
        people[group.leader.pk] = Holder(group.leader)
    for membership in (
        GroupMembership.objects.filter(group=group).select_related("user").order_by("joined_at")
    ):
        people.setdefault(membership.user.pk, Holder(membership.user))
    held = (
        open_lead.filter(
            status__in=[Status.ACCEPTED, Status.IN_PROGRESS], accepted_by__isnull=False
        )
        .select_related("accepted_by")
        .order_by("priority", "due_at", "id")
    )
    for hr in held:
        if hr.accepted_by is not None:
            people.setdefault(hr.accepted_by.pk, Holder(hr.accepted_by)).requests.append(hr)
    return list(people.values())
