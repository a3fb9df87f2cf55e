"""Per-tenant settings: every knob of the sync behaviour, with its default, in one validated model.

Flows read their behaviour only from :class:`TenantSettings`. It is stored as JSON per tenant
(:func:`load_settings` reads it back) and changed one key at a time with
:meth:`TenantSettings.set_path`, which is what ``wholesync tenants set NAME KEY VALUE`` calls.
"""

from __future__ import annotations

import difflib
import json
import types
from collections.abc import Mapping
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic.fields import FieldInfo

from wholesync.sync.errors import render
from wholesync.sync.setting_types import (
    DEFAULT_NOTE,
    CountryCode,
    Cron,
    Email,
    FieldName,
    Formula,
    JmesPath,
    MetafieldKey,
    Tag,
    TaxRate,
    WarehouseCode,
    check_note_template,
)

OrderStatus = Literal["pending", "in_review", "approved"]
FlowName = Literal[
    "products",
    "customers",
    "inventory",
    "orders_export",
    "orders_import",
    "shipments",
    "stock_export",
    "customers_export",
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class WholesalePrice(_Model):
    source: Literal["metafield", "formula"] = Field(
        "metafield", description="where the wholesale price comes from"
    )
    metafield: MetafieldKey = Field(
        "wholesync.wholesale_price",
        description="namespace.key of the price metafield (a variant's wins over its product's)",
    )
    formula: Formula = Field(
        "price * 0.5", description="arithmetic on 'price' (the Shopify price): + - * / ( )"
    )
    formula_fallback: bool = Field(
        False, description="with source 'metafield', use the formula when no metafield is set"
    )


class CustomFields(_Model):
    """Hub custom field name -> JMESPath expression over the Shopify node."""

    product: dict[FieldName, JmesPath] = Field(default_factory=dict)
    variant: dict[FieldName, JmesPath] = Field(default_factory=dict)
    customer: dict[FieldName, JmesPath] = Field(default_factory=dict)


class Flow(_Model):
    enabled: bool = True
    schedule: Cron = Field("0 * * * *", description="cron, at most every 5 minutes")


class OrdersImportFlow(Flow):
    window_days: int | None = Field(
        90,
        ge=1,
        le=36500,
        description="a first or full import reads the orders updated in the last N days "
        "(null: every order ever placed)",
    )


class Flows(_Model):
    products: Flow = Flow()
    customers: Flow = Flow()
    inventory: Flow = Flow()
    orders_export: Flow = Flow()
    orders_import: OrdersImportFlow = OrdersImportFlow()
    shipments: Flow = Flow()
    # Runs only when the hub is the stock master (see TenantSettings.flow_active).
    stock_export: Flow = Flow()
    customers_export: Flow = Flow(enabled=False)


class Orders(_Model):
    exportable_statuses: tuple[OrderStatus, ...] = Field(("approved",), min_length=1)
    bypass_stock_check: bool = False
    fulfillment: Literal["unfulfilled", "fulfilled"] = "unfulfilled"
    financial_status: Literal["pending", "paid"] = "pending"
    fulfillment_location: str | None = Field(
        None, description="Shopify location name or gid that fulfils orders created fulfilled"
    )
    note_template: Annotated[str, AfterValidator(check_note_template)] = Field(
        DEFAULT_NOTE, max_length=5000
    )
    tax_rates: dict[CountryCode, TaxRate] = Field(
        default_factory=dict, description="billing country code -> default tax rate, e.g. 0.2"
    )
    tags: tuple[Tag, ...] = ("wholesale",)
    export_as: Literal["order", "draft_order"] = Field(
        "order", description="a Shopify order, or a draft order completed by hand in Shopify"
    )
    unknown_customer: Literal["fail", "create"] = Field(
        "fail", description="fail with CUSTOMER_NOT_FOUND, or create the customer in Shopify"
    )
    search_lag_seconds: float = Field(
        10.0,
        ge=0,
        le=300,
        description="how long Shopify's search may lag a create; a retry waits this long "
        "before trusting a search that finds nothing",
    )

    @model_validator(mode="after")
    def _location_when_fulfilled(self) -> Orders:
        if self.fulfillment == "fulfilled" and not self.fulfillment_location:
            raise ValueError(
                "orders created fulfilled need orders.fulfillment_location (a location name)"
            )
        return self


class Shipments(_Model):
    notify_customer: bool = Field(
        False,
        description="Shopify e-mails the customer when a shipment is fulfilled, unless "
        "the shipment says otherwise",
    )


class ErpDefaults(_Model):
    """Stamped on each order imported from Shopify, for the ERP that takes it over."""

    payment_terms: str | None = Field(None, max_length=100)
    sales_rep: str | None = Field(None, max_length=255)
    division: str | None = Field(None, max_length=100)
    order_type: str | None = Field(None, max_length=100)
    tax_schedule: str | None = Field(None, max_length=100)
    hold_code: str | None = Field(None, max_length=100)


class Notifications(_Model):
    alert_emails: tuple[Email, ...] = ()
    daily_digest: bool = True
    digest_hour: int = Field(8, ge=0, le=23)


class TenantSettings(_Model):
    """Everything a tenant can configure; the defaults are the behaviour of DESIGN.md §2."""

    sync_tag: Tag | None = Field(
        "wholesync", description="only products and customers with this tag sync (null: all)"
    )
    active_metafield: MetafieldKey = Field(
        "wholesync.active", description="boolean metafield; false archives the record"
    )
    upc_key: Literal["sku", "barcode", "variant_id"] = Field(
        "sku", description="the variant key that is the hub UPC"
    )
    image_mode: Literal["product", "variant"] = "product"
    prebook_tag: Tag = "Prebook: True"
    available_from_tag: Tag = "Available From:"
    available_to_tag: Tag = "Available To:"
    prebook_date_format: Literal["MM/DD/YYYY", "DD/MM/YYYY", "YYYY-MM-DD"] = "MM/DD/YYYY"
    wholesale_price: WholesalePrice = WholesalePrice()
    custom_fields: CustomFields = CustomFields()
    customer_code_metafield: MetafieldKey = "wholesync.customer_code"
    customer_match: tuple[Literal["customer_code", "email"], ...] = Field(
        ("customer_code", "email"), min_length=1, max_length=2
    )
    buyer_tag: Tag = "wholesale-buyer"
    warehouse_map: dict[Annotated[str, Field(min_length=1)], WarehouseCode] = Field(
        default_factory=dict,
        description="Shopify location name or gid -> hub warehouse code (else by name)",
    )
    stock_master: Literal["shopify", "hub"] = "shopify"
    orders: Orders = Orders()
    shipments: Shipments = Shipments()
    erp_defaults: ErpDefaults = ErpDefaults()
    flows: Flows = Flows()
    notifications: Notifications = Notifications()

    @model_validator(mode="after")
    def _distinct_matching(self) -> TenantSettings:
        if len(set(self.customer_match)) != len(self.customer_match):
            raise ValueError("customer_match lists a key twice")
        return self

    def flow_active(self, flow: FlowName) -> bool:
        """Whether ``flow`` runs: enabled, and stock flows only in the master's direction."""
        if flow == "inventory" and self.stock_master == "hub":
            return False
        if flow == "stock_export" and self.stock_master == "shopify":
            return False
        enabled: bool = getattr(self.flows, flow).enabled
        return enabled

    def as_flat_dict(self) -> dict[str, Any]:
        """Dotted key -> JSON value, for display (``tenants show``)."""
        return _flatten(self.model_dump(mode="json"), type(self), "")

    def set_path(self, dotted_key: str, raw_value: str) -> TenantSettings:
        """A copy with one key changed; ``raw_value`` is JSON if it parses, else a string.

        A key inside a map (``warehouse_map.Shop location``) sets one entry, and ``null``
        removes it; a JSON object given for a group (``wholesale_price``) updates its keys.
        Raises :class:`SettingsError` naming the key and the allowed values.
        """
        path, is_entry, annotation = _resolve(dotted_key)
        value = parse_raw(raw_value)
        try:
            return self._with(path, is_entry, annotation, value)
        except ValidationError as exc:
            if not isinstance(value, str):
                # "2026" or "true" may be meant as text (a tag, a code): try it as given.
                try:
                    return self._with(path, is_entry, annotation, raw_value)
                except ValidationError:
                    pass
            raise SettingsError.from_validation(dotted_key, raw_value, exc) from None

    def _with(self, path: list[str], is_entry: bool, annotation: Any, value: Any) -> TenantSettings:
        data = self.model_dump(mode="json")
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        last = path[-1]
        current = parent.get(last)
        if is_entry and value is None:
            parent.pop(last, None)
        elif _is_model(annotation) and isinstance(value, dict) and isinstance(current, dict):
            parent[last] = {**current, **value}
        else:
            parent[last] = value
        return TenantSettings.model_validate(data)


class SettingsError(ValueError):
    """An invalid setting; ``code`` is INVALID_SETTING and the message says what is allowed."""

    code = "INVALID_SETTING"

    def __init__(self, key: str, message: str, allowed: str | None = None) -> None:
        if allowed:
            message += f" Allowed: {allowed}."
        super().__init__(message)
        self.key = key
        self.allowed = allowed

    @classmethod
    def from_validation(cls, key: str, value: str, exc: ValidationError) -> SettingsError:
        details = []
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"])
            text = str(error["msg"]).removeprefix("Value error, ")
            details.append(text if where in ("", key) else f"{where}: {text}")
        try:
            allowed = allowed_values(key)
        except SettingsError:
            allowed = None
        detail = "; ".join(details)
        return cls(key, render(cls.code, key=key, value=repr(value), detail=detail), allowed)


def parse_raw(raw_value: str) -> Any:
    """A CLI value: JSON when it parses (``true``, ``12``, ``{"a": 1}``), else the string."""
    try:
        return json.loads(raw_value)
    except ValueError:
        return raw_value


def load_settings(data: Mapping[str, Any] | None) -> TenantSettings:
    """Settings from stored JSON (``None`` or ``{}`` gives all defaults)."""
    try:
        return TenantSettings.model_validate(dict(data or {}))
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(part) for part in first["loc"]) or "settings"
        given = first.get("input")
        value = given if isinstance(given, str) else json.dumps(given, default=str)
        raise SettingsError.from_validation(key, value, exc) from None


def _field_type(model: type[BaseModel], name: str) -> Any:
    return model.model_fields[name].annotation


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _resolve(dotted_key: str) -> tuple[list[str], bool, Any]:
    """The path of ``dotted_key`` in the settings dump, whether it is a map entry, and the
    type it holds."""
    model: type[BaseModel] = TenantSettings
    parts = dotted_key.split(".")
    path: list[str] = []
    annotation: Any = model
    for index, part in enumerate(parts):
        if part not in model.model_fields:
            prefix = ".".join(path)
            known = [f"{prefix}.{n}" if prefix else n for n in model.model_fields]
            close = difflib.get_close_matches(dotted_key, known, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            message = f"Unknown setting '{dotted_key}'.{hint} Settings here: {', '.join(known)}."
            raise SettingsError(dotted_key, message)
        path.append(part)
        annotation = _field_type(model, part)
        rest = ".".join(parts[index + 1 :])
        if _is_model(annotation) and rest:
            model = annotation
            continue
        if get_origin(annotation) is dict and rest:
            return [*path, rest], True, get_args(annotation)[1]
        if rest:
            message = f"Setting '{'.'.join(path)}' is a single value; it has no '{rest}'."
            raise SettingsError(dotted_key, message)
        break
    return path, False, annotation


def _describe(annotation: Any) -> str | None:
    origin = get_origin(annotation)
    if origin is Annotated:
        base, *metadata = get_args(annotation)
        notes = [m.description for m in metadata if isinstance(m, FieldInfo) and m.description]
        return notes[0] if notes else _describe(base)
    if origin is Literal:
        return ", ".join(str(arg) for arg in get_args(annotation))
    if annotation is bool:
        return "true, false"
    if origin in (Union, types.UnionType):
        described = [_describe(arg) for arg in get_args(annotation) if arg is not type(None)]
        return " or ".join(d or "text" for d in described) + ", or null"
    if origin is tuple:
        inner = _describe(get_args(annotation)[0])
        return f"a JSON list of: {inner or 'text'}"
    if origin is dict:
        return 'a JSON object such as {"key": "value"}'
    if _is_model(annotation):
        return "a JSON object with keys " + ", ".join(annotation.model_fields)
    return None


def allowed_values(dotted_key: str) -> str | None:
    """What ``dotted_key`` accepts, in words (``None`` for free text)."""
    path, is_entry, annotation = _resolve(dotted_key)
    if is_entry:
        return _describe(annotation) or "text"
    model: Any = TenantSettings
    for part in path[:-1]:
        model = _field_type(model, part)
    description = model.model_fields[path[-1]].description
    described = _describe(annotation)
    if described and description:
        return f"{described} ({description})"
    return described or description


def _flatten(data: dict[str, Any], model: type[BaseModel], prefix: str) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for name, value in data.items():
        annotation = _field_type(model, name)
        if _is_model(annotation):
            flat.update(_flatten(value, annotation, f"{prefix}{name}."))
        else:
            flat[f"{prefix}{name}"] = value
    return flat
