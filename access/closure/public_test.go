package closure

import (
	"reflect"
	"testing"

	"github.com/magazin-archiv/magazin/preservation"
)

func TestPublic(t *testing.T) {
	full := preservation.Unit{
		ID: "u1", Parent: "p", Level: preservation.LevelAkte, Bestand: "b", Signatur: "20001 Nr. 7",
		Title: "Personalakte Erika Mustermann", Scope: "Enthält: Zeugnisse", Provenance: "Landratsamt",
		From: "1980", To: "2018-07-24", Persons: persons(person("Erika Mustermann", "", "")),
		Places: []string{"Müllrose"}, Subjects: []string{"Personal"}, SourceID: "x-1", SourceRef: "Az. 11-22",
		AIP: "urn:uuid:1", Extra: map[string]string{"Vertraulichkeitsstufe": "002"},
		Closure: preservation.ClosureFacts{Created: "2018-07-24", Personal: true, Persons: persons(person("Erika Mustermann", "1960-02-29", ""))},
	}
	nonPersonal := full
	nonPersonal.Closure = preservation.ClosureFacts{Created: "2018-07-24"}
	published := full
	published.PublishMetadata = true

	// The structure a closed unit always shows.
	structure := func(u preservation.Unit) preservation.Unit {
		return preservation.Unit{ID: u.ID, Parent: u.Parent, Level: u.Level, Bestand: u.Bestand, Signatur: u.Signatur,
			From: u.From, To: u.To, Provenance: u.Provenance, SourceID: u.SourceID,
			Closure: preservation.ClosureFacts{Created: u.Closure.Created, Personal: u.Closure.Personal}}
	}
	closedPersonal := structure(full)
	closedNonPersonal := nonPersonal
	closedNonPersonal.AIP = ""
	closedPublished := published
	closedPublished.AIP = ""
	closedPublished.Closure.Persons = nil

	for _, c := range []struct {
		name           string
		u              preservation.Unit
		release, today string
		want           preservation.Unit
		open           bool
	}{
		{"never closed", full, "", "2024-01-01", full, true},
		{"open from the release day on", full, "2048-07-25", "2048-07-25", full, true},
		{"open after the release day", full, "2048-07-25", "2100-01-01", full, true},
		{"closed the day before", nonPersonal, "2048-07-25", "2048-07-24", closedNonPersonal, false},
		{"closed person-related: only the structure", full, "2048-07-25", "2024-01-01", closedPersonal, false},
		{"closed person-related with published metadata: no content, no closure persons", published, "2048-07-25", "2024-01-01", closedPublished, false},
		{"closed indefinitely", full, Indefinitely, "9999-12-30", closedPersonal, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, open := Public(c.u, c.release, c.today)
			if open != c.open || !reflect.DeepEqual(got, c.want) {
				t.Errorf("Public = %+v, %v\nwant %+v, %v", got, open, c.want, c.open)
			}
		})
	}
	// Public does not change the unit it is given.
	if full.Title == "" || full.Extra == nil || len(full.Closure.Persons) != 1 {
		t.Error("Public changed its input")
	}
}
