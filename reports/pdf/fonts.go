package pdf

import (
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goitalic"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"
)

// The report embeds the Go fonts (golang.org/x/image/font/gofont, BSD
// licence, by Bigelow & Holmes). They cover the Latin, Greek and Cyrillic
// scripts (the WGL4 set) but no Chinese, Japanese or Korean characters, and
// no emoji. A character the fonts cannot draw is written as its Unicode
// code point in brackets ("日本" becomes "[U+65E5 U+672C]") so that the
// text stays legible and unambiguous; the XLSX workbook and the JSON model
// keep the original text.

const (
	family     = "Go"
	monoFamily = "GoMono"
)

// fontFiles are the embedded fonts by family and style.
var fontFiles = []struct {
	family, style string
	ttf           []byte
}{
	{family, "", goregular.TTF},
	{family, "B", gobold.TTF},
	{family, "I", goitalic.TTF},
	{monoFamily, "", gomono.TTF},
}

// coverage answers whether every embedded font has a glyph for a rune.
type coverage struct {
	fonts []*sfnt.Font
	buf   sfnt.Buffer
	known map[rune]bool
}

var (
	coverOnce sync.Once
	coverErr  error
	coverFont []*sfnt.Font
)

// newCoverage returns a glyph coverage checker. Each renderer uses its own
// (it caches answers and is not safe for concurrent use).
func newCoverage() (*coverage, error) {
	coverOnce.Do(func() {
		for _, f := range fontFiles {
			parsed, err := sfnt.Parse(f.ttf)
			if err != nil {
				coverErr = fmt.Errorf("parse embedded font %s %s: %w", f.family, f.style, err)
				return
			}
			coverFont = append(coverFont, parsed)
		}
	})
	if coverErr != nil {
		return nil, coverErr
	}
	return &coverage{fonts: coverFont, known: map[rune]bool{}}, nil
}

// has reports whether every embedded font can draw r.
func (c *coverage) has(r rune) bool {
	if r >= 0x20 && r < 0x7f {
		return true
	}
	if ok, seen := c.known[r]; seen {
		return ok
	}
	ok := r <= 0xffff && unicode.IsPrint(r)
	for _, f := range c.fonts {
		if !ok {
			break
		}
		g, err := f.GlyphIndex(&c.buf, r)
		ok = err == nil && g != 0
	}
	c.known[r] = ok
	return ok
}

// clean returns s as the fonts can draw it: control characters become
// spaces (tabs and newlines included; callers split lines first) and runs of
// characters without a glyph become "[U+XXXX U+YYYY]".
func (c *coverage) clean(s string) string {
	simple := true
	for i := 0; i < len(s); i++ {
		if b := s[i]; b < 0x20 || b >= 0x7f {
			simple = false
			break
		}
	}
	if simple {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	var missing []rune
	flush := func() {
		if len(missing) == 0 {
			return
		}
		b.WriteByte('[')
		for i, r := range missing {
			if i > 0 {
				b.WriteByte(' ')
			}
			fmt.Fprintf(&b, "U+%04X", r)
		}
		b.WriteByte(']')
		missing = missing[:0]
	}
	for _, r := range s {
		switch {
		case r == utf8.RuneError:
			flush()
			b.WriteRune('?')
		case r < 0x20 || r == 0x7f:
			flush()
			b.WriteByte(' ')
		case c.has(r):
			flush()
			b.WriteRune(r)
		case unicode.IsSpace(r):
			flush()
			b.WriteByte(' ')
		default:
			missing = append(missing, r)
		}
	}
	flush()
	return b.String()
}
