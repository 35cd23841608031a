-- Each issue's search entry also holds its places: a word for its region and for every
-- region above it, a private-use character (U+E000) and the region's id, which no text a
-- user writes can give (the service keeps letters and digits only). A search in a
-- district's scope asks for the district's word too, so the GIN index alone finds the
-- district's matches instead of the issues being read for their region. The words have no
-- positions: a rank reads only the words searched for.
UPDATE issue_search_terms s
SET terms = s.terms || array_to_tsvector(ARRAY(
    SELECT chr(57344) || p FROM unnest(string_to_array(trim(BOTH '/' FROM r.path), '/')) p))
FROM issues i
JOIN regions r ON r.id = i.region_id
WHERE i.id = s.issue_id;
