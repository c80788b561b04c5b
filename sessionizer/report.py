"""`sessionizer report`: one HTML file that shows the sessions as an analyst looks at them.

Every figure is a GROUP BY in the warehouse (templates/report/, written once in DuckDB SQL and
rendered per dialect like the stages), so only aggregates leave it. The charts are plotly's (the
optional extra ``report``), with plotly.js embedded in the file: it opens offline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sessionizer.dialects import CANONICAL
from sessionizer.engines import get_engine
from sessionizer.errors import ConfigError, SessionizerError, StateError
from sessionizer.job import Job
from sessionizer.lazy import exp
from sessionizer.warehouse import Warehouse

EXTRA_HINT = "pip install 'sessionizer[report]'"
DEFAULT_DAYS = 30
TOP = 10
DURATION_TIERS = ("0s to 9s", "10s to 29s", "30s to 59s", "60s or more")


class ExtraMissingError(SessionizerError):
    """The command needs an optional extra that is not installed."""


@dataclass
class Counts:
    """The counts of one group of sessions (templates/report/_filters.sql ``session_counts``)."""

    label: Any
    sessions: int
    users: int
    page_views: int
    new_sessions: int
    bounces: int

    @property
    def bounce_rate(self) -> float:
        return 100.0 * self.bounces / self.sessions if self.sessions else 0.0


@dataclass
class ReportData:
    """Everything the HTML shows: aggregates only."""

    target: str
    source_name: str | None
    days: int
    since: datetime | None = None
    until: datetime | None = None
    # Sessions that start after the window's end (counted apart, in no figure).
    later: int = 0
    totals: Counts | None = None
    mean_duration_s: float | None = None
    daily: list[Counts] = field(default_factory=list)
    breakdowns: dict[str, list[Counts]] = field(default_factory=dict)
    # docs/reference.md "Beyond dbt-segment", when the tables have them (else None):
    engaged: int | None = None  # engaged sessions of the report's
    bots: int | None = None  # bot page views set aside (every one the tables hold)

    @property
    def engaged_share(self) -> float | None:
        """The engaged sessions' share of the report's sessions, in percent."""
        if self.engaged is None or self.totals is None:
            return None
        return 100.0 * self.engaged / self.totals.sessions if self.totals.sessions else 0.0


def _number(value: Any) -> Any:
    """Drivers hand counts back as Decimal or int; JSON and plotly want int or float."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return 0 if value is None else value


def _counts(row: tuple[Any, ...]) -> Counts:
    label, *numbers = row
    if isinstance(label, datetime):
        label = label.date()
    return Counts(label, *(int(_number(n)) for n in numbers))


def gather(job: Job, days: int, source_name: str | None = None, until: datetime | None = None) -> ReportData:
    """Run the report's queries; the window is the ``days`` days ending at ``until`` (default the
    run's "now", UTC); sessions that start after it are counted apart (``later``)."""
    sessions = job.tables["sessions"]
    data = ReportData(job.target.display, source_name, days)
    if get_engine(job.target.dialect).holds_nothing(job.target):
        raise StateError(f"{job.target.display} has no tables yet; run `sessionizer run` first")
    end = until if until is not None else datetime.now(UTC).replace(tzinfo=None)
    with job.warehouse(read_only=True) as wh:
        if wh.missing_tables([sessions]):
            raise StateError(f"there is no {sessions.name} table yet; run `sessionizer run` first")
        has_sources = not wh.missing_tables([sessions], {sessions.name: ["source_name"]})
        if source_name is not None and not has_sources:
            raise StateError(f"{sessions.name} has no source_name column: the tables come from a single source")
        if source_name is not None:
            names = [str(row[0]) for row in _rows(wh, job, "source_names", {})]
            if source_name not in names:
                raise ConfigError(
                    "source-name", f"no session has source_name {source_name!r}; the names are {', '.join(names)}"
                )
        context: dict[str, Any] = {"since": None, "source_name": source_name, "until": _timestamp(end)}
        bounds = _rows(wh, job, "bounds", context)[0]
        data.later = int(_number(bounds[2]))
        if bounds[1] is None:
            return data
        data.until = end
        first_day = end.date() - timedelta(days=days - 1)
        data.since = datetime(first_day.year, first_day.month, first_day.day)
        context["since"] = _timestamp(data.since)
        totals = _rows(wh, job, "totals", context)[0]
        data.totals = _counts(("all", *totals[:5]))
        data.mean_duration_s = None if totals[5] is None else float(totals[5])
        data.daily = [_counts(row) for row in _rows(wh, job, "daily", context)]
        dimensions = {"duration_tier": 0, "device_category": 0, "medium": 0, "referrer_source": TOP,
                      "landing_page": TOP, "exit_page": TOP}  # fmt: skip
        if has_sources and source_name is None:
            dimensions["source_name"] = 0
        added = {c for c in ("channel", "is_engaged") if not wh.missing_tables([sessions], {sessions.name: [c]})}
        if "channel" in added:
            dimensions["channel"] = 0
        for dimension, limit in dimensions.items():
            rows = _rows(wh, job, "breakdown", {**context, "dimension": dimension, "limit": limit})
            data.breakdowns[dimension] = [_counts(row) for row in rows]
        if "is_engaged" in added:
            data.engaged = int(_number(_rows(wh, job, "engaged", context)[0][0]))
        if job.config.exclude_bots and not wh.missing_tables([job.tables["rejected"]]):
            data.bots = int(_number(_rows(wh, job, "bots", context)[0][0]))
    tiers = data.breakdowns["duration_tier"]
    tiers.sort(key=lambda c: DURATION_TIERS.index(c.label) if c.label in DURATION_TIERS else len(DURATION_TIERS))
    return data


def _timestamp(value: datetime) -> str:
    """A TIMESTAMP literal of the report's SQL."""
    return exp.cast(exp.Literal.string(value.isoformat(sep=" ")), exp.DataType.build("TIMESTAMP")).sql(CANONICAL)


def _rows(wh: Warehouse, job: Job, template: str, context: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in wh.execute(job.compiler.render(f"report/{template}", **context)).fetchall()]


def _plotly() -> Any:
    try:
        import plotly
    except ImportError:
        raise ExtraMissingError(f"the report draws its charts with plotly: {EXTRA_HINT}") from None
    return plotly


def _figure_html(figure: Any, div_id: str) -> str:
    import plotly.io as pio

    figure.update_layout(
        template="plotly_white", height=340, margin={"l": 48, "r": 16, "t": 16, "b": 40},
        legend={"orientation": "h", "y": -0.2}, font={"family": "system-ui, sans-serif", "size": 12},
    )  # fmt: skip
    config = {"displaylogo": False, "responsive": True}
    return pio.to_html(figure, include_plotlyjs=False, full_html=False, div_id=div_id, config=config)


def _bars(counts: list[Counts], name: str, horizontal: bool = False) -> Any:
    import plotly.graph_objects as go

    labels = [str(c.label) for c in counts]
    values = [c.sessions for c in counts]
    if horizontal:  # most first, read from the top
        figure = go.Figure(go.Bar(y=labels[::-1], x=values[::-1], orientation="h", name=name))
        figure.update_yaxes(automargin=True)
        return figure
    return go.Figure(go.Bar(x=labels, y=values, name=name))


def charts(data: ReportData) -> list[dict[str, Any]]:
    """The figures, as {id, title, html, wide}; the ids are what the browser test reads."""
    import plotly.graph_objects as go

    days = [c.label.isoformat() for c in data.daily]
    traffic = go.Figure([
        go.Scatter(x=days, y=[c.sessions for c in data.daily], name="sessions", mode="lines+markers"),
        go.Scatter(x=days, y=[c.users for c in data.daily], name="users", mode="lines+markers"),
        go.Scatter(x=days, y=[c.page_views for c in data.daily], name="page views", mode="lines+markers"),
    ])  # fmt: skip
    returning = go.Figure([
        go.Bar(x=days, y=[c.new_sessions for c in data.daily], name="new"),
        go.Bar(x=days, y=[c.sessions - c.new_sessions for c in data.daily], name="returning"),
    ])  # fmt: skip
    returning.update_layout(barmode="stack")
    bounce = go.Figure(go.Scatter(x=days, y=[round(c.bounce_rate, 2) for c in data.daily], name="bounce rate %",
                                  mode="lines+markers"))  # fmt: skip
    bounce.update_yaxes(ticksuffix="%", rangemode="tozero")
    mediums = data.breakdowns["medium"]
    medium_pie = go.Figure(go.Pie(labels=[str(c.label) for c in mediums], values=[c.sessions for c in mediums],
                                  hole=0.45, sort=False))  # fmt: skip
    devices = data.breakdowns["device_category"]
    device_pie = go.Figure(go.Pie(labels=[str(c.label) for c in devices], values=[c.sessions for c in devices],
                                  hole=0.45, sort=False))  # fmt: skip
    specs = [
        ("traffic", "Sessions, users and page views per day", traffic, True),
        ("returning", "New and returning sessions per day", returning, False),
        ("bounce", "Bounce rate per day (sessions of one page view)", bounce, False),
        ("durations", "Session duration", _bars(data.breakdowns["duration_tier"], "sessions"), False),
        ("devices", "Device category", device_pie, False),
        ("mediums", "Referrer medium", medium_pie, False),
        ("referrers", f"Top {TOP} referrer sources", _bars(data.breakdowns["referrer_source"], "sessions", True),
         False),
        ("landing", f"Top {TOP} landing pages", _bars(data.breakdowns["landing_page"], "sessions", True), False),
        ("exit", f"Top {TOP} exit pages", _bars(data.breakdowns["exit_page"], "sessions", True), False),
    ]  # fmt: skip
    if "channel" in data.breakdowns:
        specs.append(("channels", "Sessions by channel", _bars(data.breakdowns["channel"], "sessions", True), False))
    if "source_name" in data.breakdowns:
        per_source = data.breakdowns["source_name"]
        names = [str(c.label) for c in per_source]
        by_source = go.Figure([
            go.Bar(x=names, y=[c.sessions for c in per_source], name="sessions"),
            go.Bar(x=names, y=[c.users for c in per_source], name="users"),
            go.Bar(x=names, y=[c.page_views for c in per_source], name="page views"),
        ])  # fmt: skip
        specs.append(("sources", "Per source", by_source, True))
    return [
        {"id": chart_id, "title": title, "html": _figure_html(figure, chart_id), "wide": wide}
        for chart_id, title, figure, wide in specs
    ]


def cards(data: ReportData) -> list[dict[str, str]]:
    """The headline numbers above the charts."""
    totals = data.totals
    assert totals is not None
    mean = data.mean_duration_s or 0.0
    per_session = totals.page_views / totals.sessions if totals.sessions else 0.0
    return [
        {"metric": "sessions", "name": "sessions", "value": f"{totals.sessions:,}"},
        {"metric": "users", "name": "users", "value": f"{totals.users:,}"},
        {"metric": "page_views", "name": "page views", "value": f"{totals.page_views:,}"},
        {"metric": "pages_per_session", "name": "pages per session", "value": f"{per_session:.2f}"},
        {"metric": "bounce_rate", "name": "bounce rate", "value": f"{totals.bounce_rate:.1f}%"},
        {"metric": "new_sessions", "name": "new sessions", "value": f"{totals.new_sessions:,}"},
        {"metric": "mean_duration", "name": "mean duration", "value": f"{mean:,.0f} s"},
        *(
            [{"metric": "engaged_share", "name": "engaged sessions", "value": f"{engaged:.1f}%"}]
            if (engaged := data.engaged_share) is not None
            else []
        ),
        *(
            [{"metric": "bots", "name": "bot page views excluded", "value": f"{data.bots:,}"}]
            if data.bots is not None
            else []
        ),
    ]


def render_html(data: ReportData) -> str:
    """The report as one self-contained HTML page (plotly.js inlined)."""
    import jinja2

    plotly = _plotly()
    from plotly.offline import get_plotlyjs

    from sessionizer import __version__

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("sessionizer", "templates"), autoescape=True, undefined=jinja2.StrictUndefined
    )
    if data.since is None or data.until is None:
        period = "no sessions"
    else:
        period = f"{data.days} day(s): {data.since:%Y-%m-%d} to {data.until:%Y-%m-%d}"
    if data.later:
        period += f" · {data.later:,} session(s) start after {data.until or 'the window'} and are not counted"
    # A "</script" inside the library would end the inline script early; plotly.js has none.
    script = get_plotlyjs().replace("</script", "<\\/script")
    return env.get_template("report/report.html").render(
        version=f"{__version__}, plotly {plotly.__version__}",
        plotly_js=script,
        source_name=data.source_name,
        target=data.target,
        period=period,
        generated_at=f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        cards=cards(data) if data.totals else [],
        charts=charts(data) if data.totals and data.totals.sessions else [],
    )


def write_report(
    job: Job, out: str | Path, days: int = DEFAULT_DAYS, source_name: str | None = None, until: datetime | None = None
) -> Path:
    """Query the aggregates, draw them, write the file; returns its path."""
    _plotly()  # before any query: say which extra to install first
    return save(gather(job, days, source_name, until), out)


def save(data: ReportData, out: str | Path) -> Path:
    """Draw gathered aggregates into the HTML file; returns its path. The demo prints the same
    data it saves, so its overview and the report never disagree."""
    html = render_html(data)
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, "utf-8")
    return path
