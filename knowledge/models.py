"""疫情政策库: the answers to policy questions that an operator may give on the line (直办)."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PolicyEntry(models.Model):
    """One question and the answer in force between two dates.

    A policy that changes gets a new entry from the day it changes and the old one an end
    date, rather than an edit: a request answered last week keeps pointing at what it was told.
    """

    question = models.CharField(_("question"), max_length=300)
    answer = models.TextField(_("answer"))
    source = models.CharField(
        _("source"), max_length=200, help_text=_("The notice or document the answer rests on.")
    )
    category = models.ForeignKey(
        "core.Category",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="policy_entries",
        verbose_name=_("category"),
    )
    keywords = models.CharField(
        _("keywords"),
        max_length=300,
        blank=True,
        help_text=_("Other words callers use for this, separated by spaces."),
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(
        _("valid to"), null=True, blank=True, help_text=_("Last day in force; empty while it is.")
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Untick to withdraw it at once, whatever the dates.")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-valid_from", "id"]
        verbose_name = _("policy entry")
        verbose_name_plural = _("policy entries")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="policy_valid_to_not_before_from",
            )
        ]
        indexes = [models.Index(fields=["is_active", "valid_from"], name="policy_in_force")]

    def __str__(self) -> str:
        return self.question

    def clean(self) -> None:
        if self.valid_to and self.valid_from and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("The last day is before the first day.")})

    def is_valid_on(self, day: date) -> bool:
        return (
            self.is_active
            and self.valid_from <= day
            and (self.valid_to is None or day <= self.valid_to)
        )


class AnswerTemplate(models.Model):
    """答复模板: a ready answer a group adapts when it tells the requester what was done.

    Offered on the resolve form for requests of its category; one with a group is offered
    only when that group leads the request.
    """

    category = models.ForeignKey(
        "core.Category",
        on_delete=models.PROTECT,
        related_name="answer_templates",
        verbose_name=_("category"),
    )
    group = models.ForeignKey(
        "core.Group",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="answer_templates",
        verbose_name=_("group"),
        help_text=_("Empty: offered to every group."),
    )
    title = models.CharField(_("title"), max_length=100)
    text = models.TextField(_("text"))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["category", "title", "id"]
        verbose_name = _("answer template")
        verbose_name_plural = _("answer templates")
        indexes = [models.Index(fields=["category", "is_active"], name="answer_tpl_category")]

    def __str__(self) -> str:
        return self.title
