{#- Segment `pages` rows over range(rows), ordered by received_at (sessionizer/generate.py says what
    they look like). The context holds literals only: the sizes, the time span, the fractions, the
    vocabularies (`choices`, list literals with their sizes) and `salt(name)`, the per-seed constant
    of each named hash. -#}
{% from "generate/_macros.sql" import h, hs, u, pick, octet, hex16, variant_hex16, uuid with context %}

{#- A slot's keys from (d, k): whether it re-sends the slot before it (never two in a row, so src
    is never a duplicate), its source slot, h0 (all content hashes come from it), and its gap kind:
    0 first, 1 new visit, 2 near the 30-minute cutoff, 3 same time, 4 short. -#}
{% macro slot_keys(source) -%}
(
        SELECT *,
            CASE WHEN src = 0 THEN 0 WHEN gap_u < 0.22 THEN 1 WHEN gap_u < 0.235 THEN 2
                 WHEN gap_u < 0.245 THEN 3 ELSE 4 END AS gap_kind
        FROM (
            SELECT *, {{ u(hs("gap")) }} AS gap_u,
                sqrt(-2.0 * ln(1.0 - {{ u(hs("z1")) }})) * cos(6.283185307179586 * {{ u(hs("z2")) }}) AS z_gap
            FROM (
                SELECT *, {{ h("xor(dev_h, src::UBIGINT)", "slot") }} AS h0
                FROM (
                    SELECT *, k - is_dup::BIGINT AS src
                    FROM (
                        SELECT *,
                            k > 0 AND {{ u(h("xor(dev_h, k::UBIGINT)", "dup")) }} < {{ duplicate_p }}
                            AND NOT (k > 1 AND {{ u(h("xor(dev_h, greatest(k - 1, 0)::UBIGINT)", "dup")) }} < {{ duplicate_p }})
                            AS is_dup
                        FROM (SELECT *, {{ h("d", "dev") }} AS dev_h FROM {{ source }})
                    )
                )
            )
        )
    )
{%- endmacro %}

SELECT
{%- for name, type in columns %}
    CAST({{ name }} AS {{ type }}) AS {{ name }}{% if not loop.last %},{% endif %}
{%- endfor %}
FROM (
WITH persons AS (
    SELECT p,
        {#- log-normal activity (Box-Muller) gives the heavy tail of page views per person #}
        exp(1.2 * sqrt(-2.0 * ln(1.0 - {{ u(h("p", "act1")) }})) * cos(6.283185307179586 * {{ u(h("p", "act2")) }}))
            AS activity,
        CASE WHEN {{ u(h("p", "ndev")) }} < 0.55 THEN 1 WHEN {{ u(h("p", "ndev")) }} < 0.85 THEN 2 ELSE 3 END AS n_devices
    FROM range({{ persons }}) AS t(p)
),
devices AS (
    SELECT p, j, p * 3 + j AS d,
        greatest(1, round(1000.0 * activity
            * CASE j WHEN 0 THEN 1.0 ELSE 0.15 + 0.6 * {{ u(h("p * 3 + j", "share")) }} END))::BIGINT AS w
    FROM persons, range(3) AS t(j)
    WHERE j < n_devices
),
alloc AS (
    SELECT *, sum(w) OVER (ORDER BY d ROWS UNBOUNDED PRECEDING) AS cw, sum(w) OVER () AS tw
    FROM devices
),
devs AS (
    SELECT d, p, j, (cw::HUGEINT * {{ rows }} // tw)::BIGINT - ((cw - w)::HUGEINT * {{ rows }} // tw)::BIGINT AS cnt
    FROM alloc
),
devs2 AS (
    SELECT * FROM devs WHERE cnt > 0
),
{#- the per-slot pipeline stays narrow (numbers only) until the rows are sorted #}
slots AS (
    SELECT d, k, cnt FROM devs2 AS dv, range(dv.cnt) AS t(k)
),
gaps AS (
    SELECT *,
        CASE WHEN is_dup OR gap_kind IN (0, 1, 3) THEN 0
             WHEN gap_kind = 2 THEN {{ pick(choices.near_cutoff_ms, hs("cut")) }}
             ELSE least(1500000, 1000 + floor(25000.0 * exp(1.1 * z_gap)))::BIGINT END AS g_short,
        CASE WHEN NOT is_dup AND gap_kind = 1
             THEN 1900000 + floor(43200000.0 * exp(1.3 * z_gap))::BIGINT ELSE 0 END AS g_long
    FROM {{ slot_keys("slots") }}
),
{#- the window sees only (d, k, gaps): the slot keys are recomputed after it rather than carried through its sort #}
timed AS (
    SELECT d, k, cnt,
        sum(g_short) OVER wc AS cs, sum(g_long) OVER wc AS cl,
        sum(g_short) OVER wa AS ts_short, sum(g_long) OVER wa AS ts_long
    FROM gaps
    WINDOW wc AS (PARTITION BY d ORDER BY k ROWS UNBOUNDED PRECEDING), wa AS (PARTITION BY d)
),
placed AS (
    SELECT d, k, cnt, src, is_dup, h0, dev_h, gap_kind,
        {#- squeeze the visit gaps of very active devices so every device fits the time span #}
        ({{ end_ms }} - {{ span_ms }} + floor({{ u(h("d", "start")) }} * greatest(0, {{ span_ms }} - ts_short - floor(ts_long * f)))
            + cs + floor(cl * f))::BIGINT AS ts_ms
    FROM (
        SELECT *, CASE WHEN ts_long > greatest(1, {{ visits_span_ms }} - ts_short)
                       THEN greatest(1, {{ visits_span_ms }} - ts_short) / ts_long ELSE 1.0 END AS f
        FROM {{ slot_keys("timed") }}
    )
),
arrival AS (
    SELECT *,
        {#- normal rows arrive within seconds; some arrive hours to days late (offline clients) #}
        CASE WHEN late_u < {{ late_fraction }}
             THEN 3600000 + floor(432000000.0 * pow({{ u(hs("delay")) }}, 2))::BIGINT
             ELSE 150 + least(20000, floor(900.0 * pow(2.0, 3.0 * {{ u(hs("delay")) }} - 1.0)))::BIGINT
        END AS received_delay,
        {#- a re-sent copy lands seconds to a day after the original #}
        CASE WHEN is_dup THEN 1000 + floor(86400000.0 * pow({{ u(h("xor(dev_h, k::UBIGINT)", "resend")) }}, 4))::BIGINT
             ELSE 0 END AS resend_delay,
        {{ hs("id1") }} AS id1_h
    FROM (SELECT *, {{ u(hs("late")) }} AS late_u FROM placed)
),
{#- sort while the rows are narrow; the projections after it keep the order and add the strings #}
ordered AS (
    SELECT *, ts_ms + received_delay + resend_delay AS received_ms
    FROM arrival
    ORDER BY received_ms, id1_h, is_dup
),
content AS (
    SELECT *,
        gap_kind <= 1 AS landing,
        {{ u(hs("page")) }} AS page_u,
        {{ u(hs("source")) }} AS src_u,
        {{ u(hs("odd")) }} AS odd_u,
        {{ u(hs("reject")) }} AS rej_u,
        {{ hs("pick") }} AS pick_h,
        {{ hs("pick2") }} AS pick2_h,
        {{ hex16(h("d", "anon1")) }} AS anon_a, {{ variant_hex16(h("d", "anon2")) }} AS anon_b,
        100.0 * {{ u(h("d", "family")) }} AS fam_u,
        {{ u(h("d", "login_at")) }} AS login_u,
        {{ h("d", "ip") }} AS ip_h,
        {#- identification: the first device of a person who logs in always identifies #}
        {{ u(h("d // 3", "login")) }} < 0.6 AND (d % 3 = 0 OR {{ u(h("d", "identifies")) }} < 0.75) AS identifies,
        {{ u(h("d", "shared")) }} < 0.02 AND cnt > 4 AS shared
    FROM ordered
),
content2 AS (
    SELECT *,
        CASE WHEN NOT identifies THEN 9223372036854775807
             WHEN login_u < 0.3 THEN 0 ELSE floor(login_u * cnt)::BIGINT END AS login_k,
        CASE WHEN shared THEN cnt // 2 + floor(login_u * (cnt // 2))::BIGINT
             ELSE 9223372036854775807 END AS switch_k,
        {{ uuid("anon_a", "anon_b") }} AS anonymous_id,
        {{ hex16(hs("id1")) }} AS id_a, {{ variant_hex16(hs("id2")) }} AS id_b,
        CASE {% for family in families %}WHEN fam_u < {{ family.share }} THEN {{ pick(family.agents, h("d", "ua")) }} {% endfor %}END AS user_agent,
        CASE {% for family in families %}WHEN fam_u < {{ family.share }} THEN {{ family.name }} {% endfor %}END AS family
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
        {#- traffic source of a visit's landing page; later page views are internal #}
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
            WHEN 'category' THEN '/category/' || {{ choices.categories.sql }}[1 + cat_i]
            WHEN 'product' THEN '/products/' || {{ choices.adjectives.sql }}[1 + adj_i] || '-' || {{ choices.nouns.sql }}[1 + noun_i]
            WHEN 'search' THEN '/search'
            WHEN 'cart' THEN '/cart'
            WHEN 'checkout' THEN CASE WHEN (pick2_h % 2) = 0 THEN '/checkout' ELSE '/checkout/payment' END
            WHEN 'confirmation' THEN '/checkout/confirmation'
            WHEN 'blog' THEN '/blog/' || {{ choices.blog_posts.sql }}[1 + blog_i]
            WHEN 'account' THEN '/account/orders'
            WHEN 'login' THEN '/login'
            WHEN 'static' THEN {{ choices.static_pages.sql }}[1 + static_i]
            ELSE {{ pick(choices.odd_paths, "pick2_h") }}
        END AS path,
        CASE page_kind
            WHEN 'category' THEN CASE WHEN (pick2_h % 3) = 0 THEN {{ pick(choices.sorts, "(pick2_h >> 8)") }} ELSE '' END
            WHEN 'search' THEN '?q=' || {{ pick(choices.queries, "(pick2_h >> 8)") }}
            WHEN 'confirmation' THEN '?order=' || (100000 + (pick2_h >> 20) % 900000)::VARCHAR
            WHEN 'login' THEN CASE WHEN (pick2_h % 2) = 0 THEN '?next=%2Fcheckout' ELSE '' END
            WHEN 'odd' THEN CASE WHEN (pick2_h % 3) = 0 THEN '?ref=' || repeat('a', 600) WHEN (pick2_h % 3) = 1 THEN '?' ELSE '' END
            ELSE ''
        END AS base_query,
        CASE page_kind
            WHEN 'home' THEN 'Example Shop — Outdoor Gear & Apparel'
            WHEN 'category' THEN {{ choices.category_titles.sql }}[1 + cat_i] || ' | Example Shop'
            WHEN 'product' THEN {{ choices.adjective_titles.sql }}[1 + adj_i] || ' ' || {{ choices.noun_titles.sql }}[1 + noun_i] || ' | Example Shop'
            WHEN 'search' THEN 'Search results | Example Shop'
            WHEN 'cart' THEN 'Your Cart | Example Shop'
            WHEN 'checkout' THEN 'Checkout | Example Shop'
            WHEN 'confirmation' THEN 'Thank you for your order! | Example Shop'
            WHEN 'blog' THEN {{ choices.blog_titles.sql }}[1 + blog_i] || ' | Example Shop Journal'
            WHEN 'account' THEN 'My Orders | Example Shop'
            WHEN 'login' THEN 'Sign in | Example Shop'
            WHEN 'static' THEN {{ choices.static_titles.sql }}[1 + static_i] || ' | Example Shop'
            ELSE {{ pick(choices.odd_titles, "(pick2_h >> 4)") }}
        END AS title,
        {#- campaign parameters (decoded, as Segment stores them) for paid, email and some referral traffic #}
        CASE source
            WHEN 'paid_search' THEN CASE WHEN (pick2_h >> 40) % 10 < 4 THEN NULL
                                         WHEN (pick2_h >> 40) % 10 < 8 THEN 'google' ELSE 'bing' END
            WHEN 'paid_social' THEN {{ pick(choices.social_networks, "(pick2_h >> 40)") }}
            WHEN 'email' THEN 'newsletter'
            WHEN 'referral' THEN CASE WHEN (pick2_h >> 40) % 10 < 3 THEN 'partner_site' END
        END AS utm_source,
        {{ pick(choices.campaigns, "(pick_h >> 40)") }} AS utm_campaign_v,
        {{ pick(choices.terms, "(pick_h >> 44)") }} AS utm_term_enc,
        {{ pick(choices.contents, "(pick_h >> 48)") }} AS utm_content_v
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
                || CASE WHEN utm_source = 'bing' THEN '&msclkid=' || {{ hex16(hs("msclkid")) }} ELSE '' END
            END,
            CASE WHEN has_gclid THEN 'gclid=Cj0KCQiA' || {{ hex16(hs("gclid")) }} || '_BwE' END
        ) AS query_body
    FROM campaigns
)
SELECT
    {{ uuid("id_a", "id_b") }} AS id,
    CASE WHEN rej_u < {{ reject_half }} THEN NULL ELSE anonymous_id END AS anonymous_id,
    CASE WHEN src >= switch_k THEN 'u_' || {{ hex16(h("(d // 3 + 1) % " ~ persons, "uid")) }}
         WHEN src >= login_k THEN 'u_' || {{ hex16(h("d // 3", "uid")) }} END AS user_id,
    epoch_ms(received_ms) AS received_at,
    epoch_ms(ts_ms + CASE WHEN late_u < {{ late_fraction }} THEN received_delay - 50 - ((pick2_h >> 12) % 2000)::BIGINT
                          ELSE floor(received_delay * (0.2 + 0.7 * odd_u))::BIGINT END) AS sent_at,
    CASE WHEN rej_u >= {{ reject_half }} AND rej_u < {{ reject }} THEN NULL ELSE epoch_ms(ts_ms) END AS "timestamp",
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
             THEN {{ pick(choices.mobile_prefixes, hs("ip1")) }} || {{ octet(hs("ip2")) }} || '.'
                  || {{ octet("(" ~ hs("ip2") ~ " >> 8)") }} || '.' || {{ octet("(" ~ hs("ip2") ~ " >> 16)") }}
         WHEN (ip_h % 100) < 6
             THEN '2a02:' || lower(hex(((ip_h >> 8) % 65535) + 1)) || ':' || lower(hex(((ip_h >> 24) % 65535) + 1))
                  || '::' || lower(hex(((ip_h >> 40) % 65535) + 1))
         ELSE {{ octet("(ip_h >> 8)", 1, 223) }} || '.' || {{ octet("(ip_h >> 16)") }} || '.'
              || {{ octet("(ip_h >> 24)") }} || '.' || {{ octet("(ip_h >> 32)", 1, 255) }}
    END AS context_ip,
    user_agent AS context_user_agent
FROM (
    SELECT *,
        CASE WHEN query_body = '' THEN base_query ELSE '?' || query_body END AS search,
        CASE WHEN odd_u < 0.990 THEN {{ site }} ELSE {{ pick(choices.hosts, "(pick2_h >> 52)") }} END AS host,
        CASE source
            WHEN 'direct' THEN CASE WHEN odd_u < 0.8 THEN NULL ELSE '' END
            WHEN 'organic' THEN {{ pick(choices.search_referrers, "(pick2_h >> 24)") }}
            WHEN 'paid_search' THEN CASE WHEN utm_source = 'bing' THEN 'https://www.bing.com/' ELSE 'https://www.google.com/' END
            WHEN 'social' THEN {{ pick(choices.social_referrers, "(pick2_h >> 24)") }}
                || CASE WHEN (pick2_h >> 24) % {{ choices.social_referrers.size }} = 3 THEN substr({{ hex16("pick2_h") }}, 3, 10) ELSE '' END
            WHEN 'paid_social' THEN CASE utm_source WHEN 'facebook' THEN 'https://l.facebook.com/'
                                     WHEN 'instagram' THEN 'https://l.instagram.com/' ELSE 'https://www.linkedin.com/' END
            WHEN 'email' THEN CASE WHEN odd_u < 0.5 THEN NULL ELSE {{ pick(choices.mail_referrers, "(pick2_h >> 24)") }} END
            WHEN 'referral' THEN {{ pick(choices.other_referrers, "(pick2_h >> 24)") }}
            ELSE {{ site }} || {{ pick(choices.internal_paths, "(pick2_h >> 24)") }}
        END AS referrer
    FROM assembled
)
) AS generated
