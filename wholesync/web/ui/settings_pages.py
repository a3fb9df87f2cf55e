"""Settings (admins only): an overview and one form per section. A save validates the tenant's
whole settings with the model's own validators; a refused save shows the form again with what
was typed and each field's problem, and changes nothing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse, Response

from wholesync.sync.settings_check import Problem, SettingsProblems, replace_settings
from wholesync.sync.tenants import describe

from .page import Admin, Page
from .settings_form import FieldError, Raw, put, value_at
from .settings_sections import SECTIONS, Section

router = APIRouter()
SECRET_NAMES = ("token_env", "client_id_env", "secret_env", "previous_secret_env")


@router.get("/settings")
def overview(page: Admin) -> HTMLResponse:
    return overview_page(page)


def overview_page(page: Page, status_code: int = 200, **context: Any) -> HTMLResponse:
    """The settings overview: sections, the store connection (variable names only) and the
    TOML export and import."""
    with page.reading() as session:
        tenant = describe(page.tenant(session))
    connection = {key: tenant[key] for key in ("shop_domain", "auth_mode", "callback_url")}
    secrets = {key: tenant[key] for key in SECRET_NAMES if tenant[key]}
    return page.render(
        "settings/index.html",
        status_code,
        sections=SECTIONS,
        connection=connection,
        secrets=secrets,
        **context,
    )


def section_page(
    page: Page,
    section: Section,
    status_code: int = 200,
    *,
    values: Mapping[str, Raw] | None = None,
    errors: Mapping[str, list[str]] | None = None,
    general: list[str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """A section's form: the stored values, or ``values`` as typed when a save was refused."""
    if values is None:
        with page.reading() as session:
            stored = page.settings(session).model_dump(mode="json")
        values = {field.key: field.shown(value_at(stored, field.key)) for field in section.fields}
    if section.slug == "notifications":
        context.setdefault("smtp", page.runtime.settings)
    return page.render(
        "settings/section.html",
        status_code,
        sections=SECTIONS,
        section=section,
        values=values,
        errors=errors or {},
        general=general or [],
        **context,
    )


def _save(page: Page, section: Section, form: FormData) -> Response:
    raws = {field.key: field.raw(form) for field in section.fields}
    errors: dict[str, list[str]] = {}
    general: list[str] = []
    with page.writing() as session:
        tenant = page.tenant(session)
        data = page.settings(session).model_dump(mode="json")
        for field in section.fields:
            try:
                put(data, field.key, field.parse(raws[field.key]))
            except FieldError as exc:
                errors[field.key] = [str(exc)]
        if not errors:
            try:
                replace_settings(tenant, data)
            except SettingsProblems as exc:
                _place(section, exc.problems, errors, general)
    if errors or general:
        return section_page(page, section, 422, values=raws, errors=errors, general=general)
    return page.redirect(f"/settings/{section.slug}", notice=f"{section.title}: saved.")


def _place(
    section: Section, problems: list[Problem], errors: dict[str, list[str]], general: list[str]
) -> None:
    """Each problem goes under its field (a map entry's names the entry), a rule across
    fields under the field its message names, and anything else above the form."""
    for problem in problems:
        for field in section.fields:
            if problem.key == field.key:
                errors.setdefault(field.key, []).append(problem.message)
                break
            if problem.key.startswith(field.key + "."):
                entry = problem.key.removeprefix(field.key + ".")
                errors.setdefault(field.key, []).append(f"{entry}: {problem.message}")
                break
        else:
            named = [field.key for field in section.fields if field.key in problem.message]
            if named:
                errors.setdefault(max(named, key=len), []).append(problem.message)
            else:
                general.append(str(problem))


def _add_routes(section: Section) -> None:
    path = f"/settings/{section.slug}"

    def show(page: Admin) -> HTMLResponse:
        return section_page(page, section)

    async def save(page: Admin) -> Response:
        form = await page.request.form()
        return await run_in_threadpool(_save, page, section, form)

    router.add_api_route(path, show, methods=["GET"], name=f"settings_{section.slug}")
    router.add_api_route(path, save, methods=["POST"], name=f"save_settings_{section.slug}")


for _section in SECTIONS:
    _add_routes(_section)
