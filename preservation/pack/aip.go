package pack

import (
	"context"
	"fmt"
	"io"
	"mime"
	"path"
	"strings"

	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/aip"
	"github.com/magazin-archiv/magazin/preservation/store"
)

// Options choose what of an AIP is exported.
type Options struct {
	// Version names one version ("v2"); "" is the head.
	Version string
	// AllVersions exports every version (Version must be "").
	AllVersions bool
	// Organization is the archive's name (bag-info Source-Organization).
	Organization string
	// Progress counts bytes; nil for none.
	Progress preservation.Progress
}

// versions returns the views of the object to export.
func (o Options) versions(h *aip.Head) ([]*aip.Head, error) {
	switch {
	case o.AllVersions && o.Version != "":
		return nil, fmt.Errorf("pack: give a version or all versions, not both")
	case o.AllVersions:
		var hs []*aip.Head
		for _, v := range h.VersionNames() {
			at, err := h.At(v)
			if err != nil {
				return nil, err
			}
			hs = append(hs, at)
		}
		return hs, nil
	case o.Version != "":
		at, err := h.At(o.Version)
		if err != nil {
			return nil, err
		}
		return []*aip.Head{at}, nil
	}
	return []*aip.Head{h}, nil
}

// storedFile is a logical file of a version of an AIP, read from st.
func storedFile(st store.Store, h *aip.Head, logical, dest string) (File, error) {
	key, sum, err := h.ContentKey(logical)
	if err != nil {
		return File{}, err
	}
	return File{Path: dest, SHA512: sum, Size: -1, MIME: mimeOf(logical),
		Open: func(ctx context.Context) (io.ReadCloser, error) {
			rc, _, err := st.Get(ctx, key)
			return rc, err
		}}, nil
}

func mimeOf(p string) string {
	if m := mime.TypeByExtension(path.Ext(p)); m != "" {
		return m
	}
	return "application/octet-stream"
}

// ExportBag writes the AIP id from st as a BagIt bag into dir (which must
// not exist): the logical files of the chosen version at data/<path>, or
// of every version at data/<version>/<path>. Every file's SHA-512 is
// checked against the OCFL inventory while it is copied.
func ExportBag(ctx context.Context, st store.Store, id, dir string, o Options) (*Result, error) {
	h, err := aip.ReadHead(ctx, st, id)
	if err != nil {
		return nil, err
	}
	views, err := o.versions(h)
	if err != nil {
		return nil, err
	}
	var files []File
	var versions []string
	for _, v := range views {
		paths, err := v.Paths()
		if err != nil {
			return nil, err
		}
		for _, p := range paths {
			dest := p
			if o.AllVersions {
				dest = v.Inventory.Head + "/" + p
			}
			f, err := storedFile(st, v, p, dest)
			if err != nil {
				return nil, err
			}
			files = append(files, f)
		}
		versions = append(versions, v.Inventory.Head)
	}
	title := ""
	if a, err := views[len(views)-1].AIP(ctx, st); err == nil {
		title = a.Title
	}
	info := []Label{
		{"Source-Organization", o.Organization},
		{"External-Identifier", id},
		{"External-Description", title},
		{"Internal-Sender-Identifier", id},
		{"Internal-Sender-Description", "OCFL version(s) " + strings.Join(versions, " ") + " of " + h.Inventory.Head},
	}
	return WriteBag(ctx, dir, files, info, o.Progress)
}

// ExportEARK writes the AIP id from st as an E-ARK AIP into dir (which
// must not exist). The AIP's representations keep their names and files;
// its description record and the submission's metadata are descriptive
// metadata, its PREMIS and its own METS.xml (magazin's, renamed
// metadata/other/magazin-METS.xml) provenance. With AllVersions every
// version's representations are "<version>-<name>" and the metadata of
// the versions before the head lie in metadata/other/<version>/.
func ExportEARK(ctx context.Context, st store.Store, id, dir string, o Options) (*Result, error) {
	h, err := aip.ReadHead(ctx, st, id)
	if err != nil {
		return nil, err
	}
	views, err := o.versions(h)
	if err != nil {
		return nil, err
	}
	last := views[len(views)-1]
	a, err := last.AIP(ctx, st)
	if err != nil {
		return nil, err
	}
	ip := IP{OBJID: id, Label: a.Title, PackageType: TypeAIP}
	for _, v := range views {
		paths, err := v.Paths()
		if err != nil {
			return nil, err
		}
		ver := v.Inventory.Head
		prefix := ""
		if v != last {
			prefix = "metadata/other/" + ver + "/"
		}
		reps := map[string]*Representation{}
		var order []string
		for _, p := range paths {
			rep, rest, isRep := repOf(p)
			if isRep {
				name := rep
				if o.AllVersions {
					name = ver + "-" + rep
				}
				r := reps[name]
				if r == nil {
					r = &Representation{Name: name}
					reps[name] = r
					order = append(order, name)
				}
				f, err := storedFile(st, v, p, rest)
				if err != nil {
					return nil, err
				}
				r.Files = append(r.Files, f)
				continue
			}
			md := Metadata{Section: SectionProvenance, MDType: "OTHER"}
			dest := p
			switch {
			case p == aip.PathDescription:
				md.Section, md.OtherMDType = SectionDescriptive, "magazin description record"
			case strings.HasPrefix(p, aip.PrefixSubmisson):
				md.Section, md.OtherMDType = SectionDescriptive, "submission metadata"
				dest = "metadata/descriptive/submission/" + strings.TrimPrefix(p, aip.PrefixSubmisson)
			case p == aip.PathPREMIS:
				md.MDType = "PREMIS"
			case p == "METS.xml":
				md.OtherMDType = "magazin AIP METS"
				dest = "metadata/other/magazin-METS.xml"
			case strings.HasPrefix(p, "metadata/"):
				md.OtherMDType = "magazin metadata"
			default:
				md.OtherMDType = "magazin AIP file"
				dest = "metadata/other/" + p
			}
			if prefix != "" {
				dest = prefix + strings.TrimPrefix(dest, "metadata/")
			}
			f, err := storedFile(st, v, p, dest)
			if err != nil {
				return nil, err
			}
			md.File = f
			ip.Metadata = append(ip.Metadata, md)
		}
		for _, name := range order {
			ip.Representations = append(ip.Representations, *reps[name])
		}
	}
	ip.Documentation = []File{readme(fmt.Sprintf(`E-ARK AIP %s, exported by %s %s from the OCFL object of the same id.

%s
Representations are those of the AIP. metadata/descriptive/description.json is magazin's
description record, metadata/descriptive/submission/ the submission's own metadata,
metadata/preservation/premis.xml the PREMIS record, metadata/other/magazin-METS.xml the
AIP's own METS document. Every file's SHA-512 was checked against the OCFL inventory
while it was exported.
`, id, Software, SoftwareVersion, versionsNote(views, o.AllVersions)))}
	return WriteIP(ctx, dir, ip, o.Progress)
}

func versionsNote(views []*aip.Head, all bool) string {
	if !all {
		return "It holds version " + views[0].Inventory.Head + ".\n"
	}
	return "It holds every version: representations/<version>-<name>/ and, for versions before the last,\nmetadata/other/<version>/.\n"
}

// readme is a small text file for documentation/.
func readme(text string) File {
	return File{Path: "README.txt", Size: int64(len(text)), MIME: "text/plain",
		Open: func(context.Context) (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(text)), nil }}
}

// repOf splits "representations/<name>/<rest>" into name and rest.
func repOf(p string) (name, rest string, ok bool) {
	r, ok := strings.CutPrefix(p, "representations/")
	if !ok {
		return "", "", false
	}
	name, rest, ok = strings.Cut(r, "/")
	if !ok || !strings.HasPrefix(rest, "data/") {
		return "", "", false
	}
	return name, strings.TrimPrefix(rest, "data/"), true
}
