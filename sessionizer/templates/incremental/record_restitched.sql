{#- Visitors whose blended user changes: all their sessions move to the new user. Recorded as the
    stitching rows are replaced, from the stored row and its recomputation side by side (a
    visitor left without page views has no sessions left either, so needs no record). Its first
    page view bounds where its sessions are looked for (restitched_from). #}
INSERT INTO {{ rel.pending_anonymous_ids }} (anonymous_id, restitched, restitched_from)
SELECT stored.anonymous_id, 1, stored.first_seen_at
FROM {{ rel.user_stitching }} AS stored
JOIN {{ rel.stitching_batch }} AS recomputed ON recomputed.anonymous_id = stored.anonymous_id
WHERE COALESCE(stored.user_id, stored.anonymous_id) <> COALESCE(recomputed.user_id, recomputed.anonymous_id)
