package ead

import (
	"fmt"

	"github.com/magazin-archiv/magazin/preservation"
)

// Problem codes reported by the EAD reader and the import (see
// docs/problem-codes.md, section "ead"). Errors make a file unusable: it is
// not imported at all. Warnings are reported and the file is imported.
const (
	CodeXML      = "EAD_XML"      // error: not well-formed XML, or an unsupported character encoding
	CodeNotEAD   = "EAD_NOT_EAD"  // error: the root element is not <ead>
	CodeLimit    = "EAD_LIMIT"    // error: the file exceeds a limit (bytes, nesting, units)
	CodeNoUnits  = "EAD_NO_UNITS" // error: no archdesc and no component, nothing to import
	CodeNoID     = "EAD_NO_ID"    // warning: no eadid / recordid; the file name identifies the finding aid
	CodeID       = "EAD_ID"       // warning: components without @id, or with a duplicate @id; their position identifies them
	CodeLevel    = "EAD_LEVEL"    // warning: a missing or unknown @level, mapped by position
	CodeDate     = "EAD_DATE"     // warning: a unitdate/@normal that is no ISO 8601 date or range
	CodeText     = "EAD_TEXT"     // warning: text of a unit beyond the limit was dropped
	CodeNoTitle  = "EAD_NO_TITLE" // warning: a unit without unittitle
	CodeSignatur = "EAD_SIGNATUR" // warning: two units of the file have the same Signatur
	CodeGone     = "EAD_GONE"     // warning: units of an earlier import are no longer in the finding aid; they are kept (import)
	CodePlace    = "EAD_PLACE"    // error: the finding aid cannot go where --parent puts it (import)
)

// Codes lists every problem code of the package.
func Codes() []string {
	return []string{CodeXML, CodeNotEAD, CodeLimit, CodeNoUnits, CodeNoID, CodeID, CodeLevel, CodeDate,
		CodeText, CodeNoTitle, CodeSignatur, CodeGone, CodePlace}
}

func problem(sev, code, path, format string, a ...any) preservation.Problem {
	return preservation.Problem{Code: code, Severity: sev, Path: path, Message: fmt.Sprintf(format, a...)}
}
