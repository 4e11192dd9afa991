package controls

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/locker"
	"github.com/hipaa-evidence/hipaa-evidence/internal/period"
)

// ResultsDir is the directory under the locker's files/ holding results:
// results/<period>/<run-id>/<UTC time>-<sha256 prefix>.json (+ .sig).
const ResultsDir = "results"

// LockerOptions says what to evaluate from a locker and with what.
type LockerOptions struct {
	// RunID is the run to evaluate; "" means the latest run of Period.
	RunID string
	// Period selects the latest run when RunID is empty.
	Period string
	// Catalog is the catalog; nil means the embedded HIPAA catalog.
	Catalog *Catalog
	// Checks are the checks to run; required.
	Checks *CheckSet
	// NotEvaluated lists undecidable check ids; nil means the embedded list.
	NotEvaluated []NotEvaluated
	// Ownership is the ownership matrix, or nil.
	Ownership *Ownership
	// Exceptions is the exceptions register, or nil.
	Exceptions *Exceptions
	// PinnedKey, when set, is the only key the run may be signed with.
	PinnedKey *ecdsa.PublicKey
	// Verified, when set, is the run already verified by the caller
	// (locker.VerifyRun), e.g. to read its plugin records; its manifest is
	// used and every snapshot is still read and verified again.
	Verified *locker.VerifiedRun
	// TrustedKeys are further keys accepted for attachments and previous
	// results (e.g. the configured signing key); the run's own key is
	// always accepted.
	TrustedKeys []*ecdsa.PublicKey
}

// LoadInputs verifies a run in the locker — the manifest signature, then
// every snapshot's digest and signature — and gathers everything Evaluate
// needs: the snapshots, verified attachments and the previous period's
// verified results. A tampered snapshot stops it with an error naming the
// file.
func LoadInputs(ctx context.Context, lk *locker.Locker, opts LockerOptions) (*Inputs, error) {
	if opts.Checks == nil {
		return nil, fmt.Errorf("load evaluation inputs: %w: no checks", ErrIncompleteInputs)
	}
	cat := opts.Catalog
	if cat == nil {
		var err error
		if cat, err = DefaultCatalog(); err != nil {
			return nil, err
		}
	}
	notEval := opts.NotEvaluated
	if notEval == nil {
		var err error
		if notEval, err = DefaultNotEvaluated(); err != nil {
			return nil, err
		}
	}
	runID := opts.RunID
	if runID == "" && opts.Verified != nil {
		runID = opts.Verified.Manifest.RunID
	}
	if runID == "" {
		if opts.Period == "" {
			return nil, fmt.Errorf("load evaluation inputs: %w: give a run id or a period", ErrNoRun)
		}
		id, err := lk.LatestRun(opts.Period)
		if err != nil {
			if errors.Is(err, locker.ErrNotFound) {
				return nil, fmt.Errorf("%w for period %s: run `hipaa-evidence collect --period %s` first", ErrNoRun, opts.Period, opts.Period)
			}
			return nil, err
		}
		runID = id
	}
	vr := opts.Verified
	if vr == nil || vr.Manifest.RunID != runID {
		var err error
		if vr, err = lk.VerifyRun(runID, opts.PinnedKey); err != nil {
			return nil, fmt.Errorf("evidence failed verification, evaluation stopped: %w: %w", ErrTampered, err)
		}
	}
	m := vr.Manifest
	in := &Inputs{Catalog: cat, Checks: opts.Checks, NotEvaluated: notEval, Ownership: opts.Ownership, Exceptions: opts.Exceptions,
		Run: RunInfo{RunID: m.RunID, Period: m.Period, Organization: m.Organization, FinishedAt: m.FinishedAt.UTC(),
			KeyID: m.KeyID, DemoKey: m.DemoKey, Regions: append([]string{}, m.Regions...)}}
	for _, a := range m.Accounts {
		in.Run.Accounts = append(in.Run.Accounts, ScopeAccount{AccountID: a.AccountID, Name: a.Name, Error: a.Error})
	}
	for _, s := range m.Snapshots {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		// Read again and re-verify the bytes actually evaluated, so a file
		// swapped after VerifyRun cannot slip in.
		data, sig, err := lk.ReadSnapshot(s.Digest)
		if err != nil {
			return nil, fmt.Errorf("evidence failed verification, evaluation stopped: %w: %w", ErrTampered, err)
		}
		if err := evidence.Verify(vr.PublicKey, data, sig); err != nil {
			return nil, fmt.Errorf("evidence failed verification, evaluation stopped: %w: snapshot %s: %w", ErrTampered, locker.ObjectPath(s.Digest), err)
		}
		in.Snapshots = append(in.Snapshots, SnapshotData{Digest: s.Digest, Data: data})
	}
	trusted := append([]*ecdsa.PublicKey{vr.PublicKey}, opts.TrustedKeys...)
	atts, err := LoadAttachments(lk, trusted)
	if err != nil {
		return nil, fmt.Errorf("manual evidence failed verification, evaluation stopped: %w", err)
	}
	for _, a := range atts {
		if cat.Has(a.Control) {
			in.Manual = append(in.Manual, a.Evidence())
		}
	}
	prev, prevData, err := previousResults(lk, m.Period, trusted)
	if err != nil {
		return nil, err
	}
	if prev != nil {
		in.Previous = prev
		in.PreviousData = prevData
	}
	return in, nil
}

// previousResults returns the newest stored results of the period before p
// (verified with one of trusted or the key of the run they evaluated), or
// nil when there are none.
func previousResults(lk *locker.Locker, p string, trusted []*ecdsa.PublicKey) (*Results, []byte, error) {
	prev, err := period.Previous(p)
	if err != nil {
		return nil, nil, err
	}
	rel, err := LatestResults(lk, prev)
	if err != nil || rel == "" {
		return nil, nil, err
	}
	data, err := lk.ReadFile(rel, maxResultsSize)
	if err != nil {
		return nil, nil, err
	}
	sig, err := lk.ReadFile(rel+".sig", 1024)
	if err != nil {
		return nil, nil, fmt.Errorf("previous results %s: %w", rel, err)
	}
	keys := append([]*ecdsa.PublicKey{}, trusted...)
	runID := path.Base(path.Dir(rel))
	if pemBytes, err := lk.RunPublicKey(runID); err == nil {
		if pub, _, err := evidence.ParsePublicKeyPEM(pemBytes); err == nil {
			keys = append(keys, pub)
		}
	}
	verified := false
	for _, k := range keys {
		if k != nil && evidence.Verify(k, data, sig) == nil {
			verified = true
			break
		}
	}
	if !verified {
		return nil, nil, fmt.Errorf("previous results %s: %w: the signature does not verify with the run's or the configured key", rel, ErrTampered)
	}
	r, err := DecodeResults(data)
	if err != nil {
		return nil, nil, fmt.Errorf("previous results %s: %w", rel, err)
	}
	return r, data, nil
}

// LatestResults returns the locker path (under files/) of the newest
// results stored for period p: those of its newest evaluated run, newest
// evaluation first. It returns "" when there are none.
func LatestResults(lk *locker.Locker, p string) (string, error) {
	files, err := lk.ListFiles(path.Join(ResultsDir, p))
	if err != nil {
		return "", err
	}
	runs, err := lk.Runs()
	if err != nil {
		return "", err
	}
	order := map[string]int{}
	for i, id := range runs {
		order[id] = i + 1
	}
	best, bestRun := "", -1
	for _, f := range files {
		if !strings.HasSuffix(f, ".json") {
			continue
		}
		run := path.Base(path.Dir(f))
		o := order[run]
		if o > bestRun || (o == bestRun && f > best) {
			best, bestRun = f, o
		}
	}
	return best, nil
}

// StoreResults writes results.json and its signature into the locker at
// results/<period>/<run-id>/<UTC time>-<sha256 prefix>.json, unless the same
// bytes are already stored for the run (evaluation is deterministic), and
// returns the path under files/. now only names the file.
func StoreResults(ctx context.Context, lk *locker.Locker, signer evidence.Signer, r *Results, data []byte, now time.Time) (string, error) {
	dir := path.Join(ResultsDir, r.Period, r.RunID)
	digest := evidence.Digest(data)
	existing, err := lk.ListFiles(dir)
	if err != nil {
		return "", err
	}
	for _, f := range existing {
		if strings.HasSuffix(f, "-"+digest[:16]+".json") {
			if b, err := lk.ReadFile(f, maxResultsSize); err == nil && bytes.Equal(b, data) {
				return f, nil
			}
		}
	}
	sig, err := signer.Sign(ctx, data)
	if err != nil {
		return "", fmt.Errorf("sign results: %w", err)
	}
	rel := path.Join(dir, now.UTC().Format("20060102T150405.000000000Z")+"-"+digest[:16]+".json")
	if _, err := lk.PutFile(rel+".sig", sig); err != nil {
		return "", fmt.Errorf("store results: %w", err)
	}
	if _, err := lk.PutFile(rel, data); err != nil {
		return "", fmt.Errorf("store results: %w", err)
	}
	return rel, nil
}

// RunRequest asks EvaluateRun to evaluate one run of a locker.
type RunRequest struct {
	// Locker holds the evidence and receives results.json.
	Locker *locker.Locker
	// Options selects the run and the checks, ownership and exceptions.
	Options LockerOptions
	// Signer signs results.json.
	Signer evidence.Signer
	// Now names the stored file; nil means time.Now. It never enters the
	// results.
	Now func() time.Time
}

// Outcome is what EvaluateRun produced.
type Outcome struct {
	// Results is the evaluation.
	Results *Results
	// Data is the exact bytes of results.json.
	Data []byte
	// Path is the results file under the locker's files/ directory.
	Path string
	// Inputs is what was evaluated; InputFiles(Inputs) gives the files a
	// bundle carries to re-evaluate it.
	Inputs *Inputs
	// Summary counts results and control statuses.
	Summary Summary
}

// EvaluateRun is the one call the pipeline needs: verify the run, evaluate
// it, and store the signed results.json in the locker.
func EvaluateRun(ctx context.Context, req RunRequest) (*Outcome, error) {
	if req.Locker == nil || req.Signer == nil {
		return nil, fmt.Errorf("evaluate run: %w: a locker and a signer are required", ErrIncompleteInputs)
	}
	if req.Signer != nil {
		req.Options.TrustedKeys = append(req.Options.TrustedKeys, req.Signer.PublicKey())
	}
	in, err := LoadInputs(ctx, req.Locker, req.Options)
	if err != nil {
		return nil, err
	}
	res, err := Evaluate(ctx, in)
	if err != nil {
		return nil, err
	}
	data, err := res.Encode()
	if err != nil {
		return nil, err
	}
	now := req.Now
	if now == nil {
		now = time.Now
	}
	rel, err := StoreResults(ctx, req.Locker, req.Signer, res, data, now())
	if err != nil {
		return nil, err
	}
	return &Outcome{Results: res, Data: data, Path: rel, Inputs: in, Summary: res.Summary}, nil
}

// sortNotEvaluated orders the list by id.
func sortNotEvaluated(list []NotEvaluated) {
	sort.Slice(list, func(i, j int) bool { return list[i].ID < list[j].ID })
}
