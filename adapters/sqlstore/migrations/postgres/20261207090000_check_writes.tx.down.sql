DROP FUNCTION IF EXISTS registry_check_writes(boolean, boolean);
