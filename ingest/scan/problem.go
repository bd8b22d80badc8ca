package scan

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/magazin-archiv/magazin/preservation"
)

// Problem codes (docs/problem-codes.md, section "scan").
const (
	// CodeInfected: clamd found a signature; always an error.
	CodeInfected = "SCAN_INFECTED"
	// CodeFailed: the file could not be scanned (clamd unreachable, a
	// timeout, a broken connection, an unexpected reply); an error when
	// scanning is required, a warning when it is optional.
	CodeFailed = "SCAN_FAILED"
	// CodeTooLarge: the file exceeds the scanner's limits and was not
	// (completely) scanned; severity as for CodeFailed.
	CodeTooLarge = "SCAN_TOO_LARGE"
)

// Problem turns the outcome of a scan (from Stream, Verdict or ScanReader)
// into the problem the pipeline records for the file at path. required says
// whether scanning is required (failures are errors) or optional
// (warnings). ok is false when there is nothing to record: the file is
// clean, or err is ctx's error (context.Canceled or
// context.DeadlineExceeded), which the caller returns instead.
func Problem(path string, v Verdict, err error, required bool) (p preservation.Problem, ok bool) {
	sev := preservation.SeverityWarning
	if required {
		sev = preservation.SeverityError
	}
	switch {
	case err == nil && v.Infected:
		return preservation.Problem{Code: CodeInfected, Severity: preservation.SeverityError, Path: path,
			Message: fmt.Sprintf("virus scanner found %s", v.Signature)}, true
	case err == nil:
		return preservation.Problem{}, false
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return preservation.Problem{}, false
	case errors.Is(err, ErrTooLarge):
		return preservation.Problem{Code: CodeTooLarge, Severity: sev, Path: path,
			Message: "not scanned for viruses: " + strings.TrimPrefix(err.Error(), "scan: ")}, true
	}
	return preservation.Problem{Code: CodeFailed, Severity: sev, Path: path,
		Message: "not scanned for viruses: " + strings.TrimPrefix(err.Error(), "scan: ")}, true
}
