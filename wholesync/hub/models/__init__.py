"""The hub's tables. Importing this package registers every model on ``Base.metadata``."""

from .access import ApiKey
from .alerts import AlertEvent, DigestState
from .base import Base
from .catalog import Product, ProductImage, ProductStatus, Variant
from .customers import Address, AddressKind, Buyer, Customer
from .inventory import Bucket, InventoryLevel, Warehouse
from .orders import ErpStatus, Order, OrderLine, OrderOrigin, OrderStatus
from .shipments import Shipment, ShipmentLine, ShipmentStatus
from .sync import ExternalRef, SyncAction, SyncRecord, SyncRun
from .tenancy import AuthMode, Tenant
from .users import LoginFailure, Role, User, WebSession

__all__ = [
    "Address",
    "AddressKind",
    "AlertEvent",
    "ApiKey",
    "AuthMode",
    "Base",
    "Bucket",
    "Buyer",
    "Customer",
    "DigestState",
    "ErpStatus",
    "ExternalRef",
    "InventoryLevel",
    "LoginFailure",
    "Order",
    "OrderLine",
    "OrderOrigin",
    "OrderStatus",
    "Product",
    "ProductImage",
    "ProductStatus",
    "Role",
    "Shipment",
    "ShipmentLine",
    "ShipmentStatus",
    "SyncAction",
    "SyncRecord",
    "SyncRun",
    "Tenant",
    "User",
    "Variant",
    "Warehouse",
    "WebSession",
]
