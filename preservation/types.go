package preservation

import (
	"fmt"
	"time"
)

// ObjectInfo describes one object in a store.
type ObjectInfo struct {
	// Key is the object's key, slash separated, never starting with "/".
	Key string
	// Size is the object's length in bytes.
	Size int64
	// SHA512 is the lower-case hex SHA-512 of the content when the backend
	// knows it without reading the object; it may be empty.
	SHA512 string
	// Modified is when the object was written, if the backend knows.
	Modified time.Time
}

// AIPID identifies an AIP. It is the OCFL object id, "urn:uuid:<uuid>".
type AIPID string

// File is one file of an AIP.
type File struct {
	// Path is the logical path inside the AIP, e.g.
	// "representations/original/data/Akte 1/Brief.pdf": the file lies in
	// the data folder of one representation (see Representation).
	Path string `json:"path"`
	// Name is the original path in the submission, slash separated.
	Name          string `json:"name"`
	Size          int64  `json:"size"`
	SHA512        string `json:"sha512"`
	PUID          string `json:"puid,omitempty"`
	FormatName    string `json:"formatName,omitempty"`
	FormatVersion string `json:"formatVersion,omitempty"`
	MIME          string `json:"mime,omitempty"`
	// FormatBasis is siegfried's explanation of the identification.
	FormatBasis string `json:"formatBasis,omitempty"`
	// FormatWarning is siegfried's warning, if any.
	FormatWarning string `json:"formatWarning,omitempty"`
	// DerivedFrom is the logical path of the file this one was made from
	// by a migration or normalization (files of representations other
	// than "original"); "" for submitted files.
	DerivedFrom string `json:"derivedFrom,omitempty"`
	// Declared are the digests the submission declared for the file (a
	// BagIt manifest, E-ARK METS CHECKSUM, xdomea hash) by algorithm
	// ("md5", "sha1", "sha256", "sha384", "sha512"), lower-case hex. Ingest
	// verified each against the file before archiving it; PREMIS keeps
	// them as fixity with the submission as originator.
	Declared map[string]string `json:"declared,omitempty"`
}

// RepresentationOriginal is the name of the representation that holds the
// submitted files of a submission without representations of its own
// (xdomea, BagIt, a folder) and the files of an E-ARK package outside its
// representations' data folders.
const RepresentationOriginal = "original"

// Representation is one representation of an AIP: the files under
// representations/<Name>/data/. The representations of an AIP follow from
// its file paths; a Representation record adds where one came from when a
// submission brought it (an E-ARK SIP's representations keep their names).
type Representation struct {
	// Name is the representation folder's name in the AIP.
	Name string `json:"name"`
	// Source is the representation's folder in the submission, e.g.
	// "representations/rep1".
	Source string `json:"source,omitempty"`
	// SourceID is the submission's identifier of the representation (the
	// OBJID of an E-ARK representation METS).
	SourceID string `json:"sourceId,omitempty"`
	// Label is a human-readable label (an E-ARK representation METS's LABEL).
	Label string `json:"label,omitempty"`
	// ContentInformationType is the E-ARK content information type the
	// representation declares (csip:CONTENTINFORMATIONTYPE), if any.
	ContentInformationType string `json:"contentInformationType,omitempty"`
}

// Event is a PREMIS event. Type is a code of the Library of Congress
// eventType vocabulary (id.loc.gov/vocabulary/preservation/eventType), e.g.
// "ing", "mes", "for", "ipc", "fix", "val", "unp", "vir".
type Event struct {
	ID            string    `json:"id"`
	Type          string    `json:"type"`
	DateTime      time.Time `json:"dateTime"`
	Detail        string    `json:"detail,omitempty"`
	Outcome       string    `json:"outcome"` // OutcomeSuccess or OutcomeFailure
	OutcomeDetail string    `json:"outcomeDetail,omitempty"`
	// Agents are agent ids (see Agent.ID).
	Agents []string `json:"agents,omitempty"`
	// Objects are logical paths of the files the event concerns; empty means
	// the whole package. When Outcomes is set, they are the event's sources
	// (PREMIS linkingObjectRole "source").
	Objects []string `json:"objects,omitempty"`
	// Outcomes are logical paths of the files the event made (PREMIS
	// linkingObjectRole "outcome"), e.g. by a migration.
	Outcomes []string `json:"outcomes,omitempty"`
}

// Event outcomes.
const (
	OutcomeSuccess = "success"
	OutcomeFailure = "failure"
)

// Event type codes from the LoC PREMIS eventType vocabulary used by magazin.
const (
	EventIngestion            = "ing"
	EventMessageDigest        = "mes"
	EventFormatID             = "for"
	EventPackageCreation      = "ipc"
	EventFixityCheck          = "fix"
	EventValidation           = "val"
	EventUnpacking            = "unp"
	EventVirusCheck           = "vir"
	EventReplication          = "rep"
	EventMetadataExtraction   = "mee"
	EventAccession            = "acc"
	EventAppraisal            = "app"
	EventMetadataModification = "mem"
	EventMigration            = "mig"
	EventNormalization        = "nor"
	EventDeletion             = "del"
)

// Agent is a PREMIS agent.
type Agent struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Type    string `json:"type"` // "software", "organization", "person"
	Version string `json:"version,omitempty"`
}

// AIP is the catalog's view of one archival information package.
type AIP struct {
	ID AIPID `json:"id"`
	// Version is the OCFL head version number (1 for "v1").
	Version int       `json:"version"`
	Created time.Time `json:"created"`
	Title   string    `json:"title"`
	// Profile is the submission profile the AIP came from ("folder", "bagit", ...).
	Profile string `json:"profile"`
	// Fingerprint identifies the submitted content: the SHA-512 over the
	// sorted list of (original name, SHA-512) pairs (for digitised images
	// attached to an existing unit, combined with the unit id). An identical
	// resubmission has the same fingerprint.
	Fingerprint string `json:"fingerprint"`
	// Submission names what was submitted (a file or directory name).
	Submission string  `json:"submission,omitempty"`
	Files      []File  `json:"files"`
	Events     []Event `json:"events,omitempty"`
	Agents     []Agent `json:"agents,omitempty"`
	// Size is the sum of the original files' sizes.
	Size int64 `json:"size"`
	// Description is the free-form descriptive record (title, dates,
	// provenance ...) as stored in metadata/descriptive/description.json.
	Description map[string]any `json:"description,omitempty"`
	// Units are the units of description whose records the AIP holds:
	// the top-level unit first, then its subtree in submission order.
	Units []Unit `json:"units,omitempty"`
	// Representations describe the representations a submission brought
	// (E-ARK), in the submission's order; empty for submissions whose files
	// all went into the "original" representation.
	Representations []Representation `json:"representations,omitempty"`
}

// Severity of a Problem.
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
)

// Problem is a coded finding about a submission or an AIP. Codes are stable
// identifiers documented in docs/problem-codes.md.
type Problem struct {
	Code     string `json:"code"`
	Severity string `json:"severity"`
	Path     string `json:"path,omitempty"`
	Message  string `json:"message"`
}

func (p Problem) String() string {
	if p.Path != "" {
		return fmt.Sprintf("%s %s: %s: %s", p.Severity, p.Code, p.Path, p.Message)
	}
	return fmt.Sprintf("%s %s: %s", p.Severity, p.Code, p.Message)
}

// Error makes a Problem usable as an error.
func (p Problem) Error() string { return p.String() }

// Problems is a list of findings.
type Problems []Problem

// HasErrors reports whether any problem has error severity.
func (ps Problems) HasErrors() bool {
	for _, p := range ps {
		if p.Severity == SeverityError {
			return true
		}
	}
	return false
}

// RejectedError is returned when a submission is rejected. It carries the
// coded problems and where the submission was quarantined.
type RejectedError struct {
	Problems   Problems
	Quarantine string
}

func (e *RejectedError) Error() string {
	var first string
	for _, p := range e.Problems {
		if p.Severity == SeverityError {
			first = p.String()
			break
		}
	}
	return fmt.Sprintf("submission rejected (%d problems, first: %s)", len(e.Problems), first)
}

// Progress receives progress reports from long-running library calls
// (ingest, verify, rebuild). Implementations must be safe for concurrent
// use. Libraries never print; the CLI renders a bar, the daemon exposes
// counters.
type Progress interface {
	// SetTotal announces the amount of work (files, objects or bytes).
	SetTotal(n int64)
	// Add reports n more units done.
	Add(n int64)
}

// NoProgress discards progress reports.
type NoProgress struct{}

// SetTotal implements Progress.
func (NoProgress) SetTotal(int64) {}

// Add implements Progress.
func (NoProgress) Add(int64) {}
