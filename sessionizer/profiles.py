"""dbt users keep their setup: targets from dbt's profiles.yml, settings from dbt_project.yml vars.

profiles.yml is found as dbt finds it (``DBT_PROFILES_DIR``, then ``~/.dbt``); its values may use
``{{ env_var('X') }}`` and ``{{ env_var('X', 'default') }}``. Each dbt adapter's fields become one
of our targets through the engine that declares it (``Engine.DBT_ADAPTER`` and
``from_dbt_output``); secrets go into the Target's secret fields, never into its URL.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from sessionizer.engines import environment_secrets, for_dbt_adapter
from sessionizer.errors import ConfigError, TargetError
from sessionizer.targets import Target

PROFILES_FILE = "profiles.yml"


def profiles_path() -> Path:
    """Where dbt would read profiles.yml: $DBT_PROFILES_DIR, else ~/.dbt."""
    folder = os.environ.get("DBT_PROFILES_DIR")
    return Path(folder).expanduser() / PROFILES_FILE if folder else Path.home() / ".dbt" / PROFILES_FILE


def _render(value: Any, where: str, lenient: bool = False) -> Any:
    """Render dbt's jinja in every string (env_var only), recursively; a missing variable names
    itself, unless ``lenient`` (a secret that what we do does not need: it reads as empty)."""
    if isinstance(value, dict):
        return {k: _render(v, f"{where}.{k}", lenient) for k, v in value.items()}
    if isinstance(value, list):
        return [_render(v, where, lenient) for v in value]
    if not isinstance(value, str) or "{" not in value:
        return value
    from jinja2 import StrictUndefined, TemplateError
    from jinja2.sandbox import SandboxedEnvironment

    def env_var(name: str, default: Any = None) -> Any:
        if name in os.environ:
            return os.environ[name]
        if default is None and lenient:
            return ""
        if default is None:
            raise ConfigError("profile", f"{where} reads env_var('{name}'), which is not set and has no default")
        return default

    env = SandboxedEnvironment(undefined=StrictUndefined)
    try:
        return env.from_string(value).render(env_var=env_var)
    except TemplateError as err:  # the message may quote the template, never a rendered value
        raise ConfigError("profile", f"{where}: cannot render {value!r}: {err}") from None


def load_profile(name: str, target_name: str | None = None, path: Path | None = None, connects: bool = True) -> Target:
    """The Target of output ``target_name`` (default: the profile's ``target``) of profile ``name``;
    without ``connects`` (compile), a secret read from an unset variable is not asked for."""
    import yaml

    path = path or profiles_path()
    try:
        profiles = yaml.safe_load(path.read_text("utf-8")) or {}
    except OSError:
        raise ConfigError(
            "profile", f"cannot read {path} (set DBT_PROFILES_DIR to the folder of profiles.yml)"
        ) from None
    except yaml.YAMLError as err:
        raise ConfigError("profile", f"{path} is not valid YAML: {err}") from None
    profile = profiles.get(name) if isinstance(profiles, dict) else None
    if not isinstance(profile, dict):
        known = ", ".join(sorted(k for k in profiles if k != "config")) if isinstance(profiles, dict) else ""
        raise ConfigError("profile", f"no profile {name!r} in {path}; profiles there: {known or 'none'}")
    outputs = profile.get("outputs") or {}
    chosen = target_name or _render(profile.get("target"), f"{name}.target")
    if not chosen or chosen not in outputs:
        raise ConfigError(
            "profile-target", f"profile {name!r} has no output {chosen!r}; outputs: {', '.join(outputs) or 'none'}"
        )
    where, raw = f"{name}.outputs.{chosen}", outputs[chosen]
    try:
        engine = for_dbt_adapter(_render(raw.get("type"), f"{where}.type"))
    except TargetError as err:
        raise TargetError(f"profile {name!r} output {chosen!r}: {err}") from None
    unneeded = () if connects else engine.DBT_SECRETS
    output = {k: _render(v, f"{where}.{k}", k in unneeded) for k, v in raw.items()}
    return engine.from_dbt_output(output, environment_secrets())


# dbt-segment's vars → sessionizer.yml keys.
DBT_VARS = {
    "segment_page_views_table": "source",
    "segment_sessionization_trailing_window": "trailing_window",
    "segment_inactivity_cutoff": "inactivity_cutoff",
    "segment_pass_through_columns": "pass_through_columns",
}
_SOURCE_CALL = re.compile(r"^\{\{\s*source\(\s*['\"](\w+)['\"]\s*,\s*['\"](\w+)['\"]\s*\)\s*\}\}$")
_VAR_CALL = re.compile(r"^\{\{\s*var\(\s*['\"](\w+)['\"]\s*(?:,\s*(.+?)\s*)?\)\s*\}\}$")
_REF_CALL = re.compile(r"^\{\{\s*ref\(\s*['\"](\w+)['\"]\s*\)\s*\}\}$")


def _table(value: Any) -> tuple[str, str | None]:
    """A dbt table reference as a table name, and a note when we had to assume something."""
    text = str(value).strip()
    match = _SOURCE_CALL.match(text)
    if match:
        source, table = match.groups()
        return f"{source}.{table}", f"source('{source}', '{table}') read as schema {source}: check the source's schema"
    match = _REF_CALL.match(text)
    if match:
        return match.group(1), f"ref('{match.group(1)}') read as the table {match.group(1)} in the target's schema"
    return text.strip("\"'`"), None


def _var(value: Any, var: str, known: dict[str, Any], project_file: Path, depth: int = 0) -> Any:
    """A value written ``{{ var('x') }}`` (or ``{{ var('x', default) }}``) as the var it names, from
    the project's vars, else its default; a var the project does not set is named."""
    if isinstance(value, list):
        return [_var(v, var, known, project_file, depth) for v in value]
    match = _VAR_CALL.match(value.strip()) if isinstance(value, str) else None
    if match is None or depth > 10:
        return value
    name, default = match.groups()
    if name in known:
        return _var(known[name], var, known, project_file, depth + 1)
    if default is not None:
        import yaml

        return yaml.safe_load(default)
    raise ConfigError(
        "from-dbt",
        f"{var} reads var('{name}'), which {project_file} does not set (dbt would take it from --vars); "
        "give its value in dbt_project.yml, or write it in sessionizer.yml",
    )


def _schema(project: Any) -> str | None:
    """The schema dbt-segment's models are configured with (models: segment: +schema), if any."""
    models = project.get("models") if isinstance(project, dict) else None
    package = models.get("segment") if isinstance(models, dict) else None
    if not isinstance(package, dict):
        return None
    found = package.get("+schema", package.get("schema"))
    return None if found is None else str(found)


def settings_from_dbt(project_file: Path) -> tuple[dict[str, Any], list[str]]:
    """sessionizer.yml settings from a dbt project's vars and dbt-segment's model schema, and one
    line per thing mapped (and per dbt-segment var that has no sessionizer setting)."""
    import yaml

    try:
        project = yaml.safe_load(project_file.read_text("utf-8")) or {}
    except OSError as err:
        raise ConfigError("from-dbt", f"cannot read {project_file}: {err.strerror}") from None
    except yaml.YAMLError as err:
        raise ConfigError("from-dbt", f"{project_file} is not valid YAML: {err}") from None
    raw = (project.get("vars") or {}) if isinstance(project, dict) else {}
    # vars are global, or scoped under a package name (segment:); scoped ones win.
    known = {k: v for k, v in raw.items() if not isinstance(v, dict)}
    for scoped in (v for v in raw.values() if isinstance(v, dict)):
        known.update(scoped)
    found = {k: v for k, v in known.items() if k in DBT_VARS}
    settings: dict[str, Any] = {}
    said: list[str] = []
    for var, value in found.items():
        key = DBT_VARS[var]
        value = _var(value, var, known, project_file)
        notes: list[str] = []
        if key == "source":
            tables = [_table(v) for v in value] if isinstance(value, list) else [_table(value)]
            notes = [note for _, note in tables if note]
            names = [name for name, _ in tables]
            # Several tables: one source entry each, named after its schema (website.pages → website).
            value = names[0] if len(names) == 1 else [{"table": n, "name": n.split(".")[-2:][0]} for n in names]
        said.append(f"{var} → {key}: {value}" + "".join(f"\n  note: {n}" for n in notes))
        settings[key] = value
    schema = _schema(project)
    if schema is not None:
        settings["schema"] = _var(schema, "models.segment.+schema", known, project_file)
        said.append(
            f"models.segment +schema → schema: {settings['schema']}\n  note: dbt's default generate_schema_name "
            f"writes to <the profile's schema>_{settings['schema']}; if your tables are there, set schema to that"
        )
    for var in sorted(k for k in known if k.startswith("segment_") and k not in DBT_VARS):
        said.append(f"not mapped: {var} (sessionizer has no such setting; it is left out)")
    if isinstance(project, dict) and project.get("profile"):
        said.append(f"dbt profile: run with --profile {project['profile']}")
    return settings, said
