"""Settings as a TOML file from the settings page: download them, or upload a file that
replaces them when every value in it is valid."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, UploadFile
from starlette.responses import Response

from wholesync.sync.settings_check import Problem, SettingsProblems, replace_settings
from wholesync.sync.settings_toml import from_toml, to_toml

from .page import Admin
from .settings_pages import overview_page

router = APIRouter()


@router.get("/settings/export.toml")
def export_settings(page: Admin) -> Response:
    with page.reading() as session:
        text = to_toml(page.viewer.tenant_name, page.settings(session))
    filename = f"wholesync-{page.viewer.tenant_name}.toml"
    return Response(
        text,
        media_type="application/toml; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )


@router.post("/settings/import")
def import_settings(page: Admin, file: Annotated[UploadFile, File()]) -> Response:
    try:
        text = file.file.read().decode("utf-8")
        settings = from_toml(text)
    except UnicodeDecodeError:
        problems = [Problem("", "The file is not UTF-8 text; upload the TOML file as exported.")]
        return overview_page(page, 422, import_problems=problems)
    except SettingsProblems as exc:
        return overview_page(page, 422, import_problems=exc.problems)
    with page.writing() as session:
        replace_settings(page.tenant(session), settings.model_dump(mode="json"))
    name = file.filename or "the file"
    return page.redirect("/settings", notice=f"Settings imported from {name}.")
