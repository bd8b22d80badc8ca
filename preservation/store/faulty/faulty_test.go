package faulty_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/magazin-archiv/magazin/preservation/store/faulty"
)

// Each fault reaches the client as it would from a failing server.
func TestFaults(t *testing.T) {
	body := bytes.Repeat([]byte("0123456789"), 10000)
	var uploads []int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		uploads = append(uploads, int(n))
		if r.Host == "" {
			t.Error("no Host header")
		}
		w.Write(body)
	}))
	defer srv.Close()
	p, err := faulty.Start(strings.TrimPrefix(srv.URL, "http://"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	p.Hold = 300 * time.Millisecond
	client := &http.Client{Transport: &http.Transport{ResponseHeaderTimeout: 2 * time.Second}}
	do := func(method string) (*http.Response, []byte, error) {
		var content io.Reader
		if method == http.MethodPut {
			content = bytes.NewReader(body)
		}
		req, _ := http.NewRequest(method, "http://"+p.Addr()+"/bucket/key", content)
		resp, err := client.Do(req)
		if err != nil {
			return nil, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp, b, err
	}

	for _, tc := range []struct {
		fault  faulty.Fault
		method string
		check  func(resp *http.Response, b []byte, err error) bool
	}{
		{faulty.Pass, http.MethodGet, func(r *http.Response, b []byte, err error) bool { return err == nil && bytes.Equal(b, body) }},
		{faulty.InternalError, http.MethodGet, func(r *http.Response, b []byte, err error) bool {
			return err == nil && r.StatusCode == 500 && bytes.Contains(b, []byte("<Code>InternalError</Code>"))
		}},
		{faulty.SlowDown, http.MethodGet, func(r *http.Response, b []byte, err error) bool {
			return err == nil && r.StatusCode == 503 && bytes.Contains(b, []byte("<Code>SlowDown</Code>"))
		}},
		{faulty.ResetRequest, http.MethodPut, func(r *http.Response, b []byte, err error) bool { return err != nil }},
		{faulty.ResetResponse, http.MethodGet, func(r *http.Response, b []byte, err error) bool {
			return err != nil && len(b) > 0 && len(b) < len(body)
		}},
		{faulty.Slow, http.MethodGet, func(r *http.Response, b []byte, err error) bool { return err == nil && bytes.Equal(b, body) }},
		{faulty.Hang, http.MethodGet, func(r *http.Response, b []byte, err error) bool { return err == nil && r.StatusCode == 503 }},
	} {
		p.SetRule(faulty.Always(tc.fault))
		before := len(uploads)
		start := time.Now()
		resp, b, err := do(tc.method)
		if !tc.check(resp, b, err) {
			t.Errorf("%s: %d bytes, err %v", tc.fault, len(b), err)
		}
		forwarded := len(uploads) > before
		if want := tc.fault == faulty.Pass || tc.fault == faulty.ResetResponse || tc.fault == faulty.Slow; forwarded != want {
			t.Errorf("%s: forwarded %v, want %v", tc.fault, forwarded, want)
		}
		if tc.fault == faulty.Hang && time.Since(start) < p.Hold {
			t.Errorf("hang answered after %v", time.Since(start))
		}
	}
	got := p.Injected()
	for _, f := range faulty.Faults() {
		if got[f] != 1 {
			t.Errorf("%s injected %d times, want 1", f, got[f])
		}
	}

	p.SetRule(faulty.Every(3, faulty.InternalError, http.MethodGet))
	var codes []int
	for range 6 {
		resp, _, err := do(http.MethodGet)
		if err != nil {
			t.Fatal(err)
		}
		codes = append(codes, resp.StatusCode)
	}
	if want := []int{200, 200, 500, 200, 200, 500}; !slices.Equal(codes, want) {
		t.Errorf("Every(3): %v, want %v", codes, want)
	}
}
