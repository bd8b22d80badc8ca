// Package xdomea implements the "xdomea" submission profile: the messages
// of "Aussonderung durchführen" (disposal of records to the archive) of the
// XÖV standard xdomea, in versions 2.3.0, 2.4.0, 3.0.0, 3.1.0 and, for the
// transfer 0503, 4.0.0. It recognises and reads the agency's messages
// (0501 offer, 0503 transfer, 0505 receipt for the appraisal, and any other
// message of the group), checks them, maps a 0503 to a profiles.Transfer,
// and writes the archive's replies (0502 appraisal, 0504 and 0507
// receipts, 0506 import confirmation).
//
// The package reads and writes; it does not decide. The procedure (which
// offer an appraisal belongs to, two- or four-stage, which agency a
// transfer directory belongs to, when to reply) is the pipeline's: it calls
// CheckAppraisal, CheckSender and CheckContainerName with the context it
// has, and the writers with the decisions and results it made.
//
// # Recognition
//
// Message files are named "<ProzessID>_Aussonderung.<Name>.<code>.xml"
// (2.x, 3.x) or "<ProzessID>_<code>_<n>.xml" (4.0; "<ProzessID>_<code>.xml"
// is accepted as x-man does), containers the same with ".zip" or ".xdomea"
// (ParseFileName, MessageFileName). Detect reports whether an unpacked
// container holds, at its top level, a regular .xml file so named for any
// message type 0501-0507 (so that an offer sent to the ingest is rejected
// as XDOMEA_MESSAGE_TYPE instead of being archived as a folder). The name
// is cross-checked with the content: the root element (type), the header's
// Nachrichtentyp code and ProzessID, and the version from the namespace
// urn:xoev-de:xdomea:schema:<version>.
//
// # Reading
//
//   - Parse parses message bytes; ReadMessage a message file or a
//     message-only container (0501, 0505 ... as ZIP) and validates it
//     against its schema; Profile.Read an unpacked 0503 container.
//     A message that cannot be read at all (not well-formed, not xdomea, an
//     unknown version or message type, an unsupported encoding) gives a
//     *ParseError with the coded problem; structural findings go into
//     Message.Problems.
//   - The model (Message, Kopf, Kontakt, Object, Version, Format,
//     Primaerdokument, Decision, Result) covers the Kopf (ProzessID, type,
//     time, Absender/Empfaenger with Behördenkennung and names, sending
//     system, the 0503 flags Importbestaetigung, RueckmeldungArchivkennung,
//     Empfangsbestaetigung; in 4.0 the nachrichtenkopf, nachrichtenUUID and
//     message counters) and the Schriftgutobjekte tree: Akte with Teilakte,
//     Vorgang with Teilvorgang, Dokument with versions, formats, primary
//     files and Anlagen, with ID, Kennzeichen, Betreff, Laufzeit,
//     Aktenplaneinheit, Aufbewahrungsdauer, Aussonderungsart, Bewertungs-
//     vorschlag, Vertraulichkeitsstufe (Geheimhaltungsgrad in 4.0), Medium,
//     ZdA and its date, and contacts (persons with birth date). 2.x
//     (Teilakte directly under the Akte, Aussonderungsart and
//     Aufbewahrungsdauer as plain values, Behoerdenkennung/Kennung) and 4.0
//     (xdomeaUUID, Aussonderungsmetadaten, DokumentOderDokumentMitSchrift-
//     stueck, Kontextobjekt, Hash) are read into the same model.
//   - Encodings: UTF-8 (with or without byte order mark), US-ASCII,
//     ISO-8859-1, ISO-8859-15 and windows-1252 (transcoded); others are
//     XDOMEA_ENCODING. Messages larger than MaxMessageSize (1 GiB) or
//     nesting deeper than 256 elements are refused.
//
// # Read: a 0503 as a profiles.Transfer
//
//   - The message is the one .xml file at the top of root named per the
//     rules, else the only .xml file there (FindMessage). Files are all
//     other regular files below root (slash-separated names, sorted);
//     links and special files are reported (XDOMEA_SPECIAL_FILE), never
//     followed.
//   - Transfer.Metadata holds the complete message, named
//     "xdomea/<message file name>" (Path set, read from staging).
//     Transfer.Message is {Type, Version, ProcessID (lower case), Sender
//     (Behördenkennung "<Praefix>:<Kennung>"), SenderName}; Description
//     holds the header facts ("ProzessID", "Absender",
//     "Absender-Behoerdenkennung", "SendendesSystem", "Importbestaetigung",
//     ...); Title is "Aussonderung <Absender> (<ProzessID>)".
//   - Units: one per Akte, Teilakte, Vorgang, Teilvorgang and Dokument (a
//     4.0 Schriftstück is a Dokument under its document), and one per
//     Anschreiben (title "Anschreiben: …"), parents before children.
//     Anlagen stay with their Dokument. 4.0 context objects
//     (Kontextobjekt=1: sent only to place the transferred objects) are no
//     units: their transferred descendants become top-level units and
//     Extra["Kontext"] describes them. SourceID is Identifikation/ID,
//     SourceRef the Kennzeichen (Aktenzeichen), Title the Betreff. From/To
//     are the Laufzeit; a Dokument, which has none, is dated by
//     DatumDesSchreibens, else Posteingangs- or Postausgangsdatum.
//     Persons are the natural persons among the contacts, with birth dates.
//     Top-level units have Provenance = the sending agency's name.
//   - Unit.Extra keeps the descriptive xdomea fields under their element
//     names (Aufbewahrungsdauer, Aussonderungsart, Bewertungsvorschlag,
//     Vertraulichkeitsstufe, Aktenplaneinheit, Medium, Typ, ZdA, ZdADatum,
//     Bemerkung, Federfuehrung, dates of documents, ...; see the Extra*
//     constants); codes are rendered "code name", e.g. "002 NfD".
//   - Closure.Created is the end of the Laufzeit, else the ZdA date, else a
//     document's date; Extra["EntstehungQuelle"] records which.
//     Closure.Personal and Closure.Secrecy are never set: xdomea has no
//     such facts. Hints go into Extra instead: "HinweisGeheimhaltung" when
//     the Vertraulichkeitsstufe is other than 003 Offen,
//     "HinweisPersonenbezug" when contact persons have a birth date or a 4.0
//     Datenschutzstufe is given. An archivist decides.
//   - Unit.Files are the primary files directly under the unit: a
//     Dokument's versions' formats, their detached signature files and its
//     Anlagen's files; each file is claimed by one unit. Files of the
//     Aktenplan (Aktenplandatei) belong to no unit.
//   - Unit.Metadata, for top-level units only, is the message pruned to the
//     unit: the original bytes (UTF-8) with every element cut that holds
//     other objects, so that the header, the unit's ancestors (4.0 context
//     objects) with their own metadata, the unit's whole subtree and the
//     Aktenplan remain (Message.Prune). It is named like the complete
//     message ("xdomea/<message file name>") and given as Data: an AIP of
//     one unit keeps the pruned message under the original name, never
//     both. A pruned message is schema-valid where the original is, except
//     for an Anschreiben's (no Schriftgutobjekt left).
//   - 4.0 hashes (Primaerdokument/Hash, XTA algorithm codes such as
//     "SHA-256", hex or base64 values) go into File.Declared as
//     lower-case hex under magazin's names (sha256, sha512, ...; other
//     algorithms lower-cased, which the pipeline reports as not checkable):
//     the pipeline verifies them in its single read of each file.
//
// # Checks
//
// Read and ReadMessage check: the file name against the content; the
// header (ProzessID a UUID, Nachrichtentyp matching the root element,
// Erstellungszeitpunkt); the namespace prefix (the specification demands
// the literal "xdomea"; another prefix is a warning); object IDs (present,
// UUIDs, unique); that a 0501/0503 has objects; Dateinamen (plain names,
// xdomea containers are flat); 4.0 hashes. Read also checks that every
// referenced primary file exists and that no unreferenced file is
// shipped (names compare exactly; a case-only difference is pointed out).
//
// XML schema validation runs xmllint --noout --nonet --schema
// <SchemaDir>/<version>/xdomea-Nachrichten-AussonderungDurchfuehren.xsd
// (Profile.ValidateSchema; the schema files must be self-contained, with
// imports by relative path, as the KoSIT schemas in x-man's layout are).
// Without a SchemaDir, without a schema for the version (4.0.0 is not in
// the corpus) or without xmllint, one XDOMEA_SCHEMA_UNCHECKED warning per
// message says that only the structural checks were made. The CLI takes
// the directory from --xdomea-schemas or $MAGAZIN_XDOMEA_SCHEMAS
// (SchemaDirEnv); CheckSchemaDir tells which versions it covers.
//
// Checks that need the process's context are functions:
//
//   - CheckAppraisal(transfer, decisions, twoStage): four-stage, every
//     object must be marked A in the 0503 or appraised A in the 0502
//     (markings and decisions are inherited down the hierarchy); V-marked
//     or V-appraised objects are refused, objects appraised A but missing
//     are warned about. Two-stage: unmarked objects are accepted, V refused,
//     B accepted with a warning.
//   - CheckSender(message, Behördenkennung): the sending agency.
//   - CheckContainerName(container name, message): the ZIP's name, which
//     only the pipeline knows.
//
// # Writing
//
// Write0502, Write0504, Write0506 and Write0507 answer an incoming message
// in its version, which must be one of WriteVersions (2.3.0 to 3.1.0,
// those with schemas to validate against; 4.0.0 gives
// ErrUnsupportedVersion, a 0507 before 3.0 ErrNotInVersion). They return
// the message (UTF-8, literal "xdomea" prefix, booleans as 1/0) and its file
// name per the naming rules; Container packs it into its ZIP. The header
// goes from the archive (ReplyOptions.Absender, else the incoming
// message's Empfaenger) to the incoming message's Absender (Behördenkennung,
// institution, organisational unit), from the sending system "magazin".
// The ProzessID and object IDs are written exactly as the incoming message
// has them (a DMS may compare them as strings).
// Text in 2.x is restricted to the XÖV Latin character set; other
// characters become "?".
//
//   - 0502: one BewertetesObjekt (ID, A or V) per decision. The schema has
//     no per-object note: notes travel in an AnwendungsspezifischeErweiterung
//     of the header (Kennung NotesExtension, one Feld per object), which
//     Parse reads back into Decision.Note.
//   - 0506: from 3.0 one AusgesondertesSGO per result with its success flag,
//     error texts, coded errors (magazin's problem codes under
//     ProblemCodeListURI) and Archivkennung; before 3.0 one
//     ErfolgOderMisserfolg for the transfer (successful only if all are;
//     the errors joined into its one Fehlermeldung; the Archivkennungen as
//     Rueckgabeparameter). Archivkennungen are sent unless the 0503's
//     RueckmeldungArchivkennung is false. ImportResults builds the results
//     per top-level object, attributing each error to the object (by ID)
//     or file (by name) it concerns, and a problem that concerns no object
//     to all.
//
// # Problems
//
// Codes (constants Code*, documented in docs/problem-codes.md) are errors
// unless noted: XDOMEA_XML_MALFORMED, XDOMEA_ENCODING, XDOMEA_TOO_LARGE,
// XDOMEA_NOT_XDOMEA, XDOMEA_VERSION, XDOMEA_MESSAGE_TYPE, XDOMEA_PREFIX
// (warning), XDOMEA_HEADER, XDOMEA_TYPE_MISMATCH, XDOMEA_PROCESS_ID,
// XDOMEA_FILE_NAME (warning), XDOMEA_NO_MESSAGE, XDOMEA_MANY_MESSAGES,
// XDOMEA_NO_OBJECTS, XDOMEA_OBJECT_ID, XDOMEA_DUPLICATE_ID,
// XDOMEA_FILE_MISSING, XDOMEA_FILE_UNREFERENCED (a warning for ignored
// entries of a message-only container), XDOMEA_BAD_FILE_NAME,
// XDOMEA_FILE_SHARED, XDOMEA_SPECIAL_FILE, XDOMEA_HASH, XDOMEA_SCHEMA,
// XDOMEA_SCHEMA_UNCHECKED (warning), XDOMEA_APPRAISAL_V,
// XDOMEA_APPRAISAL_MISSING, XDOMEA_APPRAISAL_B (warning),
// XDOMEA_NOT_DELIVERED (warning), XDOMEA_SENDER,
// XDOMEA_SENDER_UNKNOWN (warning), XDOMEA_SEQUENCE (warning).
// Problem.Path is the file name for problems about a file, the object's
// Identifikation/ID for problems about an object, and the message file name
// for problems about the message.
package xdomea
