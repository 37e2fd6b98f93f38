"""Reporting periods: a day closed at the cut-off time, or any span between two moments.

The headquarters counts its day up to a cut-off (24:00 by default; some cities close at 17:00
so the report is on the leaders' desks the same evening). The day D with cut-off 17:00 runs
from 17:00 on D-1 to 17:00 on D, local time. Every boundary is half-open: [start, end).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidInput

MIDNIGHT = time(0, 0)
_CUTOFF = re.compile(r"^([0-9]{1,2}):([0-9]{2})$")


def parse_cutoff(text: str, *, field: str = "cutoff") -> time:
    """``HH:MM`` between 00:00 and 23:59, or 24:00 (the same as 00:00: the day ends at midnight)."""
    # NFKC folds the full-width digits and colon a Chinese input method types (１７：００).
    match = _CUTOFF.match(unicodedata.normalize("NFKC", text or "").strip())
    if match:
        hours, minutes = int(match.group(1)), int(match.group(2))
        if (hours, minutes) == (24, 0):
            return MIDNIGHT
        if hours <= 23 and minutes <= 59:
            return time(hours, minutes)
    raise InvalidInput.for_field(
        field,
        _(
            "The cut-off must be a time of day between 00:00 and 23:59 (or 24:00), like 17:00; got “%(value)s”."
        )
        % {"value": text},
    )


def cutoff_label(cutoff: time) -> str:
    """How a cut-off is printed: midnight reads 24:00, as on a government report."""
    return "24:00" if cutoff == MIDNIGHT else cutoff.strftime("%H:%M")


def default_cutoff() -> time:
    return parse_cutoff(settings.HUYING_REPORT_CUTOFF, field="HUYING_REPORT_CUTOFF")


def _local(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=ZoneInfo(settings.TIME_ZONE))


@dataclass(frozen=True)
class Period:
    """[start, end) in aware datetimes; ``day`` is set when the period is one reporting day."""

    start: datetime
    end: datetime
    cutoff: time = MIDNIGHT
    day: date | None = None

    @property
    def length(self) -> timedelta:
        return self.end - self.start

    def shifted(self, days: int) -> Period:
        """The same span ``days`` earlier (negative) or later, by local calendar days."""
        if self.day is not None:
            return day_period(self.day + timedelta(days=days), self.cutoff)
        tz = ZoneInfo(settings.TIME_ZONE)
        start = self.start.astimezone(tz)
        end = self.end.astimezone(tz)
        return Period(
            start=_local(start.date() + timedelta(days=days), start.timetz().replace(tzinfo=None)),
            end=_local(end.date() + timedelta(days=days), end.timetz().replace(tzinfo=None)),
            cutoff=self.cutoff,
        )

    def label(self) -> str:
        tz = ZoneInfo(settings.TIME_ZONE)
        start, end = self.start.astimezone(tz), self.end.astimezone(tz)
        if self.day is not None:
            return _("%(day)s (%(start)s to %(end)s)") % {
                "day": self.day.isoformat(),
                "start": start.strftime("%m-%d %H:%M"),
                "end": _end_text(end),
            }
        return _("%(start)s to %(end)s") % {
            "start": start.strftime("%Y-%m-%d %H:%M"),
            "end": _end_text(end, with_year=True),
        }

    def as_dict(self) -> dict[str, str | None]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "cutoff": cutoff_label(self.cutoff),
            "day": self.day.isoformat() if self.day else None,
            "label": self.label(),
        }


def _end_text(end: datetime, *, with_year: bool = False) -> str:
    """Midnight is written as 24:00 of the day before, the way a report's reader says it."""
    if end.time() == MIDNIGHT:
        before = end - timedelta(days=1)
        return before.strftime("%Y-%m-%d 24:00" if with_year else "%m-%d 24:00")
    return end.strftime("%Y-%m-%d %H:%M" if with_year else "%m-%d %H:%M")


def day_period(day: date, cutoff: time | None = None) -> Period:
    """The reporting day ``day``: the 24 hours that end at the cut-off on that day."""
    cutoff = default_cutoff() if cutoff is None else cutoff
    end_day = day + timedelta(days=1) if cutoff == MIDNIGHT else day
    end = _local(end_day, cutoff)
    start = _local(end_day - timedelta(days=1), cutoff)
    return Period(start=start, end=end, cutoff=cutoff, day=day)


def current_day(now: datetime | None = None, cutoff: time | None = None) -> date:
    """The reporting day that contains ``now``: after the cut-off it is already tomorrow's."""
    cutoff = default_cutoff() if cutoff is None else cutoff
    local = timezone.localtime(now or timezone.now(), ZoneInfo(settings.TIME_ZONE))
    if cutoff != MIDNIGHT and local.time() >= cutoff:
        return local.date() + timedelta(days=1)
    return local.date()


def last_closed_day(now: datetime | None = None, cutoff: time | None = None) -> date:
    """The latest reporting day whose cut-off has passed."""
    return current_day(now, cutoff) - timedelta(days=1)


def parse_day(text: str, *, field: str = "day") -> date:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        raise InvalidInput.for_field(
            field, _("Enter a date like 2022-01-14; got “%(value)s”.") % {"value": text}
        ) from None


def closed_day_period(
    day: date, cutoff: time | None = None, *, now: datetime | None = None
) -> Period:
    """A reporting day for a report: refuses a day that has not ended yet.

    A report is a record of a finished day; today so far is the dashboard's business.
    """
    period = day_period(day, cutoff)
    if period.end > (now or timezone.now()):
        raise InvalidInput.for_field(
            "day",
            _(
                "%(day)s has not ended yet (its cut-off is %(end)s); a report covers a finished day. "
                "Today so far is on the dashboard."
            )
            % {
                "day": day.isoformat(),
                "end": _end_text(
                    period.end.astimezone(ZoneInfo(settings.TIME_ZONE)), with_year=True
                ),
            },
        )
    return period


def span_period(start: datetime, end: datetime, cutoff: time | None = None) -> Period:
    """Any span; the end must come after the start."""
    if end <= start:
        raise InvalidInput.for_field(
            "end",
            _("The period must end after it starts (it starts %(start)s).")
            % {"start": timezone.localtime(start).strftime("%Y-%m-%d %H:%M")},
        )
    return Period(start=start, end=end, cutoff=default_cutoff() if cutoff is None else cutoff)


def parse_moment(text: str, *, field: str) -> datetime:
    """``YYYY-MM-DD`` (the start of that local day) or ``YYYY-MM-DDTHH:MM`` in local time."""
    value = (text or "").strip()
    try:
        if len(value) == 10:
            return _local(date.fromisoformat(value), MIDNIGHT)
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput.for_field(
            field,
            _("Enter a date like 2022-01-14 or a time like 2022-01-14T17:00; got “%(value)s”.")
            % {"value": text},
        ) from None
    if timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=ZoneInfo(settings.TIME_ZONE))
    return parsed


def reject_future(period: Period, *, field: str = "day", now: datetime | None = None) -> Period:
    """Refuse a period that has not started: there is nothing to count in it yet."""
    if period.start > (now or timezone.now()):
        raise InvalidInput.for_field(
            field,
            _("This period starts in the future (%(start)s); there is nothing to count yet.")
            % {"start": timezone.localtime(period.start).strftime("%Y-%m-%d %H:%M")},
        )
    return period


def so_far_moment(now: datetime) -> datetime:
    """Now, rounded up to the whole second: a "so far" list link then reproduces the number
    exactly, and a request filed a moment ago is counted."""
    whole = now.replace(microsecond=0)
    return whole if whole == now else whole + timedelta(seconds=1)


def period_from_params(
    *, day: str = "", cutoff: str = "", start: str = "", end: str = "", now: datetime | None = None
) -> Period:
    """The period a page, an API call or a command asks for, from its text parameters.

    ``day`` (with an optional ``cutoff``) or ``start`` and ``end``; nothing means today so far
    (a period with no ``day``, ending now). Every parameter is checked before giving up, so a
    form shows all of its errors at once, each on its own field.
    """
    errors: dict[str, list[str]] = {}

    def attempt(parse: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return parse(*args, **kwargs)
        except InvalidInput as exc:
            for name, messages in exc.details.items():
                errors.setdefault(name, []).extend(messages)
            return None

    day, cutoff, start, end = (text.strip() for text in (day, cutoff, start, end))
    moment = so_far_moment(now or timezone.now())
    the_cutoff = attempt(parse_cutoff, cutoff) if cutoff else default_cutoff()
    if start or end:
        if day:
            errors["day"] = [_("Give either a day or a start and an end, not both.")]
        if not start:
            errors.setdefault("start", []).append(_("Enter when the period starts."))
        if not end:
            errors.setdefault("end", []).append(_("Enter when the period ends."))
        first = attempt(parse_moment, start, field="start") if start else None
        last = attempt(parse_moment, end, field="end") if end else None
        if errors or first is None or last is None:
            raise InvalidInput(details=errors)
        period = span_period(first, last, the_cutoff)
        return reject_future(period, field="start", now=moment)
    the_day = attempt(parse_day, day) if day else None
    if errors:
        raise InvalidInput(details=errors)
    if the_day is None:
        today = current_day(moment, the_cutoff)
        return Period(start=day_period(today, the_cutoff).start, end=moment, cutoff=the_cutoff)
    return reject_future(day_period(the_day, the_cutoff), now=moment)


def parse_day_and_cutoff(day: str, cutoff: str) -> tuple[date, time | None]:
    """A day to issue and its cut-off (None: the configured one); both checked, errors together."""
    errors: dict[str, list[str]] = {}
    the_day: date | None = None
    the_cutoff: time | None = None
    try:
        the_day = parse_day(day)
    except InvalidInput as exc:
        errors.update(exc.details)
    if (cutoff or "").strip():
        try:
            the_cutoff = parse_cutoff(cutoff)
        except InvalidInput as exc:
            errors.update(exc.details)
    if errors or the_day is None:
        raise InvalidInput(details=errors)
    return the_day, the_cutoff
