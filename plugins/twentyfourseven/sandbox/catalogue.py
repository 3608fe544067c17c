"""Fixed reference data of the sandbox company: tax codes, revenue accounts,
products, currencies and the vocabulary customers and addresses are built from.

The values follow Norwegian practice (VAT rates 25/15/12/0 %, SAF-T tax codes,
NS 4102 revenue accounts, real postal codes with their county), so reports built
on sandbox data look like reports on a real Norwegian ledger.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class TaxCode:
    id: int
    number: int
    rate: Decimal
    name: str

    def as_api(self) -> dict:
        return {"id": self.id, "number": self.number, "rate": self.rate}


@dataclass(frozen=True, slots=True)
class RevenueAccount:
    id: int
    number: int
    name: str

    def as_api(self) -> dict:
        return {"id": self.id, "number": self.number, "name": self.name}


@dataclass(frozen=True, slots=True)
class CatalogueProduct:
    id: int
    number: str
    name: str
    price: Decimal  # NOK, excluding VAT
    tax: TaxCode
    account: RevenueAccount
    unit_fraction: bool  # sold in fractional quantities (hours, kilos)


TAX_HIGH = TaxCode(1, 3, Decimal(25), "Utgående mva, alminnelig sats")
TAX_FOOD = TaxCode(2, 31, Decimal(15), "Utgående mva, middels sats (næringsmidler)")
TAX_LOW = TaxCode(3, 33, Decimal(12), "Utgående mva, lav sats (persontransport, overnatting)")
TAX_ZERO = TaxCode(4, 5, Decimal(0), "Innenlands omsetning, fritatt (nullsats)")
TAX_EXPORT = TaxCode(5, 52, Decimal(0), "Utførsel av varer og tjenester, nullsats")
TAX_CODES = (TAX_HIGH, TAX_FOOD, TAX_LOW, TAX_ZERO, TAX_EXPORT)
TAX_BY_ID = {tax.id: tax for tax in TAX_CODES}

ACC_GOODS = RevenueAccount(103000, 3000, "Salgsinntekt handelsvarer, avgiftspliktig")
ACC_SERVICES = RevenueAccount(103020, 3020, "Salgsinntekt tjenester, avgiftspliktig")
ACC_EXEMPT = RevenueAccount(103100, 3100, "Salgsinntekt, avgiftsfri")
ACC_EXPORT = RevenueAccount(103200, 3200, "Salgsinntekt, utenfor avgiftsområdet")
ACC_RENT = RevenueAccount(103600, 3600, "Leieinntekt")
ACCOUNTS = (ACC_GOODS, ACC_SERVICES, ACC_EXEMPT, ACC_EXPORT, ACC_RENT)

# (name, NOK price, tax, account, fractional quantities)
_PRODUCT_ROWS: tuple[tuple[str, str, TaxCode, RevenueAccount, bool], ...] = (
    ("Konsulenttime, senior", "1450.00", TAX_HIGH, ACC_SERVICES, True),
    ("Konsulenttime, junior", "950.00", TAX_HIGH, ACC_SERVICES, True),
    ("Prosjektledelse per time", "1650.00", TAX_HIGH, ACC_SERVICES, True),
    ("Support-avtale, månedlig", "2490.00", TAX_HIGH, ACC_SERVICES, False),
    ("Programvarelisens Office, årsabonnement", "3588.00", TAX_HIGH, ACC_SERVICES, False),
    ("Skylagring 1 TB, månedlig", "129.00", TAX_HIGH, ACC_SERVICES, False),
    ("Kontorstol Ergo Plus", "4299.00", TAX_HIGH, ACC_GOODS, False),
    ("Skrivebord hev/senk 160x80", "5990.00", TAX_HIGH, ACC_GOODS, False),
    ("Skjerm 27 tommer QHD", "3490.00", TAX_HIGH, ACC_GOODS, False),
    ("Bærbar PC 14 tommer", "12990.00", TAX_HIGH, ACC_GOODS, False),
    ("Dokkingstasjon USB-C", "1890.00", TAX_HIGH, ACC_GOODS, False),
    ("Trådløst tastatur", "549.00", TAX_HIGH, ACC_GOODS, False),
    ("Headset med støydemping", "1299.00", TAX_HIGH, ACC_GOODS, False),
    ("Kopipapir A4, 5 x 500 ark", "289.90", TAX_HIGH, ACC_GOODS, False),
    ("Blekkpatron sort XL", "399.00", TAX_HIGH, ACC_GOODS, False),
    ("Arbeidsjakke vinter", "1199.00", TAX_HIGH, ACC_GOODS, False),
    ("Vernesko S3", "1349.00", TAX_HIGH, ACC_GOODS, False),
    ("Malingsspann 10 l, hvit", "1049.50", TAX_HIGH, ACC_GOODS, False),
    ("Trelast 48x98 per løpemeter", "32.45", TAX_HIGH, ACC_GOODS, True),
    ("Skruer 5x60, 250 stk", "219.00", TAX_HIGH, ACC_GOODS, False),
    ("Installasjon og montering", "890.00", TAX_HIGH, ACC_SERVICES, True),
    ("Servicebesøk", "1250.00", TAX_HIGH, ACC_SERVICES, False),
    ("Kurs: Regnskap for ledere", "6900.00", TAX_HIGH, ACC_SERVICES, False),
    ("Leie av møterom per dag", "3500.00", TAX_ZERO, ACC_RENT, False),
    ("Kaffe hele bønner 1 kg", "249.00", TAX_FOOD, ACC_GOODS, True),
    ("Fruktkurv til kontoret", "399.00", TAX_FOOD, ACC_GOODS, False),
    ("Lunsjcatering per kuvert", "189.00", TAX_FOOD, ACC_GOODS, False),
    ("Mineralvann 0,5 l, 24 stk", "312.00", TAX_FOOD, ACC_GOODS, False),
    ("Laks, fersk filet per kg", "229.90", TAX_FOOD, ACC_GOODS, True),
    ("Brunost 1 kg", "139.00", TAX_FOOD, ACC_GOODS, True),
    ("Hotellovernatting enkeltrom", "1590.00", TAX_LOW, ACC_SERVICES, False),
    ("Persontransport, flybuss", "199.00", TAX_LOW, ACC_SERVICES, False),
    ("Kinobilletter firmaarrangement", "145.00", TAX_LOW, ACC_SERVICES, False),
    ("Inngang museum, gruppe", "120.00", TAX_LOW, ACC_SERVICES, False),
    ("Avis, digitalt abonnement", "299.00", TAX_ZERO, ACC_EXEMPT, False),
    ("Fagbok: Norsk skatterett", "899.00", TAX_ZERO, ACC_EXEMPT, False),
    ("Elbil-lading, kWh", "4.85", TAX_HIGH, ACC_GOODS, True),
    ("Frakt", "149.00", TAX_HIGH, ACC_SERVICES, False),
    ("Gebyr for fakturering", "49.00", TAX_HIGH, ACC_SERVICES, False),
    ("Emballasje og pakking", "75.00", TAX_HIGH, ACC_GOODS, False),
)

PRODUCTS: tuple[CatalogueProduct, ...] = tuple(
    CatalogueProduct(
        id=1001 + n,
        number=f"P-{1001 + n}",
        name=name,
        price=Decimal(price),
        tax=tax,
        account=account,
        unit_fraction=fractional,
    )
    for n, (name, price, tax, account, fractional) in enumerate(_PRODUCT_ROWS)
)
PRODUCT_BY_ID = {product.id: product for product in PRODUCTS}

# --- master data: what /taxes, /accounts and /productcategories serve beyond the above ---

# Tax codes no generated line uses (input VAT, none), listed by /taxes all the same.
TAX_NONE = TaxCode(0, 0, Decimal(0), "Ingen mva-behandling")
TAX_INPUT_HIGH = TaxCode(6, 1, Decimal(25), "Fradrag inngående mva, alminnelig sats")
TAX_INPUT_FOOD = TaxCode(7, 11, Decimal(15), "Fradrag inngående mva, middels sats")
ALL_TAX_CODES = (TAX_NONE, *TAX_CODES, TAX_INPUT_HIGH, TAX_INPUT_FOOD)

# Every account /accounts lists, with the tax code it carries (``taxId``).
ACCOUNT_TAX: tuple[tuple[RevenueAccount, TaxCode], ...] = (
    (RevenueAccount(101500, 1500, "Kundefordringer"), TAX_NONE),
    (RevenueAccount(101920, 1920, "Bankinnskudd"), TAX_NONE),
    (RevenueAccount(102700, 2700, "Utgående merverdiavgift, høy sats"), TAX_NONE),
    (ACC_GOODS, TAX_HIGH),
    (ACC_SERVICES, TAX_HIGH),
    (ACC_EXEMPT, TAX_ZERO),
    (ACC_EXPORT, TAX_EXPORT),
    (ACC_RENT, TAX_ZERO),
    (RevenueAccount(104000, 4000, "Innkjøp av varer for videresalg"), TAX_INPUT_HIGH),
    (RevenueAccount(106300, 6300, "Leie lokale"), TAX_NONE),
)


@dataclass(frozen=True, slots=True)
class Category:
    id: int
    name: str
    parent_id: int  # 0: a root
    reference: str  # the API's alternativeReference


# A tree four levels deep at most; ``EMBALLASJE`` is deleted in every data set (a
# product still points at it).
CATEGORIES: tuple[Category, ...] = (
    Category(1, "Tjenester", 0, "TJ"),
    Category(2, "Konsulenttjenester", 1, "TJ-KONS"),
    Category(3, "Rådgivning", 2, "TJ-KONS-RAD"),
    Category(4, "Kurs og opplæring", 2, "TJ-KONS-KURS"),
    Category(5, "Drift og support", 1, "TJ-DRIFT"),
    Category(6, "Programvare og sky", 5, "TJ-DRIFT-SW"),
    Category(7, "Service og montering", 5, "TJ-DRIFT-SERV"),
    Category(8, "Reise og opplevelser", 1, "TJ-REISE"),
    Category(9, "Overnatting", 8, "TJ-REISE-HOT"),
    Category(10, "Transport", 8, "TJ-REISE-TRANS"),
    Category(11, "Arrangementer", 8, "TJ-REISE-ARR"),
    Category(12, "Gebyrer og frakt", 1, "TJ-GEB"),
    Category(13, "Varer", 0, "VA"),
    Category(14, "Kontor", 13, "VA-KONT"),
    Category(15, "Møbler", 14, "VA-KONT-MOB"),
    Category(16, "IT-utstyr", 14, "VA-KONT-IT"),
    Category(17, "Skjermer og PC", 16, "VA-KONT-IT-PC"),
    Category(18, "Tilbehør", 16, "VA-KONT-IT-TILB"),
    Category(19, "Rekvisita", 14, "VA-KONT-REK"),
    Category(20, "Bygg og anlegg", 13, "VA-BYGG"),
    Category(21, "Arbeidsklær", 20, "VA-BYGG-KLAER"),
    Category(22, "Byggevarer", 20, "VA-BYGG-VARER"),
    Category(23, "Energi", 13, "VA-ENERGI"),
    Category(24, "Mat og drikke", 13, "VA-MAT"),
    Category(25, "Kantine", 24, "VA-MAT-KANT"),
    Category(26, "Ferskvare", 24, "VA-MAT-FERSK"),
    Category(27, "Media og litteratur", 0, "ML"),
    Category(28, "Utleie", 0, "UT"),
    Category(29, "Emballasje", 19, "VA-KONT-REK-EMB"),
)
DELETED_CATEGORY_IDS = frozenset({29})

# (id, name, symbol)
UNITS = {
    "stk": (1, "Stykk", "stk"),
    "t": (2, "Time", "t"),
    "kg": (3, "Kilogram", "kg"),
    "m": (4, "Meter", "m"),
    "kWh": (5, "Kilowattime", "kWh"),
    "mnd": (6, "Måned", "mnd"),
}

# Category and unit of each product, in the order of ``_PRODUCT_ROWS``.
_PRODUCT_PLACES: tuple[tuple[int, str], ...] = (
    (3, "t"), (3, "t"), (3, "t"), (6, "mnd"), (6, "stk"), (6, "mnd"),
    (15, "stk"), (15, "stk"), (17, "stk"), (17, "stk"), (18, "stk"), (18, "stk"),
    (18, "stk"), (19, "stk"), (19, "stk"), (21, "stk"), (21, "stk"), (22, "stk"),
    (22, "m"), (22, "stk"), (7, "t"), (7, "stk"), (4, "stk"), (28, "stk"),
    (25, "kg"), (25, "stk"), (25, "stk"), (25, "stk"), (26, "kg"), (26, "kg"),
    (9, "stk"), (10, "stk"), (11, "stk"), (11, "stk"), (27, "mnd"), (27, "stk"),
    (23, "kWh"), (12, "stk"), (12, "stk"), (29, "stk"),
)  # fmt: skip
PRODUCT_PLACES: dict[int, tuple[int, str]] = {
    product.id: place for product, place in zip(PRODUCTS, _PRODUCT_PLACES, strict=True)
}

# NOK per unit of the currency, around 2023-2025; each month moves a little.
CURRENCY_RATES: dict[str, Decimal] = {
    "SEK": Decimal("0.9850"),
    "DKK": Decimal("1.5580"),
    "EUR": Decimal("11.6200"),
    "GBP": Decimal("13.5400"),
    "USD": Decimal("10.7300"),
}
# country code → currency of a foreign customer
FOREIGN_COUNTRIES: dict[str, str] = {
    "SE": "SEK",
    "DK": "DKK",
    "DE": "EUR",
    "NL": "EUR",
    "GB": "GBP",
    "US": "USD",
}

# (postal code, postal area/city, county)
NORWEGIAN_PLACES: tuple[tuple[str, str, str], ...] = (
    ("0150", "Oslo", "Oslo"),
    ("0368", "Oslo", "Oslo"),
    ("0580", "Oslo", "Oslo"),
    ("1366", "Lysaker", "Akershus"),
    ("1364", "Fornebu", "Akershus"),
    ("1406", "Ski", "Akershus"),
    ("2000", "Lillestrøm", "Akershus"),
    ("5003", "Bergen", "Vestland"),
    ("5221", "Nesttun", "Vestland"),
    ("5527", "Haugesund", "Rogaland"),
    ("4006", "Stavanger", "Rogaland"),
    ("4313", "Sandnes", "Rogaland"),
    ("7010", "Trondheim", "Trøndelag"),
    ("7600", "Levanger", "Trøndelag"),
    ("9008", "Tromsø", "Troms"),
    ("9510", "Alta", "Finnmark"),
    ("8006", "Bodø", "Nordland"),
    ("8514", "Narvik", "Nordland"),
    ("3015", "Drammen", "Buskerud"),
    ("3110", "Tønsberg", "Vestfold"),
    ("3256", "Larvik", "Vestfold"),
    ("3724", "Skien", "Telemark"),
    ("4610", "Kristiansand", "Agder"),
    ("4836", "Arendal", "Agder"),
    ("2317", "Hamar", "Innlandet"),
    ("2815", "Gjøvik", "Innlandet"),
    ("2609", "Lillehammer", "Innlandet"),
    ("1606", "Fredrikstad", "Østfold"),
    ("1530", "Moss", "Østfold"),
    ("6002", "Ålesund", "Møre og Romsdal"),
    ("6413", "Molde", "Møre og Romsdal"),
    ("6800", "Førde", "Vestland"),
)

FOREIGN_PLACES: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    # (street, postal code, city, subdivision)
    "SE": (("Drottninggatan 12", "111 51", "Stockholm", "Stockholms län"),),
    "DK": (("Vesterbrogade 45", "1620", "København V", "Hovedstaden"),),
    "DE": (("Friedrichstraße 101", "10117", "Berlin", "Berlin"),),
    "NL": (("Keizersgracht 210", "1016 DX", "Amsterdam", "Noord-Holland"),),
    "GB": (("12 King Street", "M2 4WU", "Manchester", "England"),),
    "US": (("500 Pine Street", "98101", "Seattle", "WA"),),
}

STREETS = (
    "Storgata",
    "Kirkegata",
    "Parkveien",
    "Strandgata",
    "Industriveien",
    "Skolegata",
    "Dronningens gate",
    "Kongens gate",
    "Bryggen",
    "Fjordveien",
    "Sjøgata",
    "Torggata",
    "Havnegata",
    "Nedre Slottsgate",
    "Markveien",
    "Løkkeveien",
    "Bjørnstjerne Bjørnsons gate",
    "Smålensgata",
    "Solheimsgaten",
    "Tollbodgata",
)

COMPANY_FIRST = (
    "Nordlys",
    "Fjord",
    "Vestkyst",
    "Fjell",
    "Havbris",
    "Solberg",
    "Bjørke",
    "Lindeberg",
    "Trollheim",
    "Nordkapp",
    "Granlund",
    "Østmark",
    "Sørlandet",
    "Vikingskip",
    "Polar",
    "Kystlys",
    "Midnattsol",
    "Elvebakken",
    "Skogheim",
    "Dalen",
    "Berg",
    "Strand",
    "Holm",
    "Haugen",
)
COMPANY_SECOND = (
    "Bygg",
    "Regnskap",
    "Teknikk",
    "Consulting",
    "Elektro",
    "Handel",
    "Maritime",
    "Transport",
    "Eiendom",
    "Data",
    "Fisk",
    "Mat",
    "Design",
    "Rør",
    "Maskin",
    "Media",
    "Helse",
    "Energi",
)
COMPANY_FORMS = ("AS", "AS", "AS", "AS", "ASA", "ANS", "DA", "SA")
FOREIGN_COMPANY = {
    "SE": ("Nordic Trade", "AB"),
    "DK": ("Dansk Handel", "ApS"),
    "DE": ("Technik Vertrieb", "GmbH"),
    "NL": ("Holland Logistics", "B.V."),
    "GB": ("Northern Supplies", "Ltd"),
    "US": ("Pacific Imports", "Inc."),
}

FIRST_NAMES = (
    "Ola",
    "Kari",
    "Nora",
    "Jakob",
    "Emma",
    "Lars",
    "Ingrid",
    "Henrik",
    "Sofie",
    "Magnus",
    "Ida",
    "Sindre",
    "Thea",
    "Eirik",
    "Hanne",
    "Per",
)
LAST_NAMES = (
    "Hansen",
    "Johansen",
    "Olsen",
    "Larsen",
    "Andersen",
    "Pedersen",
    "Nilsen",
    "Kristiansen",
    "Jensen",
    "Karlsen",
    "Berg",
    "Haugen",
    "Bakken",
    "Solberg",
)

TEXT_LINES = (
    "Levering avtalt uke 23.",
    "Takk for handelen!",
    "Gjelder avtale inngått på telefon.",
    "Merk pakken med bestillingsnummer.",
    "Arbeid utført i henhold til tilbud.",
    "Reiseutgifter etter regning.",
    "Rabatt gitt som avtalt.",
    "Ordren leveres i to forsendelser.",
)

MEMOS = (
    "Hastelevering.",
    "Leveres til varemottak.",
    "Kunden henter selv.",
    "Faktura sendes på e-post.",
    "Rammeavtale 2024.",
)
INTERNAL_MEMOS = (
    "Kunden ønsker spesialemballasje.",
    "Sjekk kredittgrense før levering.",
    "Avtalt pris, ikke endre.",
    "Følg opp betaling.",
)

DIMENSIONS = (
    {"dimensionType": 1, "value": "10", "name": "Salg"},
    {"dimensionType": 1, "value": "20", "name": "Service"},
    {"dimensionType": 1, "value": "30", "name": "Prosjekt"},
    {"dimensionType": 2, "value": "1301", "name": "Prosjekt 1301 Kontorflytting"},
    {"dimensionType": 2, "value": "1402", "name": "Prosjekt 1402 Nettbutikk"},
)

SALES_TYPES = (-100, -100, -100, -99, 10)
