"""Dispatch rules (派单规则): which group a newly filed request goes to without waiting.

``check_rule`` refuses a rule that points to a group that cannot take work or that could
never match a request; ``rule_save`` checks and stores one; ``rule_for`` picks the rule for
a request. Filing applies it (``core.services.request_create``); without a match the request
waits in the dispatcher's queue as before.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import transaction
from django.utils.translation import gettext as _

from core import reference_cache
from core.errors import InvalidInput
from core.models import Category, DispatchRule, Division, Group, HelpRequest, Urgency


def check_rule(
    *,
    category: Category,
    lead_group: Group,
    division: Division | None = None,
    urgency: str = "",
    assisting: Iterable[Group] = (),
    is_active: bool = True,
    rule_id: int | None = None,
) -> None:
    """Raise ``InvalidInput`` (by field) unless the rule is one that can be applied.

    An active rule must lead with an active group, helped by other active groups, and must be
    able to match something: an active category, a division that exists, a known urgency, and
    conditions no other active rule already has (the second would never be used).
    ``rule_id`` is the rule being changed, left out of that comparison.
    """
    errors: dict[str, list[str]] = {}

    def refuse(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    helpers = list(assisting)
    if not lead_group.is_active:
        refuse(
            "lead_group",
            _("Group %(name)s is not active.") % {"name": lead_group.display_name},
        )
    if any(g.pk == lead_group.pk for g in helpers):
        refuse("assisting_groups", _("The lead group cannot also assist."))
    inactive = [g.display_name for g in helpers if not g.is_active]
    if inactive:
        refuse("assisting_groups", _("Not active: %(names)s.") % {"names": "、".join(inactive)})
    if is_active:
        if not Category.objects.filter(pk=category.pk, is_active=True).exists():
            refuse(
                "category",
                _("Category %(name)s is not in use; this rule would never match.")
                % {"name": category.display_name},
            )
        if division is not None and not Division.objects.filter(pk=division.pk).exists():
            refuse(
                "division",
                _("There is no division %(code)s; this rule would never match.")
                % {"code": division.pk},
            )
        if urgency and urgency not in Urgency.values:
            refuse(
                "urgency", _("Choose one of: %(choices)s.") % {"choices": ", ".join(Urgency.values)}
            )
        if not errors.keys() & {"category", "division", "urgency"}:
            same = DispatchRule.objects.filter(
                is_active=True,
                category_id=category.pk,
                division_id=division.pk if division is not None else None,
                urgency=urgency,
            )
            if rule_id is not None:
                same = same.exclude(pk=rule_id)
            twin = same.select_related("lead_group").first()
            if twin is not None:
                refuse(
                    "category",
                    _(
                        "An active rule with the same conditions already sends these requests"
                        " to %(group)s; this one would never be used. Change that rule instead."
                    )
                    % {"group": twin.lead_group.display_name},
                )
    if errors:
        raise InvalidInput(details=errors)


def rule_save(rule: DispatchRule, *, assisting: Sequence[Group] = ()) -> DispatchRule:
    """Check and store ``rule`` (new or changed) with its assisting groups."""
    check_rule(
        category=rule.category,
        lead_group=rule.lead_group,
        division=rule.division,
        urgency=rule.urgency,
        assisting=assisting,
        is_active=rule.is_active,
        rule_id=rule.pk,
    )
    with transaction.atomic():
        rule.save()
        rule.assisting_groups.set(assisting)
    return rule


def matching_rule(help_request: HelpRequest) -> DispatchRule | None:
    """The rule for this request (see ``rule_for``)."""
    return rule_for(
        category_code=help_request.category_id,
        division=help_request.division,
        urgency=help_request.urgency,
    )


def rule_for(*, category_code: str, division: Division, urgency: str) -> DispatchRule | None:
    """The active rule for a request of this category, division and urgency whose lead group
    can take it, or ``None``.

    The most specific rule wins (see ``DispatchRule``), then the lowest position, then the
    oldest rule. The rules come from the process's copy of the reference data
    (``core.reference_cache``), so filing can choose before it opens its transaction.
    """
    codes = {division.pk, division.parent_id} - {None}
    candidates = [
        rule
        for rule in reference_cache.snapshot().rules_for(category_code)
        if (rule.division_id is None or rule.division_id in codes)
        and (not rule.urgency or rule.urgency == urgency)
    ]
    if not candidates:
        return None
    return min(
        candidates,
        key=lambda r: (tuple(-n for n in r.specificity), r.position, r.pk),
    )
