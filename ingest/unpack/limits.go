package unpack

import (
	"fmt"

	"github.com/magazin-archiv/magazin/preservation"
)

// Problem codes reported by this package. They are stable: documented in
// docs/problem-codes.md and relied on by callers and tests.
const (
	CodeTraversal  = "UNPACK_TRAVERSAL"
	CodeAbsolute   = "UNPACK_ABSOLUTE"
	CodeLink       = "UNPACK_LINK"
	CodeSpecial    = "UNPACK_SPECIAL"
	CodeHardLink   = "UNPACK_HARDLINK"
	CodeTooMany    = "UNPACK_TOO_MANY"
	CodeTooLarge   = "UNPACK_TOO_LARGE"
	CodeRatio      = "UNPACK_RATIO"
	CodeDuplicate  = "UNPACK_DUPLICATE"
	CodeEncrypted  = "UNPACK_ENCRYPTED"
	CodeMethod     = "UNPACK_METHOD"
	CodeCorrupt    = "UNPACK_CORRUPT"
	CodeName       = "UNPACK_NAME"
	CodeUnreadable = "READ_UNREADABLE"
)

// maxProblems caps the problems reported for one input.
const maxProblems = 1000

// maxSegment is the longest name segment in bytes that common file systems
// (ext4, XFS, NTFS in UTF-16 units) accept.
const maxSegment = 255

// Limits bound what an archive or directory may contain. A zero or
// negative field means the DefaultLimits value for it.
type Limits struct {
	// MaxFiles is the most entries (files and directories) allowed.
	MaxFiles int
	// MaxTotalSize is the most bytes all files together may hold.
	MaxTotalSize int64
	// MaxFileSize is the most bytes one file may hold.
	MaxFileSize int64
	// MaxRatio is the highest expansion ratio (uncompressed bytes per
	// compressed byte) allowed for an entry and for the archive as a
	// whole (bytes written per byte of archive file).
	MaxRatio float64
	// RatioMinSize exempts small content from MaxRatio: an entry, or an
	// archive's total, of at most this many uncompressed bytes may have
	// any ratio (a few KiB of XML easily compress 200:1).
	RatioMinSize int64
	// MaxPathLen is the longest relative path allowed, in bytes.
	MaxPathLen int
	// MaxDepth is the most path segments (directory levels) allowed.
	MaxDepth int
}

// DefaultLimits returns limits for a state archive's submissions: 200,000
// entries, 1 TiB in total and per file, an expansion ratio of 200 for
// content over 1 MiB, paths of up to 1024 bytes and 32 levels.
func DefaultLimits() Limits {
	return Limits{
		MaxFiles:     200_000,
		MaxTotalSize: 1 << 40,
		MaxFileSize:  1 << 40,
		MaxRatio:     200,
		RatioMinSize: 1 << 20,
		MaxPathLen:   1024,
		MaxDepth:     32,
	}
}

// withDefaults replaces zero and negative fields by their defaults.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxFiles <= 0 {
		l.MaxFiles = d.MaxFiles
	}
	if l.MaxTotalSize <= 0 {
		l.MaxTotalSize = d.MaxTotalSize
	}
	if l.MaxFileSize <= 0 {
		l.MaxFileSize = d.MaxFileSize
	}
	if !(l.MaxRatio > 0) { // also NaN
		l.MaxRatio = d.MaxRatio
	}
	if l.RatioMinSize <= 0 {
		l.RatioMinSize = d.RatioMinSize
	}
	if l.MaxPathLen <= 0 {
		l.MaxPathLen = d.MaxPathLen
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	return l
}

// ratioBytes is how many bytes n input bytes may expand to under ratio r,
// never less than the exempt minimum.
func (l Limits) ratioBytes(n int64) int64 {
	v := l.MaxRatio * float64(n)
	if v >= 1<<62 {
		return 1 << 62
	}
	return max(int64(v), l.RatioMinSize)
}

// problems collects findings up to maxProblems.
type problems struct {
	list preservation.Problems
	full bool
}

func (p *problems) add(code, path, format string, args ...any) {
	p.addSeverity(preservation.SeverityError, code, path, format, args...)
}

func (p *problems) warn(code, path, format string, args ...any) {
	p.addSeverity(preservation.SeverityWarning, code, path, format, args...)
}

func (p *problems) addSeverity(sev, code, path, format string, args ...any) {
	if len(p.list) >= maxProblems {
		p.full = true
		return
	}
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	p.list = append(p.list, preservation.Problem{Code: code, Severity: sev, Path: path, Message: msg})
}
