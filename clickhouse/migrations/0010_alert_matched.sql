-- The evidence behind each alert: the values of the fields its rule reads, as the event had them
-- (a command line, a path, a URL, a user name), for the analyst and the incident's evidence summary.
ALTER TABLE alerts ADD COLUMN IF NOT EXISTS matched Map(String, String) DEFAULT map();
