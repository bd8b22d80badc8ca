package eark

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strings"
)

// maxSchemaProblems bounds the schema errors reported per METS document.
const maxSchemaProblems = 20

// maxSchemaFile bounds the schema files inspected for their target
// namespace.
const maxSchemaFile = 16 << 20

// schemaState is the schema validation set-up of one Read.
type schemaState struct {
	tool     string            // resolved xmllint path
	catalogs map[string]string // XML catalogs by xlink.xsd and URL
	warned   map[string]bool
}

var (
	targetNS    = regexp.MustCompile(`targetNamespace\s*=\s*["']([^"']*)["']`)
	xlinkImport = regexp.MustCompile(`<(?:\w+:)?import[^>]*namespace\s*=\s*["']http://www\.w3\.org/1999/xlink["'][^>]*>`)
	schemaLoc   = regexp.MustCompile(`schemaLocation\s*=\s*["']([^"']*)["']`)
)

// unchecked warns once per reason that METS documents were not validated
// against the METS schema.
func (r *reader) unchecked(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if r.schema.warned == nil {
		r.schema.warned = map[string]bool{}
	}
	if r.schema.warned[msg] {
		return
	}
	r.schema.warned[msg] = true
	req := ""
	if strings.Contains(msg, "ships no") {
		req = "CSIPSTR15"
	}
	r.p.warn(CodeSchemaSkipped, "", req, "METS documents not validated against the METS schema: %s; the CSIP checks ran without it", msg)
}

// findSchema returns the package file (relative path) in the schemas
// folders of dir and of the package whose target namespace is ns.
func (r *reader) findSchema(dir, ns string) string {
	var folders []string
	if dir != "" {
		folders = append(folders, join(dir, "schemas"))
	}
	folders = append(folders, "schemas")
	for _, folder := range folders {
		for _, f := range r.filesIn(folder) {
			if !strings.EqualFold(path.Ext(f), ".xsd") || r.files[f].Size > maxSchemaFile {
				continue
			}
			head, err := readHead(r.files[f].Path, maxSchemaFile)
			if err != nil {
				continue
			}
			if m := targetNS.FindSubmatch(head); m != nil && string(m[1]) == ns {
				return f
			}
		}
	}
	return ""
}

func readHead(p string, n int) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := make([]byte, n)
	k, err := io.ReadFull(f, b)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return b[:k], nil
}

// validateSchemas validates every parsed METS document against the METS
// schema the package ships (CSIPSTR15), with xmllint and without network
// access. The METS schema imports the XLink schema from the Library of
// Congress web site; an XML catalog in a temporary folder maps that URL to
// the package's own xlink.xsd.
func (r *reader) validateSchemas() error {
	if r.prof.Xmllint == "-" || len(r.docs) == 0 {
		return nil
	}
	tool := r.prof.Xmllint
	if tool == "" {
		tool = "xmllint"
	}
	var err error
	if r.schema.tool, err = exec.LookPath(tool); err != nil {
		r.unchecked("xmllint not found (%v)", err)
		return nil
	}
	for _, d := range r.docs {
		if err := r.ctx.Err(); err != nil {
			return err
		}
		xsd := r.findSchema(d.info.dir, NSMETS)
		if xsd == "" {
			r.unchecked("the package ships no METS schema (a schemas/*.xsd with targetNamespace %s)", NSMETS)
			continue
		}
		head, err := readHead(r.files[xsd].Path, maxSchemaFile)
		if err != nil {
			return err
		}
		env := os.Environ()
		if imp := xlinkImport.Find(head); imp != nil {
			loc := ""
			if m := schemaLoc.FindSubmatch(imp); m != nil {
				loc = string(m[1])
			}
			if u, err := url.Parse(loc); err == nil && u.IsAbs() {
				cat, ok, err := r.catalog(d.info.dir, loc)
				if err != nil {
					return err
				}
				if !ok {
					r.unchecked("%s imports the XLink schema from %s and the package ships no xlink.xsd", xsd, loc)
					continue
				}
				env = append(env, "XML_CATALOG_FILES="+cat)
			}
		}
		if err := r.xmllint(d, xsd, env); err != nil {
			return err
		}
	}
	return nil
}

// catalog writes (once) an XML catalog that maps the XLink schema URL loc
// to the package's xlink.xsd.
func (r *reader) catalog(dir, loc string) (string, bool, error) {
	xlink := r.findSchema(dir, NSXLink)
	if xlink == "" {
		return "", false, nil
	}
	if r.tempDir == "" {
		d, err := os.MkdirTemp("", "magazin-eark-")
		if err != nil {
			return "", false, err
		}
		r.tempDir = d
	}
	key := xlink + " " + loc
	if c, ok := r.schema.catalogs[key]; ok {
		return c, true, nil
	}
	target := (&url.URL{Scheme: "file", Path: filepath.ToSlash(r.files[xlink].Path)}).String()
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0"?>` + "\n" + `<catalog xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog">` + "\n")
	seen := map[string]bool{}
	for _, u := range []string{loc, "http://www.loc.gov/standards/xlink/xlink.xsd", "https://www.loc.gov/standards/xlink/xlink.xsd"} {
		if seen[u] {
			continue
		}
		seen[u] = true
		fmt.Fprintf(&b, "  <system systemId=\"%s\" uri=\"%s\"/>\n  <uri name=\"%s\" uri=\"%s\"/>\n",
			xmlEscape(u), xmlEscape(target), xmlEscape(u), xmlEscape(target))
	}
	b.WriteString("</catalog>\n")
	if r.schema.catalogs == nil {
		r.schema.catalogs = map[string]string{}
	}
	name := filepath.Join(r.tempDir, fmt.Sprintf("catalog-%d.xml", len(r.schema.catalogs)))
	if err := os.WriteFile(name, b.Bytes(), 0o600); err != nil {
		return "", false, err
	}
	r.schema.catalogs[key] = name
	return name, true, nil
}

func xmlEscape(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// xmllint validates one METS document against the package schema xsd.
func (r *reader) xmllint(d *metsDoc, xsd string, env []string) error {
	cmd := exec.CommandContext(r.ctx, r.schema.tool, "--noout", "--nonet", "--schema", r.files[xsd].Path, d.file)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if r.ctx.Err() != nil {
		return r.ctx.Err()
	}
	var exit *exec.ExitError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &exit) && (exit.ExitCode() == 3 || exit.ExitCode() == 4 || exit.ExitCode() == 1):
		// 3/4: validation errors; 1: the document failed to parse.
	case errors.As(err, &exit) && exit.ExitCode() == 5:
		r.unchecked("the schema %s could not be compiled: %s", xsd, firstLine(stderr.String()))
		return nil
	default:
		r.unchecked("xmllint failed: %v: %s", err, firstLine(stderr.String()))
		return nil
	}
	n := 0
	sc := bufio.NewScanner(&stderr)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		rest, ok := strings.CutPrefix(line, d.file+":")
		if !ok || !strings.Contains(rest, "error") {
			continue
		}
		n++
		if n > maxSchemaProblems {
			continue
		}
		lineNo, msg, _ := strings.Cut(rest, ":")
		if i := strings.Index(msg, "error : "); i >= 0 {
			msg = msg[i+len("error : "):]
		}
		r.p.error(CodeSchema, d.info.path, "", "line %s: %s (against %s)", strings.TrimSpace(lineNo), strings.TrimSpace(msg), xsd)
	}
	switch {
	case n > maxSchemaProblems:
		r.p.error(CodeSchema, d.info.path, "", "%d more schema errors", n-maxSchemaProblems)
	case n == 0:
		r.p.error(CodeSchema, d.info.path, "", "not valid against the METS schema %s (xmllint exit status %d: %s)", xsd, exit.ExitCode(),
			firstLine(stderr.String()))
	}
	return nil
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return clip(s)
}
