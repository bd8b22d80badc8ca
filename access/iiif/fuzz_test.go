package iiif

import (
	"image"
	"testing"
)

// FuzzImageRequest: any region and size either fail or give a region
// inside the image and an output no larger than the region.
func FuzzImageRequest(f *testing.F) {
	for _, s := range [][2]string{{"full", "max"}, {"square", "100,"}, {"0,0,512,512", "512,"}, {"pct:10,10,50,50", "!100,100"},
		{"1,2,3,4", ",2"}, {"99999999999,0,1,1", "pct:50"}, {"0,0,1e3,5", "^max"}} {
		f.Add(s[0], s[1], 1300, 1700)
	}
	f.Fuzz(func(t *testing.T, region, size string, w, h int) {
		if w < 1 || h < 1 || w > 1<<20 || h > 1<<20 {
			return
		}
		reg, err := parseRegion(region, w, h)
		if err != nil {
			return
		}
		if reg.Empty() || !reg.In(image.Rect(0, 0, w, h)) {
			t.Fatalf("region %q of %dx%d = %v", region, w, h, reg)
		}
		ow, oh, err := parseSize(size, reg.Dx(), reg.Dy())
		if err != nil {
			return
		}
		if ow < 1 || oh < 1 || ow > reg.Dx() || oh > reg.Dy() {
			t.Fatalf("size %q of %v = %dx%d", size, reg, ow, oh)
		}
	})
}
