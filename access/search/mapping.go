package search

import (
	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	_ "github.com/blevesearch/bleve/v2/analysis/analyzer/keyword" // registers "keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/de"
	"github.com/blevesearch/bleve/v2/analysis/token/edgengram"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/single"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"
)

// SchemaVersion is the index layout version this code reads and writes.
// Change it whenever a field, analyzer or the meaning of a stored value
// changes: an index of another version is refused with ErrSchema.
const SchemaVersion = "5"

// Analyzers.
const (
	anGerman    = de.AnalyzerName // tokenize, lowercase, German stop words, normalise (ä→a, ß→ss, ue→u), light stemming
	anPrefix    = "magazin_de_prefix"
	anSignatur  = "magazin_signatur"
	anSigPrefix = "magazin_signatur_prefixes"
	tfSigEdge   = "magazin_signatur_edge"
	anKeyword   = "keyword"
	internalKey = "magazin.schema"
)

// Field names. The text fields come in pairs: the public field holds what
// closure.Public shows of a unit while it is closed, the restricted field
// ("r_" prefix) what it hides. Public queries match a restricted field only
// together with fRRelease <= today.
const (
	fStored    = "u"      // the Doc as JSON, stored only
	fParent    = "parent" // keyword
	fAncestors = "anc"    // keyword, all ancestors
	fSignatur  = "sig"    // whole signature, lowercased
	fSigPre    = "sigpre" // every prefix of it up to sigPrefixMax runes
	fSigKey    = "sigkey" // natural sort key of the signature, then the id
	fChildKey  = "ckey"   // sort key among siblings: order, signature, id
	fChildPos  = "cpos"   // parent, NUL, sibling key: the dictionary lists children in order
	fFrom      = "from"   // Laufzeit start, numeric yyyymmdd
	fTo        = "to"     // Laufzeit end, numeric yyyymmdd
	fFacet     = "facet"  // keyword: "b:" Bestand, "l:" level, "d:" decade (one per decade the Laufzeit touches)
	fRelease   = "rel"    // release date, numeric yyyymmdd; 0 = open; filter only
	fRRelease  = "rrel"   // release date of units with restricted text only

	fTitle = "title" // the title
	fText  = "text"  // scope, persons, places, subjects, source reference, provenance, Bestand title

	restrictedPrefix = "r_"
)

// Prefixes of the facet terms. Bestand, level and decade share one field:
// one doc-value lookup per hit serves all three facets.
const (
	facetBestand = "b:"
	facetLevel   = "l:"
	facetDecade  = "d:"
)

// sigPrefixMax is the longest signature prefix indexed as a term; a
// longer prefix query falls back to bleve's prefix query on fSignatur.
const sigPrefixMax = 32

// textFields are the analysed text fields with their query boosts. Few
// fields keep queries fast: every word of a query is looked up in each of
// them and in their restricted twins.
var textFields = []struct {
	name  string
	boost float64
}{
	{fTitle, 3},
	{fText, 1},
}

// newMapping returns the index mapping. Nothing is dynamic, nothing goes
// into the composite _all field, no term vectors are kept, and only the
// JSON of the Doc is stored: hits are built from it through closure.Public
// and highlighted on that public view, never from stored fields.
func newMapping() (*mapping.IndexMappingImpl, error) {
	m := bleve.NewIndexMapping()
	m.IndexDynamic = false
	m.StoreDynamic = false
	m.DocValuesDynamic = false
	m.DefaultAnalyzer = anGerman
	m.DefaultField = ""
	if err := m.AddCustomAnalyzer(anPrefix, map[string]any{
		"type":          custom.Name,
		"tokenizer":     unicode.Name,
		"token_filters": []any{lowercase.Name, de.NormalizeName},
	}); err != nil {
		return nil, err
	}
	if err := m.AddCustomAnalyzer(anSignatur, map[string]any{
		"type":          custom.Name,
		"tokenizer":     single.Name,
		"token_filters": []any{lowercase.Name},
	}); err != nil {
		return nil, err
	}

	// A signature prefix query is one term lookup in fSigPre, not a
	// disjunction over every signature with that prefix (a million for
	// "10747*" in a large Bestand).
	if err := m.AddCustomTokenFilter(tfSigEdge, map[string]any{
		"type": edgengram.Name,
		"min":  1.0,
		"max":  float64(sigPrefixMax),
	}); err != nil {
		return nil, err
	}
	if err := m.AddCustomAnalyzer(anSigPrefix, map[string]any{
		"type":          custom.Name,
		"tokenizer":     single.Name,
		"token_filters": []any{lowercase.Name, tfSigEdge},
	}); err != nil {
		return nil, err
	}

	doc := bleve.NewDocumentStaticMapping()
	doc.Dynamic = false

	text := func() *mapping.FieldMapping {
		return &mapping.FieldMapping{Type: "text", Index: true, Analyzer: anGerman}
	}
	keyword := func(docValues bool) *mapping.FieldMapping {
		return &mapping.FieldMapping{Type: "text", Index: true, Analyzer: anKeyword, DocValues: docValues, SkipFreqNorm: true}
	}
	numeric := func(docValues bool) *mapping.FieldMapping {
		return &mapping.FieldMapping{Type: "number", Index: true, DocValues: docValues, SkipFreqNorm: true}
	}

	doc.AddFieldMappingsAt(fStored, &mapping.FieldMapping{Type: "text", Store: true, Analyzer: anKeyword})
	doc.AddFieldMappingsAt(fParent, keyword(false))
	doc.AddFieldMappingsAt(fAncestors, keyword(false))
	doc.AddFieldMappingsAt(fFacet, keyword(true))
	doc.AddFieldMappingsAt(fSigKey, keyword(true))
	doc.AddFieldMappingsAt(fChildKey, keyword(true))
	doc.AddFieldMappingsAt(fChildPos, keyword(false))
	sig := keyword(false)
	sig.Analyzer = anSignatur
	doc.AddFieldMappingsAt(fSignatur, sig)
	sigPre := keyword(false)
	sigPre.Analyzer = anSigPrefix
	doc.AddFieldMappingsAt(fSigPre, sigPre)
	doc.AddFieldMappingsAt(fFrom, numeric(false))
	doc.AddFieldMappingsAt(fTo, numeric(false))
	doc.AddFieldMappingsAt(fRelease, numeric(false))
	doc.AddFieldMappingsAt(fRRelease, numeric(false))
	for _, f := range textFields {
		doc.AddFieldMappingsAt(f.name, text())
		doc.AddFieldMappingsAt(restrictedPrefix+f.name, text())
	}
	m.DefaultMapping = doc
	return m, nil
}
