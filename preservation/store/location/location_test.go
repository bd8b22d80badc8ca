package location_test

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	iofs "io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/magazin-archiv/magazin/preservation/store/fs"
	"github.com/magazin-archiv/magazin/preservation/store/location"
	"github.com/magazin-archiv/magazin/preservation/store/mem"
	"github.com/magazin-archiv/magazin/preservation/store/s3"
)

func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestFile(t *testing.T) {
	ctx := t.Context()
	dir := filepath.Join(t.TempDir(), "store dir")
	u := (&url.URL{Scheme: "file", Path: filepath.ToSlash(dir)}).String()
	if _, err := location.Open(ctx, u, nil); !errors.Is(err, iofs.ErrNotExist) {
		t.Errorf("Open of a missing directory: err = %v, want fs.ErrNotExist", err)
	}
	for range 2 {
		s, err := location.Init(ctx, u, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.(*fs.Store).Dir(); got != dir {
			t.Errorf("Init(%s): dir %s, want %s", u, got, dir)
		}
	}
	for _, raw := range []string{u, dir, "file://localhost" + filepath.ToSlash(dir)} {
		s, err := location.Open(ctx, raw, nil)
		if err != nil {
			t.Fatalf("Open(%s): %v", raw, err)
		}
		if got := s.(*fs.Store).Dir(); got != dir {
			t.Errorf("Open(%s): dir %s, want %s", raw, got, dir)
		}
		if s.String() != u {
			t.Errorf("Open(%s).String() = %s, want %s", raw, s, u)
		}
	}
	// A relative bare path is relative to the working directory.
	t.Chdir(filepath.Dir(dir))
	s, err := location.Open(ctx, filepath.Base(dir), nil)
	if err != nil || s.(*fs.Store).Dir() != dir {
		t.Errorf("Open(relative) = %v, %v", s, err)
	}
}

func TestMem(t *testing.T) {
	s, err := location.Open(t.Context(), "mem://", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.(*mem.Store); !ok || s.String() != "mem://" {
		t.Errorf("Open(mem://) = %T %s", s, s)
	}
}

func TestBad(t *testing.T) {
	for _, raw := range []string{
		"", "ftp://host/x", "file://otherhost/x", "file:///x?y=1", "file://relative", "mem://name",
		"s3://", "s3://b?nonsense=1", "s3://user:topsecret@bucket",
	} {
		_, err := location.Open(t.Context(), raw, nil)
		if err == nil {
			t.Errorf("Open(%q) succeeded", raw)
		} else if strings.Contains(err.Error(), "topsecret") {
			t.Errorf("Open(%q): error shows the secret: %v", raw, err)
		}
	}
}

func TestS3Config(t *testing.T) {
	env := envMap(map[string]string{
		"AWS_ACCESS_KEY_ID":     "AKIAEXAMPLE",
		"AWS_SECRET_ACCESS_KEY": "topsecret",
		"AWS_SESSION_TOKEN":     "tokentoken",
		"AWS_DEFAULT_REGION":    "eu-west-1",
	})
	cfg, err := location.S3Config("s3://bucket/pre?endpoint=localhost:9000&tls=false", env)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.AccessKey != "AKIAEXAMPLE" || cfg.SecretKey != "topsecret" || cfg.SessionToken != "tokentoken" || cfg.Region != "eu-west-1" {
		t.Errorf("S3Config = %#v", cfg)
	}
	cfg, err = location.S3Config("s3://bucket?region=us-east-2", envMap(map[string]string{"AWS_REGION": "eu-west-1"}))
	if err != nil || cfg.Region != "us-east-2" || cfg.AccessKey != "" {
		t.Errorf("S3Config with region in URL = %#v, %v", cfg, err)
	}
	if _, err := location.S3Config("s3://bucket", envMap(map[string]string{"AWS_ACCESS_KEY_ID": "A"})); err == nil {
		t.Error("S3Config with an access key but no secret succeeded")
	}
	s, err := location.Open(t.Context(), "s3://bucket/pre?endpoint=localhost:9000&tls=false", env)
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{s.String(), fmt.Sprintf("%v %+v %#v", s, s, s)} {
		if strings.Contains(text, "topsecret") || strings.Contains(text, "tokentoken") {
			t.Errorf("secret shows in %q", text)
		}
	}
	if s.String() != "s3://bucket/pre?endpoint=localhost%3A9000&region=eu-west-1&tls=false" {
		t.Errorf("String() = %s", s)
	}
}

// TestS3Init creates a bucket twice through Init against the test server.
func TestS3Init(t *testing.T) {
	raw := os.Getenv("MAGAZIN_TEST_S3")
	if raw == "" {
		const msg = "MAGAZIN_TEST_S3 is not set: start a server with `scripts/s3server.sh start .s3test && . .s3test/env`"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + "; CI=true forbids skipping the S3 tests")
		}
		t.Skip(msg)
	}
	cfg, err := s3.ParseURL(raw)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 4)
	rand.Read(b)
	u, _ := url.Parse(raw)
	u.Host = cfg.Bucket + "-init-" + hex.EncodeToString(b)
	q := u.Query()
	q.Set("object-lock", "true")
	u.RawQuery = q.Encode()
	for range 2 {
		s, err := location.Init(t.Context(), u.String(), os.Getenv)
		if err != nil {
			t.Fatalf("Init(%s): %v", u, err)
		}
		if _, err := s.Stat(t.Context(), "nothing"); !errors.Is(err, iofs.ErrNotExist) {
			t.Errorf("Stat in the new bucket: err = %v, want fs.ErrNotExist", err)
		}
	}
	// Without object lock the same bucket is fine; a bucket without lock
	// is refused when lock is asked for.
	q.Del("object-lock")
	u.RawQuery = q.Encode()
	if _, err := location.Init(t.Context(), u.String(), os.Getenv); err != nil {
		t.Errorf("Init without object-lock: %v", err)
	}
	u.Host += "-nolock"
	if _, err := location.Init(t.Context(), u.String(), os.Getenv); err != nil {
		t.Fatal(err)
	}
	q.Set("object-lock", "true")
	u.RawQuery = q.Encode()
	if _, err := location.Init(t.Context(), u.String(), os.Getenv); err == nil {
		t.Error("Init with object-lock of a bucket without lock succeeded")
	}
}
