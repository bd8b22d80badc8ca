package oai

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// token is the state of an incomplete list, carried by the resumption
// token: the request's arguments, where the list goes on, how much of it
// was delivered, its size, and until when the token is honoured. It is
// signed with the provider's key (HMAC-SHA-256), so that a harvester can
// neither forge nor alter one; it names nothing that is not public.
type token struct {
	Verb   string `json:"v"`
	Prefix string `json:"m"`
	Set    string `json:"s,omitempty"`
	// Bestand is the id of the set's Bestand, so that a list goes on even
	// if the Bestand's Signatur (and so its setSpec) changes meanwhile.
	Bestand string `json:"b,omitempty"`
	From    string `json:"f,omitempty"`
	Until   string `json:"u,omitempty"`
	// After is the id of the last unit looked at: the list goes on with
	// the units after it in id order.
	After string `json:"a"`
	// Cursor counts the records delivered before the next response, and
	// Size is the complete list's size as counted by its first response.
	Cursor int `json:"c"`
	Size   int `json:"n"`
	// Expires is when the token stops being honoured (Unix seconds).
	Expires int64 `json:"e"`
}

const (
	tokenPrefix = "1."
	macSize     = 16
	maxTokenLen = 4096
)

// seal encodes and signs t.
func (p *Provider) seal(t token) string {
	b, _ := json.Marshal(t)
	return tokenPrefix + base64.RawURLEncoding.EncodeToString(b) + "." + base64.RawURLEncoding.EncodeToString(p.mac(b))
}

func (p *Provider) mac(b []byte) []byte {
	m := hmac.New(sha256.New, p.cfg.Key)
	m.Write([]byte("magazin oai resumption token 1\x00"))
	m.Write(b)
	return m.Sum(nil)[:macSize]
}

// open checks and decodes a token of verb: a malformed, altered, foreign,
// expired one or one of another verb is badResumptionToken.
func (p *Provider) open(s, verb string, now time.Time) (token, error) {
	bad := func(why string) (token, error) {
		return token{}, protoErr(errBadResumptionToken, "the resumption token %s", why)
	}
	if len(s) > maxTokenLen || !strings.HasPrefix(s, tokenPrefix) {
		return bad("is not one of this repository's")
	}
	body, sig, ok := strings.Cut(s[len(tokenPrefix):], ".")
	if !ok {
		return bad("is not one of this repository's")
	}
	b, err1 := base64.RawURLEncoding.DecodeString(body)
	m, err2 := base64.RawURLEncoding.DecodeString(sig)
	if err1 != nil || err2 != nil || !hmac.Equal(m, p.mac(b)) {
		return bad("is not one of this repository's, or was altered")
	}
	var t token
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		return bad("is not one of this repository's")
	}
	if t.Verb != verb {
		return bad(fmt.Sprintf("belongs to %s, not to %s", t.Verb, verb))
	}
	if now.Unix() > t.Expires {
		return bad("has expired; please start the list again")
	}
	return t, nil
}

// LoadKey returns the token key kept in the file path, creating the file
// with a new random key (mode 0600) if there is none. Processes behind one
// base URL must share the file's content.
func LoadKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := createKey(path); err != nil {
			return nil, fmt.Errorf("oai: key: %w", err)
		}
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("oai: key: %w", err)
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) < 32 {
		return nil, fmt.Errorf("oai: key file %s: want at least 32 bytes in hex", path)
	}
	return key, nil
}

// createKey writes a new key to path, whole or not at all: into a
// temporary file first, then linked into place (a process that was first
// wins).
func createKey(path string) error {
	key := make([]byte, 32)
	rand.Read(key)
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".oai-key-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	_, err = f.WriteString(hex.EncodeToString(key) + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Link(f.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return nil
}
