// Package identify is magazin's adapter to siegfried, the PRONOM-based file
// format identification tool. It is the only package that imports siegfried.
//
// Contract:
//
//   - An [Identifier] loads siegfried's embedded signature file (PRONOM
//     DROID signatures plus container signatures) once, in [New]. It holds no
//     mutable state after that and is safe for concurrent use by any number
//     of goroutines.
//   - Every identification yields exactly one [Result]. A file that matches
//     no signature has PUID [Unknown]; an empty file has PUID [Unknown] and
//     Warning [WarningEmpty]. Neither is an error: errors are reserved for
//     failures to read the input and for cancellation. When a container
//     matcher cannot parse the content (a truncated OLE2 or ZIP structure)
//     the identification stands and Warning ends in "siegfried: <why>".
//   - [Identifier.IdentifyFile] reads the file only with ReadAt: it does not
//     depend on, and does not move, the file's offset, so the caller may
//     share one open file between hashing, scanning and identification.
//     A read error is returned as an error (wrapped with %w); it never
//     terminates the process and never yields a partial result. The file is
//     not memory-mapped (siegfried's own file handling maps files, calls
//     log.Fatal on a short read and dies of SIGBUS when a mapped file
//     shrinks); at most 128 KiB of it is held in memory besides the slices
//     siegfried asks for.
//   - Cancellation: ctx is checked before identification starts and before
//     every read of the input. When ctx is done, the identify call returns
//     ctx's error at once; siegfried's work for that file stops at its next
//     read, so no goroutine outlives it for long (a Read already blocked
//     inside the caller's io.Reader is not interrupted).
//   - The package never prints and keeps no global state of its own.
//
// [Identifier.Version] describes the tool and signature versions so that a
// PREMIS agent can record exactly what made each identification.
package identify
