"""The demo's month (`remit demo`): a two-currency invoice book and the payments of November
2026, as plain data; benchmarks/generate_demo.py renders them as bank files.

Deterministic (a seeded Random; nothing reads the clock). The book: EUR customers in Germany,
the Netherlands, France and Austria paying by SEPA transfer (reported in a weekly camt.053 and
an intraday camt.054), and USD customers in the US paying by wire (a weekly BAI2 report), ACH
CCD+ (a NACHA receipt file) or check (a lockbox file). Most payments name their invoices and
pay them exactly, some in one payment for several, some after an earned early-payment
discount or short by bank charges: strong evidence, applied by remit on its own. A few
are written to need a person, one of each kind a reviewer meets (`_specials`), and a few
bookings are no receivables at all (outgoing payments, our own payment sent back).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

SEED = 2026_11
MONTH_START, MONTH_END = date(2026, 11, 2), date(2026, 11, 27)
EUR_ACCOUNT = "DE89370400440532013000"  # ours
USD_ACCOUNT, USD_BANK = "4471002233", "026015079"
CENT = Decimal("0.01")


@dataclass(frozen=True)
class CustomerSpec:
    id: str
    name: str
    currency: str
    channel: str  # sepa | wire | ach | check
    account: str  # IBAN, "ABA:<routing>:<account>" or "ACH-CO:<company id>"
    bank_name: str  # how the bank writes the payer's name
    terms: str = "net 30"
    batches: bool = False  # pays a week's invoices in one payment
    style: str = "INV-{n}"  # how the remittance names an invoice
    fee: Decimal = Decimal(0)  # bank charges deducted by the payer's bank (cross-border)


@dataclass
class InvoiceSpec:
    number: str
    customer: CustomerSpec
    amount: Decimal
    issue: date
    due: date
    terms: str
    open_amount: Decimal
    po: str = ""


@dataclass
class PaymentSpec:
    """One booking on our account (credit unless `direction` says otherwise)."""

    currency: str
    amount: Decimal
    day: date  # value date (for the weekly USD reports: the report's date)
    channel: str
    payer: str | None
    account: str | None
    remittance: tuple[str, ...] = ()
    invoices: tuple[str, ...] = ()  # what it pays, by the story (never read by remit)
    direction: str = "credit"
    e2e: str | None = None
    return_of: str | None = None  # end-to-end id of the payment it returns
    return_code: str | None = None
    story: str = "pays its invoices"
    ref: str = ""  # bank reference, assigned by the renderer


def _rib(bank: str, branch: str, account: str) -> str:
    """A French BBAN: bank, branch, account and its RIB key (digits-only accounts)."""
    key = 97 - (89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97
    return f"{bank}{branch}{account}{key:02d}"


def _iban(country: str, bban: str) -> str:
    digits = "".join(str(int(c, 36)) for c in bban + country) + "00"
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


_EUR = [  # id, legal name, bank's spelling, country, terms, batches, style, fee
    ("C-2001", "Northwind Traders GmbH", "NORTHWIND TRADERS GMBH", "DE", "net 30", True, "INV-{n}", 0),
    ("C-2002", "Brauerei Kessler AG", "Brauerei Kessler", "DE", "2/10 net 30", False, "Rechnung {N}", 0),
    ("C-2003", "Van der Berg Logistiek B.V.", "VAN DER BERG LOGISTIEK BV", "NL", "net 30", True, "Factuur {N}", 0),
    ("C-2004", "Maison Lefèvre SARL", "MAISON LEFEVRE", "FR", "net 45", False, "Facture {N}", 0),
    ("C-2005", "Alpen Möbel GmbH", "ALPEN MOEBEL GMBH", "AT", "net 30", False, "INV {n}", 0),
    ("C-2006", "Hansa Kontor KG", "Hansa Kontor KG", "DE", "1%15 net 45", True, "INV-{n}", 0),
    ("C-2007", "Rotterdam Marine Supplies B.V.", "ROTTERDAM MARINE SUPPL", "NL", "net 30", False, "{N}", 0),
    ("C-2008", "Lucerne Publishing AG", "LUCERNE PUBLISHING AG", "CH", "net 30", False, "INV-{n}", 12.50),
    ("C-2009", "Trey Research SA", "TREY RESEARCH SA", "FR", "net 30", True, "Ref {N}", 0),
    ("C-2010", "Alpine Ski House GmbH", "ALPINE SKI HOUSE", "AT", "2/10 net 30", False, "INV-{n}", 0),
    ("C-2011", "Fabrikam Europe GmbH", "FABRIKAM EUROPE GMBH", "DE", "net 30", False, "INV-{n}", 0),
    ("C-2012", "Contoso Pharma B.V.", "CONTOSO PHARMA BV", "NL", "net 60", True, "INV-{n}", 0),
    ("C-2013", "Bäckerei Sommer OHG", "BAECKEREI SOMMER OHG", "DE", "net 14", False, "Re-Nr {N}", 0),
    ("C-2014", "Atelier Dubois SAS", "ATELIER DUBOIS", "FR", "net 30", False, "INV-{n}", 0),
    ("C-2015", "Wingtip Toys Europe GmbH", "WINGTIP TOYS EUROPE", "DE", "net 30", False, "INV-{n}", 0),
    ("C-2016", "Graphic Design Institute GmbH", "GRAPHIC DESIGN INSTITUTE", "DE", "2/10 net 30", False, "INV-{n}", 0),
    ("C-2017", "Stadtwerke Lindau GmbH", "STADTWERKE LINDAU", "DE", "net 30", True, "INV-{n}", 0),
    ("C-2018", "Coho Vineyard SARL", "COHO VINEYARD", "FR", "net 30", False, "Facture {N}", 0),
    ("C-2019", "Tailspin Aviation GmbH", "Tailspin Aviation", "AT", "net 30", False, "INV-{n}", 0),
    ("C-2020", "Proseware Nederland B.V.", "PROSEWARE NEDERLAND", "NL", "net 30", False, "INV-{n}", 0),
    ("C-2021", "Adatum Kft.", "ADATUM KFT", "HU", "net 30", False, "INV-{n}", 9.00),
]
_USD = [  # id, legal name, bank's spelling, channel, terms, batches, style
    ("C-5001", "Blue Yonder Airlines Inc.", "BLUE YONDER AIRLINES", "wire", "net 30", True, "INV-{n}"),
    ("C-5002", "Litware Inc.", "LITWARE INC", "ach", "net 30", False, "INV-{n}"),
    ("C-5003", "Margie's Travel LLC", "MARGIES TRAVEL", "check", "net 30", False, "INV-{n}"),
    ("C-5004", "Woodgrove Outfitters Corp.", "WOODGROVE OUTFITTERS", "wire", "2/10 net 30", False, "INV-{n}"),
    ("C-5005", "Humongous Insurance Co.", "HUMONGOUS INSURANCE", "ach", "net 45", True, "INV-{n}"),
    ("C-5006", "Southridge Video LLC", "SOUTHRIDGE VIDEO", "check", "net 30", False, "Inv {n}"),
    ("C-5007", "Lamna Healthcare Company", "LAMNA HEALTHCARE CO", "wire", "net 30", False, "INV-{n}"),
    ("C-5008", "Relecloud Inc.", "RELECLOUD INC", "ach", "net 30", False, "INV-{n}"),
    ("C-5009", "Fourth Coffee Corp.", "FOURTH COFFEE", "check", "net 30", False, "INV-{n}"),
    ("C-5010", "Tailwind Traders Inc.", "TAILWIND TRADERS INC", "wire", "net 30", True, "INV-{n}"),
    ("C-5011", "VanArsdel Ltd.", "VANARSDEL LTD", "ach", "net 30", False, "INV-{n}"),
    ("C-5012", "Consolidated Messenger Inc.", "CONSOLIDATED MESSENGER", "wire", "net 30", False, "INV-{n}"),
    ("C-5013", "Wide World Importers LLC", "WIDE WORLD IMPORTERS", "check", "net 30", False, "INV-{n}"),
    ("C-5014", "Best For You Organics Co.", "BEST FOR YOU ORGANICS", "ach", "2/10 net 30", False, "INV-{n}"),
]
_BANKS = {"DE": "37040044", "NL": "INGB", "FR": "2004101005", "AT": "12000", "CH": "00762", "HU": "11773016"}


def customers() -> list[CustomerSpec]:
    out = []
    for i, (cid, name, bank_name, country, terms, batches, style, fee) in enumerate(_EUR):
        bban = {"DE": f"37040044{5320130 + i * 7919:010d}", "NL": f"INGB{6541000 + i * 311:010d}",
                "FR": _rib("20041", "01005", f"{5000000 + i * 91:011d}"), "AT": f"12000{10000000000 + i * 97:011d}",
                "CH": f"00762{11623852957 + i:012d}", "HU": f"117730161111101{8000000 + i:09d}"}[country]
        out.append(CustomerSpec(cid, name, "EUR", "sepa", _iban(country, bban), bank_name, terms, batches, style,
                                Decimal(str(fee)).quantize(CENT)))
    for i, (cid, name, bank_name, channel, terms, batches, style) in enumerate(_USD):
        routing = ("021000021", "026009593", "121000248", "011000138", "071000013")[i % 5]
        account = (f"ACH-CO:{1000000000 + 4471 * (i + 1)}" if channel == "ach"
                   else f"ABA:{routing}:{880000100 + i * 37}")
        out.append(CustomerSpec(cid, name, "USD", channel, account, bank_name, terms, batches, style))
    return out


def _terms_days(terms: str) -> int:
    return int(terms.rsplit(" ", 1)[1])


def _business(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


@dataclass
class Month:
    customers: list[CustomerSpec]
    invoices: list[InvoiceSpec]
    payments: list[PaymentSpec]


def build() -> Month:
    rng = random.Random(SEED)
    cs = customers()
    invoices: list[InvoiceSpec] = []
    number = 30_100
    # Ordinary customers: an invoice every 6..12 days from early September to late November.
    for c in cs:
        if c.id in _SPECIAL_BOOKS:
            continue
        day = date(2026, 9, 1) + timedelta(days=rng.randrange(0, 8))
        while day <= date(2026, 11, 25):
            amount = (Decimal(rng.randrange(35_000, 1_250_000)) / 100).quantize(CENT)
            due = day + timedelta(days=_terms_days(c.terms))
            invoices.append(InvoiceSpec(f"INV-{number}", c, amount, day, due, c.terms, amount,
                                        po=f"PO-{rng.randrange(4000, 9999)}" if rng.random() < 0.3 else ""))
            number += 1
            day += timedelta(days=rng.randrange(4, 10))
    payments = _ordinary_payments(rng, invoices)
    specials = _specials(cs, invoices, payments, number)
    return Month(cs, sorted(invoices, key=lambda i: i.number), payments + specials)


def _pay_day(rng: random.Random, inv: InvoiceSpec) -> date:
    if inv.terms.startswith(("2/10", "1%15")):
        return _business(inv.issue + timedelta(days=rng.randrange(3, 6)))
    return _business(inv.due + timedelta(days=rng.randrange(-4, 9)))


def _report_day(c: CustomerSpec, day: date) -> date:
    """The value date remit sees: the day itself for SEPA; the next weekly report (BAI2,
    Friday), the next NACHA receipt file or the next lockbox deposit for the others."""
    if c.channel == "sepa":
        return day
    dates = {"wire": [date(2026, 11, d) for d in (6, 13, 20, 27)],
             "ach": [date(2026, 11, 10), date(2026, 11, 24)],
             "check": [date(2026, 11, 12), date(2026, 11, 26)]}[c.channel]
    return next((d for d in dates if d >= day), date(2026, 12, 31))


def _window(inv: InvoiceSpec) -> int:
    return {"2/10": 10, "1%15": 15}.get(inv.terms[:4], -1)


def _discount(inv: InvoiceSpec) -> Decimal:
    rate = {"2/10": Decimal("0.02"), "1%15": Decimal("0.01")}.get(inv.terms[:4], Decimal(0))
    return (inv.amount * rate).quantize(CENT)


def name_in_text(c: CustomerSpec, inv: InvoiceSpec) -> str:
    return c.style.format(n=inv.number.removeprefix("INV-"), N=inv.number)


def _ordinary_payments(rng: random.Random, invoices: list[InvoiceSpec]) -> list[PaymentSpec]:
    """Every invoice due by the end of the month is paid: before November (open 0 in the
    book), or in November (a payment below); later ones stay open, and a few are late."""
    groups: dict[tuple[str, date], list[tuple[InvoiceSpec, date]]] = {}
    for inv in invoices:
        c = inv.customer
        paid_on = _pay_day(rng, inv)
        seen = _report_day(c, paid_on)
        if paid_on < MONTH_START:
            inv.open_amount = Decimal(0)
            continue
        if seen > MONTH_END or rng.random() < 0.08:  # not paid yet
            continue
        key = (c.id, seen - timedelta(days=seen.weekday()) if c.batches else seen)
        groups.setdefault(key, []).append((inv, seen))
    out = []
    for key in sorted(groups, key=lambda k: (k[1], k[0])):
        paid = groups[key]
        c = paid[0][0].customer
        day = max(seen for _, seen in paid)
        chunks = [[inv for inv, _ in paid]] if c.batches else [[inv] for inv, _ in paid]
        for chunk in chunks:
            amount = sum((p.amount for p in chunk), Decimal(0))
            if all((day - p.issue).days <= _window(p) for p in chunk):
                amount -= sum((_discount(p) for p in chunk), Decimal(0))
            amount -= c.fee
            text = ", ".join(name_in_text(c, p) for p in chunk)
            out.append(PaymentSpec(c.currency, amount, day, c.channel, c.bank_name, c.account, (text,),
                                   tuple(p.number for p in chunk), e2e=f"E2E-{chunk[0].number}"))
    return out


# -- the exceptions a reviewer meets: one or two of each kind ------------------------------------

_SPECIAL_BOOKS = {"C-2090"}  # customers whose whole book is written below


def _specials(cs: list[CustomerSpec], invoices: list[InvoiceSpec], payments: list[PaymentSpec],
              number: int) -> list[PaymentSpec]:
    by_id = {c.id: c for c in cs}
    out: list[PaymentSpec] = []

    def new(c: CustomerSpec, amount: str, issue: date, terms: str = "net 30", open_: str | None = None) -> InvoiceSpec:
        nonlocal number
        inv = InvoiceSpec(f"INV-{number}", c, Decimal(amount), issue, issue + timedelta(days=_terms_days(terms)),
                          terms, Decimal(open_ if open_ is not None else amount))
        number += 1
        invoices.append(inv)
        return inv

    def pay(c: CustomerSpec, amount: str, day: date, text: str, story: str, **kw: object) -> None:
        out.append(PaymentSpec(c.currency, Decimal(amount), day, c.channel, c.bank_name, c.account, (text,),
                               story=story, **kw))  # type: ignore[arg-type]

    fab, lucerne, trey = by_id["C-2011"], by_id["C-2008"], by_id["C-2009"]
    woodgrove, lamna = by_id["C-5004"], by_id["C-5007"]
    # short pay: 3,700.00 of a 4,120.00 invoice, far beyond bank charges, naming the order (a
    # payment naming the invoice itself is applied as a partial payment, the rest left open)
    inv = new(fab, "4120.00", date(2026, 10, 12))
    inv.po = "FE-PO-88120"
    pay(fab, "3700.00", date(2026, 11, 16), "Order FE-PO-88120 less damaged goods", "short pay",
        invoices=(inv.number,))
    # over-payment: 10,000.00 for an 8,400.00 invoice, the rest on account
    inv = new(trey, "8400.00", date(2026, 10, 20))
    pay(trey, "10000.00", date(2026, 11, 19), f"Ref {inv.number} + advance", "over-payment, rest on account",
        invoices=(inv.number,))
    # expired discount: 2/10 net 30 taken 24 days after the invoice
    inv = new(woodgrove, "6250.00", date(2026, 10, 27), "2/10 net 30")
    pay(woodgrove, str(Decimal("6250.00") - _discount(inv)), date(2026, 11, 20), f"{inv.number} less 2% disc",
        "discount taken after its window", invoices=(inv.number,))
    # duplicate: an invoice paid in October, paid again
    inv = new(lamna, "2980.00", date(2026, 9, 21), open_="0.00")
    pay(lamna, "2980.00", date(2026, 11, 13), f"{inv.number}", "pays an invoice already paid", invoices=(inv.number,))
    # unknown reference: a new payer names an invoice the book does not hold (yet)
    out.append(PaymentSpec("EUR", Decimal("1864.20"), date(2026, 11, 24), "sepa", "NORDLICHT MEDIEN GMBH",
                           _iban("DE", "370400440077315500"), (f"INV-{number + 500}",),
                           story="names an invoice not in the book"))
    # ambiguous: two open monthly fees of the same amount, the payment names neither
    sub = CustomerSpec("C-2090", "Kestrel Software GmbH", "EUR", "sepa", _iban("DE", "370400440088120045"),
                       "KESTREL SOFTWARE GMBH")
    cs.append(sub)
    first = new(sub, "1250.00", date(2026, 9, 30))
    second = new(sub, "1250.00", date(2026, 10, 31))
    pay(sub, "1250.00", date(2026, 11, 25), "Monatsgebuehr Wartung", "which of two equal invoices?",
        invoices=(first.number, second.number))
    # unknown payers: nobody in the book, no reference
    out.append(PaymentSpec("EUR", Decimal("2275.00"), date(2026, 11, 10), "sepa", "HOLZMANN BAU KG",
                           _iban("DE", "700202700015202411"), ("Zahlung",), story="unknown payer"))
    out.append(PaymentSpec("USD", Decimal("14500.00"), date(2026, 11, 20), "wire", "GLOBEX INTERNATIONAL",
                           "ABA:031100209:7710034", ("PER CONTRACT",), story="unknown payer"))
    # a return: Lucerne's payment of week 1 comes back in week 3 (account closed), its
    # application is reversed and the invoice reopens
    inv = new(lucerne, "2640.00", date(2026, 10, 5))
    pay(lucerne, str(Decimal("2640.00") - lucerne.fee), date(2026, 11, 4), inv.number, "paid, then returned",
        invoices=(inv.number,), e2e="LP-2026-1104")
    out.append(PaymentSpec("EUR", Decimal("2627.50"), date(2026, 11, 18), "sepa", lucerne.bank_name, lucerne.account,
                           (), direction="debit", return_of="LP-2026-1104", return_code="AC04",
                           story="return of an applied payment"))
    # not receivables: outgoing payments (rent, a supplier, payroll) and our own supplier
    # payment sent back by the receiving bank (a credit return)
    for day, amount, who, text in ((date(2026, 11, 2), "18500.00", "IMMOBILIEN HAGEN GMBH", "Miete November"),
                                   (date(2026, 11, 9), "7420.35", "DRUCKEREI WEBER", "Lieferant RG 88412"),
                                   (date(2026, 11, 26), "96210.00", "GEHALTSLAUF NOV", "Gehaelter November")):
        out.append(PaymentSpec("EUR", Decimal(amount), day, "sepa", who, _iban("DE", f"3704004400{day.day:08d}"),
                               (text,), direction="debit", e2e=f"OUT-{day:%m%d}", story="outgoing payment"))
    out.append(PaymentSpec("EUR", Decimal("7420.35"), date(2026, 11, 12), "sepa", "DRUCKEREI WEBER",
                           _iban("DE", "370400440000000009"), (), return_of="OUT-1109", return_code="AC01",
                           story="our supplier payment sent back"))
    for day, amount, who in ((date(2026, 11, 13), "12840.00", "ACME FREIGHT"), (date(2026, 11, 27), "4310.75", "IRS EFTPS")):
        out.append(PaymentSpec("USD", Decimal(amount), day, "wire", who, None, ("VENDOR PAYMENT",), direction="debit",
                               story="outgoing payment"))
    return out
