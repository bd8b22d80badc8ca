// Package folder implements the "folder" submission profile: a plain
// directory handed over as it is, without any packaging metadata.
//
// Contract:
//
//   - Detect always reports true: folder is the fallback profile that the
//     ingest pipeline tries last.
//   - Every regular file below the root is payload. Its Name is the path
//     relative to the root, slash separated; Files are sorted by Name
//     (byte-wise). Declared digests are never set and Metadata is empty:
//     a plain folder carries none.
//   - The Title is the name of the root directory.
//   - Symbolic links are never followed: each one is reported as
//     FOLDER_LINK, each device, FIFO or socket as FOLDER_SPECIAL (both
//     errors). A name that is not valid UTF-8 is FOLDER_NAME (error: it
//     cannot be archived under its original name). A submission without any
//     regular file is FOLDER_EMPTY (error). An empty subdirectory cannot be
//     kept in an AIP and is reported as FOLDER_EMPTY_DIR (warning).
//   - The profile only stats files, it never reads their content: hashing
//     is the pipeline's single read per file.
//
// The codes are documented in docs/problem-codes.md.
package folder
