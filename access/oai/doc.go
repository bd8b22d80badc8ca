// Package oai is magazin's OAI-PMH 2.0 provider: the archive's finding
// aids for harvesters such as Archivportal-D and the Deutsche Digitale
// Bibliothek. It answers Identify, ListMetadataFormats, ListSets,
// ListIdentifiers, ListRecords and GetRecord by GET and POST, in UTF-8.
//
// Contract:
//   - Records: every unit of description is one record, its identifier the
//     unit id (urn:uuid:…). Its content is the reading room's public view
//     (Room.Unit, i.e. access.Service and closure.Public), on the
//     archive's day: a closed person-related unit shows its Signatur,
//     level, Laufzeit and the lock (dc:rights, EAD accessrestrict), never
//     its title or scope, for which a placeholder stands. The catalog is
//     read only for bookkeeping: which units exist, where they hang, when
//     they changed, whether they were disposed of.
//   - Formats: oai_dc for every record; ead (an EAD(DDB) 1.2 Findbuch
//     document holding the Bestand, the unit's ancestors and the unit) for
//     the units of a Bestand.
//   - Sets: one per Bestand, the setSpec its Signatur made safe (letters,
//     digits and -.!*'() stay, a space becomes _, every other byte ~XX).
//     A record belongs to its Bestand's set; units above the Bestände
//     belong to none.
//   - Datestamps (granularity seconds, UTC): a record's datestamp is the
//     latest of (a) the last change of the unit or of any ancestor, as
//     the catalog keeps it (catalog.Changed: AIP creation or latest event,
//     or the journal segment that changed it), and (b) the start, in the
//     archive's time zone, of the release day of the unit or of any
//     ancestor whose closure has ended. Ancestors count because they pass
//     on closure facts and appear in the record; release days count
//     because the public view changes on them (a title appears) with
//     nothing changing in the catalog. from and until select on this
//     datestamp, by day or by second.
//   - Deletions: deletedRecord is persistent. A unit whose records were
//     disposed of (preservation.Unit.Disposed set, which the disposal's
//     journal entry does through the catalog and so also raises the
//     unit's change time) stays a record with status="deleted" and no
//     metadata.
//   - Lists walk the units in id order. A resumption token carries the
//     request, the id the list goes on after, the cursor and the complete
//     list's size (counted by the first response if it gets to the end
//     within Config.CountLimit units; else completeListSize is left out),
//     and its expiry; it is
//     signed with HMAC-SHA-256 (Config.Key, see LoadKey) and any token
//     altered, forged, expired or used with another verb is
//     badResumptionToken. A token is issued only when a further record is
//     known to match, so no response is empty. A unit that changes during
//     a harvest is delivered once before or after its change, or both
//     times; harvest again from the first response's responseDate.
//   - Errors follow the protocol: badVerb and badArgument (without echoing
//     the arguments), badResumptionToken, cannotDisseminateFormat,
//     idDoesNotExist, noRecordsMatch (also for a set that does not exist)
//     and noSetHierarchy (ListSets, or a list of a set, while there is no
//     Bestand), all with
//     HTTP 200; failures of the archive itself are HTTP 500.
package oai
