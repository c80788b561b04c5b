{#- The blended user of every recomputed visitor (blended_after), which sessions_stitched and the
    users' work list read instead of looking it up; this run's rows replace those of a run that
    stopped before finishing. A visitor whose blended user changes is restitched: all its
    sessions, from its first page view (restitched_from), move from the stored one
    (blended_before) to the new. Its stitching row, stored and recomputed side by side, says
    both; a visitor left without page views has no sessions left either, so needs no record. #}
DELETE FROM {{ rel.pending_anonymous_ids }} WHERE blended_after IS NOT NULL;
INSERT INTO {{ rel.pending_anonymous_ids }} (anonymous_id, blended_after)
SELECT anonymous_id, COALESCE(user_id, anonymous_id) FROM {{ rel.stitching_batch }};
INSERT INTO {{ rel.pending_anonymous_ids }} (anonymous_id, restitched, restitched_from, blended_before)
SELECT anonymous_id, 1, __sz_stored_first_seen_at, COALESCE(__sz_stored_user_id, anonymous_id)
FROM {{ rel.stitching_batch }}
WHERE __sz_was_stored AND COALESCE(__sz_stored_user_id, anonymous_id) <> COALESCE(user_id, anonymous_id)
