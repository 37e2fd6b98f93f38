"""The duty roster in the admin; every save goes through the roster services' checks."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin

from duty.models import Shift, ShiftTemplate
from duty.services import shift_problems, template_problems


def _add_errors(form: forms.ModelForm[Any], problems: dict[str, list[str]]) -> None:
    for name, messages in problems.items():
        for message in messages:
            form.add_error(name if name in form.fields else None, message)


class ShiftForm(forms.ModelForm[Shift]):
    class Meta:
        model = Shift
        fields = ["group", "starts_at", "ends_at", "post_a", "post_b", "note"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        problems = shift_problems(
            group=data.get("group"),
            starts_at=data.get("starts_at"),
            ends_at=data.get("ends_at"),
            post_a=data.get("post_a"),
            post_b=data.get("post_b"),
            exclude_pk=self.instance.pk,
        )
        _add_errors(self, problems)
        return data


class ShiftTemplateForm(forms.ModelForm[ShiftTemplate]):
    class Meta:
        model = ShiftTemplate
        fields = [
            "group",
            "name",
            "start_time",
            "end_time",
            "every_n_days",
            "anchor",
            "post_a",
            "post_b",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        problems = template_problems(
            group=data.get("group"),
            every_n_days=data.get("every_n_days"),
            post_a=data.get("post_a"),
            post_b=data.get("post_b"),
            start_time=data.get("start_time"),
            end_time=data.get("end_time"),
        )
        _add_errors(self, problems)
        return data


@admin.register(Shift)
class ShiftAdmin(admin.ModelAdmin[Shift]):
    form = ShiftForm
    list_display = ["group", "starts_at", "ends_at", "post_a", "post_b", "note"]
    list_filter = ["group", "starts_at"]
    date_hierarchy = "starts_at"
    list_select_related = ["group", "post_a", "post_b"]
    autocomplete_fields = ["post_a", "post_b"]
    search_fields = ["group__code", "group__name", "post_a__username", "post_b__username"]


@admin.register(ShiftTemplate)
class ShiftTemplateAdmin(admin.ModelAdmin[ShiftTemplate]):
    form = ShiftTemplateForm
    list_display = ["group", "name", "start_time", "end_time", "every_n_days", "post_a", "post_b"]
    list_filter = ["group"]
    list_select_related = ["group", "post_a", "post_b"]
    autocomplete_fields = ["post_a", "post_b"]
