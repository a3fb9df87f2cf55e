"""Countries and their provinces, the way Shopify names them in mailing addresses.

Every ``CountryCode`` the schema accepts has a display name here. Provinces (Shopify calls them
zones) are listed for the countries whose addresses the simulator validates zone by zone; for
any other country a province is dropped, as Shopify does for countries without zones.
"""

from __future__ import annotations

from typing import Any


def _table(text: str) -> dict[str, str]:
    pairs = (entry.strip().split(" ", 1) for entry in text.split("|") if entry.strip())
    return {code: name for code, name in pairs}


COUNTRIES = _table(
    "AF Afghanistan|AX Åland Islands|AL Albania|DZ Algeria|AD Andorra|AO Angola|AI Anguilla"
    "|AG Antigua & Barbuda|AR Argentina|AM Armenia|AW Aruba|AC Ascension Island|AU Australia"
    "|AT Austria|AZ Azerbaijan|BS Bahamas|BH Bahrain|BD Bangladesh|BB Barbados|BY Belarus"
    "|BE Belgium|BZ Belize|BJ Benin|BM Bermuda|BT Bhutan|BO Bolivia|BA Bosnia & Herzegovina"
    "|BW Botswana|BV Bouvet Island|BR Brazil|IO British Indian Ocean Territory|BN Brunei"
    "|BG Bulgaria|BF Burkina Faso|BI Burundi|KH Cambodia|CA Canada|CV Cape Verde"
    "|BQ Caribbean Netherlands|KY Cayman Islands|CF Central African Republic|TD Chad|CL Chile"
    "|CN China|CX Christmas Island|CC Cocos (Keeling) Islands|CO Colombia|KM Comoros"
    "|CG Congo - Brazzaville|CD Congo - Kinshasa|CK Cook Islands|CR Costa Rica|HR Croatia"
    "|CU Cuba|CW Curaçao|CY Cyprus|CZ Czechia|CI Côte d\u2019Ivoire|DK Denmark|DJ Djibouti"
    "|DM Dominica|DO Dominican Republic|EC Ecuador|EG Egypt|SV El Salvador"
    "|GQ Equatorial Guinea|ER Eritrea|EE Estonia|SZ Eswatini|ET Ethiopia|FK Falkland Islands"
    "|FO Faroe Islands|FJ Fiji|FI Finland|FR France|GF French Guiana|PF French Polynesia"
    "|TF French Southern Territories|GA Gabon|GM Gambia|GE Georgia|DE Germany|GH Ghana"
    "|GI Gibraltar|GR Greece|GL Greenland|GD Grenada|GP Guadeloupe|GT Guatemala|GG Guernsey"
    "|GN Guinea|GW Guinea-Bissau|GY Guyana|HT Haiti|HM Heard & McDonald Islands"
    "|VA Vatican City|HN Honduras|HK Hong Kong SAR|HU Hungary|IS Iceland|IN India"
    "|ID Indonesia|IR Iran|IQ Iraq|IE Ireland|IM Isle of Man|IL Israel|IT Italy|JM Jamaica"
    "|JP Japan|JE Jersey|JO Jordan|KZ Kazakhstan|KE Kenya|KI Kiribati|KP North Korea"
    "|XK Kosovo|KW Kuwait|KG Kyrgyzstan|LA Laos|LV Latvia|LB Lebanon|LS Lesotho|LR Liberia"
    "|LY Libya|LI Liechtenstein|LT Lithuania|LU Luxembourg|MO Macao SAR|MG Madagascar"
    "|MW Malawi|MY Malaysia|MV Maldives|ML Mali|MT Malta|MQ Martinique|MR Mauritania"
    "|MU Mauritius|YT Mayotte|MX Mexico|MD Moldova|MC Monaco|MN Mongolia|ME Montenegro"
    "|MS Montserrat|MA Morocco|MZ Mozambique|MM Myanmar (Burma)|NA Namibia|NR Nauru|NP Nepal"
    "|NL Netherlands|AN Netherlands Antilles|NC New Caledonia|NZ New Zealand|NI Nicaragua"
    "|NE Niger|NG Nigeria|NU Niue|NF Norfolk Island|MK North Macedonia|NO Norway|OM Oman"
    "|PK Pakistan|PS Palestinian Territories|PA Panama|PG Papua New Guinea|PY Paraguay"
    "|PE Peru|PH Philippines|PN Pitcairn Islands|PL Poland|PT Portugal|QA Qatar|CM Cameroon"
    "|RE Réunion|RO Romania|RU Russia|RW Rwanda|BL St. Barthélemy|SH St. Helena"
    "|KN St. Kitts & Nevis|LC St. Lucia|MF St. Martin|PM St. Pierre & Miquelon|WS Samoa"
    "|SM San Marino|ST São Tomé & Príncipe|SA Saudi Arabia|SN Senegal|RS Serbia"
    "|SC Seychelles|SL Sierra Leone|SG Singapore|SX Sint Maarten|SK Slovakia|SI Slovenia"
    "|SB Solomon Islands|SO Somalia|ZA South Africa|GS South Georgia & South Sandwich Islands"
    "|KR South Korea|SS South Sudan|ES Spain|LK Sri Lanka|VC St. Vincent & Grenadines"
    "|SD Sudan|SR Suriname|SJ Svalbard & Jan Mayen|SE Sweden|CH Switzerland|SY Syria"
    "|TW Taiwan|TJ Tajikistan|TZ Tanzania|TH Thailand|TL Timor-Leste|TG Togo|TK Tokelau"
    "|TO Tonga|TT Trinidad & Tobago|TA Tristan da Cunha|TN Tunisia|TR Türkiye"
    "|TM Turkmenistan|TC Turks & Caicos Islands|TV Tuvalu|UG Uganda|UA Ukraine"
    "|AE United Arab Emirates|GB United Kingdom|US United States|UM U.S. Outlying Islands"
    "|UY Uruguay|UZ Uzbekistan|VU Vanuatu|VE Venezuela|VN Vietnam|VG British Virgin Islands"
    "|WF Wallis & Futuna|EH Western Sahara|YE Yemen|ZM Zambia|ZW Zimbabwe"
)

PROVINCES: dict[str, dict[str, str]] = {
    "US": _table(
        "AL Alabama|AK Alaska|AS American Samoa|AZ Arizona|AR Arkansas|CA California"
        "|CO Colorado|CT Connecticut|DE Delaware|DC District of Columbia"
        "|FM Federated States of Micronesia|FL Florida|GA Georgia|GU Guam|HI Hawaii|ID Idaho"
        "|IL Illinois|IN Indiana|IA Iowa|KS Kansas|KY Kentucky|LA Louisiana|ME Maine"
        "|MH Marshall Islands|MD Maryland|MA Massachusetts|MI Michigan|MN Minnesota"
        "|MS Mississippi|MO Missouri|MT Montana|NE Nebraska|NV Nevada|NH New Hampshire"
        "|NJ New Jersey|NM New Mexico|NY New York|NC North Carolina|ND North Dakota"
        "|MP Northern Mariana Islands|OH Ohio|OK Oklahoma|OR Oregon|PW Palau|PA Pennsylvania"
        "|PR Puerto Rico|RI Rhode Island|SC South Carolina|SD South Dakota|TN Tennessee"
        "|TX Texas|UT Utah|VT Vermont|VI U.S. Virgin Islands|VA Virginia|WA Washington"
        "|WV West Virginia|WI Wisconsin|WY Wyoming|AA Armed Forces Americas"
        "|AE Armed Forces Europe|AP Armed Forces Pacific"
    ),
    "CA": _table(
        "AB Alberta|BC British Columbia|MB Manitoba|NB New Brunswick"
        "|NL Newfoundland and Labrador|NT Northwest Territories|NS Nova Scotia|NU Nunavut"
        "|ON Ontario|PE Prince Edward Island|QC Quebec|SK Saskatchewan|YT Yukon"
    ),
    "AU": _table(
        "ACT Australian Capital Territory|NSW New South Wales|NT Northern Territory"
        "|QLD Queensland|SA South Australia|TAS Tasmania|VIC Victoria|WA Western Australia"
    ),
}

_COUNTRY_BY_NAME = {name.lower(): code for code, name in COUNTRIES.items()}


def country_code(value: str | None) -> str | None:
    """The ISO code for a country given by code or by name; ``None`` if unknown."""
    if not value:
        return None
    text = value.strip()
    if text.upper() in COUNTRIES:
        return text.upper()
    return _COUNTRY_BY_NAME.get(text.lower())


def has_zones(country: str) -> bool:
    return country in PROVINCES


def province_code(country: str, value: str | None) -> str | None:
    """The zone code for a province given by code or name within ``country``."""
    if not value:
        return None
    zones = PROVINCES.get(country, {})
    text = value.strip()
    if text.upper() in zones:
        return text.upper()
    for code, name in zones.items():
        if name.lower() == text.lower():
            return code
    return None


def province_name(country: str | None, code: str | None) -> str | None:
    if not country or not code:
        return None
    return PROVINCES.get(country, {}).get(code)


def formatted_area(address: dict[str, Any]) -> str | None:
    """``"Ottawa ON, Canada"``: city and zone code, then country, without repeats."""
    locality = " ".join(p for p in (address.get("city"), address.get("provinceCode")) if p)
    parts: list[str] = []
    for part in (locality, address.get("country")):
        if part and (not parts or parts[-1] != part):
            parts.append(part)
    return ", ".join(parts) or None


def formatted_lines(
    address: dict[str, Any], with_name: bool = False, with_company: bool = True
) -> list[str]:
    """The address as printed on a label, one line per entry."""
    lines: list[str | None] = []
    if with_name:
        lines.append(address.get("name"))
    if with_company:
        lines.append(address.get("company"))
    lines += [address.get("address1"), address.get("address2")]
    locality = (address.get("city"), address.get("provinceCode"), address.get("zip"))
    lines.append(" ".join(p for p in locality if p))
    lines.append(address.get("country"))
    return [line for line in lines if line]
