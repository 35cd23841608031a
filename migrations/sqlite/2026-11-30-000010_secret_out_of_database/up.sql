-- The token signing secret is no longer kept in the database (a copy of the database must not
-- be enough to sign in as anyone): it comes from QINQING_JWT_SECRET, or on SQLite from a file
-- beside the database. Tokens signed with the old secret stop being accepted.
DELETE FROM settings WHERE key = 'jwt_secret';
