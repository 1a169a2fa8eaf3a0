"""Response shapes for the OpenAPI document. Objects follow HSDS 3.1 (compiled service, organization,
service_at_location, taxonomy, taxonomy_term); fields not listed here are allowed and documented by HSDS."""

from __future__ import annotations

from ninja import Schema
from pydantic import ConfigDict


class Open(Schema):
    model_config = ConfigDict(extra="allow")


class Root(Schema):
    version: str
    profile: str
    openapi_url: str
    api_version: str
    docs_url: str
    endpoints: list[str]


class Taxonomy(Open):
    id: str
    name: str
    description: str


class TaxonomyTerm(Open):
    id: str
    name: str
    description: str
    code: str | None = None
    parent_id: str | None = None
    taxonomy_id: str | None = None


class Organization(Open):
    id: str
    name: str
    description: str


class Service(Open):
    id: str
    name: str
    status: str
    organization_id: str | None = None


class ServiceMinimal(Schema):
    """An item of `/services?minimal=true`: the HSDS minimal shape."""

    id: str
    modified_date: str


class ServiceAtLocation(Open):
    id: str
    service_id: str | None = None
    location_id: str | None = None


class Page(Schema):
    total_items: int
    total_pages: int
    page_number: int
    size: int
    first_page: bool
    last_page: bool
    empty: bool


class ServicePage(Page):
    contents: list[Service | ServiceMinimal]


class OrganizationPage(Page):
    contents: list[Organization]


class TaxonomyPage(Page):
    contents: list[Taxonomy]


class TaxonomyTermPage(Page):
    contents: list[TaxonomyTerm]


class ServiceAtLocationPage(Page):
    contents: list[ServiceAtLocation]


class Error(Schema):
    detail: str
