"""Endpoints of the public API. Every answer goes through `http.respond` (ETag, Last-Modified, CORS, NDJSON).

`?format=ndjson` (one object of `contents` per line) is read from the query string and not declared as a
parameter, so that the documented responses stay JSON.
"""

from __future__ import annotations

import math
from datetime import datetime
from uuid import UUID

from django.urls import reverse
from ninja import NinjaAPI, Query
from ninja.errors import HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.docs import Swagger

from directory.hsds import mapping as m
from search.engines.base import GeoPoint

from . import schemas, selectors
from .cors import wrap_patterns
from .http import RATE_LIMIT_MESSAGE, ClientRateThrottle, cors, respond


class ReadOnlyAPI(NinjaAPI):
    """The API's URL configuration with CORS preflight and HEAD on every URL (see `cors`)."""

    @property
    def urls(self):
        patterns, app_name, namespace = super().urls
        return wrap_patterns(patterns), app_name, namespace


api = ReadOnlyAPI(
    title="Банк данных помощи семьям с детьми — открытый API",
    version="1.0 (HSDS 3.1)",
    description=(
        "Только чтение. Объекты в формате Open Referral HSDS 3.1. Черновики, неопубликованные услуги, адреса "
        "убежищ и данные сети сопровождения не публикуются. `?format=ndjson` — по одному объекту на строку."
    ),
    urls_namespace="api-v1",
    docs=Swagger(settings={"validatorUrl": None}),
    throttle=[ClientRateThrottle()],
)

PER_PAGE_MAX = 100
MULTI_FILTERS = ("category", "target_group", "municipality", "settlement", "provider_type", "delivery")
CHECKBOX_FILTERS = ("free", "open_now", "accessible")
ERRORS = {404: schemas.Error, 429: schemas.Error}


@api.exception_handler(Throttled)
def throttled(request, exc):
    # ninja adds Retry-After (seconds left in the minute) from ClientRateThrottle.wait()
    return cors(api.create_response(request, {"detail": RATE_LIMIT_MESSAGE}, status=429))


@api.exception_handler(HttpError)
def http_error(request, exc):
    return cors(api.create_response(request, {"detail": str(exc)}, status=exc.status_code))


@api.exception_handler(NinjaValidationError)
def invalid(request, exc):
    payload = {"detail": "Неверные параметры запроса.", "errors": exc.errors}
    return cors(api.create_response(request, payload, status=422))


def unknown_address(request, rest=""):
    """Any other address under /api/v1/: a JSON 404 like the API's own, not the public site's HTML page."""
    return cors(api.create_response(request, {"detail": "Такого адреса в API нет: см. /api/v1/docs."}, status=404))


# ---------------------------------------------------------------- helpers


def _page(items: list, page: int, per_page: int) -> tuple[dict, list]:
    total = len(items)
    pages = max(1, math.ceil(total / per_page))
    chunk = items[(page - 1) * per_page : page * per_page]
    meta = {
        "total_items": total,
        "total_pages": pages,
        "page_number": page,
        "size": len(chunk),
        "first_page": page == 1,
        "last_page": page >= pages,
        "empty": not chunk,
    }
    return meta, chunk


def _list_page(request, items: list, page: int, per_page: int, contents_of=None):
    """The answer of a list endpoint: `items` (already in their order) cut to the page, the page's items turned
    into its `contents` by `contents_of` (called for a non-empty page only), as JSON or NDJSON."""
    meta, chunk = _page(items, page, per_page)
    contents = contents_of(chunk) if contents_of is not None and chunk else chunk
    return respond(request, {**meta, "contents": contents}, ndjson_items=contents)


def _near(lat, lon, radius) -> GeoPoint | None:
    if lat is None and lon is None:
        if radius is not None:
            raise HttpError(400, "Радиус задаётся вместе с координатами lat и lon.")
        return None
    if lat is None or lon is None:
        raise HttpError(400, "Укажите обе координаты: lat и lon.")
    return GeoPoint(lat, lon, "", radius_km=radius)


def _search_filters(request) -> dict:
    filters = {}
    for key in MULTI_FILTERS:
        values = [v for v in request.GET.getlist(key) if v]
        if values:
            filters[key] = values
    for key in CHECKBOX_FILTERS:
        if request.GET.get(key) in ("1", "true", "on", "yes"):
            filters[key] = "on"
    return filters


def _sal_ids(request, search, lat, lon, radius) -> list[int] | None:
    """Search-service hits when a query, a filter or a point is given; None means «no search constraint»."""
    near = _near(lat, lon, radius)
    filters = _search_filters(request)
    if not (search or filters or near):
        return None
    return selectors.search_sal_ids(search or "", filters, near)


class Paging:
    def __init__(self, page: int, per_page: int):
        self.page, self.per_page = page, per_page


def _paging(page: int = Query(1, ge=1, le=10000), per_page: int = Query(20, ge=1, le=PER_PAGE_MAX)) -> Paging:
    return Paging(page, per_page)


# ---------------------------------------------------------------- root


@api.get("/", response=schemas.Root, summary="Сведения об API", tags=["API"])
def root(request):
    return respond(
        request,
        {
            "version": m.HSDS_VERSION,
            "profile": m.PROFILE,
            "openapi_url": request.build_absolute_uri(reverse("api-v1:openapi-json")),
        },
    )


# ---------------------------------------------------------------- services


@api.get("/services", response={200: schemas.ServicePage, **ERRORS}, summary="Услуги", tags=["Услуги"])
def services(
    request,
    search: str = Query("", max_length=200, description="Слова запроса (поиск банка данных)"),
    category: list[str] = Query(None, description="Код вида помощи"),
    target_group: list[str] = Query(None, description="Код категории семей"),
    municipality: list[str] = Query(None, description="Код района"),
    settlement: list[str] = Query(None, description="Код населённого пункта"),
    provider_type: list[str] = Query(None, description="Код типа организации"),
    delivery: list[str] = Query(None, description="in_person, phone, online, home_visit"),
    free: bool = Query(False, description="Только бесплатные"),
    open_now: bool = Query(False, description="Открыто сейчас"),
    accessible: bool = Query(False, description="Доступный вход"),
    organization_id: UUID | None = Query(None),
    taxonomy_term_id: UUID | None = Query(None),
    modified_after: datetime | None = Query(None, description="Изменённые после (ISO 8601), для синхронизации"),
    lat: float | None = Query(None, ge=-90, le=90),
    lon: float | None = Query(None, ge=-180, le=180),
    radius: float | None = Query(None, gt=0, le=1000, description="Радиус, км"),
    page: int = Query(1, ge=1, le=10000),
    per_page: int = Query(20, ge=1, le=PER_PAGE_MAX),
):
    sal_ids = _sal_ids(request, search, lat, lon, radius)
    queryset = selectors.services_queryset(
        sal_ids=sal_ids,
        organization_id=organization_id,
        term=str(taxonomy_term_id) if taxonomy_term_id else None,
        modified_after=modified_after,
    )
    order = selectors.service_order_from_sals(sal_ids) if sal_ids is not None else None
    pks = list(queryset.order_by("name", "pk").values_list("pk", flat=True))
    return _list_page(request, selectors.ordered(pks, order), page, per_page, _service_contents)


def _service_contents(chunk: list[int]) -> list[dict]:
    return selectors.serialise([selectors.Service(pk=pk) for pk in chunk])["services"]


@api.get("/services/{id}", response={200: schemas.Service, **ERRORS}, summary="Услуга", tags=["Услуги"])
def service(request, id: UUID):  # noqa: A002 - the HSDS API names it so
    found = selectors.public_services().filter(uuid=id).first()
    if found is None:
        raise HttpError(404, "Услуга не найдена или не опубликована.")
    return respond(request, selectors.serialise([found])["services"][0])


# ---------------------------------------------------------------- organisations


@api.get(
    "/organizations", response={200: schemas.OrganizationPage, **ERRORS}, summary="Организации", tags=["Организации"]
)
def organizations(
    request,
    search: str = Query("", max_length=200),
    municipality: list[str] = Query(None),
    provider_type: list[str] = Query(None),
    modified_after: datetime | None = Query(None),
    lat: float | None = Query(None, ge=-90, le=90),
    lon: float | None = Query(None, ge=-180, le=180),
    radius: float | None = Query(None, gt=0, le=1000),
    page: int = Query(1, ge=1, le=10000),
    per_page: int = Query(20, ge=1, le=PER_PAGE_MAX),
):
    sal_ids = _sal_ids(request, search, lat, lon, radius)
    queryset = selectors.public_organizations()
    order = None
    if sal_ids is not None:
        service_order = selectors.service_order_from_sals(sal_ids)
        org_by_service = dict(
            selectors.Service.objects.filter(pk__in=service_order).values_list("pk", "organization_id")
        )
        order = [org_by_service[pk] for pk in service_order]
        queryset = queryset.filter(pk__in=order)
    if modified_after:
        queryset = queryset.filter(updated_at__gt=modified_after)
    pks = list(queryset.order_by("name", "pk").values_list("pk", flat=True))
    return _list_page(request, selectors.ordered(pks, order), page, per_page, _organization_contents)


def _organization_contents(chunk: list[int]) -> list[dict]:
    nested = selectors.serialise([], organizations=[selectors.Organization(pk=pk) for pk in chunk])
    by_id = {o["id"]: o for o in nested["organizations"]}
    uuids = dict(selectors.Organization.objects.filter(pk__in=chunk).values_list("pk", "uuid"))
    return [by_id[str(uuids[pk])] for pk in chunk]


@api.get(
    "/organizations/{id}", response={200: schemas.Organization, **ERRORS}, summary="Организация", tags=["Организации"]
)
def organization(request, id: UUID):  # noqa: A002
    found = selectors.public_organizations().filter(uuid=id).first()
    if found is None:
        raise HttpError(404, "Организация не найдена.")
    services = list(selectors.public_services().filter(organization=found))
    nested = selectors.serialise(services, organizations=[found])
    payload = nested["organizations"][0]
    payload["services"] = [
        {k: v for k, v in s.items() if k not in ("organization", "service_at_locations")} for s in nested["services"]
    ]
    return respond(request, payload)


# ---------------------------------------------------------------- taxonomies


@api.get("/taxonomies", response={200: schemas.TaxonomyPage, **ERRORS}, summary="Таксономии", tags=["Таксономии"])
def taxonomies(request, page: int = Query(1, ge=1, le=10000), per_page: int = Query(20, ge=1, le=PER_PAGE_MAX)):
    return _list_page(request, selectors.taxonomy_tables()["taxonomy"], page, per_page)


@api.get(
    "/taxonomy_terms",
    response={200: schemas.TaxonomyTermPage, **ERRORS},
    summary="Термины таксономий",
    tags=["Таксономии"],
)
def taxonomy_terms(
    request,
    taxonomy_id: UUID | None = Query(None),
    parent_id: UUID | None = Query(None),
    top_only: bool = Query(False, description="Только термины верхнего уровня"),
    search: str = Query("", max_length=200, description="Часть названия"),
    page: int = Query(1, ge=1, le=10000),
    per_page: int = Query(20, ge=1, le=PER_PAGE_MAX),
):
    items = selectors.taxonomy_tables()["taxonomy_term"]
    if taxonomy_id:
        items = [t for t in items if t.get("taxonomy_id") == str(taxonomy_id)]
    if parent_id:
        items = [t for t in items if t.get("parent_id") == str(parent_id)]
    if top_only:
        items = [t for t in items if not t.get("parent_id")]
    if search.strip():
        needle = search.strip().lower()
        items = [t for t in items if needle in t["name"].lower() or needle in t.get("code", "").lower()]
    return _list_page(request, items, page, per_page)


# ---------------------------------------------------------------- services at locations


@api.get(
    "/service_at_locations",
    response={200: schemas.ServiceAtLocationPage, **ERRORS},
    summary="Услуги по адресам",
    tags=["Услуги"],
)
def service_at_locations(
    request,
    search: str = Query("", max_length=200),
    category: list[str] = Query(None),
    target_group: list[str] = Query(None),
    municipality: list[str] = Query(None),
    settlement: list[str] = Query(None),
    provider_type: list[str] = Query(None),
    delivery: list[str] = Query(None),
    free: bool = Query(False),
    open_now: bool = Query(False),
    accessible: bool = Query(False),
    service_id: UUID | None = Query(None),
    organization_id: UUID | None = Query(None),
    location_id: UUID | None = Query(None),
    modified_after: datetime | None = Query(None),
    lat: float | None = Query(None, ge=-90, le=90),
    lon: float | None = Query(None, ge=-180, le=180),
    radius: float | None = Query(None, gt=0, le=1000),
    page: int = Query(1, ge=1, le=10000),
    per_page: int = Query(20, ge=1, le=PER_PAGE_MAX),
):
    sal_ids = _sal_ids(request, search, lat, lon, radius)
    queryset = selectors.sal_queryset(
        sal_ids=sal_ids,
        modified_after=modified_after,
        service_id=service_id,
        location_id=location_id,
        organization_id=organization_id,
    )
    pks = list(queryset.order_by("service__name", "pk").values_list("pk", flat=True))
    return _list_page(request, selectors.ordered(pks, sal_ids), page, per_page, _service_at_location_contents)


def _service_at_location_contents(chunk: list[int]) -> list[dict]:
    rows = {s.pk: s for s in selectors.ServiceAtLocation.objects.filter(pk__in=chunk).select_related("service")}
    services = list({rows[pk].service_id: rows[pk].service for pk in chunk}.values())
    nested = {s["id"]: s for s in selectors.serialise(services)["services"]}
    contents = []
    for pk in chunk:
        sal = rows[pk]
        service = nested[str(sal.service.uuid)]
        item = next(x for x in service["service_at_locations"] if x["id"] == str(sal.uuid))
        flat = {k: v for k, v in service.items() if k != "service_at_locations"}
        contents.append({**item, "service": flat})
    return contents
