"""The dashboard: the tenant's flows at a glance."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import HTMLResponse

from wholesync.sync.registry import FLOWS

from .page import SignedIn

router = APIRouter()


@router.get("/dashboard")
def dashboard(page: SignedIn) -> HTMLResponse:
    return page.render("dashboard.html", flows=list(FLOWS))
