package formatcheck

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Container flavours of ZIP.
const (
	zipPlain = 1 + iota
	zipODF
	zipOOXML
)

// zipPUIDs maps ZIP-based PUIDs to their flavour.
var zipPUIDs = func() map[string]int {
	m := map[string]int{}
	for _, p := range []string{"x-fmt/263", "fmt/161", "fmt/995", "fmt/1196", "fmt/1777"} { // ZIP, SIARD
		m[p] = zipPlain
	}
	for _, p := range []string{"fmt/135", "fmt/136", "fmt/137", "fmt/138", "fmt/139", "fmt/140",
		"fmt/290", "fmt/291", "fmt/292", "fmt/293", "fmt/294", "fmt/295", "fmt/296", "fmt/297",
		"fmt/424", "fmt/444", "fmt/1752", "fmt/1753", "fmt/1754", "fmt/1755", "fmt/1756"} {
		m[p] = zipODF
	}
	for _, p := range []string{"fmt/189", "fmt/412", "fmt/214", "fmt/215", "fmt/1827", "fmt/1828", "fmt/1829",
		"fmt/523", "fmt/445", "fmt/487", "fmt/595", "fmt/597", "fmt/598", "fmt/599",
		"fmt/627", "fmt/628", "fmt/629", "fmt/630", "fmt/631", "fmt/632", "fmt/633", "fmt/636",
		"fmt/924", "fmt/925", "fmt/926", "fmt/927", "fmt/928", "fmt/929"} {
		m[p] = zipOOXML
	}
	return m
}()

var zipKind = &kind{tool: "Go archive/zip", version: goVersion, check: checkZip}

// Compression methods archive/zip can read.
const (
	methodStore   = 0
	methodDeflate = 8
	methodAES     = 99 // WinZip AES encryption
)

func checkZip(ctx context.Context, c *Checker, src *source, puid string, rep *report) (string, bool) {
	flavour := zipPUIDs[puid]
	detail := "ZIP central directory, local headers and the CRC-32 of every member"
	switch flavour {
	case zipODF:
		detail += "; ODF package (mimetype first and stored, META-INF/manifest.xml well-formed, encryption)"
	case zipOOXML:
		detail += "; OOXML package ([Content_Types].xml and _rels/.rels present and well-formed)"
	}

	if entries, dirSize, ok := zipDirectory(src); ok {
		if entries > uint64(c.lim.MaxZipEntries) {
			rep.add(CodeLimit, "ZIP not checked: %d entries exceed the limit of %d", entries, c.lim.MaxZipEntries)
			return detail, true
		}
		if dirSize > uint64(c.lim.MaxZipDirectory) {
			rep.add(CodeLimit, "ZIP not checked: a central directory of %d bytes exceeds the limit of %d", dirSize, c.lim.MaxZipDirectory)
			return detail, true
		}
	}
	zr, err := zip.NewReader(src, src.size)
	if err != nil && !(errors.Is(err, zip.ErrInsecurePath) && zr != nil) {
		rep.add(CodeInvalid, "ZIP central directory cannot be read: %v", err)
		return detail, true
	}
	if len(zr.File) > c.lim.MaxZipEntries { // a declared count that wrapped
		rep.add(CodeLimit, "ZIP not checked: %d entries exceed the limit of %d", len(zr.File), c.lim.MaxZipEntries)
		return detail, true
	}

	seen := make(map[string]bool, len(zr.File))
	var encrypted, unsupported []string
	var total uint64
	odfEncrypted := false
	for i, f := range zr.File {
		if ctx.Err() != nil {
			rep.stop()
			return detail, true
		}
		if seen[f.Name] {
			rep.add(CodeInvalid, "ZIP member %q appears twice", f.Name)
			continue
		}
		seen[f.Name] = true
		if f.Flags&0x1 != 0 || f.Method == methodAES {
			encrypted = append(encrypted, f.Name)
			continue
		}
		if f.Method != methodStore && f.Method != methodDeflate {
			unsupported = append(unsupported, fmt.Sprintf("%s (method %d)", f.Name, f.Method))
			continue
		}
		total += f.UncompressedSize64
		if total > uint64(c.lim.MaxZipUncompressed) {
			rep.add(CodeLimit, "ZIP not completely checked: members from %q on not decompressed, their sizes exceed %d bytes in all",
				f.Name, c.lim.MaxZipUncompressed)
			break
		}
		if flavour == zipODF && i == 0 {
			checkODFMimetype(f, rep)
		}
		var onXML func(xml.StartElement)
		isPart := false
		switch {
		case flavour == zipODF && f.Name == "META-INF/manifest.xml":
			isPart = true
			onXML = func(t xml.StartElement) {
				if t.Name.Local == "encryption-data" {
					odfEncrypted = true
				}
			}
		case flavour == zipOOXML && (f.Name == "[Content_Types].xml" || f.Name == "_rels/.rels"):
			isPart = true
		}
		if err := checkMember(f, c, isPart, onXML); err != nil {
			var lim *xmlLimitError
			if errors.As(err, &lim) {
				rep.add(CodeLimit, "ZIP member %q not completely checked: %v", f.Name, err)
			} else {
				rep.add(CodeInvalid, "ZIP member %q: %v", f.Name, err)
			}
		}
	}
	if len(encrypted) > 0 {
		rep.add(CodeEncrypted, "%d ZIP member(s) encrypted, not checked: %s", len(encrypted), listNames(encrypted))
	}
	if odfEncrypted {
		rep.add(CodeEncrypted, "ODF document is encrypted (META-INF/manifest.xml has encryption-data): its content cannot be read without the password")
	}
	switch flavour {
	case zipODF:
		if len(zr.File) == 0 || zr.File[0].Name != "mimetype" {
			rep.add(CodeInvalid, "ODF package: the first member is not \"mimetype\"")
		}
		if !seen["META-INF/manifest.xml"] {
			rep.add(CodeInvalid, "ODF package: META-INF/manifest.xml is missing")
		}
	case zipOOXML:
		for _, p := range []string{"[Content_Types].xml", "_rels/.rels"} {
			if !seen[p] {
				rep.add(CodeInvalid, "OOXML package: %s is missing", p)
			}
		}
	}
	if len(unsupported) > 0 {
		detail += fmt.Sprintf("; %d member(s) not decompressed (compression method not supported by archive/zip): %s",
			len(unsupported), listNames(unsupported))
	}
	return detail, true
}

// checkMember reads a member to its end, which makes archive/zip check its
// CRC-32 and size; a package part is checked for well-formedness too.
func checkMember(f *zip.File, c *Checker, isPart bool, onXML func(xml.StartElement)) error {
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	er := &errReader{r: rc}
	if isPart {
		xerr := wellFormed(er, c.lim, false, onXML)
		if er.err != nil { // a damaged member, not bad XML
			return zipErr(er.err)
		}
		if xerr != nil {
			var lim *xmlLimitError
			if errors.As(xerr, &lim) {
				return xerr
			}
			return fmt.Errorf("not well-formed XML: %w", xerr)
		}
	}
	if _, err := io.Copy(io.Discard, er); err != nil {
		return zipErr(err)
	}
	return nil
}

func zipErr(err error) error {
	switch {
	case errors.Is(err, zip.ErrChecksum):
		return errors.New("CRC-32 mismatch: the content is damaged")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("data ends early (truncated or damaged): %w", err)
	}
	return err
}

// errReader remembers the first error other than io.EOF of r.
type errReader struct {
	r   io.Reader
	err error
}

func (e *errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF && e.err == nil {
		e.err = err
	}
	return n, err
}

// checkODFMimetype checks ODF's first member: "mimetype", stored, without
// an extra field, naming an OpenDocument media type (ODF 1.2 part 3, 3.3).
func checkODFMimetype(f *zip.File, rep *report) {
	if f.Name != "mimetype" {
		return // reported after the loop
	}
	if f.Method != methodStore {
		rep.add(CodeInvalid, "ODF package: mimetype is compressed (must be stored)")
	}
	if len(f.Extra) > 0 {
		rep.add(CodeInvalid, "ODF package: mimetype has an extra field in its header")
	}
	rc, err := f.Open()
	if err != nil {
		return // reported by checkMember
	}
	defer rc.Close()
	b, _ := io.ReadAll(io.LimitReader(rc, 256))
	if !bytes.HasPrefix(b, []byte("application/vnd.oasis.opendocument.")) {
		rep.add(CodeInvalid, "ODF package: mimetype is %q, not an OpenDocument media type", string(b))
	}
}

func listNames(names []string) string {
	const show = 5
	if len(names) <= show {
		return strings.Join(quoteAll(names), ", ")
	}
	return strings.Join(quoteAll(names[:show]), ", ") + fmt.Sprintf(" and %d more", len(names)-show)
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

// zipDirectory reads the declared entry count and central directory size
// from the end of central directory record (or its ZIP64 form), so that
// they are checked before archive/zip allocates for them. ok is false when
// there is no such record; archive/zip then reports the damage.
func zipDirectory(src *source) (entries, size uint64, ok bool) {
	const eocdLen, maxComment = 22, 65535
	n := min(src.size, eocdLen+maxComment)
	if n < eocdLen {
		return 0, 0, false
	}
	buf := make([]byte, n)
	if _, err := src.ReadAt(buf, src.size-n); err != nil && err != io.EOF {
		return 0, 0, false
	}
	i := bytes.LastIndex(buf[:n-eocdLen+4], []byte("PK\x05\x06"))
	if i < 0 {
		return 0, 0, false
	}
	e := buf[i:]
	entries = uint64(binary.LittleEndian.Uint16(e[10:]))
	size = uint64(binary.LittleEndian.Uint32(e[12:]))
	if entries != 0xffff && size != 0xffffffff {
		return entries, size, true
	}
	// ZIP64: the locator precedes the record and points to the ZIP64 end record.
	locAt := src.size - n + int64(i) - 20
	if locAt < 0 {
		return entries, size, true
	}
	var loc [20]byte
	if _, err := src.ReadAt(loc[:], locAt); err != nil || string(loc[:4]) != "PK\x06\x07" {
		return entries, size, true
	}
	var rec [56]byte
	at := binary.LittleEndian.Uint64(loc[8:])
	if at > uint64(src.size) {
		return entries, size, true
	}
	if _, err := src.ReadAt(rec[:], int64(at)); err != nil || string(rec[:4]) != "PK\x06\x06" {
		return entries, size, true
	}
	return binary.LittleEndian.Uint64(rec[32:]), binary.LittleEndian.Uint64(rec[40:]), true
}
