package pack

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/magazin-archiv/magazin/preservation"
)

// Label is one bag-info.txt element.
type Label struct {
	Name, Value string
}

// Software names the program writing packages (Bag-Software-Agent, the
// METS CREATOR agent).
var Software = "magazin"

// SoftwareVersion is its version; cmd/magazin sets it.
var SoftwareVersion = "dev"

// WriteBag writes a BagIt 1.0 bag into dir (which must not exist) whose
// payload is files, each at data/<File.Path>. info are bag-info.txt
// elements besides the ones WriteBag adds itself (Bagging-Date,
// Payload-Oxum, Bag-Size, Bag-Software-Agent). progress counts bytes.
func WriteBag(ctx context.Context, dir string, files []File, info []Label, progress preservation.Progress) (*Result, error) {
	s, err := begin(dir, progress)
	if err != nil {
		return nil, err
	}
	if err := s.bag(ctx, files, info); err != nil {
		s.abort()
		return nil, err
	}
	return s.commit()
}

func (s *staging) bag(ctx context.Context, files []File, info []Label) error {
	var total int64
	for _, f := range files {
		if f.Size > 0 {
			total += f.Size
		}
	}
	s.progress.SetTotal(total)
	var payload []string
	for _, f := range files {
		if err := cleanPath(f.Path); err != nil {
			return err
		}
		rel := "data/" + f.Path
		d, err := s.put(ctx, rel, f)
		if err != nil {
			return err
		}
		payload = append(payload, rel)
		s.res.PayloadFiles++
		s.res.PayloadBytes += d.Size
	}
	if len(payload) == 0 {
		return fmt.Errorf("pack: a bag needs payload")
	}
	slices.Sort(payload)
	tags := []string{"bagit.txt", "bag-info.txt"}
	if _, err := s.putBytes(ctx, "bagit.txt", []byte("BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")); err != nil {
		return err
	}
	var bi strings.Builder
	for _, l := range info {
		if l.Value == "" {
			continue
		}
		fmt.Fprintf(&bi, "%s: %s\n", l.Name, oneLine(l.Value))
	}
	fmt.Fprintf(&bi, "Bagging-Date: %s\n", s.now.Format("2006-01-02"))
	fmt.Fprintf(&bi, "Payload-Oxum: %d.%d\n", s.res.PayloadBytes, s.res.PayloadFiles)
	fmt.Fprintf(&bi, "Bag-Size: %s\n", humanSize(s.res.PayloadBytes))
	fmt.Fprintf(&bi, "Bag-Software-Agent: %s %s\n", Software, SoftwareVersion)
	if _, err := s.putBytes(ctx, "bag-info.txt", []byte(bi.String())); err != nil {
		return err
	}
	for _, alg := range []string{"sha512", "sha256"} {
		name := "manifest-" + alg + ".txt"
		if _, err := s.putBytes(ctx, name, s.manifest(alg, payload)); err != nil {
			return err
		}
		tags = append(tags, name)
	}
	for _, alg := range []string{"sha512", "sha256"} {
		if _, err := s.putBytes(ctx, "tagmanifest-"+alg+".txt", s.manifest(alg, tags)); err != nil {
			return err
		}
	}
	return nil
}

// manifest renders a manifest of paths in alg.
func (s *staging) manifest(alg string, paths []string) []byte {
	var b strings.Builder
	for _, p := range paths {
		d := s.res.Files[p]
		sum := d.SHA512
		if alg == "sha256" {
			sum = d.SHA256
		}
		b.WriteString(sum)
		b.WriteByte(' ')
		b.WriteString(encodeManifestPath(p))
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

// encodeManifestPath percent-encodes CR, LF and % (RFC 8493 §2.1.3).
func encodeManifestPath(p string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(p)
}

// oneLine keeps a bag-info value on one line.
func oneLine(v string) string {
	return strings.Join(strings.Fields(v), " ")
}

// humanSize renders a byte count as bag-info's Bag-Size suggests.
func humanSize(n int64) string {
	units := []string{"B", "KB", "MB", "GB", "TB", "PB"}
	f := float64(n)
	i := 0
	for f >= 1000 && i < len(units)-1 {
		f /= 1000
		i++
	}
	if i == 0 {
		return strconv.FormatInt(n, 10) + " B"
	}
	return strconv.FormatFloat(f, 'f', 1, 64) + " " + units[i]
}
