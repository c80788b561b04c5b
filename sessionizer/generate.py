"""Realistic, deterministic Segment ``pages`` rows for demos, tests and benchmarks.

Everything is one DuckDB query over ``range(n)``: every random choice is a hash of
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
"""

from __future__ import annotations

import hashlib
import re
from calendar import timegm
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # duckdb is imported lazily so `compile` starts without it
    import duckdb

DEFAULT_END = datetime(2026, 1, 1)
SPAN_DAYS = 90
DUPLICATE_FRACTION = 0.01
LATE_FRACTION = 0.01

_MS_DAY = 86_400_000
_TABLE_RE = re.compile(r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+){0,2}$")
_FORMATS = {".parquet": "FORMAT parquet", ".csv": "FORMAT csv, HEADER true", ".json": "FORMAT json"}

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


# --- SQL helpers -----------------------------------------------------------------------


def _lit(value: str | None) -> str:
    return "NULL" if value is None else "'" + value.replace("'", "''") + "'"


def _list(values: list[str] | list[str | None]) -> str:
    return "[" + ", ".join(_lit(v) for v in values) + "]"


def _pick(values: list[str] | list[str | None], h: str) -> str:
    """values[h mod len] for a hash expression h (UBIGINT)."""
    return f"{_list(values)}[1 + ({h} % {len(values)})::BIGINT]"


def _u(h: str) -> str:
    """A uniform float in [0, 1) from a 64-bit hash expression (53 bits, so never 1.0)."""
    return f"(({h}) >> 11)::DOUBLE / 9007199254740992.0"


def _hex16(h: str) -> str:
    """16 lower-case hex digits; the top bit is forced so hex() never drops leading zeros."""
    return f"lower(hex(({h}) | 9223372036854775808::UBIGINT))"


def _uuid_parts(h1: str, h2: str) -> tuple[str, str]:
    """Two 16-hex-digit strings for _uuid; the second starts with a UUID variant digit (8-b)."""
    return _hex16(h1), f"lower(hex((({h2}) | 9223372036854775808::UBIGINT) & 13835058055282163711::UBIGINT))"


def _uuid(a: str, b: str) -> str:
    """A UUID-v4-looking string from two _uuid_parts columns (hex() is much faster than printf)."""
    return (
        f"substr({a}, 2, 8) || '-' || substr({a}, 10, 4) || '-4' || substr({a}, 14, 3)"
        f" || '-' || substr({b}, 1, 4) || '-' || substr({b}, 5, 12)"
    )


def _salt(seed: int, name: str) -> int:
    """A 64-bit constant per (seed, salt name), so differently salted hashes never correlate."""
    return int.from_bytes(hashlib.blake2b(f"{seed}:{name}".encode(), digest_size=8).digest(), "little")


def _epoch_ms(end: datetime) -> int:
    if end.tzinfo is not None:
        end = end.astimezone(UTC).replace(tzinfo=None)
    return timegm(end.timetuple()) * 1000 + end.microsecond // 1000


def pages_sql(rows: int, seed: int = 42, end: datetime = DEFAULT_END, reject_fraction: float = 0.0002) -> str:
    """A DuckDB SELECT producing exactly ``rows`` Segment ``pages`` rows, ordered by received_at.

    Deterministic: the same arguments give the same rows (content and order).
    """
    if isinstance(rows, bool) or not isinstance(rows, int) or rows < 0:
        raise ValueError(f"rows must be a non-negative integer, got {rows!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"seed must be an integer, got {seed!r}")
    if not 0.0 <= float(reject_fraction) <= 1.0:
        raise ValueError(f"reject_fraction must be between 0 and 1, got {reject_fraction!r}")
    end_ms = _epoch_ms(end)
    span = SPAN_DAYS * _MS_DAY
    persons = max(1, round(rows / 8))
    rf = float(reject_fraction)
    dup_p = DUPLICATE_FRACTION * 1.12  # a duplicate needs k > 0 and a non-duplicate before it

    def h(expr: str, salt: str) -> str:
        # DuckDB's multi-argument hash() combines by xor, so hash(x, 1) and hash(x, 2) are
        # correlated; xor-ing a per-(seed, salt) constant into one value and hashing that is not.
        return f"hash(xor(({expr})::UBIGINT, {_salt(seed, salt)}::UBIGINT))"

    def hs(salt: str) -> str:
        return h("h0", salt)

    ua_case = (
        "CASE "
        + " ".join(f"WHEN fam_u < {pct} THEN {_pick(_UA[fam], h('d', 'ua'))}" for fam, pct in _UA_SHARES)
        + " END"
    )
    ua_family_case = "CASE " + " ".join(f"WHEN fam_u < {pct} THEN '{fam}'" for fam, pct in _UA_SHARES) + " END"

    gap_short = "least(1500000, 1000 + floor(25000.0 * exp(1.1 * z_gap)))::BIGINT"
    # gaps within a second or two of the 30-minute cutoff, in milliseconds
    cut_ms = [1799000, 1799999, 1800000, 1800000, 1800001, 1800500, 1800999, 1801000, 1802000, 1798500]
    near_cut = f"{cut_ms}[1 + ({hs('cut')} % {len(cut_ms)})::BIGINT]"

    def slot_keys(source: str) -> str:
        """Derives a slot's keys from (d, k): whether it re-sends the slot before it (never two
        in a row, so src is never a duplicate), its source slot, h0 (all content hashes from it),
        and its gap kind: 0 first, 1 new visit, 2 near the 30-minute cutoff, 3 same time, 4 short."""
        return f"""(
        SELECT *,
            CASE WHEN src = 0 THEN 0 WHEN gap_u < 0.22 THEN 1 WHEN gap_u < 0.235 THEN 2
                 WHEN gap_u < 0.245 THEN 3 ELSE 4 END AS gap_kind
        FROM (
            SELECT *, {_u(hs("gap"))} AS gap_u,
                sqrt(-2.0 * ln(1.0 - {_u(hs("z1"))})) * cos(6.283185307179586 * {_u(hs("z2"))}) AS z_gap
            FROM (
                SELECT *, {h("xor(dev_h, src::UBIGINT)", "slot")} AS h0
                FROM (
                    SELECT *, k - is_dup::BIGINT AS src
                    FROM (
                        SELECT *,
                            k > 0 AND {_u(h("xor(dev_h, k::UBIGINT)", "dup"))} < {dup_p}
                            AND NOT (k > 1 AND {_u(h("xor(dev_h, greatest(k - 1, 0)::UBIGINT)", "dup"))} < {dup_p})
                            AS is_dup
                        FROM (SELECT *, {h("d", "dev")} AS dev_h FROM {source})
                    )
                )
            )
        )
    )"""

    anon_a, anon_b = _uuid_parts(h("d", "anon1"), h("d", "anon2"))
    id_a, id_b = _uuid_parts(hs("id1"), hs("id2"))
    ip2_8, ip2_16 = "(" + hs("ip2") + " >> 8)", "(" + hs("ip2") + " >> 16)"
    octets = [str(i) for i in range(256)]  # picking from a list is ~10x cheaper than casting to VARCHAR
    cols = ", ".join(f'CAST("{name}" AS {typ}) AS "{name}"' for name, typ in COLUMNS)
    return f"""
SELECT {cols}
FROM (
WITH persons AS (
    SELECT p,
        -- log-normal activity (Box-Muller) gives the heavy tail of page views per person
        exp(1.2 * sqrt(-2.0 * ln(1.0 - {_u(h("p", "act1"))})) * cos(6.283185307179586 * {_u(h("p", "act2"))}))
            AS activity,
        CASE WHEN {_u(h("p", "ndev"))} < 0.55 THEN 1 WHEN {_u(h("p", "ndev"))} < 0.85 THEN 2 ELSE 3 END AS n_devices
    FROM range({persons}) AS t(p)
),
devices AS (
    SELECT p, j, p * 3 + j AS d,
        greatest(1, round(1000.0 * activity
            * CASE j WHEN 0 THEN 1.0 ELSE 0.15 + 0.6 * {_u(h("p * 3 + j", "share"))} END))::BIGINT AS w
    FROM persons, range(3) AS t(j)
    WHERE j < n_devices
),
alloc AS (
    SELECT *, sum(w) OVER (ORDER BY d ROWS UNBOUNDED PRECEDING) AS cw, sum(w) OVER () AS tw
    FROM devices
),
devs AS (
    SELECT d, p, j, (cw::HUGEINT * {rows} // tw)::BIGINT - ((cw - w)::HUGEINT * {rows} // tw)::BIGINT AS cnt
    FROM alloc
),
devs2 AS (
    SELECT * FROM devs WHERE cnt > 0
),
-- the per-slot pipeline stays narrow (numbers only) until the rows are sorted
slots AS (
    SELECT d, k, cnt FROM devs2 AS dv, range(dv.cnt) AS t(k)
),
gaps AS (
    SELECT *,
        CASE WHEN is_dup OR gap_kind IN (0, 1, 3) THEN 0
             WHEN gap_kind = 2 THEN {near_cut}
             ELSE {gap_short} END AS g_short,
        CASE WHEN NOT is_dup AND gap_kind = 1
             THEN 1900000 + floor(43200000.0 * exp(1.3 * z_gap))::BIGINT ELSE 0 END AS g_long
    FROM {slot_keys("slots")}
),
-- the window sees only (d, k, gaps): the slot keys are recomputed after it rather than carried through its sort
timed AS (
    SELECT d, k, cnt,
        sum(g_short) OVER wc AS cs, sum(g_long) OVER wc AS cl,
        sum(g_short) OVER wa AS ts_short, sum(g_long) OVER wa AS ts_long
    FROM gaps
    WINDOW wc AS (PARTITION BY d ORDER BY k ROWS UNBOUNDED PRECEDING), wa AS (PARTITION BY d)
),
placed AS (
    SELECT d, k, cnt, src, is_dup, h0, dev_h, gap_kind,
        -- squeeze the visit gaps of very active devices so every device fits the time span
        ({end_ms} - {span} + floor({_u(h("d", "start"))} * greatest(0, {span} - ts_short - floor(ts_long * f)))
            + cs + floor(cl * f))::BIGINT AS ts_ms
    FROM (
        SELECT *, CASE WHEN ts_long > greatest(1, {int(span * 0.97)} - ts_short)
                       THEN greatest(1, {int(span * 0.97)} - ts_short) / ts_long ELSE 1.0 END AS f
        FROM {slot_keys("timed")}
    )
),
arrival AS (
    SELECT *,
        -- normal rows arrive within seconds; ~1% arrive hours to days late (offline clients)
        CASE WHEN late_u < {LATE_FRACTION}
             THEN 3600000 + floor(432000000.0 * pow({_u(hs("delay"))}, 2))::BIGINT
             ELSE 150 + least(20000, floor(900.0 * pow(2.0, 3.0 * {_u(hs("delay"))} - 1.0)))::BIGINT
        END AS received_delay,
        -- a re-sent copy lands seconds to a day after the original
        CASE WHEN is_dup THEN 1000 + floor(86400000.0 * pow({_u(h("xor(dev_h, k::UBIGINT)", "resend"))}, 4))::BIGINT
             ELSE 0 END AS resend_delay,
        {hs("id1")} AS id1_h
    FROM (SELECT *, {_u(hs("late"))} AS late_u FROM placed)
),
-- sort while the rows are narrow; the projections after it keep the order and add the strings
ordered AS (
    SELECT *, ts_ms + received_delay + resend_delay AS received_ms
    FROM arrival
    ORDER BY received_ms, id1_h, is_dup
),
content AS (
    SELECT *,
        gap_kind <= 1 AS landing,
        {_u(hs("page"))} AS page_u,
        {_u(hs("source"))} AS src_u,
        {_u(hs("odd"))} AS odd_u,
        {_u(hs("reject"))} AS rej_u,
        {hs("pick")} AS pick_h,
        {hs("pick2")} AS pick2_h,
        {anon_a} AS anon_a, {anon_b} AS anon_b,
        100.0 * {_u(h("d", "family"))} AS fam_u,
        {_u(h("d", "login_at"))} AS login_u,
        {h("d", "ip")} AS ip_h,
        -- identification: the first device of a person who logs in always identifies
        {_u(h("d // 3", "login"))} < 0.6 AND (d % 3 = 0 OR {_u(h("d", "identifies"))} < 0.75) AS identifies,
        {_u(h("d", "shared"))} < 0.02 AND cnt > 4 AS shared
    FROM ordered
),
content2 AS (
    SELECT *,
        CASE WHEN NOT identifies THEN 9223372036854775807
             WHEN login_u < 0.3 THEN 0 ELSE floor(login_u * cnt)::BIGINT END AS login_k,
        CASE WHEN shared THEN cnt // 2 + floor(login_u * (cnt // 2))::BIGINT
             ELSE 9223372036854775807 END AS switch_k,
        {_uuid("anon_a", "anon_b")} AS anonymous_id,
        {id_a} AS id_a, {id_b} AS id_b,
        {ua_case} AS user_agent,
        {ua_family_case} AS family
    FROM content
),
pages AS (
    SELECT *,
        CASE WHEN landing THEN
                CASE WHEN page_u < 0.35 THEN 'home' WHEN page_u < 0.65 THEN 'product' WHEN page_u < 0.85 THEN 'category'
                     WHEN page_u < 0.95 THEN 'blog' ELSE 'static' END
             ELSE
                CASE WHEN page_u < 0.12 THEN 'home' WHEN page_u < 0.30 THEN 'category' WHEN page_u < 0.60 THEN 'product'
                     WHEN page_u < 0.68 THEN 'search' WHEN page_u < 0.76 THEN 'cart' WHEN page_u < 0.80 THEN 'checkout'
                     WHEN page_u < 0.82 THEN 'confirmation' WHEN page_u < 0.86 THEN 'blog' WHEN page_u < 0.90 THEN 'account'
                     WHEN page_u < 0.93 THEN 'login' WHEN page_u < 0.99 THEN 'static' ELSE 'odd' END
        END AS page_kind,
        -- traffic source of a visit's landing page; later page views are internal
        CASE WHEN NOT landing THEN 'internal'
             WHEN src_u < 0.28 THEN 'direct' WHEN src_u < 0.50 THEN 'organic' WHEN src_u < 0.62 THEN 'paid_search'
             WHEN src_u < 0.72 THEN 'social' WHEN src_u < 0.78 THEN 'paid_social' WHEN src_u < 0.86 THEN 'email'
             WHEN src_u < 0.95 THEN 'referral' ELSE 'internal' END AS source,
        (pick_h % 8)::BIGINT AS cat_i, ((pick_h >> 8) % 10)::BIGINT AS adj_i, ((pick_h >> 16) % 10)::BIGINT AS noun_i,
        ((pick_h >> 24) % 5)::BIGINT AS blog_i, ((pick_h >> 32) % 8)::BIGINT AS static_i
    FROM content2
),
built AS (
    SELECT *,
        CASE page_kind
            WHEN 'home' THEN '/'
            WHEN 'category' THEN '/category/' || {_list(_CATEGORIES)}[1 + cat_i]
            WHEN 'product' THEN '/products/' || {_list(_ADJ)}[1 + adj_i] || '-' || {_list(_NOUN)}[1 + noun_i]
            WHEN 'search' THEN '/search'
            WHEN 'cart' THEN '/cart'
            WHEN 'checkout' THEN CASE WHEN (pick2_h % 2) = 0 THEN '/checkout' ELSE '/checkout/payment' END
            WHEN 'confirmation' THEN '/checkout/confirmation'
            WHEN 'blog' THEN '/blog/' || {_list(_BLOG)}[1 + blog_i]
            WHEN 'account' THEN '/account/orders'
            WHEN 'login' THEN '/login'
            WHEN 'static' THEN {_list(_STATIC)}[1 + static_i]
            ELSE {_pick(["/Products/Trail-Backpack/", "/café/menü", "/index.html", "/404", "//double//slash", "/products/" + "x" * 300], "pick2_h")}
        END AS path,
        CASE page_kind
            WHEN 'category' THEN CASE WHEN (pick2_h % 3) = 0 THEN {_pick(_SORTS, "(pick2_h >> 8)")} ELSE '' END
            WHEN 'search' THEN '?q=' || {_pick(_QUERIES, "(pick2_h >> 8)")}
            WHEN 'confirmation' THEN '?order=' || (100000 + (pick2_h >> 20) % 900000)::VARCHAR
            WHEN 'login' THEN CASE WHEN (pick2_h % 2) = 0 THEN '?next=%2Fcheckout' ELSE '' END
            WHEN 'odd' THEN CASE WHEN (pick2_h % 3) = 0 THEN '?ref=' || repeat('a', 600) WHEN (pick2_h % 3) = 1 THEN '?' ELSE '' END
            ELSE ''
        END AS base_query,
        CASE page_kind
            WHEN 'home' THEN 'Example Shop — Outdoor Gear & Apparel'
            WHEN 'category' THEN {_list(_CATEGORY_TITLES)}[1 + cat_i] || ' | Example Shop'
            WHEN 'product' THEN {_list(_ADJ_T)}[1 + adj_i] || ' ' || {_list(_NOUN_T)}[1 + noun_i] || ' | Example Shop'
            WHEN 'search' THEN 'Search results | Example Shop'
            WHEN 'cart' THEN 'Your Cart | Example Shop'
            WHEN 'checkout' THEN 'Checkout | Example Shop'
            WHEN 'confirmation' THEN 'Thank you for your order! | Example Shop'
            WHEN 'blog' THEN {_list(_BLOG_T)}[1 + blog_i] || ' | Example Shop Journal'
            WHEN 'account' THEN 'My Orders | Example Shop'
            WHEN 'login' THEN 'Sign in | Example Shop'
            WHEN 'static' THEN {_list(_STATIC_T)}[1 + static_i] || ' | Example Shop'
            ELSE {_pick(["Page not found | Example Shop", "", None, "Café & Menü — Example Shop ☕"], "(pick2_h >> 4)")}
        END AS title,
        -- campaign parameters (decoded, as Segment stores them) for paid, email and some referral traffic
        CASE source
            WHEN 'paid_search' THEN CASE WHEN (pick2_h >> 40) % 10 < 4 THEN NULL
                                         WHEN (pick2_h >> 40) % 10 < 8 THEN 'google' ELSE 'bing' END
            WHEN 'paid_social' THEN {_pick(["facebook", "instagram", "linkedin"], "(pick2_h >> 40)")}
            WHEN 'email' THEN 'newsletter'
            WHEN 'referral' THEN CASE WHEN (pick2_h >> 40) % 10 < 3 THEN 'partner_site' END
        END AS utm_source,
        {_pick(_CAMPAIGNS, "(pick_h >> 40)")} AS utm_campaign_v,
        {_pick(_TERMS, "(pick_h >> 44)")} AS utm_term_enc,
        {_pick(_CONTENTS, "(pick_h >> 48)")} AS utm_content_v
    FROM pages
),
campaigns AS (
    SELECT *,
        CASE WHEN utm_source IS NULL THEN NULL
             WHEN source = 'paid_search' THEN 'cpc' WHEN source = 'paid_social' THEN 'paid_social'
             WHEN source = 'email' THEN 'email' ELSE 'affiliate' END AS utm_medium,
        source = 'paid_search' AND coalesce(utm_source, 'google') = 'google' AS has_gclid
    FROM built
),
assembled AS (
    SELECT *,
        concat_ws('&',
            nullif(ltrim(base_query, '?'), ''),
            CASE WHEN utm_source IS NOT NULL THEN
                'utm_source=' || utm_source || '&utm_medium=' || utm_medium || '&utm_campaign=' || utm_campaign_v
                || CASE WHEN source = 'paid_search' THEN '&utm_term=' || utm_term_enc ELSE '' END
                || CASE WHEN source IN ('paid_social', 'email') THEN '&utm_content=' || utm_content_v ELSE '' END
                || CASE WHEN utm_source = 'bing' THEN '&msclkid=' || {_hex16(hs("msclkid"))} ELSE '' END
            END,
            CASE WHEN has_gclid THEN 'gclid=Cj0KCQiA' || {_hex16(hs("gclid"))} || '_BwE' END
        ) AS query_body
    FROM campaigns
)
SELECT
    {_uuid("id_a", "id_b")} AS id,
    CASE WHEN rej_u < {rf / 2} THEN NULL ELSE anonymous_id END AS anonymous_id,
    CASE WHEN src >= switch_k THEN 'u_' || {_hex16(h(f"(d // 3 + 1) % {persons}", "uid"))}
         WHEN src >= login_k THEN 'u_' || {_hex16(h("d // 3", "uid"))} END AS user_id,
    epoch_ms(received_ms) AS received_at,
    epoch_ms(ts_ms + CASE WHEN late_u < {LATE_FRACTION} THEN received_delay - 50 - ((pick2_h >> 12) % 2000)::BIGINT
                          ELSE floor(received_delay * (0.2 + 0.7 * odd_u))::BIGINT END) AS sent_at,
    CASE WHEN rej_u >= {rf / 2} AND rej_u < {rf} THEN NULL ELSE epoch_ms(ts_ms) END AS "timestamp",
    host || path || search || CASE WHEN page_kind = 'product' AND odd_u < 0.03 THEN '#reviews' ELSE '' END AS url,
    path,
    title,
    search,
    referrer,
    utm_source AS context_campaign_source,
    utm_medium AS context_campaign_medium,
    CASE WHEN utm_source IS NOT NULL THEN utm_campaign_v END AS context_campaign_name,
    CASE WHEN utm_source IS NOT NULL AND source = 'paid_search' THEN replace(utm_term_enc, '+', ' ') END
        AS context_campaign_term,
    CASE WHEN utm_source IS NOT NULL AND source IN ('paid_social', 'email') THEN utm_content_v END
        AS context_campaign_content,
    CASE WHEN family IN ('iphone', 'android', 'ipad') AND (ip_h % 10) < 4
             THEN {_pick(["100.", "101.", "102."], hs("ip1"))} || {_pick(octets, hs("ip2"))} || '.'
                  || {_pick(octets, ip2_8)} || '.' || {_pick(octets, ip2_16)}
         WHEN (ip_h % 100) < 6
             THEN '2a02:' || lower(hex(((ip_h >> 8) % 65535) + 1)) || ':' || lower(hex(((ip_h >> 24) % 65535) + 1))
                  || '::' || lower(hex(((ip_h >> 40) % 65535) + 1))
         ELSE {_pick(octets[1:223], "(ip_h >> 8)")} || '.' || {_pick(octets, "(ip_h >> 16)")} || '.'
              || {_pick(octets, "(ip_h >> 24)")} || '.' || {_pick(octets[1:255], "(ip_h >> 32)")}
    END AS context_ip,
    user_agent AS context_user_agent
FROM (
    SELECT *,
        CASE WHEN query_body = '' THEN base_query ELSE '?' || query_body END AS search,
        CASE WHEN odd_u < 0.990 THEN '{_SITE}' ELSE {_pick(_HOSTS, "(pick2_h >> 52)")} END AS host,
        CASE source
            WHEN 'direct' THEN CASE WHEN odd_u < 0.8 THEN NULL ELSE '' END
            WHEN 'organic' THEN {_pick(_SEARCH_REF, "(pick2_h >> 24)")}
            WHEN 'paid_search' THEN CASE WHEN utm_source = 'bing' THEN 'https://www.bing.com/' ELSE 'https://www.google.com/' END
            WHEN 'social' THEN {_pick(_SOCIAL_REF, "(pick2_h >> 24)")}
                || CASE WHEN (pick2_h >> 24) % {len(_SOCIAL_REF)} = 3 THEN substr({_hex16("pick2_h")}, 3, 10) ELSE '' END
            WHEN 'paid_social' THEN CASE utm_source WHEN 'facebook' THEN 'https://l.facebook.com/'
                                     WHEN 'instagram' THEN 'https://l.instagram.com/' ELSE 'https://www.linkedin.com/' END
            WHEN 'email' THEN CASE WHEN odd_u < 0.5 THEN NULL ELSE {_pick(_MAIL_REF, "(pick2_h >> 24)")} END
            WHEN 'referral' THEN {_pick(_OTHER_REF, "(pick2_h >> 24)")}
            ELSE '{_SITE}' || {_pick(["/", "/category/shoes", "/products/trail-backpack", "/search?q=socks", "/cart", "/blog/care-for-merino"], "(pick2_h >> 24)")}
        END AS referrer
    FROM assembled
)
) AS generated
"""


def generate(con: duckdb.DuckDBPyConnection, table: str, rows: int, seed: int = 42, **kw: Any) -> int:
    """CREATE OR REPLACE TABLE ``table`` with the generated rows; returns the row count."""
    if not isinstance(table, str) or not _TABLE_RE.match(table):
        raise ValueError(f"invalid table name {table!r}: use letters, digits, _ and dots only")
    quoted = ".".join(f'"{part}"' for part in table.split("."))
    con.execute(f"CREATE OR REPLACE TABLE {quoted} AS {pages_sql(rows, seed, **kw)}")
    return int(con.execute(f"SELECT count(*) FROM {quoted}").fetchall()[0][0])


def write(path: str | Path, rows: int, seed: int = 42, **kw: Any) -> int:
    """Writes the rows to a .parquet, .csv or .json (newline-delimited) file; returns the row count."""
    import duckdb

    path = Path(path)
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        allowed = ", ".join(sorted(_FORMATS))
        raise ValueError(f"unsupported file extension {path.suffix!r} for {str(path)!r}: use one of {allowed}")
    sql = pages_sql(rows, seed, **kw)
    con = duckdb.connect()
    try:
        result = con.execute(f"COPY ({sql}) TO {_lit(str(path))} ({fmt})").fetchall()
        return int(result[0][0]) if result else rows
    finally:
        con.close()
