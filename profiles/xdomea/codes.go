package xdomea

import (
	"fmt"

	"github.com/magazin-archiv/magazin/preservation"
)

// Problem codes reported by the xdomea profile and its checks (see
// docs/problem-codes.md). All are errors unless marked as warnings.
//
// Path conventions: problems about a file carry the file's name in the
// submission; problems about a Schriftgutobjekt carry the object's
// Identifikation/ID (a bare UUID, which no file name is); problems about
// the message as a whole carry the message file name.
const (
	// CodeMalformed: the message is not well-formed XML (or nests deeper
	// than the parser allows), or a message container is not a readable ZIP.
	CodeMalformed = "XDOMEA_XML_MALFORMED"
	// CodeEncoding: the message declares a character encoding magazin
	// cannot read (supported: UTF-8, US-ASCII, ISO-8859-1, ISO-8859-15,
	// windows-1252).
	CodeEncoding = "XDOMEA_ENCODING"
	// CodeTooLarge: the message file exceeds the size the parser accepts.
	CodeTooLarge = "XDOMEA_TOO_LARGE"
	// CodeNotXdomea: the root element is not in an xdomea namespace.
	CodeNotXdomea = "XDOMEA_NOT_XDOMEA"
	// CodeVersion: the xdomea version (from the namespace) is not one
	// magazin reads.
	CodeVersion = "XDOMEA_VERSION"
	// CodeMessageType: the message is not of a type this operation reads
	// (e.g. a 0501 offer where a 0503 transfer is expected, or a message
	// outside "Aussonderung durchführen").
	CodeMessageType = "XDOMEA_MESSAGE_TYPE"
	// CodePrefix (warning): the xdomea namespace prefix is not literally
	// "xdomea" as the specification (§4.2) requires.
	CodePrefix = "XDOMEA_PREFIX"
	// CodeHeader: the message header (Kopf / nachrichtenkopf) is missing or
	// lacks a required field.
	CodeHeader = "XDOMEA_HEADER"
	// CodeTypeMismatch: the message type differs between the root element,
	// Nachrichtentyp/code and the file name.
	CodeTypeMismatch = "XDOMEA_TYPE_MISMATCH"
	// CodeProcessID: the ProzessID is missing, not a UUID, or differs
	// between the header and the file name.
	CodeProcessID = "XDOMEA_PROCESS_ID"
	// CodeFileName (warning): a message or container file name does not
	// follow the xdomea naming rules.
	CodeFileName = "XDOMEA_FILE_NAME"
	// CodeNoMessage: no xdomea message file in the submission.
	CodeNoMessage = "XDOMEA_NO_MESSAGE"
	// CodeManyMessages: more than one xdomea message file in the
	// submission.
	CodeManyMessages = "XDOMEA_MANY_MESSAGES"
	// CodeNoObjects: a 0503 transfers no Schriftgutobjekt.
	CodeNoObjects = "XDOMEA_NO_OBJECTS"
	// CodeObjectID: a Schriftgutobjekt has no Identifikation/ID, or the ID
	// is not a UUID.
	CodeObjectID = "XDOMEA_OBJECT_ID"
	// CodeDuplicateID: two objects share one Identifikation/ID.
	CodeDuplicateID = "XDOMEA_DUPLICATE_ID"
	// CodeFileMissing: a primary file the message references is not in the
	// package.
	CodeFileMissing = "XDOMEA_FILE_MISSING"
	// CodeFileUnreferenced: the package holds a file the message does not
	// reference.
	CodeFileUnreferenced = "XDOMEA_FILE_UNREFERENCED"
	// CodeBadFileName: a Dateiname is not a plain file name (empty, a path,
	// "..", control characters).
	CodeBadFileName = "XDOMEA_BAD_FILE_NAME"
	// CodeFileShared: one primary file is referenced by two different
	// objects; a file belongs to one unit and one AIP.
	CodeFileShared = "XDOMEA_FILE_SHARED"
	// CodeSpecialFile: a symbolic link or other non-regular file in the
	// package (or a message that is one); it is not followed.
	CodeSpecialFile = "XDOMEA_SPECIAL_FILE"
	// CodeHash: a hash declared in a 4.0 Primaerdokument is malformed.
	CodeHash = "XDOMEA_HASH"
	// CodeSchema: the message is not valid against the KoSIT XML schema
	// of its version.
	CodeSchema = "XDOMEA_SCHEMA"
	// CodeSchemaUnchecked (warning): the message was not validated against
	// an XML schema (no schema directory configured, no schema for the
	// version, xmllint missing or the schema could not be loaded); only
	// magazin's structural checks were made.
	CodeSchemaUnchecked = "XDOMEA_SCHEMA_UNCHECKED"
	// CodeAppraisalV: an object is marked or appraised V (to be destroyed)
	// and must not be transferred.
	CodeAppraisalV = "XDOMEA_APPRAISAL_V"
	// CodeAppraisalMissing: in the four-stage procedure, an object is
	// neither marked A in the 0503 nor appraised A in the process's 0502.
	CodeAppraisalMissing = "XDOMEA_APPRAISAL_MISSING"
	// CodeAppraisalB (warning): in the two-stage procedure, an object is
	// marked B (to be appraised) but transferred without appraisal.
	CodeAppraisalB = "XDOMEA_APPRAISAL_B"
	// CodeNotDelivered (warning): an object appraised A in the 0502 is not
	// in the 0503.
	CodeNotDelivered = "XDOMEA_NOT_DELIVERED"
	// CodeSender: the sending agency (Behördenkennung) is not the expected
	// one.
	CodeSender = "XDOMEA_SENDER"
	// CodeSenderUnknown (warning): the message names no Behördenkennung of
	// its sender, so the sender could not be checked.
	CodeSenderUnknown = "XDOMEA_SENDER_UNKNOWN"
	// CodeSequence (warning): a 4.0 message's running number
	// (LfdNrNachrichtProTyp) differs from the one in its file name, or
	// exceeds GesamtanzahlNachrichtenProTyp.
	CodeSequence = "XDOMEA_SEQUENCE"
)

func problem(code, severity, path, format string, args ...any) preservation.Problem {
	return preservation.Problem{Code: code, Severity: severity, Path: path, Message: fmt.Sprintf(format, args...)}
}

func errorf(code, path, format string, args ...any) preservation.Problem {
	return problem(code, preservation.SeverityError, path, format, args...)
}

func warnf(code, path, format string, args ...any) preservation.Problem {
	return problem(code, preservation.SeverityWarning, path, format, args...)
}
