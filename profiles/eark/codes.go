package eark

import (
	"fmt"
	"regexp"
	"slices"

	"github.com/magazin-archiv/magazin/preservation"
)

// Problem codes reported by the E-ARK profile (see docs/problem-codes.md).
// A problem that violates one CSIP or SIP requirement has that
// requirement's ID as its code ("CSIP1", "CSIPSTR4", "SIP5"); the EARK_*
// category codes below are used for the rest: findings that are not one
// requirement (a checksum that does not match, a missing file, a link) and
// checks without a requirement ID (duplicate IDs). Such a problem's
// message starts with the requirement it concerns, if any, e.g.
// "CSIP69: ...".
const (
	CodeNoMETS        = "EARK_NO_METS"          // category of CSIPSTR4: no METS.xml in the package root
	CodeStructure     = "EARK_STRUCTURE"        // warning: folder layout (CSIPSTR5-16)
	CodeMETSSyntax    = "EARK_METS_SYNTAX"      // a METS document is not well-formed METS
	CodeSchema        = "EARK_METS_SCHEMA"      // a METS document is not valid against mets.xsd
	CodeSchemaSkipped = "EARK_SCHEMA_UNCHECKED" // warning: schema validation not possible
	CodeNamespace     = "EARK_NAMESPACE"        // CSIP/SIP extension attributes in a misspelled namespace
	CodeRoot          = "EARK_METS_ROOT"        // mets root attributes (CSIP1-6, SIP1, SIP2)
	CodeHeader        = "EARK_METS_HEADER"      // metsHdr (CSIP117, CSIP7-16, SIP3-SIP31)
	CodeMdSec         = "EARK_METADATA_SECTION" // dmdSec/amdSec (CSIP17-57)
	CodeFileSec       = "EARK_FILESEC"          // fileSec (CSIP58-79, SIP32-35)
	CodeStructMap     = "EARK_STRUCTMAP"        // structMap, ID references, mptr (CSIP80-112)
	CodeHref          = "EARK_HREF"             // a reference that leaves the package or is no relative path
	CodeMissing       = "EARK_MISSING"          // a referenced file is not in the package
	CodeCase          = "EARK_CASE"             // warning: a reference matches a file only ignoring letter case or normalisation
	CodeUnreferenced  = "EARK_UNREFERENCED"     // warning: a file no METS document references
	CodeChecksum      = "EARK_CHECKSUM"         // checksum malformed, conflicting or (metadata files) not matching
	CodeSize          = "EARK_SIZE"             // SIZE differs from the file's size
	CodeDescriptive   = "EARK_DESCRIPTIVE"      // warning: descriptive metadata could not be read
	CodeLink          = "EARK_LINK"             // symbolic link in the package
	CodeSpecial       = "EARK_SPECIAL"          // device, FIFO, socket or other non-regular file
	CodeTooLarge      = "EARK_TOO_LARGE"        // a METS document too large to parse
)

// Codes lists every problem code of the profile.
func Codes() []string {
	return []string{CodeNoMETS, CodeStructure, CodeMETSSyntax, CodeSchema, CodeSchemaSkipped, CodeNamespace,
		CodeRoot, CodeHeader, CodeMdSec, CodeFileSec, CodeStructMap, CodeHref, CodeMissing, CodeCase,
		CodeUnreferenced, CodeChecksum, CodeSize, CodeDescriptive, CodeLink, CodeSpecial, CodeTooLarge}
}

// byRequirement are the category codes a problem gives up for the ID of
// the requirement it violates.
var byRequirement = map[string]bool{
	CodeNoMETS: true, CodeStructure: true, CodeRoot: true, CodeHeader: true, CodeMdSec: true, CodeFileSec: true,
	CodeStructMap: true,
}

// requirementCode matches the requirement IDs used as problem codes.
var requirementCode = regexp.MustCompile(`^(CSIPSTR|CSIP|SIP)[1-9][0-9]*$`)

// IsCode reports whether code is a problem code of the profile: a
// category code of Codes or a CSIP/SIP requirement ID.
func IsCode(code string) bool {
	return slices.Contains(Codes(), code) || requirementCode.MatchString(code)
}

// problems collects findings.
type problems struct {
	ps preservation.Problems
}

// add records a problem; req is the requirement id ("CSIP1", "CSIPSTR4",
// "SIP3", "" for none) the message starts with.
func (p *problems) add(severity, code, path, req, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	switch {
	case req != "" && byRequirement[code] && requirementCode.MatchString(req):
		code = req
	case req != "":
		msg = req + ": " + msg
	}
	p.ps = append(p.ps, preservation.Problem{Code: code, Severity: severity, Path: path, Message: msg})
}

func (p *problems) error(code, path, req, format string, args ...any) {
	p.add(preservation.SeverityError, code, path, req, format, args...)
}

func (p *problems) warn(code, path, req, format string, args ...any) {
	p.add(preservation.SeverityWarning, code, path, req, format, args...)
}

// clip shortens s for messages.
func clip(s string) string {
	if len(s) > 100 {
		return s[:100] + "..."
	}
	return s
}
