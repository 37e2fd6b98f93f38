"""The duty roster: shifts, each with an A post and a B post, and the templates that make them.

The models are thin; every rule about who may stand which shift lives in ``duty.services``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import Group


class Posts(models.Model):
    """The two posts of a duty: A (值班) must be held; B (备班) backs it up, and may be empty."""

    post_a = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("A post"),
    )
    post_b = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("B post"),
    )

    class Meta:
        abstract = True


class ShiftTemplate(Posts):
    """A recurring shift: from ``start_time`` to ``end_time`` every ``every_n_days`` days.

    An end time at or before the start time means the shift ends the next day (20:00–08:00).
    Days are counted from ``anchor``: with 3, the shift falls on the anchor and every third
    day after (or before) it.
    """

    group = models.ForeignKey(
        Group, on_delete=models.CASCADE, related_name="shift_templates", verbose_name=_("group")
    )
    name = models.CharField(_("name"), max_length=100)
    start_time = models.TimeField(_("start time"))
    end_time = models.TimeField(_("end time"))
    every_n_days = models.PositiveSmallIntegerField(_("every n days"), default=1)
    anchor = models.DateField(_("anchor date"))

    class Meta:
        ordering = ["group", "start_time"]
        verbose_name = _("shift template")
        verbose_name_plural = _("shift templates")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(every_n_days__gte=1), name="shift_template_every_n_days"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group} {self.name}"


class Shift(Posts):
    """One stretch of duty for one group. A missing B post is allowed but is a gap."""

    group = models.ForeignKey(
        Group, on_delete=models.CASCADE, related_name="shifts", verbose_name=_("group")
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["starts_at", "group"]
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        indexes = [models.Index(fields=["group", "starts_at"], name="shift_group_start")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="shift_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def has_gap(self) -> bool:
        """No B post: the A post has no one to hand over to."""
        return self.post_b_id is None
