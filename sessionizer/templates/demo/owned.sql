{#- Which of the tables the demo writes are already in the file, and whether each carries the
    demo's mark (its comment): a table without it is the user's, and the demo leaves it alone. #}
SELECT table_name, COALESCE(comment, '') = {{ mark }} AS ours
FROM duckdb_tables()
WHERE schema_name = 'main' AND table_name IN ({{ names | join(', ') }})
