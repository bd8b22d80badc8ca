package bagit

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Encoding is a Tag-File-Character-Encoding magazin can read. RFC 8493
// §2.1.1 names the encoding of every tag file other than bagit.txt by its
// IANA character set name; UTF-8 is recommended, others are allowed.
type Encoding string

// The supported tag file encodings, by canonical IANA name.
const (
	EncodingUTF8    Encoding = "UTF-8"
	EncodingLatin1  Encoding = "ISO-8859-1"
	EncodingCP1252  Encoding = "windows-1252"
	EncodingASCII   Encoding = "US-ASCII"
	EncodingUTF16   Encoding = "UTF-16" // byte order from the BOM, big-endian without one (RFC 2781 §4.3)
	EncodingUTF16BE Encoding = "UTF-16BE"
	EncodingUTF16LE Encoding = "UTF-16LE"
)

// encodingNames maps IANA names and aliases (lower case) to an Encoding.
var encodingNames = map[string]Encoding{
	"utf-8": EncodingUTF8, "utf8": EncodingUTF8, "csutf8": EncodingUTF8,
	"iso-8859-1": EncodingLatin1, "iso_8859-1": EncodingLatin1, "iso_8859-1:1987": EncodingLatin1,
	"iso8859-1": EncodingLatin1, "latin1": EncodingLatin1, "l1": EncodingLatin1, "ibm819": EncodingLatin1,
	"cp819": EncodingLatin1, "csisolatin1": EncodingLatin1, "iso-ir-100": EncodingLatin1,
	"windows-1252": EncodingCP1252, "cp1252": EncodingCP1252, "cswindows1252": EncodingCP1252,
	"us-ascii": EncodingASCII, "ascii": EncodingASCII, "ansi_x3.4-1968": EncodingASCII, "us": EncodingASCII,
	"csascii": EncodingASCII, "iso646-us": EncodingASCII,
	"utf-16": EncodingUTF16, "utf16": EncodingUTF16, "csutf16": EncodingUTF16,
	"utf-16be": EncodingUTF16BE, "csutf16be": EncodingUTF16BE,
	"utf-16le": EncodingUTF16LE, "csutf16le": EncodingUTF16LE,
}

// LookupEncoding returns the Encoding for a Tag-File-Character-Encoding
// value (an IANA character set name or alias, in any letter case), and
// whether magazin supports it.
func LookupEncoding(name string) (Encoding, bool) {
	e, ok := encodingNames[strings.ToLower(strings.TrimSpace(name))]
	return e, ok
}

// SupportedEncodings lists the canonical names of the supported encodings.
func SupportedEncodings() []string {
	return []string{string(EncodingUTF8), string(EncodingLatin1), string(EncodingCP1252), string(EncodingASCII),
		string(EncodingUTF16), string(EncodingUTF16BE), string(EncodingUTF16LE)}
}

// cp1252High maps the bytes 0x80-0x9F of windows-1252 to runes; 0 marks
// the five undefined bytes. All other bytes are as in ISO-8859-1.
var cp1252High = [32]rune{
	0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
	0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
}

// Decode converts tag file content in encoding e to UTF-8. A byte order
// mark of UTF-8 or UTF-16 is removed. It fails on bytes that are not valid
// in the encoding (invalid UTF-8, bytes above 0x7F in US-ASCII, undefined
// windows-1252 bytes, an odd number of UTF-16 bytes or an unpaired
// surrogate); the returned bytes are then a best effort with U+FFFD.
func Decode(e Encoding, data []byte) ([]byte, error) {
	switch e {
	case EncodingUTF8:
		data = bytes.TrimPrefix(data, bom)
		if !utf8.Valid(data) {
			return bytes.ToValidUTF8(data, []byte("\uFFFD")), errors.New("not valid UTF-8")
		}
		return data, nil
	case EncodingASCII:
		for i, c := range data {
			if c >= 0x80 {
				return latin1(data, nil), fmt.Errorf("byte 0x%02X at offset %d is not US-ASCII", c, i)
			}
		}
		return data, nil
	case EncodingLatin1:
		return latin1(data, nil), nil
	case EncodingCP1252:
		var bad error
		out := latin1(data, func(c byte, i int) rune {
			r := cp1252High[c-0x80]
			if r == 0 {
				if bad == nil {
					bad = fmt.Errorf("byte 0x%02X at offset %d is undefined in windows-1252", c, i)
				}
				return utf8.RuneError
			}
			return r
		})
		return out, bad
	case EncodingUTF16, EncodingUTF16BE, EncodingUTF16LE:
		return decodeUTF16(e, data)
	}
	return data, fmt.Errorf("unsupported encoding %q", e)
}

// latin1 decodes bytes as ISO-8859-1; high, if not nil, maps 0x80-0x9F.
func latin1(data []byte, high func(c byte, i int) rune) []byte {
	out := make([]byte, 0, len(data)+len(data)/8)
	for i, c := range data {
		r := rune(c)
		if high != nil && c >= 0x80 && c <= 0x9F {
			r = high(c, i)
		}
		out = utf8.AppendRune(out, r)
	}
	return out
}

func decodeUTF16(e Encoding, data []byte) ([]byte, error) {
	bigEndian := e != EncodingUTF16LE
	switch {
	case len(data) >= 2 && data[0] == 0xFE && data[1] == 0xFF:
		bigEndian, data = true, data[2:]
	case len(data) >= 2 && data[0] == 0xFF && data[1] == 0xFE:
		bigEndian, data = false, data[2:]
	}
	var err error
	if len(data)%2 != 0 {
		err = errors.New("odd number of bytes in UTF-16")
		data = data[:len(data)-1]
	}
	units := make([]uint16, len(data)/2)
	for i := range units {
		if bigEndian {
			units[i] = uint16(data[2*i])<<8 | uint16(data[2*i+1])
		} else {
			units[i] = uint16(data[2*i+1])<<8 | uint16(data[2*i])
		}
	}
	for i := 0; i < len(units) && err == nil; i++ {
		switch u := units[i]; {
		case utf16.IsSurrogate(rune(u)) && u < 0xDC00 && i+1 < len(units) && units[i+1] >= 0xDC00 && units[i+1] <= 0xDFFF:
			i++
		case utf16.IsSurrogate(rune(u)):
			err = fmt.Errorf("unpaired UTF-16 surrogate at offset %d", 2*i)
		}
	}
	out := make([]byte, 0, len(units))
	for _, r := range utf16.Decode(units) {
		out = utf8.AppendRune(out, r)
	}
	return out, err
}
