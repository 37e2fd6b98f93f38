"""Clocks and escalation: who is told when a request's current deadline passes.

A request waits on one deadline at a time (``core.clocks.current_due``): the dispatch
deadline while received, the accept deadline while dispatched, the resolve deadline while
accepted or in progress. Once it has passed, ``sweep`` climbs a ladder, at most one step per
request per sweep, each step when its time has come (W is the window of that deadline):

- step 1 at the deadline: the B post on duty of the lead group (for a received request,
  which has no group yet: the headquarters duty chief, and the ladder ends there);
- step 2 at the deadline + W/2: the group's leader;
- step 3 at the deadline + W: the headquarters duty chief (指挥部值班长), the A post on duty
  of the group ``settings.HUYING_DUTY_CHIEF_GROUP``.

A ``critical`` request pages the A post of its lead group on duty as soon as it is dispatched
(the duty chief when it is filed and no dispatch rule sends it anywhere), and if it is not
accepted by its accept deadline it goes straight to step 3.

Every step writes one ``Event`` (``escalated``, or ``paged``) whose data say the step, the
deadline, who was told and the deadline's moment; those events are the memory: a step already
recorded for the same deadline and moment is never taken again, and a new deadline (after an
accept, a return, a reopen) starts the ladder again. Whoever is told gets a text message, sent
by the task worker after the commit; someone without a phone number is recorded, not texted.
Nobody on duty falls back to the group's leader, or else is recorded as "" (nobody).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models.fields.json import KeyTextTransform
from django.utils import timezone

from accounts.models import User
from core import clocks
from core.models import OPEN_STATUSES, Event, HelpRequest, Status, Urgency

log = logging.getLogger(__name__)

DISPATCH, ACCEPT, RESOLVE = "dispatch", "accept", "resolve"
B_POST, LEADER, CHIEF = "b_post", "leader", "chief"
ESCALATION_KINDS = (Event.Kind.ESCALATED, Event.Kind.PAGED)
#: Ids per ``IN (…)`` list: well inside SQLite's limit on query parameters.
CHUNK = 5000


@dataclass(frozen=True)
class Step:
    number: int
    #: Share of the deadline's window after the deadline at which the step is due.
    after: float
    target: str


LADDER = (Step(1, 0.0, B_POST), Step(2, 0.5, LEADER), Step(3, 1.0, CHIEF))
#: Nothing received may sit without an owner: the duty chief takes it at once.
RECEIVED_LADDER = (Step(1, 0.0, CHIEF),)
#: A critical request not accepted in time skips the group's own people.
CRITICAL_ACCEPT_LADDER = (Step(3, 0.0, CHIEF),)


@dataclass
class SweepResult:
    counts: dict[str, int] = field(default_factory=dict)


def deadline_of(status: str) -> str | None:
    if status == Status.RECEIVED:
        return DISPATCH
    if status == Status.DISPATCHED:
        return ACCEPT
    if status in (Status.ACCEPTED, Status.IN_PROGRESS):
        return RESOLVE
    return None


def ladder_for(status: str, urgency: str) -> tuple[Step, ...]:
    deadline = deadline_of(status)
    if deadline == DISPATCH:
        return RECEIVED_LADDER
    if deadline == ACCEPT and urgency == Urgency.CRITICAL:
        return CRITICAL_ACCEPT_LADDER
    return LADDER


def iso(moment: dt.datetime) -> str:
    """The deadline's moment as stored in an event, the same however it was read."""
    return moment.astimezone(dt.UTC).isoformat()


def _window(windows: clocks.Windows, deadline: str) -> dt.timedelta:
    return {DISPATCH: windows.dispatch, ACCEPT: windows.accept, RESOLVE: windows.resolve}[deadline]


class Duty:
    """Who is on duty at one moment, read once for a whole sweep."""

    def __init__(self, at: dt.datetime) -> None:
        from duty.services import on_duty

        self.on = {entry.group.pk: entry for entry in on_duty(at)}
        self.groups = {entry.group.pk: entry.group for entry in self.on.values()}
        leader_ids = {g.leader_id for g in self.groups.values() if g.leader_id}
        self.leaders = {u.pk: u for u in User.objects.filter(pk__in=leader_ids)}
        code = settings.HUYING_DUTY_CHIEF_GROUP
        self.chief_group = next((g for g in self.groups.values() if g.code == code), None)

    def leader(self, group_id: int | None) -> User | None:
        group = self.groups.get(group_id) if group_id else None
        if group is None or group.leader_id is None:
            return None
        return self.leaders.get(group.leader_id)

    def post(self, group_id: int | None, which: str) -> User | None:
        entry = self.on.get(group_id) if group_id else None
        if entry is None:
            return None
        return entry.post_a if which == "a" else entry.post_b

    def chief(self) -> User | None:
        if self.chief_group is None:
            return None
        return self.post(self.chief_group.pk, "a") or self.leader(self.chief_group.pk)

    def target(self, target: str, group_id: int | None) -> User | None:
        if target == CHIEF:
            return self.chief()
        if target == B_POST:
            return self.post(group_id, "b") or self.leader(group_id)
        return self.leader(group_id)


def _last_steps(
    ids: list[int],
    *,
    kinds: tuple[str, ...] = ESCALATION_KINDS,
    since: dt.datetime | None = None,
    moments: set[str] | None = None,
) -> dict[tuple[int, str, str], int]:
    """The highest step already recorded per (request, deadline, moment).

    ``since`` leaves out events older than every deadline in question: a step of a deadline
    is written after it has passed (only a page comes before, and it is step 0). ``moments``
    leaves out those of other deadline moments (the ``due_at`` in their data).
    """
    done: dict[tuple[int, str, str], int] = {}
    for start in range(0, len(ids), CHUNK):
        found = Event.objects.filter(help_request_id__in=ids[start : start + CHUNK], kind__in=kinds)
        if since is not None:
            found = found.filter(created_at__gte=since)
        # A filter only: the key below decides. SQLite cannot compare these text values.
        if moments is not None and connection.vendor == "postgresql":
            found = found.alias(due_key=KeyTextTransform("due_at", "data")).filter(
                due_key__in=moments
            )
        # The three keys as text, read in the database: no JSON to decode here.
        rows = found.values_list(
            "help_request_id",
            KeyTextTransform("deadline", "data"),
            KeyTextTransform("due_at", "data"),
            KeyTextTransform("step", "data"),
        )
        for request_id, deadline, due_at, step in rows:
            key = (request_id, deadline or "", due_at or "")
            done[key] = max(done.get(key, -1), int(step or 0))
    return done


def current_steps(requests: Iterable[HelpRequest]) -> dict[int, int]:
    """How far each request has climbed for the deadline it now waits on: the highest step
    taken (0 when its A post was only paged); requests not escalated are left out.

    For the board's marks: an escalation of an earlier deadline no longer counts.
    """
    keys: dict[int, tuple[str, str]] = {}
    for help_request in requests:
        deadline = deadline_of(help_request.status)
        if deadline is not None:
            due = getattr(help_request, f"{deadline}_due_at")
            keys[help_request.pk] = (deadline, iso(due))
    if not keys:
        return {}
    done = _last_steps(list(keys), moments={moment for _d, moment in keys.values()})
    return {
        pk: done[(pk, deadline, moment)]
        for pk, (deadline, moment) in keys.items()
        if (pk, deadline, moment) in done
    }


def _event(
    help_request: HelpRequest,
    status: str,
    *,
    step: int,
    deadline: str,
    due: dt.datetime,
    notified: User | None,
    at: dt.datetime,
) -> Event:
    from core.services import SYSTEM

    return Event(
        help_request=help_request,
        kind=Event.Kind.ESCALATED,
        from_status=status,
        to_status=status,
        actor=None,
        actor_name=SYSTEM.name,
        data=_data(step=step, deadline=deadline, due=due, notified=notified),
        created_at=at,
    )


def _data(*, step: int, deadline: str, due: dt.datetime, notified: User | None) -> dict[str, Any]:
    return {
        "step": step,
        "deadline": deadline,
        "notified": notified.get_username() if notified else "",
        "due_at": iso(due),
    }


#: The fields of the request loaded with each escalation event (the rest are deferred).
_STAND_IN_FIELDS = ["id", "number", "status", "urgency", "category_id", "lead_group_id"]


def _insert(events: list[Event]) -> list[Event]:
    """Write the events in one go: ``COPY`` with ids taken from the sequence on PostgreSQL
    (several times faster than a bulk ``INSERT`` at 10^4 rows), ``bulk_create`` elsewhere."""
    if not events or connection.vendor != "postgresql":
        return Event.objects.bulk_create(events, batch_size=1000)
    table = Event._meta.db_table
    columns = [
        "id",
        "help_request_id",
        "kind",
        "from_status",
        "to_status",
        "actor_id",
        "actor_name",
        "note",
        "data",
        "created_at",
    ]
    names = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, len(events)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        with cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
            for pk, event in zip(ids, events, strict=True):
                event.pk = pk
                event._state.adding = False
                event._state.db = connection.alias
                copy.write_row(
                    [
                        pk,
                        event.help_request_id,
                        event.kind,
                        event.from_status,
                        event.to_status,
                        event.actor_id,
                        event.actor_name,
                        event.note,
                        json.dumps(event.data),
                        event.created_at,
                    ]
                )
    return events


def sweep(now: dt.datetime | None = None) -> SweepResult:
    """Take the next due step of every open request past its deadline; the counts of it."""
    from core import tasks
    from core.services import _queue_side_effects

    now = now or timezone.now()
    counts: Counter[str] = Counter()
    duty = Duty(now)
    windows: dict[tuple[str, str], clocks.Windows] = {}
    with transaction.atomic():
        # ``due_at`` is never later than the current deadline (a returned request is due at
        # once), so the partial index ``hr_open_queue`` finds every candidate. Rows being
        # changed right now are skipped: the next sweep, 30 s later, sees their new state.
        candidates = list(
            HelpRequest.objects.filter(status__in=sorted(OPEN_STATUSES), due_at__lt=now)
            .select_for_update(skip_locked=True, of=("self",))
            .values_list(
                "id",
                "number",
                "status",
                "urgency",
                "category_id",
                "lead_group_id",
                "dispatch_due_at",
                "accept_due_at",
                "resolve_due_at",
            )
        )
        counts["overdue"] = len(candidates)
        # The current deadline of each: the dispatch, accept or resolve one by its status.
        dues = [
            {DISPATCH: dispatch_due, ACCEPT: accept_due}.get(deadline_of(status) or "", resolve_due)
            for _pk, _number, status, *_, dispatch_due, accept_due, resolve_due in candidates
        ]
        done = _last_steps(
            [row[0] for row in candidates],
            kinds=(Event.Kind.ESCALATED,),
            since=min(dues, default=now),
            moments={iso(due) for due in dues},
        )
        events: list[Event] = []
        for (pk, number, status, urgency, category_id, group_id, *_), due in zip(
            candidates, dues, strict=True
        ):
            deadline = deadline_of(status)
            if deadline is None:
                continue
            if due >= now:
                continue  # returned: due at once in the queue, its new deadline not yet passed
            key = (category_id, urgency)
            if key not in windows:
                windows[key] = clocks.windows_for(category_code=category_id, urgency=urgency)
            window = _window(windows[key], deadline)
            last = done.get((pk, deadline, iso(due)), 0)
            step = next((s for s in ladder_for(status, urgency) if s.number > last), None)
            if step is None:
                counts["at_top"] += 1
                continue
            if due + window * step.after > now:
                continue
            notified = duty.target(step.target, group_id)
            events.append(
                _event(
                    # Enough of the request for ``event_committed``'s receivers (the live
                    # board reads its number and urgency) without a query per event.
                    HelpRequest.from_db(
                        connection.alias,
                        _STAND_IN_FIELDS,
                        [pk, number, status, urgency, category_id, group_id],
                    ),
                    status,
                    step=step.number,
                    deadline=deadline,
                    due=due,
                    notified=notified,
                    at=now,
                )
            )
            counts[f"step_{step.number}"] += 1
            if notified is None:
                counts["nobody"] += 1
        created = _insert(events)
        for event in created:
            _queue_side_effects(event)
        ids = [event.pk for event in created if event.data["notified"]]
        for start in range(0, len(ids), 500):
            transaction.on_commit(partial(tasks.text_escalations.enqueue, ids[start : start + 500]))
    counts["escalated"] = len(created)
    return SweepResult(counts=dict(counts))


def page(event_id: int) -> Event | None:
    """Page the duty post for a critical request just dispatched or just filed.

    Dispatched: the A post on duty of the lead group (its leader if nobody is on). Filed and
    still received (no dispatch rule took it): the headquarters duty chief. Idempotent: a
    page already written for the same deadline is not written again.
    """
    from core.services import SYSTEM, _queue_side_effects, _write_event

    trigger = Event.objects.get(pk=event_id)
    now = timezone.now()
    with transaction.atomic():
        hr = HelpRequest.objects.select_for_update().get(pk=trigger.help_request_id)
        if hr.urgency != Urgency.CRITICAL:
            return None
        if trigger.kind == Event.Kind.CREATED and hr.status == Status.RECEIVED:
            deadline = DISPATCH
        elif trigger.kind == Event.Kind.DISPATCHED and hr.status == Status.DISPATCHED:
            deadline = ACCEPT
        else:
            return None  # already moved on: dispatched by a rule, accepted, returned…
        due = clocks.current_due(hr)
        if (hr.pk, deadline, iso(due)) in _last_steps([hr.pk]):
            return None
        duty = Duty(now)
        if deadline == DISPATCH:
            notified = duty.chief()
        else:
            notified = duty.post(hr.lead_group_id, "a") or duty.leader(hr.lead_group_id)
        event = _write_event(
            hr,
            actor=SYSTEM,
            kind=Event.Kind.PAGED,
            from_status=hr.status,
            data=_data(step=0, deadline=deadline, due=due, notified=notified),
            at=now,
        )
        _queue_side_effects(event)
        if notified is not None:
            from core import tasks

            event_ids = [event.pk]
            transaction.on_commit(lambda: tasks.text_escalations.enqueue(event_ids))
    return event


def on_event_committed(sender: Any, event: Event, **kwargs: Any) -> None:
    """Receiver of ``core.signals.event_committed``: queue the page of a critical request."""
    if event.kind not in (Event.Kind.CREATED, Event.Kind.DISPATCHED):
        return
    if event.help_request.urgency != Urgency.CRITICAL:
        return
    if event.kind == Event.Kind.CREATED and event.help_request.status != Status.RECEIVED:
        # Filed already dispatched by a rule: its ``dispatched`` event pages the group's
        # post; a page for the filing would find the request moved on and do nothing.
        return
    from core import tasks

    tasks.page_duty_post.enqueue(event.pk)
