"""F7: hub stock (the ERP's available-to-sell) to Shopify, when the hub is the stock master.

A run takes the ATS levels whose quantity Shopify may not hold yet (load_stock_export), maps
each warehouse to its Shopify location and each variant to its Shopify variant (the reference
products sync keeps), and then, per location, up to 250 levels at a time: reads the inventory
items' ``available`` quantities there and sets the hub's quantities with
``inventorySetQuantities``, each line compared against the quantity just read. When Shopify
refuses because stock changed in between, the batch is read again and sent with the new
quantities: the ERP's quantity wins, but never over a quantity the run did not see. After
``MAX_ATTEMPTS`` refusals a level is rejected and waits for the next run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from wholesync.hub.models import Tenant
from wholesync.shopify import ShopifyClient
from wholesync.sync.errors import render
from wholesync.sync.flows import OutboundFlow, run_recorded
from wholesync.sync.load_stock_export import mark_pushed, pending_levels, warehouse_index
from wholesync.sync.map_stock_export import (
    MAX_LINES,
    Level,
    Line,
    Location,
    Unmapped,
    available_of,
    from_to,
    idempotency_key,
    line_errors,
    set_input,
    stale_indexes,
    warehouse_locations,
)
from wholesync.sync.matching import gids_of
from wholesync.sync.runs import Outcome, RunRecorder, RunResult
from wholesync.sync.settings import FlowName
from wholesync.sync.tenants import tenant_settings

FLOW: FlowName = "stock_export"
ENTITY = "inventory"
# Attempts at one batch whose stock keeps changing in Shopify before its levels are rejected.
MAX_ATTEMPTS = 4
STOCK_CHANGED = "STOCK_CHANGED_IN_SHOPIFY"


class Pusher:
    """One run's writes: reads, compare-and-set writes, outcomes and pushed quantities."""

    def __init__(
        self,
        session: Session,
        tenant: Tenant,
        client: ShopifyClient,
        recorder: RunRecorder,
        preview: bool,
    ) -> None:
        self.session, self.tenant, self.client = session, tenant, client
        self.recorder, self.preview = recorder, preview

    def reject(self, level: Level, code: str, message: str) -> None:
        self.recorder.add(Outcome(ENTITY, "reject", key=level.key, code=code, message=message))

    def _read(
        self, location: Location, levels: Sequence[Level], gids: dict[int, str]
    ) -> list[Line]:
        """Lines for the levels Shopify does not hold yet; the others are settled here."""
        wanted = list(dict.fromkeys(gids[level.variant_id] for level in levels))
        data = self.client.execute("stock_export_read", {"ids": wanted, "locationId": location.gid})
        found = dict(zip(wanted, data.get("nodes") or [], strict=False))
        lines: list[Line] = []
        held: list[Level] = []
        for level in levels:
            gid = gids[level.variant_id]
            read = available_of(found.get(gid))
            if read is None:
                self.reject(level, "VARIANT_NOT_FOUND", self.missing(level))
            elif read[1] is None:
                message = render("NOT_STOCKED_AT_LOCATION", key=level.upc, location=location.name)
                self.reject(level, "SHOPIFY_USER_ERROR", message)
            elif read[1] == level.quantity:
                held.append(level)
                self.recorder.add(Outcome(ENTITY, "unchanged", key=level.key, shopify_gid=gid))
            elif self.preview:
                diff = from_to(level, read[1])
                self.recorder.add(Outcome(ENTITY, "update", key=level.key, diff=diff))
            else:
                lines.append(Line(level, read[0], location.gid, read[1]))
        if not self.preview:
            mark_pushed(self.session, held)
        return lines

    def missing(self, level: Level) -> str:
        key_name = tenant_settings(self.tenant).upc_key
        return render(
            "VARIANT_NOT_FOUND",
            key_name=key_name,
            key=level.upc,
            tenant=self.tenant.name,
        )

    def push(self, location: Location, levels: Sequence[Level], gids: dict[int, str]) -> None:
        """Read, then set, the levels of one location (at most ``MAX_LINES``). Each round
        either succeeds or takes lines out, and rounds past ``MAX_ATTEMPTS`` reject the
        lines still refused as stale, so this ends."""
        pending, attempt = list(levels), 0
        while pending:
            attempt += 1
            lines = self._read(location, pending, gids)
            if not lines:
                break
            pending = self._write(location, lines, attempt)
        self.commit()

    def _write(self, location: Location, lines: Sequence[Line], attempt: int) -> list[Level]:
        """Send one compare-and-set request; the levels to read and send again."""
        request = set_input(lines)
        key = idempotency_key(self.recorder.run_id, attempt, request)
        data = self.client.execute(
            "stock_export_set", {"input": request, "key": key}, idempotent=True
        )
        errors = (data.get("inventorySetQuantities") or {}).get("userErrors") or []
        if not errors:
            mark_pushed(self.session, [line.level for line in lines])
            for line in lines:
                diff = from_to(line.level, line.current)
                self.recorder.add(Outcome(ENTITY, "update", key=line.level.key, diff=diff))
            return []
        stale = stale_indexes(errors)
        if stale is None:
            # Shopify refuses the whole request for any bad line: the others go again.
            named = line_errors(errors, len(lines))
            everything = None in named
            refused = {i for i in range(len(lines)) if everything or i in named}
            for index in sorted(refused):
                detail = named.get(index) or named[None]
                self.reject(lines[index].level, "SHOPIFY_USER_ERROR", _refused(detail))
            return [line.level for i, line in enumerate(lines) if i not in refused]
        if attempt < MAX_ATTEMPTS:
            return [line.level for line in lines]
        for index in sorted(stale):
            line = lines[index]
            message = render(
                STOCK_CHANGED,
                key=line.level.upc,
                location=location.name,
                attempts=attempt,
                quantity=line.level.quantity,
                current=line.current,
                tenant=self.tenant.name,
            )
            self.reject(line.level, STOCK_CHANGED, message)
        return [line.level for i, line in enumerate(lines) if i not in stale]

    def commit(self) -> None:
        if self.preview:
            self.session.rollback()
        else:
            self.recorder.flush()
            self.session.commit()


def _refused(detail: str) -> str:
    return render("SHOPIFY_USER_ERROR", detail=detail)


@dataclass(frozen=True)
class Plan:
    """What a run pushes: per location, its levels; and each variant's Shopify GID."""

    batches: list[tuple[Location, list[Level]]]
    gids: dict[int, str]


def plan(pusher: Pusher, levels: list[Level]) -> Plan:
    """Map warehouses to locations and variants to Shopify; reject what cannot be mapped."""
    session, tenant = pusher.session, pusher.tenant
    settings = tenant_settings(tenant)
    locations = list(pusher.client.paginate("locations", {}, ["locations"]))
    places = warehouse_locations(
        warehouse_index(session, tenant.id), settings, locations, tenant.name
    )
    gids = gids_of(session, tenant.id, "variant", {level.variant_id for level in levels})
    by_location: dict[Location, list[Level]] = {}
    for level in levels:
        place = places.get(level.warehouse)
        if place is None or isinstance(place, Unmapped):
            message = place.message if place is not None else level.warehouse
            pusher.reject(level, "WAREHOUSE_UNMAPPED", message)
        elif level.variant_id not in gids:
            pusher.reject(level, "VARIANT_NOT_FOUND", pusher.missing(level))
        else:
            by_location.setdefault(place, []).append(level)
    batches = [
        (place, chunk[start : start + MAX_LINES])
        for place, chunk in by_location.items()
        for start in range(0, len(chunk), MAX_LINES)
    ]
    return Plan(batches, gids)


def export_stock(
    session: Session,
    tenant: Tenant,
    client: ShopifyClient,
    *,
    preview: bool = False,
    trigger: str = "manual",
    on_progress: Callable[[int], None] | None = None,
) -> RunResult:
    """Push the tenant's hub ATS levels that Shopify does not hold yet. ``preview`` reads
    Shopify and shows each level's from -> to, and writes and sends nothing."""
    recorder = RunRecorder(
        session, tenant.id, tenant.name, FLOW, preview=preview, full=False, trigger=trigger
    )
    pusher = Pusher(session, tenant, client, recorder, preview)

    def work() -> None:
        planned = plan(pusher, pending_levels(session, tenant.id))
        # Ends the read transaction: no database lock is held over the Shopify calls.
        pusher.commit()
        for location, levels in planned.batches:
            pusher.push(location, levels, planned.gids)
            if on_progress is not None:
                on_progress(len(levels))

    return run_recorded(session, recorder, client, work)


STOCK_EXPORT = OutboundFlow(FLOW, export_stock)
