"""The hub's tables. Importing this package registers every model on ``Base.metadata``."""

from .base import Base
from .catalog import Product, ProductImage, ProductStatus, Variant
from .customers import Address, AddressKind, Buyer, Customer
from .inventory import Bucket, InventoryLevel, Warehouse
from .sync import ExternalRef, SyncAction, SyncRecord, SyncRun
from .tenancy import AuthMode, Tenant

__all__ = [
    "Address",
    "AddressKind",
    "AuthMode",
    "Base",
    "Bucket",
    "Buyer",
    "Customer",
    "ExternalRef",
    "InventoryLevel",
    "Product",
    "ProductImage",
    "ProductStatus",
    "SyncAction",
    "SyncRecord",
    "SyncRun",
    "Tenant",
    "Variant",
    "Warehouse",
]
