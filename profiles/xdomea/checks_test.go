package xdomea

import (
	"slices"
	"strings"
	"testing"
)

// appraisalMessage is a 0503 with an Akte (marking a) holding a Vorgang
// (marking v) with a Dokument, and a top-level Vorgang (marking w).
func appraisalMessage(t *testing.T, a, v, w string) *Message {
	t.Helper()
	mark := func(c string) string {
		if c == "" {
			return ""
		}
		return `<xdomea:ArchivspezifischeMetadaten><xdomea:Aussonderungsart><xdomea:Aussonderungsart><code>` + c +
			`</code></xdomea:Aussonderungsart></xdomea:Aussonderungsart></xdomea:ArchivspezifischeMetadaten>`
	}
	m, err := Parse(minimal(V300, `<xdomea:Schriftgutobjekt><xdomea:Akte>
	  <xdomea:Identifikation><xdomea:ID>00000000-0000-4000-8000-00000000000a</xdomea:ID></xdomea:Identifikation>`+mark(a)+`
	  <xdomea:Akteninhalt><xdomea:Vorgang>
	    <xdomea:Identifikation><xdomea:ID>00000000-0000-4000-8000-00000000000b</xdomea:ID></xdomea:Identifikation>`+mark(v)+`
	    <xdomea:Dokument><xdomea:Identifikation><xdomea:ID>00000000-0000-4000-8000-00000000000c</xdomea:ID></xdomea:Identifikation></xdomea:Dokument>
	  </xdomea:Vorgang></xdomea:Akteninhalt>
	</xdomea:Akte></xdomea:Schriftgutobjekt>
	<xdomea:Schriftgutobjekt><xdomea:Vorgang>
	  <xdomea:Identifikation><xdomea:ID>00000000-0000-4000-8000-00000000000d</xdomea:ID></xdomea:Identifikation>`+mark(w)+`
	</xdomea:Vorgang></xdomea:Schriftgutobjekt>`), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Problems) > 0 {
		t.Fatal(m.Problems)
	}
	return m
}

const (
	idA = "00000000-0000-4000-8000-00000000000a"
	idB = "00000000-0000-4000-8000-00000000000b"
	idD = "00000000-0000-4000-8000-00000000000d"
)

func TestCheckAppraisal(t *testing.T) {
	type want struct{ code, path string }
	for _, tc := range []struct {
		name      string
		a, v, w   string
		decisions map[string]string
		twoStage  bool
		want      []want
	}{
		{"all marked A, inherited", "A", "", "A", nil, false, nil},
		{"appraised A in the 0502", "B", "", "", map[string]string{idA: "A", idD: "a"}, false, nil},
		{"unappraised", "B", "", "", map[string]string{idA: "A"}, false, []want{{CodeAppraisalMissing, idD}}},
		{"marked V below an A", "A", "V", "A", nil, false, []want{{CodeAppraisalV, idB}}},
		{"appraised V", "A", "", "A", map[string]string{idB: "V"}, false, []want{{CodeAppraisalV, idB}}},
		{"marked V, appraised A: conflict", "V", "", "A", map[string]string{idA: "A"}, false, []want{{CodeAppraisalV, idA}}},
		{"not delivered", "A", "", "A", map[string]string{strings.ToUpper(idA): "A", "00000000-0000-4000-8000-0000000000ff": "A", "00000000-0000-4000-8000-0000000000fe": "V"},
			false, []want{{CodeNotDelivered, "00000000-0000-4000-8000-0000000000ff"}}},
		{"two-stage: unmarked accepted", "", "", "", nil, true, nil},
		{"two-stage: V refused", "", "", "V", nil, true, []want{{CodeAppraisalV, idD}}},
		{"two-stage: B warned", "B", "", "", nil, true, []want{{CodeAppraisalB, idA}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ps := CheckAppraisal(appraisalMessage(t, tc.a, tc.v, tc.w), tc.decisions, tc.twoStage)
			var got []want
			for _, p := range ps {
				got = append(got, want{p.Code, p.Path})
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", ps, tc.want)
			}
		})
	}
}

func TestCheckSender(t *testing.T) {
	m, err := Parse(readFile(t, testdataDir+"/3.0.0/"+pid30+"_Aussonderung.Aussonderung.0503/"+msg30), msg30)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		expected string
		code     string
	}{
		{"psw:14999000", ""},
		{"PSW:14999000", ""},
		{"14999000", ""},
		{"", ""},
		{"psw:14999001", CodeSender},
		{"14999001", CodeSender},
	} {
		ps := CheckSender(m, tc.expected)
		if (tc.code == "" && len(ps) > 0) || (tc.code != "" && (len(ps) != 1 || ps[0].Code != tc.code)) {
			t.Errorf("CheckSender(%q) = %v", tc.expected, ps)
		}
	}
	m.Kopf.Absender.Kennung = Code{}
	m.Kopf.Absender.Praefix = Code{}
	if ps := CheckSender(m, "psw:14999000"); len(ps) != 1 || ps[0].Code != CodeSenderUnknown || ps[0].Severity != "warning" {
		t.Errorf("without Behördenkennung: %v", ps)
	}
	// A message without Praefix matches an expected key with one.
	m.Kopf.Absender.Kennung = Code{Code: "14999000"}
	if ps := CheckSender(m, "psw:14999000"); len(ps) > 0 {
		t.Errorf("Kennung alone: %v", ps)
	}
}

func TestImportResultsAttribution(t *testing.T) {
	m := appraisalMessage(t, "A", "", "A")
	ps := CheckAppraisal(appraisalMessage(t, "A", "V", "A"), nil, false)
	ps = append(ps, warnf(CodeFileName, "x.xml", "a warning is not a failure"))
	res := ImportResults(m, ps, map[string]string{strings.ToUpper(idA): "Nr. 1", idD: "Nr. 2"})
	if len(res) != 2 || res[0].Erfolgreich || res[0].Archivkennung != "" || !res[1].Erfolgreich || res[1].Archivkennung != "Nr. 2" {
		t.Fatalf("results %+v", res)
	}
	var many = ps[:0:0]
	for range 30 {
		many = append(many, errorf(CodeSchema, "m.xml", "schema error"))
	}
	res = ImportResults(m, many, nil)
	for _, r := range res {
		if r.Erfolgreich || len(r.Fehlermeldungen) != maxMessagesPerResult+1 || len(r.FehlermeldungCodes) != 1 {
			t.Errorf("unattributed problems: %d messages, %d codes", len(r.Fehlermeldungen), len(r.FehlermeldungCodes))
		}
	}
}
