package iiif

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/magazin-archiv/magazin/access"
	"github.com/magazin-archiv/magazin/preservation"
)

const presentationContext = "http://iiif.io/api/presentation/3/context.json"

// lang is a IIIF language map.
type lang map[string][]string

func de(s string) lang { return lang{"de": {s}} }

type labelValue struct {
	Label lang `json:"label"`
	Value lang `json:"value"`
}

type manifestJSON struct {
	Context  string       `json:"@context"`
	ID       string       `json:"id"`
	Type     string       `json:"type"`
	Label    lang         `json:"label"`
	Metadata []labelValue `json:"metadata"`
	Homepage []resource   `json:"homepage,omitempty"`
	Behavior []string     `json:"behavior,omitempty"`
	Items    []canvas     `json:"items"`
}

type resource struct {
	ID     string `json:"id"`
	Type   string `json:"type"`
	Label  lang   `json:"label,omitempty"`
	Format string `json:"format,omitempty"`
}

type canvas struct {
	ID     string           `json:"id"`
	Type   string           `json:"type"`
	Label  lang             `json:"label"`
	Width  int              `json:"width"`
	Height int              `json:"height"`
	Items  []annotationPage `json:"items"`
}

type annotationPage struct {
	ID    string       `json:"id"`
	Type  string       `json:"type"`
	Items []annotation `json:"items"`
}

type annotation struct {
	ID         string    `json:"id"`
	Type       string    `json:"type"`
	Motivation string    `json:"motivation"`
	Body       imageBody `json:"body"`
	Target     string    `json:"target"`
}

type imageBody struct {
	ID      string    `json:"id"`
	Type    string    `json:"type"`
	Format  string    `json:"format"`
	Width   int       `json:"width"`
	Height  int       `json:"height"`
	Service []service `json:"service"`
}

type service struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Profile string `json:"profile"`
}

// manifest answers the Presentation 3.0 manifest of a unit: one canvas per
// page, label and metadata from the public view.
func (s *Server) manifest(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	pu, ps, err := s.pages(ctx, r.PathValue("unit"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u := pu.Unit
	base := s.base(r)
	id := base + ManifestPath(u.ID)
	m := manifestJSON{Context: presentationContext, ID: id, Type: "Manifest",
		Label: de(strings.TrimSpace(u.Signatur + " " + u.Title)), Metadata: metadata(pu), Behavior: []string{"paged"},
		Homepage: []resource{{ID: base + "/unit/" + shortID(u.ID), Type: "Text", Label: de("Einheit im Lesesaal"), Format: "text/html"}}}
	for _, p := range ps {
		cw, ch, err := s.cache.size(ctx, p.file.SHA512, s.opener(p))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		cid := id + "/canvas/" + strconv.Itoa(p.n)
		img := s.imageURL(r, ImageID(u.ID, p.n))
		m.Items = append(m.Items, canvas{ID: cid, Type: "Canvas", Label: de("Seite " + strconv.Itoa(p.n)), Width: cw, Height: ch,
			Items: []annotationPage{{ID: cid + "/page", Type: "AnnotationPage", Items: []annotation{{
				ID: cid + "/page/image", Type: "Annotation", Motivation: "painting", Target: cid,
				Body: imageBody{ID: img + "/full/max/0/default.jpg", Type: "Image", Format: "image/jpeg", Width: cw, Height: ch,
					Service: []service{{ID: img, Type: "ImageService3", Profile: "level1"}}},
			}}}}})
	}
	s.writeJSON(w, r, m, presentationContext)
}

// metadata is the manifest's descriptive metadata, in German, from the
// public view.
func metadata(pu *access.PublicUnit) []labelValue {
	u := pu.Unit
	var md []labelValue
	add := func(label, value string) {
		if value != "" {
			md = append(md, labelValue{de(label), de(value)})
		}
	}
	add("Signatur", u.Signatur)
	add("Titel", u.Title)
	add("Laufzeit", preservation.LaufzeitText(u.From, u.To))
	add("Bestand", pu.BestandTitle)
	return md
}
