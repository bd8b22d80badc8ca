package aip

import (
	"crypto/sha256"
	"encoding/hex"
	"path"
	"strings"
)

// RootPrefix is the key prefix of the OCFL storage root in every store.
const RootPrefix = "ocfl"

// Storage layout extension 0004 parameters used by magazin.
const (
	layoutExtension = "0004-hashed-n-tuple-storage-layout"
	layoutTuple     = 3
	layoutTuples    = 3
)

// rootFiles are the fixed files of the storage root, keyed relative to
// RootPrefix.
var rootFiles = map[string]string{
	"0=ocfl_1.1": "ocfl_1.1\n",
	"ocfl_layout.json": `{
  "extension": "` + layoutExtension + `",
  "description": "OCFL object identifiers are hashed with sha256; the first 3 tuples of 3 hex characters form the parent directories and the full hash is the object root"
}
`,
	"extensions/" + layoutExtension + "/config.json": `{
  "extensionName": "` + layoutExtension + `",
  "digestAlgorithm": "sha256",
  "tupleSize": 3,
  "numberOfTuples": 3,
  "shortObjectRoot": false
}
`,
}

// ObjectPath returns the object root of id relative to the storage root,
// following extension 0004 with sha256, 3 tuples of 3 characters.
func ObjectPath(id string) string {
	sum := sha256.Sum256([]byte(id))
	h := hex.EncodeToString(sum[:])
	parts := make([]string, 0, layoutTuples+1)
	for i := 0; i < layoutTuples; i++ {
		parts = append(parts, h[i*layoutTuple:(i+1)*layoutTuple])
	}
	parts = append(parts, h)
	return strings.Join(parts, "/")
}

// ObjectKey returns the store key prefix of id's object root.
func ObjectKey(id string) string { return path.Join(RootPrefix, ObjectPath(id)) }

// isObjectRootInventory reports whether key is the root inventory of an
// object in the 0004 layout: ocfl/aaa/bbb/ccc/<64 hex>/inventory.json.
func isObjectRootInventory(key string) bool {
	parts := strings.Split(key, "/")
	if len(parts) != layoutTuples+3 || parts[0] != RootPrefix || parts[len(parts)-1] != "inventory.json" {
		return false
	}
	h := parts[len(parts)-2]
	if len(h) != 64 {
		return false
	}
	for i := 0; i < layoutTuples; i++ {
		if parts[1+i] != h[i*layoutTuple:(i+1)*layoutTuple] {
			return false
		}
	}
	return true
}

// RootFiles returns the fixed files of the OCFL storage root that InitRoot
// writes (the declaration, the layout description and the layout
// extension's configuration), by store key, so that audits can check and
// restore them.
func RootFiles() map[string][]byte {
	out := make(map[string][]byte, len(rootFiles))
	for k, v := range rootFiles {
		out[RootPrefix+"/"+k] = []byte(v)
	}
	return out
}
