"""Realistic, deterministic Segment ``pages`` rows for demos, tests and benchmarks.

Everything is one DuckDB query over ``range(n)`` (templates/generate/pages.sql, fed with the
vocabularies below as literals): every random choice is a hash of
(seed, device, slot, salt), so the same seed and row count give the same rows on any
number of threads, and 10 million rows take seconds rather than minutes.

Shape of the data:

* people own 1-3 devices (anonymous_ids); page views per person are log-normal around
  ``rows / 8`` so a few people have thousands of rows;
* a device's page views come in visits: seconds to minutes apart inside a visit, hours
  to days between visits, a few gaps within a second of the 30-minute cutoff and a few
  identical timestamps; all timestamps fall in the ~90 days before ``end``;
* a person's user_id is NULL until they log in on that device (some never do), so one
  user_id spans several anonymous_ids; a few devices are shared and switch user;
* visit landings carry referrers (direct, search, social, webmail, other sites) and,
  for paid/email traffic, utm_* parameters (mirrored into context_campaign_*) and gclid;
* ~1% of ids are re-sent later (same content, later received_at), ~1% of rows arrive
  hours to days late, and ``reject_fraction`` of rows have a NULL anonymous_id or
  timestamp.

It is one module of over 400 lines because most of it is data: the vocabularies the query draws
from (user agents, pages, referrers, campaigns), which read best beside the code that feeds them.
"""

from __future__ import annotations

import hashlib
from calendar import timegm
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sessionizer import sql
from sessionizer.dialects import CANONICAL
from sessionizer.errors import ConfigError
from sessionizer.lazy import exp
from sessionizer.schema import validate_table_name

if TYPE_CHECKING:  # duckdb is imported lazily so `compile` starts without it
    import duckdb

DEFAULT_END = datetime(2026, 1, 1)
DEFAULT_REJECT_FRACTION = 0.0002
SPAN_DAYS = 90
DUPLICATE_FRACTION = 0.01
LATE_FRACTION = 0.01

_MS_DAY = 86_400_000
# COPY options per file extension
_FORMATS = {".parquet": {"FORMAT": "parquet"}, ".csv": {"FORMAT": "csv", "HEADER": "true"}, ".json": {"FORMAT": "json"}}

COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "VARCHAR"),
    ("anonymous_id", "VARCHAR"),
    ("user_id", "VARCHAR"),
    ("received_at", "TIMESTAMP"),
    ("sent_at", "TIMESTAMP"),
    ("timestamp", "TIMESTAMP"),
    ("url", "VARCHAR"),
    ("path", "VARCHAR"),
    ("title", "VARCHAR"),
    ("search", "VARCHAR"),
    ("referrer", "VARCHAR"),
    ("context_campaign_source", "VARCHAR"),
    ("context_campaign_medium", "VARCHAR"),
    ("context_campaign_name", "VARCHAR"),
    ("context_campaign_term", "VARCHAR"),
    ("context_campaign_content", "VARCHAR"),
    ("context_ip", "VARCHAR"),
    ("context_user_agent", "VARCHAR"),
)

# --- vocabularies --------------------------------------------------------------------

_UA: dict[str, list[str | None]] = {
    "iphone": [
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 16_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 350.0.0.21.101",
    ],
    "android": [
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
        "Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36",
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
        "Mozilla/5.0 (Android 14; Mobile; rv:132.0) Gecko/132.0 Firefox/132.0",
    ],
    "ipad": [
        "Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
    ],
    "windows": [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    ],
    "mac": [
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.7; rv:133.0) Gecko/20100101 Firefox/133.0",
    ],
    "x11": [
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    ],
    "odd": [
        "curl/8.0",
        "",
        None,
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "python-requests/2.31.0",
        "Mozilla/5.0 (iPod touch; CPU iPhone OS 15_8 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/15.6 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        "Mozilla/5.0 (PlayStation; PlayStation 5/2.26) AppleWebKit/605.1.15 (KHTML, like Gecko)",
    ],
}
# cumulative shares (percent) of the device families, in _UA order
_UA_SHARES = (("iphone", 31), ("android", 56), ("ipad", 61), ("windows", 80), ("mac", 93), ("x11", 97), ("odd", 100))

_SITE = "https://www.example-shop.com"
_HOSTS = ["http://www.example-shop.com", "https://example-shop.com", "https://m.example-shop.com"]
_CATEGORIES = ["shoes", "jackets", "bags", "accessories", "sale", "new-arrivals", "kids", "outdoor"]
_CATEGORY_TITLES = ["Shoes", "Jackets", "Bags", "Accessories", "Sale", "New Arrivals", "Kids", "Outdoor"]
_ADJ = ["classic", "trail", "urban", "lightweight", "waterproof", "vintage", "everyday", "alpine", "merino", "recycled"]
_ADJ_T = [
    "Classic",
    "Trail",
    "Urban",
    "Lightweight",
    "Waterproof",
    "Vintage",
    "Everyday",
    "Alpine",
    "Merino",
    "Recycled",
]
_NOUN = [
    "running-shoes",
    "rain-jacket",
    "backpack",
    "sneakers",
    "hoodie",
    "beanie",
    "tote-bag",
    "hiking-boots",
    "fleece",
    "socks",
]
_NOUN_T = [
    "Running Shoes",
    "Rain Jacket",
    "Backpack",
    "Sneakers",
    "Hoodie",
    "Beanie",
    "Tote Bag",
    "Hiking Boots",
    "Fleece",
    "Socks",
]
_BLOG = [
    "how-to-choose-running-shoes",
    "winter-layering-guide",
    "care-for-merino",
    "best-hikes-2025",
    "caf%C3%A9-commuter-kit",
]
_BLOG_T = [
    "How to Choose Running Shoes",
    "The Winter Layering Guide",
    "Caring for Merino",
    "Best Hikes of 2025",
    "The Café Commuter Kit",
]
_STATIC = ["/about", "/shipping", "/returns", "/contact", "/faq", "/pricing", "/stores/berlin", "/gift-cards"]
_STATIC_T = ["About Us", "Shipping", "Returns", "Contact", "FAQ", "Pricing", "Berlin Store", "Gift Cards"]
_QUERIES = ["running+shoes", "rain+jacket", "socks", "backpack+30l", "gift", "caf%C3%A9", "boots+size+44", "hoodie"]
_SORTS = ["?sort=price_asc", "?sort=newest&page=2", "?page=3", "?color=blue&size=m", "?sort=popular"]
_CAMPAIGNS = [
    "winter_sale_2025",
    "black_friday",
    "new_arrivals",
    "brand_awareness",
    "retargeting_q4",
    "holiday_gift_guide",
    "free_shipping",
]
_TERMS = ["running+shoes", "rain+jacket+women", "hiking+boots", "backpack", "merino+socks", "gift+ideas"]
_CONTENTS = ["carousel_1", "video_15s", "static_banner", "cta_button", "hero_image"]
_SEARCH_REF = [
    "https://www.google.com/",
    "https://www.google.com/",
    "https://www.google.com/",
    "https://www.google.com/",
    "https://www.google.de/",
    "https://www.google.co.uk/",
    "https://www.bing.com/",
    "https://duckduckgo.com/",
    "https://search.yahoo.com/",
    "https://www.ecosia.org/",
]
_SOCIAL_REF = [
    "https://www.facebook.com/",
    "https://l.facebook.com/",
    "https://m.facebook.com/",
    "https://t.co/",
    "https://www.linkedin.com/",
    "https://www.instagram.com/",
    "https://l.instagram.com/",
    "https://www.reddit.com/",
    "https://out.reddit.com/",
    "https://www.pinterest.com/",
    "android-app://com.linkedin.android/",
]
_MAIL_REF = [
    "https://mail.google.com/",
    "android-app://com.google.android.gm/",
    "https://outlook.live.com/",
    "https://mail.yahoo.com/",
    "https://outlook.office.com/",
]
_OTHER_REF = [
    "https://www.outdoorgearlab.com/reviews/shoes",
    "https://news.ycombinator.com/",
    "http://some-blog.net/2025/11/best-gifts",
    "https://medium.com/@runner/my-kit-9f2c",
    "https://www.trustpilot.com/review/example-shop.com",
    "https://de.wikipedia.org/wiki/Merinowolle",
    "https://chatgpt.com/",
]
_INTERNAL_PATHS = [
    "/",
    "/category/shoes",
    "/products/trail-backpack",
    "/search?q=socks",
    "/cart",
    "/blog/care-for-merino",
]
_ODD_PATHS = [
    "/Products/Trail-Backpack/",
    "/café/menü",
    "/index.html",
    "/404",
    "//double//slash",
    "/products/" + "x" * 300,
]
_ODD_TITLES = ["Page not found | Example Shop", "", None, "Café & Menü — Example Shop ☕"]
_SOCIAL_NETWORKS = ["facebook", "instagram", "linkedin"]
_MOBILE_PREFIXES = ["100.", "101.", "102."]  # carrier-grade NAT, where phones' addresses come from
# gaps within a second or two of the 30-minute cutoff, in milliseconds
_NEAR_CUTOFF_MS = [1799000, 1799999, 1800000, 1800000, 1800001, 1800500, 1800999, 1801000, 1802000, 1798500]


# --- the query (templates/generate/pages.sql) ------------------------------------------


@dataclass(frozen=True)
class _Choices:
    """A vocabulary as the template picks from it: a DuckDB list literal and its length."""

    sql: str
    size: int


def _choices(values: Sequence[str | int | None]) -> _Choices:
    items = [
        exp.null() if v is None else exp.Literal.number(v) if isinstance(v, int) else exp.Literal.string(v)
        for v in values
    ]
    return _Choices(exp.Array(expressions=items).sql(CANONICAL), len(values))


def _number(value: float) -> str:
    return exp.Literal.number(value).sql(CANONICAL)


@lru_cache(maxsize=1)
def _vocabularies() -> dict[str, Any]:
    """The context's part that no argument changes, rendered once per process."""
    choices: dict[str, Sequence[str | int | None]] = {
        "categories": _CATEGORIES, "category_titles": _CATEGORY_TITLES, "adjectives": _ADJ, "adjective_titles": _ADJ_T,
        "nouns": _NOUN, "noun_titles": _NOUN_T, "blog_posts": _BLOG, "blog_titles": _BLOG_T,
        "static_pages": _STATIC, "static_titles": _STATIC_T, "odd_paths": _ODD_PATHS, "odd_titles": _ODD_TITLES,
        "queries": _QUERIES, "sorts": _SORTS, "campaigns": _CAMPAIGNS, "terms": _TERMS, "contents": _CONTENTS,
        "social_networks": _SOCIAL_NETWORKS, "hosts": _HOSTS, "search_referrers": _SEARCH_REF,
        "social_referrers": _SOCIAL_REF, "mail_referrers": _MAIL_REF, "other_referrers": _OTHER_REF,
        "internal_paths": _INTERNAL_PATHS, "mobile_prefixes": _MOBILE_PREFIXES, "near_cutoff_ms": _NEAR_CUTOFF_MS,
    }  # fmt: skip
    return {
        "columns": [(exp.to_identifier(name, quoted=True).sql(CANONICAL), typ) for name, typ in COLUMNS],
        "choices": {name: _choices(values) for name, values in choices.items()},
        "families": [
            {
                "name": exp.Literal.string(family).sql(CANONICAL),
                "share": _number(share),
                "agents": _choices(_UA[family]),
            }
            for family, share in _UA_SHARES
        ],
        "site": exp.Literal.string(_SITE).sql(CANONICAL),
        "late_fraction": _number(LATE_FRACTION),
        # a duplicate needs k > 0 and a non-duplicate before it
        "duplicate_p": _number(DUPLICATE_FRACTION * 1.12),
        "span_ms": _number(SPAN_DAYS * _MS_DAY),
        "visits_span_ms": _number(int(SPAN_DAYS * _MS_DAY * 0.97)),
    }


def _salt(seed: int, name: str) -> int:
    """A 64-bit constant per (seed, salt name), so differently salted hashes never correlate."""
    return int.from_bytes(hashlib.blake2b(f"{seed}:{name}".encode(), digest_size=8).digest(), "little")


def _epoch_ms(end: datetime) -> int:
    if end.tzinfo is not None:
        end = end.astimezone(UTC).replace(tzinfo=None)
    return timegm(end.timetuple()) * 1000 + end.microsecond // 1000


def _query(
    rows: int, seed: int = 42, end: datetime = DEFAULT_END, reject_fraction: float = DEFAULT_REJECT_FRACTION
) -> exp.Query:
    if isinstance(rows, bool) or not isinstance(rows, int) or rows < 0:
        raise ValueError(f"rows must be a non-negative integer, got {rows!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"seed must be an integer, got {seed!r}")
    if not 0.0 <= float(reject_fraction) <= 1.0:
        raise ValueError(f"reject_fraction must be between 0 and 1, got {reject_fraction!r}")
    rf = float(reject_fraction)
    query = sql.one(
        "generate/pages",
        dict(
            **_vocabularies(),
            rows=_number(rows),
            persons=_number(max(1, round(rows / 8))),
            end_ms=_number(_epoch_ms(end)),
            reject=_number(rf),
            reject_half=_number(rf / 2),
            salt=lambda name: _number(_salt(seed, name)),
        ),
    )
    assert isinstance(query, exp.Query)
    return query


def pages_sql(
    rows: int, seed: int = 42, end: datetime = DEFAULT_END, reject_fraction: float = DEFAULT_REJECT_FRACTION
) -> str:
    """A DuckDB SELECT producing exactly ``rows`` Segment ``pages`` rows, ordered by received_at.

    Deterministic: the same arguments give the same rows (content and order).
    """
    return _query(rows, seed, end, reject_fraction).sql(CANONICAL)


def _table(name: str) -> exp.Table:
    """The table ``generate`` writes: [database.][schema.]table, each part a plain identifier (as a
    config's table names), quoted so that a reserved word is a name too."""
    try:
        parts = validate_table_name(name, "table").split(".")
    except ConfigError as err:
        raise ValueError(str(err)) from None
    identifiers = [exp.to_identifier(part, quoted=True) for part in reversed(parts)]
    return exp.Table(**dict(zip(("this", "db", "catalog"), identifiers, strict=False)))


def generate(con: duckdb.DuckDBPyConnection, table: str, rows: int, seed: int = 42, **kw: Any) -> int:
    """CREATE OR REPLACE TABLE ``table`` with the generated rows; returns the row count."""
    target = _table(table)
    create = exp.Create(this=target, kind="TABLE", replace=True, expression=_query(rows, seed, **kw))
    con.execute(create.sql(CANONICAL))
    count = exp.select(exp.Count(this=exp.Star())).from_(target)
    return int(con.execute(count.sql(CANONICAL)).fetchall()[0][0])


def write(path: str | Path, rows: int, seed: int = 42, **kw: Any) -> int:
    """Writes the rows to a .parquet, .csv or .json (newline-delimited) file; returns the row count."""
    path = Path(path)
    options = _FORMATS.get(path.suffix.lower())
    if options is None:
        allowed = ", ".join(sorted(_FORMATS))
        raise ValueError(f"unsupported file extension {path.suffix!r} for {str(path)!r}: use one of {allowed}")
    copied = copy_to(_query(rows, seed, **kw), path, options)
    return rows if copied is None else copied


def copy_to(query: exp.Query, path: Path, options: dict[str, str]) -> int | None:
    """COPY a query's rows TO a file (the path a string literal); the rows DuckDB says it wrote."""
    import duckdb

    copy = exp.Copy(
        this=exp.Subquery(this=query),
        kind=False,  # TO a file
        files=[exp.Literal.string(str(path))],
        params=[exp.CopyParameter(this=exp.var(name), expression=exp.var(value)) for name, value in options.items()],
    )
    con = duckdb.connect()
    try:
        result = con.execute(copy.sql(CANONICAL)).fetchall()
        return int(result[0][0]) if result else None
    finally:
        con.close()
