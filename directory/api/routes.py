"""Endpoints of the public API. Every answer goes through `http.respond` (ETag, Last-Modified, CORS, NDJSON).

`?format=ndjson` (one object of `contents` per line) is read from the query string and not declared as a
parameter, so that the documented responses stay JSON. Any other query parameter an endpoint does not declare is
refused with 400 naming it (`known_parameters_only`): the API never ignores a parameter silently.
"""

from __future__ import annotations

import math
from datetime import datetime
from functools import wraps
from uuid import UUID

from django.urls import reverse
from ninja import NinjaAPI, Query
from ninja.errors import HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.docs import Swagger
from ninja.params.models import QueryModel

from directory.hsds import mapping as m
from search.engines.base import GeoPoint

from . import schemas, selectors
from .cors import READ_ONLY_MESSAGE, read_only_cors, wrap_patterns
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
ERRORS = {400: schemas.Error, 404: schemas.Error, 429: schemas.Error}
FORMATS = ("json", "ndjson")
UNDECLARED = ("format",)  # read by `http.respond`, not declared (see the module's docstring)
API_VERSION = "1.0"


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


def _bad_request(request, detail: str):
    return cors(api.create_response(request, {"detail": detail}, status=400))


def known_parameters_only(run):
    """A view decorator for every operation: a query parameter the operation does not declare (nor `format`)
    is answered 400 naming it, and so is a `format` other than json or ndjson."""
    operation = run.__self__
    known = {
        name
        for model in operation.models
        if issubclass(model, QueryModel)
        for name in getattr(model, "__ninja_flatten_map__", {})
    }
    known.update(UNDECLARED)

    @wraps(run)
    def checked(request, *args, **kwargs):
        unknown = sorted(set(request.GET) - known)
        if unknown:
            names = ", ".join(unknown)
            allowed = ", ".join(sorted(known))
            return _bad_request(request, f"Параметр не поддерживается: {names}. Этот адрес принимает: {allowed}.")
        fmt = request.GET.get("format")
        if fmt is not None and fmt not in FORMATS:
            return _bad_request(request, f"Параметр format: «{fmt}» не поддерживается, допустимо json или ndjson.")
        return run(request, *args, **kwargs)

    return checked


api.add_decorator(known_parameters_only, mode="view")


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


def _near(lat, lon, radius, postcode: str = "", proximity: str = "") -> GeoPoint | None:
    """The point of a geographic filter: lat/lon (with radius in km), or HSDS `proximity` (metres) from the
    centre of `postcode` (the mean point of the databank's own places with that postal code)."""
    if proximity:
        if lat is not None or lon is not None or radius is not None:
            raise HttpError(400, "Параметр proximity не сочетается с lat, lon и radius: выберите одно.")
        if not postcode:
            raise HttpError(400, "Параметр proximity задаётся вместе с postcode (расстояние в метрах от индекса).")
        try:
            metres = float(proximity)
        except ValueError:
            metres = math.nan
        if not 0 < metres <= 1_000_000:
            raise HttpError(400, "Параметр proximity — расстояние в метрах, число больше 0 и не больше 1000000.")
        centre = selectors.postcode_centroid(postcode)
        if centre is None:
            raise HttpError(
                400, f"Параметр postcode: у индекса «{postcode}» нет мест с координатами, центр не определить."
            )
        return GeoPoint(centre[0], centre[1], "", radius_km=metres / 1000)
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


def _sal_ids(request, search, near: GeoPoint | None) -> list[int] | None:
    """Search-service hits when a query, a filter or a point is given; None means «no search constraint»."""
    filters = _search_filters(request)
    if not (search or filters or near):
        return None
    return selectors.search_sal_ids(search or "", filters, near)


def _one_to_one(item: dict) -> dict:
    """The HSDS «list» shape of an object (`full=false`): its one-to-one fields, no nested objects or arrays."""
    return {k: v for k, v in item.items() if not isinstance(v, (list, dict))}


def _shaped(contents_of, full: bool | None):
    if full is False:
        return lambda chunk: [_one_to_one(item) for item in contents_of(chunk)]
    return contents_of


class Paging:
    def __init__(self, page: int, per_page: int):
        self.page, self.per_page = page, per_page


def _paging(page: int = Query(1, ge=1, le=10000), per_page: int = Query(20, ge=1, le=PER_PAGE_MAX)) -> Paging:
    return Paging(page, per_page)


# ---------------------------------------------------------------- root

ENDPOINTS = (
    "/services",
    "/services/{id}",
    "/service_at_locations",
    "/service_at_locations/{id}",
    "/organizations",
    "/organizations/{id}",
    "/taxonomies",
    "/taxonomies/{id}",
    "/taxonomy_terms",
    "/taxonomy_terms/{id}",
)


def about(request) -> dict:
    """What the API roots tell: HSDS version and profile, the API version, the OpenAPI document and endpoints."""
    base = request.build_absolute_uri(reverse("api-v1:root"))
    return {
        "version": m.HSDS_VERSION,
        "profile": m.PROFILE,
        "openapi_url": request.build_absolute_uri(reverse("api-v1:openapi-json")),
        "api_version": API_VERSION,
        "docs_url": request.build_absolute_uri(reverse("api-v1:openapi-view")),
        "endpoints": [base.rstrip("/") + path for path in ENDPOINTS],
    }


@api.get("/", response={200: schemas.Root, **ERRORS}, summary="Сведения об API", tags=["API"], url_name="root")
def root(request):
    payload = about(request)
    return respond(request, payload, ndjson_items=[payload])


@read_only_cors
def versions(request):
    """/api/: the versions of the API there are (one, v1) with their HSDS version and addresses; never 404."""
    if request.method != "GET":
        return cors(api.create_response(request, {"detail": READ_ONLY_MESSAGE}, status=405))
    if request.GET:
        return _bad_request(request, f"Параметр не поддерживается: {', '.join(sorted(request.GET))}.")
    v1 = about(request)
    payload = {
        "hsds_version": m.HSDS_VERSION,
        "versions": [{"name": "v1", "url": request.build_absolute_uri(reverse("api-v1:root")), **v1}],
    }
    return respond(request, payload)


# ---------------------------------------------------------------- services

FULL = Query(None, description="false — только поля «один к одному» (вид списка HSDS); по умолчанию полные объекты")


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
    taxonomy_id: UUID | None = Query(None, description="Услуги с любым термином этой таксономии"),
    modified_after: datetime | None = Query(None, description="Изменённые после (ISO 8601), для синхронизации"),
    lat: float | None = Query(None, ge=-90, le=90),
    lon: float | None = Query(None, ge=-180, le=180),
    radius: float | None = Query(None, gt=0, le=1000, description="Радиус, км"),
    minimal: bool | None = Query(None, description="true — только id и modified_date каждой услуги"),
    full: bool | None = FULL,
    page: int = Query(1, ge=1, le=10000),
    per_page: int = Query(20, ge=1, le=PER_PAGE_MAX),
):
    # The filters repeat in /service_at_locations: a shared `Schema` with Query(...) was not tried (issue 25 had no
    # time for it); the explicit lists keep each endpoint's published parameters easy to compare with the HSDS
    # OpenAPI, and `known_parameters_only` reads each operation's declared names either way.
    if minimal and full:
        raise HttpError(400, "Параметры minimal и full взаимоисключающие: укажите один.")
    sal_ids = _sal_ids(request, search, _near(lat, lon, radius))
    queryset = selectors.services_queryset(
        sal_ids=sal_ids,
        organization_id=organization_id,
        term=str(taxonomy_term_id) if taxonomy_term_id else None,
        taxonomy=str(taxonomy_id) if taxonomy_id else None,
        modified_after=modified_after,
    )
    order = selectors.service_order_from_sals(sal_ids) if sal_ids is not None else None
    pks = list(queryset.order_by("name", "pk").values_list("pk", flat=True))
    contents_of = _minimal_services if minimal else _shaped(_service_contents, full)
    return _list_page(request, selectors.ordered(pks, order), page, per_page, contents_of)


def _service_contents(chunk: list[int]) -> list[dict]:
    return selectors.serialise([selectors.Service(pk=pk) for pk in chunk])["services"]


def _minimal_services(chunk: list[int]) -> list[dict]:
    rows = dict(
        (pk, (uuid, moment))
        for pk, uuid, moment in selectors.Service.objects.filter(pk__in=chunk).values_list("pk", "uuid", "updated_at")
    )
    return [{"id": str(rows[pk][0]), "modified_date": rows[pk][1].isoformat()} for pk in chunk]


@api.get("/services/{id}", response={200: schemas.Service, **ERRORS}, summary="Услуга", tags=["Услуги"])
def service(request, id: UUID):  # noqa: A002 - the HSDS API names it so
    found = selectors.public_services().filter(uuid=id).first()
    if found is None:
        raise HttpError(404, "Услуга не найдена или не опубликована.")
    payload = selectors.serialise([found])["services"][0]
    return respond(request, payload, ndjson_items=[payload])


# ---------------------------------------------------------------- organisations


@api.get(
    "/organizations", response={200: schemas.OrganizationPage, **ERRORS}, summary="Организации", tags=["Организации"]
)
def organizations(
    request,
    search: str = Query("", max_length=200),
    municipality: list[str] = Query(None),
    provider_type: list[str] = Query(None),
    taxonomy_term_id: UUID | None = Query(None, description="Организации с услугой, у которой этот термин"),
    taxonomy_id: UUID | None = Query(None, description="Организации с услугой, у которой термин этой таксономии"),
    modified_after: datetime | None = Query(None),
    lat: float | None = Query(None, ge=-90, le=90),
    lon: float | None = Query(None, ge=-180, le=180),
    radius: float | None = Query(None, gt=0, le=1000),
    full: bool | None = Query(None, description="true — с массивом услуг; false — только поля «один к одному»"),
    full_service: bool | None = Query(None, description="true — с массивом полных услуг"),
    page: int = Query(1, ge=1, le=10000),
    per_page: int = Query(20, ge=1, le=PER_PAGE_MAX),
):
    if full is False and full_service:
        raise HttpError(400, "Параметры full=false и full_service=true взаимоисключающие.")
    sal_ids = _sal_ids(request, search, _near(lat, lon, radius))
    queryset = selectors.public_organizations()
    order = None
    if sal_ids is not None:
        service_order = selectors.service_order_from_sals(sal_ids)
        org_by_service = dict(
            selectors.Service.objects.filter(pk__in=service_order).values_list("pk", "organization_id")
        )
        order = [org_by_service[pk] for pk in service_order]
        queryset = queryset.filter(pk__in=order)
    if taxonomy_term_id or taxonomy_id:
        with_terms = selectors.services_queryset(
            term=str(taxonomy_term_id) if taxonomy_term_id else None,
            taxonomy=str(taxonomy_id) if taxonomy_id else None,
        )
        queryset = queryset.filter(pk__in=with_terms.values("organization_id"))
    if modified_after:
        queryset = queryset.filter(updated_at__gt=modified_after)
    pks = list(queryset.order_by("name", "pk").values_list("pk", flat=True))
    if full or full_service:
        contents_of = lambda chunk: _organizations_with_services(chunk, full_service=bool(full_service))  # noqa: E731
    else:
        contents_of = _shaped(_organization_contents, full)
    return _list_page(request, selectors.ordered(pks, order), page, per_page, contents_of)


def _organization_contents(chunk: list[int]) -> list[dict]:
    nested = selectors.serialise([], organizations=[selectors.Organization(pk=pk) for pk in chunk])
    by_id = {o["id"]: o for o in nested["organizations"]}
    uuids = dict(selectors.Organization.objects.filter(pk__in=chunk).values_list("pk", "uuid"))
    return [by_id[str(uuids[pk])] for pk in chunk]


def _organizations_with_services(chunk: list[int], *, full_service: bool) -> list[dict]:
    """Organisations with their published services: short ones (as /organizations/{id}) or full ones."""
    services = list(selectors.public_services().filter(organization_id__in=chunk).order_by("name", "pk"))
    nested = selectors.serialise(services, organizations=[selectors.Organization(pk=pk) for pk in chunk])
    by_id = {o["id"]: o for o in nested["organizations"]}
    uuids = dict(selectors.Organization.objects.filter(pk__in=chunk).values_list("pk", "uuid"))
    contents = []
    for pk in chunk:
        payload = by_id[str(uuids[pk])]
        own = [s for s in nested["services"] if s["organization_id"] == payload["id"]]
        payload["services"] = [_service_of_organization(s, full_service) for s in own]
        contents.append(payload)
    return contents


def _service_of_organization(service: dict, full_service: bool) -> dict:
    dropped = ("organization",) if full_service else ("organization", "service_at_locations")
    return {k: v for k, v in service.items() if k not in dropped}


@api.get(
    "/organizations/{id}", response={200: schemas.Organization, **ERRORS}, summary="Организация", tags=["Организации"]
)
def organization(
    request,
    id: UUID,  # noqa: A002
    full_service: bool | None = Query(None, description="true — услуги полностью, с местами оказания"),
):
    found = selectors.public_organizations().filter(uuid=id).first()
    if found is None:
        raise HttpError(404, "Организация не найдена.")
    services = list(selectors.public_services().filter(organization=found))
    nested = selectors.serialise(services, organizations=[found])
    payload = nested["organizations"][0]
    payload["services"] = [_service_of_organization(s, bool(full_service)) for s in nested["services"]]
    return respond(request, payload, ndjson_items=[payload])


# ---------------------------------------------------------------- taxonomies


@api.get("/taxonomies", response={200: schemas.TaxonomyPage, **ERRORS}, summary="Таксономии", tags=["Таксономии"])
def taxonomies(
    request,
    search: str = Query("", max_length=200, description="Часть названия или описания"),
    page: int = Query(1, ge=1, le=10000),
    per_page: int = Query(20, ge=1, le=PER_PAGE_MAX),
):
    items = selectors.taxonomy_tables()["taxonomy"]
    if search.strip():
        needle = search.strip().lower()
        items = [t for t in items if needle in t["name"].lower() or needle in t["description"].lower()]
    return _list_page(request, items, page, per_page)


@api.get("/taxonomies/{id}", response={200: schemas.Taxonomy, **ERRORS}, summary="Таксономия", tags=["Таксономии"])
def taxonomy(request, id: UUID):  # noqa: A002
    found = next((t for t in selectors.taxonomy_tables()["taxonomy"] if t["id"] == str(id)), None)
    if found is None:
        raise HttpError(404, "Таксономия не найдена.")
    return respond(request, found, ndjson_items=[found])


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


@api.get(
    "/taxonomy_terms/{id}",
    response={200: schemas.TaxonomyTerm, **ERRORS},
    summary="Термин таксономии",
    tags=["Таксономии"],
)
def taxonomy_term(request, id: UUID):  # noqa: A002
    found = next((t for t in selectors.taxonomy_tables()["taxonomy_term"] if t["id"] == str(id)), None)
    if found is None:
        raise HttpError(404, "Термин таксономии не найден или не опубликован.")
    return respond(request, found, ndjson_items=[found])


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
    taxonomy_term_id: UUID | None = Query(None),
    taxonomy_id: UUID | None = Query(None, description="Услуги с любым термином этой таксономии"),
    modified_after: datetime | None = Query(None),
    lat: float | None = Query(None, ge=-90, le=90),
    lon: float | None = Query(None, ge=-180, le=180),
    radius: float | None = Query(None, gt=0, le=1000),
    postcode: str = Query("", max_length=20, description="Почтовый индекс места"),
    proximity: str = Query("", max_length=20, description="Расстояние в метрах от центра индекса postcode"),
    full: bool | None = FULL,
    page: int = Query(1, ge=1, le=10000),
    per_page: int = Query(20, ge=1, le=PER_PAGE_MAX),
):
    postcode, proximity = postcode.strip(), proximity.strip()
    near = _near(lat, lon, radius, postcode, proximity)
    sal_ids = _sal_ids(request, search, near)
    queryset = selectors.sal_queryset(
        sal_ids=sal_ids,
        modified_after=modified_after,
        service_id=service_id,
        location_id=location_id,
        organization_id=organization_id,
        term=str(taxonomy_term_id) if taxonomy_term_id else None,
        taxonomy=str(taxonomy_id) if taxonomy_id else None,
        postcode="" if proximity else postcode,  # with proximity, the postcode is only the centre (HSDS)
    )
    pks = list(queryset.order_by("service__name", "pk").values_list("pk", flat=True))
    contents_of = _shaped(_service_at_location_contents, full)
    return _list_page(request, selectors.ordered(pks, sal_ids), page, per_page, contents_of)


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


@api.get(
    "/service_at_locations/{id}",
    response={200: schemas.ServiceAtLocation, **ERRORS},
    summary="Услуга по адресу",
    tags=["Услуги"],
)
def service_at_location(request, id: UUID):  # noqa: A002
    found = selectors.public_service_at_locations().filter(uuid=id).values_list("pk", flat=True).first()
    if found is None:
        raise HttpError(404, "Услуга по этому адресу не найдена или не опубликована.")
    payload = _service_at_location_contents([found])[0]
    return respond(request, payload, ndjson_items=[payload])
