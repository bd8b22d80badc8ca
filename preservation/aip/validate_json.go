package aip

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"unicode/utf8"
)

// Limits that keep validation of hostile input bounded.
const (
	// ocflMaxInventorySize caps the bytes read from one inventory.json.
	ocflMaxInventorySize = 64 << 20
	// ocflMaxSmallFile caps declarations, sidecars and layout configuration.
	ocflMaxSmallFile = 64 << 10
	// ocflMaxJSONDepth caps JSON nesting; inventories need 5 levels.
	ocflMaxJSONDepth = 64
	// ocflMaxDirDepth caps directory nesting inside objects and storage roots.
	ocflMaxDirDepth = 256
)

var errOCFLTooLarge = errors.New("file exceeds size limit")

// ocflDecodeJSON decodes one JSON value into map[string]any, []any, string,
// json.Number, bool or nil. Unlike encoding/json's own decoding it rejects
// invalid UTF-8 (which json.Unmarshal silently replaces), duplicate object
// keys (where json.Unmarshal silently keeps the last) and trailing data.
func ocflDecodeJSON(data []byte) (any, error) {
	if !utf8.Valid(data) {
		return nil, errors.New("not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := ocflDecodeValue(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("unexpected data after the JSON value")
	}
	return v, nil
}

func ocflDecodeValue(dec *json.Decoder, depth int) (any, error) {
	if depth > ocflMaxJSONDepth {
		return nil, errors.New("JSON nested too deeply")
	}
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			return nil, io.ErrUnexpectedEOF
		}
		return nil, err
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		return tok, nil
	}
	switch delim {
	case '{':
		m := map[string]any{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil, err
			}
			k, ok := kt.(string)
			if !ok {
				return nil, fmt.Errorf("object key is %T, not a string", kt)
			}
			if _, dup := m[k]; dup {
				return nil, fmt.Errorf("duplicate key %q", k)
			}
			v, err := ocflDecodeValue(dec, depth+1)
			if err != nil {
				return nil, err
			}
			m[k] = v
		}
		if _, err := dec.Token(); err != nil {
			return nil, err
		}
		return m, nil
	case '[':
		a := []any{}
		for dec.More() {
			v, err := ocflDecodeValue(dec, depth+1)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
		if _, err := dec.Token(); err != nil {
			return nil, err
		}
		return a, nil
	}
	return nil, fmt.Errorf("unexpected %q", delim)
}

// ocflReadFile reads name from fsys, failing with errOCFLTooLarge when the
// file holds more than limit bytes.
func ocflReadFile(fsys fs.FS, name string, limit int64) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, errOCFLTooLarge
	}
	return data, nil
}
