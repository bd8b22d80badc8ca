package xdomea

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestSchemaDir(t *testing.T) {
	p := schemaProfile(t)
	have, err := CheckSchemaDir(p.SchemaDir)
	if err != nil || !slices.Equal(have, []string{V230, V240, V300, V310}) {
		t.Errorf("CheckSchemaDir = %v, %v", have, err)
	}
	if _, err := CheckSchemaDir(t.TempDir()); err == nil {
		t.Error("CheckSchemaDir accepted an empty directory")
	}
}

// TestValidateSchemaUnchecked: every way of not validating gives one
// XDOMEA_SCHEMA_UNCHECKED warning saying why.
func TestValidateSchemaUnchecked(t *testing.T) {
	p := schemaProfile(t)
	data := minimal(V300, oneDoc)
	broken := t.TempDir()
	os.MkdirAll(filepath.Join(broken, V300), 0o755)
	os.WriteFile(filepath.Join(broken, V300, SchemaEntry), []byte("<not-a-schema/>"), 0o644)
	for _, tc := range []struct {
		name    string
		p       Profile
		version string
		why     string
	}{
		{"no directory", Profile{}, V300, "no schema directory"},
		{"no schema for the version", p, V400, "not found"},
		{"no xmllint", Profile{SchemaDir: p.SchemaDir, Xmllint: filepath.Join(t.TempDir(), "xmllint")}, V300, "xmllint not found"},
		{"broken schema", Profile{SchemaDir: broken}, V300, "could not be loaded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ps, err := tc.p.ValidateSchema(context.Background(), data, "m.xml", tc.version)
			if err != nil {
				t.Fatal(err)
			}
			if len(ps) != 1 || ps[0].Code != CodeSchemaUnchecked || ps[0].Severity != "warning" || !strings.Contains(ps[0].Message, tc.why) {
				t.Errorf("%v", ps)
			}
		})
	}
	if ps, err := p.ValidateSchema(context.Background(), data, "m.xml", V300); err != nil || len(ps) > 0 {
		t.Errorf("minimal message: %v %v", ps, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.ValidateSchema(ctx, data, "m.xml", V300); err == nil {
		t.Error("ValidateSchema ignored the cancelled context")
	}
}
