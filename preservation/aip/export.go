package aip

import (
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"sort"

	"github.com/magazin-archiv/magazin/preservation/store"
)

// Export writes every logical file of the head version of id into dir,
// which must not exist yet, checking each file's digest while copying. It
// returns the number of files written. On error, dir may hold a partial
// export.
func Export(ctx context.Context, st store.Store, id, dir string) (int, error) {
	h, err := ReadHead(ctx, st, id)
	if err != nil {
		return 0, err
	}
	if err := os.Mkdir(dir, 0o750); err != nil {
		return 0, fmt.Errorf("aip: export: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return 0, fmt.Errorf("aip: export: %w", err)
	}
	defer root.Close()
	v := h.Inventory.Versions[h.Inventory.Head]
	if v == nil {
		return 0, fmt.Errorf("aip: %s: head version missing", id)
	}
	var paths []string
	for _, ps := range v.State {
		paths = append(paths, ps...)
	}
	sort.Strings(paths)
	for i, p := range paths {
		if !validLogical(p) {
			return i, fmt.Errorf("aip: %s: invalid logical path %q", id, p)
		}
		if err := exportOne(ctx, st, h, root, p); err != nil {
			return i, err
		}
	}
	return len(paths), nil
}

func exportOne(ctx context.Context, st store.Store, h *Head, root *os.Root, p string) error {
	if d := path.Dir(p); d != "." {
		if err := root.MkdirAll(d, 0o750); err != nil {
			return fmt.Errorf("aip: export %s: %w", p, err)
		}
	}
	rc, _, err := h.Open(ctx, st, p)
	if err != nil {
		return err
	}
	defer rc.Close()
	f, err := root.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if err != nil {
		return fmt.Errorf("aip: export %s: %w", p, err)
	}
	if _, err := io.Copy(f, store.ContextReader(ctx, rc)); err != nil {
		f.Close()
		return fmt.Errorf("aip: export %s: %w", p, err)
	}
	return f.Close()
}
