"""ISO-8601 text as a UTC timestamp, written once for every warehouse (docs/reference.md "Files and
values": a time column held as text).

No warehouse's own cast reads ISO-8601 the same way: PostgreSQL takes 24:00 and second 60, most
casts read text without an offset in the session's zone, and a cast that fails stops the query
(PostgreSQL and Redshift have no TRY_CAST). So the text is first matched against the one pattern
we accept, and only then taken apart by position, each part a run of ASCII digits that every
warehouse casts to an integer; the time is the first of its month plus minutes and microseconds,
which no warehouse can refuse, and a day past the month's end (2025-02-30) is caught by the
month the sum lands in. Text that is not a time reads as NULL; nothing raises.
"""

from __future__ import annotations

from sessionizer.lazy import exp

# Date, then optionally [Tt ]HH:MM, :SS, a fraction, and an offset Z, ±HH:MM, ±HHMM or ±HH.
ISO_8601 = (
    r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"([Tt ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?"
    r"([Zz]|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?$"
)
# The offset forms by the length of the text they end, longest first (checked only after the
# time, so a date's own "-01" is never one). Whole-text patterns: Snowflake's REGEXP_LIKE matches
# the whole text, the others any part of it.
_OFFSETS = ((r"^.*[+-][0-9]{2}:[0-9]{2}$", 6), (r"^.*[+-][0-9]{4}$", 5), (r"^.*[+-][0-9]{2}$", 3), (r"^.*[Zz]$", 1))


# Whitespace around the text is not part of it.
_ASCII_SPACE = " \t\n\r\f\v"


def _int(text: exp.Expression) -> exp.Expression:
    return exp.cast(text, exp.DataType.build("INT"))


def _part(text: exp.Expression, start: int, length: int) -> exp.Expression:
    return _int(exp.Substring(this=text.copy(), start=exp.Literal.number(start), length=exp.Literal.number(length)))


def _num(value: int) -> exp.Expression:
    return exp.Literal.number(value)


def _if(condition: exp.Expression, then: exp.Expression, otherwise: exp.Expression) -> exp.Expression:
    return exp.Case(ifs=[exp.If(this=condition, true=then)], default=otherwise)


def _add(value: exp.Expression, amount: exp.Expression, unit: str) -> exp.Expression:
    return exp.DateAdd(this=value, expression=amount, unit=exp.var(unit))


def iso_to_utc(column: exp.Expression) -> exp.Expression:
    """``column`` (text) as the UTC TIMESTAMP its ISO-8601 text names, NULL when it names none."""
    text = exp.Trim(this=column.copy(), expression=exp.Literal.string(_ASCII_SPACE))
    length = exp.Length(this=text.copy())
    has_time = exp.GT(this=length.copy(), expression=_num(10))
    offset_length = exp.Case(
        ifs=[
            exp.If(this=exp.and_(has_time.copy(), exp.RegexpLike(this=text.copy(), expression=exp.Literal.string(p))),
                   true=_num(size))
            for p, size in _OFFSETS
        ],
        default=_num(0),
    )  # fmt: skip
    offset = exp.Right(this=text.copy(), expression=offset_length.copy())
    body = exp.Left(this=text.copy(), expression=exp.Sub(this=length.copy(), expression=offset_length.copy()))
    sign = _if(exp.EQ(this=exp.Left(this=offset.copy(), expression=_num(1)), expression=exp.Literal.string("-")),
               _num(-1), _num(1))  # fmt: skip
    offset_minutes = _if(
        exp.GTE(this=offset_length.copy(), expression=_num(3)),
        exp.Mul(this=sign, expression=exp.Paren(this=exp.Add(
            this=exp.Mul(this=_part(offset, 2, 2), expression=_num(60)),
            expression=_if(exp.GT(this=offset_length.copy(), expression=_num(3)),
                           _int(exp.Right(this=offset.copy(), expression=_num(2))), _num(0)),
        ))),
        _num(0),
    )  # fmt: skip
    hours_minutes = _if(
        has_time.copy(),
        exp.Add(this=exp.Mul(this=_part(text, 12, 2), expression=_num(60)), expression=_part(text, 15, 2)),
        _num(0),
    )
    seconds = _if(exp.GTE(this=exp.Length(this=body.copy()), expression=_num(19)), _part(body, 18, 2), _num(0))
    fraction = _int(exp.Pad(
        this=exp.Substring(this=body.copy(), start=_num(21), length=_num(6)),
        expression=_num(6), fill_pattern=exp.Literal.string("0"), is_left=False,
    ))  # fmt: skip
    day = exp.Paren(this=exp.Sub(this=_part(text, 9, 2), expression=_num(1)))
    month_start = exp.cast(
        exp.DPipe(
            this=exp.Substring(this=text.copy(), start=_num(1), length=_num(7)), expression=exp.Literal.string("-01")
        ),
        exp.DataType.build("TIMESTAMP"),
    )
    minutes = exp.Sub(
        this=exp.Add(this=exp.Mul(this=day.copy(), expression=_num(1440)), expression=hours_minutes),
        expression=exp.Paren(this=offset_minutes),
    )
    micros = exp.Add(this=exp.Mul(this=seconds, expression=_num(1_000_000)), expression=fraction)
    value = _add(_add(month_start.copy(), minutes, "MINUTE"), micros, "MICROSECOND")
    in_month = exp.EQ(
        this=exp.Extract(this=exp.var("MONTH"), expression=_add(month_start, day, "DAY")),
        expression=_part(text, 6, 2),
    )
    valid = exp.and_(
        exp.RegexpLike(this=text.copy(), expression=exp.Literal.string(ISO_8601)),
        exp.NEQ(
            this=exp.Substring(this=text.copy(), start=_num(1), length=_num(4)), expression=exp.Literal.string("0000")
        ),
    )
    # The month check only once the text is known to hold digits where the parts are read.
    return exp.Case(ifs=[exp.If(this=valid, true=_if(in_month, value, exp.null()))])
