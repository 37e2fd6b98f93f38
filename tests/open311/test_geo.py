"""open311.geo and the reading of addresses: a place in Jiaozuo to one of our divisions."""

from __future__ import annotations

import pytest

from core.models import Division
from open311.geo import COUNTY_CENTRES, Point, in_city, nearest_county
from open311.intake import division_named_in, requester_name

pytestmark = pytest.mark.django_db


def test_there_is_a_centre_for_every_county():
    counties = set(Division.objects.filter(parent=None).values_list("code", flat=True))
    assert set(COUNTY_CENTRES) == counties


def test_every_centre_is_its_own_nearest_and_inside_the_city():
    for code, centre in COUNTY_CENTRES.items():
        assert in_city(centre)
        assert nearest_county(centre) == code


@pytest.mark.parametrize(
    ("point", "county"),
    [
        (Point(34.905, 112.79), "410883"),  # 孟州市 seat
        (Point(35.09, 112.95), "410882"),  # 沁阳市 seat
        (Point(35.43, 113.38), "410821"),  # 云台山, 修武县
        (Point(35.0, 113.45), "410823"),  # 武陟县
    ],
)
def test_points_go_to_the_nearest_county(point, county):
    assert nearest_county(point) == county


@pytest.mark.parametrize("point", [Point(34.75, 113.65), Point(35.6, 113.2), Point(35.2, 114.0)])
def test_points_outside_the_city_belong_to_none(point):
    assert not in_city(point)
    assert nearest_county(point) is None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("焦作市解放区焦南街道幸福里3号楼", "410802001"),
        ("焦南街道幸福里3号楼", "410802001"),
        ("山阳区太行街道", "410811004"),  # 太行街道 is also in 沁阳市: the county settles it
        ("沁阳市太行街道", "410882003"),
        ("太行街道", None),  # which one? not ours to guess
        ("太行街道, 山阳区", "410811004"),
        ("温县", "410825"),
        ("12 Renmin Road, Wen County", "410825"),
        ("博爱县月山镇", "410822003"),
        ("中站区月山街道", "410803006"),
        ("幸福里3号楼", None),
        ("解放区 沁阳市", None),  # two counties and no street
    ],
)
def test_division_named_in_an_address(text, code):
    assert division_named_in(text) == code


@pytest.mark.parametrize(
    ("first", "last", "name"),
    [("丽", "张", "张丽"), ("John", "Smith", "John Smith"), ("", "王", "王"), ("", "", "未留名")],
)
def test_requester_name(first, last, name):
    assert requester_name(first, last) == name
