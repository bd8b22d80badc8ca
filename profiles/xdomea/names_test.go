package xdomea

import (
	"slices"
	"testing"
)

func TestParseFileName(t *testing.T) {
	const pid = "9a75050f-323a-4e84-94c9-a889aa2b4fe8"
	for _, tc := range []struct {
		name string
		ok   bool
		want FileName
	}{
		{pid + "_Aussonderung.Aussonderung.0503.zip", true, FileName{pid, "0503", 0, SchemeLong, "zip"}},
		{pid + "_Aussonderung.Aussonderung.0503.xml", true, FileName{pid, "0503", 0, SchemeLong, "xml"}},
		{pid + "_Aussonderung.Anbieteverzeichnis.0501.xdomea", true, FileName{pid, "0501", 0, SchemeLong, "xdomea"}},
		{"9A75050F-323A-4E84-94C9-A889AA2B4FE8_Aussonderung.BewertungEmpfangBestaetigen.0505.ZIP", true, FileName{pid, "0505", 0, SchemeLong, "zip"}},
		{pid + "_0503_1.zip", true, FileName{pid, "0503", 1, SchemeShort, "zip"}},
		{pid + "_0503_12.xml", true, FileName{pid, "0503", 12, SchemeShort, "xml"}},
		{pid + "_0501.zip", true, FileName{pid, "0501", 0, SchemeShort, "zip"}},
		{pid + "_0507.xdomea", true, FileName{pid, "0507", 0, SchemeShort, "xdomea"}},
		{pid + "_Aussonderung.Anbieteverzeichnis.0503.zip", false, FileName{}}, // name of 0501, code 0503
		{pid + "_Aussonderung.Aussonderung.0503_1.zip", false, FileName{}},     // mixed schemes
		{pid + "_0503_0.zip", false, FileName{}},
		{pid + "_0511.zip", false, FileName{}},
		{pid + "_0503.pdf", false, FileName{}},
		{"xx_Aussonderung.Aussonderung.0503.xml", false, FileName{}},
		{pid + "_test.pdf", false, FileName{}},
		{"", false, FileName{}},
	} {
		got, ok := ParseFileName(tc.name)
		if ok != tc.ok || got != tc.want {
			t.Errorf("ParseFileName(%q) = %+v, %v", tc.name, got, ok)
		}
	}
}

func TestMessageFileName(t *testing.T) {
	const pid = "9a75050f-323a-4e84-94c9-a889aa2b4fe8"
	for _, tc := range []struct {
		typ, version string
		seq          int
		ext, want    string
	}{
		{"0506", V300, 0, "xml", pid + "_Aussonderung.AussonderungImportBestaetigen.0506.xml"},
		{"0502", V230, 0, "zip", pid + "_Aussonderung.Bewertungsverzeichnis.0502.zip"},
		{"0507", V400, 0, "zip", pid + "_0507_1.zip"},
		{"0503", V400, 3, "xml", pid + "_0503_3.xml"},
	} {
		got, err := MessageFileName(pid, tc.typ, tc.version, tc.seq, tc.ext)
		if err != nil || got != tc.want {
			t.Errorf("MessageFileName(%s, %s) = %q, %v", tc.typ, tc.version, got, err)
		}
		if f, ok := ParseFileName(got); !ok || f.Type != tc.typ || f.ProcessID != pid {
			t.Errorf("%s does not parse back", got)
		}
	}
	for _, bad := range [][3]string{{"x", "0503", "xml"}, {pid, "0599", "xml"}, {pid, "0503", "pdf"}} {
		if _, err := MessageFileName(bad[0], bad[1], V300, 0, bad[2]); err == nil {
			t.Errorf("MessageFileName(%v) accepted", bad)
		}
	}
}

func TestCheckFileName(t *testing.T) {
	const pid = "9a75050f-323a-4e84-94c9-a889aa2b4fe8"
	m := &Message{Type: "0503", Version: V300, Kopf: Kopf{ProzessID: pid}}
	for _, tc := range []struct {
		name  string
		codes []string
	}{
		{pid + "_Aussonderung.Aussonderung.0503.xml", nil},
		{pid + "_0503.xml", []string{CodeFileName}},
		{"9fde4e7a-b41b-11ec-9225-005056871b7c_Aussonderung.Aussonderung.0503.xml", []string{CodeProcessID}},
		{pid + "_Aussonderung.Anbieteverzeichnis.0501.xml", []string{CodeTypeMismatch}},
		{"nachricht.xml", []string{CodeFileName}},
	} {
		if got := codes(checkFileName(tc.name, m)); !slices.Equal(got, tc.codes) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.codes)
		}
	}
	m4 := &Message{Type: "0503", Version: V400, Kopf: Kopf{ProzessID: pid, LfdNrNachrichtProTyp: 2}}
	if got := codes(checkFileName(pid+"_0503_1.xml", m4)); !slices.Equal(got, []string{CodeSequence}) {
		t.Errorf("4.0 sequence: %v", got)
	}
	if got := codes(checkFileName(pid+"_Aussonderung.Aussonderung.0503.xml", m4)); !slices.Equal(got, []string{CodeFileName}) {
		t.Errorf("4.0 long name: %v", got)
	}
	m.FileName = pid + "_Aussonderung.Aussonderung.0503.xml"
	if got := codes(CheckContainerName(pid+"_Aussonderung.Aussonderung.0503.xdomea", m)); len(got) > 0 {
		t.Errorf("container .xdomea: %v", got)
	}
	if got := codes(CheckContainerName(pid+"_0503.zip", m)); !slices.Equal(got, []string{CodeFileName, CodeFileName}) {
		t.Errorf("container short name for 3.0: %v", got)
	}
}
