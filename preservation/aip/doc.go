// Package aip builds, reads and validates magazin's archival information
// packages: OCFL 1.1 objects in an OCFL storage root under "ocfl/" in every
// store, laid out with storage layout extension 0004 (hashed n-tuple) and
// sha512 digests.
//
// An AIP's logical content is
//
//	METS.xml                                  structure and file list with checksums
//	metadata/descriptive/description.json     magazin's description record
//	metadata/submission/...                   the submission's own metadata files
//	metadata/preservation/premis.xml          PREMIS 3: objects, events, agents
//	representations/original/data/...         the submitted files under their original names
//	representations/<rep>/data/...            the representations an E-ARK SIP brought, by their names
//	representations/<name>/data/...           later representations: migrations, access copies
//
// Submitted files (File.DerivedFrom empty) lie in "original" or in a
// representation the submission brought (AIP.Representations records
// where it came from); derived files name their source. METS has one file
// group and structural division per representation; PREMIS has a
// representation object per representation that represents the
// intellectual entity and includes its files, and keeps the digests a
// submission declared (File.Declared) as fixity with the originator
// "submission" next to magazin's own SHA-512 (docs/adr/0005).
//
// Invariants:
//   - Objects are written in crash-safe order: content files, the version
//     inventory and its sidecar, the root inventory, and the root sidecar
//     last. An object whose root sidecar is missing or does not match is
//     incomplete and is never read as an AIP.
//   - Nothing already stored is ever overwritten (the Store refuses), so a
//     retried write after a crash completes the same object — with one
//     exception: a new version (NewVersion, Revise: description edits,
//     migrations) replaces the root inventory.json and, last, its sidecar,
//     each by compare-and-swap (store.Replacer, docs/adr/0002-aip-versions.md).
//     The root sidecar is the commit point: ReadHead reads the version it
//     names, so an interrupted version write leaves the previous version
//     readable. Unchanged content is never copied into a new version.
//   - Every AIP passes an OCFL 1.1 validator with no errors and no warnings.
package aip
