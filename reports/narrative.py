"""The report in words: overview, judgment, next steps and the public bulletin.

Written from the snapshot's numbers only, so the words can never disagree with the tables.
Called inside ``translation.override("zh-hans")``: a daily report is issued in Chinese.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

#: How many categories the overview names as "mostly about".
TOP_CATEGORIES = 4


def percent(value: float | None) -> str:
    """A rate as printed: one decimal, or a dash when nothing was due (no 0/0 = 0 %)."""
    return "—" if value is None else f"{value * 100:.1f}%"


def _list(items: list[str]) -> str:
    return _("、").join(items)


def _top_categories(snapshot: dict[str, Any], limit: int = TOP_CATEGORIES) -> list[dict[str, Any]]:
    rows = [r for r in snapshot["breakdowns"]["category"] if r["received"]]
    rows.sort(key=lambda r: -r["received"])
    return rows[:limit]


def _change(now: float, before: float) -> str:
    if before == 0:
        return _("none the day before") if now else _("none either day")
    delta = (now - before) / before
    if abs(delta) < 0.005:
        return _("the same as the day before")
    if delta > 0:
        return _("up %(p)s on the day before") % {"p": f"{delta * 100:.0f}%"}
    return _("down %(p)s on the day before") % {"p": f"{-delta * 100:.0f}%"}


def overview(snapshot: dict[str, Any]) -> str:
    totals = snapshot["totals"]
    period = snapshot["period"]["label"]
    if snapshot["empty"]:
        return _(
            "%(period)s: no request for help was received in this period. At the cut-off "
            "%(open)d requests were open, %(overdue)d of them overdue; %(resolved)d were resolved "
            "in the period."
        ) % {"period": period, **totals}
    top = _list(
        [
            _("%(name)s (%(n)d)") % {"name": r["name"], "n": r["received"]}
            for r in _top_categories(snapshot)
        ]
    )
    rates = snapshot["rates"]
    before = snapshot["previous_day"]["totals"]["received"]
    return _(
        "%(period)s: the city's channels received %(received)d requests for help, %(change)s, "
        "mostly about %(top)s. %(resolved)d requests were resolved in the period. At the "
        "cut-off %(open)d were open, %(overdue)d of them overdue. %(merged)d duplicates were "
        "merged and %(returned)d requests returned to the dispatcher. Response rate %(response)s, "
        "resolution rate %(resolution)s, satisfaction rate %(satisfaction)s."
    ) % {
        "period": period,
        "change": _change(totals["received"], before),
        "top": top,
        **totals,
        "response": percent(rates["response"]["value"]),
        "resolution": percent(rates["resolution"]["value"]),
        "satisfaction": percent(rates["satisfaction"]["value"]),
    }


def judgment_lines(snapshot: dict[str, Any]) -> list[str]:
    found = snapshot["judgment"]
    lines: list[str] = []
    for rise in found["rising"]:
        lines.append(
            _(
                "Rising: %(name)s, %(count)d requests against a daily mean of %(mean)s over the "
                "previous 7 days."
            )
            % {"name": rise["name"], "count": rise["count"], "mean": rise["baseline_mean"]}
        )
    for cluster in found["clusters"][:5]:
        words = _list(cluster["words"]) or cluster["category_name"]
        lines.append(
            _(
                "Cluster: %(place)s, %(count)d requests about %(category)s (%(words)s) between "
                "%(first)s and %(last)s: one problem to solve at one place."
            )
            % {
                "place": cluster["place"],
                "count": cluster["count"],
                "category": cluster["category_name"],
                "words": words,
                "first": cluster["first"][5:],
                "last": cluster["last"][5:],
            }
        )
    words = [w["word"] for w in found["hot_words"]["words"][:10]]
    if words:
        lines.append(_("Words of the day: %(words)s.") % {"words": _list(words)})
    cases = found["key_cases"]
    lines.append(
        _(
            "Key cases: %(critical)d critical, %(overdue)d overdue at the cut-off, %(reopened)d "
            "reopened after an unsatisfied rating."
        )
        % {k: cases[k]["count"] for k in ("critical", "overdue", "reopened")}
    )
    groups = [g for g in found["groups"] if g["received"] or g["resolved"] or g["overdue"]]
    if len(groups) >= 2:
        lines.append(
            _("Groups: best %(best)s; most overdue %(worst)s (%(n)d overdue).")
            % {"best": groups[0]["name"], "worst": groups[-1]["name"], "n": groups[-1]["overdue"]}
        )
    if not lines:
        lines.append(_("Nothing stood out in this period."))
    return lines


def next_steps(snapshot: dict[str, Any]) -> list[str]:
    found = snapshot["judgment"]
    totals = snapshot["totals"]
    steps: list[str] = []
    if found["key_cases"]["critical"]["count"]:
        steps.append(
            _(
                "Follow each of the %(n)d critical requests with a named person until it is resolved."
            )
            % {"n": found["key_cases"]["critical"]["count"]}
        )
    if totals["overdue"]:
        steps.append(
            _("Chase the %(n)d overdue requests one by one, with a person and a deadline for each.")
            % {"n": totals["overdue"]}
        )
    for rise in found["rising"][:3]:
        steps.append(
            _("%(name)s is rising: the groups concerned should add staff and look ahead.")
            % {"name": rise["name"]}
        )
    for cluster in found["clusters"][:3]:
        steps.append(
            _(
                "%(place)s: check the %(category)s requests on the spot and solve them at once, for everyone."
            )
            % {"place": cluster["place"], "category": cluster["category_name"]}
        )
    if found["key_cases"]["reopened"]["count"]:
        steps.append(
            _("Call back the %(n)d people who were not satisfied, and settle their requests.")
            % {"n": found["key_cases"]["reopened"]["count"]}
        )
    steps.append(_("Keep the 24-hour duty: every call answered, every request followed up."))
    return steps


def bulletin(snapshot: dict[str, Any]) -> str:
    """The public bulletin: counts and topics only, never a person, a number or an address."""
    totals = snapshot["totals"]
    day = snapshot["period"]["day"] or snapshot["period"]["label"]
    if snapshot["empty"]:
        return _("%(day)s: the epidemic help platform received no request for help.") % {"day": day}
    top = _list([r["name"] for r in _top_categories(snapshot)])
    text = _(
        "%(day)s: the epidemic help platform received %(received)d requests for help from the "
        "public and resolved %(resolved)d, mostly about %(top)s."
    ) % {"day": day, "received": totals["received"], "resolved": totals["resolved"], "top": top}
    satisfaction = snapshot["rates"]["satisfaction"]["value"]
    if satisfaction is not None:
        text += _(" Satisfaction among those who rated the answer: %(p)s.") % {
            "p": percent(satisfaction)
        }
    return text


def write(snapshot: dict[str, Any]) -> dict[str, Any]:
    return {
        "overview": overview(snapshot),
        "judgment": judgment_lines(snapshot),
        "next_steps": next_steps(snapshot),
        "bulletin": bulletin(snapshot),
    }
