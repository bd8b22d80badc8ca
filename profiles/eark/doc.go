// Package eark implements the "eark" submission profile: an E-ARK
// information package as the DILCIS Board's Common Specification for
// Information Packages (CSIP 2.x) and the E-ARK SIP specification (SIP 2.x)
// define it, including the 2.0.x packages of the E-ARK test corpus. AIPs
// and DIPs in CSIP form are read too (with a warning: they are ingested as
// submissions).
//
// Contract:
//
//   - Detect reports whether root, or its only entry if that is a folder,
//     holds a regular file METS.xml whose first 16 KiB name the METS
//     namespace and either an E-ARK marker (the CSIP extension namespace,
//     dilcis.eu, dasboard.eu or "eark") or lie next to a representations
//     folder (E-ARK 1.x packages name no marker). Read accepts the same two
//     layouts: the package root folder, or a folder holding only it
//     (CSIPSTR1).
//   - Read never follows symbolic links, never fetches anything and never
//     writes into the package. It parses the package METS.xml and the
//     METS.xml of every folder in representations/, checks them and the
//     folder layout, resolves every reference (fileSec FLocat, dmdSec and
//     amdSec mdRef, structMap mptr) to a file of the package, and reads
//     the descriptive metadata. Problems go into Transfer.Problems; the
//     error is reserved for I/O failures, a root that is not a directory
//     and cancellation.
//   - File names are paths relative to the package root folder, slash
//     separated, as in the package: a representation's data file is
//     "representations/rep1/data/Brief.pdf". Transfer.Representations
//     lists each representation folder that has a data folder (name,
//     source folder, the data files' name prefix, and its METS's OBJID,
//     LABEL and CONTENTINFORMATIONTYPE), so that ingest archives its data
//     as the AIP representation of the same name (docs/adr/0005).
//   - Files (the payload) are every regular file except the package's own
//     metadata; Metadata are METS.xml, metadata/**, schemas/** and
//     documentation/** of the package and, for each representation,
//     representations/<rep>/METS.xml and its metadata/, schemas/ and
//     documentation/ folders. Files in other folders (CSIPSTR14 allows
//     them) and representation folders not named data are payload too.
//     Both lists are sorted by Name.
//   - File.Declared holds the digests the METS documents declare
//     (CHECKSUM/CHECKSUMTYPE of a file or mdRef; MD5, SHA-1, SHA-256,
//     SHA-384 and SHA-512, as lower-case hex under md5, sha1, sha256,
//     sha384, sha512). The ingest pipeline verifies payload digests in its
//     one read per file; Read verifies the metadata files' digests itself
//     (EARK_CHECKSUM), as the pipeline only stores them. A declared SIZE is
//     compared with the file (EARK_SIZE).
//   - References (xlink:href) are relative paths, resolved against the
//     directory of the METS document that holds them; percent-encoding
//     (also "%2F" and "+" for a space, as commons-IP writes) and a "file:"
//     prefix without authority are accepted. A reference that leaves the
//     package, is absolute or is a URL is EARK_HREF; one that names no file
//     is EARK_MISSING, unless exactly one file matches it ignoring letter
//     case and Unicode normalisation (EARK_CASE, a warning). A file no METS
//     document references is a warning (EARK_UNREFERENCED): it is
//     archived, but its fixity cannot be checked against the submission.
//   - METS documents are validated against the METS schema the package
//     ships (a schemas/*.xsd with the METS target namespace, in the
//     representation's or the package's schemas folder) with xmllint,
//     offline (--nonet): the METS schema imports XLink from the web, so an
//     XML catalog in a temporary folder, removed at the end of Read, maps
//     that URL to the package's own xlink.xsd. Without such schemas or
//     without xmllint the CSIP checks run alone (EARK_SCHEMA_UNCHECKED, a
//     warning). Profile.Xmllint names the command ("-" switches schema
//     validation off).
//   - Transfer.Title is the package METS's LABEL, else the title of the
//     descriptive metadata, else the OBJID, else the folder name.
//     Description holds the METS header facts: OBJID, LABEL, TYPE,
//     OTHERTYPE, CONTENTINFORMATIONTYPE, OTHERCONTENTINFORMATIONTYPE,
//     PROFILE, CREATEDATE, LASTMODDATE, RECORDSTATUS, OAISPACKAGETYPE,
//     "agents" (role, type, name, notes), "altRecordIDs" by TYPE with
//     "submissionAgreement" and "referenceCode", "representations" (name,
//     path, file count, OBJID, CONTENTINFORMATIONTYPE), "descriptive" (what
//     was read from EAD or Dublin Core) and "specification".
//   - Units: the package is one unit (level akte, SourceID the OBJID)
//     holding every payload file, titled like the transfer and described
//     from the first EAD 2002/EAD3 (else Dublin Core) file the package
//     METS's dmdSecs reference or metadata/descriptive holds: unitid,
//     unitdate/@normal, origination, scopecontent, extent, language,
//     subjects and places. The EAD's components do not become units.
//
// Problem codes (docs/problem-codes.md has the full list) are errors unless
// noted. A problem that violates one CSIP or SIP requirement has the
// requirement ID as its code ("CSIP1", "CSIPSTR4", "SIP5"). The category
// codes are used for the rest, with the requirement concerned, if any, at
// the start of the message: EARK_NO_METS, EARK_STRUCTURE (warning),
// EARK_METS_ROOT, EARK_METS_HEADER, EARK_METADATA_SECTION, EARK_FILESEC,
// EARK_STRUCTMAP (categories of requirement codes, used when a finding
// names no single requirement), EARK_METS_SYNTAX, EARK_METS_SCHEMA,
// EARK_SCHEMA_UNCHECKED (warning), EARK_NAMESPACE, EARK_HREF,
// EARK_MISSING, EARK_CASE (warning), EARK_UNREFERENCED (warning),
// EARK_CHECKSUM, EARK_SIZE, EARK_DESCRIPTIVE (warning), EARK_LINK,
// EARK_SPECIAL, EARK_TOO_LARGE.
//
// Severity: MUST requirements are errors in the package METS; in
// representation METS documents, which tools write with less care, those
// about the header agents and PROFILE are warnings. SHOULD and MAY
// requirements are warnings (CSIP4 CONTENTINFORMATIONTYPE and CSIP8
// LASTMODDATE among them), as are the CSIP59 fileSec/@ID (the CSIP
// examples call a package without it valid) and structMap details that do
// not affect what is archived. Errors beyond the letter of CSIP, by
// policy: a checksum or size that does not match, a reference to a missing
// file or out of the package, and CSIP/SIP extension attributes in a
// misspelled namespace ("https://dilcis.eu/...": XML compares namespace
// names exactly, so a CSIP validator does not see them). A METS document
// that declares the superseded E-ARK IP 1.x profile
// (http://www.eark-project.com/METS/IP.xml) may have a mets/@TYPE outside
// the CSIP 2.x content categories (a warning): CS IP 1.x gave TYPE no
// fixed vocabulary.
//
// Conformance with the E-ARK IP test corpus, the CSIP examples, the
// eark-validator's resources and commons-IP's SIPs is tested in
// corpus_test.go against the suites' expected verdicts; every divergence
// is listed with its reason in docs/conformance.md.
package eark
