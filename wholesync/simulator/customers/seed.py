"""Seeds the brand's customers: wholesale accounts (boutiques with a buyer, a billing head office
and shipping stores) and plain retail buyers. Everything comes from ``rng``; records are built
directly (no validation pass) so that a hundred thousand customers take seconds."""

from __future__ import annotations

import random
import unicodedata
from typing import TYPE_CHECKING

from wholesync.simulator.clock import iso
from wholesync.simulator.customers.geography import COUNTRIES, PROVINCES
from wholesync.simulator.customers.model import (
    default_consent,
    display_name,
    new_address,
    new_customer,
)
from wholesync.simulator.metafields.model import new_metafield
from wholesync.simulator.store import Record, Shop

if TYPE_CHECKING:
    from wholesync.simulator.seed import SeedSpec

DAY = 86400


def _ascii(email: str) -> str:
    """Shopify refuses non-ASCII addresses, so fold names like Ekström to ekstrom."""
    folded = unicodedata.normalize("NFKD", email).encode("ascii", "ignore").decode()
    return folded.lower()


def _words(text: str) -> list[str]:
    return text.split()


BUYER_TAG = "wholesale-buyer"
FIRST_NAMES = _words(
    "Avery Beatriz Caleb Dana Elena Farah Gideon Hana Iris Jonah Keiko Luca Mara Nadia Owen "
    "Priya Quinn Rosa Sami Tessa Umar Vera Wes Ximena Yara Zane Amara Bruno Clara Diego Esme "
    "Felix Greta Hugo Ines Jasper Lena Milo Nora Otto Pia Rafael Sofia Theo Uma Viktor Wren"
)
LAST_NAMES = _words(
    "Abbott Brennan Castillo Delacroix Ekström Fontaine Garrido Hollis Iwasaki Jansen Kowalski "
    "Lindqvist Moreau Nakamura Okafor Park Quintero Rasmussen Sato Thorne Ueda Vance Whitaker "
    "Yilmaz Zeller Achebe Bianchi Carver Dubois Eriksen Fischer Greene Haddad Ivers Kessler"
)
STORE_WORDS = _words(
    "Juniper Pine Willow Cedar Saffron Marigold Harbor Lantern Fern Copper Sparrow Thistle "
    "Indigo Clover Hazel Birch Sage Ember Linden Poppy Wren Magnolia Aster Meadow Quill"
)
KINDS = [
    "Boutique",
    "Outfitters",
    "Mercantile",
    "Supply Co.",
    "Goods",
    "Collective",
    "Atelier",
    "Trading Co.",
    "Studio",
    "Dry Goods",
    "Emporium",
    "General Store",
]
STREETS = (
    "Main Street",
    "Market Street",
    "Queen Street West",
    "Elm Avenue",
    "Harbour Road",
    "High Street",
    "Union Square",
    "Mill Lane",
    "Church Street",
    "King Street",
)
# country -> [(city, province code or "", zip pattern)]; "#" is a digit, "@" a letter.
CITIES: dict[str, list[tuple[str, str, str]]] = {
    "US": [
        ("Portland", "OR", "972##"),
        ("Austin", "TX", "787##"),
        ("Brooklyn", "NY", "112##"),
        ("Asheville", "NC", "288##"),
        ("Boulder", "CO", "803##"),
        ("Savannah", "GA", "314##"),
        ("Santa Fe", "NM", "875##"),
        ("Burlington", "VT", "054##"),
        ("Seattle", "WA", "981##"),
        ("Oakland", "CA", "946##"),
        ("Madison", "WI", "537##"),
        ("Chicago", "IL", "606##"),
    ],
    "CA": [
        ("Toronto", "ON", "M5V #@#"),
        ("Vancouver", "BC", "V6B #@#"),
        ("Montreal", "QC", "H2Y #@#"),
        ("Calgary", "AB", "T2P #@#"),
        ("Halifax", "NS", "B3H #@#"),
        ("Ottawa", "ON", "K1P #@#"),
    ],
    "GB": [
        ("London", "", "E2 #@@"),
        ("Bristol", "", "BS1 #@@"),
        ("Manchester", "", "M4 #@@"),
        ("Edinburgh", "", "EH1 #@@"),
    ],
    "DE": [("Berlin", "", "10###"), ("Hamburg", "", "20###")],
    "FR": [("Paris", "", "750##"), ("Lyon", "", "6900#")],
    "NL": [("Amsterdam", "", "10## @@")],
    "DK": [("Copenhagen", "", "1###")],
    "SE": [("Stockholm", "", "11# ##")],
    "IE": [("Dublin", "", "D0# @###")],
}
COUNTRY_WEIGHTS = {
    "US": 55,
    "CA": 20,
    "GB": 10,
    "DE": 3,
    "FR": 3,
    "NL": 3,
    "DK": 2,
    "SE": 2,
    "IE": 2,
}
CALLING_CODES = {
    "US": "1",
    "CA": "1",
    "GB": "44",
    "DE": "49",
    "FR": "33",
    "NL": "31",
    "DK": "45",
    "SE": "46",
    "IE": "353",
}
AREA_CODES = {
    "US": ["503", "512", "718", "828", "720", "912", "505", "802", "206", "510"],
    "CA": ["416", "604", "514", "403", "902", "613"],
}


def _fill(rng: random.Random, pattern: str) -> str:
    letters = "ABCEGHJKLMNPRSTVWXYZ"
    return "".join(
        str(rng.randrange(10)) if ch == "#" else rng.choice(letters) if ch == "@" else ch
        for ch in pattern
    )


def _phone(country: str, index: int, rng: random.Random) -> str:
    """A unique E.164 number: the customer's index makes the subscriber part distinct."""
    if CALLING_CODES[country] == "1":
        return f"+1{rng.choice(AREA_CODES.get(country, ['212']))}{2_000_000 + index}"
    return f"+{CALLING_CODES[country]}{700_000_000 + index}"


def _address(rng: random.Random, country: str, company: str | None) -> Record:
    city, province, zip_pattern = rng.choice(CITIES[country])
    return {
        "company": company,
        "address1": f"{rng.randrange(1, 2400)} {rng.choice(STREETS)}",
        "address2": f"Suite {rng.randrange(100, 900)}" if rng.random() < 0.3 else None,
        "city": city,
        "province": PROVINCES.get(country, {}).get(province) if province else None,
        "provinceCode": province or None,
        "country": COUNTRIES[country],
        "countryCodeV2": country,
        "zip": _fill(rng, zip_pattern),
    }


def seed_customers(shop: Shop, rng: random.Random, spec: SeedSpec) -> None:
    """Create ``spec.customers`` customers: about three in four are wholesale accounts."""
    clock_now = shop.clock()
    countries = list(COUNTRY_WEIGHTS)
    weights = list(COUNTRY_WEIGHTS.values())
    for index in range(spec.customers):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        country = rng.choices(countries, weights)[0]
        wholesale = rng.random() < 0.75
        created = clock_now - rng.randrange(1, 900) * DAY - rng.randrange(DAY)
        updated = min(clock_now - rng.randrange(60, 3600), created + rng.randrange(0, 120) * DAY)
        customer = new_customer(shop, iso(created))
        customer["updatedAt"] = iso(updated)
        customer["firstName"], customer["lastName"] = first, last
        customer["phone"] = _phone(country, index, rng) if rng.random() < 0.85 else None
        if wholesale:
            company = f"{rng.choice(STORE_WORDS)} & {rng.choice(STORE_WORDS)} {rng.choice(KINDS)}"
            domain = company.split(" & ")[0].lower()
            customer["email"] = _ascii(f"{first}.{last}.{index}@{domain}-shop.example.com")
            tags = ["wholesale"]
            if rng.random() < 0.85:
                tags.append(spec.sync_tag)
            if rng.random() < 0.6:
                tags.append(BUYER_TAG)
            customer["note"] = (
                f"Net 30 terms. Buyer: {first} {last}." if rng.random() < 0.4 else None
            )
            customer["taxExempt"] = rng.random() < 0.3
            stores = rng.randrange(0, 3)
        else:
            company = None
            customer["email"] = _ascii(f"{first}{index}@example.com")
            tags = rng.sample(["retail", "newsletter", "vip"], rng.randrange(0, 2))
            stores = 0
        customer["tags"] = sorted(set(tags), key=lambda t: (t.lower(), t))
        customer["displayName"] = display_name(customer)
        customer["_email_consent"] = default_consent("email")
        customer["_sms_consent"] = default_consent("sms") if customer["phone"] else None
        names = {"firstName": first, "lastName": last, "phone": customer["phone"]}
        # The head office (billing, default) first, then the stores it ships to.
        for _ in range(1 + stores):
            new_address(shop, customer, {**names, **_address(rng, country, company)})
        customer["_default_address"] = customer["_addresses"][0]
        if wholesale and rng.random() < 0.9:
            code = f"C-{10_000 + index}"
            new_metafield(
                shop,
                customer["id"],
                "wholesync",
                "customer_code",
                "single_line_text_field",
                code,
                customer["updatedAt"],
            )
