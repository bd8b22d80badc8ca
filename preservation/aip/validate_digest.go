package aip

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"hash"
	"io"
	"strconv"

	"golang.org/x/crypto/blake2b"
)

// ocflDigestAlg is a digest algorithm OCFL names: the content-addressing
// algorithms, the fixity vocabulary of OCFL 1.1 §3.4 and the additions of
// community extensions 0001 and 0009.
type ocflDigestAlg struct {
	name string
	// hexLen is the length of a hex digest; 0 for "size", which is decimal.
	hexLen int
	// formatCode is the error code for a malformed digest in a fixity block.
	formatCode string
	new        func() ocflDigester
}

// ocflDigester accumulates one digest over the bytes written to it.
type ocflDigester interface {
	io.Writer
	digest() string
}

type ocflHexDigester struct{ hash.Hash }

func (h ocflHexDigester) digest() string { return hex.EncodeToString(h.Sum(nil)) }

type ocflSizeDigester struct{ n int64 }

func (s *ocflSizeDigester) Write(p []byte) (int, error) {
	s.n += int64(len(p))
	return len(p), nil
}

func (s *ocflSizeDigester) digest() string { return strconv.FormatInt(s.n, 10) }

func ocflHexAlg(name string, hexLen int, code string, h func() hash.Hash) *ocflDigestAlg {
	return &ocflDigestAlg{name: name, hexLen: hexLen, formatCode: code,
		new: func() ocflDigester { return ocflHexDigester{h()} }}
}

func ocflBlake2b(size int) func() hash.Hash {
	return func() hash.Hash {
		h, err := blake2b.New(size, nil)
		if err != nil { // only for sizes outside 1..64, which are not used here
			panic(err)
		}
		return h
	}
}

// ocflDigestAlgorithms holds every algorithm name an OCFL 1.1 inventory may
// use in a fixity block. All of them are computed, so no fixity value is
// skipped as unsupported; a name not listed here is error E056.
var ocflDigestAlgorithms = map[string]*ocflDigestAlg{
	"md5":         ocflHexAlg("md5", 32, "E057", md5.New),
	"sha1":        ocflHexAlg("sha1", 40, "E029", sha1.New),
	"sha256":      ocflHexAlg("sha256", 64, "E030", sha256.New),
	"sha512":      ocflHexAlg("sha512", 128, "E031", sha512.New),
	"blake2b-512": ocflHexAlg("blake2b-512", 128, "E032", ocflBlake2b(64)),
	// Extensions 0001-digest-algorithms and 0009-digest-algorithms.
	"blake2b-160": ocflHexAlg("blake2b-160", 40, "E057", ocflBlake2b(20)),
	"blake2b-256": ocflHexAlg("blake2b-256", 64, "E057", ocflBlake2b(32)),
	"blake2b-384": ocflHexAlg("blake2b-384", 96, "E057", ocflBlake2b(48)),
	"sha512/256":  ocflHexAlg("sha512/256", 64, "E057", sha512.New512_256),
	"size": {name: "size", formatCode: "E057",
		new: func() ocflDigester { return &ocflSizeDigester{} }},
}

// wellFormed reports whether d has the form of a digest of this algorithm.
func (a *ocflDigestAlg) wellFormed(d string) bool {
	if a.hexLen == 0 {
		if d == "" || (len(d) > 1 && d[0] == '0') {
			return false
		}
		for _, c := range []byte(d) {
			if c < '0' || c > '9' {
				return false
			}
		}
		return true
	}
	if len(d) != a.hexLen {
		return false
	}
	for _, c := range []byte(d) {
		switch {
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f', 'A' <= c && c <= 'F':
		default:
			return false
		}
	}
	return true
}

// digestBytes returns the digest of b.
func (a *ocflDigestAlg) digestBytes(b []byte) string {
	d := a.new()
	d.Write(b)
	return d.digest()
}
