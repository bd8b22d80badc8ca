package s3_test

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/magazin-archiv/magazin/preservation/store"
	"github.com/magazin-archiv/magazin/preservation/store/location"
	"github.com/magazin-archiv/magazin/preservation/store/s3"
	"github.com/magazin-archiv/magazin/preservation/store/storetest"
)

// testConfig returns the configuration of the test server from
// MAGAZIN_TEST_S3 and the AWS_* variables, with a prefix of its own for
// this test run and a small part size. Without MAGAZIN_TEST_S3 the test is
// skipped, or fails when CI=true.
func testConfig(t *testing.T) s3.Config {
	t.Helper()
	raw := os.Getenv("MAGAZIN_TEST_S3")
	if raw == "" {
		const msg = "MAGAZIN_TEST_S3 is not set: start a server with `scripts/s3server.sh start .s3test && . .s3test/env` (or run `make test`)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + "; CI=true forbids skipping the S3 tests")
		}
		t.Skip(msg)
	}
	cfg, err := location.S3Config(raw, os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	cfg.PartSize = s3.MinPartSize
	cfg.Prefix = strings.Trim(cfg.Prefix+"/run-"+randomID(), "/")
	return cfg
}

func randomID() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// newStore opens cfg with its own prefix below cfg.Prefix, creating the
// bucket if needed.
func newStore(t *testing.T, cfg s3.Config, sub string) *s3.Store {
	t.Helper()
	cfg.Prefix += "/" + sub
	s, err := s3.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Init(t.Context()); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	cfg := testConfig(t)
	var n atomic.Int64
	storetest.Run(t, func(t *testing.T) store.Store {
		return newStore(t, cfg, "c"+string(rune('a'+n.Add(1)%26))+randomID())
	})
}

// lockConfig is testConfig for a bucket with object lock and one day of
// governance retention.
func lockConfig(t *testing.T) s3.Config {
	cfg := testConfig(t)
	cfg.Bucket += "-lock"
	cfg.ObjectLock = true
	cfg.RetainDays = 1
	return cfg
}

// archival hides the store.Remover of a store: buckets with object lock
// hold archival objects, never staging areas. (versitygw v1.8.0 would also
// refuse to put a key again after its removal: its If-None-Match sees the
// delete marker as an object.)
type archival struct {
	store.Store
	store.RangeGetter
	store.Repairer
	store.Replacer
}

func TestConformanceObjectLock(t *testing.T) {
	cfg := lockConfig(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		s := newStore(t, cfg, randomID())
		return archival{s, s, s, s}
	})
}

// rot overwrites key behind the store's back with data, keeping the
// digest metadata of the original, as silent damage in the server's
// storage would.
func rot(t *testing.T, s *s3.Store, cfg s3.Config, key string, data []byte, meta string) {
	t.Helper()
	_, err := s.Client().PutObject(t.Context(), cfg.Bucket, cfg.Prefix+"/"+key, bytes.NewReader(data), int64(len(data)),
		minio.PutObjectOptions{DisableContentSha256: !cfg.TLS, UserMetadata: map[string]string{"Sha512": meta}})
	if err != nil {
		t.Fatal(err)
	}
}

// TestRepairBitRot repairs objects whose bytes changed while their digest
// metadata did not, in a plain bucket and in one with object lock. There
// the damaged version stays as a noncurrent version: it cannot be removed
// before its retention ends, but a new current version can be written.
func TestRepairBitRot(t *testing.T) {
	for _, locked := range []bool{false, true} {
		t.Run(fmt.Sprintf("locked=%v", locked), func(t *testing.T) {
			cfg := testConfig(t)
			if locked {
				cfg = lockConfig(t)
			}
			sub := "rot" + randomID()
			s := newStore(t, cfg, sub)
			cfg.Prefix += "/" + sub
			ctx := t.Context()
			for _, data := range [][]byte{[]byte("small object"), storetest.Data(10, 6<<20)} {
				key := fmt.Sprintf("ocfl/%d", len(data))
				sum := storetest.Digest(data)
				if _, err := s.Put(ctx, key, bytes.NewReader(data), int64(len(data)), sum); err != nil {
					t.Fatal(err)
				}
				damaged := bytes.Clone(data)
				damaged[len(damaged)/2] ^= 0x01
				rot(t, s, cfg, key, damaged, sum)
				if info, err := s.Stat(ctx, key); err != nil || info.SHA512 != sum {
					t.Fatalf("Stat of the rotten object = %+v, %v; want the old digest in the metadata", info, err)
				}
				if _, err := s.Put(ctx, key, bytes.NewReader(data), int64(len(data)), sum); err != nil {
					// Put trusts the metadata: it sees nothing to do.
					t.Logf("Put over the rotten object: %v", err)
				}
				if _, err := s.Repair(ctx, key, bytes.NewReader(data), int64(len(data)), sum); err != nil {
					t.Fatalf("Repair: %v", err)
				}
				rc, info, err := s.Get(ctx, key)
				if err != nil {
					t.Fatal(err)
				}
				got, err := io.ReadAll(rc)
				rc.Close()
				if err != nil || !bytes.Equal(got, data) || info.SHA512 != sum {
					t.Fatalf("after Repair: %d bytes, %v, digest %.16s", len(got), err, info.SHA512)
				}
				if _, err := s.Repair(ctx, key, bytes.NewReader(data), int64(len(data)), sum); !errors.Is(err, store.ErrIntact) {
					t.Errorf("second Repair: err = %v, want store.ErrIntact", err)
				}
				// A removed object (in a versioned bucket: a delete
				// marker, which versitygw's If-None-Match counts as an
				// object) is written again.
				if err := s.Client().RemoveObject(ctx, cfg.Bucket, cfg.Prefix+"/"+key, minio.RemoveObjectOptions{}); err != nil {
					t.Fatal(err)
				}
				if _, err := s.Repair(ctx, key, bytes.NewReader(data), int64(len(data)), sum); err != nil {
					t.Fatalf("Repair of a removed object: %v", err)
				}
				if info, err := s.Stat(ctx, key); err != nil || info.SHA512 != sum {
					t.Fatalf("Stat after repairing a removed object = %+v, %v", info, err)
				}
				if !locked {
					continue
				}
				if mode, _, err := s.Retention(ctx, key); err != nil || mode != s3.Governance {
					t.Errorf("retention of the repaired version = %q, %v", mode, err)
				}
				versions := 0
				for v := range s.Client().ListObjects(ctx, cfg.Bucket, minio.ListObjectsOptions{Prefix: cfg.Prefix + "/" + key, WithVersions: true}) {
					if v.Err != nil {
						t.Fatal(v.Err)
					}
					versions++
				}
				if versions != 5 {
					t.Errorf("%d versions of %s, want 5 (original, damaged, repaired, delete marker, repaired)", versions, key)
				}
			}
		})
	}
}

func TestRetention(t *testing.T) {
	cfg := lockConfig(t)
	s := newStore(t, cfg, "retention")
	ctx := t.Context()
	for _, data := range [][]byte{[]byte("small"), storetest.Data(1, 6<<20)} {
		key := "k" + randomID()
		before := time.Now()
		if _, err := s.Put(ctx, key, bytes.NewReader(data), int64(len(data)), storetest.Digest(data)); err != nil {
			t.Fatal(err)
		}
		mode, until, err := s.Retention(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if mode != s3.Governance || until.Before(before.Add(23*time.Hour)) || until.After(time.Now().Add(25*time.Hour)) {
			t.Errorf("%d bytes: retention %q until %v, want GOVERNANCE for a day", len(data), mode, until)
		}
	}
	// Without RetainDays objects get no retention of their own.
	cfg.RetainDays = 0
	s = newStore(t, cfg, "noretention")
	if _, err := s.Put(ctx, "k", strings.NewReader("x"), 1, storetest.Digest([]byte("x"))); err != nil {
		t.Fatal(err)
	}
	if mode, _, err := s.Retention(ctx, "k"); err != nil || mode != "" {
		t.Errorf("Retention without RetainDays = %q, %v; want none", mode, err)
	}
	if _, _, err := s.Retention(ctx, "missing"); !errors.Is(err, iofs.ErrNotExist) {
		t.Errorf("Retention(missing): err = %v, want fs.ErrNotExist", err)
	}
}

// TestDestroy removes every version of a key: in a plain bucket, and in a
// bucket with object lock, where it is refused until the retention of
// every version has ended (here shortened with governance bypass).
func TestDestroy(t *testing.T) {
	for _, locked := range []bool{false, true} {
		t.Run(fmt.Sprintf("locked=%v", locked), func(t *testing.T) {
			cfg := testConfig(t)
			if locked {
				cfg = lockConfig(t)
			}
			s := newStore(t, cfg, "destroy"+randomID())
			ctx := t.Context()
			v1, v2 := []byte("inventory v1"), []byte("inventory v2")
			if _, err := s.Put(ctx, "obj/inventory.json", bytes.NewReader(v1), int64(len(v1)), storetest.Digest(v1)); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Replace(ctx, "obj/inventory.json", storetest.Digest(v1), bytes.NewReader(v2), int64(len(v2)), storetest.Digest(v2)); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Put(ctx, "obj/inventory.json.sha512", strings.NewReader("x"), 1, storetest.Digest([]byte("x"))); err != nil {
				t.Fatal(err)
			}
			versions := func() (n int) {
				for oi := range s.Client().ListObjectsIter(ctx, cfg.Bucket, minio.ListObjectsOptions{Prefix: cfg.Prefix + "/", WithVersions: true, Recursive: true}) {
					if oi.Err != nil {
						t.Fatal(oi.Err)
					}
					if strings.HasSuffix(oi.Key, "/obj/inventory.json") {
						n++
					}
				}
				return n
			}
			if locked {
				if n := versions(); n != 2 {
					t.Fatalf("%d versions of the replaced key, want 2", n)
				}
				if err := s.Destroy(ctx, "obj/inventory.json"); err == nil {
					t.Fatal("Destroy under retention succeeded")
				}
				if _, err := s.Stat(ctx, "obj/inventory.json"); err != nil {
					t.Fatalf("the key is gone after a refused Destroy: %v", err)
				}
				// Shorten the retention of every version (governance
				// mode allows it with bypass) and wait for its end.
				until := time.Now().Add(2 * time.Second)
				mode := minio.Governance
				for oi := range s.Client().ListObjectsIter(ctx, cfg.Bucket, minio.ListObjectsOptions{Prefix: cfg.Prefix + "/", WithVersions: true, Recursive: true}) {
					if err := s.Client().PutObjectRetention(ctx, cfg.Bucket, oi.Key, minio.PutObjectRetentionOptions{
						GovernanceBypass: true, Mode: &mode, RetainUntilDate: &until, VersionID: oi.VersionID}); err != nil {
						t.Fatal(err)
					}
				}
				time.Sleep(time.Until(until) + time.Second)
			}
			if err := s.Destroy(ctx, "obj/inventory.json"); err != nil {
				t.Fatalf("Destroy: %v", err)
			}
			if _, err := s.Stat(ctx, "obj/inventory.json"); !errors.Is(err, iofs.ErrNotExist) {
				t.Errorf("Stat after Destroy: %v", err)
			}
			if n := versions(); n != 0 {
				t.Errorf("%d versions left after Destroy", n)
			}
			if _, err := s.Stat(ctx, "obj/inventory.json.sha512"); err != nil {
				t.Errorf("Destroy removed another key: %v", err)
			}
			if err := s.Destroy(ctx, "obj/missing"); err != nil {
				t.Errorf("Destroy of a missing key: %v", err)
			}
		})
	}
}

// TestNothingRemains checks that a failed multipart Put leaves neither an
// object nor an incomplete upload behind.
func TestNothingRemains(t *testing.T) {
	cfg := testConfig(t)
	s := newStore(t, cfg, "remains")
	ctx := t.Context()
	data := storetest.Data(2, 11<<20)
	for _, c := range []struct {
		size   int64
		digest string
		want   error
	}{
		{int64(len(data)), storetest.Digest(data[1:]), store.ErrDigestMismatch},
		{int64(len(data)) + 1, storetest.Digest(data), store.ErrSizeMismatch},
		{int64(len(data)) - 1, storetest.Digest(data), store.ErrSizeMismatch},
	} {
		if _, err := s.Put(ctx, "bad", bytes.NewReader(data), c.size, c.digest); !errors.Is(err, c.want) {
			t.Errorf("Put: err = %v, want %v", err, c.want)
		}
	}
	for up := range s.Client().ListIncompleteUploads(ctx, cfg.Bucket, cfg.Prefix+"/", true) {
		if up.Err != nil {
			t.Fatal(up.Err)
		}
		t.Errorf("incomplete upload left behind: %s (%s)", up.Key, up.UploadID)
	}
	if _, err := s.Stat(ctx, "bad"); !errors.Is(err, iofs.ErrNotExist) {
		t.Errorf("Stat(bad): err = %v, want fs.ErrNotExist", err)
	}
}

// TestConcurrentMultipart races two multipart uploads of different content
// to one key: the conditional CompleteMultipartUpload lets exactly one win.
func TestConcurrentMultipart(t *testing.T) {
	cfg := testConfig(t)
	s := newStore(t, cfg, "race")
	ctx := t.Context()
	contents := [][]byte{storetest.Data(3, 6<<20), storetest.Data(4, 6<<20)}
	errs := make([]error, len(contents))
	var wg sync.WaitGroup
	for i, c := range contents {
		wg.Go(func() {
			_, errs[i] = s.Put(ctx, "big", bytes.NewReader(c), int64(len(c)), storetest.Digest(c))
		})
	}
	wg.Wait()
	info, err := s.Stat(ctx, "big")
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range contents {
		won := info.SHA512 == storetest.Digest(c)
		switch {
		case won && errs[i] != nil:
			t.Errorf("winner %d: %v", i, errs[i])
		case !won && !errors.Is(errs[i], iofs.ErrExist):
			t.Errorf("loser %d: err = %v, want fs.ErrExist", i, errs[i])
		}
	}
}

// TestForeignObject checks Put against an object without the digest in its
// metadata: the content decides.
func TestForeignObject(t *testing.T) {
	cfg := testConfig(t)
	s := newStore(t, cfg, "foreign")
	ctx := t.Context()
	data := []byte("written by another tool")
	_, err := s.Client().PutObject(ctx, cfg.Bucket, cfg.Prefix+"/foreign/k", bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{DisableContentSha256: !cfg.TLS})
	if err != nil {
		t.Fatal(err)
	}
	if info, err := s.Stat(ctx, "k"); err != nil || info.SHA512 != "" || info.Size != int64(len(data)) {
		t.Errorf("Stat = %+v, %v", info, err)
	}
	if _, err := s.Put(ctx, "k", bytes.NewReader(data), int64(len(data)), storetest.Digest(data)); err != nil {
		t.Errorf("Put of the same content: %v", err)
	}
	other := []byte("written by another tool!")
	if _, err := s.Put(ctx, "k", bytes.NewReader(other), int64(len(other)), storetest.Digest(other)); !errors.Is(err, iofs.ErrExist) {
		t.Errorf("Put of other content: err = %v, want fs.ErrExist", err)
	}
}

func TestMissingBucket(t *testing.T) {
	cfg := testConfig(t)
	cfg.Bucket += "-missing-" + randomID()
	s, err := s3.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Stat(t.Context(), "k")
	if err == nil || errors.Is(err, iofs.ErrNotExist) || !strings.Contains(err.Error(), "store init") {
		t.Errorf("Stat in a missing bucket: err = %v, want a hint to init, not fs.ErrNotExist", err)
	}
}

func TestParseURL(t *testing.T) {
	cfg, err := s3.ParseURL("s3://bucket/some/prefix/?endpoint=127.0.0.1:7070&tls=false&region=eu-central-1&retain-days=30&retain-mode=compliance&part-size=8388608&object-lock=true")
	if err != nil {
		t.Fatal(err)
	}
	want := s3.Config{
		Endpoint: "127.0.0.1:7070", Region: "eu-central-1", Bucket: "bucket", Prefix: "some/prefix",
		PartSize: 8 << 20, RetainDays: 30, RetainMode: s3.Compliance, ObjectLock: true,
	}
	if cfg != want {
		t.Errorf("ParseURL = %#v\nwant %#v", cfg, want)
	}
	const url = "s3://bucket/some/prefix?endpoint=127.0.0.1%3A7070&region=eu-central-1&retain-days=30&retain-mode=compliance&tls=false"
	if cfg.String() != url {
		t.Errorf("String() = %s, want %s", cfg, url)
	}
	cfg, err = s3.ParseURL("s3://b")
	if err != nil || cfg.Endpoint != s3.DefaultEndpoint || !cfg.TLS || cfg.PartSize != s3.DefaultPartSize || cfg.RetainMode != s3.Governance {
		t.Errorf("ParseURL(s3://b) = %#v, %v; want defaults", cfg, err)
	}
	for _, bad := range []string{
		"s3://", "s3://b?tls=maybe", "s3://b?colour=blue", "s3://b?part-size=1024", "s3://b?retain-mode=forever",
		"s3://b?retain-days=-1", "s3://AKIA:topsecret@b", "file:///x", "s3://b/x//y",
	} {
		_, err := s3.ParseURL(bad)
		if err == nil {
			t.Errorf("ParseURL(%q) succeeded", bad)
		} else if strings.Contains(err.Error(), "topsecret") {
			t.Errorf("ParseURL(%q): error shows the secret: %v", bad, err)
		}
	}
}

func TestConfigHidesSecrets(t *testing.T) {
	cfg := s3.Config{Bucket: "b", AccessKey: "AKIA", SecretKey: "topsecret", SessionToken: "tokentoken"}
	s, err := s3.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{cfg.String(), s.String(), fmt.Sprintf("%v", cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), fmt.Sprintf("%s", s)} {
		if strings.Contains(text, "topsecret") || strings.Contains(text, "tokentoken") {
			t.Errorf("secret shows in %q", text)
		}
	}
}
