"""The settings pages' sections: which settings each form holds, in the order people read them.

Every setting of :class:`~wholesync.sync.settings.TenantSettings` that a brand configures is
on exactly one section (a test checks it), so nothing is settable only from the command line.
"""

from __future__ import annotations

from dataclasses import dataclass

from wholesync.sync.registry import FLOWS
from wholesync.sync.setting_types import NOTE_FIELDS

from .settings_form import Field, field


@dataclass(frozen=True)
class Section:
    slug: str
    title: str
    intro: str
    fields: tuple[Field, ...]


def _flows() -> tuple[Field, ...]:
    fields: list[Field] = []
    for flow in FLOWS:
        fields.append(field(f"flows.{flow}.enabled", f"{flow}: enabled"))
        fields.append(field(f"flows.{flow}.schedule", f"{flow}: schedule (cron)"))
    fields.append(field("flows.orders_import.window_days", "orders_import: days to read"))
    return tuple(fields)


SECTIONS = (
    Section(
        "sync",
        "Sync filter and matching",
        "Which Shopify products and customers sync, and how records are matched.",
        (
            field("sync_tag", "Sync filter tag"),
            field("buyer_tag", "Buyer tag"),
            field("active_metafield", "Active flag metafield"),
            field("customer_code_metafield", "Customer code metafield"),
            field("customer_match", "Match customers on", "list"),
            field("upc_key", "UPC key"),
            field("image_mode", "Images"),
            field("prebook_tag", "Prebook tag"),
            field("available_from_tag", "Available-from tag prefix"),
            field("available_to_tag", "Available-to tag prefix"),
            field("prebook_date_format", "Prebook date format"),
        ),
    ),
    Section(
        "pricing",
        "Wholesale price",
        "Where the wholesale price comes from; the retail price is the Shopify price.",
        (
            field("wholesale_price.source", "Wholesale price from"),
            field("wholesale_price.metafield", "Price metafield"),
            field("wholesale_price.formula", "Price formula"),
            field("wholesale_price.formula_fallback", "Use the formula when no metafield is set"),
        ),
    ),
    Section(
        "custom-fields",
        "Custom fields",
        "Hub custom fields filled from Shopify: one mapping per line, as "
        "field_name = JMESPath expression (e.g. season = meta.custom.season).",
        (
            field("custom_fields.product", "Product fields"),
            field("custom_fields.variant", "Variant fields"),
            field("custom_fields.customer", "Customer fields"),
        ),
    ),
    Section(
        "stock",
        "Stock and warehouses",
        "Which side owns stock, and which hub warehouse each Shopify location feeds: one per "
        "line, as Shopify location = warehouse code. Unmapped locations match by name.",
        (
            field("stock_master", "Stock master"),
            field("warehouse_map", "Warehouse map"),
        ),
    ),
    Section(
        "orders",
        "Order export",
        "How wholesale orders are created in Shopify. Tax rates: one per line, as "
        "country code = rate (e.g. FR = 0.2).",
        (
            field("orders.exportable_statuses", "Export orders in status"),
            field("orders.export_as", "Create as"),
            field("orders.unknown_customer", "Unknown customer"),
            field("orders.financial_status", "Payment status"),
            field("orders.fulfillment", "Fulfilment"),
            field("orders.fulfillment_location", "Fulfilment location"),
            field("orders.bypass_stock_check", "Export even when stock is short"),
            field("orders.tax_rates", "Tax rate per billing country"),
            field("orders.tags", "Order tags"),
            field("orders.search_lag_seconds", "Shopify search lag (seconds)"),
            field("shipments.notify_customer", "Shopify e-mails the customer on shipment"),
        ),
    ),
    Section(
        "note",
        "Order note",
        "The note of each exported order, a Jinja2 template (sandboxed). Fields: "
        + ", ".join(NOTE_FIELDS)
        + ". Write them as {{ po_number }}.",
        (field("orders.note_template", "Note template", "long"),),
    ),
    Section(
        "erp",
        "ERP defaults",
        "Stamped on each order imported from Shopify, for the ERP that takes it over.",
        (
            field("erp_defaults.payment_terms", "Payment terms"),
            field("erp_defaults.sales_rep", "Sales rep"),
            field("erp_defaults.division", "Division"),
            field("erp_defaults.order_type", "Order type"),
            field("erp_defaults.tax_schedule", "Tax schedule"),
            field("erp_defaults.hold_code", "Hold code"),
        ),
    ),
    Section(
        "schedules",
        "Schedules",
        "When each flow runs: a cron schedule (minute hour day month weekday), at most every "
        "5 minutes. Stock flows run only in the stock master's direction.",
        _flows(),
    ),
    Section(
        "notifications",
        "Notifications",
        "Who gets alert e-mails (comma-separated addresses) and the daily digest.",
        (
            field("notifications.alert_emails", "Alert e-mail addresses"),
            field("notifications.daily_digest", "Send the daily digest"),
            field("notifications.digest_hour", "Digest hour (UTC, 0-23)"),
        ),
    ),
)
BY_SLUG = {section.slug: section for section in SECTIONS}
