package reports

import (
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"strings"
	"time"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/locker"
	"github.com/hipaa-evidence/hipaa-evidence/controls"
)

// ReportsDir is where Generate stores reports in the locker's files/:
// reports/<period>/<run-id>/<UTC time>/<file>.
const ReportsDir = "reports"

// maxResults bounds results.json read back from the locker; it stops a
// corrupt or hostile locker from exhausting memory (100,000 results of a
// few hundred bytes each fit easily).
const maxResults = 1 << 30

// GenerateRequest asks Generate for the reports of one period.
type GenerateRequest struct {
	// Locker holds the evidence, the results and receives the reports.
	Locker *locker.Locker
	// Period selects the newest results of the period.
	Period string
	// ResultsPath selects a results file (under the locker's files/)
	// instead of the newest of Period.
	ResultsPath string
	// Dir is the directory the reports are written to.
	Dir string
	// Formats lists the formats besides the JSON model; empty means all
	// registered (see WriteOptions).
	Formats []string
	// Registry supplies the renderers; nil means Default.
	Registry *Registry
	// Text holds the report's words; nil means the embedded templates.
	Text *Text
	// Organization overrides the organization named in the results.
	Organization string
	// ToolVersion is the version of hipaa-evidence.
	ToolVersion string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Summaries maps catalog ids to plain-language summaries; nil means
	// those of the embedded HIPAA catalog.
	Summaries map[string]string
	// TrustedKeys are keys besides the run's own that may have signed the
	// results (the key evaluate signed with, when it differs).
	TrustedKeys []*ecdsa.PublicKey
	// PinnedKey, when set, is the only key the evidence run may be signed
	// with.
	PinnedKey *ecdsa.PublicKey
	// NoStore skips storing the reports in the locker.
	NoStore bool
}

// Generated describes the reports Generate produced.
type Generated struct {
	// Written lists the files in Dir and the package digest.
	Written
	// RunID is the collection run reported on.
	RunID string `json:"run_id"`
	// ResultsPath is the results file reported on, under files/.
	ResultsPath string `json:"results_path"`
	// Stored lists the copies in the locker, under files/.
	Stored []string `json:"stored"`
	// Gaps counts the evidence gaps of the results (missing, errored or
	// partial snapshots).
	Gaps int `json:"gaps"`
	// Unknown counts the results that are unknown because evidence could
	// not be seen. Callers exit with the evidence-gap code (3) when Gaps
	// or Unknown is not zero, as evaluate does.
	Unknown int `json:"unknown"`
	// Package is the model the reports were rendered from.
	Package *Package `json:"-"`
}

// Generate renders the reports of a period: it reads the newest signed
// results.json of the period from the locker and checks its signature,
// reads and checks the run manifest and the service-scope snapshots,
// builds the Package, writes the JSON model, PDF and XLSX into Dir and
// stores copies in the locker under reports/<period>/<run-id>/<time>/. It
// is the one call `hipaa-evidence report`, `run`, `demo` and `package`
// need.
func Generate(ctx context.Context, req GenerateRequest) (*Generated, error) {
	lk := req.Locker
	if lk == nil || req.Dir == "" {
		return nil, errors.New("generate reports: a locker and an output directory are required")
	}
	now := time.Now
	if req.Now != nil {
		now = req.Now
	}
	rel := req.ResultsPath
	if rel == "" {
		if req.Period == "" {
			return nil, errors.New("generate reports: no period given")
		}
		var err error
		if rel, err = controls.LatestResults(lk, req.Period); err != nil {
			return nil, err
		}
		if rel == "" {
			return nil, fmt.Errorf("%w for period %s: run `hipaa-evidence evaluate --period %s` first", ErrNoResults, req.Period, req.Period)
		}
	}
	runID := path.Base(path.Dir(rel))
	pemBytes, err := lk.RunPublicKey(runID)
	if err != nil {
		return nil, fmt.Errorf("generate reports: results %s: %w", rel, err)
	}
	runKey, _, err := evidence.ParsePublicKeyPEM(pemBytes)
	if err != nil {
		return nil, fmt.Errorf("generate reports: run %s key: %w", runID, err)
	}
	if req.PinnedKey != nil && evidence.KeyID(req.PinnedKey) != evidence.KeyID(runKey) {
		return nil, fmt.Errorf("generate reports: run %s was signed by key %s, not the expected %s: %w",
			runID, evidence.KeyID(runKey), evidence.KeyID(req.PinnedKey), evidence.ErrBadSignature)
	}

	// The results, checked against the run's key or a trusted one.
	data, err := lk.ReadFile(rel, maxResults)
	if err != nil {
		return nil, fmt.Errorf("generate reports: %w", err)
	}
	sig, err := lk.ReadFile(rel+".sig", 1024)
	if err != nil {
		return nil, fmt.Errorf("generate reports: results %s has no signature: %w", rel, err)
	}
	verified := false
	for _, k := range append([]*ecdsa.PublicKey{runKey}, req.TrustedKeys...) {
		if k != nil && evidence.Verify(k, data, sig) == nil {
			verified = true
			break
		}
	}
	if !verified {
		return nil, fmt.Errorf("generate reports: results %s: %w: the signature does not verify with the run's key or a trusted key", rel, evidence.ErrBadSignature)
	}
	res, err := controls.DecodeResults(data)
	if err != nil {
		return nil, fmt.Errorf("generate reports: results %s: %w", rel, err)
	}
	if res.RunID != runID {
		return nil, fmt.Errorf("generate reports: results %s name run %q: %w", rel, res.RunID, locker.ErrCorrupt)
	}

	// The manifest and the service-scope snapshots, checked against the
	// run's key.
	m, mdata, msig, err := lk.Run(runID)
	if err != nil {
		return nil, fmt.Errorf("generate reports: %w", err)
	}
	if err := evidence.Verify(runKey, mdata, msig); err != nil {
		return nil, fmt.Errorf("generate reports: run %s manifest: %w", runID, err)
	}
	var services []json.RawMessage
	for _, s := range m.Snapshots {
		if s.Kind != ServicesKind {
			continue
		}
		if err := lk.VerifySnapshot(s.Digest, runKey); err != nil {
			return nil, fmt.Errorf("generate reports: %w", err)
		}
		b, _, err := lk.ReadSnapshot(s.Digest)
		if err != nil {
			return nil, fmt.Errorf("generate reports: %w", err)
		}
		snap, err := evidence.DecodeSnapshot(b)
		if err != nil {
			return nil, fmt.Errorf("generate reports: snapshot %s: %w", locker.ObjectPath(s.Digest), err)
		}
		if len(snap.Payload) > 0 && string(snap.Payload) != "null" {
			services = append(services, snap.Payload)
		}
	}

	summaries := req.Summaries
	if summaries == nil {
		cat, err := controls.DefaultCatalog()
		if err != nil {
			return nil, fmt.Errorf("generate reports: %w", err)
		}
		summaries = map[string]string{}
		for _, e := range cat.Entries {
			summaries[e.ID] = e.Summary
		}
	}
	generated := now().UTC()
	p, err := Build(BuildInput{Results: res, Manifest: m, Services: services, Summaries: summaries,
		Organization: req.Organization, ToolVersion: req.ToolVersion, GeneratedAt: generated})
	if err != nil {
		return nil, err
	}
	w, err := Write(ctx, req.Dir, p, WriteOptions{Formats: req.Formats, Registry: req.Registry, Text: req.Text})
	if err != nil {
		return nil, err
	}
	out := &Generated{Written: *w, RunID: runID, ResultsPath: rel, Gaps: len(res.Gaps), Unknown: res.Summary.Results.Unknown, Package: p, Stored: []string{}}
	if req.NoStore {
		return out, nil
	}
	dir := path.Join(ReportsDir, res.Period, runID, generated.Format("20060102T150405.000000000Z"))
	for _, f := range w.Files {
		b, err := os.ReadFile(f.Path)
		if err != nil {
			return nil, fmt.Errorf("store reports: %w", err)
		}
		name := path.Base(strings.ReplaceAll(f.Path, "\\", "/"))
		if _, err := lk.PutFile(path.Join(dir, name), b); err != nil {
			return nil, fmt.Errorf("store reports: %w", err)
		}
		out.Stored = append(out.Stored, path.Join(dir, name))
	}
	return out, nil
}
