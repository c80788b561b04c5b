{#- The generator's random choices (templates/generate/pages.sql): every one is a hash of a row's
    keys and a named salt, so the same seed gives the same rows on any number of threads. -#}

{#- A 64-bit hash of `expr` under the salt `name`. DuckDB's multi-argument hash() combines by xor,
    so hash(x, 1) and hash(x, 2) are correlated; xor-ing a per-(seed, salt) constant into one value
    and hashing that is not. -#}
{% macro h(expr, name) -%}
hash(xor(({{ expr }})::UBIGINT, {{ salt(name) }}::UBIGINT))
{%- endmacro %}

{#- A slot's hash under the salt `name` (h0: the slot's own key, see slot_keys). -#}
{% macro hs(name) -%}
{{ h("h0", name) }}
{%- endmacro %}

{#- A uniform float in [0, 1) from a 64-bit hash (its top 53 bits, so never 1.0). -#}
{% macro u(hash) -%}
(({{ hash }}) >> 11)::DOUBLE / 9007199254740992.0
{%- endmacro %}

{#- One of `choices` (a vocabulary of the context: its list literal and its size) picked by a hash. -#}
{% macro pick(choices, hash) -%}
{{ choices.sql }}[1 + ({{ hash }} % {{ choices.size }})::BIGINT]
{%- endmacro %}

{#- One of the numbers low to high - 1 as text, picked by a hash: an IP address octet. The list is
    a constant DuckDB folds once; picking from it is ~3x cheaper than casting each number. -#}
{% macro octet(hash, low=0, high=256) -%}
(range({{ low }}, {{ high }})::VARCHAR[])[1 + ({{ hash }} % {{ high - low }})::BIGINT]
{%- endmacro %}

{#- 16 lower-case hex digits; the top bit is forced so hex() never drops leading zeros. -#}
{% macro hex16(hash) -%}
lower(hex(({{ hash }}) | 9223372036854775808::UBIGINT))
{%- endmacro %}

{#- 16 hex digits starting with a UUID variant digit (8-b): the second half of a uuid(). -#}
{% macro variant_hex16(hash) -%}
lower(hex((({{ hash }}) | 9223372036854775808::UBIGINT) & 13835058055282163711::UBIGINT))
{%- endmacro %}

{#- A UUID-v4-looking string from a hex16 and a variant_hex16 column (hex() is much faster than printf). -#}
{% macro uuid(a, b) -%}
substr({{ a }}, 2, 8) || '-' || substr({{ a }}, 10, 4) || '-4' || substr({{ a }}, 14, 3) || '-' || substr({{ b }}, 1, 4) || '-' || substr({{ b }}, 5, 12)
{%- endmacro %}
