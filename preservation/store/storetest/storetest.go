// Package storetest is the conformance suite every store backend passes.
//
// A backend's test calls Run with a constructor that returns a new, empty
// store for each subtest (a fresh directory, bucket or key prefix):
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store {
//			s, err := fs.New(t.TempDir())
//			if err != nil {
//				t.Fatal(err)
//			}
//			return s
//		})
//	}
//
// The suite checks the contract written down in package store: round trips,
// empty objects, missing keys, no overwrite, digest and size checks that
// store nothing, invalid keys, key order and prefix semantics of List,
// breaking out of List, cancellation, concurrent Puts of one key, a large
// object (12 MiB: several parts when an S3 store uses 5 MiB parts) and the
// optional capabilities store.RangeGetter, store.Remover, store.Repairer
// and store.Replacer when the store has them. Repair of an object with other content is
// tested when the store is also a store.Remover (the suite makes such an
// object by removing and putting again); backends test repair of silent
// damage themselves.
package storetest

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/magazin-archiv/magazin/preservation/store"
)

// LargeSize is the size of the large object the suite writes: above two
// 5 MiB parts, so that an S3 backend with that part size goes multipart
// with a short last part.
const LargeSize = 12 << 20

// Run runs the conformance suite. newStore must return a new, empty store
// each time it is called.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"RoundTrip", testRoundTrip},
		{"Empty", testEmpty},
		{"Missing", testMissing},
		{"NoOverwrite", testNoOverwrite},
		{"DigestMismatch", testDigestMismatch},
		{"SizeMismatch", testSizeMismatch},
		{"ReaderError", testReaderError},
		{"InvalidKeys", testInvalidKeys},
		{"ListOrder", testListOrder},
		{"ListPrefix", testListPrefix},
		{"ListBreak", testListBreak},
		{"Cancel", testCancel},
		{"ConcurrentPut", testConcurrentPut},
		{"KeyConflict", testKeyConflict},
		{"Large", testLarge},
		{"Range", testRange},
		{"Remove", testRemove},
		{"Repair", testRepair},
		{"RepairLarge", testRepairLarge},
		{"Replace", testReplace},
		{"ReplaceConcurrent", testReplaceConcurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, newStore(t))
		})
	}
}

// Digest returns the lower-case hex SHA-512 of data.
func Digest(data []byte) string {
	sum := sha512.Sum512(data)
	return hex.EncodeToString(sum[:])
}

// Data returns n pseudo-random bytes determined by seed.
func Data(seed uint64, n int) []byte {
	b := make([]byte, n)
	var s [32]byte
	s[0] = byte(seed)
	s[1] = byte(seed >> 8)
	rand.NewChaCha8(s).Read(b)
	return b
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func put(t *testing.T, s store.Store, key string, data []byte) store.Info {
	t.Helper()
	info, err := s.Put(ctxFor(t), key, bytes.NewReader(data), int64(len(data)), Digest(data))
	if err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
	return info
}

func get(t *testing.T, s store.Store, key string) ([]byte, store.Info) {
	t.Helper()
	rc, info, err := s.Get(ctxFor(t), key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("Get(%q): read: %v", key, err)
	}
	return data, info
}

func list(t *testing.T, s store.Store, prefix string) []store.Info {
	t.Helper()
	var infos []store.Info
	for info, err := range s.List(ctxFor(t), prefix) {
		if err != nil {
			t.Fatalf("List(%q): %v", prefix, err)
		}
		infos = append(infos, info)
	}
	return infos
}

func keys(infos []store.Info) []string {
	ks := make([]string, len(infos))
	for i, info := range infos {
		ks[i] = info.Key
	}
	return ks
}

// checkInfo checks the fields every backend must fill.
func checkInfo(t *testing.T, what string, info store.Info, key string, data []byte) {
	t.Helper()
	if info.Key != key {
		t.Errorf("%s: Key = %q, want %q", what, info.Key, key)
	}
	if info.Size != int64(len(data)) {
		t.Errorf("%s: Size = %d, want %d", what, info.Size, len(data))
	}
	if info.SHA512 != "" && info.SHA512 != Digest(data) {
		t.Errorf("%s: SHA512 = %s, want %s", what, info.SHA512, Digest(data))
	}
}

// wantNotExist checks that err reports a missing key as the contract says.
func wantNotExist(t *testing.T, what string, err error) {
	t.Helper()
	var pe *iofs.PathError
	if !errors.Is(err, iofs.ErrNotExist) || !errors.As(err, &pe) {
		t.Errorf("%s: err = %v, want an *fs.PathError matching fs.ErrNotExist", what, err)
	}
}

func wantAbsent(t *testing.T, s store.Store, key string) {
	t.Helper()
	_, err := s.Stat(ctxFor(t), key)
	wantNotExist(t, "Stat("+key+")", err)
	if got := keys(list(t, s, "")); len(got) != 0 {
		t.Errorf("List after a failed Put = %q, want nothing", got)
	}
}

func testRoundTrip(t *testing.T, s store.Store) {
	const key = "ocfl/0=ocfl_1.1/Akte 1/Brief.txt"
	data := []byte("Sehr geehrte Damen und Herren,\n")
	before := time.Now().Add(-time.Hour)
	checkInfo(t, "Put", put(t, s, key, data), key, data)
	got, info := get(t, s, key)
	if !bytes.Equal(got, data) {
		t.Errorf("Get = %q, want %q", got, data)
	}
	checkInfo(t, "Get", info, key, data)
	info, err := s.Stat(ctxFor(t), key)
	if err != nil {
		t.Fatalf("Stat: %v", err)
	}
	checkInfo(t, "Stat", info, key, data)
	if info.Modified.Before(before) || info.Modified.After(time.Now().Add(time.Hour)) {
		t.Errorf("Stat: Modified = %v, want about now", info.Modified)
	}
	if s.String() == "" {
		t.Error("String() is empty")
	}
}

func testEmpty(t *testing.T, s store.Store) {
	checkInfo(t, "Put", put(t, s, "empty", nil), "empty", nil)
	got, info := get(t, s, "empty")
	if len(got) != 0 {
		t.Errorf("Get = %q, want nothing", got)
	}
	checkInfo(t, "Get", info, "empty", nil)
	info, err := s.Stat(ctxFor(t), "empty")
	if err != nil {
		t.Fatalf("Stat: %v", err)
	}
	checkInfo(t, "Stat", info, "empty", nil)
	if ks := keys(list(t, s, "")); !slices.Equal(ks, []string{"empty"}) {
		t.Errorf("List = %q", ks)
	}
}

func testMissing(t *testing.T, s store.Store) {
	ctx := ctxFor(t)
	put(t, s, "file", []byte("x"))
	put(t, s, "dir/x", []byte("x"))
	for _, key := range []string{"nope", "nope/deeper", "file/child", "dir", "fil", "dir/x/y"} {
		_, err := s.Stat(ctx, key)
		wantNotExist(t, "Stat("+key+")", err)
		rc, _, err := s.Get(ctx, key)
		if err == nil {
			rc.Close()
		}
		wantNotExist(t, "Get("+key+")", err)
		if rg, ok := s.(store.RangeGetter); ok {
			rc, err := rg.GetRange(ctx, key, 0, 1)
			if err == nil {
				rc.Close()
			}
			wantNotExist(t, "GetRange("+key+")", err)
		}
	}
	if ks := keys(list(t, s, "nope")); len(ks) != 0 {
		t.Errorf("List(nope) = %q", ks)
	}
}

func testNoOverwrite(t *testing.T, s store.Store) {
	ctx := ctxFor(t)
	a, b := []byte("first content"), []byte("second content, longer")
	put(t, s, "k/v", a)
	info, err := s.Put(ctx, "k/v", bytes.NewReader(a), int64(len(a)), Digest(a))
	if err != nil {
		t.Fatalf("Put of the same content again: %v", err)
	}
	checkInfo(t, "repeated Put", info, "k/v", a)

	_, err = s.Put(ctx, "k/v", bytes.NewReader(b), int64(len(b)), Digest(b))
	var pe *iofs.PathError
	if !errors.Is(err, iofs.ErrExist) || !errors.As(err, &pe) {
		t.Errorf("Put of other content: err = %v, want an *fs.PathError matching fs.ErrExist", err)
	}
	// Same length, other content.
	c := []byte("FIRST CONTENT")
	_, err = s.Put(ctx, "k/v", bytes.NewReader(c), int64(len(c)), Digest(c))
	if !errors.Is(err, iofs.ErrExist) {
		t.Errorf("Put of other content of the same size: err = %v, want fs.ErrExist", err)
	}
	if got, _ := get(t, s, "k/v"); !bytes.Equal(got, a) {
		t.Errorf("after refused overwrite Get = %q, want %q", got, a)
	}
}

func testDigestMismatch(t *testing.T, s store.Store) {
	ctx := ctxFor(t)
	data := []byte("content")
	_, err := s.Put(ctx, "k", bytes.NewReader(data), int64(len(data)), Digest([]byte("other")))
	if !errors.Is(err, store.ErrDigestMismatch) {
		t.Errorf("Put with wrong digest: err = %v, want store.ErrDigestMismatch", err)
	}
	for _, bad := range []string{"", "abc", strings.ToUpper(Digest(data)), Digest(data)[:127] + "g"} {
		_, err = s.Put(ctx, "k", bytes.NewReader(data), int64(len(data)), bad)
		if !errors.Is(err, store.ErrDigestMismatch) {
			t.Errorf("Put with malformed digest %q: err = %v, want store.ErrDigestMismatch", bad, err)
		}
	}
	_, err = s.Put(ctx, "e", bytes.NewReader(nil), 0, Digest(data))
	if !errors.Is(err, store.ErrDigestMismatch) {
		t.Errorf("empty Put with wrong digest: err = %v, want store.ErrDigestMismatch", err)
	}
	wantAbsent(t, s, "k")
	wantAbsent(t, s, "e")
}

func testSizeMismatch(t *testing.T, s store.Store) {
	ctx := ctxFor(t)
	data := []byte("0123456789")
	for _, size := range []int64{0, 9, 11, 1000, -1} {
		_, err := s.Put(ctx, "k", bytes.NewReader(data), size, Digest(data))
		if !errors.Is(err, store.ErrSizeMismatch) {
			t.Errorf("Put of 10 bytes declared as %d: err = %v, want store.ErrSizeMismatch", size, err)
		}
	}
	wantAbsent(t, s, "k")
}

type failingReader struct {
	data []byte
	err  error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func testReaderError(t *testing.T, s store.Store) {
	data := Data(1, 100_000)
	boom := errors.New("boom")
	_, err := s.Put(ctxFor(t), "k", &failingReader{data[:50_000], boom}, int64(len(data)), Digest(data))
	if !errors.Is(err, boom) {
		t.Errorf("Put from a failing reader: err = %v, want the reader's error", err)
	}
	wantAbsent(t, s, "k")
}

func testInvalidKeys(t *testing.T, s store.Store) {
	ctx := ctxFor(t)
	data := []byte("x")
	for _, key := range []string{"", "/a", "a/", "a//b", ".", "..", "./a", "a/./b", "../a", "a/..", `a\b`, "a\x00b", "\xff\xfe", strings.Repeat("k", 1025)} {
		_, err := s.Put(ctx, key, bytes.NewReader(data), 1, Digest(data))
		if !errors.Is(err, store.ErrInvalidKey) {
			t.Errorf("Put(%q): err = %v, want store.ErrInvalidKey", key, err)
		}
		_, _, err = s.Get(ctx, key)
		if !errors.Is(err, store.ErrInvalidKey) {
			t.Errorf("Get(%q): err = %v, want store.ErrInvalidKey", key, err)
		}
		_, err = s.Stat(ctx, key)
		if !errors.Is(err, store.ErrInvalidKey) {
			t.Errorf("Stat(%q): err = %v, want store.ErrInvalidKey", key, err)
		}
	}
	if ks := keys(list(t, s, "")); len(ks) != 0 {
		t.Errorf("List = %q, want nothing", ks)
	}
}

// trickyKeys sort differently by key than by a path-wise walk: '-', '.' and
// ' ' sort before '/', and multi-byte UTF-8 after ASCII.
// No key is a path prefix of another (see testKeyConflict for those).
var trickyKeys = []string{
	"a-b", "a.b", "a/b/c", "a/b/c.txt", "a/b-c", "a/b.c", "a/c", "a0", "a b", "a c/d",
	"ab", "b", "Ä", "ä/ö", "ä/ü.txt", "ö", "z", "Z", "~", "a/b/d/e/f",
	"0", "00/1", "space in name/und Umlaut ß.pdf", "x!y", "x(1)", "x+y", "x,y",
}

func putAll(t *testing.T, s store.Store, keys []string) {
	t.Helper()
	shuffled := slices.Clone(keys)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	for _, k := range shuffled {
		put(t, s, k, []byte(k))
	}
}

func testListOrder(t *testing.T, s store.Store) {
	if ks := keys(list(t, s, "")); len(ks) != 0 {
		t.Fatalf("List of a new store = %q", ks)
	}
	putAll(t, s, trickyKeys)
	want := slices.Sorted(slices.Values(trickyKeys))
	infos := list(t, s, "")
	if got := keys(infos); !slices.Equal(got, want) {
		t.Fatalf("List order:\n got %q\nwant %q", got, want)
	}
	for _, info := range infos {
		checkInfo(t, "List", info, info.Key, []byte(info.Key))
	}
}

func testListPrefix(t *testing.T, s store.Store) {
	putAll(t, s, trickyKeys)
	sorted := slices.Sorted(slices.Values(trickyKeys))
	for _, prefix := range []string{"a", "a/", "a/b", "a/b/", "a/b/c", "a b", "ä", "ä/", "0", "zz", "nope/", "./", "../", "a//", "/", "a/b/d/e/f", "a/b/d/e/f/", "a/b/d"} {
		var want []string
		for _, k := range sorted {
			if strings.HasPrefix(k, prefix) {
				want = append(want, k)
			}
		}
		if got := keys(list(t, s, prefix)); !slices.Equal(got, want) {
			t.Errorf("List(%q):\n got %q\nwant %q", prefix, got, want)
		}
	}
}

func testListBreak(t *testing.T, s store.Store) {
	ctx := ctxFor(t)
	putAll(t, s, trickyKeys[:8])
	for range 3 {
		n := 0
		for _, err := range s.List(ctx, "") {
			if err != nil {
				t.Fatal(err)
			}
			n++
			if n == 2 {
				break
			}
		}
		if n != 2 {
			t.Fatalf("List yielded %d objects before break, want 2", n)
		}
	}
	// The store still works after the abandoned listings.
	put(t, s, "after", []byte("after"))
	if got := len(list(t, s, "")); got != 9 {
		t.Errorf("List after break: %d objects, want 9", got)
	}
}

// cancelReader cancels its context after the first read.
type cancelReader struct {
	r      io.Reader
	cancel context.CancelFunc
}

func (c *cancelReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.cancel()
	return n, err
}

func testCancel(t *testing.T, s store.Store) {
	put(t, s, "there", []byte("there"))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	data := []byte("data")
	if _, err := s.Put(ctx, "k", bytes.NewReader(data), 4, Digest(data)); !errors.Is(err, context.Canceled) {
		t.Errorf("Put: err = %v, want context.Canceled", err)
	}
	if _, _, err := s.Get(ctx, "there"); !errors.Is(err, context.Canceled) {
		t.Errorf("Get: err = %v, want context.Canceled", err)
	}
	if _, err := s.Stat(ctx, "there"); !errors.Is(err, context.Canceled) {
		t.Errorf("Stat: err = %v, want context.Canceled", err)
	}
	var listErr error
	for _, err := range s.List(ctx, "") {
		if err != nil {
			listErr = err
			break
		}
	}
	if !errors.Is(listErr, context.Canceled) {
		t.Errorf("List: err = %v, want context.Canceled", listErr)
	}

	// Cancelled while listing.
	putAll(t, s, trickyKeys[:5])
	ctx, cancel = context.WithCancel(t.Context())
	listErr = nil
	for _, err := range s.List(ctx, "") {
		cancel()
		if err != nil {
			listErr = err
			break
		}
	}
	if !errors.Is(listErr, context.Canceled) {
		t.Errorf("List cancelled midway: err = %v, want context.Canceled", listErr)
	}

	// Cancelled while the content streams: nothing is stored.
	big := Data(2, 3<<20)
	ctx, cancel = context.WithCancel(t.Context())
	defer cancel()
	r := &cancelReader{r: bytes.NewReader(big), cancel: cancel}
	if _, err := s.Put(ctx, "k", r, int64(len(big)), Digest(big)); !errors.Is(err, context.Canceled) {
		t.Errorf("Put cancelled midway: err = %v, want context.Canceled", err)
	}
	_, err := s.Stat(ctxFor(t), "k")
	wantNotExist(t, "Stat after cancelled Put", err)
}

func testConcurrentPut(t *testing.T, s store.Store) {
	ctx := ctxFor(t)
	contents := [][]byte{Data(3, 200_000), Data(4, 200_000), []byte("short")}
	const writers = 9
	type result struct {
		content int
		info    store.Info
		err     error
	}
	results := make([]result, writers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range writers {
		wg.Go(func() {
			c := contents[i%len(contents)]
			<-start
			info, err := s.Put(ctx, "race/obj", bytes.NewReader(c), int64(len(c)), Digest(c))
			results[i] = result{i % len(contents), info, err}
		})
	}
	// Unrelated keys in one new directory at the same time.
	for i := range writers {
		wg.Go(func() {
			<-start
			k := fmt.Sprintf("race/dir/sub/%d", i)
			if _, err := s.Put(ctx, k, strings.NewReader(k), int64(len(k)), Digest([]byte(k))); err != nil {
				t.Errorf("Put(%s): %v", k, err)
			}
		})
	}
	close(start)
	wg.Wait()

	stored, _ := get(t, s, "race/obj")
	winner := slices.IndexFunc(contents, func(c []byte) bool { return bytes.Equal(c, stored) })
	if winner < 0 {
		t.Fatalf("stored content (%d bytes) is none of the contents written", len(stored))
	}
	for i, r := range results {
		switch {
		case r.content == winner && r.err != nil:
			t.Errorf("writer %d with the winning content: %v", i, r.err)
		case r.content == winner:
			checkInfo(t, "Put", r.info, "race/obj", stored)
		case !errors.Is(r.err, iofs.ErrExist):
			t.Errorf("writer %d with other content: err = %v, want fs.ErrExist", i, r.err)
		}
	}
	if got := len(list(t, s, "race/dir/sub/")); got != writers {
		t.Errorf("List(race/dir/sub/): %d objects, want %d", got, writers)
	}
}

func testKeyConflict(t *testing.T, s store.Store) {
	ctx := ctxFor(t)
	try := func(key string) bool {
		_, err := s.Put(ctx, key, strings.NewReader(key), int64(len(key)), Digest([]byte(key)))
		if err != nil && !errors.Is(err, store.ErrKeyConflict) {
			t.Errorf("Put(%q): err = %v, want nil or store.ErrKeyConflict", key, err)
		}
		return err == nil
	}
	var want []string
	for _, k := range []string{"p/q", "p/q/r", "s/t/u", "s/t"} {
		if try(k) {
			want = append(want, k)
		}
	}
	if len(want) < 2 {
		t.Errorf("only %q stored: the first key of each pair must succeed", want)
	}
	slices.Sort(want)
	if got := keys(list(t, s, "")); !slices.Equal(got, want) {
		t.Errorf("List = %q, want %q", got, want)
	}
	for _, k := range want {
		if got, _ := get(t, s, k); string(got) != k {
			t.Errorf("Get(%q) = %q", k, got)
		}
	}
}

func testLarge(t *testing.T, s store.Store) {
	ctx := ctxFor(t)
	data := Data(5, LargeSize)
	checkInfo(t, "Put", put(t, s, "large", data), "large", data)
	got, info := get(t, s, "large")
	if !bytes.Equal(got, data) {
		t.Errorf("Get returned %d bytes with digest %s, want %d bytes with %s", len(got), Digest(got), len(data), Digest(data))
	}
	checkInfo(t, "Get", info, "large", data)

	// A wrong digest noticed only at the very end, with a size that is an
	// exact multiple of 5 MiB, and one just above.
	for _, n := range []int{10 << 20, 10<<20 + 1} {
		bad := Data(6, n)
		want := slices.Clone(bad)
		want[n-1] ^= 1
		_, err := s.Put(ctx, "bad", bytes.NewReader(bad), int64(n), Digest(want))
		if !errors.Is(err, store.ErrDigestMismatch) {
			t.Errorf("Put of %d bytes with wrong digest: err = %v, want store.ErrDigestMismatch", n, err)
		}
		_, err = s.Stat(ctx, "bad")
		wantNotExist(t, "Stat after failed large Put", err)
	}
	// Too short and too long.
	for _, n := range []int{10<<20 - 1, 10<<20 + 1} {
		_, err := s.Put(ctx, "bad", bytes.NewReader(data[:n]), 10<<20, Digest(data[:10<<20]))
		if !errors.Is(err, store.ErrSizeMismatch) {
			t.Errorf("Put of %d bytes declared as %d: err = %v, want store.ErrSizeMismatch", n, 10<<20, err)
		}
		_, err = s.Stat(ctx, "bad")
		wantNotExist(t, "Stat after failed large Put", err)
	}
	if ks := keys(list(t, s, "")); !slices.Equal(ks, []string{"large"}) {
		t.Errorf("List = %q, want only large", ks)
	}
}

func testRange(t *testing.T, s store.Store) {
	rg, ok := s.(store.RangeGetter)
	if !ok {
		t.Skip("store does not implement store.RangeGetter")
	}
	ctx := ctxFor(t)
	data := Data(7, 100)
	put(t, s, "r", data)
	put(t, s, "empty", nil)
	for _, c := range []struct {
		key            string
		offset, length int64
		want           []byte
	}{
		{"r", 0, -1, data},
		{"r", 0, 100, data},
		{"r", 10, 5, data[10:15]},
		{"r", 90, 50, data[90:]},
		{"r", 99, -1, data[99:]},
		{"r", 100, -1, nil},
		{"r", 100, 10, nil},
		{"r", 0, 0, nil},
		{"r", 50, 0, nil},
		{"empty", 0, -1, nil},
		{"empty", 0, 10, nil},
	} {
		rc, err := rg.GetRange(ctx, c.key, c.offset, c.length)
		if err != nil {
			t.Errorf("GetRange(%s, %d, %d): %v", c.key, c.offset, c.length, err)
			continue
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || !bytes.Equal(got, c.want) {
			t.Errorf("GetRange(%s, %d, %d) = %d bytes, %v; want %d bytes", c.key, c.offset, c.length, len(got), err, len(c.want))
		}
	}
	for _, off := range []int64{101, -1} {
		if rc, err := rg.GetRange(ctx, "r", off, 1); err == nil {
			rc.Close()
			t.Errorf("GetRange(r, %d, 1) succeeded, want an error", off)
		}
	}
}

func testRemove(t *testing.T, s store.Store) {
	rm, ok := s.(store.Remover)
	if !ok {
		t.Skip("store does not implement store.Remover")
	}
	ctx := ctxFor(t)
	put(t, s, "staging/a/1", []byte("one"))
	put(t, s, "staging/b", []byte("b"))
	if err := rm.Remove(ctx, "staging/a/1"); err != nil {
		t.Fatalf("Remove: %v", err)
	}
	_, err := s.Stat(ctx, "staging/a/1")
	wantNotExist(t, "Stat after Remove", err)
	if err := rm.Remove(ctx, "staging/a/1"); err != nil {
		t.Errorf("Remove of a missing key: %v", err)
	}
	if err := rm.Remove(ctx, "a//b"); !errors.Is(err, store.ErrInvalidKey) {
		t.Errorf("Remove(a//b): err = %v, want store.ErrInvalidKey", err)
	}
	// The key may be used again, with other content.
	put(t, s, "staging/a/1", []byte("another one"))
	if got, _ := get(t, s, "staging/a/1"); string(got) != "another one" {
		t.Errorf("Get after re-Put = %q", got)
	}
	if ks := keys(list(t, s, "")); !slices.Equal(ks, []string{"staging/a/1", "staging/b"}) {
		t.Errorf("List = %q", ks)
	}
}

func wantContent(t *testing.T, s store.Store, key string, want []byte) {
	t.Helper()
	got, _ := get(t, s, key)
	if !bytes.Equal(got, want) {
		t.Errorf("Get(%s) = %d bytes with digest %.16s…, want %d bytes with %.16s…", key, len(got), Digest(got), len(want), Digest(want))
	}
}

// unreadable fails the test when Repair reads it.
type unreadable struct{ t *testing.T }

func (u unreadable) Read([]byte) (int, error) {
	u.t.Error("Repair read the new content although the object is intact")
	return 0, errors.New("must not be read")
}

func testRepair(t *testing.T, s store.Store) {
	rp, ok := s.(store.Repairer)
	if !ok {
		t.Skip("store does not implement store.Repairer")
	}
	ctx := ctxFor(t)
	good := []byte("the archived content\n")

	// A healthy object is never replaced, and its new content never read.
	put(t, s, "obj/healthy", good)
	info, err := rp.Repair(ctx, "obj/healthy", unreadable{t}, int64(len(good)), Digest(good))
	if !errors.Is(err, store.ErrIntact) {
		t.Errorf("Repair of a healthy object: err = %v, want store.ErrIntact", err)
	}
	checkInfo(t, "Repair of a healthy object", info, "obj/healthy", good)
	wantContent(t, s, "obj/healthy", good)

	// A missing object is created.
	info, err = rp.Repair(ctx, "obj/missing", bytes.NewReader(good), int64(len(good)), Digest(good))
	if err != nil {
		t.Fatalf("Repair of a missing object: %v", err)
	}
	checkInfo(t, "Repair of a missing object", info, "obj/missing", good)
	wantContent(t, s, "obj/missing", good)
	// Now it is intact.
	if _, err := rp.Repair(ctx, "obj/missing", unreadable{t}, int64(len(good)), Digest(good)); !errors.Is(err, store.ErrIntact) {
		t.Errorf("second Repair: err = %v, want store.ErrIntact", err)
	}

	// New content that does not have the declared digest or size is
	// refused and changes nothing.
	bad := []byte("the archived content!\n")
	if _, err := rp.Repair(ctx, "obj/refused", bytes.NewReader(bad), int64(len(bad)), Digest(good)); !errors.Is(err, store.ErrDigestMismatch) {
		t.Errorf("Repair with content of another digest: err = %v, want store.ErrDigestMismatch", err)
	}
	_, err = s.Stat(ctx, "obj/refused")
	wantNotExist(t, "Stat after a refused Repair", err)
	if _, err := rp.Repair(ctx, "obj/refused", bytes.NewReader(good[:5]), int64(len(good)), Digest(good)); !errors.Is(err, store.ErrSizeMismatch) {
		t.Errorf("Repair with short content: err = %v, want store.ErrSizeMismatch", err)
	}
	_, err = s.Stat(ctx, "obj/refused")
	wantNotExist(t, "Stat after a refused Repair", err)
	for _, c := range []struct {
		key    string
		digest string
		want   error
	}{
		{"a//b", Digest(good), store.ErrInvalidKey},
		{"obj/x", "abc", store.ErrDigestMismatch},
	} {
		if _, err := rp.Repair(ctx, c.key, bytes.NewReader(good), int64(len(good)), c.digest); !errors.Is(err, c.want) {
			t.Errorf("Repair(%q, %.8s): err = %v, want %v", c.key, c.digest, err, c.want)
		}
	}

	// A cancelled context changes nothing.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := rp.Repair(cctx, "obj/cancelled", bytes.NewReader(good), int64(len(good)), Digest(good)); !errors.Is(err, context.Canceled) {
		t.Errorf("Repair with a cancelled context: err = %v, want context.Canceled", err)
	}

	rm, ok := s.(store.Remover)
	if !ok {
		return
	}
	// An object with other content (made by removing and putting again)
	// is replaced; a refused repair leaves the other content in place.
	other := []byte("other bytes of other length")
	if err := rm.Remove(ctx, "obj/healthy"); err != nil {
		t.Fatal(err)
	}
	put(t, s, "obj/healthy", other)
	if _, err := rp.Repair(ctx, "obj/healthy", bytes.NewReader(bad), int64(len(bad)), Digest(good)); !errors.Is(err, store.ErrDigestMismatch) {
		t.Errorf("Repair of a damaged object with bad content: err = %v, want store.ErrDigestMismatch", err)
	}
	wantContent(t, s, "obj/healthy", other)
	info, err = rp.Repair(ctx, "obj/healthy", bytes.NewReader(good), int64(len(good)), Digest(good))
	if err != nil {
		t.Fatalf("Repair of a damaged object: %v", err)
	}
	checkInfo(t, "Repair of a damaged object", info, "obj/healthy", good)
	wantContent(t, s, "obj/healthy", good)
	st, err := s.Stat(ctx, "obj/healthy")
	if err != nil {
		t.Fatal(err)
	}
	checkInfo(t, "Stat after Repair", st, "obj/healthy", good)
	// Same length, other content.
	same := bytes.ToUpper(good)
	if err := rm.Remove(ctx, "obj/healthy"); err != nil {
		t.Fatal(err)
	}
	put(t, s, "obj/healthy", same)
	if _, err := rp.Repair(ctx, "obj/healthy", bytes.NewReader(good), int64(len(good)), Digest(good)); err != nil {
		t.Fatalf("Repair of a damaged object of the right size: %v", err)
	}
	wantContent(t, s, "obj/healthy", good)
	if ks := keys(list(t, s, "")); !slices.Equal(ks, []string{"obj/healthy", "obj/missing"}) {
		t.Errorf("List after repairs = %q", ks)
	}
}

// testRepairLarge repairs an object above two 5 MiB parts, so that an S3
// store replaces it with a conditional multipart upload.
func testRepairLarge(t *testing.T, s store.Store) {
	rp, ok := s.(store.Repairer)
	if !ok {
		t.Skip("store does not implement store.Repairer")
	}
	ctx := ctxFor(t)
	data := Data(8, LargeSize)
	if _, err := rp.Repair(ctx, "large", bytes.NewReader(data), int64(len(data)), Digest(data)); err != nil {
		t.Fatalf("Repair of a missing large object: %v", err)
	}
	wantContent(t, s, "large", data)
	if _, err := rp.Repair(ctx, "large", unreadable{t}, int64(len(data)), Digest(data)); !errors.Is(err, store.ErrIntact) {
		t.Errorf("Repair of an intact large object: err = %v, want store.ErrIntact", err)
	}
	bad := slices.Clone(data)
	bad[len(bad)-1] ^= 1
	if _, err := rp.Repair(ctx, "other", bytes.NewReader(bad), int64(len(bad)), Digest(data)); !errors.Is(err, store.ErrDigestMismatch) {
		t.Errorf("Repair with a large object of another digest: err = %v, want store.ErrDigestMismatch", err)
	}
	_, err := s.Stat(ctx, "other")
	wantNotExist(t, "Stat after a refused large Repair", err)
	rm, ok := s.(store.Remover)
	if !ok {
		return
	}
	if err := rm.Remove(ctx, "large"); err != nil {
		t.Fatal(err)
	}
	put(t, s, "large", bad)
	if _, err := rp.Repair(ctx, "large", bytes.NewReader(data), int64(len(data)), Digest(data)); err != nil {
		t.Fatalf("Repair of a damaged large object: %v", err)
	}
	wantContent(t, s, "large", data)
}

func testReplace(t *testing.T, s store.Store) {
	rp, ok := s.(store.Replacer)
	if !ok {
		t.Skip("store does not implement store.Replacer")
	}
	ctx := ctxFor(t)
	v1, v2, v3 := []byte("inventory v1\n"), []byte("inventory v2, longer\n"), []byte("inventory v3\n")
	put(t, s, "obj/inventory.json", v1)

	// The expected old content is replaced.
	info, err := rp.Replace(ctx, "obj/inventory.json", Digest(v1), bytes.NewReader(v2), int64(len(v2)), Digest(v2))
	if err != nil {
		t.Fatalf("Replace v1 -> v2: %v", err)
	}
	checkInfo(t, "Replace", info, "obj/inventory.json", v2)
	wantContent(t, s, "obj/inventory.json", v2)
	if st, err := s.Stat(ctx, "obj/inventory.json"); err != nil || st.Size != int64(len(v2)) {
		t.Errorf("Stat after Replace = %+v, %v", st, err)
	}
	// Repeating it (a re-run after a crash) is a no-op that reads nothing.
	if _, err := rp.Replace(ctx, "obj/inventory.json", Digest(v1), unreadable{t}, int64(len(v2)), Digest(v2)); err != nil {
		t.Errorf("repeated Replace: %v", err)
	}
	// Another old content than the current one: nothing is written.
	if _, err := rp.Replace(ctx, "obj/inventory.json", Digest(v1), bytes.NewReader(v3), int64(len(v3)), Digest(v3)); !errors.Is(err, store.ErrChanged) {
		t.Errorf("Replace with a stale old digest: err = %v, want store.ErrChanged", err)
	}
	wantContent(t, s, "obj/inventory.json", v2)
	// Bad new content is refused and changes nothing.
	if _, err := rp.Replace(ctx, "obj/inventory.json", Digest(v2), bytes.NewReader(v1), int64(len(v1)), Digest(v3)); !errors.Is(err, store.ErrDigestMismatch) {
		t.Errorf("Replace with content of another digest: err = %v, want store.ErrDigestMismatch", err)
	}
	if _, err := rp.Replace(ctx, "obj/inventory.json", Digest(v2), bytes.NewReader(v3[:4]), int64(len(v3)), Digest(v3)); !errors.Is(err, store.ErrSizeMismatch) {
		t.Errorf("Replace with short content: err = %v, want store.ErrSizeMismatch", err)
	}
	wantContent(t, s, "obj/inventory.json", v2)
	// A missing key with an old digest is ErrChanged; with old "" it is
	// created, and then old "" no longer matches.
	if _, err := rp.Replace(ctx, "obj/missing", Digest(v1), bytes.NewReader(v2), int64(len(v2)), Digest(v2)); !errors.Is(err, store.ErrChanged) {
		t.Errorf("Replace of a missing key: err = %v, want store.ErrChanged", err)
	}
	_, err = s.Stat(ctx, "obj/missing")
	wantNotExist(t, "Stat after a refused Replace", err)
	if _, err := rp.Replace(ctx, "obj/new", "", bytes.NewReader(v1), int64(len(v1)), Digest(v1)); err != nil {
		t.Errorf("Replace with old \"\" of a missing key: %v", err)
	}
	wantContent(t, s, "obj/new", v1)
	if _, err := rp.Replace(ctx, "obj/new", "", bytes.NewReader(v2), int64(len(v2)), Digest(v2)); !errors.Is(err, store.ErrChanged) {
		t.Errorf("Replace with old \"\" of an existing key: err = %v, want store.ErrChanged", err)
	}
	// Invalid arguments and a cancelled context.
	if _, err := rp.Replace(ctx, "a//b", "", bytes.NewReader(v1), int64(len(v1)), Digest(v1)); !errors.Is(err, store.ErrInvalidKey) {
		t.Errorf("Replace(a//b): err = %v, want store.ErrInvalidKey", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := rp.Replace(cctx, "obj/inventory.json", Digest(v2), bytes.NewReader(v3), int64(len(v3)), Digest(v3)); !errors.Is(err, context.Canceled) {
		t.Errorf("Replace with a cancelled context: err = %v, want context.Canceled", err)
	}
	wantContent(t, s, "obj/inventory.json", v2)
	// Put still never overwrites the replaced key.
	if _, err := s.Put(ctx, "obj/inventory.json", bytes.NewReader(v3), int64(len(v3)), Digest(v3)); !errors.Is(err, iofs.ErrExist) {
		t.Errorf("Put over a replaced key: err = %v, want fs.ErrExist", err)
	}
	if ks := keys(list(t, s, "")); !slices.Equal(ks, []string{"obj/inventory.json", "obj/new"}) {
		t.Errorf("List after replacements = %q", ks)
	}
}

// testReplaceConcurrent races writers that all replace v1: exactly one
// wins, the others get ErrChanged, and the key holds the winner's content.
func testReplaceConcurrent(t *testing.T, s store.Store) {
	rp, ok := s.(store.Replacer)
	if !ok {
		t.Skip("store does not implement store.Replacer")
	}
	ctx := ctxFor(t)
	v1 := []byte("head v1\n")
	put(t, s, "race/inventory.json", v1)
	const n = 6
	errs := make([]error, n)
	contents := make([][]byte, n)
	var wg sync.WaitGroup
	for i := range n {
		contents[i] = []byte(fmt.Sprintf("head v2 by writer %d\n", i))
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = rp.Replace(ctx, "race/inventory.json", Digest(v1), bytes.NewReader(contents[i]), int64(len(contents[i])), Digest(contents[i]))
		}()
	}
	wg.Wait()
	won := -1
	for i, err := range errs {
		switch {
		case err == nil && won >= 0:
			t.Errorf("writers %d and %d both replaced v1", won, i)
		case err == nil:
			won = i
		case !errors.Is(err, store.ErrChanged):
			t.Errorf("writer %d: err = %v, want nil or store.ErrChanged", i, err)
		}
	}
	if won < 0 {
		t.Fatal("no writer replaced v1")
	}
	wantContent(t, s, "race/inventory.json", contents[won])
}
