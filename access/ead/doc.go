// Package ead writes EAD(DDB) 1.2 — the EAD 2002 profile Archivportal-D
// and the Deutsche Digitale Bibliothek ingest — from the public view of
// the archive: a Findbuch per Bestand, the archive's Tektonik, and single
// units as records for harvesters (OAI-PMH).
//
// Contract:
//
//   - Everything written comes from Source, i.e. access.Service.Unit: the
//     public view of a unit on today's day, after closure.Public. Tree
//     (the catalog's ChildIDs) only gives the order of units, never a
//     description. So a closed unit shows what the reading room shows:
//     its structure, Signatur, Laufzeit and title, and an accessrestrict
//     with its release date ("Gesperrt – zugänglich ab <date>") and the
//     rule; a closed person-related unit additionally has no title
//     (unittitle "Titel gesperrt (personenbezogenes Archivgut)", as the
//     reading room calls it), no scope, no index terms and no notes,
//     unless an archivist published its metadata. Digital objects are
//     linked for open units only.
//   - Every file validates against the EAD(DDB) 1.2 XSD 1.0 schemas
//     (tested with xmllint, offline): header encodings as the profile
//     fixes them, levels collection/class/series/file/item only, an xs:ID
//     @id on every c, unitdate/@normal only in the profile's pattern,
//     language/@langcode only from its ISO 639-2b list, genreform/@normal
//     from the Archivalientypen (in a Tektonik nothing else), http(s)
//     URLs only in xlink:href.
//   - Identifiers are stable across exports: a unit's c/@id is the one it
//     had in an imported finding aid (SourceID "<eadid>#<c/@id>"), else
//     "m-" and its uuid; the Findbuch of a Bestand has its Bestand's c/@id
//     as eadid and as its id in the Tektonik (FindbuchID). profiles/ead
//     reads these files back to the same units (round trip tested in
//     cmd/magazin).
//   - Output streams: a Findbuch of any size is written unit by unit.
//
// Mapping (magazin → EAD(DDB)): Bestand → c[@level='collection'] (in the
// Tektonik c[@level='file']), Gliederung and Tektonik group → class, Akte
// → file, Vorgang and Dokument → item. Signatur → unitid, SourceRef →
// unitid[@type='Altsignatur'], Title → unittitle, From/To →
// unitdate[@normal] (text: Extra "unitdate" or the German rendering),
// Scope → abstract[@type='Enthält'] for records and scopecontent for
// Bestände and Gliederungen, Provenance → origination[@label='Provenienz'],
// Extent → physdesc/extent, Language → langmaterial/language, Persons,
// Places, Subjects → index (persname, geogname, subject), an Akte's
// Archivalientyp → physdesc/genreform[@normal] ("Akten" by default), and
// the Extra fields profiles/ead fills to the elements they came from.
package ead
