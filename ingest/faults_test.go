package ingest_test

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/magazin-archiv/magazin/ingest"
	"github.com/magazin-archiv/magazin/preservation/aip"
	"github.com/magazin-archiv/magazin/preservation/fixity"
	"github.com/magazin-archiv/magazin/preservation/store"
	"github.com/magazin-archiv/magazin/preservation/store/faulty"
	"github.com/magazin-archiv/magazin/preservation/store/fs"
	"github.com/magazin-archiv/magazin/preservation/store/location"
	"github.com/magazin-archiv/magazin/preservation/store/retry"
	"github.com/magazin-archiv/magazin/preservation/store/s3"
)

// s3Target returns the configuration of the test S3 server with a prefix
// of its own. Without MAGAZIN_TEST_S3 the test is skipped, or fails when
// CI=true.
func s3Target(t *testing.T) s3.Config {
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
	b := make([]byte, 6)
	rand.Read(b)
	cfg.Prefix = strings.Trim(cfg.Prefix+"/faults-"+hex.EncodeToString(b), "/")
	return cfg
}

// faultyS3 starts a faulty proxy in front of the test server and returns
// the S3 store seen through it (with a response timeout of one second, so
// that an unanswered request times out quickly) and the same store seen
// directly.
func faultyS3(t *testing.T, rule faulty.Rule) (*faulty.Proxy, *s3.Store, *s3.Store) {
	t.Helper()
	cfg := s3Target(t)
	direct, err := s3.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := direct.Init(t.Context()); err != nil {
		t.Fatal(err)
	}
	p, err := faulty.Start(cfg.Endpoint, rule)
	if err != nil {
		t.Fatal(err)
	}
	p.Pause = 2 * time.Millisecond
	t.Cleanup(func() { p.Close() })
	cfg.Endpoint = p.Addr()
	cfg.Transport = &http.Transport{
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		ResponseHeaderTimeout: time.Second,
		MaxIdleConnsPerHost:   16,
	}
	via, err := s3.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p, via, direct
}

// TestIngestThroughStoreFaults ingests into a local fs store and a real S3
// server behind a proxy that injects one kind of fault into every few
// requests. The ingest retries (minio-go's attempts, then package retry
// with backoff) and completes; the AIP is listed only with every replica
// complete, and an audit reading the S3 server directly (not through the
// proxy) finds every byte in place.
func TestIngestThroughStoreFaults(t *testing.T) {
	for _, tc := range []struct {
		rule  faulty.Rule
		fault faulty.Fault
	}{
		{faulty.Every(3, faulty.InternalError), faulty.InternalError},
		{faulty.Every(3, faulty.SlowDown), faulty.SlowDown},
		{faulty.Every(2, faulty.ResetRequest, http.MethodPut), faulty.ResetRequest},
		{faulty.Every(2, faulty.ResetResponse, http.MethodGet), faulty.ResetResponse},
		{faulty.Always(faulty.Slow), faulty.Slow},
		{faulty.Every(4, faulty.Hang), faulty.Hang},
	} {
		t.Run(strings.ReplaceAll(tc.fault.String(), " ", "_"), func(t *testing.T) {
			p, via, direct := faultyS3(t, nil)
			local, err := fs.Init(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			var waits atomic.Int64
			remote := retry.New(via, retry.Options{MaxWait: 2 * time.Minute, MinDelay: 10 * time.Millisecond, MaxDelay: 200 * time.Millisecond,
				Notify: func(e retry.Event) {
					if !e.Back {
						waits.Add(1)
					}
				}})
			r := newRig(t, local, remote)
			p.SetRule(tc.rule)
			res, err := r.in.Ingest(t.Context(), repoPath(t, "testdata/sample-transfer"), ingest.Options{Profile: "folder"}, nil)
			p.SetRule(nil)
			if err != nil {
				t.Fatalf("ingest through %q: %v", tc.fault, err)
			}
			inj := p.Injected()[tc.fault]
			if inj == 0 {
				t.Fatalf("no %q injected in %d requests", tc.fault, p.Requests())
			}
			t.Logf("%s: %d of %d requests faulty, %d waits of package retry; ingest complete", tc.fault, inj, p.Requests(), waits.Load())
			if len(res.AIPs) != 1 || listed(t, r) != 1 {
				t.Fatalf("%d AIPs ingested, %d listed", len(res.AIPs), listed(t, r))
			}
			rep, err := fixity.Audit(t.Context(), []store.Store{local, direct}, fixity.Options{Catalog: r.cat})
			if err != nil || !rep.OK() || rep.Objects != 1 {
				t.Fatalf("audit after the ingest: %v, ok %v, %d objects", err, rep != nil && rep.OK(), rep.Objects)
			}
		})
	}
}

// TestIngestGivesUpOnAFailingStore: when the S3 replica keeps failing
// longer than the retry budget, the ingest fails with an error that says
// the store is unavailable (store.ErrUnavailable, *retry.UnavailableError)
// and acknowledges nothing: no AIP listed or indexed, no object file left
// in the healthy replica.
func TestIngestGivesUpOnAFailingStore(t *testing.T) {
	for _, f := range []faulty.Fault{faulty.InternalError, faulty.ResetRequest, faulty.Hang} {
		t.Run(strings.ReplaceAll(f.String(), " ", "_"), func(t *testing.T) {
			p, via, direct := faultyS3(t, nil)
			p.Hold = 3 * time.Second
			local, err := fs.Init(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			remote := retry.New(via, retry.Options{MaxWait: 2 * time.Second, MinDelay: 10 * time.Millisecond, MaxDelay: 200 * time.Millisecond})
			r := newRig(t, local, remote)
			if err := aip.InitRoot(t.Context(), remote); err != nil {
				t.Fatal(err)
			}
			// The storage root is in place; the failures start with the AIP.
			p.SetRule(func(r *http.Request, _ int64) faulty.Fault {
				if strings.Contains(r.URL.Path, "/v1/") {
					return f
				}
				return faulty.Pass
			})
			_, err = r.in.Ingest(t.Context(), repoPath(t, "testdata/sample-transfer"), ingest.Options{Profile: "folder"}, nil)
			p.SetRule(nil)
			var ue *retry.UnavailableError
			if !errors.As(err, &ue) || !errors.Is(err, store.ErrUnavailable) {
				t.Fatalf("err = %v, want the S3 store unavailable", err)
			}
			t.Logf("%s: gave up after %d requests: %v", f, p.Requests(), err)
			if n := listed(t, r); n != 0 || len(r.idx.ids) != 0 {
				t.Errorf("%d AIPs listed, %d indexed after the ingest gave up", n, len(r.idx.ids))
			}
			if n := objectFiles(t, local); n != 0 {
				t.Errorf("the healthy replica keeps %d object files", n)
			}
			if n, _ := complete(t, direct); n != 0 {
				t.Errorf("the failing replica holds %d complete objects", n)
			}
		})
	}
}

// TestAuditThroughStoreFaults audits a replica behind the faulty proxy:
// broken and refused reads are retried and the audit finds the AIP intact;
// a replica that fails for good is reported as unreadable (AIP_UNREADABLE,
// the store's error in the report), never as intact.
func TestAuditThroughStoreFaults(t *testing.T) {
	p, via, direct := faultyS3(t, nil)
	local, err := fs.Init(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	r := newRig(t, local, direct)
	if _, err := r.in.Ingest(t.Context(), repoPath(t, "testdata/sample-transfer"), ingest.Options{Profile: "folder"}, nil); err != nil {
		t.Fatal(err)
	}
	opts := retry.Options{MaxWait: time.Minute, MinDelay: 10 * time.Millisecond, MaxDelay: 200 * time.Millisecond}
	for _, rule := range []faulty.Rule{faulty.Every(3, faulty.ResetResponse, http.MethodGet), faulty.Every(3, faulty.InternalError), faulty.Every(5, faulty.Hang)} {
		p.SetRule(rule)
		rep, err := fixity.Audit(t.Context(), []store.Store{local, retry.New(via, opts)}, fixity.Options{Catalog: r.cat})
		if err != nil || !rep.OK() || rep.Objects != 1 {
			t.Fatalf("audit through faults %v: %v, %s", p.Injected(), err, dumpReport(rep))
		}
	}
	t.Logf("audits intact through %v", p.Injected())

	p.SetRule(faulty.Always(faulty.InternalError))
	opts.MaxWait = time.Second
	rep, err := fixity.Audit(t.Context(), []store.Store{local, retry.New(via, opts)}, fixity.Options{Catalog: r.cat})
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() || rep.Stores[1].Error == "" {
		t.Fatalf("audit of a failing replica: %s", dumpReport(rep))
	}
	found := false
	for _, o := range rep.Findings {
		for _, c := range o.Copies {
			for _, pr := range c.Problems {
				found = found || c.Store == via.String() && pr.Code == "AIP_UNREADABLE"
			}
		}
	}
	if !found {
		t.Errorf("no AIP_UNREADABLE for the failing replica: %s", dumpReport(rep))
	}
}

func dumpReport(r *fixity.Report) string {
	if r == nil {
		return "no report"
	}
	var b strings.Builder
	for _, s := range r.Stores {
		b.WriteString(s.Store + ": " + s.Error + "; ")
	}
	for _, o := range r.Findings {
		for _, c := range o.Copies {
			for _, p := range c.Problems {
				b.WriteString(c.Store + " " + p.Code + " " + p.Path + "; ")
			}
		}
	}
	return b.String()
}

// TestFullDisk ingests onto a second fs replica on a tmpfs of 256 KiB: the
// write fails with ENOSPC, which the fs store marks unavailable, package
// retry waits out its budget, and the ingest fails with the cause named,
// leaving no object file in either replica, no temporary file on the full
// disk and nothing listed.
func TestFullDisk(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small")
	if err := os.Mkdir(small, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", small).CombinedOutput(); err != nil {
		msg := "cannot mount a tmpfs for the full disk: " + strings.TrimSpace(string(out))
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + "; CI=true forbids skipping")
		}
		t.Skip(msg)
	}
	t.Cleanup(func() { exec.Command("umount", small).Run() })
	full, err := fs.Init(small)
	if err != nil {
		t.Fatal(err)
	}
	local, err := fs.Init(filepath.Join(dir, "local"))
	if err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "submission")
	os.Mkdir(sub, 0o755)
	big := make([]byte, 600<<10)
	rand.Read(big)
	if err := os.WriteFile(filepath.Join(sub, "Scan.bin"), big, 0o644); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(sub, "Brief.txt"), []byte("Sehr geehrte Damen und Herren"), 0o644)
	r := newRig(t, local, retry.New(full, retry.Options{MaxWait: 500 * time.Millisecond, MinDelay: 10 * time.Millisecond, MaxDelay: 100 * time.Millisecond}))
	_, err = r.in.Ingest(t.Context(), sub, ingest.Options{Profile: "folder"}, nil)
	if !errors.Is(err, syscall.ENOSPC) || !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("err = %v, want ENOSPC marked unavailable", err)
	}
	t.Logf("full disk: %v", err)
	if n := listed(t, r); n != 0 {
		t.Errorf("%d AIPs listed", n)
	}
	for _, st := range []store.Store{local, full} {
		if n := objectFiles(t, st); n != 0 {
			t.Errorf("%s keeps %d object files", st, n)
		}
	}
	if left, _ := os.ReadDir(filepath.Join(small, ".tmp")); len(left) > 0 {
		var names []string
		for _, e := range left {
			names = append(names, e.Name())
		}
		t.Errorf("temporary files left on the full disk: %v", names)
	}
}
