DELETE FROM {{ lock }} WHERE holder = {{ holder }}
