package collectors

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sort"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/locker"
)

// Default limits of a Runner.
const (
	// DefaultConcurrency is how many collections (collector × account ×
	// region jobs) run at once. Collection is bound by API latency, not CPU,
	// so it is well above the core count: an organization's jobs overlap
	// their waiting (bench/org.sh measures it).
	DefaultConcurrency = 64
	// DefaultPerAccount bounds concurrent jobs of one collector in one
	// account. AWS throttles each account's (and region's) APIs separately,
	// so this is the bound that protects an account's rate limits, while
	// different accounts proceed in parallel.
	DefaultPerAccount = 4
	// DefaultJobTimeout bounds one collector × account × region job.
	DefaultJobTimeout = 15 * time.Minute
)

// Account is one account in a run, with credentials or the reason it could
// not be reached.
type Account struct {
	// ID is the 12-digit account id.
	ID string
	// Name is the account's name in the organization, if known.
	Name string
	// Partition is the AWS partition.
	Partition string
	// Access says how the account is reached, e.g. "caller" or the role ARN.
	Access string
	// AWS holds credentials for the account; Region is the home region.
	AWS aws.Config
	// Regions are the regions to collect for PerRegion collectors.
	Regions []string
	// RegionsErr is set when the region list ("all") could not be read; the
	// regions that could not be seen are recorded as region "all".
	RegionsErr *evidence.CallError
	// Err is set when the account could not be reached at all (e.g. the audit
	// role could not be assumed).
	Err *evidence.CallError
}

// Plan says what one run collects.
type Plan struct {
	// Period is the audit period.
	Period string
	// PeriodStart and PeriodEnd bound the period (end exclusive).
	PeriodStart, PeriodEnd time.Time
	// Organization is the organization name for the manifest.
	Organization string
	// Collectors lists collector names to run.
	Collectors []string
	// Caller is the account whose credentials started the run; Once
	// collectors run with it.
	Caller Account
	// Accounts lists the accounts in scope.
	Accounts []Account
	// Regions lists the regions requested, for the manifest.
	Regions []string
	// Options maps collector names to their config sections.
	Options map[string]Options
}

// Progress reports how far a run has got.
type Progress struct {
	// Done and Total count jobs (collector × account × region).
	Done, Total int
	// Last names the job that just finished.
	Last string
}

// Result is the outcome of a run.
type Result struct {
	// RunID names the committed run.
	RunID string
	// Manifest is the signed manifest.
	Manifest *locker.Manifest
	// Gaps counts snapshots whose status is not ok; non-zero means the run
	// completed with evidence gaps (exit code 3).
	Gaps int
}

// Runner collects, signs and stores evidence.
type Runner struct {
	// Registry resolves collector names; nil means Default.
	Registry *Registry
	// Locker stores the evidence.
	Locker *locker.Locker
	// Signer signs every snapshot and the manifest.
	Signer evidence.Signer
	// Concurrency bounds concurrent jobs; 0 means DefaultConcurrency.
	Concurrency int
	// PerAccount bounds concurrent jobs of one collector in one account; 0
	// means DefaultPerAccount.
	PerAccount int
	// JobTimeout bounds one job; 0 means DefaultJobTimeout.
	JobTimeout time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Progress, when set, is called after every job.
	Progress func(Progress)
	// ToolVersion is recorded in the manifest.
	ToolVersion string
	// Logger receives one line per failed job; nil discards.
	Logger *slog.Logger
}

type job struct {
	name    string
	c       Collector
	desc    Descriptor
	account Account
	region  string
	// failure, when set, is recorded for every kind instead of collecting.
	failure *evidence.CallError
}

// limitKey names the collector-in-an-account that PerAccount bounds.
func (j job) limitKey() string { return j.name + "/" + j.account.ID }

func (j job) label() string {
	return fmt.Sprintf("%s %s %s", j.name, j.account.ID, j.region)
}

// Run executes plan: every collector for every account and region it covers.
// One failing call, account or region never aborts the run; failures become
// snapshots with status error. Run returns an error only when evidence cannot
// be stored or signed, or ctx is cancelled.
func (r *Runner) Run(ctx context.Context, plan Plan) (*Result, error) {
	if r.Locker == nil || r.Signer == nil {
		return nil, errors.New("run: a locker and a signer are required")
	}
	if !evidence.ValidPeriod(plan.Period) {
		return nil, fmt.Errorf("run: invalid period %q", plan.Period)
	}
	reg := r.Registry
	if reg == nil {
		reg = Default
	}
	now := r.Now
	if now == nil {
		now = time.Now
	}
	started := now().UTC()
	runID := locker.NewRunID(plan.Period, started)

	jobs, collectorsRun, err := r.plan(reg, plan)
	if err != nil {
		return nil, err
	}

	conc := r.Concurrency
	if conc <= 0 {
		conc = DefaultConcurrency
	}
	per := r.PerAccount
	if per <= 0 {
		per = DefaultPerAccount
	}
	perSem := map[string]chan struct{}{}
	for _, j := range jobs {
		if perSem[j.limitKey()] == nil {
			perSem[j.limitKey()] = make(chan struct{}, per)
		}
	}

	var (
		mu       sync.Mutex
		entries  []locker.SnapshotEntry
		firstErr error
		done     int
	)
	work := make(chan job)
	var wg sync.WaitGroup
	for i := 0; i < conc; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				sem := perSem[j.limitKey()]
				sem <- struct{}{}
				snaps := r.runJob(ctx, j, plan, now)
				<-sem
				stored, err := r.store(ctx, j, plan, snaps, now)
				mu.Lock()
				entries = append(entries, stored...)
				if err != nil && firstErr == nil {
					firstErr = err
				}
				done++
				p := Progress{Done: done, Total: len(jobs), Last: j.label()}
				mu.Unlock()
				if r.Progress != nil {
					r.Progress(p)
				}
			}
		}()
	}
	for _, j := range jobs {
		if ctx.Err() != nil {
			break
		}
		mu.Lock()
		stop := firstErr != nil
		mu.Unlock()
		if stop {
			break
		}
		work <- j
	}
	close(work)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("run %s: %w", runID, err)
	}

	sort.Slice(entries, func(a, b int) bool {
		x, y := entries[a], entries[b]
		if x.Kind != y.Kind {
			return x.Kind < y.Kind
		}
		if x.AccountID != y.AccountID {
			return x.AccountID < y.AccountID
		}
		if x.Region != y.Region {
			return x.Region < y.Region
		}
		return x.Digest < y.Digest
	})
	gaps := 0
	for _, e := range entries {
		if e.Status != evidence.StatusOK {
			gaps++
		}
	}
	m := &locker.Manifest{
		RunID:        runID,
		Period:       plan.Period,
		Organization: plan.Organization,
		ToolVersion:  r.ToolVersion,
		StartedAt:    started,
		FinishedAt:   now().UTC(),
		RetainUntil:  started.AddDate(locker.RetentionYears, 0, 0),
		Accounts:     accountEntries(plan),
		Regions:      append([]string{}, plan.Regions...),
		Collectors:   collectorsRun,
		Snapshots:    entries,
		Gaps:         gaps,
	}
	if m.Snapshots == nil {
		m.Snapshots = []locker.SnapshotEntry{}
	}
	if err := r.Locker.CommitRun(ctx, m, r.Signer); err != nil {
		return nil, err
	}
	return &Result{RunID: runID, Manifest: m, Gaps: gaps}, nil
}

func accountEntries(plan Plan) []locker.AccountEntry {
	out := []locker.AccountEntry{}
	for _, a := range plan.Accounts {
		e := locker.AccountEntry{AccountID: a.ID, Name: a.Name, Access: a.Access}
		if a.Err != nil {
			e.Error = a.Err.Action + ": " + a.Err.Code
		}
		out = append(out, e)
	}
	return out
}

// plan expands the plan into jobs, interleaving collectors so the
// per-collector limits rarely hold a worker idle.
func (r *Runner) plan(reg *Registry, plan Plan) ([]job, []locker.CollectorEntry, error) {
	type named struct {
		name string
		c    Collector
		d    Descriptor
	}
	var cs []named
	var entries []locker.CollectorEntry
	for _, name := range plan.Collectors {
		c, err := reg.New(name)
		if err != nil {
			return nil, nil, fmt.Errorf("run: %w", err)
		}
		d := c.Describe()
		if err := d.Validate(); err != nil {
			return nil, nil, fmt.Errorf("run: %w", err)
		}
		cs = append(cs, named{name, c, d})
		entries = append(entries, locker.CollectorEntry{Name: d.Name, Version: d.Version, PluginDigest: d.PluginDigest})
	}
	var jobs []job
	for _, n := range cs {
		if n.d.Scope == Once {
			jobs = append(jobs, job{name: n.name, c: n.c, desc: n.d, account: plan.Caller, region: evidence.GlobalRegion, failure: plan.Caller.Err})
		}
	}
	for _, a := range plan.Accounts {
		for _, n := range cs {
			if n.d.Scope == PerAccount {
				jobs = append(jobs, job{name: n.name, c: n.c, desc: n.d, account: a, region: evidence.GlobalRegion, failure: a.Err})
			}
		}
		regions := a.Regions
		if a.Err != nil && len(regions) == 0 {
			regions = plan.Regions
		}
		for _, region := range regions {
			for _, n := range cs {
				if n.d.Scope == PerRegion {
					jobs = append(jobs, job{name: n.name, c: n.c, desc: n.d, account: a, region: region, failure: a.Err})
				}
			}
		}
		if a.RegionsErr != nil && a.Err == nil {
			for _, n := range cs {
				if n.d.Scope == PerRegion {
					jobs = append(jobs, job{name: n.name, c: n.c, desc: n.d, account: a, region: "all", failure: a.RegionsErr})
				}
			}
		}
	}
	return jobs, entries, nil
}

// runJob runs one collection and never fails: every problem becomes an error
// snapshot for each of the collector's kinds.
func (r *Runner) runJob(ctx context.Context, j job, plan Plan, now func() time.Time) (snaps []*evidence.Snapshot) {
	failAll := func(ce evidence.CallError) []*evidence.Snapshot {
		out := make([]*evidence.Snapshot, 0, len(j.desc.EvidenceKinds))
		for _, k := range j.desc.EvidenceKinds {
			out = append(out, &evidence.Snapshot{Kind: k, Status: evidence.StatusError, Errors: []evidence.CallError{ce}, APICalls: []string{ce.Action}})
		}
		return out
	}
	if j.failure != nil {
		return failAll(*j.failure)
	}
	timeout := r.JobTimeout
	if timeout <= 0 {
		timeout = DefaultJobTimeout
	}
	jctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			r.log("collector panicked", "job", j.label(), "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			snaps = failAll(evidence.CallError{Action: "collect:" + j.name, Code: CodeCollectorPanic, Message: fmt.Sprintf("collector %s panicked: %v", j.name, p)})
		}
	}()
	cfg := j.account.AWS.Copy()
	if j.region != evidence.GlobalRegion {
		cfg.Region = j.region
	}
	req := &Request{
		Target:      Target{Partition: j.account.Partition, AccountID: j.account.ID, Region: j.region},
		AWS:         cfg,
		Period:      plan.Period,
		PeriodStart: plan.PeriodStart,
		PeriodEnd:   plan.PeriodEnd,
		Options:     plan.Options[j.name],
		Accounts:    accountInfos(plan.Accounts),
		Now:         now,
	}
	resp, err := j.c.Collect(jctx, req)
	switch {
	case err != nil:
		r.log("collector failed", "job", j.label(), "error", ScrubCredentialError(err))
		return failAll(CallError("collect:"+j.name, err))
	case resp == nil:
		return failAll(evidence.CallError{Action: "collect:" + j.name, Code: CodeCollectorFailed, Message: "collector returned no response and no error"})
	}
	var out []*evidence.Snapshot
	for _, s := range resp.Snapshots {
		if s == nil {
			continue
		}
		if !j.desc.HasKind(s.Kind) {
			out = append(out, &evidence.Snapshot{Kind: j.desc.EvidenceKinds[0], Status: evidence.StatusError,
				Errors: []evidence.CallError{{Action: "collect:" + j.name, Code: CodeCollectorFailed,
					Message: fmt.Sprintf("collector produced undeclared evidence kind %q", s.Kind)}}})
			continue
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return failAll(evidence.CallError{Action: "collect:" + j.name, Code: CodeCollectorFailed, Message: "collector returned no snapshots"})
	}
	return out
}

func accountInfos(as []Account) []AccountInfo {
	out := make([]AccountInfo, 0, len(as))
	for _, a := range as {
		out = append(out, AccountInfo{ID: a.ID, Name: a.Name})
	}
	return out
}

// store fills in the fields the runner owns, encodes, signs and stores each
// snapshot. The collector cannot misstate its identity, source or period.
func (r *Runner) store(ctx context.Context, j job, plan Plan, snaps []*evidence.Snapshot, now func() time.Time) ([]locker.SnapshotEntry, error) {
	var out []locker.SnapshotEntry
	for _, s := range snaps {
		s.Schema = evidence.SchemaV1
		s.Collector = evidence.CollectorInfo{Name: j.desc.Name, Version: j.desc.Version, PluginDigest: j.desc.PluginDigest, PluginVersion: j.desc.PluginVersion}
		s.Source = evidence.Source{Partition: j.account.Partition, AccountID: j.account.ID, Region: j.region}
		s.Period = plan.Period
		if s.CollectedAt.IsZero() {
			s.CollectedAt = now()
		}
		s.CollectedAt = s.CollectedAt.UTC().Truncate(time.Millisecond)
		data, err := s.Encode()
		if err != nil {
			// A malformed snapshot from a collector is its defect, not a
			// reason to stop the run: keep an error snapshot instead.
			r.log("collector produced a malformed snapshot", "job", j.label(), "kind", s.Kind, "error", err)
			bad := &evidence.Snapshot{Schema: evidence.SchemaV1, Kind: s.Kind, Collector: s.Collector, Source: s.Source,
				Period: s.Period, CollectedAt: s.CollectedAt, Status: evidence.StatusError,
				Errors: []evidence.CallError{{Action: "collect:" + j.name, Code: CodeCollectorFailed, Message: "malformed snapshot: " + err.Error()}}}
			if data, err = bad.Encode(); err != nil {
				return out, fmt.Errorf("encode error snapshot: %w", err)
			}
			s = bad
		}
		sig, err := r.Signer.Sign(ctx, data)
		if err != nil {
			return out, fmt.Errorf("sign %s: %w", s.FileName(), err)
		}
		digest, err := r.Locker.PutSnapshot(data, sig)
		if err != nil {
			return out, err
		}
		out = append(out, locker.SnapshotEntry{
			Digest: digest, Path: locker.ObjectPath(digest), Size: int64(len(data)), Kind: s.Kind,
			Collector: j.desc.Name, AccountID: j.account.ID, Region: j.region, Status: s.Status, Errors: len(s.Errors),
		})
	}
	return out, nil
}

func (r *Runner) log(msg string, args ...any) {
	if r.Logger != nil {
		r.Logger.Warn(msg, args...)
	}
}
