"""Seeds the catalog of an apparel brand: locations, styles in colours and sizes, stock,
images, collections and the metafields Wholesync reads. Everything comes from ``rng``."""

from __future__ import annotations

import gc
import random
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from wholesync.simulator.catalog.model import (
    add_image,
    add_variant,
    handleize,
    location_address,
    money,
    new_location,
    new_product,
    normalize_tags,
    unique_handle,
)
from wholesync.simulator.clock import iso
from wholesync.simulator.metafields.model import new_metafield
from wholesync.simulator.store import Record, Shop, add_record

if TYPE_CHECKING:
    from wholesync.simulator.seed import SeedSpec

LOCATIONS = [
    ("Shop location", "148 Bond Street", "Brooklyn", "NY", "11217"),
    ("Red Hook Warehouse", "55 Ferris Street", "Brooklyn", "NY", "11231"),
    ("SoHo Flagship", "112 Greene Street", "New York", "NY", "10012"),
    ("Arts District Studio", "820 East 3rd Street", "Los Angeles", "CA", "90013"),
    ("South Congress Store", "1501 South Congress Avenue", "Austin", "TX", "78704"),
    ("Secaucus Distribution Center", "400 Castle Road", "Secaucus", "NJ", "07094"),
]
VENDORS = ["Harbor & Pine", "Harbor & Pine", "Harbor & Pine", "Pine Studio", "Northline Goods"]
# product type -> (nouns, sizes, base price, tag)
TYPES: dict[str, tuple[list[str], list[str], int]] = {
    "Shirts": (
        ["Shirt", "Oxford", "Overshirt", "Camp Shirt"],
        ["XS", "S", "M", "L", "XL", "XXL"],
        68,
    ),
    "Dresses": (
        ["Dress", "Slip Dress", "Wrap Dress", "Shirtdress"],
        ["XS", "S", "M", "L", "XL"],
        128,
    ),
    "Knitwear": (["Sweater", "Cardigan", "Crewneck", "Vest"], ["XS", "S", "M", "L", "XL"], 98),
    "Denim": (
        ["Jean", "Denim Jacket", "Straight Jean", "Wide Leg Jean"],
        ["26", "28", "30", "32", "34", "36"],
        118,
    ),
    "Outerwear": (["Coat", "Parka", "Chore Coat", "Trench"], ["S", "M", "L", "XL"], 228),
    "Trousers": (
        ["Trouser", "Chino", "Pleated Pant", "Drawstring Pant"],
        ["28", "30", "32", "34", "36"],
        88,
    ),
    "Accessories": (["Tote", "Scarf", "Beanie", "Belt", "Cap"], ["One Size"], 38),
}
ADJECTIVES = [
    "Harbor",
    "Coastal",
    "Everyday",
    "Field",
    "Weekend",
    "Studio",
    "Meridian",
    "Ridge",
    "Garment-Dyed",
    "Heritage",
    "Lakeside",
    "Relaxed",
    "Tailored",
    "Boxy",
    "Cropped",
    "Atlas",
]
MATERIALS = [
    "Linen",
    "Cotton",
    "Merino",
    "Cashmere",
    "Twill",
    "Poplin",
    "Corduroy",
    "Canvas",
    "Selvedge",
    "Flannel",
    "Wool",
    "Hemp",
    "Seersucker",
    "Organic Cotton",
]
COLORS = [
    ("Navy", "NAV"),
    ("Black", "BLK"),
    ("Ecru", "ECR"),
    ("Olive", "OLV"),
    ("Rust", "RST"),
    ("Sky", "SKY"),
    ("Charcoal", "CHR"),
    ("Sand", "SND"),
    ("Forest", "FOR"),
    ("Plum", "PLM"),
    ("Indigo", "IND"),
    ("Stone", "STN"),
]
SEASONS = ["SS25", "FW25", "SS26", "FW26", "Core"]
DAY = 86400


def check_digit(digits: str) -> str:
    """GS1 check digit for a UPC-A (11 digits) or EAN-13 (12 digits) body."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str((10 - total % 10) % 10)


class _Barcodes:
    """Unique barcodes, UPC-A and EAN-13 in turn, each counting up from a random base."""

    def __init__(self, rng: random.Random) -> None:
        self.upc_base = rng.randrange(10**10, 8 * 10**10)
        self.ean_base = rng.choice([400, 500, 761, 890]) * 10**9 + rng.randrange(10**5) * 10**4
        self.count = 0

    def next(self) -> str:
        self.count += 1
        step = self.count // 2
        body = f"{self.upc_base + step:011d}" if self.count % 2 else f"{self.ean_base + step:012d}"
        return body + check_digit(body)


def seed_locations(shop: Shop, rng: random.Random, count: int) -> list[int]:
    now = shop.now()
    numbers = []
    for index in range(count):
        if index < len(LOCATIONS):
            name, street, city, province, zip_code = LOCATIONS[index]
        else:
            name = f"Pop-up Store {index - len(LOCATIONS) + 1}"
            street = f"{rng.randrange(10, 999)} Main Street"
            city, province, zip_code = "Hudson", "NY", "12534"
        address = location_address(street, city, province, zip_code)
        numbers.append(int(new_location(shop, name, address, now)["legacyResourceId"]))
    return numbers


def _tags(rng: random.Random, spec: SeedSpec, product_type: str, base: float) -> list[str]:
    tags = [product_type, rng.choice(SEASONS)]
    if rng.random() < 0.8:
        tags.append(spec.sync_tag)
    if rng.random() < 0.1:
        start = datetime.fromtimestamp(base + rng.randrange(10, 120) * DAY, UTC)
        end = datetime.fromtimestamp(start.timestamp() + rng.randrange(30, 90) * DAY, UTC)
        tags += [
            "Prebook: True",
            f"Available From: {start:%m/%d/%Y}",
            f"Available To: {end:%m/%d/%Y}",
        ]
    if rng.random() < 0.15:
        tags.append(rng.choice(["Bestseller", "New Arrival", "Final Sale", "Sustainable"]))
    return normalize_tags(tags)


def _stock(shop: Shop, rng: random.Random, item: int, locations: list[int]) -> None:
    for location in locations:
        level = shop.ensure_level(item, location)
        available = rng.randrange(0, 61) if rng.random() < 0.9 else 0
        committed = rng.randrange(0, 6) if rng.random() < 0.3 else 0
        level["available"] = available
        level["committed"] = committed
        level["on_hand"] = available + committed
        level["incoming"] = rng.randrange(5, 41) if rng.random() < 0.15 else 0


def seed_products(shop: Shop, rng: random.Random, spec: SeedSpec, locations: list[int]) -> None:
    clock_now = shop.clock()
    barcodes = _Barcodes(rng)
    taken: set[str] = {p["handle"] for p in shop.products.values()}
    type_names = list(TYPES)
    cdn = f"https://cdn.shopify.com/s/files/1/{shop.shop_id % 10**4:04d}/{shop.shop_id:07d}/files"
    by_type: dict[str, list[int]] = {name: [] for name in type_names}
    for index in range(spec.products):
        product_type = rng.choice(type_names)
        nouns, sizes, base_price = TYPES[product_type]
        title = f"{rng.choice(ADJECTIVES)} {rng.choice(MATERIALS)} {rng.choice(nouns)}"
        colors = rng.sample(COLORS, rng.randint(2, 4))
        if product_type != "Accessories":
            start = rng.randrange(0, max(1, len(sizes) - 2))
            sizes = sizes[start : start + rng.randint(3, len(sizes) - start)] or sizes
        created = clock_now - rng.randrange(30, 720) * DAY - rng.randrange(DAY)
        updated = min(clock_now - rng.randrange(60, 3600), created + rng.randrange(0, 30) * DAY)
        status = rng.choices(["ACTIVE", "DRAFT", "ARCHIVED"], [93, 5, 2])[0]
        handle = unique_handle(shop, handleize(title), taken)
        created_at = iso(created)
        product = new_product(
            shop,
            title=title,
            handle=handle,
            now=created_at,
            vendor=rng.choice(VENDORS),
            product_type=product_type,
            status=status,
            tags=_tags(rng, spec, product_type, clock_now),
            description_html=f"<p>The {title.lower()}, cut for everyday wear.</p>",
            options=[("Color", [c[0] for c in colors]), ("Size", sizes)],
        )
        product["updatedAt"] = iso(updated)
        by_type[product_type].append(int(product["legacyResourceId"]))
        price = base_price + rng.choice([0, 0, 10, 20, -10])
        compare_at = money(price * 1.25) if rng.random() < 0.2 else None
        prefix = "".join(word[0] for word in title.replace("-", " ").split())[:3].upper()
        style = f"{prefix}{index + 100}"
        image_of: dict[str, int] = {}
        for color, code in colors:
            media = add_image(
                shop, product, f"{cdn}/{handle}-{code.lower()}.jpg", title, created_at
            )
            image_of[color] = int(media["id"].rsplit("/", 1)[1])
        for color, code in colors:
            for size in sizes:
                size_code = "OS" if size == "One Size" else size
                variant = add_variant(
                    shop,
                    product,
                    option_values=[color, size],
                    now=created_at,
                    price=money(price),
                    sku=f"{style}-{code}-{size_code}",
                    barcode=barcodes.next(),
                    compare_at_price=compare_at,
                )
                variant["updatedAt"] = product["updatedAt"]
                variant["_image"] = image_of[color]
                _stock(shop, rng, variant["_inventory_item"], locations)
        _metafields(shop, rng, product, price)
    _collections(shop, rng, by_type)


def _metafields(shop: Shop, rng: random.Random, product: Record, price: int) -> None:
    now = product["updatedAt"]
    roll = rng.random()
    if roll < 0.7:
        wholesale = money(price * rng.choice([0.45, 0.5, 0.5, 0.55]))
        new_metafield(
            shop, product["id"], "wholesync", "wholesale_price", "number_decimal", wholesale, now
        )
    elif roll < 0.85:
        for number in product["_variants"]:
            variant = shop.variants[number]
            wholesale = money(float(variant["price"]) * 0.5)
            new_metafield(
                shop,
                variant["id"],
                "wholesync",
                "wholesale_price",
                "number_decimal",
                wholesale,
                now,
            )
    if rng.random() < 0.9:
        active = "false" if rng.random() < 0.06 else "true"
        new_metafield(shop, product["id"], "wholesync", "active", "boolean", active, now)


def _collections(shop: Shop, rng: random.Random, by_type: dict[str, list[int]]) -> None:
    now = shop.now()
    groups: list[tuple[str, list[int]]] = [(name, members) for name, members in by_type.items()]
    everything = [n for members in by_type.values() for n in members]
    groups.append(("New Arrivals", sorted(rng.sample(everything, min(len(everything), 40)))))
    groups.append(("Wholesale Essentials", everything[: max(0, len(everything) // 3)]))
    for title, members in groups:
        if not members:
            continue
        number = shop.next_number()
        fields: Record = {
            "title": title,
            "handle": handleize(title),
            "descriptionHtml": f"<p>{title}</p>",
            "sortOrder": "BEST_SELLING",
            "templateSuffix": None,
            "updatedAt": now,
            "_products": list(members),
        }
        add_record(shop.collections, "Collection", number, fields)
        for member in members:
            shop.products[member]["_collections"].append(number)


def seed_catalog(shop: Shop, rng: random.Random, spec: SeedSpec) -> None:
    """Create ``spec.locations`` locations and ``spec.products`` products with stock."""
    locations = seed_locations(shop, rng, spec.locations)
    # Hundreds of thousands of new dicts would trigger the cycle collector over and over;
    # none of them form cycles, so it is paused while they are built.
    collecting = gc.isenabled()
    gc.disable()
    try:
        seed_products(shop, rng, spec, locations)
    finally:
        if collecting:
            gc.enable()
