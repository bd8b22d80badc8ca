package aip

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Inventory is an OCFL 1.1 inventory.json (OCFL 1.1 §3.5). It is the decoded
// form used both to read inventories and to write them: field names and JSON
// keys follow the specification, and Marshal renders it deterministically.
//
// Digests are kept as written; the specification treats them as
// case-insensitive hex, so compare them with strings.EqualFold.
type Inventory struct {
	// ID is the object identifier; magazin uses "urn:uuid:<uuid>".
	ID string `json:"id"`
	// Type is "https://ocfl.io/1.1/spec/#inventory" (or the 1.0 URI).
	Type string `json:"type"`
	// DigestAlgorithm is "sha512" (recommended) or "sha256".
	DigestAlgorithm string `json:"digestAlgorithm"`
	// Head is the name of the most recent version directory, e.g. "v3".
	Head string `json:"head"`
	// ContentDirectory is the content sub-directory of each version
	// directory; empty means "content".
	ContentDirectory string `json:"contentDirectory,omitempty"`
	// Manifest maps each digest to the content paths (relative to the object
	// root) of the files with that digest.
	Manifest map[string][]string `json:"manifest"`
	// Versions maps version directory names ("v1", …) to their description.
	Versions map[string]*Version `json:"versions"`
	// Fixity maps a digest algorithm name to a manifest-like block of extra
	// digests. Optional.
	Fixity map[string]map[string][]string `json:"fixity,omitempty"`
}

// Version is one entry of an inventory's versions block (OCFL 1.1 §3.5.3.1).
type Version struct {
	// Created is when the version was made; it is written in RFC 3339 form.
	Created time.Time `json:"created"`
	// State maps digests (keys of the manifest) to the logical paths that
	// have that content in this version.
	State map[string][]string `json:"state"`
	// Message says why the version was made. OCFL recommends it (W007).
	Message string `json:"message,omitempty"`
	// User says who made the version. OCFL recommends it (W007).
	User *User `json:"user,omitempty"`
}

// User identifies who made a version. Address should be a URI such as a
// mailto: address or an ORCID (W008, W009).
type User struct {
	Name    string `json:"name"`
	Address string `json:"address,omitempty"`
}

// ContentDir returns the name of the content directory inside each version
// directory: ContentDirectory, or "content" when unset.
func (inv *Inventory) ContentDir() string {
	if inv.ContentDirectory != "" {
		return inv.ContentDirectory
	}
	return "content"
}

// ParseInventory decodes an inventory.json. It rejects what no valid inventory
// can contain — bytes that are not UTF-8 JSON, duplicate object keys, keys the
// specification does not define, values of the wrong JSON type, a created
// timestamp that is not RFC 3339, and null versions — but it checks nothing
// else: use ValidateObject (or Inventory.Validate) for the OCFL rules. The
// caller bounds the size of data.
func ParseInventory(data []byte) (*Inventory, error) {
	doc, err := ocflDecodeJSON(data)
	if err != nil {
		return nil, fmt.Errorf("aip: inventory: %w", err)
	}
	// encoding/json matches keys case-insensitively; OCFL keys are exact.
	if err := ocflCheckKeyNames(doc); err != nil {
		return nil, fmt.Errorf("aip: inventory: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	inv := &Inventory{}
	if err := dec.Decode(inv); err != nil {
		return nil, fmt.Errorf("aip: inventory: %w", err)
	}
	for name, v := range inv.Versions {
		if v == nil {
			return nil, fmt.Errorf("aip: inventory: version %q is null", name)
		}
	}
	return inv, nil
}

// ocflCheckKeyNames checks that the keys of a decoded inventory, its
// versions and their users are exactly those OCFL defines.
func ocflCheckKeyNames(doc any) error {
	check := func(v any, allowed map[string]bool, what string) error {
		m, ok := v.(map[string]any)
		if !ok {
			return nil // a type error for the typed decoder to report
		}
		for k := range m {
			if !allowed[k] {
				return fmt.Errorf("%s has key %q, which OCFL does not define", what, k)
			}
		}
		return nil
	}
	if err := check(doc, ocflInventoryKeys, "inventory"); err != nil {
		return err
	}
	top, _ := doc.(map[string]any)
	versions, _ := top["versions"].(map[string]any)
	for name, v := range versions {
		if err := check(v, ocflVersionKeys, "version "+name); err != nil {
			return err
		}
		if vm, ok := v.(map[string]any); ok {
			if err := check(vm["user"], ocflUserKeys, "user of version "+name); err != nil {
				return err
			}
		}
	}
	return nil
}

// Marshal renders the inventory as indented JSON with a final newline. The
// output depends only on the inventory's content: object keys are sorted,
// content and logical path lists are sorted, nil maps are written as {} and
// HTML characters are not escaped. Write the inventory's digest sidecar from
// exactly these bytes.
func (inv *Inventory) Marshal() ([]byte, error) {
	if inv == nil {
		return nil, errors.New("aip: marshal nil inventory")
	}
	out := *inv
	out.Manifest = ocflSortedPaths(inv.Manifest)
	out.Versions = make(map[string]*Version, len(inv.Versions))
	for name, v := range inv.Versions {
		if v == nil {
			return nil, fmt.Errorf("aip: marshal inventory: version %q is nil", name)
		}
		vc := *v
		vc.State = ocflSortedPaths(v.State)
		out.Versions[name] = &vc
	}
	if inv.Fixity != nil {
		out.Fixity = make(map[string]map[string][]string, len(inv.Fixity))
		for alg, block := range inv.Fixity {
			out.Fixity[alg] = ocflSortedPaths(block)
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(&out); err != nil {
		return nil, fmt.Errorf("aip: marshal inventory: %w", err)
	}
	return buf.Bytes(), nil
}

// ocflSortedPaths copies a digest → paths map with each path list sorted; a
// nil map becomes an empty one so that it is written as {}.
func ocflSortedPaths(m map[string][]string) map[string][]string {
	out := make(map[string][]string, len(m))
	for d, paths := range m {
		ps := slices.Clone(paths)
		if ps == nil {
			ps = []string{}
		}
		slices.Sort(ps)
		out[d] = ps
	}
	return out
}
