-- The rows of a read query, for an export's cursor to read (src/db/parallel-cursor.ts).
-- PostgreSQL plans no parallel workers for a cursor's own query, but does for a
-- PL/pgSQL RETURN QUERY (14 and later): behind this function the query runs to
-- completion with workers, its rows kept in a tuplestore (spilled to disk beyond
-- work_mem), and the cursor reads them from there batch by batch. The query
-- comes with its parameters written in as literals.
CREATE FUNCTION usage_export_rows(query text) RETURNS SETOF record
LANGUAGE plpgsql AS $fn$
BEGIN
  RETURN QUERY EXECUTE query;
END
$fn$;
