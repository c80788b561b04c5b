{#- A work list with no rows, each column typed (templates of schema.WORK_LISTS). #}
SELECT {% for name, type in work_list %}CAST(NULL AS {{ type }}) AS {{ name }}{{ ", " if not loop.last }}{% endfor %} WHERE 1 = 0
