// Package ead reads archival finding aids in EAD — EAD(DDB) 1.x (the
// Archivportal-D profile, Findbuch and Tektonik, also EAD(DDB)-WGM), EAD
// 2002 with its namespace or in DTD style without one, and EAD3 — into
// units of description (preservation.Unit), and plans their import into
// the catalog (Plan). The import itself (journal, catalog, index) is
// `magazin import ead` in cmd/magazin; the way back is access/ead.
//
// Contract:
//
//   - Read streams the file once (encoding/xml), keeps only the open
//     units' own descriptions in memory and never fetches anything: no
//     DTD, no schema, no external entity (only the XML and HTML named
//     entities are known). Hostile input is bounded by Limits (bytes,
//     element nesting, unit nesting, number of units, text per unit).
//     Problems of the file are coded (codes.go, docs/problem-codes.md);
//     with an error among them the finding aid has no units. The error
//     return is for I/O failures only. FuzzRead checks this.
//   - Units come parents first, siblings in document order (Order from 1).
//     Their ID is empty; Parent is the parent's SourceID.
//   - SourceID identifies a unit across imports: "<eadid>#<c/@id>" (EAD3:
//     recordid), or "<eadid>#/<position>/<position>…" for components
//     without a unique @id (CodeID). A Bestand in an EAD(DDB) Tektonik is
//     "<c/@id>#<c/@id>", which is what its Findbuch gives it (there eadid
//     and the Bestand's c/@id are the Findbuch's identifier), so that a
//     Tektonik and its Findbücher describe one Bestand.
//
// Mapping (EAD → magazin):
//
//   - Levels (@level, @otherlevel): see level in assign.go. In an EAD(DDB)
//     Findbuch the archdesc is a wrapper and dsc/c[@level='collection'] is
//     the Bestand; class and series are Gliederungen, file an Akte, item a
//     Vorgang (a Dokument below a Vorgang). In EAD 2002 and EAD3 the
//     archdesc is the top unit, fonds/collection/recordgrp a Bestand,
//     series/subseries/subfonds Gliederungen (without children: Akten),
//     file an Akte, item a Dokument; a missing level is a Gliederung with
//     children, an Akte without (CodeLevel). In a Tektonik the archive's
//     own c[@level='collection'] is dropped, file is a Bestand and every
//     level above it a Tektonik group. Inside an Akte everything is a
//     Vorgang or a Dokument. Plan decides whether the top of a Findbuch
//     is a Bestand (imported at the top or below a Tektonik group) or a
//     Gliederung (imported below a Bestand).
//   - Signatur: the first unitid without @type or typed as a Signatur or
//     call number ("cote-de-consultation"), else the first one not typed
//     as an old signature; an "Altsignatur" (former, alt, …) becomes
//     SourceRef, further unitids Extra "unitid". In an EAD(DDB) Findbuch
//     the Bestandssignatur may stand in archdesc/did/unitid only.
//   - Title: unittitle (the file's titleproper for an untitled top unit).
//   - Laufzeit From/To: unitdate/@normal (ISO 8601 date or range, also
//     YYYYMMDD and comma-separated lists), EAD3 unitdatestructured, else
//     the dates in the text ("1950-1960", "12.03.1950-4.5.1960", "1950-60");
//     a bulk date only when no other is given. The text is kept in Extra
//     "unitdate" when it is not what Laufzeit renders.
//   - Scope: scopecontent, else an abstract of @type "enthält…", else the
//     first abstract; other abstracts go to Extra "abstract".
//   - Provenance: origination (label Provenienz or none); label "pre"
//     goes to Extra "vorprovenienz", other labels to "urheber".
//   - Extent: physdesc/extent or the physdesc text (EAD3: quantity and
//     unittype); genreform, dimensions, materialspec, note, physloc and
//     container go to Extra.
//   - Language: langmaterial/language/@langcode (ISO 639-2b), else the
//     names.
//   - Index terms from controlaccess and index/indexentry: persname and
//     famname → Persons (names only), geogname → Places, subject, corpname,
//     genreform, function, occupation, title → Subjects.
//   - Digital objects (dao, daogrp/daoloc, EAD3 daoset) → Extra "dao", one
//     "<role> <href>" a line; otherfindaid/extref → Extra "url".
//   - accessrestrict, userestrict, odd, relatedmaterial and the other
//     notes (bioghist, custodhist, …) → Extra under their names, one
//     paragraph a line.
//
// Closure facts are taken over where the finding aid states them (see
// restrictions in closure.go): person-related → Closure.Personal, a
// secrecy rule → Closure.Secrecy, and a stated end of a closure
// ("gesperrt bis 31.12.2030", "frei ab 2031", the EAD(DDB)-WGM chronlist of
// Schutzfrist and Sperrfrist) → Closure.Until, the last day closed (also
// kept in Extra "sperrvermerk"). Until can only make the closure longer:
// the law's periods are still computed, from the end of the Laufzeit
// when nothing else gives the creation date. A stated end is not taken as
// a creation date or a decision, because it may come from any of the
// law's periods or from an agreement; an earlier stated end than the law
// gives does not open anything.
package ead
