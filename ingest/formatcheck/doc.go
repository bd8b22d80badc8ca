// Package formatcheck validates files beyond their identification: it
// checks that a file identified as a PDF, an image, an XML document or a
// ZIP-based container (ZIP, ODF, OOXML, SIARD) actually is one, flags
// encryption, and checks a PDF/A identification against the file's own
// declaration. Each [Result] is recorded by the ingest pipeline as a
// PREMIS validation event ("val") naming the tool and its version.
//
// What is checked, by PUID ([Supported] reports whether a PUID has a check):
//
//   - PDF (PDF 1.0-2.0, PDF/A, PDF/X, PDF/E): the structure with pdfcpu's
//     validator (relaxed mode by default, strict with Options.PDFStrict,
//     which also decodes every stream); the classic cross-reference
//     sections, whose damage pdfcpu repairs silently (every in-use entry
//     must point at its object); encryption (FORMAT_ENCRYPTED; a file
//     that needs a password to open cannot be checked and is not valid).
//     For the PDF/A PUIDs (fmt/95, fmt/354, fmt/476-481, fmt/1910-1912)
//     the catalog's XMP metadata must declare the same pdfaid:part and
//     pdfaid:conformance (FORMAT_PDFA_CLAIM); PDF/A conformance itself
//     (fonts, colour, ...) needs veraPDF and is not checked.
//   - Raster images: PNG and JPEG (Go's image packages), TIFF, BMP and
//     WebP (golang.org/x/image): the header is decoded, its pixel count
//     checked against Limits.MaxPixels (a decompression bomb stops there
//     with FORMAT_LIMIT), then the whole image is decoded (for TIFF, the
//     first image of the file). GIF: every frame's block structure and LZW
//     data, in constant memory. A valid feature the decoder lacks (JPEG
//     compression in TIFF, arithmetic-coded JPEG, RLE BMP, animated WebP)
//     leaves the file unchecked (Checked false), not invalid.
//   - XML 1.0 and XML-based formats (XSD, SVG, GML, KML, XHTML, RDF, TEI):
//     well-formedness with encoding/xml in one streaming pass, with bounded
//     nesting depth and token size; one root element, nothing but
//     comments, processing instructions and white space around it, unique
//     attributes. Entities of the internal DTD subset are known (their
//     text is inserted literally, so nested entity bombs cannot expand);
//     external DTDs and schemas are not read. Declared encodings are
//     decoded with golang.org/x/text (ISO-8859-1, windows-1252, UTF-16 with
//     a byte order mark, ...). XML 1.1 is not checked.
//   - ZIP containers (ZIP, SIARD, ODF, OOXML): the central directory (its
//     declared entry count and size are checked against the limits before
//     it is read), every member's local header, size and CRC-32 (by
//     decompressing it without keeping it), duplicate names, encrypted
//     members (FORMAT_ENCRYPTED; not checked). ODF: "mimetype" is the
//     first member, stored, without extra field, naming an OpenDocument
//     type; META-INF/manifest.xml is present and well-formed, and an
//     encryption-data element in it flags the document as encrypted.
//     OOXML: [Content_Types].xml and _rels/.rels are present and
//     well-formed. Members with compression methods archive/zip lacks
//     (Deflate64, bzip2, LZMA, ...) are named in Detail, not checked.
//
// Contract:
//
//   - [Checker.CheckReaderAt] checks content the caller already holds (in
//     memory, or an open file) exactly as [Checker.Check] checks a file,
//     without opening anything: the ingest pipeline hands it the bytes of
//     the one read of a small file.
//   - [Check] and [Checker.Check] return findings in the Result and keep
//     the error for the environment: the file cannot be opened or read (an
//     I/O error is told from a format error because every read of the
//     file goes through the package, which remembers the first error), it
//     is not a regular file, or ctx is done. A format error never becomes
//     an error result, and a tool's panic becomes FORMAT_TOOL_FAILED.
//   - A PUID without a check returns a Result with Checked false at once,
//     without opening the file.
//   - Problem paths are empty: the caller sets them to the logical path.
//     Severities are warnings unless Options.Severity says otherwise
//     (German archives usually accept invalid files and flag them; set
//     FORMAT_INVALID to error to reject them). At most 50 problems are
//     listed per file.
//   - Resources are bounded by [Limits]: time per check (FORMAT_LIMIT
//     when exceeded), pixels, PDF size and stream size, XML depth and
//     token size, ZIP entries, central directory size and decompressed
//     bytes. Memory stays within a small multiple of those bounds: about
//     the file's size for a PDF (pdfcpu holds the objects in memory), up
//     to 8 bytes per pixel for an image, constant for GIF, XML and ZIP
//     beyond the bounded tokens and directory.
//   - Cancellation: ctx (and the time limit) is checked before every read
//     of the file. Image, XML and ZIP checks end at their next read.
//     pdfcpu's validation cannot be interrupted: on cancellation or timeout
//     Check returns at once, and the PDF check goroutine finishes its
//     current step in the background (its reads fail) and then closes the
//     file.
//   - A [Checker] holds only its options and is safe for concurrent use.
//     The package keeps no mutable global state, never prints, and never
//     lets pdfcpu create its configuration directory.
//
// Problem codes (see docs/problem-codes.md, section "formatcheck"):
//
//	FORMAT_INVALID      the file does not conform to its identified format
//	FORMAT_ENCRYPTED    the file or some of its members are encrypted
//	FORMAT_PDFA_CLAIM   identified as PDF/A, but the XMP metadata does not declare it
//	FORMAT_LIMIT        the check stopped at a resource limit (e.g. a decompression bomb)
//	FORMAT_TOOL_FAILED  the validation tool failed on the file
package formatcheck
