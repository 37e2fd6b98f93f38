"""Where in Jiaozuo a latitude/longitude falls: the nearest of the eleven county-level centres.

**Approximate.** The centres below are rough middles of each county-level division (WGS84,
to about two decimal places, i.e. within a few kilometres), and the box around the city is a
little larger than the city itself. Nearest-centre is not a border test: a point close to a
boundary may go to the neighbour. It is good enough to put a request into the right
county's queue — the dispatcher corrects the division when it is wrong — and it needs no
map data or GIS library. A client that knows the division sends ``attribute[division]``,
which always wins over a point.
"""

from __future__ import annotations

import math
from typing import NamedTuple


class Point(NamedTuple):
    lat: float
    long: float


#: (south, north, west, east): Jiaozuo lies within about 34.8–35.5° N and 112.55–113.65° E.
CITY_BOUNDS = (34.78, 35.52, 112.52, 113.70)

#: Approximate centre of each county-level division, by its code (core.reference_data).
COUNTY_CENTRES: dict[str, Point] = {
    "410802": Point(35.25, 113.22),  # 解放区
    "410803": Point(35.27, 113.15),  # 中站区
    "410804": Point(35.28, 113.34),  # 马村区
    "410811": Point(35.22, 113.27),  # 山阳区
    "410871": Point(35.17, 113.28),  # 城乡一体化示范区
    "410821": Point(35.30, 113.43),  # 修武县
    "410822": Point(35.21, 113.05),  # 博爱县
    "410823": Point(35.05, 113.36),  # 武陟县
    "410825": Point(34.94, 113.06),  # 温县
    "410882": Point(35.12, 112.91),  # 沁阳市
    "410883": Point(34.89, 112.73),  # 孟州市
}


def in_city(point: Point) -> bool:
    south, north, west, east = CITY_BOUNDS
    return south <= point.lat <= north and west <= point.long <= east


def nearest_county(point: Point) -> str | None:
    """The code of the county whose centre is nearest, or ``None`` outside the city's box."""
    if not in_city(point):
        return None
    # Over a city this small, degrees of longitude scaled by cos(latitude) are distances
    # enough; no need for great circles.
    scale = math.cos(math.radians(point.lat))

    def distance(centre: Point) -> float:
        return math.hypot(point.lat - centre.lat, (point.long - centre.long) * scale)

    return min(COUNTY_CENTRES, key=lambda code: distance(COUNTY_CENTRES[code]))
