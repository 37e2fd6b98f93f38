"""Reference lists an integration needs to file and route requests: categories, divisions, groups.

Names come in the caller's language; codes are what the other endpoints take.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from api.schemas import (
    CategoryListOut,
    CodeName,
    CountyOut,
    DivisionListOut,
    ErrorOut,
    GroupListOut,
    GroupOut,
    code_name,
)
from core.models import Category, Division, Group

router = Router(tags=["reference"])


@router.get("/categories", response={200: CategoryListOut, 401: ErrorOut})
def list_categories(request: HttpRequest) -> CategoryListOut:
    """The request categories (诉求类别) in use."""
    return CategoryListOut(
        items=[code_name(category) for category in Category.objects.filter(is_active=True)]
    )


@router.get("/divisions", response={200: DivisionListOut, 401: ErrorOut})
def list_divisions(request: HttpRequest) -> DivisionListOut:
    """Counties and districts, each with its streets and towns. File requests on either."""
    counties = Division.objects.filter(level=Division.Level.COUNTY).prefetch_related("children")
    return DivisionListOut(
        items=[
            CountyOut(
                code=county.code,
                name=county.display_name,
                streets=[
                    CodeName(code=street.code, name=street.display_name)
                    for street in county.children.all()
                ],
            )
            for county in counties
        ]
    )


@router.get("/groups", response={200: GroupListOut, 401: ErrorOut})
def list_groups(request: HttpRequest) -> GroupListOut:
    """Active working groups and task forces: the codes `dispatch` takes."""
    return GroupListOut(
        items=[
            GroupOut(code=group.code, name=group.display_name, kind=group.kind)
            for group in Group.objects.filter(is_active=True)
        ]
    )
