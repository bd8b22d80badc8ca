package preservation

// Levels of description (Verzeichnungsstufen), from the archive structure
// down to the document.
const (
	LevelTektonik   = "tektonik"   // a group of the archive structure
	LevelBestand    = "bestand"    // fonds, usually one per provenance agency
	LevelGliederung = "gliederung" // series / classification group
	LevelAkte       = "akte"       // file (the usual AIP granularity)
	LevelVorgang    = "vorgang"    // case / process within or instead of a file
	LevelDokument   = "dokument"   // document
)

// Unit is a unit of description (Verzeichnungseinheit) at any level of the
// hierarchy Tektonik > Bestand > Gliederung > Akte/Vorgang > Dokument.
type Unit struct {
	// ID is magazin's stable id ("urn:uuid:…").
	ID string `json:"id"`
	// Parent is the id of the parent unit; "" for a root of the Tektonik.
	Parent string `json:"parent,omitempty"`
	Level  string `json:"level"`
	// Bestand is the id of the Bestand the unit belongs to ("" above).
	Bestand string `json:"bestand,omitempty"`
	// Signatur is the archive signature (call number), assigned at ingest.
	Signatur string `json:"signatur,omitempty"`
	Title    string `json:"title"`
	// Scope is the scope note (Enthält).
	Scope string `json:"scope,omitempty"`
	// Provenance names the creating agency (Provenienz).
	Provenance string `json:"provenance,omitempty"`
	// From and To are the Laufzeit as ISO dates (YYYY, YYYY-MM or
	// YYYY-MM-DD); either may be empty.
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
	// Index terms.
	Persons  []Person `json:"persons,omitempty"`
	Places   []string `json:"places,omitempty"`
	Subjects []string `json:"subjects,omitempty"`
	Extent   string   `json:"extent,omitempty"`
	Language string   `json:"language,omitempty"`
	// SourceID is the unit's id in the submission (e.g. xdomea
	// Identifikation/ID), and SourceRef its reference there (Aktenzeichen).
	SourceID  string `json:"sourceId,omitempty"`
	SourceRef string `json:"sourceRef,omitempty"`
	// AIP holds the unit's records ("" for structural units).
	AIP AIPID `json:"aip,omitempty"`
	// Order sorts siblings (the order in the submission or the Gliederung).
	Order int `json:"order,omitempty"`
	// Closure holds the facts the closure engine needs.
	Closure ClosureFacts `json:"closure"`
	// PublishMetadata: an archivist published the metadata of a closed
	// person-related unit (title, scope, persons), though not its content.
	PublishMetadata bool `json:"publishMetadata,omitempty"`
	// Disposed is the day (YYYY-MM-DD) the records of the unit's AIP were
	// destroyed by an approved disposal; the description is kept as a
	// tombstone (docs/disposal.md). "" for units whose records exist.
	Disposed string `json:"disposed,omitempty"`
	// Extra holds profile-specific descriptive fields (e.g. xdomea
	// Aufbewahrungsdauer, Aussonderungsart, Vertraulichkeitsstufe).
	Extra map[string]string `json:"extra,omitempty"`
}

// Person is a natural person a unit relates to. Dates are YYYY-MM-DD, or
// YYYY when only the year is known.
type Person struct {
	Name  string `json:"name"`
	Birth string `json:"birth,omitempty"`
	Death string `json:"death,omitempty"`
}

// ClosureFacts are the facts of a unit that decide its closure period
// (Schutzfrist); field names follow `magazin closure calc`. Dates are
// YYYY-MM-DD. Unset facts are inherited from the parent unit.
type ClosureFacts struct {
	// Created is the date of last processing (Entstehung); default: the
	// end of the Laufzeit.
	Created   string   `json:"created,omitempty"`
	Personal  bool     `json:"personal,omitempty"`
	Persons   []Person `json:"persons,omitempty"`
	Secrecy   bool     `json:"secrecy,omitempty"`
	Published bool     `json:"published,omitempty"`
	GDR       bool     `json:"gdr,omitempty"`
	// Granularity is "day" or "year"; "" means the archive's default.
	Granularity string `json:"granularity,omitempty"`
	// Until is the last day (YYYY-MM-DD) of a closure stated outside the
	// law's periods: a Sperrvermerk taken over from an imported finding
	// aid, or a restriction agreed with a depositor. It only ever closes
	// longer: the law's periods still apply, and the unit opens after the
	// later of them and Until.
	Until string `json:"until,omitempty"`
}
