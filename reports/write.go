package reports

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/hipaa-evidence/hipaa-evidence/internal/atomicfile"
)

// ModelFormat is the format of the JSON package model. It is always
// written, first: the package digest the other documents print is its
// SHA-256.
const ModelFormat = "json"

// WriteOptions say which reports to write and how.
type WriteOptions struct {
	// Formats lists the formats to write besides the JSON model, e.g.
	// ["pdf", "xlsx"]; empty means every registered format.
	Formats []string
	// Registry supplies the renderers; nil means Default (import
	// reports/all to register the built-in ones).
	Registry *Registry
	// Text holds the report's words; nil means the embedded templates.
	Text *Text
	// BaseName is the file name without extension; empty means
	// BaseName(p.Period).
	BaseName string
}

// File is one written report file.
type File struct {
	// Format is the format name, e.g. "pdf".
	Format string `json:"format"`
	// Path is where the file was written.
	Path string `json:"path"`
	// MediaType is the file's IANA media type.
	MediaType string `json:"media_type"`
	// SHA256 is the hex SHA-256 of the file.
	SHA256 string `json:"sha256"`
	// Size is the file's size in bytes.
	Size int64 `json:"size"`
}

// Written describes the reports Write produced.
type Written struct {
	// Digest is the package digest: the SHA-256 of the JSON model.
	Digest string `json:"digest"`
	// Files lists the files written, the JSON model first, then the other
	// formats in name order.
	Files []File `json:"files"`
}

// Path returns the path of the file of format, or "".
func (w *Written) Path(format string) string {
	for _, f := range w.Files {
		if f.Format == format {
			return f.Path
		}
	}
	return ""
}

// Write validates p, renders it in every requested format into dir
// (created if needed) and returns what it wrote. The JSON model is written
// first; its SHA-256 becomes p.Digest, which the other documents print.
// Each file is written to a temporary name, synced and renamed, so a crash
// never leaves a partial report under the final name; an existing file of
// the same name is replaced.
func Write(ctx context.Context, dir string, p *Package, opts WriteOptions) (*Written, error) {
	reg := opts.Registry
	if reg == nil {
		reg = Default
	}
	if err := Validate(p); err != nil {
		return nil, err
	}
	formats := opts.Formats
	if len(formats) == 0 {
		formats = reg.Names()
	}
	formats = slices.Clone(formats)
	slices.Sort(formats)
	formats = slices.Compact(formats)
	formats = slices.DeleteFunc(formats, func(f string) bool { return f == ModelFormat })
	if !reg.Has(ModelFormat) {
		return nil, fmt.Errorf("write reports: %w %q: the JSON model renderer is not registered (import reports/all)", ErrUnknownFormat, ModelFormat)
	}
	renderers := map[string]Renderer{}
	for _, name := range append([]string{ModelFormat}, formats...) {
		r, err := reg.New(name)
		if err != nil {
			return nil, fmt.Errorf("write reports: %w", err)
		}
		renderers[name] = r
	}
	base := opts.BaseName
	if base == "" {
		base = BaseName(p.Period)
	}
	if base == "" || filepath.Base(base) != base || base == "." || base == ".." {
		return nil, fmt.Errorf("write reports: base name %q is not a plain file name", base)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("write reports: %w", err)
	}
	files := map[string]string{}
	for name, r := range renderers {
		files[name] = base + "." + r.Extension()
	}
	text := opts.Text
	if text == nil {
		var err error
		if text, err = DefaultText(); err != nil {
			return nil, err
		}
	}
	ropts := &Options{Text: text, Files: files}
	out := &Written{}
	for _, name := range append([]string{ModelFormat}, formats...) {
		r := renderers[name]
		path := filepath.Join(dir, files[name])
		sum, size, err := writeAtomic(path, func(w io.Writer) error { return r.Render(ctx, w, p, ropts) })
		if err != nil {
			return nil, fmt.Errorf("write %s report %s: %w", name, path, err)
		}
		if name == ModelFormat {
			p.Digest = sum
			out.Digest = sum
		}
		out.Files = append(out.Files, File{Format: name, Path: path, MediaType: r.MediaType(), SHA256: sum, Size: size})
	}
	return out, nil
}

// writeAtomic writes what fill produces to path through a temporary file
// (atomicfile) and returns its SHA-256 and size.
func writeAtomic(path string, fill func(io.Writer) error) (string, int64, error) {
	f, err := atomicfile.Create(path, 0o644)
	if err != nil {
		return "", 0, err
	}
	defer f.Cleanup()
	h := sha256.New()
	cw := &countWriter{w: io.MultiWriter(f, h)}
	if err := fill(cw); err != nil {
		return "", 0, err
	}
	if err := f.Commit(); err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), cw.n, nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}

// Validate checks the rules of the model every renderer relies on:
// the schema, statuses from the fixed vocabularies, unique catalog entries,
// findings of known checks, exceptions in a known state. It reads
// every finding once.
func Validate(p *Package) error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if p.Schema != PackageSchema {
		bad("schema %q, want %q", p.Schema, PackageSchema)
	}
	if p.Period == "" {
		bad("no period")
	}
	if len(p.Controls) == 0 {
		bad("no catalog entries")
	}
	ids := map[string]bool{}
	for _, c := range p.Controls {
		if ids[c.ID] {
			bad("catalog entry %s appears twice", c.ID)
		}
		ids[c.ID] = true
		if !c.Status.Valid() {
			bad("catalog entry %s: status %q is not one of %v", c.ID, c.Status, ControlStatuses)
		}
		if c.PreviousStatus != "" && !c.PreviousStatus.Valid() {
			bad("catalog entry %s: previous status %q is not one of %v", c.ID, c.PreviousStatus, ControlStatuses)
		}
	}
	checks := map[string]bool{}
	for _, c := range p.Checks {
		if checks[c.ID] {
			bad("check %s appears twice", c.ID)
		}
		checks[c.ID] = true
	}
	for _, e := range p.Exceptions {
		switch e.State {
		case ExceptionActive, ExceptionExpired, ExceptionUnmatched:
		default:
			bad("exception %s: state %q is not active, expired or unmatched", e.ID, e.State)
		}
	}
	n := 0
	for f := range p.AllFindings() {
		n++
		if !f.Status.Valid() {
			bad("finding %d (%s %s): status %q is not one of %v", n, f.CheckID, f.ResourceID, f.Status, ResultStatuses)
		}
		if !checks[f.CheckID] {
			bad("finding %d: check %q is not in the package's checks", n, f.CheckID)
		}
		if len(errs) > 20 {
			break
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w: %w", ErrInvalidPackage, errors.Join(errs...))
	}
	return nil
}
