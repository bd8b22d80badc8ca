package formatcheck

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/fault"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/validate"
)

// pdfPUIDs are the PDF family: PDF 1.0-1.7 and 2.0, PDF/A, PDF/X, PDF/E,
// PDF portfolio.
var pdfPUIDs = set(
	"fmt/14", "fmt/15", "fmt/16", "fmt/17", "fmt/18", "fmt/19", "fmt/20", "fmt/276", "fmt/1129",
	"fmt/95", "fmt/354", "fmt/476", "fmt/477", "fmt/478", "fmt/479", "fmt/480", "fmt/481",
	"fmt/1910", "fmt/1911", "fmt/1912",
	"fmt/144", "fmt/145", "fmt/146", "fmt/147", "fmt/148", "fmt/157", "fmt/158",
	"fmt/488", "fmt/489", "fmt/490", "fmt/491", "fmt/492", "fmt/493", "fmt/1451",
)

// pdfaClaim is what a PDF/A PUID claims: the XMP pdfaid:part and
// pdfaid:conformance (empty for plain PDF/A-4).
type pdfaClaim struct{ part, conformance string }

func (c pdfaClaim) String() string { return "PDF/A-" + c.part + strings.ToLower(c.conformance) }

var pdfaClaims = map[string]pdfaClaim{
	"fmt/95": {"1", "A"}, "fmt/354": {"1", "B"},
	"fmt/476": {"2", "A"}, "fmt/477": {"2", "B"}, "fmt/478": {"2", "U"},
	"fmt/479": {"3", "A"}, "fmt/480": {"3", "B"}, "fmt/481": {"3", "U"},
	"fmt/1910": {"4", ""}, "fmt/1911": {"4", "E"}, "fmt/1912": {"4", "F"},
}

// pdfaidNS is the XMP namespace of the PDF/A identification schema.
const pdfaidNS = "http://www.aiim.org/pdfa/ns/id/"

// maxXMP bounds the XMP metadata stream that is parsed.
const maxXMP = 8 << 20

var pdfcpuVersion = moduleVersion("github.com/pdfcpu/pdfcpu", strings.Fields(model.VersionStr)[0])

var pdfKind = &kind{tool: "pdfcpu", version: pdfcpuVersion, check: checkPDF}

// pdfOutcome is what the pdfcpu goroutine found.
type pdfOutcome struct {
	readErr     error // the file could not be read (parsed)
	needsPW     bool  // encrypted with an open (user) password
	encrypted   bool
	validateErr error
	xmp         []byte // the catalog's metadata stream, decoded; nil if none
	xmpErr      error
	panicked    any
}

func (c *Checker) pdfConfig() *model.Configuration {
	// Built by hand: model.NewDefaultConfiguration would create pdfcpu's
	// configuration directory in the user's home.
	lim := model.DefaultResourceLimits()
	lim.MaxStreamBytes = c.lim.MaxPDFStream
	lim.MaxDecodeBytes = c.lim.MaxPDFStream
	lim.MaxImageBytes = c.lim.MaxPDFStream
	conf := &model.Configuration{
		Version:                   model.VersionStr,
		CheckFileNameExt:          false,
		Reader15:                  true,
		ValidationMode:            model.ValidationRelaxed,
		UnsupportedResourcePolicy: model.UnsupportedResourceSkip,
		Cmd:                       model.VALIDATE,
		Offline:                   true,
		Limits:                    lim,
	}
	if c.strict {
		conf.ValidationMode = model.ValidationStrict
		conf.DecodeAllStreams = true
	}
	return conf
}

func checkPDF(ctx context.Context, c *Checker, src *source, puid string, rep *report) (string, bool) {
	mode := "relaxed"
	if c.strict {
		mode = "strict"
	}
	detail := "PDF structure (pdfcpu validation, " + mode + " mode); classic cross-reference offsets; encryption"
	claim, claimsPDFA := pdfaClaims[puid]
	if claimsPDFA {
		detail += "; PDF/A identification (" + puid + " = " + claim.String() + ") against the XMP pdfaid"
	}
	if src.size > c.lim.MaxPDFSize {
		rep.add(CodeLimit, "PDF not checked: %d bytes exceed the limit of %d bytes", src.size, c.lim.MaxPDFSize)
		return detail, true
	}

	// pdfcpu's validation does not take a context: run it aside so that a
	// timeout or cancellation returns at once. The goroutine keeps the
	// file open until it ends; pdfcpu's reads fail once ctx is done.
	done := make(chan pdfOutcome, 1)
	src.acquire()
	go func() {
		defer src.release()
		done <- runPDFCPU(ctx, src.reader(), c.pdfConfig())
	}()
	var o pdfOutcome
	select {
	case o = <-done:
	case <-ctx.Done():
		rep.stop()
		return detail, true
	}

	switch {
	case o.panicked != nil:
		rep.add(CodeToolFailed, "pdfcpu failed: %v", o.panicked)
		return detail, true
	case o.needsPW:
		rep.add(CodeEncrypted, "PDF is encrypted with an open (user) password: its content cannot be read or checked")
		rep.setInvalid()
		if claimsPDFA {
			rep.add(CodePDFAClaim, "identified as %s, but encrypted: PDF/A forbids encryption", claim)
		}
		return detail, true
	case o.readErr != nil:
		rep.add(CodeInvalid, "PDF cannot be read: %v", o.readErr)
		return detail, true
	}
	if msg := checkXref(src); msg != "" {
		rep.add(CodeInvalid, "PDF: %s", msg)
	}
	if o.encrypted {
		rep.add(CodeEncrypted, "PDF is encrypted (no password needed to open it; printing, copying or changing may be restricted)")
	}
	if o.validateErr != nil {
		rep.add(CodeInvalid, "PDF structure invalid (pdfcpu, %s mode): %v", mode, o.validateErr)
	}
	if claimsPDFA {
		checkPDFAClaim(puid, claim, o, rep)
	}
	return detail, true
}

// runPDFCPU reads and validates a PDF with pdfcpu and extracts its XMP
// metadata. It recovers pdfcpu's panics.
func runPDFCPU(ctx context.Context, rs io.ReadSeeker, conf *model.Configuration) (o pdfOutcome) {
	defer func() {
		if r := recover(); r != nil {
			if p, ok := r.(fault.Panic); ok {
				// pdfcpu's own way to give up on a file.
				o.readErr = p.Err
				return
			}
			o.panicked = r
		}
	}()
	pctx, err := pdfcpu.ReadWithContext(ctx, rs, conf)
	if err != nil {
		if errors.Is(err, pdfcpu.ErrWrongPassword) {
			o.needsPW = true
		} else {
			o.readErr = err
		}
		return o
	}
	o.encrypted = pctx.E != nil || pctx.XRefTable.Encrypt != nil
	o.validateErr = validate.XRefTable(pctx)
	o.xmp, o.xmpErr = catalogXMP(pctx, conf.Limits.MaxDecodeBytes)
	return o
}

// catalogXMP returns the decoded metadata stream of the document catalog,
// or nil if there is none.
func catalogXMP(pctx *model.Context, maxDecode int64) (xmp []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			xmp, err = nil, fmt.Errorf("read XMP metadata: %v", r)
		}
	}()
	root, err := pctx.XRefTable.Catalog()
	if err != nil {
		return nil, err
	}
	o, found := root.Find("Metadata")
	if !found || o == nil {
		return nil, nil
	}
	sd, _, err := pctx.XRefTable.DereferenceStreamDict(o)
	if err != nil {
		return nil, err
	}
	if sd == nil {
		return nil, nil
	}
	if sd.Content != nil {
		return sd.Content, nil
	}
	if maxDecode > maxXMP {
		maxDecode = maxXMP
	}
	content, err := sd.DecodeLengthWithLimit(-1, maxDecode)
	if err != nil {
		return nil, err
	}
	if content == nil {
		content = []byte{}
	}
	return content, nil
}

func checkPDFAClaim(puid string, claim pdfaClaim, o pdfOutcome, rep *report) {
	if o.encrypted {
		rep.add(CodePDFAClaim, "identified as %s (%s), but encrypted: PDF/A forbids encryption", claim, puid)
	}
	switch {
	case o.xmpErr != nil:
		rep.add(CodePDFAClaim, "identified as %s (%s), but the XMP metadata cannot be read: %v", claim, puid, o.xmpErr)
		return
	case o.xmp == nil:
		rep.add(CodePDFAClaim, "identified as %s (%s), but the document catalog has no XMP metadata stream declaring it", claim, puid)
		return
	}
	part, conformance, err := pdfaID(o.xmp)
	switch {
	case err != nil:
		rep.add(CodePDFAClaim, "identified as %s (%s), but the XMP metadata is not well-formed: %v", claim, puid, err)
	case part == "":
		rep.add(CodePDFAClaim, "identified as %s (%s), but the XMP metadata has no pdfaid:part", claim, puid)
	case part != claim.part || !strings.EqualFold(conformance, claim.conformance):
		got := pdfaClaim{part, conformance}
		rep.add(CodePDFAClaim, "identified as %s (%s), but the XMP metadata declares %s (pdfaid:part %q, pdfaid:conformance %q)",
			claim, puid, got, part, conformance)
	}
}

// pdfaID returns pdfaid:part and pdfaid:conformance from XMP metadata,
// written as attributes of an rdf:Description or as elements.
func pdfaID(xmp []byte) (part, conformance string, err error) {
	d := xml.NewDecoder(bytes.NewReader(xmp))
	d.Strict = true
	d.CharsetReader = charsetReader
	var field *string // the pdfaid element being read
	var text strings.Builder
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return strings.TrimSpace(part), strings.TrimSpace(conformance), nil
		}
		if err != nil {
			return "", "", err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			for _, a := range t.Attr {
				if a.Name.Space == pdfaidNS {
					switch a.Name.Local {
					case "part":
						part = a.Value
					case "conformance":
						conformance = a.Value
					}
				}
			}
			field = nil
			if t.Name.Space == pdfaidNS {
				switch t.Name.Local {
				case "part":
					field = &part
				case "conformance":
					field = &conformance
				}
				text.Reset()
			}
		case xml.CharData:
			if field != nil && text.Len() < 64 {
				text.Write(t)
			}
		case xml.EndElement:
			if field != nil {
				*field = text.String()
				field = nil
			}
		}
	}
}
