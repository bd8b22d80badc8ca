package aip

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/magazin-archiv/magazin/internal/corpus"
)

func testInventory() *Inventory {
	return &Inventory{
		ID: "urn:uuid:6f0b1c0e-5d7a-4c3e-9a57-1b1e8c7d2f10", Type: ocflInventoryType11,
		DigestAlgorithm: "sha512", Head: "v2",
		Manifest: map[string][]string{
			strings.Repeat("a", 128): {"v1/content/b.txt", "v1/content/a.txt"},
			strings.Repeat("b", 128): {"v2/content/c.txt"},
		},
		Versions: map[string]*Version{
			"v1": {Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
				State:   map[string][]string{strings.Repeat("a", 128): {"z.txt", "a.txt"}},
				Message: "Übernahme <Akte 1> & Co", User: &User{Name: "magazin", Address: "mailto:archiv@example.org"}},
			"v2": {Created: time.Date(2026, 2, 3, 4, 5, 6, 700000000, time.FixedZone("", 3600)),
				State:   map[string][]string{strings.Repeat("a", 128): {"a.txt"}, strings.Repeat("b", 128): {"c.txt"}},
				Message: "Zugangskopie", User: &User{Name: "magazin", Address: "mailto:archiv@example.org"}},
		},
	}
}

func TestInventoryMarshal(t *testing.T) {
	inv := testInventory()
	a, err := inv.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	// Path order and map order do not matter; the input is not modified.
	inv2 := testInventory()
	slices.Reverse(inv2.Manifest[strings.Repeat("a", 128)])
	slices.Reverse(inv2.Versions["v1"].State[strings.Repeat("a", 128)])
	b, err := inv2.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Errorf("Marshal depends on path order:\n%s\n%s", a, b)
	}
	if inv2.Manifest[strings.Repeat("a", 128)][0] != "v1/content/a.txt" {
		t.Error("Marshal modified the inventory")
	}
	for _, want := range []string{
		`"message": "Übernahme <Akte 1> & Co"`, // no HTML escaping
		`"created": "2026-02-03T04:05:06.7+01:00"`,
	} {
		if !bytes.Contains(a, []byte(want)) {
			t.Errorf("Marshal output lacks %s:\n%s", want, a)
		}
	}
	if bytes.Contains(a, []byte(`"contentDirectory"`)) {
		t.Errorf("Marshal wrote an empty contentDirectory:\n%s", a)
	}
	if !bytes.HasSuffix(a, []byte("}\n")) || bytes.Index(a, []byte(`"id"`)) > bytes.Index(a, []byte(`"type"`)) {
		t.Errorf("Marshal output is not the expected layout:\n%s", a)
	}
	// Empty maps are {}, never null.
	empty, err := (&Inventory{Versions: map[string]*Version{"v1": {}}}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(empty, []byte("null")) {
		t.Errorf("Marshal wrote null:\n%s", empty)
	}
	if _, err := (&Inventory{Versions: map[string]*Version{"v1": nil}}).Marshal(); err == nil {
		t.Error("Marshal accepted a nil version")
	}
	if res := inv.Validate(); len(res.Errors)+len(res.Warnings) > 0 {
		t.Errorf("Validate: %v %v", res.Errors, res.Warnings)
	}
}

func TestInventoryValidate(t *testing.T) {
	cases := []struct {
		name string
		edit func(*Inventory)
		want string
	}{
		{"head not the latest", func(inv *Inventory) { inv.Head = "v1" }, "E040"},
		{"gap in versions", func(inv *Inventory) {
			inv.Versions["v3"] = inv.Versions["v2"]
			delete(inv.Versions, "v2")
			inv.Head = "v3"
		}, "E010"},
		{"sha1 digests", func(inv *Inventory) { inv.DigestAlgorithm = "sha1" }, "E025"},
		{"state digest not in manifest", func(inv *Inventory) { inv.Versions["v2"].State["c0ffee"] = []string{"x"} }, "E050"},
		{"unused manifest entry", func(inv *Inventory) { inv.Manifest[strings.Repeat("c", 128)] = []string{"v2/content/d"} }, "E107"},
		{"content path outside the content directory", func(inv *Inventory) {
			inv.Manifest[strings.Repeat("b", 128)] = []string{"v2/data/c.txt"}
		}, "E042"},
		{"logical path with ..", func(inv *Inventory) { inv.Versions["v1"].State[strings.Repeat("a", 128)] = []string{"../a.txt"} }, "E052"},
		{"file and directory", func(inv *Inventory) {
			inv.Versions["v2"].State[strings.Repeat("b", 128)] = []string{"a.txt/c.txt"}
		}, "E095"},
		{"user without name", func(inv *Inventory) { inv.Versions["v1"].User.Name = "" }, "E054"},
		{"content directory with /", func(inv *Inventory) { inv.ContentDirectory = "a/b" }, "E017"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			inv := testInventory()
			c.edit(inv)
			res := inv.Validate()
			if !slices.Contains(codesOf(res.Errors), c.want) {
				t.Errorf("errors %v, want %s", res.Errors, c.want)
			}
		})
	}
}

func TestParseInventoryRejects(t *testing.T) {
	good, err := testInventory().Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseInventory(good); err != nil {
		t.Fatalf("ParseInventory(Marshal output): %v", err)
	}
	replace := func(old, new string) []byte {
		if !bytes.Contains(good, []byte(old)) {
			t.Fatalf("%q not in the test inventory", old)
		}
		return bytes.Replace(good, []byte(old), []byte(new), 1)
	}
	for name, data := range map[string][]byte{
		"not JSON":           []byte("inventory"),
		"not an object":      []byte(`[]`),
		"trailing data":      append(slices.Clone(good), "{}"...),
		"invalid UTF-8":      replace("Zugangskopie", "Zugangskopie\xff"),
		"duplicate key":      replace(`"head": "v2",`, `"head": "v2", "head": "v1",`),
		"unknown key":        replace(`"head": "v2",`, `"head": "v2", "extra": 1,`),
		"key in other case":  replace(`"head":`, `"Head":`),
		"version key case":   replace(`"message": "Zugangskopie"`, `"Message": "Zugangskopie"`),
		"user key case":      replace(`"name": "magazin"`, `"Name": "magazin"`),
		"wrong type":         replace(`"head": "v2"`, `"head": 2`),
		"created not 3339":   replace(`"2026-01-02T03:04:05Z"`, `"2026-01-02"`),
		"null version":       replace(`"versions": {`, `"versions": {"v9": null,`),
		"deeply nested JSON": []byte(strings.Repeat("[", 100000) + strings.Repeat("]", 100000)),
	} {
		if _, err := ParseInventory(data); err == nil {
			t.Errorf("%s: ParseInventory accepted it", name)
		}
	}
}

// Every fixture inventory that ParseInventory accepts survives Marshal and
// ParseInventory unchanged, and the good objects' inventories validate.
func TestParseInventoryFixtures(t *testing.T) {
	root, rows := readOCFLFixtures(t)
	for _, row := range rows {
		data, err := os.ReadFile(filepath.Join(root, row.category, row.object, "inventory.json"))
		if err != nil {
			continue // fixtures without a root inventory
		}
		inv, err := ParseInventory(data)
		if err != nil {
			if row.category != "bad-objects" {
				t.Errorf("%s/%s: %v", row.category, row.object, err)
			}
			continue
		}
		checkRoundTrip(t, inv)
		if row.category == "good-objects" {
			if res := inv.Validate(); len(res.Errors)+len(res.Warnings) > 0 {
				t.Errorf("%s: Validate: %v %v", row.object, res.Errors, res.Warnings)
			}
		}
	}
}

// checkRoundTrip checks that Marshal output parses back to an inventory that
// marshals to the same bytes.
func checkRoundTrip(t *testing.T, inv *Inventory) {
	t.Helper()
	a, err := inv.Marshal()
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	inv2, err := ParseInventory(a)
	if err != nil {
		t.Fatalf("ParseInventory(Marshal output): %v\n%s", err, a)
	}
	b, err := inv2.Marshal()
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	if !bytes.Equal(a, b) {
		t.Fatalf("Marshal output changes on a round trip:\n%s\n%s", a, b)
	}
}

// FuzzParseInventory feeds arbitrary bytes to ParseInventory and to the
// validator's inventory checks: neither may panic, and what ParseInventory
// accepts must survive a Marshal round trip. Seeds are a few inventories of
// our own plus, when the shared corpus is present, every inventory of the
// OCFL fixtures (read at test time, never copied into the repository).
func FuzzParseInventory(f *testing.F) {
	good, err := testInventory().Marshal()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"id":"x","type":"https://ocfl.io/1.1/spec/#inventory","digestAlgorithm":"sha512","head":"v1",` +
		`"manifest":{"AB":["v1/content/a"]},"versions":{"v1":{"created":"2020-01-01T00:00:00Z","state":{"ab":["a","a/b"]}}},` +
		`"fixity":{"size":{"0":["v1/content/a"]},"md5":null}}`))
	f.Add([]byte(`{"versions":{"v01":{"user":{"name":1}},"v10":[]},"head":"v10","contentDirectory":".."}`))
	if root := corpus.Root(); root != "" {
		dir := filepath.Join(root, "ocfl-fixtures", "1.1")
		paths, _ := filepath.Glob(filepath.Join(dir, "*", "*", "inventory.json"))
		more, _ := filepath.Glob(filepath.Join(dir, "*", "*", "v*", "inventory.json"))
		for _, p := range append(paths, more...) {
			if data, err := os.ReadFile(p); err == nil {
				f.Add(data)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ocflCheckInventory(data, "inventory.json", &ValidationResult{})
		inv, err := ParseInventory(data)
		if err != nil {
			return
		}
		checkRoundTrip(t, inv)
		inv.Validate()
	})
}
