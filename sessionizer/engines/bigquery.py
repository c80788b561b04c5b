"""BigQuery: a project reached with Google's credentials; a connection is one BigQuery session,
since temporary tables and multi-statement transactions need one."""

from __future__ import annotations

import re
from typing import Any, ClassVar
from urllib.parse import unquote, urlsplit

from sessionizer.engines import Engine, dbt_fields
from sessionizer.errors import TargetError
from sessionizer.targets import Target, mask, target_schema, url_options

# A project id (optionally domain-scoped, example.com:project).
_PROJECT = re.compile(r"^([a-z0-9.-]+:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$")


class BigQueryEngine(Engine):
    DIALECT: ClassVar[str] = "bigquery"
    SCHEMES: ClassVar[tuple[str, ...]] = ("bigquery",)
    URL_SHAPE: ClassVar[str] = "PROJECT/DATASET"
    # Credentials are a key file or the application default ones, never a value in the environment.
    CREDENTIALS_HINT: ClassVar[str] = (
        "use application default credentials (gcloud auth application-default login) "
        "or set GOOGLE_APPLICATION_CREDENTIALS to a service account key file"
    )
    EXTRA: ClassVar[str | None] = "bigquery"
    DBT_ADAPTER: ClassVar[str | None] = "bigquery"

    @classmethod
    def parse_url(cls, url: str, secrets: tuple[str, ...]) -> Target:
        """bigquery://PROJECT/DATASET?location=EU (query keys go to the client's jobs)."""
        parts = urlsplit(url)
        project = unquote(parts.netloc)
        segments = [unquote(s) for s in parts.path.strip("/").split("/") if s]
        if not _PROJECT.match(project) or len(segments) != 1:
            raise TargetError(f"target {mask(url, secrets)!r}: expected {cls.url_example()}")
        return Target(
            cls.DIALECT, url, host=project, database=project, schema=target_schema(segments),
            options=url_options(parts), secrets=secrets,
        )  # fmt: skip

    @classmethod
    def from_dbt_output(cls, output: dict[str, Any], secrets: tuple[str, ...]) -> Target:
        """dbt-bigquery: project, dataset (or schema), location; a service-account keyfile is
        read as GOOGLE_APPLICATION_CREDENTIALS would be (its path is not a secret, its file is)."""
        from urllib.parse import urlencode

        (project,) = dbt_fields(output, cls.DIALECT, "project")
        dataset = output.get("dataset") or output.get("schema")
        if not dataset:
            dbt_fields(output, cls.DIALECT, "dataset")  # raises, naming it
        options = {k: str(output[k]) for k in ("location", "keyfile") if output.get(k)}
        url = f"{cls.SCHEMES[0]}://{project}/{dataset}" + (f"?{urlencode(options)}" if options else "")
        return Target(cls.DIALECT, url, host=project, database=project, schema=str(dataset), options=options,
                      secrets=secrets)  # fmt: skip

    def connect(self, target: Target, read_only: bool = False) -> Any:
        """A DB-API connection whose queries all run in one new BigQuery session."""
        bigquery = self.driver("google.cloud.bigquery")
        dbapi = self.driver("google.cloud.bigquery.dbapi")
        location = target.options.get("location")
        keyfile = target.options.get("keyfile")
        client = (
            bigquery.Client.from_service_account_json(keyfile, project=target.host, location=location)
            if keyfile
            else bigquery.Client(project=target.host, location=location)
        )
        started = client.query("SELECT 1", job_config=bigquery.QueryJobConfig(create_session=True))
        started.result()
        session = bigquery.ConnectionProperty("session_id", started.session_info.session_id)
        client.default_query_job_config = bigquery.QueryJobConfig(
            connection_properties=[session],
            default_dataset=f"{target.host}.{target.schema}",
        )
        return dbapi.connect(client)

    def disconnect(self, connection: Any) -> None:
        """End the session (and its temporary tables) rather than leave it to time out."""
        try:
            connection.cursor().execute("CALL BQ.ABORT_SESSION()")
        finally:
            connection.close()
