// Package bagit implements the "bagit" submission profile: a bag as
// defined by RFC 8493 ("The BagIt File Packaging Format", V1.0), also
// reading bags of the earlier drafts 0.93-0.97.
//
// It conforms to RFC 8493 and agrees with every verdict of the Library of
// Congress BagIt conformance suite (profiles/bagit/corpus_test.go,
// docs/conformance.md).
//
// Contract:
//
//   - Detect reports whether root holds a regular file bagit.txt.
//   - Read never follows symbolic links and never writes. It reads the tag
//     files (bagit.txt, bag-info.txt, manifests, tag manifests, fetch.txt)
//     but not the payload: payload digests are not verified here. Instead
//     the digests the payload manifests declare go into File.Declared
//     (algorithm -> lower-case hex) for the supported algorithms md5, sha1,
//     sha224, sha256, sha384 and sha512; the ingest pipeline compares them in its
//     single read per file. Tag files are small: their tag manifest digests
//     are verified in Read (BAGIT_TAG_DIGEST).
//   - Files are the regular files below data/, named relative to data/
//     (slash separated) and sorted by Name. Metadata are all other regular
//     files of the bag (bagit.txt, bag-info.txt, manifests, tag manifests,
//     fetch.txt, other tag files and tag directories), named relative to
//     the bag root and sorted; their Declared digests come from the tag
//     manifests.
//   - Description holds every bag-info.txt element (package-info.txt before
//     BagIt 0.96) and "BagIt-Version". Labels are case-insensitive: the
//     reserved labels of RFC 8493 §2.2.2 get their canonical spelling,
//     others the first spelling seen; a repeated label gives a []string,
//     a single one a string. Continuation lines are joined by single spaces.
//   - Title is External-Description, else External-Identifier, else the
//     name of the bag directory.
//   - Manifest paths are percent-decoded per RFC 8493 §2.1.3 (only %0D,
//     %0A and %25; other "%" are literal), a leading "./" is tolerated with
//     a warning, so is md5sum's binary marker "*". Lines may end in LF,
//     CRLF or CR.
//   - Tag files other than bagit.txt (which is always UTF-8) are decoded
//     from the Tag-File-Character-Encoding bagit.txt declares: UTF-8,
//     ISO-8859-1, windows-1252, US-ASCII, UTF-16 (by BOM, else
//     big-endian), UTF-16BE, UTF-16LE and their IANA aliases (Decode).
//     Another encoding is BAGIT_ENCODING and the tag files are not
//     interpreted; bytes invalid in the declared encoding are BAGIT_ENCODING
//     too.
//   - A manifest or fetch.txt path that names no file exactly is matched to
//     the one payload file whose name differs only in Unicode normalisation
//     (NFC/NFD, golang.org/x/text/unicode/norm) or letter case, with a
//     warning (BAGIT_NORMALIZATION, BAGIT_CASE); two entries of one
//     manifest naming the same file that way are a warning when their
//     checksums agree and BAGIT_DUPLICATE when not. Payload or tag files
//     whose names collide that way on disk are warned about too, so are
//     operating system files (.DS_Store, Thumbs.db, ._*, ...) in the
//     payload (BAGIT_SYSTEM_FILE).
//   - fetch.txt is parsed and checked (URL LENGTH FILEPATH, absolute URL,
//     LENGTH a number or "-", FILEPATH a payload path listed in every
//     payload manifest). magazin never fetches: a listed file that is not
//     in the bag is BAGIT_FETCH (an error; BAGIT_MISSING and Payload-Oxum
//     are not reported for such a bag); when every listed file is already
//     in the bag there is nothing to fetch and BAGIT_FETCH is a warning.
//
// Problem codes (docs/problem-codes.md has the full list) are errors
// unless noted: BAGIT_NO_DECLARATION, BAGIT_DECLARATION, BAGIT_ENCODING,
// BAGIT_NO_PAYLOAD, BAGIT_NO_MANIFEST, BAGIT_ALGORITHM (warning),
// BAGIT_MANIFEST_SYNTAX, BAGIT_DUPLICATE (a warning before BagIt 1.0 when
// both entries agree), BAGIT_BAD_PATH, BAGIT_DOT_PATH (warning),
// BAGIT_BINARY_MARKER (warning), BAGIT_UNLISTED, BAGIT_MISSING,
// BAGIT_BAGINFO_SYNTAX, BAGIT_OXUM, BAGIT_FETCH (a warning when nothing is
// left to fetch), BAGIT_FETCH_SYNTAX, BAGIT_LINK, BAGIT_SPECIAL,
// BAGIT_TAG_MISSING, BAGIT_TAG_DIGEST, BAGIT_TOO_LARGE, BAGIT_CASE
// (warning), BAGIT_NORMALIZATION (warning), BAGIT_SYSTEM_FILE (warning).
//
// Policy decisions that go beyond RFC 8493: a bag with files still to
// fetch is an error (magazin never fetches; a submission must be
// complete), and a bag needs at least one payload manifest of a supported
// algorithm so that its fixity can be checked.
package bagit
