"""The word pools (company names, legal forms, abbreviations, unknown payers, third parties)
and the payment terms the labelled day is drawn from."""

from __future__ import annotations

from core.terms import Terms, parse_terms

STEMS = (
    "Acme Apex Summit Northwind Globex Initech Pioneer Atlas Beacon Cascade Evergreen Frontier "
    "Granite Harbor Horizon Keystone Liberty Meridian Nova Orion Pinnacle Quantum Redwood Sierra "
    "Sterling Titan Vanguard Vertex Zenith Alpine Bluewater Cedar Delta Eagle Falcon Highland "
    "Ironwood Juniper Lakeside Maple Oakridge Pacific Riverside Silverline Tristate Westfield "
    "Brightstar Crescent Dynamo Empire Fairview Greenfield Hudson Imperial Lexington Metro "
    "Northstar Olympus Paramount Skyline Trinity Victory Wolfram Yorkshire Zephyr Müller "
    "Schneider Fischer Weber Becker Hoffmann Bauer Brandt Vogel Jansen Bakker Dupont Lefèvre "
    "Moreau Rossi Bianchi García Nordic Baltic Alpen Rhein Elbe Danube Carolina Dakota Sonoma "
    "Tahoe Shasta Cobalt Copperfield Goldcrest Bayview Stonebridge"
).split() + ["Van Dijk", "De Vries", "Golden Gate", "Blue Ridge", "Great Lakes", "New England"]
SECOND = (
    "Industries Industrial Manufacturing Logistics Foods Systems Technologies Technology "
    "International Holdings Supply Trading Services Engineering Chemicals Plastics Electronics "
    "Pharma Textiles Metals Construction Distribution Packaging Automotive Medical Energy Software "
    "Consulting Transport Furniture Paper Brothers Group Partners Labs Solutions Components "
    "Instruments Tools Materials Marine Products"
).split()
THIRD = ("International", "Manufacturing", "Company", "Products", "Worldwide", "Distribution")
THIRD_SUFFIX = ("of America", "North America", "Europe")
LEGAL_USD = ("Inc", "Inc.", "LLC", "Corp", "Corp.", "Corporation", "Co.", "Ltd", "L.P.")
LEGAL_EUR = ("GmbH", "AG", "SA", "S.A.", "BV", "B.V.", "NV", "SARL", "S.p.A.", "SE", "GmbH & Co. KG", "Ltd", "Oy", "AB")
ABBREVIATIONS = {
    "Manufacturing": "MFG", "International": "INTL", "Corporation": "CORP", "Industries": "IND",
    "Industrial": "INDL", "Company": "CO", "Technologies": "TECH", "Technology": "TECH",
    "Services": "SVCS", "Brothers": "BROS", "Distribution": "DISTR", "Engineering": "ENGRG",
    "Systems": "SYS", "Holdings": "HLDGS", "Partners": "PTNRS", "Products": "PRODS",
    "Construction": "CONSTR", "Instruments": "INSTR", "Components": "COMPNTS", "Medical": "MED",
    "Electronics": "ELEC", "Chemicals": "CHEM", "Automotive": "AUTO", "Materials": "MATLS",
    "Transport": "TRANSP", "Worldwide": "WW", "North America": "N AMER", "of America": "OF AMER",
}
# Unknown payers: words that appear in no customer name, so "unknown" really is unknown.
PERSON_FIRST = "JOHN MARIA PETER ANNA DAVID ELENA JAMES SOFIA MICHAEL LAURA THOMAS PRIYA".split()
PERSON_LAST = "SMITH KOWALSKI NGUYEN OKAFOR LINDQVIST HORVATH YAMAMOTO OBRIEN MURPHY ROSSETTI PETROV SANTOS".split()
OTHER_STEMS = "Kestrel Marlin Osprey Quokka Wombat Ibis Jackal Lynx Mongoose Narwhal Ocelot Puffin Raven Tapir Walrus".split()
OTHER_TRADES = ("Bakery", "Dental Practice", "Roofing", "Catering", "Florist", "Landscaping", "Auto Repair", "Plumbing")
THIRD_PARTIES = (
    "PAYPAL (EUROPE) S.A R.L. ET CIE, S.C.A.", "BILL.COM LLC", "AMEX VIRTUAL PAYABLES",
    "FACTORING PARTNERS FINANZ AG", "TUNGSTEN NETWORK PAY", "COUPA PAY", "JPMORGAN ACCESS PAYABLES",
    "ADYEN N.V.", "STRIPE PAYMENTS EUROPE LTD", "AVIDXCHANGE INC", "WISE PAYMENTS LTD",
)
TERMS: tuple[tuple[str, int], ...] = (
    ("Net 30", 40), ("2/10 Net 30", 20), ("1%15 Net 45", 12), ("Net 30 EOM", 8),
    ("2/10 EOM Net 30", 6), ("Net 45", 8), ("Due on receipt", 6),
)
TERMS_PARSED: dict[str, Terms] = {text: parse_terms(text)[0] for text, _ in TERMS}
STYLES = ("inv", "plain", "year", "f")
