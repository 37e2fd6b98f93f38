"""The duty roster (值班表) in the console: who is on duty now, the gaps ahead, and the roster
as a spreadsheet out and in. The rules live in ``duty.services`` and ``duty.xlsx``.
"""

from __future__ import annotations

import datetime as dt
import io

from django import forms
from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import Role
from console.views import ConsoleRequest, _forbidden, console_view
from duty.services import coverage_gaps, on_duty
from duty.xlsx import export_shifts, import_shifts

#: How far ahead gaps in coverage are flagged.
GAP_DAYS = 3
#: Roles that keep the roster; everyone in the console may read it.
ROSTER_KEEPERS = frozenset({Role.ADMIN, Role.DISPATCHER, Role.COMMANDER})
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ExportForm(forms.Form):
    start = forms.DateField(
        label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=gettext_lazy("To (not included)"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if isinstance(start, dt.date) and isinstance(end, dt.date):
            if end <= start:
                self.add_error("end", _("The end must be after the start."))
            elif (end - start).days > 93:
                self.add_error("end", _("Export at most three months at a time."))
        return data


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Roster file (.xlsx)"))

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > settings.HUYING_MAX_DOCUMENT_BYTES:
            raise forms.ValidationError(_("The file is too large."), code="file_too_large")
        return upload


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def _page(request: ConsoleRequest, **context: object) -> HttpResponse:
    now = timezone.now()
    today = timezone.localdate(now)
    start = _midnight(today)
    gaps = [gap for gap in coverage_gaps(now, start + dt.timedelta(days=GAP_DAYS)) if gap.has_gaps]
    base: dict[str, object] = {
        "on_duty": on_duty(now),
        "gaps": gaps,
        "gap_days": GAP_DAYS,
        "may_keep": request.user.effective_role in ROSTER_KEEPERS,
        "export_form": ExportForm(initial={"start": today, "end": today + dt.timedelta(days=7)}),
        "import_form": ImportForm(),
    }
    base.update(context)
    status = int(str(base.pop("status", 200)))
    return render(request, "console/roster.html", base, status=status)


@require_GET
@console_view
def roster(request: ConsoleRequest) -> HttpResponse:
    return _page(request)


@require_GET
@console_view
def roster_export(request: ConsoleRequest) -> HttpResponse:
    form = ExportForm(request.GET)
    if not form.is_valid():
        return _page(request, export_form=form, status=422)
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    out = io.BytesIO()
    export_shifts(_midnight(start), _midnight(end), out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="roster-{start}-{end}.xlsx"'
    return response


@require_http_methods(["POST"])
@console_view
def roster_import(request: ConsoleRequest) -> HttpResponse:
    if request.user.effective_role not in ROSTER_KEEPERS:
        return _forbidden(request, _("Your role does not keep the roster."))
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, import_form=form, status=422)
    report = import_shifts(form.cleaned_data["file"])
    return _page(request, report=report, status=200 if report.ok else 422)
