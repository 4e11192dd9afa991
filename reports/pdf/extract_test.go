package pdf

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"
)

// extractPages returns the text of each page of a PDF this package wrote, in
// content-stream order, one shown string per line. It understands exactly
// what fpdf writes for UTF-8 fonts (Identity-H strings of UTF-16BE code
// units in "(...)Tj"), which is enough to compare renders with goldens
// without depending on an outside tool. The poppler test checks the same
// files with independent tools.
func extractPages(pdf []byte) ([]string, error) {
	var pages []string
	rest := pdf
	for {
		i := bytes.Index(rest, []byte("stream\n"))
		if i < 0 {
			break
		}
		// Skip "endstream" matches.
		if i >= 3 && string(rest[i-3:i]) == "end" {
			rest = rest[i+7:]
			continue
		}
		body := rest[i+7:]
		j := bytes.Index(body, []byte("\nendstream"))
		if j < 0 {
			return nil, fmt.Errorf("unterminated stream")
		}
		data := body[:j]
		rest = body[j:]
		zr, err := zlib.NewReader(bytes.NewReader(data))
		if err != nil {
			continue // not a compressed stream
		}
		content, err := io.ReadAll(zr)
		if err != nil {
			continue
		}
		if !bytes.Contains(content, []byte(")Tj")) {
			continue // a font or image stream
		}
		lines, err := showStrings(content)
		if err != nil {
			return nil, err
		}
		pages = append(pages, strings.Join(lines, "\n"))
	}
	return pages, nil
}

// showStrings returns the decoded strings of every "(...)Tj" in content.
func showStrings(content []byte) ([]string, error) {
	var out []string
	for i := 0; i < len(content); i++ {
		if content[i] != '(' {
			continue
		}
		var raw []byte
		j := i + 1
		for ; j < len(content) && content[j] != ')'; j++ {
			c := content[j]
			if c == '\\' && j+1 < len(content) {
				j++
				switch content[j] {
				case 'r':
					c = '\r'
				case 'n':
					c = '\n'
				default:
					c = content[j]
				}
			}
			raw = append(raw, c)
		}
		if j >= len(content) {
			return nil, fmt.Errorf("unterminated string")
		}
		if !bytes.HasPrefix(content[j+1:], []byte("Tj")) {
			i = j
			continue
		}
		if len(raw)%2 != 0 {
			return nil, fmt.Errorf("odd-length UTF-16 string %q", raw)
		}
		units := make([]uint16, len(raw)/2)
		for k := range units {
			units[k] = uint16(raw[2*k])<<8 | uint16(raw[2*k+1])
		}
		out = append(out, string(utf16.Decode(units)))
		i = j
	}
	return out, nil
}
