// Package mem is an in-memory store backend for unit tests (store URL
// mem://). It keeps the full store.Store contract (no overwrite, digest and
// size checks, key order, cancellation) but nothing survives the process.
//
// Like S3, it holds "a/b" and "a/b/c" side by side. Stat, List and Put
// report SHA512, Size and Modified. Store implements store.RangeGetter,
// store.Remover, store.Repairer and store.Replacer; Tamper damages an
// object for tests of fixity checks.
package mem

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"io"
	iofs "io/fs"
	"iter"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/magazin-archiv/magazin/preservation/store"
)

// Store is an in-memory store.Store. The zero value is not usable; call New.
type Store struct {
	mu      sync.RWMutex
	objects map[string]object
}

type object struct {
	info store.Info
	data []byte
}

var (
	_ store.Store       = (*Store)(nil)
	_ store.RangeGetter = (*Store)(nil)
	_ store.Remover     = (*Store)(nil)
	_ store.Repairer    = (*Store)(nil)
	_ store.Replacer    = (*Store)(nil)
)

// New returns an empty store.
func New() *Store {
	return &Store{objects: make(map[string]object)}
}

// String implements store.Store.
func (s *Store) String() string { return "mem://" }

// Put implements store.Store.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64, sha512 string) (store.Info, error) {
	if err := store.CheckPut(ctx, key, size, sha512); err != nil {
		return store.Info{}, &iofs.PathError{Op: "put", Path: key, Err: err}
	}
	s.mu.RLock()
	old, found := s.objects[key]
	s.mu.RUnlock()
	if found {
		return compare(old, key, sha512)
	}
	var buf bytes.Buffer
	buf.Grow(int(min(size, 64<<20)))
	if _, err := io.Copy(&buf, store.NewVerifier(ctx, r, size, sha512)); err != nil {
		return store.Info{}, &iofs.PathError{Op: "put", Path: key, Err: err}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, found := s.objects[key]; found {
		return compare(old, key, sha512)
	}
	obj := object{
		info: store.Info{Key: key, Size: size, SHA512: sha512, Modified: time.Now()},
		data: buf.Bytes(),
	}
	s.objects[key] = obj
	return obj.info, nil
}

func compare(old object, key, sha512 string) (store.Info, error) {
	if old.info.SHA512 != sha512 {
		return store.Info{}, &iofs.PathError{Op: "put", Path: key, Err: iofs.ErrExist}
	}
	return old.info, nil
}

// get returns the object under key.
func (s *Store) get(ctx context.Context, op, key string) (object, error) {
	if !store.ValidKey(key) {
		return object{}, &iofs.PathError{Op: op, Path: key, Err: store.ErrInvalidKey}
	}
	if err := ctx.Err(); err != nil {
		return object{}, &iofs.PathError{Op: op, Path: key, Err: err}
	}
	s.mu.RLock()
	obj, ok := s.objects[key]
	s.mu.RUnlock()
	if !ok {
		return object{}, &iofs.PathError{Op: op, Path: key, Err: iofs.ErrNotExist}
	}
	return obj, nil
}

// Get implements store.Store.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, store.Info, error) {
	obj, err := s.get(ctx, "get", key)
	if err != nil {
		return nil, store.Info{}, err
	}
	return io.NopCloser(bytes.NewReader(obj.data)), obj.info, nil
}

// Stat implements store.Store.
func (s *Store) Stat(ctx context.Context, key string) (store.Info, error) {
	obj, err := s.get(ctx, "stat", key)
	return obj.info, err
}

// GetRange implements store.RangeGetter.
func (s *Store) GetRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	obj, err := s.get(ctx, "getrange", key)
	if err != nil {
		return nil, err
	}
	size := int64(len(obj.data))
	if offset < 0 || offset > size {
		return nil, &iofs.PathError{Op: "getrange", Path: key, Err: fmt.Errorf("offset %d outside 0..%d", offset, size)}
	}
	end := size
	if length >= 0 && length < size-offset {
		end = offset + length
	}
	return io.NopCloser(bytes.NewReader(obj.data[offset:end])), nil
}

// Remove implements store.Remover.
func (s *Store) Remove(ctx context.Context, key string) error {
	if !store.ValidKey(key) {
		return &iofs.PathError{Op: "remove", Path: key, Err: store.ErrInvalidKey}
	}
	if err := ctx.Err(); err != nil {
		return &iofs.PathError{Op: "remove", Path: key, Err: err}
	}
	s.mu.Lock()
	delete(s.objects, key)
	s.mu.Unlock()
	return nil
}

// Repair implements store.Repairer. It hashes the stored bytes, not the
// recorded digest, so that it sees damage made by Tamper.
func (s *Store) Repair(ctx context.Context, key string, r io.Reader, size int64, sha512 string) (store.Info, error) {
	if err := store.CheckPut(ctx, key, size, sha512); err != nil {
		return store.Info{}, &iofs.PathError{Op: "repair", Path: key, Err: err}
	}
	intact := func() (store.Info, bool) {
		old, found := s.objects[key]
		if !found || digest(old.data) != sha512 {
			return store.Info{}, false
		}
		info := old.info
		info.Size, info.SHA512 = int64(len(old.data)), sha512
		return info, true
	}
	s.mu.RLock()
	info, ok := intact()
	s.mu.RUnlock()
	if ok {
		return info, &iofs.PathError{Op: "repair", Path: key, Err: store.ErrIntact}
	}
	var buf bytes.Buffer
	buf.Grow(int(min(size, 64<<20)))
	if _, err := io.Copy(&buf, store.NewVerifier(ctx, r, size, sha512)); err != nil {
		return store.Info{}, &iofs.PathError{Op: "repair", Path: key, Err: err}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if info, ok := intact(); ok {
		return info, &iofs.PathError{Op: "repair", Path: key, Err: store.ErrIntact}
	}
	obj := object{
		info: store.Info{Key: key, Size: size, SHA512: sha512, Modified: time.Now()},
		data: buf.Bytes(),
	}
	s.objects[key] = obj
	return obj.info, nil
}

// Replace implements store.Replacer. Like Repair, it hashes the stored
// bytes, not the recorded digest.
func (s *Store) Replace(ctx context.Context, key, old string, r io.Reader, size int64, sha512 string) (store.Info, error) {
	if err := store.CheckPut(ctx, key, size, sha512); err != nil {
		return store.Info{}, &iofs.PathError{Op: "replace", Path: key, Err: err}
	}
	// check reports the Info of an object that already has the new
	// content, or an error when the object is not the expected one.
	check := func() (store.Info, bool, error) {
		cur, found := s.objects[key]
		switch {
		case found && digest(cur.data) == sha512:
			info := cur.info
			info.Size, info.SHA512 = int64(len(cur.data)), sha512
			return info, true, nil
		case !found && old == "", found && old != "" && digest(cur.data) == old:
			return store.Info{}, false, nil
		}
		return store.Info{}, false, &iofs.PathError{Op: "replace", Path: key, Err: store.ErrChanged}
	}
	s.mu.RLock()
	info, done, err := check()
	s.mu.RUnlock()
	if done || err != nil {
		return info, err
	}
	var buf bytes.Buffer
	buf.Grow(int(min(size, 64<<20)))
	if _, err := io.Copy(&buf, store.NewVerifier(ctx, r, size, sha512)); err != nil {
		return store.Info{}, &iofs.PathError{Op: "replace", Path: key, Err: err}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if info, done, err := check(); done || err != nil {
		return info, err
	}
	obj := object{
		info: store.Info{Key: key, Size: size, SHA512: sha512, Modified: time.Now()},
		data: buf.Bytes(),
	}
	s.objects[key] = obj
	return obj.info, nil
}

// Tamper replaces the bytes under key with data but keeps the recorded
// digest, as silent damage on a disk would: Get, Stat and List go on
// reporting the old SHA512. It is for tests of fixity checks.
func (s *Store) Tamper(key string, data []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	obj, ok := s.objects[key]
	if !ok {
		return &iofs.PathError{Op: "tamper", Path: key, Err: iofs.ErrNotExist}
	}
	obj.data = bytes.Clone(data)
	obj.info.Size = int64(len(data))
	s.objects[key] = obj
	return nil
}

func digest(b []byte) string {
	sum := sha512.Sum512(b)
	return hex.EncodeToString(sum[:])
}

// List implements store.Store. It lists a snapshot taken when iteration
// starts.
func (s *Store) List(ctx context.Context, prefix string) iter.Seq2[store.Info, error] {
	return func(yield func(store.Info, error) bool) {
		var infos []store.Info
		s.mu.RLock()
		for k, obj := range s.objects {
			if strings.HasPrefix(k, prefix) {
				infos = append(infos, obj.info)
			}
		}
		s.mu.RUnlock()
		slices.SortFunc(infos, func(a, b store.Info) int { return strings.Compare(a.Key, b.Key) })
		for _, info := range infos {
			if err := ctx.Err(); err != nil {
				yield(store.Info{}, err)
				return
			}
			if !yield(info, nil) {
				return
			}
		}
		if err := ctx.Err(); err != nil {
			yield(store.Info{}, err)
		}
	}
}
