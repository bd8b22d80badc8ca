// Package pack writes packages that leave the archive: BagIt bags (RFC
// 8493) and E-ARK information packages (CSIP 2.2 with the E-ARK AIP or DIP
// profile), from an AIP in a store (ExportBag, ExportEARK) or from any list
// of files (WriteBag, WriteIP, which access/dip uses for DIPs).
//
// Contract:
//
//   - A package is written into a fresh folder beside the target (a
//     hidden ".<name>.partial-*" folder) and renamed to the target when it
//     is complete, so the target is either absent or a whole package. The
//     target must not exist (fs.ErrExist); missing parent folders are
//     made. On any error the partial folder is removed.
//   - Every file is read once, as a stream: its SHA-256 and SHA-512 are
//     computed while it is written, never by loading it into memory. A
//     File that declares a SHA-512 or a size is checked against it while
//     it is copied (store.ErrDigestMismatch, store.ErrSizeMismatch): a bad
//     stored copy fails the export instead of leaving the archive. A file
//     whose SHA-512 was written before in the same package (the same
//     content in several versions) is copied from the package's own copy,
//     not read from the store again. (ExportBag and ExportEARK read an
//     AIP's description record and PREMIS once more, for its title.)
//   - Bags: bagit.txt (BagIt 1.0, UTF-8), payload manifests and tag
//     manifests in sha512 and sha256, and bag-info.txt with
//     Payload-Oxum, Bag-Size, Bagging-Date, Bag-Software-Agent and the
//     caller's labels (for AIPs: Source-Organization, External-Identifier
//     = the AIP id, External-Description = its title, and the OCFL
//     version(s)). Manifest paths are percent-encoded as RFC 8493 §2.1.3
//     requires (CR, LF, %).
//   - E-ARK packages: METS.xml at the root with the CSIP extension
//     attributes, the E-ARK AIP or DIP profile, metsHdr with the creating
//     software, dmdSec/digiprovMD references with size, creation time and
//     SHA-512 of every metadata file, one fileGrp "Representations/<name>"
//     per representation pointing at its own METS.xml, and a CSIP
//     structMap; each representation has METS.xml, data/ and (when given)
//     metadata/. Every file's SIZE and CHECKSUM are the ones measured
//     while writing it.
//   - ExportBag and ExportEARK read the object with aip.Head: the head
//     version, a named version (Options.Version) or every version
//     (Options.AllVersions: in a bag, data/<version>/...; in an E-ARK
//     package, each version's representations as "<version>-<name>" and
//     its metadata under metadata/other/<version>/).
//
// Nothing here applies closure: exporting an AIP is an archivist's act.
// Packages for users (DIPs) are made by access/dip, which does.
package pack
