-- registry_check_writes fails the statement it is called from when a
-- count that statement wrote is not the one expected: a partner's balance
-- that no longer covers a group's move (SQLSTATE RG409), or any other
-- short count (RG500). The store sends a group's held writes in the same
-- round trip as its COMMIT (adapters/sqlstore/pgtx.go); a statement that
-- fails makes PostgreSQL skip the COMMIT after it, so a group is never
-- committed short. It returns true otherwise, for a WHERE clause.
CREATE OR REPLACE FUNCTION registry_check_writes(moves_fit boolean, rows_match boolean) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT moves_fit THEN
        RAISE EXCEPTION 'a partner''s balance no longer covers the moves of the group' USING ERRCODE = 'RG409';
    END IF;
    IF NOT rows_match THEN
        RAISE EXCEPTION 'the held writes wrote other row counts than expected' USING ERRCODE = 'RG500';
    END IF;
    RETURN true;
END
$$;
