// Package search is magazin's finding-aid index: a bleve index of the units
// of description (Tektonik, Bestand, Gliederung, Akte, Vorgang, Dokument)
// that the public searches and browses.
//
// # Contract
//
// The index is a cache. `magazin rebuild` refills it from the catalog and
// storage with Rebuild; Open refuses an index of another SchemaVersion with
// ErrSchema, telling the operator to do so. The caller computes each unit's
// effective closure facts (after inheritance, in Doc.Unit.Closure) and its
// release date (Doc.Release, from access/closure); the index never computes
// closure periods itself.
//
// Closed means closed (design principle 4). Everything the index returns
// about a unit — hits, Get, Children, highlight fragments, facet labels —
// is made from closure.Public(unit, release, today), the one policy
// function, on the day the caller names; never from indexed or stored
// fields. What a unit hides while it is closed is decided by closure.Public
// too: at indexing time the index compares the unit with its closed view
// and puts the text the view hides (for a closed person-related unit
// without published metadata: title, scope, persons, places, subjects and
// source reference) into separate restricted fields. A public query matches
// a restricted field only together with the condition "release <= today",
// so such a unit is not found by the words it hides — neither alone nor
// combined with words it shows — and therefore does not count in any facet
// of such a search, while it stays findable by what it shows (Signatur,
// provenance, Bestand, level, Laufzeit). Because the release date is stored
// and "open now" is decided at query time, nothing is reindexed when a
// period ends: the next query on or after the release day finds the unit
// by all its words. Facets are built only from structural fields
// (Bestand, level, Laufzeit decade, release date), and nothing hidden
// reaches a public term dictionary. A suggestion feature built later on
// the public fields must still confirm each term with a search: bleve's
// term dictionaries keep the terms of a replaced or deleted document until
// its segment is merged away (say, the title of a unit indexed before it
// was marked person-related); searches see live documents only.
//
// A closed unit that is not person-related is found and shown with title
// and scope; only its content (the AIP) is withheld, by closure.Public.
//
// One faint channel remains: relevance scores use per-field term
// statistics, so the ranking of a released person-related unit matched in
// a restricted field depends slightly on how many still closed units hold
// the same word there. Scores are not part of the results.
//
// # Analysis
//
// Text fields use bleve's German analyzer: Unicode word segmentation,
// lowercasing, German stop words, normalisation (ä→a, ö→o, ü→u, ß→ss,
// and ae/oe/ue→a/o/u) and light stemming, so "Akte" finds "Akten",
// "Bauantrag" finds "Bauanträge", "Mullrose" and "Muellrose" find
// "Müllrose". Queries are analysed the same way; a word ending in * is a
// prefix of the normalised, stemmed words and also matches its own stem
// ("Akte*" finds "Akten", whose stem "akt" is shorter than the prefix).
// All descriptive text goes into two fields, title (weighted higher) and
// text, each with its restricted twin: every query word is looked up in
// four fields, which keeps queries fast. The Signatur is a keyword (case
// and spacing folded) for exact search; each of its prefixes up to 32
// characters is a term too, so a prefix search ("10747*") is one lookup.
// The Laufzeit is a numeric day range (yyyymmdd); the Bestand, the level
// and each decade the Laufzeit touches share one keyword field with doc
// values, which serves all three facets. Filters (Signatur, Bestand,
// level, Laufzeit, open) do not score, so bleve combines them as bitmaps.
//
// Children reads its first pages (up to offset 1000) from the sorted term
// dictionary of a parent+sibling-key field and confirms each term with a
// search, since a dictionary keeps the terms of replaced documents until
// a merge; its cost does not grow with the number of children. Deeper
// pages sort all children on doc values.
//
// Nothing is dynamic and only the Doc itself is stored (as JSON); there are
// no term vectors and no _all field, which keeps the index small.
//
// # Use
//
// An Index is safe for concurrent use. Index, Delete and Rebuild are
// serialised; searches run in parallel and keep running on the old index
// while Rebuild fills a new one beside it (dir.new), which then replaces
// it. Invalid docs (no id, a release date that is not YYYY-MM-DD) are
// refused: Index rejects the whole call before writing anything, Rebuild
// keeps the old index. Every query names its day (YYYY-MM-DD); there is no
// default, so that no route decides closure on the server's clock by
// accident. Open("") gives an in-memory index for tests.
package search
