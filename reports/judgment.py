"""日研判: what the day's requests say beyond their counts.

- **Rising**: a category or county whose count is well above its recent level, by a stated test.
- **Clusters**: several requests about the same place and problem within hours — one finding,
  not twelve tickets.
- **Hot words**: the day's words, by Chinese word segmentation (jieba) with a stop-word list.
- **Key cases**: every critical request, every overdue one, every one reopened as unsatisfied.
- **Group performance**: accept time, resolve time, overdue, satisfaction, per group, ranked.

Each finding carries what is needed to open the list of requests behind it.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Q, Window
from django.db.models.functions import Mod, RowNumber, Substr
from django.utils.translation import gettext as _

from core.models import HelpRequest
from reports.figures import FILTERS, Labels, group_sums, localtime_label, requests_for, rows_of
from reports.periods import Period

# --- Rising -----------------------------------------------------------------------------------

#: The rising test. A value is rising when it is at least ``RISE_MIN_COUNT``, at least
#: ``RISE_RATIO`` times its daily mean over the previous ``RISE_BASELINE_DAYS`` days, and at
#: least ``RISE_Z`` standard deviations above that mean, taking counts as Poisson (sd = √mean,
#: with the mean floored at 1 so a quiet week does not make every small count "rising").
RISE_BASELINE_DAYS = 7
RISE_MIN_COUNT = 5
RISE_RATIO = 1.5
RISE_Z = 3.0


def rising_test_text() -> str:
    return _(
        "count ≥ %(min)d, ≥ %(ratio)s × the daily mean of the previous %(days)d days, and "
        "z = (count − mean) / √max(mean, 1) ≥ %(z)s (Poisson)"
    ) % {"min": RISE_MIN_COUNT, "ratio": RISE_RATIO, "days": RISE_BASELINE_DAYS, "z": RISE_Z}


def rising(period: Period, today: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Categories and counties well above their level of the previous days.

    ``today`` is the period's breakdowns; the baseline is one grouped query over the days before.
    """
    baseline = Period(
        start=period.start - timedelta(days=RISE_BASELINE_DAYS),
        end=period.start,
        cutoff=period.cutoff,
    )
    rows = (
        HelpRequest.objects.filter(FILTERS["received"](baseline))
        .annotate(county=Substr("division_id", 1, 6))
        .values("category_id", "county")
        .annotate(n=Count("id"))
        .order_by()
    )
    before: dict[str, Counter[str]] = {"category": Counter(), "county": Counter()}
    for counted in rows:
        before["category"][counted["category_id"]] += counted["n"]
        before["county"][counted["county"]] += counted["n"]
    found: list[dict[str, Any]] = []
    for dimension in ("category", "county"):
        for row in today[dimension]:
            count = row["received"]
            mean = before[dimension][row["key"]] / RISE_BASELINE_DAYS
            z = (count - mean) / math.sqrt(max(mean, 1.0))
            if count >= RISE_MIN_COUNT and count >= RISE_RATIO * mean and z >= RISE_Z:
                found.append(
                    {
                        "dimension": dimension,
                        "key": row["key"],
                        "name": row["name"],
                        "count": count,
                        "baseline_mean": round(mean, 1),
                        "ratio": round(count / mean, 1) if mean else None,
                        "z": round(z, 1),
                        "metric": "received",
                    }
                )
    found.sort(key=lambda f: -f["z"])
    return found


# --- Hot words --------------------------------------------------------------------------------

#: At most this many requests are segmented; beyond it an every-k-th sample by id is taken,
#: and the report says so.
HOT_WORDS_SAMPLE = 4000
HOT_WORDS_TOP = 20
_WORD = re.compile(r"^[\u4e00-\u9fffA-Za-z][\u4e00-\u9fffA-Za-z0-9]+$")


@cache
def stop_words() -> frozenset[str]:
    text = (Path(__file__).parent / "stopwords.txt").read_text(encoding="utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


@cache
def _tokenizer() -> Any:
    """jieba's tokenizer, its dictionary cache kept in the data directory."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.tmp_dir = str(settings.DATA_DIR)
    tokenizer.initialize()
    return tokenizer


def _blocks() -> Any:
    """jieba's own pattern for the runs it cuts one by one (imported late, like the tokenizer)."""
    import jieba

    return jieba.re_han_default


def words_of(text: str, memo: dict[str, frozenset[str]] | None = None) -> set[str]:
    """The distinct content words of one text: two characters or more, not a stop word.

    jieba cuts each run of Chinese characters, letters and digits (its ``re_han_default``
    block) on its own and yields the rest as single characters and spaces, which are never
    words here. So a text's words are the union of its blocks' words, and with a ``memo`` a
    phrase that recurs ("小区封控", "请尽快处理") is cut only once per report: the result
    is the same as cutting every text whole, and segmentation is a large part of the
    judgment's time.
    """
    stops = stop_words()
    tokenizer = _tokenizer()
    found: set[str] = set()
    for block in _blocks().findall(text):
        words = memo.get(block) if memo is not None else None
        if words is None:
            words = frozenset(w for w in tokenizer.cut(block) if _WORD.match(w) and w not in stops)
            if memo is not None:
                memo[block] = words
        found |= words
    return found


def hot_words(period: Period, received_count: int | None = None) -> dict[str, Any]:
    """The words found in most of the period's requests (document frequency, not repeats).

    ``received_count`` is the period's received count when the caller has it already.
    """
    received = HelpRequest.objects.filter(FILTERS["received"](period))
    total = received.count() if received_count is None else received_count
    step = max(1, math.ceil(total / HOT_WORDS_SAMPLE))
    sample = received
    if step > 1:
        sample = received.annotate(slot=Mod("id", step)).filter(slot=0)
    texts = list(sample.values_list("description", flat=True)[:HOT_WORDS_SAMPLE])
    counts: Counter[str] = Counter()
    memo: dict[str, frozenset[str]] = {}
    for text in texts:
        counts.update(words_of(text[:500], memo))
    scale = total / len(texts) if texts else 0
    return {
        "total": total,
        "sampled": len(texts),
        "step": step,
        "words": [
            {
                "word": word,
                "count": n,
                "estimate": round(n * scale),
                "share": round(n / len(texts), 3),
            }
            for word, n in _most_common(counts, HOT_WORDS_TOP)
        ],
    }


def _most_common(counts: Counter[str], n: int) -> list[tuple[str, int]]:
    """The ``n`` commonest words, ties in character order.

    ``Counter.most_common`` breaks ties by first insertion, and the words come from sets,
    whose order changes with Python's per-process string hashing: the same day gave
    different words from one run to the next.
    """
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:n]


# --- Clusters ---------------------------------------------------------------------------------

#: A cluster: at least ``CLUSTER_MIN`` requests in one category and one place, with at least
#: ``CLUSTER_MIN`` of them inside ``CLUSTER_WINDOW``. The place is the community named in the
#: address when one is (…小区, …社区, …村), else the street.
CLUSTER_MIN = 3
CLUSTER_WINDOW = timedelta(hours=6)
CLUSTER_CANDIDATES = 40
CLUSTER_ROWS = 300
_COMMUNITY = re.compile(
    r"([\u4e00-\u9fff0-9A-Za-z]{1,12}?(?:小区|社区|家属院|家属楼|花园|公寓|新村|村|苑|大院|园区))"
)


def cluster_test_text() -> str:
    return _(
        "at least %(min)d requests of one category at one place (the community named in the "
        "address, else the street), %(min)d of them within %(hours)d hours"
    ) % {"min": CLUSTER_MIN, "hours": CLUSTER_WINDOW.total_seconds() // 3600}


def community_of(address: str) -> str:
    match = _COMMUNITY.search(address or "")
    return match.group(1) if match else ""


def clusters(period: Period, labels: Labels) -> list[dict[str, Any]]:
    """Places where one problem came in several times within hours."""
    from core.models import Division

    candidates = rows_of(
        HelpRequest.objects.filter(FILTERS["received"](period))
        .values("division_id", "category_id")
        .annotate(n=Count("id"))
        .filter(n__gte=CLUSTER_MIN)
        .order_by("-n", "division_id", "category_id")[:CLUSTER_CANDIDATES]
    )
    places = {
        d.code: d.full_name
        for d in Division.objects.filter(
            code__in={c["division_id"] for c in candidates}
        ).select_related("parent")
    }
    found: list[dict[str, Any]] = []
    memo: dict[str, frozenset[str]] = {}
    first_rows = _first_rows(period, candidates)
    for candidate in candidates:
        by_place: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in first_rows.get((candidate["division_id"], candidate["category_id"]), []):
            by_place[community_of(row["address"])].append(row)
        for community, members in by_place.items():
            if len(members) < CLUSTER_MIN or _densest(members) < CLUSTER_MIN:
                continue
            words: Counter[str] = Counter()
            for member in members:
                words.update(words_of(member["description"][:300], memo))
            common = [w for w, n in _most_common(words, 5) if n >= 2]
            found.append(
                {
                    "division": candidate["division_id"],
                    "place": " ".join(
                        p for p in (places.get(candidate["division_id"], ""), community) if p
                    ),
                    "community": community,
                    "category": candidate["category_id"],
                    "category_name": labels.categories.get(candidate["category_id"], ""),
                    "count": len(members),
                    "densest": _densest(members),
                    "first": localtime_label(members[0]["received_at"]),
                    "last": localtime_label(members[-1]["received_at"]),
                    "words": common,
                    "numbers": [m["number"] for m in members[:50]],
                }
            )
    found.sort(key=lambda c: (-c["count"], c["place"]))
    return found


def _first_rows(
    period: Period, candidates: list[Any]
) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """The first ``CLUSTER_ROWS`` requests of each candidate (place, category), by time.

    One query numbers each candidate's rows with a window function; a query per candidate
    walked the (category, received) index past every other place's requests, about 0.1 s
    each on a day of 10^6. Ties in time are broken by id, so the rows are always the same.
    """
    if not candidates:
        return {}
    # The two IN lists are cheap to test and drop most rows before the exact pairs are.
    pairs = Q(
        division_id__in=sorted({c["division_id"] for c in candidates}),
        category_id__in=sorted({c["category_id"] for c in candidates}),
    )
    exact = Q()
    for candidate in candidates:
        exact |= Q(division_id=candidate["division_id"], category_id=candidate["category_id"])
    rows: Any = (
        HelpRequest.objects.filter(FILTERS["received"](period))
        .filter(pairs & exact)
        .annotate(
            place_rank=Window(
                RowNumber(),
                partition_by=[F("division_id"), F("category_id")],
                order_by=[F("received_at").asc(), F("id").asc()],
            )
        )
        .filter(place_rank__lte=CLUSTER_ROWS)
        .values(
            "division_id", "category_id", "number", "received_at", "address", "description", "id"
        )
    )
    out: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows_of(rows):
        out[(row["division_id"], row["category_id"])].append(row)
    for members in out.values():
        members.sort(key=lambda r: (r["received_at"], r["id"]))
    return out


def _densest(rows: list[dict[str, Any]]) -> int:
    """The most requests inside any one window of ``CLUSTER_WINDOW`` (rows sorted by time)."""
    best = start = 0
    for end, row in enumerate(rows):
        while row["received_at"] - rows[start]["received_at"] > CLUSTER_WINDOW:
            start += 1
        best = max(best, end - start + 1)
    return best


# --- Key cases --------------------------------------------------------------------------------

KEY_CASE_LIMIT = 50
KEY_CASE_KINDS = ("critical", "overdue", "reopened")


def key_cases(
    period: Period, labels: Labels, counts: dict[str, int] | None = None
) -> dict[str, Any]:
    """Every critical, overdue and reopened-unsatisfied request: the count, and the first 50.

    ``counts`` may give a kind's count when the caller has it already (the breakdowns hold
    critical and overdue), saving a count over a day's rows.
    """
    known = counts or {}
    out: dict[str, Any] = {}
    for kind in KEY_CASE_KINDS:
        queryset = requests_for(kind, period)
        rows = list(
            queryset.order_by("priority", "received_at", "id").values(
                "number",
                "received_at",
                "category_id",
                "urgency",
                "status",
                "division_id",
                "summary",
                "lead_group_id",
                "resolve_due_at",
            )[:KEY_CASE_LIMIT]
        )
        out[kind] = {
            "count": (
                known[kind]
                if kind in known
                else queryset.count()
                if len(rows) == KEY_CASE_LIMIT
                else len(rows)
            ),
            "metric": kind,
            "cases": [
                {
                    "number": r["number"],
                    "received_at": localtime_label(r["received_at"]),
                    "category": labels.categories.get(r["category_id"], r["category_id"]),
                    "urgency": r["urgency"],
                    "status": r["status"],
                    "county": labels.counties.get(r["division_id"][:6], ""),
                    "group": labels.groups.get(r["lead_group_id"], ("", ""))[1],
                    "summary": r["summary"],
                    "resolve_due_at": localtime_label(r["resolve_due_at"]),
                }
                for r in rows
            ],
        }
    return out


# --- Group performance ------------------------------------------------------------------------


def _minutes(value: Any) -> float | None:
    return round(value.total_seconds() / 60, 1) if value is not None else None


def group_performance(
    period: Period,
    labels: Labels,
    overdue_by_group: dict[str, int],
    sums: dict[int, dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Per lead group: accept and resolve times, overdue at the cut-off, satisfaction; ranked.

    Accept time is over the requests received in the period that were accepted; resolve time
    over those resolved in the period. Ranked best first: fewest overdue, then the highest
    satisfaction, then the fastest accept. ``sums`` is ``count_breakdowns(...)["groups"]``
    when the caller has it (the same pass counted them); otherwise they are counted here.
    """
    table = sums if sums is not None else group_sums(period)
    out: list[dict[str, Any]] = []
    for group_id, row in table.items():
        code, name = labels.groups.get(group_id, (str(group_id), str(group_id)))
        rated_n = row.get("rated", 0)
        accepted, resolved = row.get("accepted", 0), row.get("resolved", 0)
        accept_total, resolve_total = row.get("accept_total"), row.get("resolve_total")
        out.append(
            {
                "group": code,
                "name": name,
                "received": row.get("received", 0),
                "accepted": accepted,
                "accept_minutes": _minutes(
                    accept_total / accepted if accepted and accept_total is not None else None
                ),
                "resolved": resolved,
                "resolve_minutes": _minutes(
                    resolve_total / resolved if resolved and resolve_total is not None else None
                ),
                "overdue": overdue_by_group.get(code, 0),
                "rated": rated_n,
                "satisfied": row.get("satisfied", 0),
                "satisfaction": round(row.get("satisfied", 0) / rated_n, 4) if rated_n else None,
            }
        )
    for code, overdue in overdue_by_group.items():
        if overdue and code not in {r["group"] for r in out} and code != "-":
            name = next((n for c, n in labels.groups.values() if c == code), code)
            out.append(
                {
                    "group": code,
                    "name": name,
                    "received": 0,
                    "accepted": 0,
                    "accept_minutes": None,
                    "resolved": 0,
                    "resolve_minutes": None,
                    "overdue": overdue,
                    "rated": 0,
                    "satisfied": 0,
                    "satisfaction": None,
                }
            )
    out.sort(
        key=lambda r: (
            r["overdue"],
            -(r["satisfaction"] if r["satisfaction"] is not None else -1),
            r["accept_minutes"] if r["accept_minutes"] is not None else math.inf,
            r["group"],
        )
    )
    for rank, row in enumerate(out, start=1):
        row["rank"] = rank
    return out
