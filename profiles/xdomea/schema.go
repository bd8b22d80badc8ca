package xdomea

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/magazin-archiv/magazin/preservation"
)

// SchemaDirEnv is the environment variable the CLI reads the schema
// directory from (besides --xdomea-schemas).
const SchemaDirEnv = "MAGAZIN_XDOMEA_SCHEMAS"

// SchemaEntry is the schema file validated against, per version directory.
const SchemaEntry = "xdomea-Nachrichten-AussonderungDurchfuehren.xsd"

// maxSchemaProblems bounds the schema errors reported per message.
const maxSchemaProblems = 20

// SchemaFile returns the schema of a version in dir
// (<dir>/<version>/xdomea-Nachrichten-AussonderungDurchfuehren.xsd), or ""
// when it does not exist.
func SchemaFile(dir, version string) string {
	if dir == "" || version == "" {
		return ""
	}
	p := filepath.Join(dir, version, SchemaEntry)
	if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
		return p
	}
	return ""
}

// ValidateSchema validates a message against the KoSIT XML schema of its
// version with xmllint (--nonet: the schemas must be self-contained,
// imports by relative path). data is the message, name its file name for
// problem paths. Without a schema directory, without a schema for the
// version or without xmllint it returns one CodeSchemaUnchecked warning;
// each schema error is a CodeSchema error (at most 20, then a summary).
// The error is reserved for cancellation.
func (p Profile) ValidateSchema(ctx context.Context, data []byte, name, version string) (preservation.Problems, error) {
	unchecked := func(format string, args ...any) (preservation.Problems, error) {
		return preservation.Problems{warnf(CodeSchemaUnchecked, name,
			"not validated against the xdomea "+version+" XML schema, structural checks only: "+format, args...)}, nil
	}
	if p.SchemaDir == "" {
		return unchecked("no schema directory configured (--xdomea-schemas or %s)", SchemaDirEnv)
	}
	xsd := SchemaFile(p.SchemaDir, version)
	if xsd == "" {
		return unchecked("%s not found", filepath.Join(p.SchemaDir, version, SchemaEntry))
	}
	tool := p.Xmllint
	if tool == "" {
		tool = "xmllint"
	}
	path, err := exec.LookPath(tool)
	if err != nil {
		return unchecked("xmllint not found (%v)", err)
	}
	cmd := exec.CommandContext(ctx, path, "--noout", "--nonet", "--schema", xsd, "-")
	cmd.Stdin = bytes.NewReader(data)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	var exit *exec.ExitError
	switch {
	case err == nil:
		return nil, nil
	case errors.As(err, &exit) && (exit.ExitCode() == 3 || exit.ExitCode() == 4 || exit.ExitCode() == 1):
		// 3/4: validation errors; 1: the document failed to parse.
	case errors.As(err, &exit) && exit.ExitCode() == 5:
		return unchecked("the schema %s could not be loaded: %s", xsd, firstLine(stderr.String()))
	default:
		return unchecked("xmllint failed: %v: %s", err, firstLine(stderr.String()))
	}
	var ps preservation.Problems
	n := 0
	sc := bufio.NewScanner(&stderr)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		rest, ok := strings.CutPrefix(line, "-:")
		if !ok {
			continue // "- fails to validate", parser context lines
		}
		n++
		if n <= maxSchemaProblems {
			ps = append(ps, errorf(CodeSchema, name, "line %s", rest))
		}
	}
	if n > maxSchemaProblems {
		ps = append(ps, errorf(CodeSchema, name, "%d more schema errors", n-maxSchemaProblems))
	}
	if n == 0 {
		ps = append(ps, errorf(CodeSchema, name, "not valid against the xdomea %s schema (xmllint exit status %d)", version, exit.ExitCode()))
	}
	return ps, nil
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// errSchemaDir is returned by CheckSchemaDir.
var errSchemaDir = errors.New("xdomea schema directory")

// CheckSchemaDir reports which versions dir has schemas for, and an error
// when it has none; the CLI calls it to fail early on a wrong
// --xdomea-schemas.
func CheckSchemaDir(dir string) ([]string, error) {
	var have []string
	for _, v := range Versions() {
		if SchemaFile(dir, v) != "" {
			have = append(have, v)
		}
	}
	if len(have) == 0 {
		return nil, fmt.Errorf("%w %s: no <version>/%s found (versions %s)", errSchemaDir, dir, SchemaEntry, strings.Join(Versions(), ", "))
	}
	return have, nil
}
