"""Forms of the report pages. They only carry text: ``reports.periods`` parses it and names
the field at fault, so a date or cut-off is read the same way here as in the services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from reports.services import MAX_REASON


class GenerateForm(forms.Form):
    day = forms.CharField(
        label=_("Day"),
        max_length=10,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("A finished day, like 2022-01-14."),
    )
    cutoff = forms.CharField(
        label=_("Cut-off"),
        max_length=5,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "pattern": r"\d{1,2}:\d{2}", "size": 5}
        ),
        help_text=_("HH:MM; 24:00 closes the day at midnight."),
    )
    reason = forms.CharField(
        label=_("Reason for a new version"),
        required=False,
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed only when the day already has an issue; the earlier version is kept."),
    )


class PeriodForm(forms.Form):
    """A day with its cut-off, or any span from start to end (GET; every field optional)."""

    day = forms.CharField(
        label=_("Day"),
        required=False,
        max_length=10,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    cutoff = forms.CharField(
        label=_("Cut-off"),
        required=False,
        max_length=8,
        widget=forms.TextInput(attrs={"size": 5}),
        help_text=_("HH:MM, 24:00 for midnight."),
    )
    start = forms.CharField(
        label=_("From"),
        required=False,
        max_length=25,
        help_text=_("2022-01-14 or 2022-01-14T17:00"),
    )
    end = forms.CharField(
        label=_("To (not included)"),
        required=False,
        max_length=25,
        help_text=_("2022-01-15 or 2022-01-15T17:00"),
    )
