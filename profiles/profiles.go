// Package profiles defines the transfer model that every submission profile
// (xdomea, E-ARK, BagIt, plain folder) reads a submission into, and the
// Profile interface they implement.
//
// Contract: profiles only read an already unpacked submission directory in
// staging; they never write, never follow symbolic links out of the
// directory, and report every finding as a coded preservation.Problem
// instead of failing early where the rest of the package can still be
// checked.
package profiles

import (
	"context"

	"github.com/magazin-archiv/magazin/preservation"
)

// Profile recognises and reads one kind of submission package.
type Profile interface {
	// Name is the profile's name as used by --profile ("folder", "bagit", ...).
	Name() string
	// Detect reports whether the unpacked submission at root looks like
	// this profile's package. It must be cheap (a few stat calls).
	Detect(root string) bool
	// Read reads the submission at root into a Transfer. Problems found in
	// the package go into Transfer.Problems; the error is reserved for
	// failures that stop reading altogether (I/O errors, cancellation).
	Read(ctx context.Context, root string) (*Transfer, error)
}

// Transfer is a submission read by a profile: what will become one or more
// AIPs.
type Transfer struct {
	// Profile is the name of the profile that read it.
	Profile string
	// Title is a human-readable title for the submission (from its
	// metadata, else the package name).
	Title string
	// Files are the payload files, in lexical order of Name.
	Files []File
	// Metadata are the submission's own metadata files (bag-info.txt,
	// manifests, METS, the xdomea message...). They are kept in the AIP
	// under metadata/submission/ by their Name.
	Metadata []File
	// Description holds descriptive fields extracted from the submission
	// (e.g. "Source-Organization", "Bagging-Date", "title"); it goes into
	// the AIP's description record.
	Description map[string]any
	// Problems are the coded findings; any error-severity problem rejects
	// the submission.
	Problems preservation.Problems
	// Units describe the submission's intellectual structure (xdomea Akte,
	// Vorgang, Dokument; an E-ARK or BagIt package may have none). Parents
	// come before their children. Each top-level unit (Parent == "")
	// becomes one AIP holding the files of its whole subtree; files that
	// belong to no unit go together into one AIP of their own.
	Units []Unit
	// Message describes the submission message the transfer came in, when
	// the profile has one (xdomea): it is what replies refer to.
	Message *Message
	// Representations are the representations the submission brings
	// (E-ARK), in its order. A file whose Name starts with a
	// representation's Prefix is archived in the AIP representation of
	// that Name (representations/<Name>/data/<rest of the name>); every
	// other file goes into the "original" representation under its full
	// Name. Empty for profiles without representations.
	Representations []Representation
}

// Representation is one representation of a submission: a set of files
// that render the content in one way (e.g. preservation masters, or PDFs
// for access).
type Representation struct {
	// Name becomes the AIP representation's name (its Source, SourceID,
	// Label and ContentInformationType are kept in the AIP's description
	// record). It must be a single path segment other than "." and "..".
	preservation.Representation
	// Prefix is the Name prefix of its data files, ending in "/", e.g.
	// "representations/rep1/data/".
	Prefix string
}

// Unit is one unit of description in a transfer.
type Unit struct {
	// Unit carries the descriptive fields. Its ID is left empty (ingest
	// assigns ids); SourceID must be set and unique within the transfer;
	// Parent is the parent's SourceID ("" for a top-level unit).
	preservation.Unit
	// Files are the Names of Transfer.Files that belong directly to this
	// unit.
	Files []string
	// Metadata are metadata files specific to this unit and its subtree
	// (e.g. the xdomea message pruned to this unit); kept in the unit's AIP
	// under metadata/submission/.
	Metadata []File
	// Existing marks a unit that is described in the catalog already
	// (digitised images of an imported unit): ingest attaches the files to
	// the catalog unit with this Signatur instead of describing a new one.
	// Only top-level units may be Existing.
	Existing bool
	// Supplement, for an Existing unit whose records are archived already
	// (a re-digitisation), makes the files add to (or correct, by name)
	// the files of the unit's AIP; without it they replace them. Either
	// way the AIP gets a new version and keeps the earlier files in its
	// earlier versions.
	Supplement bool
}

// Message identifies the submission message (xdomea) a transfer came in.
type Message struct {
	// Type is the message type code, e.g. "0503".
	Type string
	// Version is the standard's version, e.g. "3.0.0".
	Version string
	// ProcessID is the process (Aussonderung) the message belongs to.
	ProcessID string
	// Sender identifies the sending agency (Behördenkennung).
	Sender string
	// SenderName is the agency's name.
	SenderName string
}

// File is one file of a Transfer.
type File struct {
	// Name is the file's path relative to the submission payload,
	// slash separated, as it will be archived (e.g. "Akte 1/Brief.pdf").
	Name string
	// Path is the file's absolute path on disk in staging.
	Path string
	// Size is the size found on disk.
	Size int64
	// Data, when not nil, holds the file's content in memory; Path is then
	// empty. Profiles use it for metadata they derive (e.g. a pruned
	// message), since they never write to disk.
	Data []byte
	// Declared maps a digest algorithm ("md5", "sha1", "sha256", "sha512")
	// to the lower-case hex digest the submission declares for the file.
	// The ingest pipeline computes these in its one read of the file and
	// reports a mismatch as a fixity problem.
	Declared map[string]string
}
