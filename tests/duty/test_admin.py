from __future__ import annotations

from duty.admin import ShiftForm, ShiftTemplateForm
from duty.services import add_shift
from tests.duty.conftest import local


def _shift_data(group, a, b, start="2022-11-28 12:00", end="2022-11-28 14:00"):
    return {
        "group": group.pk,
        "starts_at": start,
        "ends_at": end,
        "post_a": a.pk,
        "post_b": b.pk if b else "",
        "note": "",
    }


def test_shift_form_shows_the_services_refusals_by_field(group_a, member_a, member_a2, member_b):
    add_shift(group=group_a, starts_at=local(28, 8), ends_at=local(28, 20), post_a=member_a)
    form = ShiftForm(data=_shift_data(group_a, member_a2, member_b))
    assert not form.is_valid()
    assert set(form.errors) == {"post_a", "post_b"}


def test_shift_form_may_save_a_shift_over_itself(group_a, member_a, member_a2):
    shift = add_shift(group=group_a, starts_at=local(28, 8), ends_at=local(28, 20), post_a=member_a)
    form = ShiftForm(
        data=_shift_data(group_a, member_a, member_a2, "2022-11-28 08:00", "2022-11-28 21:00"),
        instance=shift,
    )
    assert form.is_valid(), form.errors
    form.save()


def test_template_form_refuses_the_same_person_twice(group_a, member_a):
    form = ShiftTemplateForm(
        data={
            "group": group_a.pk,
            "name": "夜班",
            "start_time": "20:00",
            "end_time": "08:00",
            "every_n_days": 3,
            "anchor": "2022-11-28",
            "post_a": member_a.pk,
            "post_b": member_a.pk,
        }
    )
    assert not form.is_valid()
    assert list(form.errors) == ["post_b"]
