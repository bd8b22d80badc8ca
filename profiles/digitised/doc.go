// Package digitised implements the "digitised" submission profile: scanned
// images (masters) of units of description that already exist in the
// catalog, imported from a finding aid (magazin import ead) or ingested
// before. Each unit's images become one AIP linked to that unit.
//
// A submission has one of two layouts:
//
//   - A batch: a directory holding the mapping file digitalisate.csv
//     (MappingFile) and one folder per unit. Each line of the mapping is
//     "Signatur;Ordner" or "Signatur;Ordner;Modus" (semicolon separated,
//     UTF-8, an optional header line starting "Signatur", empty lines
//     ignored); Ordner is a path relative to the batch; Modus is
//     ModeReplace (ersetzen, the default) or ModeSupplement (ergaenzen,
//     also "ergänzen"), which sets profiles.Unit.Supplement: for a unit
//     digitised before, ingest makes the pages a new version of its AIP
//     that replaces or supplements the archived pages. Detect reports true
//     only for this layout.
//   - One unit: a directory (chosen with --profile digitised) whose images
//     belong to the unit whose Signatur is the directory's name (Modus
//     ersetzen).
//
// A unit folder holds the masters directly (TIFF, JPEG or PNG: .tif,
// .tiff, .jpg, .jpeg, .png in any letter case) or is a BagIt bag whose
// payload they are; then the bag's manifests are read (profiles/bagit) and
// their digests checked in ingest's single read, and in the one-unit layout
// the bag's External-Identifier, when given, names the Signatur.
//
// Contract:
//
//   - Page order is the natural order of the file names (preservation.
//     NaturalCompare: "2.tif" before "10.tif"); Unit.Files lists them in
//     that order. The page number of a file is the last run of digits in
//     its name without extension; two files of one unit with the same page
//     number are DIGITISED_PAGE_DUPLICATE.
//   - Every unit is a profiles.Unit with Existing set: ingest attaches the
//     images to the catalog unit with that Signatur (and reports
//     DIGITISED_UNKNOWN_SIGNATUR or DIGITISED_TARGET when it cannot). A
//     file's Name is "<Ordner>/<name>" in a batch and "<name>" for one unit.
//   - Read reads each image's header (image.DecodeConfig: a few kilobytes)
//     to find unreadable images (DIGITISED_UNREADABLE); the full decode and
//     the hashing stay with the ingest pipeline's single read.
//   - Read never writes and never follows symbolic links (DIGITISED_LAYOUT).
//
// Problem codes (all errors; docs/problem-codes.md): DIGITISED_MAPPING,
// DIGITISED_SIGNATUR_DUPLICATE, DIGITISED_UNMAPPED, DIGITISED_LAYOUT,
// DIGITISED_EMPTY, DIGITISED_NOT_IMAGE, DIGITISED_PAGE_DUPLICATE,
// DIGITISED_UNREADABLE; ingest adds DIGITISED_UNKNOWN_SIGNATUR and
// DIGITISED_TARGET. A bag's own problems keep their BAGIT_ codes.
package digitised
