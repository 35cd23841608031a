UPDATE issue_search_terms
SET terms = ts_delete(terms, ARRAY(
    SELECT u.lexeme FROM unnest(terms) u WHERE starts_with(u.lexeme, chr(57344))));
