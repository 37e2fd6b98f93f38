"""Reads of the policy knowledge base: the entries in force on a day that answer a question."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import reduce
from operator import or_

from django.db.models import Q

from core.triage import bigrams
from knowledge.models import AnswerTemplate, PolicyEntry

#: Characters of a query that are looked at; an operator's query is a few words, and a pasted
#: page must not turn into a thousand LIKE clauses.
MAX_QUERY = 60
MAX_RESULTS = 20

#: Pairs of characters that every question has ("请问现在怎么办理") and that say nothing about
#: which policy is meant; they are dropped unless the query has nothing else.
# fmt: off
FILLER_PAIRS = frozenset(
    {
        "请问", "问一", "一下", "想问", "怎么", "么办", "如何", "什么", "可以", "能不", "不能",
        "需要", "要不", "不要", "是否", "哪里", "在哪", "现在", "我们", "我的", "你们", "吗",
    }
)
# fmt: on

#: Weight of a hit by field: the question says what an entry is about, keywords are the
#: words callers use for it, and the answer merely mentions things.
WHOLE_WEIGHTS = {"question": 12, "keywords": 10, "answer": 4}
PAIR_WEIGHTS = {"question": 3, "keywords": 3, "answer": 1}

_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class PolicyHit:
    entry: PolicyEntry
    score: int


def _terms(query: str) -> tuple[str, list[str]]:
    """The normalised query and its distinct character pairs, fillers dropped if possible."""
    text = _SPACES.sub(" ", query or "").strip().lower()[:MAX_QUERY]
    pairs = sorted(bigrams(text))
    meaningful = [pair for pair in pairs if pair not in FILLER_PAIRS]
    return text, meaningful or pairs


def in_force(on: date) -> Q:
    return Q(is_active=True, valid_from__lte=on) & (Q(valid_to__isnull=True) | Q(valid_to__gte=on))


def search_policies(query: str, *, on: date, limit: int = 8) -> list[PolicyHit]:
    """Entries in force on ``on`` that match ``query``, best first.

    Chinese has no spaces, so the whole query and each pair of neighbouring characters in it
    are looked for in the question, the keywords and the answer; an entry scores by weighted
    hits. The database narrows to entries containing at least one term, Python ranks them.
    """
    text, pairs = _terms(query)
    if not pairs:
        # Nothing but punctuation and spaces: every question has a "？".
        return []
    limit = max(1, min(limit, MAX_RESULTS))
    terms = list(dict.fromkeys([text, *pairs]))
    matches = reduce(
        or_,
        (
            Q(question__icontains=term) | Q(keywords__icontains=term) | Q(answer__icontains=term)
            for term in terms
        ),
    )
    hits: list[PolicyHit] = []
    for entry in (
        PolicyEntry.objects.filter(in_force(on)).filter(matches).select_related("category")
    ):
        fields = {
            "question": entry.question.lower(),
            "keywords": entry.keywords.lower(),
            "answer": entry.answer.lower(),
        }
        score = 0
        for name, value in fields.items():
            if text in value:
                score += WHOLE_WEIGHTS[name]
            score += PAIR_WEIGHTS[name] * sum(1 for pair in pairs if pair in value)
        if score:
            hits.append(PolicyHit(entry=entry, score=score))
    hits.sort(key=lambda hit: (-hit.score, -hit.entry.valid_from.toordinal(), hit.entry.pk))
    return hits[:limit]


def answer_templates_for(*, category_id: str, group_id: int | None) -> list[AnswerTemplate]:
    """The active answer templates for a request of this category led by this group:
    those of the category for every group, and the lead group's own."""
    groups = Q(group__isnull=True)
    if group_id is not None:
        groups |= Q(group_id=group_id)
    return list(
        AnswerTemplate.objects.filter(groups, category_id=category_id, is_active=True)
        .select_related("group")
        .order_by("title", "id")
    )
