// Package unpack extracts submitted ZIP archives into a staging directory
// safely, and lists the regular files of a directory tree, rejecting
// anything that could escape the staging directory, exhaust the machine or
// silently lose content.
//
// Contract of [Zip]:
//
//   - Everything is written through an [os.Root] opened on the staging
//     directory, so no entry, whatever its name, can create or modify
//     anything outside it. Symbolic links are never created.
//   - The staging directory must be new or empty. On rejection (any problem
//     of error severity), cancellation or failure it is left empty: an
//     archive is extracted completely or not at all.
//   - The archive's central directory is checked as a whole before anything
//     is written: names, types, encryption, compression methods,
//     duplicates, entry count, declared sizes and declared expansion ratios,
//     overlapping entry data. Every problem found is reported (at most
//     1000). The declared entry count and directory size are checked before
//     the directory is parsed, so memory use stays bounded.
//   - Headers are not trusted: while extracting, the bytes actually
//     written are counted and cut off (io.LimitReader) at the per-file,
//     total and expansion-ratio limits; each entry's CRC-32 and size are
//     verified.
//   - Files are created with mode 0644, directories with 0755; modes,
//     owners and special bits in the archive are ignored. Modification
//     times are kept. Files are not fsynced: a caller that records
//     completion durably must sync the staging directory itself or extract
//     again after a crash.
//   - Input problems are returned as [preservation.Problems]; the error
//     result is for the environment (staging directory not empty, disk
//     full, ctx done). After an error during extraction the staging
//     directory has been emptied; a staging directory that was not empty
//     to begin with is left untouched.
//
// Entry names: a name flagged as UTF-8 must be valid UTF-8. An unflagged
// name is taken from an Info-ZIP Unicode Path extra field (0x7075) when one
// matches it, else used as is when it is valid UTF-8 (many tools write
// UTF-8 without the flag), else decoded as code page 437, the ZIP
// specification's default, which is what Windows' built-in ZIP writes on
// German systems (ä ö ü Ä Ö Ü ß have the same codes in CP437 and CP850). A
// CP437 decode is reported as one UNPACK_NAME warning per archive.
//
// Names must be relative, slash-separated and canonical: no "..", ".", or
// empty segments, no leading "/", no drive letter, no backslash, no
// control characters (C0, DEL, C1), at most [Limits].MaxPathLen bytes, at
// most [Limits].MaxDepth segments and 255 bytes per segment. Two names
// collide when they are equal after Unicode NFC normalisation and case
// folding (so they could not coexist on Windows or macOS), or when one is
// used both as a file and as a directory; repeating a directory entry is
// not a collision.
//
// [Walk] lists the regular files below a directory (an unpacked archive or
// a submitted folder) under the same name, collision and size rules, and
// reports symbolic links, special files and unreadable files and
// directories.
//
// Problem codes (all of severity error unless noted; see also
// docs/problem-codes.md):
//
//	UNPACK_TRAVERSAL  a name with a ".." segment
//	UNPACK_ABSOLUTE   an absolute name: leading "/" or "\", or a drive letter
//	UNPACK_LINK       a symbolic link
//	UNPACK_SPECIAL    a device, FIFO, socket or other non-regular entry
//	UNPACK_HARDLINK   a file that also has names outside the walked directory
//	UNPACK_TOO_MANY   more entries than Limits.MaxFiles
//	UNPACK_TOO_LARGE  a file over Limits.MaxFileSize or a total over Limits.MaxTotalSize
//	UNPACK_RATIO      expansion beyond Limits.MaxRatio (a zip bomb)
//	UNPACK_DUPLICATE  colliding names (exact, case or Unicode normalisation, file vs directory)
//	UNPACK_ENCRYPTED  an encrypted entry (ZipCrypto or AES)
//	UNPACK_METHOD     a compression method other than store and deflate
//	UNPACK_CORRUPT    a damaged archive: CRC or size mismatch, bad headers, overlapping entries
//	UNPACK_NAME       a bad name: control characters, backslash, invalid UTF-8,
//	                  non-canonical, too long or too deep;
//	                  warning: names decoded from CP437
//	READ_UNREADABLE   the input (archive, file or directory) cannot be read
package unpack
