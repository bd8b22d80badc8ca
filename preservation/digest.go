package preservation

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"hash"
)

// DigestAlgorithms are the algorithms a submission may declare digests in
// (BagIt manifests, xdomea 4.0 hashes), by their BagIt names, strongest
// first. md5 and sha1 are accepted for checking what agencies send, never
// used for preservation.
var digestAlgorithms = []string{"sha512", "sha384", "sha256", "sha224", "sha1", "md5"}

// DigestAlgorithms returns the supported declared-digest algorithms,
// strongest first.
func DigestAlgorithms() []string { return append([]string(nil), digestAlgorithms...) }

// NewHash returns a hash for a supported algorithm name, or nil.
func NewHash(alg string) hash.Hash {
	switch alg {
	case "md5":
		return md5.New()
	case "sha1":
		return sha1.New()
	case "sha224":
		return sha256.New224()
	case "sha256":
		return sha256.New()
	case "sha384":
		return sha512.New384()
	case "sha512":
		return sha512.New()
	}
	return nil
}
