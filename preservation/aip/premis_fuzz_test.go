package aip

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/magazin-archiv/magazin/preservation"
)

func fuzzAIP() *preservation.AIP {
	return &preservation.AIP{
		ID: "urn:uuid:0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9",
		Files: []preservation.File{
			{Path: "representations/original/data/Brief.pdf", Name: "Brief.pdf", Size: 1234, SHA512: strings.Repeat("ab", 64),
				PUID: "fmt/354", FormatName: "PDF/A", FormatVersion: "1b", FormatBasis: "signature", MIME: "application/pdf"},
			{Path: "representations/access/data/Brief.txt", Name: "Brief.txt", Size: 7, SHA512: strings.Repeat("cd", 64),
				PUID: "UNKNOWN", FormatWarning: "no match", DerivedFrom: "representations/original/data/Brief.pdf"},
		},
		Events: []preservation.Event{{ID: "e1", Type: "ing", DateTime: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Detail: "ingest",
			Outcome: "success", OutcomeDetail: "ok", Agents: []string{"magazin"},
			Objects: []string{"representations/original/data/Brief.pdf"}, Outcomes: []string{"representations/access/data/Brief.txt"}}},
		Agents: []preservation.Agent{{ID: "magazin", Name: "magazin", Type: "software", Version: "dev"}},
	}
}

// FuzzDecodePREMIS feeds arbitrary bytes to the PREMIS reader that
// aip.Read and the catalog rebuild use: it never panics, an error says it
// is the PREMIS, and what it reads, written and read again, is the same
// (the reader loses nothing the writer can express). The seed written by
// encodePREMIS must read back to the AIP it came from.
func FuzzDecodePREMIS(f *testing.F) {
	var seed bytes.Buffer
	want := fuzzAIP()
	if err := encodePREMIS(want, &seed); err != nil {
		f.Fatal(err)
	}
	var got preservation.AIP
	if err := decodePREMIS(bytes.NewReader(seed.Bytes()), &got); err != nil {
		f.Fatal(err)
	}
	if !reflect.DeepEqual(got.Files, sortedFiles(want.Files)) || !reflect.DeepEqual(got.Agents, want.Agents) || len(got.Events) != 1 {
		f.Fatalf("seed round trip:\n%+v\n%+v", got, want)
	}
	f.Add(seed.Bytes())
	f.Add([]byte(`<premis><object type="file"><objectIdentifier/><objectCharacteristics><size>-1</size></objectCharacteristics></object></premis>`))
	f.Add([]byte(`<premis><event><eventDateTime>x</eventDateTime><eventOutcomeInformation/></event><agent/></premis>`))
	f.Add([]byte(`<!DOCTYPE p [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><premis>&b;</premis>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var a preservation.AIP
		if err := decodePREMIS(bytes.NewReader(data), &a); err != nil {
			if !strings.Contains(err.Error(), "premis") {
				t.Fatalf("error %v does not name the PREMIS", err)
			}
			return
		}
		var buf bytes.Buffer
		a.ID = want.ID
		if err := encodePREMIS(&a, &buf); err != nil {
			return // e.g. a character XML cannot carry; the writer refuses it
		}
		var b preservation.AIP
		if err := decodePREMIS(bytes.NewReader(buf.Bytes()), &b); err != nil {
			t.Fatalf("written PREMIS does not read: %v\n%s", err, buf.Bytes())
		}
		norm := func(x *preservation.AIP) {
			for i := range x.Events {
				x.Events[i].DateTime = x.Events[i].DateTime.UTC().Truncate(time.Second)
			}
		}
		norm(&a)
		norm(&b)
		if !reflect.DeepEqual(a.Files, b.Files) || !reflect.DeepEqual(a.Agents, b.Agents) || len(a.Events) != len(b.Events) {
			t.Fatalf("not stable:\n%+v\n%+v", a, b)
		}
	})
}

func sortedFiles(fs []preservation.File) []preservation.File {
	out := append([]preservation.File(nil), fs...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Path < out[j-1].Path; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}
