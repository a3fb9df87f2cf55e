"""The "Send test e-mail" button of the notification settings: one e-mail to the tenant's
alert addresses through the deployment's SMTP server, or the reason it could not go and how to
fix it."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from wholesync.notify.mailer import NOT_CONFIGURED, REFUSED, UNAVAILABLE, NotifyError

from .page import Admin
from .settings_pages import section_page
from .settings_sections import BY_SLUG

router = APIRouter()
# Our setup is missing (503), the SMTP server failed (502), or the addresses are wrong (422).
_STATUS = {NOT_CONFIGURED: 503, UNAVAILABLE: 502, REFUSED: 502}


@router.post("/settings/test-email")
async def send_test_email(page: Admin) -> Response:
    notifier = page.runtime.notifier
    try:
        # SMTP may take its timeout to answer: keep it off the event loop.
        email = await run_in_threadpool(notifier.send_test, page.viewer.tenant_name)
    except NotifyError as exc:
        return section_page(
            page, BY_SLUG["notifications"], _STATUS.get(exc.code, 422), mail_error=exc
        )
    sent_to = ", ".join(email.to)
    return page.redirect("/settings/notifications", notice=f"Test e-mail sent to {sent_to}.")
