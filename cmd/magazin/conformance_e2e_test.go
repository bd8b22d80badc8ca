package main

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/magazin-archiv/magazin/internal/corpus"
)

// conformanceTestdata returns the absolute path of a package in testdata/.
func conformanceTestdata(t *testing.T, rel string) string {
	t.Helper()
	d, err := filepath.Abs(filepath.Join("..", "..", "testdata", filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(d); err != nil {
		t.Fatal(err)
	}
	return d
}

// payloadFile is a payload file of a submitted package as found on disk.
type payloadFile struct {
	name           string // path in the package, slash separated
	sha512, sha256 string
	size           int64
}

// payloadFiles hashes every file below dir/sub (a representation's data
// folder or a bag's data folder).
func payloadFiles(t *testing.T, dir string, under func(rel string) bool) []payloadFile {
	t.Helper()
	var out []payloadFile
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if !under(rel) {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		s512, s256 := sha512.Sum512(b), sha256.Sum256(b)
		out = append(out, payloadFile{name: rel, sha512: hex.EncodeToString(s512[:]), sha256: hex.EncodeToString(s256[:]),
			size: int64(len(b))})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatalf("no payload files in %s", dir)
	}
	return out
}

// conformanceAIP is the part of `aip show --json` the conformance test reads.
type conformanceAIP struct {
	ID              string `json:"id"`
	Profile         string `json:"profile"`
	Representations []struct {
		Name   string `json:"name"`
		Source string `json:"source"`
	} `json:"representations"`
	Files []struct {
		Path   string `json:"path"`
		Name   string `json:"name"`
		Size   int64  `json:"size"`
		SHA512 string `json:"sha512"`
	} `json:"files"`
	Events []struct {
		Type          string `json:"type"`
		Outcome       string `json:"outcome"`
		OutcomeDetail string `json:"outcomeDetail"`
	} `json:"events"`
}

// aipMETS is the part of an AIP's METS.xml the test reads.
type aipMETS struct {
	FileGrps []struct {
		Use   string `xml:"USE,attr"`
		Files []struct {
			Checksum     string `xml:"CHECKSUM,attr"`
			ChecksumType string `xml:"CHECKSUMTYPE,attr"`
			Size         int64  `xml:"SIZE,attr"`
			FLocat       struct {
				Href  string `xml:"http://www.w3.org/1999/xlink href,attr"`
				Title string `xml:"http://www.w3.org/1999/xlink title,attr"`
			} `xml:"FLocat"`
		} `xml:"file"`
	} `xml:"fileSec>fileGrp"`
}

// aipPREMIS is the part of an AIP's premis.xml the test reads.
type aipPREMIS struct {
	Objects []premisObject `xml:"object"`
}

type premisObject struct {
	Type   string `xml:"type,attr"`
	ID     string `xml:"objectIdentifier>objectIdentifierValue"`
	Fixity []struct {
		Algorithm  string `xml:"messageDigestAlgorithm"`
		Digest     string `xml:"messageDigest"`
		Originator string `xml:"messageDigestOriginator"`
	} `xml:"objectCharacteristics>fixity"`
	Size          int64  `xml:"objectCharacteristics>size"`
	OriginalName  string `xml:"originalName"`
	Relationships []struct {
		SubType string   `xml:"relationshipSubType"`
		Related []string `xml:"relatedObjectIdentifier>relatedObjectIdentifierValue"`
	} `xml:"relationship"`
}

// digest returns the object's fixity digest of the algorithm (e.g.
// "SHA-512") from the originator ("magazin" or "submission"), or "".
func (o premisObject) digest(alg, originator string) string {
	for _, f := range o.Fixity {
		if f.Algorithm == alg && f.Originator == originator {
			return f.Digest
		}
	}
	return ""
}

// related returns the objects o relates to with the relationship subtype.
func (o premisObject) related(sub string) []string {
	var out []string
	for _, r := range o.Relationships {
		if r.SubType == sub {
			out = append(out, r.Related...)
		}
	}
	return out
}

// ingestedAIP ingests pkg and returns the AIP shown by `aip show --json`
// and the content folder of its OCFL object in the file store.
func ingestedAIP(t *testing.T, args []string, storeDir, pkg, profile string) (conformanceAIP, string) {
	t.Helper()
	r := magazin(t, append(args, "ingest", "--json", "--profile", profile, pkg)...)
	if r.code != 0 {
		t.Fatalf("ingest %s: exit %d\n%s\n%s", pkg, r.code, r.stdout, r.stderr)
	}
	var reps []struct {
		OK     bool `json:"ok"`
		Result struct {
			AIPs []struct {
				ID string `json:"id"`
			} `json:"aips"`
		} `json:"result"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &reps); err != nil || len(reps) != 1 || !reps[0].OK || len(reps[0].Result.AIPs) != 1 {
		t.Fatalf("ingest report: %v\n%s", err, r.stdout)
	}
	var a conformanceAIP
	out := mustRun(t, append(args, "aip", "show", "--json", reps[0].Result.AIPs[0].ID)...)
	if err := json.Unmarshal([]byte(out), &a); err != nil {
		t.Fatalf("aip show --json: %v\n%s", err, out)
	}
	if a.Profile != profile {
		t.Errorf("AIP profile %q, want %q", a.Profile, profile)
	}
	inv, err := filepath.Glob(filepath.Join(storeDir, "ocfl", "*", "*", "*", "*", "v1", "content"))
	if err != nil || len(inv) == 0 {
		t.Fatalf("no OCFL object content in %s (%v)", storeDir, err)
	}
	for _, c := range inv {
		if b, err := os.ReadFile(filepath.Join(c, "METS.xml")); err == nil && strings.Contains(string(b), a.ID) {
			return a, c
		}
	}
	t.Fatalf("no OCFL object of %s in %s", a.ID, storeDir)
	return a, ""
}

// checkAIPReflects checks that the AIP's files, METS and PREMIS carry
// every payload file of the package under its submitted name with its
// size and SHA-512, and that the declared digests were checked.
func checkAIPReflects(t *testing.T, a conformanceAIP, content string, files []payloadFile, name func(payloadFile) string) {
	t.Helper()
	var m aipMETS
	var p aipPREMIS
	for file, v := range map[string]any{"METS.xml": &m, "metadata/preservation/premis.xml": &p} {
		b, err := os.ReadFile(filepath.Join(content, filepath.FromSlash(file)))
		if err != nil {
			t.Fatal(err)
		}
		if err := xml.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
	}
	if len(a.Files) != len(files) {
		t.Errorf("AIP has %d files, the package %d payload files", len(a.Files), len(files))
	}
	for _, f := range files {
		want := name(f)
		i := slices.IndexFunc(a.Files, func(x struct {
			Path   string `json:"path"`
			Name   string `json:"name"`
			Size   int64  `json:"size"`
			SHA512 string `json:"sha512"`
		}) bool {
			return x.Name == want
		})
		if i < 0 {
			t.Errorf("%s: not in the AIP (files %+v)", want, a.Files)
			continue
		}
		af := a.Files[i]
		if af.SHA512 != f.sha512 || af.Size != f.size {
			t.Errorf("%s: AIP has size %d sha512 %s, the package %d %s", want, af.Size, af.SHA512, f.size, f.sha512)
		}
		inMETS := false
		for _, g := range m.FileGrps {
			for _, mf := range g.Files {
				if href, err := url.PathUnescape(mf.FLocat.Href); err == nil && href == af.Path {
					inMETS = strings.HasPrefix(g.Use, "Representations/") && mf.ChecksumType == "SHA-512" &&
						mf.Checksum == f.sha512 && mf.Size == f.size && mf.FLocat.Title == want
				}
			}
		}
		if !inMETS {
			t.Errorf("%s: the AIP METS has no file %s in a representation file group with SHA-512 %s, SIZE %d and the "+
				"submitted name as title", want, af.Path, f.sha512, f.size)
		}
		inPREMIS := false
		for _, o := range p.Objects {
			if o.ID == af.Path {
				inPREMIS = o.digest("SHA-512", "magazin") == f.sha512 && o.Size == f.size && o.OriginalName == want
			}
		}
		if !inPREMIS {
			t.Errorf("%s: the AIP PREMIS has no object %s with SHA-512 %s, size %d and originalName %q", want, af.Path, f.sha512,
				f.size, want)
		}
	}
	fixity := slices.ContainsFunc(a.Events, func(e struct {
		Type          string `json:"type"`
		Outcome       string `json:"outcome"`
		OutcomeDetail string `json:"outcomeDetail"`
	}) bool {
		return e.Type == "fix" && e.Outcome == "success" && strings.Contains(e.OutcomeDetail, "digests matched")
	})
	if !fixity {
		t.Errorf("no successful fixity event for the declared digests: %+v", a.Events)
	}
}

// TestConformanceIngestEARK ingests a valid E-ARK SIP with two
// representations: each becomes an AIP representation of the same name
// (checkRepresentations), the AIP carries each file under its SIP path
// with the SHA-512 the AIP's METS and PREMIS record, the SHA-256 the SIP's
// representation METS declares was checked and is kept in PREMIS, and the
// SIP's METS documents are kept.
func TestConformanceIngestEARK(t *testing.T) {
	tmp := t.TempDir()
	storeDir := filepath.Join(tmp, "store")
	args := []string{"--data", filepath.Join(tmp, "data"), "--store", "file://" + storeDir}
	pkg := conformanceTestdata(t, "eark/valid/sip-2024-018-two-representations")
	repData := regexp.MustCompile(`^representations/[^/]+/data/`)
	files := payloadFiles(t, pkg, repData.MatchString)
	a, content := ingestedAIP(t, args, storeDir, pkg, "eark")
	checkAIPReflects(t, a, content, files, func(f payloadFile) string { return f.name })
	checkRepresentations(t, a, content, files)
	if out := mustRun(t, append(args, "aip", "show", a.ID)...); !strings.Contains(out,
		"Representations rep1 (2 files, from representations/rep1), rep2 (2 files, from representations/rep2)") {
		t.Errorf("aip show does not list the representations:\n%s", out)
	}

	// Each representation's METS is kept, and declares the SHA-256 of
	// its files as they are in the AIP.
	reps := map[string]bool{}
	for _, f := range files {
		reps[strings.Join(strings.SplitN(f.name, "/", 3)[:2], "/")] = true
	}
	for rep := range reps {
		b, err := os.ReadFile(filepath.Join(content, "metadata", "submission", filepath.FromSlash(rep), "METS.xml"))
		if err != nil {
			t.Errorf("%s: the SIP's representation METS is not kept in the AIP: %v", rep, err)
			continue
		}
		for _, f := range files {
			if strings.HasPrefix(f.name, rep+"/") && !strings.Contains(string(b), `CHECKSUM="`+f.sha256+`"`) {
				t.Errorf("%s: the kept representation METS does not declare SHA-256 %s for %s", rep, f.sha256, f.name)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(content, "metadata", "submission", "METS.xml")); err != nil {
		t.Errorf("the SIP's package METS is not kept: %v", err)
	}
}

// checkRepresentations checks that each representation of the SIP
// (representations/<rep>/data/...) is a representation of the AIP of the
// same name: its files at the same paths, one METS file group per
// representation, a PREMIS representation object that names the SIP's
// folder and includes exactly its files, and each file's SHA-256 as the
// SIP declared it kept as PREMIS fixity from the submission.
func checkRepresentations(t *testing.T, a conformanceAIP, content string, files []payloadFile) {
	t.Helper()
	var m aipMETS
	var p aipPREMIS
	for file, v := range map[string]any{"METS.xml": &m, "metadata/preservation/premis.xml": &p} {
		b, err := os.ReadFile(filepath.Join(content, filepath.FromSlash(file)))
		if err != nil {
			t.Fatal(err)
		}
		if err := xml.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
	}
	want := map[string][]string{} // representation -> files
	for _, f := range files {
		rep := strings.SplitN(f.name, "/", 3)[1]
		want[rep] = append(want[rep], f.name)
	}
	if len(want) < 2 {
		t.Fatalf("testdata: the package has %d representations, want at least 2", len(want))
	}
	var reps []string
	for _, r := range a.Representations {
		reps = append(reps, r.Name+"="+r.Source)
	}
	if !slices.Equal(reps, []string{"rep1=representations/rep1", "rep2=representations/rep2"}) {
		t.Errorf("aip show: representations %q", reps)
	}
	for _, af := range a.Files {
		if af.Path != af.Name {
			t.Errorf("%s is archived as %s, not in the AIP representation of the same name", af.Name, af.Path)
		}
	}
	groups := map[string][]string{}
	for _, g := range m.FileGrps {
		for _, f := range g.Files {
			href, _ := url.PathUnescape(f.FLocat.Href)
			groups[g.Use] = append(groups[g.Use], href)
		}
	}
	objs := map[string]premisObject{}
	for _, o := range p.Objects {
		objs[o.ID] = o
	}
	for rep, names := range want {
		slices.Sort(names)
		got := slices.Sorted(slices.Values(groups["Representations/"+rep]))
		if !slices.Equal(got, names) {
			t.Errorf("METS file group Representations/%s holds %q, want %q", rep, got, names)
		}
		o, ok := objs["representations/"+rep]
		if !ok || o.Type != "representation" || o.OriginalName != "representations/"+rep {
			t.Errorf("PREMIS has no representation object representations/%s naming the SIP folder: %+v", rep, o)
			continue
		}
		if got := slices.Sorted(slices.Values(o.related("includes"))); !slices.Equal(got, names) {
			t.Errorf("PREMIS representation %s includes %q, want %q", rep, got, names)
		}
	}
	if len(groups["Representations/original"]) != 0 {
		t.Errorf("files in the original representation: %q", groups["Representations/original"])
	}
	for _, f := range files {
		if got := objs[f.name].digest("SHA-256", "submission"); got != f.sha256 {
			t.Errorf("%s: PREMIS keeps the declared SHA-256 as %q, want %s", f.name, got, f.sha256)
		}
	}
}

// TestConformanceIngestBagIt ingests a valid bag: the AIP carries its
// payload under the names below data/ with the SHA-512 the bag's manifest
// declares, recorded in the AIP's METS and PREMIS.
func TestConformanceIngestBagIt(t *testing.T) {
	tmp := t.TempDir()
	storeDir := filepath.Join(tmp, "store")
	args := []string{"--data", filepath.Join(tmp, "data"), "--store", "file://" + storeDir}
	pkg := conformanceTestdata(t, "bagit/valid/basic-1.0-sha512")
	files := payloadFiles(t, pkg, func(rel string) bool { return strings.HasPrefix(rel, "data/") })
	manifest, err := os.ReadFile(filepath.Join(pkg, "manifest-sha512.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !strings.Contains(string(manifest), f.sha512+"  "+f.name) {
			t.Fatalf("testdata: manifest-sha512.txt does not list %s with %s", f.name, f.sha512)
		}
	}
	a, content := ingestedAIP(t, args, storeDir, pkg, "bagit")
	checkAIPReflects(t, a, content, files, func(f payloadFile) string { return strings.TrimPrefix(f.name, "data/") })
}

// codeOfFixture returns the problem code a testdata/*/bad fixture is named
// after: its leading upper-case words ("EARK_MISSING" of
// "EARK_MISSING_data_file_absent", "CSIP9" of "CSIP9_no_oaispackagetype").
func codeOfFixture(name string) string {
	var words []string
	for _, w := range strings.Split(name, "_") {
		if w == "" || strings.ToUpper(w) != w {
			break
		}
		words = append(words, w)
	}
	return strings.Join(words, "_")
}

// TestConformanceRejects ingests every invalid E-ARK SIP and bag of
// testdata: each is rejected (exit 1) with an error of the code it is
// named after, kept in quarantine with a report, and nothing is stored.
// validate gives the same verdict, and the valid packages validate with
// exit 0, warnings listed with severity "warning".
func TestConformanceRejects(t *testing.T) {
	for _, profile := range []string{"eark", "bagit"} {
		bad, err := filepath.Glob(filepath.Join(conformanceTestdata(t, profile+"/bad"), "*"))
		if err != nil || len(bad) == 0 {
			t.Fatalf("no bad %s fixtures (%v)", profile, err)
		}
		for _, pkg := range bad {
			name := filepath.Base(pkg)
			code := codeOfFixture(name)
			t.Run(profile+"/"+name, func(t *testing.T) {
				tmp := t.TempDir()
				data, storeDir := filepath.Join(tmp, "data"), filepath.Join(tmp, "store")
				args := []string{"--data", data, "--store", "file://" + storeDir}
				r := magazin(t, append(args, "ingest", "--json", "--profile", profile, pkg)...)
				if r.code != 1 {
					t.Fatalf("ingest: exit %d, want 1\n%s\n%s", r.code, r.stdout, r.stderr)
				}
				var reps []ingestReport
				if err := json.Unmarshal([]byte(r.stdout), &reps); err != nil || len(reps) != 1 || reps[0].OK {
					t.Fatalf("report: %v\n%s", err, r.stdout)
				}
				if !slices.ContainsFunc(reps[0].Problems, func(p struct {
					Code     string `json:"code"`
					Severity string `json:"severity"`
				}) bool {
					return p.Code == code && p.Severity == "error"
				}) {
					t.Errorf("no error %s: %+v", code, reps[0].Problems)
				}
				q := reps[0].Quarantine
				if !strings.HasPrefix(q, data) {
					t.Fatalf("quarantine %q not in the data dir", q)
				}
				if _, err := os.Stat(filepath.Join(q, "report.json")); err != nil {
					t.Errorf("no quarantine report: %v", err)
				}
				kept := 0
				filepath.WalkDir(filepath.Join(q, "submission"), func(p string, d fs.DirEntry, err error) error {
					if err == nil && !d.IsDir() {
						kept++
					}
					return nil
				})
				if kept == 0 {
					t.Errorf("submission not kept in quarantine %s", q)
				}
				if objs, _ := filepath.Glob(filepath.Join(storeDir, "ocfl", "*", "*", "*", "*")); len(objs) != 0 {
					t.Errorf("objects stored for a rejected submission: %v", objs)
				}
				if list := listAIPs(t, args...); len(list) != 0 {
					t.Errorf("rejected submission listed: %+v", list)
				}
				v := magazin(t, "--data", data, "validate", "--json", "--profile", profile, pkg)
				if v.code != 1 || !strings.Contains(v.stdout, `"code": "`+code+`"`) {
					t.Errorf("validate: exit %d, want 1 with %s\n%s", v.code, code, v.stdout)
				}
			})
		}
		good, err := filepath.Glob(filepath.Join(conformanceTestdata(t, profile+"/valid"), "*"))
		if err != nil || len(good) == 0 {
			t.Fatalf("no valid %s fixtures (%v)", profile, err)
		}
		for _, pkg := range good {
			t.Run(profile+"/valid/"+filepath.Base(pkg), func(t *testing.T) {
				r := magazin(t, "--data", t.TempDir(), "validate", "--json", "--profile", profile, pkg)
				var v struct {
					Valid    bool `json:"valid"`
					Problems []struct {
						Severity string `json:"severity"`
					} `json:"problems"`
				}
				if err := json.Unmarshal([]byte(r.stdout), &v); err != nil || r.code != 0 || !v.Valid {
					t.Fatalf("validate: exit %d (%v)\n%s%s", r.code, err, r.stdout, r.stderr)
				}
				for _, p := range v.Problems {
					if p.Severity != "warning" {
						t.Errorf("valid package with a problem of severity %q: %s", p.Severity, r.stdout)
					}
				}
			})
		}
	}
}

// restoreDroppedEmpty copies bag to a temporary folder and writes back the
// hidden payload files (".DS_Store") that every manifest lists with the
// digest of empty content but that the corpus copy lacks; it returns bag
// unchanged when none is missing. profiles/bagit's restoreEmpty does the
// same for the profile's test; docs/conformance.md explains it.
func restoreDroppedEmpty(t *testing.T, bag string) string {
	t.Helper()
	manifests, _ := filepath.Glob(filepath.Join(bag, "manifest-*.txt"))
	empty := map[string]string{
		"md5": hex.EncodeToString(md5Empty[:]), "sha1": hex.EncodeToString(sha1Empty[:]),
		"sha256": hex.EncodeToString(sha256Empty[:]), "sha512": hex.EncodeToString(sha512Empty[:]),
	}
	listed, emptyAt := map[string]int{}, map[string]int{}
	for _, m := range manifests {
		alg := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(m), "manifest-"), ".txt")
		b, err := os.ReadFile(m)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			sum, name, ok := strings.Cut(strings.TrimRight(line, "\r"), " ")
			if !ok {
				continue
			}
			name = strings.TrimLeft(name, " *")
			listed[name]++
			if empty[alg] != "" && strings.EqualFold(sum, empty[alg]) {
				emptyAt[name]++
			}
		}
	}
	var restore []string
	for name, n := range emptyAt {
		if n == listed[name] && strings.HasPrefix(name, "data/") && strings.HasPrefix(filepath.Base(name), ".") {
			if _, err := os.Lstat(filepath.Join(bag, filepath.FromSlash(name))); os.IsNotExist(err) {
				restore = append(restore, name)
			}
		}
	}
	if len(restore) == 0 {
		return bag
	}
	dest := filepath.Join(t.TempDir(), filepath.Base(bag))
	if err := os.CopyFS(dest, os.DirFS(bag)); err != nil {
		t.Fatal(err)
	}
	for _, name := range restore {
		if err := os.WriteFile(filepath.Join(dest, filepath.FromSlash(name)), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dest
}

var (
	md5Empty    = md5.Sum(nil)
	sha1Empty   = sha1.Sum(nil)
	sha256Empty = sha256.Sum256(nil)
	sha512Empty = sha512.Sum512(nil)
)

// TestConformanceBagItSuiteCLI runs `magazin validate --profile bagit
// --json` over every bag of the LoC BagIt conformance suite (its
// EXPECTED.tsv): valid bags exit 0, warning bags exit 0 with a problem of
// severity "warning", invalid and *-only bags exit 1. Unlike the profile's
// test, the payload digests are verified by the ingest pipeline here.
func TestConformanceBagItSuiteCLI(t *testing.T) {
	base := corpus.Dir(t, "bagit-conformance-suite")
	b, err := os.ReadFile(filepath.Join(base, "EXPECTED.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	right, total := 0, 0
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Split(line, "\t")
		if i == 0 || len(f) != 4 {
			continue
		}
		total++
		id := f[0] + "/" + f[1] + "/" + f[2]
		r := magazin(t, "--data", data, "validate", "--json", "--profile", "bagit",
			restoreDroppedEmpty(t, filepath.Join(base, filepath.FromSlash(id))))
		var v struct {
			Valid    bool `json:"valid"`
			Problems []struct {
				Severity string `json:"severity"`
			} `json:"problems"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
			t.Errorf("%s: validate --json: %v\n%s%s", id, err, r.stdout, r.stderr)
			continue
		}
		warned := slices.ContainsFunc(v.Problems, func(p struct {
			Severity string `json:"severity"`
		}) bool {
			return p.Severity == "warning"
		})
		var ok bool
		switch f[1] {
		case "valid":
			ok = r.code == 0 && v.Valid
		case "warning":
			ok = r.code == 0 && v.Valid && warned
		default: // invalid, linux-only, windows-only
			ok = r.code == 1 && !v.Valid
		}
		if ok {
			right++
		} else {
			t.Errorf("%s (%s): exit %d\n%s", id, f[3], r.code, r.stdout)
		}
	}
	t.Logf("BagIt conformance suite through magazin validate: %d of %d verdicts right", right, total)
	if total != 60 {
		t.Errorf("EXPECTED.tsv lists %d bags, want 60", total)
	}
}
