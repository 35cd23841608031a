-- Nothing to restore: a secret is generated again where one is needed.
SELECT 1;
