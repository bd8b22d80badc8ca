package main

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/magazin-archiv/magazin/internal/corpus"
	"github.com/magazin-archiv/magazin/preservation/jobs"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

type httpResult struct {
	code int
	body string
	hdr  http.Header
}

func doHTTP(t *testing.T, method, url, token string, hdr map[string]string, body []byte) httpResult {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return httpResult{resp.StatusCode, string(b), resp.Header}
}

// scrape parses /metrics with the Prometheus text parser.
func scrape(t *testing.T, base string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("/metrics does not parse: %v", err)
	}
	return mfs
}

// metricValue returns the value of the series of family name whose labels
// include want.
func metricValue(mfs map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	mf := mfs[name]
	if mf == nil {
		return 0
	}
	for _, m := range mf.GetMetric() {
		ok := true
		for k, v := range want {
			found := false
			for _, l := range m.GetLabel() {
				if l.GetName() == k && l.GetValue() == v {
					found = true
				}
			}
			ok = ok && found
		}
		if !ok {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	return 0
}

// The upload API: no token 401, another agency's name 403, no digest
// 400, a wrong digest 422 with nothing queued or left in staging, a
// retried identical upload the same job; the agency sees its own
// transfers only. /metrics parses and its counters move with the work;
// /healthz and /readyz answer; `magazin jobs` works through the admin API
// and directly without a daemon; SIGTERM ends with exit 0.
func TestUploadAPIAndMetrics(t *testing.T) {
	tmp := t.TempDir()
	data := filepath.Join(tmp, "d")
	sock := filepath.Join(tmp, "admin.sock")
	g := []string{"--data", data}
	mustRun(t, append(g, "bestand", "add", "--signatur", "30010", "--title", "Landratsamt Musterkreis")...)
	mustRun(t, append(g, "agency", "add", "psw:14999000", "--name", "Landratsamt Musterkreis", "--bestand", "30010", "--dir", filepath.Join(tmp, "lra"))...)
	mustRun(t, append(g, "agency", "add", "psw:14999001", "--name", "Gemeinde Nachbarort", "--bestand", "30010")...)
	tokA := strings.TrimSpace(mustRun(t, append(g, "agency", "token", "psw:14999000")...))
	tokB := strings.TrimSpace(mustRun(t, append(g, "agency", "token", "psw:14999001")...))
	if !strings.HasPrefix(tokA, tokenPrefix) || tokA == tokB {
		t.Fatalf("tokens %q %q", tokA, tokB)
	}
	if r := magazin(t, append(g, "agency", "token", "psw:00000000")...); r.code != 1 {
		t.Errorf("token for an unknown agency: exit %d", r.code)
	}
	name, _ := makeTransfer(t, tmp, 1, false)
	body, err := os.ReadFile(filepath.Join(tmp, name))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha512.Sum512(body)
	digest := map[string]string{"Content-Digest": "sha-512=:" + base64.StdEncoding.EncodeToString(sum[:]) + ":"}

	// What an upload cut off by a crash left in staging goes at the start.
	stale := filepath.Join(data, "uploads", "psw:14999000", "20260101T000000Z-1")
	os.MkdirAll(stale, 0o750)
	os.WriteFile(filepath.Join(stale, name+".part"), body[:100], 0o640)

	addr := freeAddr(t)
	base := "http://" + addr
	p := startDaemon(t, append(g, "--log-level", "info", "serve", "--addr", addr, "--admin-addr", "unix:"+sock, "--audit-every", "0")...)
	defer func() {
		if p.cmd.ProcessState == nil {
			p.kill(t)
		}
	}()
	waitAdmin(t, sock, p)
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("an interrupted upload outlived the start: %v", err)
	}
	if r := doHTTP(t, "GET", base+"/healthz", "", nil, nil); r.code != 200 {
		t.Errorf("/healthz: %d", r.code)
	}
	if r := doHTTP(t, "GET", base+"/readyz", "", nil, nil); r.code != 200 {
		t.Errorf("/readyz: %d %s", r.code, r.body)
	}
	before := scrape(t, base)
	if v := metricValue(before, "magazin_ingest_aips_total", map[string]string{"outcome": "archived"}); v != 0 {
		t.Errorf("archived before any work: %v", v)
	}

	url := base + "/api/v1/transfers/" + name
	if r := doHTTP(t, "PUT", url, "", digest, body); r.code != 401 || r.hdr.Get("WWW-Authenticate") == "" {
		t.Errorf("no token: %d", r.code)
	}
	if r := doHTTP(t, "PUT", url, "mzt_forged", digest, body); r.code != 401 {
		t.Errorf("forged token: %d", r.code)
	}
	if r := doHTTP(t, "PUT", url+"?agency=psw:14999000", tokB, digest, body); r.code != 403 {
		t.Errorf("token of B uploading for A: %d", r.code)
	}
	// B's token with A's message (its sender is A): refused, not queued.
	if r := doHTTP(t, "PUT", url, tokB, digest, body); r.code != 403 || !strings.Contains(r.body, "psw:14999000") {
		t.Errorf("token of B uploading A's message: %d %s", r.code, r.body)
	}
	if r := doHTTP(t, "PUT", url, tokA, nil, body); r.code != 400 {
		t.Errorf("no digest: %d", r.code)
	}
	if r := doHTTP(t, "PUT", base+"/api/v1/transfers/..hidden", tokA, digest, body); r.code != 400 {
		t.Errorf("hidden name: %d", r.code)
	}
	bad := sha512.Sum512(append(body, 'x'))
	if r := doHTTP(t, "PUT", url, tokA, map[string]string{"X-Checksum-SHA512": hex.EncodeToString(bad[:])}, body); r.code != 422 {
		t.Errorf("wrong digest: %d %s", r.code, r.body)
	}
	if js := adminJobs(sock); len(js) != 0 {
		t.Fatalf("refused uploads queued jobs: %+v", js)
	}
	if left, _ := filepath.Glob(filepath.Join(data, "uploads", "*", "*")); len(left) != 0 {
		t.Errorf("refused uploads left staging behind: %v", left)
	}

	first := doHTTP(t, "PUT", url, tokA, digest, body)
	if first.code != 201 {
		t.Fatalf("upload: %d %s", first.code, first.body)
	}
	var j1, j2 transfer
	json.Unmarshal([]byte(first.body), &j1)
	// The client retries (it never saw the answer): same job, no second.
	again := doHTTP(t, "PUT", url, tokA, map[string]string{"Digest": "SHA-512=" + base64.StdEncoding.EncodeToString(sum[:])}, body)
	json.Unmarshal([]byte(again.body), &j2)
	if again.code != 200 || j2.ID != j1.ID || j1.ID == "" {
		t.Errorf("retried upload: %d, job %q, first job %q", again.code, j2.ID, j1.ID)
	}
	deadline := time.Now().Add(2 * time.Minute)
	var done *jobs.Job
	for time.Now().Before(deadline) && done == nil {
		js := adminJobs(sock)
		if len(js) != 1 {
			t.Fatalf("%d jobs after an upload and its retry", len(js))
		}
		if js[0].Terminal() {
			done = &js[0]
		}
		time.Sleep(100 * time.Millisecond)
	}
	if done == nil || done.State != jobs.Done {
		t.Fatalf("upload job: %+v\n%s", done, p.out)
	}

	var listA, listB struct {
		Agency    string
		Transfers []transfer
		Processes []processView
	}
	if r := doHTTP(t, "GET", base+"/api/v1/transfers", tokA, nil, nil); r.code != 200 {
		t.Errorf("list A: %d", r.code)
	} else {
		json.Unmarshal([]byte(r.body), &listA)
	}
	if len(listA.Transfers) != 1 || listA.Transfers[0].State != jobs.Done || len(listA.Processes) != 1 || len(listA.Processes[0].Steps) == 0 {
		t.Errorf("A's transfers: %+v", listA)
	}
	if r := doHTTP(t, "GET", base+"/api/v1/transfers", tokB, nil, nil); r.code == 200 {
		json.Unmarshal([]byte(r.body), &listB)
	}
	if listB.Agency != "psw:14999001" || len(listB.Transfers) != 0 || len(listB.Processes) != 0 {
		t.Errorf("B sees %+v", listB)
	}
	if r := doHTTP(t, "GET", base+"/api/v1/transfers/"+j1.ID, tokB, nil, nil); r.code != 404 {
		t.Errorf("B reads A's transfer: %d", r.code)
	}
	if r := doHTTP(t, "GET", base+"/api/v1/transfers?agency=psw:14999000", tokB, nil, nil); r.code != 403 {
		t.Errorf("B lists A's transfers: %d", r.code)
	}

	after := scrape(t, base)
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"magazin_ingest_aips_total", map[string]string{"outcome": "archived"}, 2},
		{"magazin_uploads_total", map[string]string{"outcome": "queued"}, 1},
		{"magazin_uploads_total", map[string]string{"outcome": "duplicate"}, 1},
		{"magazin_uploads_total", map[string]string{"outcome": "digest_mismatch"}, 1},
		{"magazin_uploads_total", map[string]string{"outcome": "unauthorized"}, 5},
		{"magazin_jobs", map[string]string{"kind": "xdomea", "state": "done"}, 1},
		{"magazin_jobs", map[string]string{"kind": "xdomea", "state": "queued"}, 0},
		{"magazin_jobs_finished_total", map[string]string{"kind": "xdomea", "state": "done"}, 1},
		{"magazin_xdomea_replies_total", nil, 2},
	} {
		if got := metricValue(after, c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if metricValue(after, "magazin_ingest_bytes_total", nil) < float64(len(body)) {
		t.Error("magazin_ingest_bytes_total did not count the transfer")
	}
	if metricValue(after, "magazin_http_request_duration_seconds", map[string]string{"route": "PUT /api/v1/transfers/{name}", "code": "201"}) != 1 {
		t.Error("no latency observed for the upload route")
	}
	if metricValue(after, "magazin_job_duration_seconds", map[string]string{"kind": "xdomea", "state": "done"}) != 1 {
		t.Error("no job duration observed")
	}

	// The jobs verbs through the admin API while the daemon holds the catalog.
	a := []string{"--data", data}
	out := mustRun(t, append(a, "jobs", "list", "--json", "--admin-addr", "unix:"+sock)...)
	var listed []jobs.Job
	if err := json.Unmarshal([]byte(out), &listed); err != nil || len(listed) != 1 || listed[0].ID != j1.ID {
		t.Errorf("jobs list through the daemon: %v\n%s", err, out)
	}
	if !strings.Contains(mustRun(t, append(a, "jobs", "show", j1.ID, "--admin-addr", "unix:"+sock)...), `"state": "done"`) {
		t.Error("jobs show")
	}
	if r := magazin(t, append(a, "jobs", "retry", j1.ID, "--admin-addr", "unix:"+sock)...); r.code != 1 {
		t.Errorf("retry of a done job: exit %d %s", r.code, r.stderr)
	}
	if r := magazin(t, append(a, "jobs", "show", "nope", "--admin-addr", "unix:"+sock)...); r.code != 1 {
		t.Errorf("show of an unknown job: exit %d", r.code)
	}

	// Tokens are issued through the running daemon too.
	tokB2 := strings.TrimSpace(mustRun(t, append(a, "agency", "token", "psw:14999001", "--admin-addr", "unix:"+sock)...))
	if r := doHTTP(t, "GET", base+"/api/v1/transfers", tokB2, nil, nil); r.code != 200 {
		t.Errorf("a token issued through the daemon: %d", r.code)
	}
	if r := magazin(t, append(a, "agency", "token", "psw:00000000", "--admin-addr", "unix:"+sock)...); r.code != 1 {
		t.Errorf("token for an unknown agency through the daemon: exit %d %s", r.code, r.stderr)
	}
	if out := mustRun(t, append(a, "agency", "token", "--revoke", "psw:14999001", "--admin-addr", "unix:"+sock)...); !strings.Contains(out, "revoked 2 tokens") {
		t.Errorf("revoke: %s", out)
	}
	if r := doHTTP(t, "GET", base+"/api/v1/transfers", tokB, nil, nil); r.code != 401 {
		t.Errorf("a revoked token: %d", r.code)
	}

	if code := p.stop(t); code != 0 {
		t.Fatalf("SIGTERM: exit %d\n%s", code, p.out)
	}
	if _, err := os.Stat(sock); !os.IsNotExist(err) {
		t.Error("the admin socket outlived the daemon")
	}
	// Without a daemon the verbs use the catalog directly.
	out = mustRun(t, append(a, "jobs", "list", "--admin-addr", "unix:"+sock)...)
	if !strings.Contains(out, j1.ID) || !strings.Contains(out, "done") {
		t.Errorf("jobs list without a daemon:\n%s", out)
	}
	// Logs are JSON when stderr is not a terminal.
	for _, line := range strings.Split(strings.TrimSpace(p.out.String()), "\n") {
		if strings.HasPrefix(line, "magazin serving") {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil || m["msg"] == nil {
			t.Errorf("log line is not JSON: %q", line)
			break
		}
	}
}

// `magazin config check` prints the effective settings with secrets
// redacted and exits 1 with a clear message on errors; no file is needed.
func TestConfigCheck(t *testing.T) {
	tmp := t.TempDir()
	r := magazin(t, "--data", filepath.Join(tmp, "d"), "config", "check")
	if r.code != 0 || !strings.Contains(r.stdout, "configuration ok") || !strings.Contains(r.stdout, "audit-every") {
		t.Fatalf("defaults: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	good := filepath.Join(tmp, "good.toml")
	os.WriteFile(good, []byte(`data = "`+filepath.Join(tmp, "d")+`"
store = ["s3://archiv/magazin?endpoint=s3.example.org:9000&tls=true", "file:///srv/store"]
log-level = "info"
audit-every = "24h"
job-limit = ["ingest=2"]
`), 0o644)
	cmd := []string{"--config", good, "config", "check"}
	out := magazinEnv(t, []string{"AWS_ACCESS_KEY_ID=AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY=s3cr3t-value", "MAGAZIN_ADDR=127.0.0.1:9999"}, cmd...)
	for _, want := range []string{"24h0m0s", "ingest=2", "127.0.0.1:9999", "file:///srv/store", "(set, redacted)"} {
		if !strings.Contains(out, want) {
			t.Errorf("effective configuration lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "s3cr3t-value") || strings.Contains(out, "AKIAEXAMPLE") {
		t.Errorf("a secret is printed:\n%s", out)
	}
	bad := filepath.Join(tmp, "bad.toml")
	os.WriteFile(bad, []byte("audit-evry = \"1h\"\nlaw = \"bgb\"\njob-limit = [\"everything=3\"]\n"), 0o644)
	r = magazin(t, "--config", bad, "config", "check")
	if r.code != 1 {
		t.Errorf("bad file: exit %d, want 1", r.code)
	}
	for _, want := range []string{`unknown key "audit-evry"`, `--law "bgb"`, `--job-limit "everything=3"`} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("no %q in:\n%s", want, r.stderr)
		}
	}
	os.WriteFile(bad, []byte("data = [unclosed\n"), 0o644)
	if r := magazin(t, "--config", bad, "config", "check"); r.code != 1 || !strings.Contains(r.stderr, "bad.toml") {
		t.Errorf("broken TOML: exit %d\n%s", r.code, r.stderr)
	}
}

// /readyz answers 503 naming the store while an S3 replica is down, and
// 200 again when it is back; the failures count in the metrics.
func TestReadyzFollowsStores(t *testing.T) {
	if os.Getenv("MAGAZIN_TEST_S3") == "" {
		corpus.Missing(t, "MAGAZIN_TEST_S3 not set: no S3 server (make test starts one, and installs versitygw)")
	}
	tmp := t.TempDir()
	srv := startS3Server(t, filepath.Join(tmp, "s3"))
	sock := filepath.Join(tmp, "admin.sock")
	g := []string{"--data", filepath.Join(tmp, "d"), "--store", "file://" + filepath.Join(tmp, "fs"), "--store", srv.url}
	magazinEnv(t, srv.env, append(g, "store", "init")...)
	addr := freeAddr(t)
	base := "http://" + addr
	p := &daemonProc{out: &lockedBuffer{}, done: make(chan error, 1)}
	p.cmd = exec.Command(bin, append(g, "serve", "--addr", addr, "--admin-addr", "unix:"+sock, "--audit-every", "0", "--ready-timeout", "2s")...)
	p.cmd.Env = append(os.Environ(), srv.env...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	defer func() {
		if p.cmd.ProcessState == nil {
			p.kill(t)
		}
	}()
	waitAdmin(t, sock, p)
	if r := doHTTP(t, "GET", base+"/readyz", "", nil, nil); r.code != 200 {
		t.Fatalf("/readyz: %d %s", r.code, r.body)
	}
	srv.stop(t)
	r := doHTTP(t, "GET", base+"/readyz", "", nil, nil)
	if r.code != 503 || !strings.Contains(r.body, "s3://magazin-test/outage") {
		t.Errorf("/readyz with S3 down: %d %s", r.code, r.body)
	}
	if r := doHTTP(t, "GET", base+"/healthz", "", nil, nil); r.code != 200 {
		t.Errorf("/healthz with S3 down: %d (the process is alive)", r.code)
	}
	if n := metricValue(scrape(t, base), "magazin_store_errors_total", map[string]string{"op": "stat"}); n < 1 {
		t.Error("the failed readiness check counted no store error")
	}
	srv.start(t)
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := doHTTP(t, "GET", base+"/readyz", "", nil, nil)
		if r.code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz after S3 is back: %d %s", r.code, r.body)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if code := p.stop(t); code != 0 {
		t.Errorf("SIGTERM: exit %d\n%s", code, p.out)
	}
}

// SIGHUP reloads the log level and the audit schedule from the file;
// settings given as flags stay; an archivist's audit job runs through the
// admin API.
func TestReloadOnSIGHUPAndAuditJob(t *testing.T) {
	tmp := t.TempDir()
	data := filepath.Join(tmp, "d")
	sock := filepath.Join(tmp, "admin.sock")
	cfg := filepath.Join(tmp, "magazin.toml")
	write := func(s string) {
		if err := os.WriteFile(cfg, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("data = \"" + data + "\"\nlog-level = \"warn\"\naudit-every = \"0s\"\n")
	mustRun(t, "--config", cfg, "ingest", "--profile", "folder", sampleDir(t))
	p := startDaemon(t, "--config", cfg, "serve", "--addr", freeAddr(t), "--admin-addr", "unix:"+sock, "--shutdown-grace", "5s")
	defer func() {
		if p.cmd.ProcessState == nil {
			p.kill(t)
		}
	}()
	waitAdmin(t, sock, p)
	write("data = \"" + data + "\"\nlog-level = \"info\"\naudit-every = \"1h\"\naudit-rate = \"0\"\n")
	p.cmd.Process.Signal(syscall.SIGHUP)
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(p.out.String(), "audit schedule changed") {
		if time.Now().After(deadline) {
			t.Fatalf("no reload seen:\n%s", p.out)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(p.out.String(), "log level changed") {
		t.Errorf("the log level was not reloaded:\n%s", p.out)
	}
	var j jobs.Job
	a := newAdminClient("unix:" + sock)
	if err := a.do(context.Background(), "POST", "/admin/api/jobs", map[string]any{"kind": "audit"}, &j); err != nil || j.Kind != jobs.KindAudit {
		t.Fatalf("queue an audit: %v %+v", err, j)
	}
	if err := a.do(context.Background(), "POST", "/admin/api/jobs", map[string]any{"kind": "ingest"}, &j); err == nil {
		t.Error("the admin API queued an ingest without a submission")
	}
	for deadline := time.Now().Add(time.Minute); ; {
		var got jobs.Job
		if err := a.do(context.Background(), "GET", "/admin/api/jobs/"+j.ID, nil, &got); err != nil {
			t.Fatal(err)
		}
		if got.State == jobs.Done {
			var res struct{ OK, Complete bool }
			if err := json.Unmarshal(got.Result, &res); err != nil || !res.OK || !res.Complete {
				t.Errorf("audit result %s", got.Result)
			}
			break
		}
		if time.Now().After(deadline) || got.Terminal() {
			t.Fatalf("audit job: %+v", got)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if code := p.stop(t); code != 0 {
		t.Errorf("SIGTERM: exit %d\n%s", code, p.out)
	}
}

// A message in an agency's inbox that names another agency as its sender
// is not received (its job fails with the reason, the file is kept, no
// reply goes anywhere); another kind of submission in the inbox (a folder
// ZIP) becomes an ingest job into the agency's Bestand. Marker files make
// both complete at once.
func TestInboxSenderAndIngestJobs(t *testing.T) {
	tmp := t.TempDir()
	data := filepath.Join(tmp, "d")
	sock := filepath.Join(tmp, "admin.sock")
	g := []string{"--data", data}
	mustRun(t, append(g, "bestand", "add", "--signatur", "30010", "--title", "Landratsamt Musterkreis")...)
	mustRun(t, append(g, "bestand", "add", "--signatur", "30020", "--title", "Gemeinde Nachbarort")...)
	mustRun(t, append(g, "agency", "add", "psw:14999000", "--name", "Landratsamt Musterkreis", "--bestand", "30010", "--dir", filepath.Join(tmp, "lra"))...)
	mustRun(t, append(g, "agency", "add", "psw:14999001", "--name", "Gemeinde Nachbarort", "--bestand", "30020", "--dir", filepath.Join(tmp, "gem"))...)
	inboxB := filepath.Join(tmp, "gem", "inbox")
	name, _ := makeTransfer(t, inboxB, 1, false) // A's message in B's inbox
	os.WriteFile(filepath.Join(inboxB, name+".done"), nil, 0o644)
	zipDir(t, filepath.Join(sampleDir(t), "Akte 2026-001 Bauantrag Müller"), filepath.Join(inboxB, "akte.zip"), "")
	os.WriteFile(filepath.Join(inboxB, "akte.zip.ready"), nil, 0o644)

	p := startDaemon(t, append(g, "serve", "--addr", freeAddr(t), "--admin-addr", "unix:"+sock, "--audit-every", "0", "--settle", "1h")...)
	defer func() {
		if p.cmd.ProcessState == nil {
			p.kill(t)
		}
	}()
	waitAdmin(t, sock, p)
	var js []jobs.Job
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(100 * time.Millisecond) {
		js = adminJobs(sock)
		n := 0
		for _, j := range js {
			if j.Terminal() {
				n++
			}
		}
		if len(js) == 2 && n == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("jobs: %+v\n%s", js, p.out)
		}
	}
	if code := p.stop(t); code != 0 {
		t.Errorf("SIGTERM: exit %d", code)
	}
	for _, j := range js {
		switch j.Name {
		case name:
			if j.Kind != jobs.KindXdomea || j.State != jobs.Failed || j.Attempts != 1 || !strings.Contains(j.LastError, "another agency") {
				t.Errorf("A's message in B's inbox: %+v", j)
			}
		case "akte.zip":
			var res ingestResult
			json.Unmarshal(j.Result, &res)
			if j.Kind != jobs.KindIngest || j.State != jobs.Done || !res.OK || len(res.AIPs) != 1 {
				t.Errorf("folder ZIP: %+v %s", j, j.Result)
			}
		default:
			t.Errorf("unexpected job %+v", j)
		}
	}
	if kept, _ := filepath.Glob(filepath.Join(data, "received", "psw:14999001", "*", name)); len(kept) != 1 {
		t.Errorf("the refused message was not kept: %v", kept)
	}
	for _, out := range []string{filepath.Join(tmp, "lra", "outbox"), filepath.Join(tmp, "gem", "outbox")} {
		if es, _ := os.ReadDir(out); len(es) != 0 {
			t.Errorf("a reply went to %s: %v", out, es)
		}
	}
	if left, _ := os.ReadDir(inboxB); len(left) != 0 {
		t.Errorf("left in the inbox: %v", left)
	}
	if out := mustRun(t, append(g, "unit", "list", "--parent", "30020")...); !strings.Contains(out, "30020 Nr. 1") {
		t.Errorf("the folder ZIP did not join the agency's Bestand:\n%s", out)
	}
	if out := mustRun(t, append(g, "unit", "list", "--parent", "30010")...); strings.Contains(out, "30010 Nr.") {
		t.Errorf("A's Bestand got units from B's inbox:\n%s", out)
	}
}
