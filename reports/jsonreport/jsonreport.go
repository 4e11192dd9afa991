package jsonreport

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/hipaa-evidence/hipaa-evidence/reports"
)

// Name is the format name the renderer registers as.
const Name = "json"

// MediaType is the media type of the JSON package model.
const MediaType = "application/json"

func init() { reports.Register(Name, func() reports.Renderer { return Renderer{} }) }

// Renderer writes the JSON package model.
type Renderer struct{}

// Extension returns "json".
func (Renderer) Extension() string { return "json" }

// MediaType returns "application/json".
func (Renderer) MediaType() string { return MediaType }

// Render writes p to w in the canonical encoding. Findings are streamed one
// at a time, so a package whose FindingSource generates them never holds
// them all.
func (Renderer) Render(ctx context.Context, w io.Writer, p *reports.Package, _ *reports.Options) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	if err := Encode(ctx, bw, p); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write JSON report: %w", err)
	}
	return nil
}

// Encode writes p to w in the canonical encoding.
func Encode(ctx context.Context, w io.Writer, p *reports.Package) error {
	v := reflect.ValueOf(p).Elem()
	t := v.Type()
	if _, err := io.WriteString(w, "{"); err != nil {
		return fmt.Errorf("write JSON report: %w", err)
	}
	first := true
	for i := range t.NumField() {
		field := t.Field(i)
		name, _, _ := strings.Cut(field.Tag.Get("json"), ",")
		if name == "-" || name == "" {
			continue
		}
		sep := ",\n  "
		if first {
			sep = "\n  "
			first = false
		}
		key, err := marshal(name, "")
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(w, "%s%s: ", sep, key); err != nil {
			return fmt.Errorf("write JSON report: %w", err)
		}
		if name == "findings" {
			if err := encodeFindings(ctx, w, p); err != nil {
				return err
			}
			continue
		}
		b, err := marshal(v.Field(i).Interface(), "  ")
		if err != nil {
			return fmt.Errorf("encode %s: %w", name, err)
		}
		if _, err := w.Write(b); err != nil {
			return fmt.Errorf("write JSON report: %w", err)
		}
	}
	if _, err := io.WriteString(w, "\n}\n"); err != nil {
		return fmt.Errorf("write JSON report: %w", err)
	}
	return nil
}

func encodeFindings(ctx context.Context, w io.Writer, p *reports.Package) error {
	if _, err := io.WriteString(w, "["); err != nil {
		return fmt.Errorf("write JSON report: %w", err)
	}
	n := 0
	for f := range p.AllFindings() {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		b, err := marshal(f, "")
		if err != nil {
			return fmt.Errorf("encode finding %s %s: %w", f.CheckID, f.ResourceID, err)
		}
		sep := ",\n    "
		if n == 0 {
			sep = "\n    "
		}
		if _, err := io.WriteString(w, sep); err != nil {
			return fmt.Errorf("write JSON report: %w", err)
		}
		if _, err := w.Write(b); err != nil {
			return fmt.Errorf("write JSON report: %w", err)
		}
		n++
	}
	closing := "]"
	if n > 0 {
		closing = "\n  ]"
	}
	if _, err := io.WriteString(w, closing); err != nil {
		return fmt.Errorf("write JSON report: %w", err)
	}
	return nil
}

// marshal encodes v without HTML escaping; a non-empty indent indents
// nested values as a field of the top-level object.
func marshal(v any, indent string) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if indent != "" {
		enc.SetIndent(indent, "  ")
	}
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Decode reads a JSON package model. Unknown fields are rejected, and
// input larger than limit bytes is refused (it bounds what a hostile or
// corrupt file can make the reader allocate).
func Decode(r io.Reader, limit int64) (*reports.Package, error) {
	lr := &io.LimitedReader{R: r, N: limit + 1}
	dec := json.NewDecoder(lr)
	dec.DisallowUnknownFields()
	var p reports.Package
	if err := dec.Decode(&p); err != nil {
		if lr.N <= 0 {
			return nil, fmt.Errorf("read JSON report: larger than %d bytes", limit)
		}
		return nil, fmt.Errorf("read JSON report: %w", err)
	}
	if lr.N <= 0 {
		return nil, fmt.Errorf("read JSON report: larger than %d bytes", limit)
	}
	if p.Schema != reports.PackageSchema {
		return nil, fmt.Errorf("read JSON report: schema %q, want %q", p.Schema, reports.PackageSchema)
	}
	return &p, nil
}
