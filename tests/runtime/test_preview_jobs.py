"""Preview jobs: a worker runs the flow as a dry run, and previews and real runs of one flow
never join each other's waiting job."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.runtime.conftest import Hub
from tests.runtime.test_jobs import Rig
from wholesync.hub.models import Product, SyncRecord, SyncRun
from wholesync.runtime import jobs
from wholesync.runtime.jobs import holder_of, request_job
from wholesync.runtime.models import JobStatus


def test_previews_and_real_runs_wait_as_separate_jobs(hub: Hub) -> None:
    brand = hub.add_tenant("brand")
    real, _ = request_job(hub.sessions, brand, "products")
    preview, created = request_job(hub.sessions, brand, "products", preview=True)
    assert created and preview.id != real.id and preview.preview and not real.preview
    again, created = request_job(hub.sessions, brand, "products", preview=True)
    assert not created and again.id == preview.id
    joined, created = request_job(hub.sessions, brand, "products")
    assert not created and joined.id == real.id


def test_a_preview_job_records_what_would_change_and_writes_nothing(hub: Hub, brand: int) -> None:
    rig = Rig(hub)
    job, _ = request_job(hub.sessions, brand, "products", preview=True)
    assert rig.runner.execute(job.id) == JobStatus.SUCCEEDED
    done = rig.job(job.id)
    with hub.sessions() as session:
        run = session.get_one(SyncRun, done.run_id)
        assert (run.flow, run.preview, run.status) == ("products", True, "succeeded")
        assert run.counts["created"] == 4
        diffs = session.scalars(select(SyncRecord.diff).where(SyncRecord.run_id == run.id)).all()
        assert len(diffs) == 4 and all(diff and "title" in diff for diff in diffs)
        assert session.scalar(select(func.count()).select_from(Product)) == 0


def test_a_lost_preview_job_fails_with_its_run_and_is_not_requested_again(hub: Hub) -> None:
    brand = hub.add_tenant("brand")
    rig = Rig(hub)
    job, _ = request_job(hub.sessions, brand, "products", preview=True)
    # A worker leases and claims the job, starts the preview's run, and is killed.
    assert rig.leases.acquire(brand, "products", holder_of(job.id))
    assert jobs.claim(hub.sessions, job.id, rig.clock()) is not None
    with hub.sessions.begin() as session:
        run = SyncRun(tenant_id=brand, flow="products", status="running", preview=True)
        run.started_at = rig.clock()
        session.add(run)
        session.flush()
        run_id = run.id
    rig.clock.advance(60)
    assert rig.runner.reap() == [job.id]
    assert rig.job(job.id).status == JobStatus.FAILED
    with hub.sessions() as session:
        lost = session.get_one(SyncRun, run_id)
        assert lost.status == "failed" and (lost.error or "").startswith("WORKER_LOST: ")
        assert jobs.list_jobs(session, status=JobStatus.QUEUED) == []
