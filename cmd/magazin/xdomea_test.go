package main

import (
	"archive/zip"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/magazin-archiv/magazin/internal/corpus"
	"github.com/magazin-archiv/magazin/profiles/xdomea"
)

// validateReply checks a message magazin wrote against the KoSIT schema of
// its version.
func validateReply(t *testing.T, schemas, path string) {
	t.Helper()
	if _, err := exec.LookPath("xmllint"); err != nil {
		corpus.Missing(t, "xmllint not installed")
	}
	name := filepath.Base(path)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := xdomea.Parse(data, name)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	xsd := xdomea.SchemaFile(schemas, m.Version)
	out, err := exec.Command("xmllint", "--nonet", "--noout", "--schema", xsd, path).CombinedOutput()
	if err != nil {
		t.Errorf("%s does not validate against %s: %v\n%s", name, xsd, err, out)
	}
	if !strings.Contains(string(data), "<xdomea:") {
		t.Errorf("%s: the literal xdomea prefix is missing", name)
	}
}

func replies(t *testing.T, dir string) map[string]string {
	t.Helper()
	es, _ := os.ReadDir(dir)
	out := map[string]string{}
	for _, e := range es {
		fn, ok := xdomea.ParseFileName(e.Name())
		if ok {
			out[fn.Type] = filepath.Join(dir, e.Name())
		}
	}
	return out
}

// The x-man 0503 (records ending 2018-07-24) ingests into AIPs that pass
// verification, is answered with a 0507 and a 0506 valid against 3.0.0,
// and its units are found closed until 2048-07-25.
func TestXManTransfer(t *testing.T) {
	xman := corpus.Dir(t, "xdomea/x-man")
	schemas := filepath.Join(xman, "xsd")
	tmp := t.TempDir()
	g := []string{"--data", filepath.Join(tmp, "d"), "--xdomea-schemas", schemas}
	out := filepath.Join(tmp, "outbox")
	zipPath := filepath.Join(xman, "test-data", "9a75050f-323a-4e84-94c9-a889aa2b4fe8_Aussonderung.Aussonderung.0503.zip")
	r := magazin(t, append(g, "ingest", "--json", "--reply-dir", out, zipPath)...)
	if r.code != 0 {
		t.Fatalf("ingest: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	mustRun(t, append(g, "aip", "verify", "--all")...)
	rs := replies(t, out)
	for _, typ := range []string{"0506", "0507"} {
		if rs[typ] == "" {
			t.Fatalf("no %s in %s", typ, out)
		}
		validateReply(t, schemas, rs[typ])
	}
	res := mustRun(t, append(g, "search", "--json", "--level", "akte")...)
	var sr struct {
		Total int `json:"total"`
		Hits  []struct {
			Open    bool    `json:"open"`
			Release *string `json:"release"`
		} `json:"hits"`
	}
	if err := json.Unmarshal([]byte(res), &sr); err != nil {
		t.Fatal(err)
	}
	if sr.Total == 0 {
		t.Fatal("search finds no Akte of the x-man transfer")
	}
	for _, h := range sr.Hits {
		if h.Open || h.Release == nil || *h.Release != "2048-07-25" {
			t.Errorf("x-man Akte: open=%v release=%v, want closed until 2048-07-25", h.Open, h.Release)
		}
	}
	// The granularity is the archive's setting: changing it means rebuilding.
	mustRun(t, append(g, "--granularity", "year", "rebuild")...)
	yr := mustRun(t, append(g, "--granularity", "year", "search", "--json", "--level", "akte")...)
	if !strings.Contains(yr, "2049-01-01") {
		t.Errorf("with year granularity the release should be 2049-01-01:\n%s", yr)
	}
}

func zipDir(t *testing.T, dir, dst string, skip string) {
	t.Helper()
	f, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	es, _ := os.ReadDir(dir)
	for _, e := range es {
		if e.Name() == skip {
			continue
		}
		w, _ := zw.Create(e.Name())
		src, _ := os.Open(filepath.Join(dir, e.Name()))
		io.Copy(w, src)
		src.Close()
	}
	zw.Close()
	f.Close()
}

// The four-stage procedure through the CLI: offer (0501 → 0504), appraisal
// (0502), transfer (0503 → 0507, 0506), each reply valid; then a damaged
// transfer is rejected with a coded reason, a 0506 naming the failure and
// the submission kept in quarantine.
func TestFourStageProcess(t *testing.T) {
	schemas := filepath.Join(corpus.Dir(t, "xdomea/x-man"), "xsd")
	const pid = "9f313771-97ce-4536-b3de-2721748af32c"
	src, _ := filepath.Abs("../../testdata/xdomea/3.0.0")
	tmp := t.TempDir()
	agencyDir := filepath.Join(tmp, "lra")
	g := []string{"--data", filepath.Join(tmp, "d"), "--xdomea-schemas", schemas}
	mustRun(t, append(g, "bestand", "add", "--signatur", "30010", "--title", "Landratsamt Musterkreis")...)
	r := magazin(t, append(g, "agency", "add", "psw:14999000", "--name", "Landratsamt Musterkreis", "--bestand", "30010")...)
	if r.code != 0 {
		t.Fatalf("agency add: %s", r.stderr)
	}
	// The agency's transfer directory is set with the agency.
	mustRun(t, append(g, "agency", "add", "psw:14999000", "--name", "Landratsamt Musterkreis", "--bestand", "30010", "--dir", agencyDir)...)
	mustRun(t, append(g, "xdomea", "receive", filepath.Join(src, pid+"_Aussonderung.Anbieteverzeichnis.0501.xml"))...)
	outbox := filepath.Join(agencyDir, "outbox")
	if rs := replies(t, outbox); rs["0504"] == "" {
		t.Fatalf("no 0504 in %s", outbox)
	} else {
		validateReply(t, schemas, rs["0504"])
	}
	offers := mustRun(t, append(g, "xdomea", "offers")...)
	if !strings.Contains(offers, pid) || !strings.Contains(offers, "offer") {
		t.Errorf("offers:\n%s", offers)
	}
	show := mustRun(t, append(g, "xdomea", "show", "--json", pid)...)
	var objs []struct{ ID, Kind string }
	json.Unmarshal([]byte(show), &objs)
	if len(objs) < 3 {
		t.Fatalf("offer objects: %s", show)
	}
	// Appraise: keep all but the last top-level object.
	var top []string
	offer, _ := os.ReadFile(filepath.Join(src, pid+"_Aussonderung.Anbieteverzeichnis.0501.xml"))
	m, err := xdomea.Parse(offer, pid+"_Aussonderung.Anbieteverzeichnis.0501.xml")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range m.TopLevel() {
		top = append(top, o.ID)
	}
	args := append(g, "appraise", pid, "--user", "a.meier", "--note", top[0]+"=Bauakte von bleibendem Wert")
	for _, id := range top[:len(top)-1] {
		args = append(args, "--archive", id)
	}
	args = append(args, "--destroy", top[len(top)-1])
	mustRun(t, args...)
	rs := replies(t, outbox)
	if rs["0502"] == "" {
		t.Fatal("no 0502")
	}
	validateReply(t, schemas, rs["0502"])
	var ps []struct {
		Events []struct {
			Step, By string
		}
	}
	if err := json.Unmarshal([]byte(mustRun(t, append(g, "xdomea", "offers", "--json")...)), &ps); err != nil || len(ps) != 1 {
		t.Fatalf("offers: %v %+v", err, ps)
	}
	if ev := ps[0].Events[len(ps[0].Events)-1]; ev.Step != "appraisal" || ev.By != "a.meier" {
		t.Errorf("the 0502's journal entry: %+v, want step appraisal by a.meier", ev)
	}

	// A damaged transfer first: one primary file missing.
	dir := filepath.Join(src, pid+"_Aussonderung.Aussonderung.0503")
	bad := filepath.Join(tmp, "bad", pid+"_Aussonderung.Aussonderung.0503.zip")
	os.MkdirAll(filepath.Dir(bad), 0o755)
	zipDir(t, dir, bad, "79c5c45e-f6d2-4e4d-964f-e5067b38df32_Bauantrag.pdf")
	r = magazin(t, append(g, "ingest", "--json", bad)...)
	if r.code != 1 || !strings.Contains(r.stdout, "XDOMEA_FILE_MISSING") || !strings.Contains(r.stdout, "quarantine") {
		t.Fatalf("damaged transfer: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	rs = replies(t, outbox)
	if rs["0506"] == "" {
		t.Fatal("no 0506 for the rejected transfer")
	}
	validateReply(t, schemas, rs["0506"])
	b, _ := os.ReadFile(rs["0506"])
	if !strings.Contains(string(b), "<xdomea:Erfolgreich>0<") && !strings.Contains(string(b), "<xdomea:Erfolgreich>false<") {
		t.Errorf("0506 of a rejected transfer reports no failure:\n%s", b)
	}
	os.Remove(rs["0506"])

	good := filepath.Join(tmp, "good", pid+"_Aussonderung.Aussonderung.0503.zip")
	os.MkdirAll(filepath.Dir(good), 0o755)
	zipDir(t, dir, good, "")
	mustRun(t, append(g, "ingest", good)...)
	rs = replies(t, outbox)
	for _, typ := range []string{"0506", "0507"} {
		if rs[typ] == "" {
			t.Fatalf("no %s after the transfer", typ)
		}
		validateReply(t, schemas, rs[typ])
	}
	b, _ = os.ReadFile(rs["0506"])
	if !strings.Contains(string(b), "30010 Nr. 1") {
		t.Errorf("0506 lacks the Archivkennung 30010 Nr. 1:\n%s", b)
	}
	mustRun(t, append(g, "aip", "verify", "--all")...)
	if out := mustRun(t, append(g, "xdomea", "offers")...); !strings.Contains(out, "transfer") {
		t.Errorf("process state after the transfer:\n%s", out)
	}
}

// An xdomea 4.0 transfer whose file does not match its declared SHA-256 is
// rejected in the one read of the file and kept in quarantine; the intact
// transfer is ingested.
func TestXdomea40HashMismatch(t *testing.T) {
	src := corpus.Dir(t, "xdomea/lavnrw-xdomea-examples/v4.0.0")
	tmp := t.TempDir()
	build := func(name string, damage bool) string {
		p := filepath.Join(tmp, name, "518c7c31-d1a0-11ef-accb-005056871b7c_0503_1.zip")
		os.MkdirAll(filepath.Dir(p), 0o755)
		f, _ := os.Create(p)
		zw := zip.NewWriter(f)
		for _, n := range []string{"518c7c31-d1a0-11ef-accb-005056871b7c_0503_1.xml", "8bcadd35-d27b-11ef-ab6c-005056871b7c.txt"} {
			b, err := os.ReadFile(filepath.Join(src, n))
			if err != nil {
				t.Fatal(err)
			}
			if damage && strings.HasSuffix(n, ".txt") {
				b = append(b, '!')
			}
			w, _ := zw.Create(n)
			w.Write(b)
		}
		zw.Close()
		f.Close()
		return p
	}
	g := []string{"--data", filepath.Join(tmp, "d")}
	r := magazin(t, append(g, "ingest", "--json", "--reply-dir", filepath.Join(tmp, "out"), build("bad", true))...)
	if r.code != 1 || !strings.Contains(r.stdout, "FIXITY_MISMATCH") || !strings.Contains(r.stdout, "quarantine") {
		t.Fatalf("damaged 4.0 transfer: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	mustRun(t, append(g, "ingest", "--reply-dir", filepath.Join(tmp, "out"), build("good", false))...)
	mustRun(t, append(g, "aip", "verify", "--all")...)
}
