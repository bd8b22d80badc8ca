package xdomea

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	pathpkg "path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/profiles"
)

// Name is the profile's name as used by --profile.
const Name = "xdomea"

// MetadataDir is the folder of Transfer.Metadata and Unit.Metadata names:
// the message is kept as "xdomea/<message file name>".
const MetadataDir = "xdomea"

// Profile is the xdomea profile. The zero value is ready to use and makes
// structural checks only; set SchemaDir to validate messages against the
// KoSIT XML schemas.
type Profile struct {
	// SchemaDir holds the KoSIT schemas, one directory per version:
	// <SchemaDir>/<version>/xdomea-Nachrichten-AussonderungDurchfuehren.xsd
	// with its includes and imports reachable by relative paths (xmllint
	// runs with --nonet). "" means structural checks only (a warning per
	// message says so).
	SchemaDir string
	// Xmllint is the xmllint executable; "" looks up "xmllint" in PATH.
	Xmllint string
}

var _ profiles.Profile = Profile{}

// New returns the profile validating against the schemas in schemaDir
// ("" for structural checks only).
func New(schemaDir string) Profile { return Profile{SchemaDir: schemaDir} }

// Name returns "xdomea".
func (Profile) Name() string { return Name }

// Sentinel errors of FindMessage.
var (
	ErrNoMessage    = errors.New("no xdomea message file")
	ErrManyMessages = errors.New("more than one xdomea message file")
)

// Detect reports whether root (an unpacked container) holds, at its top
// level, a regular file named like an xdomea message of "Aussonderung
// durchführen" in either naming scheme ("<ProzessID>_Aussonderung.
// Aussonderung.0503.xml", "<ProzessID>_0503_1.xml", ...). It reads one
// directory and nothing else.
func (Profile) Detect(root string) bool {
	entries, err := os.ReadDir(root)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if f, ok := ParseFileName(e.Name()); ok && f.Ext == "xml" && e.Type().IsRegular() {
			return true
		}
	}
	return false
}

// FindMessage returns the path of the message file at the top of root: the
// one regular .xml file named per the naming rules, else, when no file is
// so named, the one .xml file there is. It fails with ErrNoMessage or
// ErrManyMessages (wrapped, with the names).
func FindMessage(root string) (string, error) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return "", err
	}
	var named, xmls []string
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.EqualFold(filepath.Ext(e.Name()), ".xml") {
			continue
		}
		xmls = append(xmls, e.Name())
		if f, ok := ParseFileName(e.Name()); ok && f.Ext == "xml" {
			named = append(named, e.Name())
		}
	}
	switch {
	case len(named) == 1:
		return filepath.Join(root, named[0]), nil
	case len(named) > 1:
		return "", fmt.Errorf("%w: %s", ErrManyMessages, strings.Join(named, ", "))
	case len(xmls) == 1:
		return filepath.Join(root, xmls[0]), nil
	case len(xmls) > 1:
		return "", fmt.Errorf("%w: none is named per the xdomea rules, and there are %d XML files", ErrNoMessage, len(xmls))
	}
	return "", ErrNoMessage
}

// ReadMessage reads and parses a bare message file (a 0501, 0502, 0505,
// ... as the agency sends it, or the XML of an unpacked container), or a
// message-only container (.zip or .xdomea holding the message XML, as
// x-man sends 0501 and 0505), and validates it against its XML schema when
// the profile has a SchemaDir. It checks the file name against the content
// (for a container both names). Findings are in Message.Problems; other
// entries of a container are reported as CodeFileUnreferenced warnings and
// not read (a 0503 with primary files is read with Read after unpacking).
// A message that cannot be read at all gives a *ParseError; other errors
// are I/O errors and cancellation.
func (p Profile) ReadMessage(ctx context.Context, path string) (*Message, error) {
	base := filepath.Base(path)
	var data []byte
	var extra preservation.Problems
	container := ""
	ext := strings.ToLower(filepath.Ext(base))
	if ext == ".zip" || ext == ".xdomea" {
		var name string
		var err error
		data, name, extra, err = readContainer(path)
		if err != nil {
			return nil, err
		}
		container, base = base, name
	} else {
		var err error
		if data, err = readMessageFile(path); err != nil {
			return nil, err
		}
	}
	m, err := Parse(data, base)
	if err != nil {
		return nil, err
	}
	m.Problems = append(m.Problems, checkFileName(base, m)...)
	if container != "" {
		for _, pr := range CheckContainerName(container, m) {
			if !slices.Contains(m.Problems, pr) {
				m.Problems = append(m.Problems, pr)
			}
		}
	}
	m.Problems = append(m.Problems, extra...)
	ps, err := p.ValidateSchema(ctx, data, base, m.Version)
	if err != nil {
		return nil, err
	}
	m.Problems = append(m.Problems, ps...)
	return m, nil
}

// readContainer reads the one message of a ZIP container without
// extracting anything: the .xml entry named per the rules (else the only
// .xml entry), at most MaxMessageSize bytes.
func readContainer(path string) ([]byte, string, preservation.Problems, error) {
	base := filepath.Base(path)
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, "", nil, &ParseError{Problem: errorf(CodeMalformed, base, "not a readable ZIP container: %v", err)}
	}
	defer zr.Close()
	var named, xmls []*zip.File
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		if strings.EqualFold(pathpkg.Ext(f.Name), ".xml") && !strings.ContainsAny(f.Name, "/\\") {
			xmls = append(xmls, f)
			if fn, ok := ParseFileName(f.Name); ok && fn.Ext == "xml" {
				named = append(named, f)
			}
		}
	}
	var msg *zip.File
	switch {
	case len(named) == 1:
		msg = named[0]
	case len(named) > 1:
		return nil, "", nil, &ParseError{Problem: errorf(CodeManyMessages, base, "the container holds %d messages", len(named))}
	case len(xmls) == 1:
		msg = xmls[0]
	default:
		return nil, "", nil, &ParseError{Problem: errorf(CodeNoMessage, base, "the container holds no xdomea message file")}
	}
	var extra preservation.Problems
	for _, f := range zr.File {
		if f != msg && !f.FileInfo().IsDir() {
			extra = append(extra, warnf(CodeFileUnreferenced, f.Name, "container entry ignored: only the message is read"))
		}
	}
	if msg.UncompressedSize64 > MaxMessageSize {
		return nil, "", nil, &ParseError{Problem: errorf(CodeTooLarge, msg.Name, "message is larger than %d bytes", MaxMessageSize)}
	}
	r, err := msg.Open()
	if err != nil {
		return nil, "", nil, &ParseError{Problem: errorf(CodeMalformed, base, "cannot read %s: %v", msg.Name, err)}
	}
	defer r.Close()
	data, err := io.ReadAll(io.LimitReader(r, MaxMessageSize+1))
	if err != nil {
		return nil, "", nil, &ParseError{Problem: errorf(CodeMalformed, base, "cannot read %s: %v", msg.Name, err)}
	}
	if len(data) > MaxMessageSize {
		return nil, "", nil, &ParseError{Problem: errorf(CodeTooLarge, msg.Name, "message is larger than %d bytes", MaxMessageSize)}
	}
	return data, msg.Name, extra, nil
}

func readMessageFile(path string) ([]byte, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &ParseError{Problem: errorf(CodeSpecialFile, filepath.Base(path), "the message is not a regular file")}
	}
	if fi.Size() > MaxMessageSize {
		return nil, &ParseError{Problem: errorf(CodeTooLarge, filepath.Base(path), "message is larger than %d bytes", MaxMessageSize)}
	}
	return os.ReadFile(path)
}

// Read reads the unpacked xdomea container at root: a 0503 message and the
// primary files beside it. See the package documentation for the mapping
// and the checks. Problems go into the Transfer; the error is reserved for
// I/O failures, a root that is not a directory, and cancellation.
func (p Profile) Read(ctx context.Context, root string) (*profiles.Transfer, error) {
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("xdomea: %w", err)
	}
	fi, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("xdomea: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("xdomea: %s is not a directory", root)
	}
	t := &profiles.Transfer{Profile: Name, Description: map[string]any{}}
	msgPath, err := FindMessage(root)
	switch {
	case errors.Is(err, ErrNoMessage):
		t.Problems = append(t.Problems, errorf(CodeNoMessage, "", "%v (expected <ProzessID>_Aussonderung.Aussonderung.0503.xml or <ProzessID>_0503_<n>.xml)", err))
	case errors.Is(err, ErrManyMessages):
		t.Problems = append(t.Problems, errorf(CodeManyMessages, "", "%v; a container holds exactly one message", err))
	case err != nil:
		return nil, fmt.Errorf("xdomea: %w", err)
	}
	msgName := ""
	if msgPath != "" {
		msgName = filepath.Base(msgPath)
	}
	files, probs, err := listFiles(ctx, root, msgName)
	if err != nil {
		return nil, fmt.Errorf("xdomea: reading %s: %w", root, err)
	}
	t.Files = files
	t.Problems = append(t.Problems, probs...)
	if msgPath == "" {
		return t, nil
	}
	msgInfo, err := os.Stat(msgPath)
	if err != nil {
		return nil, fmt.Errorf("xdomea: %w", err)
	}
	t.Metadata = []profiles.File{{Name: MetadataDir + "/" + msgName, Path: msgPath, Size: msgInfo.Size()}}
	t.Title = strings.TrimSuffix(msgName, filepath.Ext(msgName))
	data, err := readMessageFile(msgPath)
	var perr *ParseError
	if errors.As(err, &perr) {
		t.Problems = append(t.Problems, perr.Problem)
		return t, nil
	} else if err != nil {
		return nil, fmt.Errorf("xdomea: %w", err)
	}
	m, err := Parse(data, msgName)
	if errors.As(err, &perr) {
		t.Problems = append(t.Problems, perr.Problem)
		return t, nil
	} else if err != nil {
		return nil, fmt.Errorf("xdomea: %w", err)
	}
	t.Problems = append(t.Problems, m.Problems...)
	t.Problems = append(t.Problems, checkFileName(msgName, m)...)
	if m.Type != Type0503 {
		t.Problems = append(t.Problems, errorf(CodeMessageType, msgName,
			"the message is a %s (%s), not a transfer (0503); it carries no records to archive", m.Type, m.Root))
		describe(t, m)
		return t, nil
	}
	ps, err := p.ValidateSchema(ctx, data, msgName, m.Version)
	if err != nil {
		return nil, err
	}
	t.Problems = append(t.Problems, ps...)
	t.Problems = append(t.Problems, checkFiles(m, t.Files)...)
	describe(t, m)
	units, err := buildUnits(m, t.Files)
	if err != nil {
		return nil, err
	}
	t.Units = units
	return t, nil
}

// listFiles lists the regular files below root except the message, sorted
// by name; links and special files are reported, not followed.
func listFiles(ctx context.Context, root, msgName string) ([]profiles.File, preservation.Problems, error) {
	var files []profiles.File
	var ps preservation.Problems
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if p == root {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		name := filepath.ToSlash(rel)
		switch {
		case d.IsDir():
			return nil
		case !d.Type().IsRegular():
			ps = append(ps, errorf(CodeSpecialFile, name, "not a regular file (%s); not followed", d.Type()))
			return nil
		case name == msgName:
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		files = append(files, profiles.File{Name: name, Path: p, Size: info.Size()})
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	slices.SortFunc(files, func(a, b profiles.File) int { return strings.Compare(a.Name, b.Name) })
	return files, ps, nil
}

// checkFiles compares the files the message references with those in the
// package, and fills File.Declared from the 4.0 hashes.
func checkFiles(m *Message, files []profiles.File) preservation.Problems {
	var ps preservation.Problems
	present := map[string]int{}
	lower := map[string]string{}
	for i, f := range files {
		present[f.Name] = i
		lower[strings.ToLower(f.Name)] = f.Name
	}
	owner := map[string]*Object{}
	refd := map[string]bool{}
	var order []string
	ref := func(name string, o *Object) {
		if prev, ok := owner[name]; ok && prev != o {
			ps = append(ps, errorf(CodeFileShared, name, "referenced by %s and by %s; a file belongs to one object", describeOwner(prev), describeOwner(o)))
			return
		}
		if !refd[name] {
			order = append(order, name)
		}
		refd[name] = true
		owner[name] = o
	}
	m.Walk(func(o *Object) bool {
		if o.Kind != KindAnlage {
			for _, n := range o.Files() {
				ref(n, o)
			}
		}
		return true
	})
	for _, f := range m.Aktenplandateien {
		ref(f.Primaerdokument.Dateiname, nil)
	}
	for _, name := range order {
		if name == "" || badFileName(name) != "" {
			continue // reported by the parser
		}
		if _, ok := present[name]; ok {
			continue
		}
		hint := ""
		if other, ok := lower[strings.ToLower(name)]; ok {
			hint = fmt.Sprintf(" (the package has %q, which differs in case)", other)
		}
		ps = append(ps, errorf(CodeFileMissing, name, "referenced by %s but not in the package%s", describeOwner(owner[name]), hint))
	}
	for _, f := range files {
		if !refd[f.Name] {
			ps = append(ps, errorf(CodeFileUnreferenced, f.Name, "in the package but not referenced by the message"))
		}
	}
	// Declared hashes (4.0).
	declare := func(pd Primaerdokument) {
		i, ok := present[pd.Dateiname]
		if !ok {
			return
		}
		for _, h := range pd.Hashes {
			alg, dig, err := h.Declared()
			if err != nil {
				continue // reported by the parser
			}
			f := &files[i]
			if f.Declared == nil {
				f.Declared = map[string]string{}
			}
			if prev, ok := f.Declared[alg]; ok && prev != dig {
				ps = append(ps, errorf(CodeHash, f.Name, "two different %s hashes declared: %s and %s", alg, prev, dig))
				continue
			}
			f.Declared[alg] = dig
		}
	}
	m.Walk(func(o *Object) bool {
		for _, v := range o.Versionen {
			for _, f := range v.Formate {
				declare(f.Primaerdokument)
			}
		}
		return true
	})
	for _, f := range m.Aktenplandateien {
		declare(f.Primaerdokument)
	}
	return ps
}

func describeOwner(o *Object) string {
	if o == nil {
		return "the Aktenplan"
	}
	return o.describe()
}

// describe fills the transfer's Title, Description and Message from the
// message header.
func describe(t *profiles.Transfer, m *Message) {
	k := m.Kopf
	sender := k.Absender.DisplayName()
	t.Message = &profiles.Message{Type: m.Type, Version: m.Version, ProcessID: strings.ToLower(k.ProzessID),
		Sender: k.Absender.Behoerdenkennung(), SenderName: sender}
	if sender != "" {
		t.Title = "Aussonderung " + sender + " (" + k.ProzessID + ")"
	} else if k.ProzessID != "" {
		t.Title = "Aussonderung " + k.ProzessID
	}
	d := t.Description
	set := func(key, v string) {
		if v != "" {
			d[key] = v
		}
	}
	setb := func(key string, b *bool) {
		if b != nil {
			d[key] = *b
		}
	}
	set("xdomea-Version", m.Version)
	set("Nachrichtentyp", m.Type)
	set("Nachricht", m.FileName)
	set("ProzessID", k.ProzessID)
	set("NachrichtenUUID", k.NachrichtenUUID)
	set("Erstellungszeitpunkt", k.Erstellungszeitpunkt)
	set("Absender", sender)
	set("Absender-Behoerdenkennung", k.Absender.Behoerdenkennung())
	set("Absender-Organisationseinheit", k.Absender.Organisationseinheit)
	if k.Absender.Person != nil {
		set("Absender-Person", k.Absender.Person.String())
	}
	set("Empfaenger", k.Empfaenger.DisplayName())
	set("Empfaenger-Behoerdenkennung", k.Empfaenger.Behoerdenkennung())
	set("SendendesSystem", strings.TrimSpace(k.SendendesSystem.String()+" "+k.SendendesSystem.Hersteller))
	set("SendendesSystem-InstanzID", k.SendendesSystem.InstanzID)
	set("Hinweis", k.Hinweis)
	setb("Importbestaetigung", k.Importbestaetigung)
	setb("RueckmeldungArchivkennung", k.RueckmeldungArchivkennung)
	setb("Empfangsbestaetigung", k.Empfangsbestaetigung)
	if k.LfdNrNachrichtProTyp > 0 {
		d["LfdNrNachrichtProTyp"] = k.LfdNrNachrichtProTyp
	}
	if k.GesamtanzahlNachrichtenProTyp > 0 {
		d["GesamtanzahlNachrichtenProTyp"] = k.GesamtanzahlNachrichtenProTyp
	}
	n := 0
	m.Walk(func(o *Object) bool {
		if o.Kind != KindAnlage && o.Kind != KindAnschreiben {
			n++
		}
		return true
	})
	d["Schriftgutobjekte"] = n
}
