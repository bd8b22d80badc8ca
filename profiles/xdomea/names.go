package xdomea

import (
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/magazin-archiv/magazin/preservation"
)

// Naming schemes of message and container files.
const (
	// SchemeLong is the 2.x/3.x scheme
	// "<ProzessID>_Aussonderung.<Name>.<code>.<ext>".
	SchemeLong = "long"
	// SchemeShort is the 4.0 scheme "<ProzessID>_<code>_<n>.<ext>"; the
	// running number may be missing (x-man accepts "<ProzessID>_<code>.<ext>").
	SchemeShort = "short"
)

// FileName is a message or container file name taken apart.
type FileName struct {
	// ProcessID is the ProzessID (lower case).
	ProcessID string
	// Type is the message type code, e.g. "0503".
	Type string
	// Seq is the running number of the 4.0 short scheme (0 when absent).
	Seq int
	// Scheme is SchemeLong or SchemeShort.
	Scheme string
	// Ext is the extension in lower case without the dot: "xml", "zip" or
	// "xdomea" (a ZIP container).
	Ext string
}

// IsContainer reports whether the name is a ZIP container (.zip, .xdomea).
func (f FileName) IsContainer() bool { return f.Ext == "zip" || f.Ext == "xdomea" }

const uuidPattern = `[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`

var (
	fileNameRE = regexp.MustCompile(`^(` + uuidPattern + `)_(?:Aussonderung\.([A-Za-z]+)\.)?(05[0-9]{2})(?:_([0-9]{1,9}))?\.([A-Za-z]+)$`)
	uuidRE     = regexp.MustCompile(`^` + uuidPattern + `$`)
)

// IsUUID reports whether s is a UUID in the 8-4-4-4-12 hex form.
func IsUUID(s string) bool { return uuidRE.MatchString(s) }

// ParseFileName recognises a message (.xml) or container (.zip, .xdomea)
// file name in either naming scheme. It reports false for any other name,
// for an unknown message type, and for a long name whose middle part does
// not belong to the code ("…_Aussonderung.Anbieteverzeichnis.0503.xml").
func ParseFileName(name string) (FileName, bool) {
	m := fileNameRE.FindStringSubmatch(name)
	if m == nil {
		return FileName{}, false
	}
	f := FileName{ProcessID: strings.ToLower(m[1]), Type: m[3], Ext: strings.ToLower(m[5])}
	if f.Ext != "xml" && !f.IsContainer() {
		return FileName{}, false
	}
	tn, ok := typeNames[f.Type]
	if !ok {
		return FileName{}, false
	}
	switch {
	case m[2] != "" && m[4] != "":
		return FileName{}, false // mixed schemes
	case m[2] != "":
		if m[2] != tn {
			return FileName{}, false
		}
		f.Scheme = SchemeLong
	default:
		f.Scheme = SchemeShort
		if m[4] != "" {
			n, err := strconv.Atoi(m[4])
			if err != nil || n < 1 {
				return FileName{}, false
			}
			f.Seq = n
		}
	}
	return f, true
}

// MessageFileName returns the file name of a message per the naming rules
// of its version: "<ProzessID>_Aussonderung.<Name>.<code>.<ext>" for 2.x
// and 3.x, "<ProzessID>_<code>_<seq>.<ext>" for 4.0 (seq < 1 counts as 1).
// ext is "xml" or "zip".
func MessageFileName(processID, typ, version string, seq int, ext string) (string, error) {
	tn, ok := typeNames[typ]
	if !ok {
		return "", fmt.Errorf("xdomea: unknown message type %q", typ)
	}
	if !IsUUID(processID) {
		return "", fmt.Errorf("xdomea: ProzessID %q is not a UUID", processID)
	}
	if ext != "xml" && ext != "zip" && ext != "xdomea" {
		return "", fmt.Errorf("xdomea: extension %q is not xml, zip or xdomea", ext)
	}
	if strings.HasPrefix(version, "4.") {
		if seq < 1 {
			seq = 1
		}
		return fmt.Sprintf("%s_%s_%d.%s", processID, typ, seq, ext), nil
	}
	return fmt.Sprintf("%s_Aussonderung.%s.%s.%s", processID, tn, typ, ext), nil
}

// checkFileName compares a message's (or container's) file name with its
// content. It reports a name outside the rules as CodeFileName (warning),
// a type or ProzessID that differs as CodeTypeMismatch / CodeProcessID
// (errors), and a naming scheme or running number not matching the
// version as warnings.
func checkFileName(name string, m *Message) preservation.Problems {
	var ps preservation.Problems
	f, ok := ParseFileName(name)
	if !ok {
		return append(ps, warnf(CodeFileName, name,
			"file name does not follow the xdomea naming rules (<ProzessID>_Aussonderung.<Name>.<code>.xml, 4.0: <ProzessID>_<code>_<n>.xml)"))
	}
	if m.Type != "" && f.Type != m.Type {
		ps = append(ps, errorf(CodeTypeMismatch, name, "file name says message type %s, the message is a %s (%s)", f.Type, m.Type, m.Root))
	}
	if m.Kopf.ProzessID != "" && !strings.EqualFold(f.ProcessID, m.Kopf.ProzessID) {
		ps = append(ps, errorf(CodeProcessID, name, "file name says ProzessID %s, the message header says %s", f.ProcessID, m.Kopf.ProzessID))
	}
	switch {
	case strings.HasPrefix(m.Version, "4.") && f.Scheme != SchemeShort:
		ps = append(ps, warnf(CodeFileName, name, "xdomea %s names messages <ProzessID>_<code>_<n>; this is the 2.x/3.x scheme", m.Version))
	case !strings.HasPrefix(m.Version, "4.") && m.Version != "" && f.Scheme != SchemeLong:
		ps = append(ps, warnf(CodeFileName, name, "xdomea %s names messages <ProzessID>_Aussonderung.<Name>.<code>; this is the 4.0 scheme", m.Version))
	}
	if f.Seq > 0 && m.Kopf.LfdNrNachrichtProTyp > 0 && f.Seq != m.Kopf.LfdNrNachrichtProTyp {
		ps = append(ps, warnf(CodeSequence, name, "file name says message number %d, LfdNrNachrichtProTyp is %d", f.Seq, m.Kopf.LfdNrNachrichtProTyp))
	}
	return ps
}

// CheckContainerName checks the name of the ZIP container a message came
// in (the pipeline knows it; the profile only sees the unpacked content)
// against the message: it must follow the naming rules, name the same type
// and ProzessID, and have the same base name as the message file.
func CheckContainerName(container string, m *Message) preservation.Problems {
	ps := checkFileName(container, m)
	f, ok := ParseFileName(container)
	if !ok {
		return ps
	}
	if !f.IsContainer() {
		ps = append(ps, warnf(CodeFileName, container, "a container is named .zip or .xdomea"))
	}
	if m.FileName != "" {
		cb := strings.TrimSuffix(container, path.Ext(container))
		mb := strings.TrimSuffix(m.FileName, path.Ext(m.FileName))
		if cb != mb {
			ps = append(ps, warnf(CodeFileName, container, "container and message file %s have different base names", m.FileName))
		}
	}
	return ps
}
