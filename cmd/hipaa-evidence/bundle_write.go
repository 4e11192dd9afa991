package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/locker"
	"github.com/hipaa-evidence/hipaa-evidence/reports/bundle"
)

// maxAttachmentRead bounds one attachment file read back from the locker:
// a corrupt or hostile locker cannot make package exhaust memory (attach
// accepts documents up to 256 MiB).
const maxAttachmentRead = 512 << 20

// bundleRequest is everything package puts in a bundle besides what the
// bundle writer generates itself.
type bundleRequest struct {
	// Organization and Period name the bundle.
	Organization, Period string
	// RunID is the locker run whose evidence goes in.
	RunID string
	// Locker holds the run, its snapshots and the attachments.
	Locker *locker.Locker
	// Signer seals the bundle; it must be the key that signed the evidence.
	Signer evidence.Signer
	// Results is results.json, exactly as evaluated.
	Results []byte
	// EvalFiles are the evaluation's inputs (controls.InputFiles): check
	// files go under checks/, everything else under config/.
	EvalFiles map[string][]byte
	// Attachments are the ids of the attachments the evaluation considered,
	// each a directory under the locker's files/attachments/.
	Attachments []string
	// Reports are report files on disk (PDF, XLSX), placed under reports/.
	Reports []string
	// OutDir is where the zip and the outer SHA256SUMS go.
	OutDir string
	// TSA is an RFC 3161 time-stamping authority URL, or "".
	TSA string
	// Replace allows replacing an existing bundle of the same name.
	Replace bool
	// Now is the bundle's creation time.
	Now time.Time
}

// evalFilePath returns where an evaluation input file goes in a bundle.
func evalFilePath(name string) string {
	if strings.HasPrefix(name, "checks/") {
		return name
	}
	return "config/" + name
}

// evalFileName reverses evalFilePath: the controls.InputFiles name of a
// bundle path, or "" when the path is not an evaluation input.
func evalFileName(p string) string {
	switch {
	case strings.HasPrefix(p, "checks/"):
		return p
	case strings.HasPrefix(p, "config/"):
		return strings.TrimPrefix(p, "config/")
	}
	return ""
}

// writeBundle collects the files of a bundle and writes it.
func writeBundle(ctx context.Context, req bundleRequest) (*bundle.Result, error) {
	files, err := bundle.RunFiles(req.Locker, req.RunID, req.Signer.PublicKey())
	if err != nil {
		return nil, err
	}
	if req.Results != nil {
		files = append(files, bundle.BytesFile(bundle.ResultsFile, req.Results))
	}
	names := make([]string, 0, len(req.EvalFiles))
	for n := range req.EvalFiles {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		files = append(files, bundle.BytesFile(evalFilePath(n), req.EvalFiles[n]))
	}
	for _, id := range req.Attachments {
		af, err := attachmentFiles(req.Locker, id)
		if err != nil {
			return nil, err
		}
		files = append(files, af...)
	}
	for _, p := range req.Reports {
		files = append(files, bundle.DiskFile("reports/"+filepath.Base(p), p))
	}
	in := &bundle.Input{
		Organization: req.Organization,
		Period:       req.Period,
		CreatedAt:    req.Now,
		ToolVersion:  toolVersion(),
		RunID:        req.RunID,
		Signer:       req.Signer,
		Files:        files,
	}
	if req.TSA != "" {
		in.Timestamper = &bundle.TimestampClient{URL: req.TSA}
	}
	return bundle.WriteFile(ctx, req.OutDir, in, req.Replace)
}

// attachmentFiles returns the stored files of one attachment (the document,
// its metadata and their signatures) as bundle files under attachments/<id>/.
func attachmentFiles(lk *locker.Locker, id string) ([]bundle.File, error) {
	if id == "" || strings.ContainsAny(id, `/\`) || id == "." || id == ".." {
		return nil, fmt.Errorf("attachment id %q is not a plain name", id)
	}
	stored, err := lk.ListFiles(path.Join("attachments", id))
	if err != nil {
		return nil, fmt.Errorf("attachment %s: %w", id, err)
	}
	if len(stored) == 0 {
		return nil, fmt.Errorf("attachment %s is not in the locker", id)
	}
	var out []bundle.File
	for _, rel := range stored {
		rel := rel
		base := path.Base(rel)
		name := safeAttachmentName(strings.TrimSuffix(base, ".sig"))
		if strings.HasSuffix(base, ".sig") {
			name += ".sig"
		}
		out = append(out, bundle.File{Path: path.Join("attachments", id, name), Open: func() (io.ReadCloser, error) {
			b, err := lk.ReadFile(rel, maxAttachmentRead)
			if err != nil {
				return nil, err
			}
			return io.NopCloser(bytes.NewReader(b)), nil
		}})
	}
	return out, nil
}

// safeAttachmentName replaces the characters a bundle path may not hold
// (colons, backslashes, control characters) in an attached file's name; the
// signed metadata keeps the original name.
func safeAttachmentName(name string) string {
	return strings.Map(func(r rune) rune {
		if r == ':' || r == '\\' || r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return '_'
		}
		return r
	}, name)
}
