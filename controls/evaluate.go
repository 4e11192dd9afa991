package controls

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/internal/period"
	"github.com/hipaa-evidence/hipaa-evidence/internal/sorted"
)

// Inputs is everything an evaluation reads. Evaluate is a pure function of
// it: no wall clock, no network, no files.
type Inputs struct {
	// Catalog is the catalog every entry of which gets a status; required.
	Catalog *Catalog
	// Checks are the checks to run; required.
	Checks *CheckSet
	// NotEvaluated lists check ids the evidence cannot decide, so they are
	// reported rather than dropped.
	NotEvaluated []NotEvaluated
	// Ownership is the ownership matrix; nil reports every entry as a gap.
	Ownership *Ownership
	// Exceptions is the exceptions register; nil means none.
	Exceptions *Exceptions
	// Manual lists attached manual evidence (metadata already verified);
	// State is computed by Evaluate.
	Manual []ManualEvidence
	// Run describes the collection run.
	Run RunInfo
	// Snapshots are the run's snapshots (signatures already verified).
	Snapshots []SnapshotData
	// Previous is the previous period's results, or nil.
	Previous *Results
	// PreviousData is the exact bytes Previous was decoded from; its digest
	// is recorded in the results and a bundle carries it verbatim.
	PreviousData []byte
}

// RunInfo describes the run evaluated, from its signed manifest.
type RunInfo struct {
	// RunID names the run.
	RunID string `json:"run_id"`
	// Period is the audit period.
	Period string `json:"period"`
	// Organization is the organization's name.
	Organization string `json:"organization,omitempty"`
	// FinishedAt is the run's finished_at: the evaluation clock.
	FinishedAt time.Time `json:"finished_at"`
	// KeyID is the key that signed the evidence.
	KeyID string `json:"key_id"`
	// DemoKey is true for a demo key.
	DemoKey bool `json:"demo_key"`
	// Accounts lists the accounts in scope; each is expected to have
	// evidence of every kind a per-account check reads.
	Accounts []ScopeAccount `json:"accounts"`
	// Regions lists the regions requested.
	Regions []string `json:"regions"`
}

// SnapshotData is one snapshot's exact bytes and digest.
type SnapshotData struct {
	// Digest is the hex SHA-256 of Data.
	Digest string
	// Data is the snapshot file's bytes.
	Data []byte
}

// snap is a decoded snapshot with its CEL view.
type snap struct {
	digest  string
	s       *evidence.Snapshot
	payload any            // decoded payload (nil until needed)
	view    map[string]any // the snapshot as CEL sees it
	failed  []evidence.CallError
}

// Evaluate runs every check over the snapshots and derives a status for
// every catalog entry. The same Inputs always give byte-identical encoded
// Results.
func Evaluate(ctx context.Context, in *Inputs) (*Results, error) {
	if in == nil || in.Catalog == nil || in.Checks == nil {
		return nil, fmt.Errorf("evaluate: %w", ErrIncompleteInputs)
	}
	if in.Run.FinishedAt.IsZero() {
		return nil, fmt.Errorf("evaluate: %w: the run has no finished_at to use as the evaluation clock", ErrIncompleteInputs)
	}
	start, end, err := period.Bounds(in.Run.Period)
	if err != nil {
		return nil, fmt.Errorf("evaluate: %w", err)
	}
	clock := in.Run.FinishedAt.UTC()
	e := &evaluator{ctx: ctx, in: in, clock: clock, start: start, end: end,
		byKind: map[string]map[string][]*snap{}, regional: map[string]bool{}, accountRegions: map[string]map[string]bool{},
		joinFailed: map[string][]string{}, checkVars: map[string]map[string]any{}}
	if err := e.index(); err != nil {
		return nil, err
	}
	res := &Results{
		Schema: ResultsSchema, Period: in.Run.Period, RunID: in.Run.RunID, Organization: in.Run.Organization,
		EvaluatedAt: clock, KeyID: in.Run.KeyID, DemoKey: in.Run.DemoKey,
	}
	for _, c := range in.Checks.Checks() {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("evaluate: %w", err)
		}
		rs, err := e.runCheck(c)
		if err != nil {
			return nil, err
		}
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("evaluate: %w", err)
		}
		res.Results = append(res.Results, rs...)
	}
	sortResults(res.Results)
	exStates := e.applyExceptions(res.Results)
	res.Checks = checkInfos(in.Checks, res.Results)
	res.NotEvaluated = notEvaluated(in.NotEvaluated, in.Checks)
	manual := manualStates(in.Manual, clock)
	res.ManualEvidence = manual
	res.Controls = deriveControls(in, res.Results, res.NotEvaluated, manual, clock, exStates)
	res.Exceptions = exceptionStates(in.Exceptions, exStates, clock)
	res.OwnershipGaps = ownershipGaps(res.Controls)
	res.Evidence, res.Gaps = e.evidenceIndex()
	res.Scope = e.scope()
	res.Inputs = inputDigests(in)
	if in.Previous != nil {
		res.Changes = changes(in.Previous, res)
	}
	res.Summary = summarize(res)
	return res, nil
}

type evaluator struct {
	ctx        context.Context
	in         *Inputs
	clock      time.Time
	start, end time.Time
	snaps      []*snap
	// byKind maps kind → account → snapshots sorted by region, digest.
	byKind map[string]map[string][]*snap
	// regional records kinds collected per region.
	regional map[string]bool
	// accountRegions records, per account, the regions any regional
	// snapshot covers: every regional kind is expected in each of them.
	accountRegions map[string]map[string]bool
	accounts       []string
	partition      string
	// joinFailed caches joinFailures by check id.
	joinFailed map[string][]string
	// checkVars caches the check-level vars by check id.
	checkVars map[string]map[string]any
}

// index decodes every snapshot and groups them.
func (e *evaluator) index() error {
	seen := map[string]bool{}
	for _, sd := range e.in.Snapshots {
		if evidence.Digest(sd.Data) != sd.Digest {
			return fmt.Errorf("evaluate: snapshot %s: %w: its bytes hash to %s", sd.Digest, ErrDigestMismatch, evidence.Digest(sd.Data))
		}
		if seen[sd.Digest] {
			continue
		}
		seen[sd.Digest] = true
		s, err := evidence.DecodeSnapshot(sd.Data)
		if err != nil {
			return fmt.Errorf("evaluate: snapshot %s: %w", sd.Digest, err)
		}
		sn := &snap{digest: sd.Digest, s: s}
		if s.Status != evidence.StatusOK {
			sn.failed = s.Errors
		}
		e.snaps = append(e.snaps, sn)
		byAcct := e.byKind[s.Kind]
		if byAcct == nil {
			byAcct = map[string][]*snap{}
			e.byKind[s.Kind] = byAcct
		}
		byAcct[s.Source.AccountID] = append(byAcct[s.Source.AccountID], sn)
		if s.Source.Region != evidence.GlobalRegion {
			e.regional[s.Kind] = true
			if s.Source.Region != regionAll {
				m := e.accountRegions[s.Source.AccountID]
				if m == nil {
					m = map[string]bool{}
					e.accountRegions[s.Source.AccountID] = m
				}
				m[s.Source.Region] = true
			}
		}
		if e.partition == "" || s.Source.Partition < e.partition {
			e.partition = s.Source.Partition
		}
	}
	if e.partition == "" {
		e.partition = "aws"
	}
	sort.Slice(e.snaps, func(i, j int) bool { return snapLess(e.snaps[i], e.snaps[j]) })
	for _, byAcct := range e.byKind {
		for _, list := range byAcct {
			sort.Slice(list, func(i, j int) bool { return snapLess(list[i], list[j]) })
		}
	}
	accts := map[string]bool{}
	for _, a := range e.in.Run.Accounts {
		accts[a.AccountID] = true
	}
	if len(accts) == 0 {
		for _, sn := range e.snaps {
			accts[sn.s.Source.AccountID] = true
		}
	}
	e.accounts = sorted.Keys(accts)
	return nil
}

// regionAll is the region the runner records when an account's regions
// could not be listed: the evidence of every region is missing.
const regionAll = "all"

func snapLess(a, b *snap) bool {
	x, y := a.s, b.s
	if x.Kind != y.Kind {
		return x.Kind < y.Kind
	}
	if x.Source.AccountID != y.Source.AccountID {
		return x.Source.AccountID < y.Source.AccountID
	}
	if x.Source.Region != y.Source.Region {
		return x.Source.Region < y.Source.Region
	}
	return a.digest < b.digest
}

// decode parses a snapshot's payload once, turning integral JSON numbers
// into int64 so CEL compares them as ints.
func (sn *snap) decode() error {
	if sn.view != nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(sn.s.Payload))
	dec.UseNumber()
	var v any
	if len(bytes.TrimSpace(sn.s.Payload)) > 0 {
		if err := dec.Decode(&v); err != nil {
			return fmt.Errorf("payload: %w", err)
		}
	}
	sn.payload = normalizeJSON(v)
	sn.view = map[string]any{
		"kind":         sn.s.Kind,
		"account_id":   sn.s.Source.AccountID,
		"region":       sn.s.Source.Region,
		"digest":       sn.digest,
		"status":       string(sn.s.Status),
		"collected_at": sn.s.CollectedAt.UTC(),
		"payload":      sn.payload,
	}
	return nil
}

// normalizeJSON converts json.Number to int64 when integral, else float64.
func normalizeJSON(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return i
		}
		f, err := x.Float64()
		if err != nil {
			return string(x)
		}
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = normalizeJSON(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = normalizeJSON(e)
		}
		return x
	}
	return v
}

// problem is why a unit cannot be evaluated.
type problem struct {
	actions []string // "service:Action"
	detail  []string // human-readable parts
	digests []string
}

func (p *problem) empty() bool { return len(p.detail) == 0 }

func (p *problem) add(o problem) {
	p.actions = append(p.actions, o.actions...)
	p.detail = append(p.detail, o.detail...)
	p.digests = append(p.digests, o.digests...)
}

// relevant reports whether a failure of action matters to c: every action
// does unless the check lists evidence_actions.
func relevant(c *Check, action string) bool {
	if len(c.EvidenceActions) == 0 {
		return true
	}
	for _, a := range c.EvidenceActions {
		if Glob(a, action) {
			return true
		}
	}
	return false
}

// unitState collects what is wrong with the evidence of one unit: hard
// problems (missing or errored snapshots) always make it unknown; soft
// failures (relevant failed calls of partial snapshots) make it unknown
// unless the check attributes every one of them to an item.
type unitState struct {
	hard    problem
	soft    map[string]int // action → failed calls
	softP   problem
	digests []string
}

// addSnap records sn's failures relevant to c.
func (u *unitState) addSnap(c *Check, sn *snap) {
	u.digests = append(u.digests, sn.digest)
	switch sn.s.Status {
	case evidence.StatusOK:
		return
	case evidence.StatusError:
		u.hard.add(failureProblem(sn, sn.failed))
		if len(sn.failed) == 0 {
			u.hard.actions = append(u.hard.actions, "collect:"+sn.s.Kind)
			u.hard.detail = append(u.hard.detail, fmt.Sprintf("%s evidence for %s %s is status error", sn.s.Kind, sn.s.Source.AccountID, sn.s.Source.Region))
		}
		return
	}
	var rel []evidence.CallError
	for _, ce := range sn.failed {
		if relevant(c, ce.Action) {
			rel = append(rel, ce)
		}
	}
	if len(rel) == 0 {
		return
	}
	if u.soft == nil {
		u.soft = map[string]int{}
	}
	for _, ce := range rel {
		u.soft[ce.Action]++
	}
	u.softP.add(failureProblem(sn, rel))
}

// failureProblem describes the failed calls errs of sn.
func failureProblem(sn *snap, errs []evidence.CallError) problem {
	var p problem
	var parts []string
	for _, ce := range errs {
		p.actions = append(p.actions, ce.Action)
		parts = append(parts, fmt.Sprintf("%s failed (%s)", ce.Action, ce.Code))
	}
	parts = uniqueSorted(parts)
	p.detail = []string{fmt.Sprintf("%s evidence for %s %s is %s: %s", sn.s.Kind, sn.s.Source.AccountID, sn.s.Source.Region, sn.s.Status, strings.Join(parts, ", "))}
	p.digests = []string{sn.digest}
	return p
}

// kindState adds to u the snapshots of kind for the account (or, with
// account "", every snapshot of kind in the run), and a hard problem when
// they are missing: none at all, or none for a region the account's other
// regional evidence covers.
func (e *evaluator) kindState(u *unitState, c *Check, kind, account string) {
	if account == "" {
		accts := sorted.Keys(e.byKind[kind])
		if len(accts) == 0 {
			u.hard.actions = append(u.hard.actions, "collect:"+kind)
			u.hard.detail = append(u.hard.detail, fmt.Sprintf("no %s evidence in the run", kind))
		}
		for _, a := range accts {
			for _, sn := range e.byKind[kind][a] {
				u.addSnap(c, sn)
			}
		}
		return
	}
	list := e.byKind[kind][account]
	if len(list) == 0 {
		u.hard.actions = append(u.hard.actions, "collect:"+kind)
		u.hard.detail = append(u.hard.detail, fmt.Sprintf("no %s evidence for account %s (its collector did not run or the account was not reached)", kind, account))
		return
	}
	for _, sn := range list {
		u.addSnap(c, sn)
	}
	if e.regional[kind] {
		e.missingRegions(u, kind, account, list)
	}
}

// missingRegions adds a hard problem for each region of the account that
// other regional evidence covers but list lacks, and returns those regions.
func (e *evaluator) missingRegions(u *unitState, kind, account string, list []*snap) []string {
	have := map[string]bool{}
	for _, sn := range list {
		have[sn.s.Source.Region] = true
	}
	if have[regionAll] {
		return nil
	}
	var missing []string
	for _, r := range sorted.Keys(e.accountRegions[account]) {
		if !have[r] {
			missing = append(missing, r)
			u.hard.actions = append(u.hard.actions, "collect:"+kind)
			u.hard.detail = append(u.hard.detail, fmt.Sprintf("no %s evidence for account %s region %s", kind, account, r))
		}
	}
	return missing
}

// runCheck evaluates one check over every unit of its scope.
func (e *evaluator) runCheck(c *Check) ([]Result, error) {
	runEv, err := e.runEvidence(c)
	if err != nil {
		return nil, err
	}
	var out []Result
	switch c.Scope {
	case CheckScopeAccount:
		for _, a := range e.accounts {
			out = append(out, e.aggregateUnit(c, a, runEv)...)
		}
	case CheckScopeOrganization:
		return e.aggregateUnit(c, "", runEv), nil
	default:
		kind := c.Evidence[0]
		for _, a := range e.accounts {
			list := e.byKind[kind][a]
			if len(list) == 0 {
				region := evidence.GlobalRegion
				if e.regional[kind] {
					region = regionAll
				}
				var u unitState
				e.kindState(&u, c, kind, a)
				out = append(out, e.unknown(c, a, region, a, u.hard))
				continue
			}
			for _, sn := range list {
				var u unitState
				u.addSnap(c, sn)
				for _, k := range c.Evidence[1:] {
					e.kindState(&u, c, k, a)
				}
				out = append(out, e.evalSnapshot(c, a, sn, &u, runEv)...)
			}
			if e.regional[kind] {
				for _, r := range e.missingRegions(&unitState{}, kind, a, list) {
					out = append(out, e.unknown(c, a, r, a, problem{actions: []string{"collect:" + kind},
						detail: []string{fmt.Sprintf("no %s evidence for account %s region %s", kind, a, r)}}))
				}
			}
		}
	}
	if len(e.accounts) == 0 && c.Scope != CheckScopeOrganization {
		out = append(out, e.unknown(c, "", evidence.GlobalRegion, "", problem{actions: []string{"collect:" + c.Evidence[0]}, detail: []string{"no accounts in the run"}}))
	}
	return out, nil
}

// runEvidence returns every snapshot in the run of each of c's kinds, for
// joins across accounts and regions (run_evidence in CEL).
func (e *evaluator) runEvidence(c *Check) (map[string][]any, error) {
	m := map[string][]any{}
	for _, k := range append(append([]string{}, c.Evidence...), c.Joins...) {
		list := []any{}
		for _, a := range sorted.Keys(e.byKind[k]) {
			for _, sn := range e.byKind[k][a] {
				if err := sn.decode(); err != nil {
					return nil, fmt.Errorf("evaluate %s: snapshot %s: %w", c.ID, sn.digest, err)
				}
				list = append(list, sn.view)
			}
		}
		m[k] = list
	}
	return m, nil
}

// unknown makes the unknown result of a unit that cannot be evaluated.
func (e *evaluator) unknown(c *Check, account, region, resource string, p problem) Result {
	detail := "evidence could not be seen: " + strings.Join(uniqueSorted(p.detail), "; ")
	return Result{CheckID: c.ID, AccountID: account, Region: region, ResourceID: resource, Status: StatusUnknown,
		Citations: c.Citations, Evidence: uniqueSorted(p.digests), Detail: detail, Severity: c.Severity,
		FailedActions: uniqueSorted(p.actions)}
}

// evidenceMap returns the account's (or, for "", every account's)
// snapshots of each of c's kinds, as CEL sees them.
func (e *evaluator) evidenceMap(c *Check, account string) (map[string][]any, error) {
	m := map[string][]any{}
	for _, k := range c.Evidence {
		list := []any{}
		var snaps []*snap
		if account == "" {
			for _, a := range sorted.Keys(e.byKind[k]) {
				snaps = append(snaps, e.byKind[k][a]...)
			}
		} else {
			snaps = e.byKind[k][account]
		}
		for _, sn := range snaps {
			if err := sn.decode(); err != nil {
				return nil, fmt.Errorf("snapshot %s: %w", sn.digest, err)
			}
			list = append(list, sn.view)
		}
		m[k] = list
	}
	return m, nil
}

// baseActivation returns the variables common to every unit.
func (e *evaluator) baseActivation(c *Check, account, region string, runEv map[string][]any) *activation {
	return &activation{
		ctx:         e.ctx,
		params:      c.Params,
		runEvidence: runEv,
		account:     types.String(account),
		region:      types.String(region),
		partition:   types.String(e.partition),
		now:         types.Timestamp{Time: e.clock},
		start:       types.Timestamp{Time: e.start},
		end:         types.Timestamp{Time: e.end},
	}
}

// evalSnapshot evaluates a resource-scope check over one snapshot.
func (e *evaluator) evalSnapshot(c *Check, account string, sn *snap, u *unitState, runEv map[string][]any) []Result {
	region := sn.s.Source.Region
	if !u.hard.empty() || (c.itemFailed == nil && u.soft != nil) {
		p := u.hard
		p.add(u.softP)
		return []Result{e.unknown(c, account, region, account, p)}
	}
	digests := uniqueSorted(u.digests)
	if err := sn.decode(); err != nil {
		return []Result{e.evalError(c, account, region, account, digests, err)}
	}
	act := e.baseActivation(c, account, region, runEv)
	act.payload = sn.payload
	act.snapshot = sn.view
	if len(c.Evidence) > 1 {
		m, err := e.evidenceMap(c, account)
		if err != nil {
			return []Result{e.evalError(c, account, region, account, digests, err)}
		}
		act.evidence = m
	} else {
		act.evidence = map[string][]any{c.Evidence[0]: {sn.view}}
	}
	return e.evalItems(c, act, u, account, region, account, digests, types.DefaultTypeAdapter.NativeToValue(sn.payload))
}

// aggregateUnit evaluates an account- or organization-scope check.
func (e *evaluator) aggregateUnit(c *Check, account string, runEv map[string][]any) []Result {
	resource := account
	if account == "" {
		resource = "organization"
	}
	var u unitState
	for _, k := range c.Evidence {
		e.kindState(&u, c, k, account)
	}
	if !u.hard.empty() || (c.itemFailed == nil && u.soft != nil) {
		p := u.hard
		p.add(u.softP)
		return []Result{e.unknown(c, account, evidence.GlobalRegion, resource, p)}
	}
	digests := uniqueSorted(u.digests)
	m, err := e.evidenceMap(c, account)
	if err != nil {
		return []Result{e.evalError(c, account, evidence.GlobalRegion, resource, digests, err)}
	}
	act := e.baseActivation(c, account, evidence.GlobalRegion, runEv)
	act.evidence = m
	act.snapshots = m[c.Evidence[0]]
	return e.evalItems(c, act, &u, account, evidence.GlobalRegion, resource, digests, nil)
}

// evalError makes the unknown result of an expression that failed.
func (e *evaluator) evalError(c *Check, account, region, resource string, digests []string, err error) Result {
	return Result{CheckID: c.ID, AccountID: account, Region: region, ResourceID: resource, Status: StatusUnknown,
		Citations: c.Citations, Evidence: digests, Severity: c.Severity,
		Detail: "the check could not be evaluated on this evidence: " + err.Error()}
}

// evalItems runs for_each (or the single whole item) and the per-item
// expressions. When the unit has failed calls, every one must be
// attributed to an item (item_failed_actions), else the whole unit is
// unknown.
func (e *evaluator) evalItems(c *Check, act *activation, u *unitState, account, region, defResource string, digests []string, whole ref.Val) []Result {
	var items []ref.Val
	if c.forEach != nil {
		list, err := c.forEach.evalList(act)
		if err != nil {
			return []Result{e.evalError(c, account, region, defResource, digests, fmt.Errorf("for_each: %w", err))}
		}
		items = list
	} else if whole != nil {
		items = []ref.Val{whole}
	} else {
		items = []ref.Val{nil}
	}
	out := make([]Result, 0, len(items))
	joinFailed := e.joinFailures(c)
	unitVars, perItemVars, err := e.evalUnitVars(c, act)
	if err != nil {
		return []Result{e.evalError(c, account, region, defResource, digests, err)}
	}
	var attributed map[string]int
	if u.soft != nil {
		attributed = map[string]int{}
	}
	for i, item := range items {
		act.item = item
		r := Result{CheckID: c.ID, AccountID: account, Region: region, ResourceID: defResource,
			Citations: c.Citations, Evidence: digests, Severity: c.Severity}
		if len(c.vars) > 0 {
			if err := evalItemVars(c, act, unitVars, perItemVars); err != nil {
				r.ResourceID = fmt.Sprintf("%s#%d", defResource, i)
				r.Status, r.Detail = StatusUnknown, err.Error()
				out = append(out, r)
				continue
			}
		}
		if c.resource != nil {
			id, err := c.resource.evalString(act)
			if err != nil {
				r.ResourceID = fmt.Sprintf("%s#%d", defResource, i)
				r.Status, r.Detail = StatusUnknown, "the resource id could not be evaluated: "+err.Error()
				out = append(out, r)
				continue
			}
			r.ResourceID = id
		}
		if c.region != nil {
			reg, err := c.region.evalString(act)
			if err != nil {
				r.Status, r.Detail = StatusUnknown, "the region could not be evaluated: "+err.Error()
				out = append(out, r)
				continue
			}
			r.Region = reg
		}
		if c.account != nil {
			acct, err := c.account.evalString(act)
			if err != nil {
				r.Status, r.Detail = StatusUnknown, "the account could not be evaluated: "+err.Error()
				out = append(out, r)
				continue
			}
			r.AccountID = acct
		}
		if c.itemFailed != nil {
			failed, err := c.itemFailed.evalStrings(act)
			if err != nil {
				r.Status, r.Detail = StatusUnknown, "item_failed_actions could not be evaluated: "+err.Error()
				out = append(out, r)
				continue
			}
			var rel []string
			for _, a := range failed {
				if attributed != nil {
					attributed[a]++
				}
				if relevant(c, a) {
					rel = append(rel, a)
				}
			}
			if len(rel) > 0 {
				r.Status = StatusUnknown
				r.FailedActions = uniqueSorted(rel)
				r.Detail = "evidence for this resource could not be seen: " + strings.Join(r.FailedActions, ", ") + " failed"
				out = append(out, r)
				continue
			}
		}
		r.Status, r.Detail = e.decide(c, act)
		if r.Status == StatusUnknown && len(joinFailed) > 0 {
			// The value that was not seen may come from a joined snapshot
			// that failed: name what failed there.
			r.FailedActions = joinFailed
		}
		out = append(out, r)
	}
	act.item = nil
	act.setVars(nil)
	// Every relevant failed call must belong to an item; otherwise what is
	// missing may be a resource the list does not even show.
	var unattributed []string
	for _, a := range sorted.Keys(u.soft) {
		if u.soft[a] > attributed[a] {
			unattributed = append(unattributed, a)
		}
	}
	if len(unattributed) > 0 {
		p := u.softP
		p.actions = unattributed
		return []Result{e.unknown(c, account, region, defResource, p)}
	}
	if len(out) == 0 {
		out = append(out, Result{CheckID: c.ID, AccountID: account, Region: region, ResourceID: defResource,
			Status: StatusNotApplicable, Citations: c.Citations, Evidence: digests, Severity: c.Severity,
			Detail: "the evidence holds no resources this check applies to"})
	}
	return out
}

// joinFailures returns the failed actions of the snapshots of c's joined
// kinds that are not ok, sorted; nil when all are ok.
func (e *evaluator) joinFailures(c *Check) []string {
	if v, ok := e.joinFailed[c.ID]; ok {
		return v
	}
	var out []string
	defer func() { e.joinFailed[c.ID] = out }()
	for _, k := range c.Joins {
		for _, list := range e.byKind[k] {
			for _, sn := range list {
				for _, ce := range sn.failed {
					out = append(out, ce.Action)
				}
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	out = uniqueSorted(out)
	return out
}

// evalUnitVars evaluates the vars of c that do not read item: those that
// read nothing of the unit once per check (cached), the others once for
// the unit. It reports whether any var reads item.
func (e *evaluator) evalUnitVars(c *Check, act *activation) (map[string]any, bool, error) {
	if len(c.vars) == 0 {
		return nil, false, nil
	}
	act.item = nil
	act.setVars(nil)
	checkVars, cached := e.checkVars[c.ID]
	if !cached {
		checkVars = map[string]any{}
		for _, v := range c.vars {
			if v.level != levelCheck {
				continue
			}
			val, err := v.c.eval(act)
			if err != nil {
				return nil, false, fmt.Errorf("vars.%s could not be evaluated: %v", v.name, err)
			}
			checkVars[v.name] = val
		}
		e.checkVars[c.ID] = checkVars
	}
	m := make(map[string]any, len(c.vars))
	for k, v := range checkVars {
		m[k] = v
	}
	perItem := false
	for _, v := range c.vars {
		switch v.level {
		case levelItem:
			perItem = true
		case levelUnit:
			val, err := v.c.eval(act)
			if err != nil {
				return nil, false, fmt.Errorf("vars.%s could not be evaluated: %v", v.name, err)
			}
			m[v.name] = val
		}
	}
	return m, perItem, nil
}

// evalItemVars sets act.vars for the current item: the unit's vars plus
// those that read item.
func evalItemVars(c *Check, act *activation, unit map[string]any, perItem bool) error {
	if !perItem {
		if act.vars == nil {
			act.setVars(unit)
		}
		return nil
	}
	act.setVars(nil)
	m := make(map[string]any, len(c.vars))
	for k, v := range unit {
		m[k] = v
	}
	for _, v := range c.vars {
		if v.level != levelItem {
			continue
		}
		val, err := v.c.eval(act)
		if err != nil {
			return fmt.Errorf("vars.%s could not be evaluated: %v", v.name, err)
		}
		m[v.name] = val
	}
	act.setVars(m)
	return nil
}

// decide evaluates unknown_if, applies, pass and detail for one item.
func (e *evaluator) decide(c *Check, act *activation) (ResultStatus, string) {
	if c.unknownIf != nil {
		unk, err := c.unknownIf.evalBool(act)
		if err != nil {
			return StatusUnknown, "unknown_if could not be evaluated: " + err.Error()
		}
		if unk {
			return StatusUnknown, "the evidence for this resource is incomplete (a value it needs was not seen): " + c.Conditions["unknown_if"]
		}
	}
	if c.applies != nil {
		ok, err := c.applies.evalBool(act)
		if err != nil {
			return StatusUnknown, "applies could not be evaluated: " + err.Error()
		}
		if !ok {
			return StatusNotApplicable, e.detail(c, act, "not applicable")
		}
	}
	ok, err := c.pass.evalBool(act)
	if err != nil {
		return StatusUnknown, "the pass condition could not be evaluated: " + err.Error()
	}
	if ok {
		return StatusPass, e.detail(c, act, "meets: "+c.Title)
	}
	return StatusFail, e.detail(c, act, "does not meet: "+c.Title)
}

// detail evaluates the check's detail expression, or returns def.
func (e *evaluator) detail(c *Check, act *activation, def string) string {
	if c.detail == nil {
		return def
	}
	s, err := c.detail.evalString(act)
	if err != nil || s == "" {
		return def
	}
	return s
}

// uniqueSorted returns the sorted distinct non-empty strings of s (never nil).
func uniqueSorted(s []string) []string {
	out := make([]string, 0, len(s))
	seen := make(map[string]bool, len(s))
	for _, x := range s {
		if x != "" && !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	sort.Strings(out)
	return out
}

// sortResults orders results by check, account, region, resource, then
// status and detail so duplicates are ordered too.
func sortResults(rs []Result) {
	sort.SliceStable(rs, func(i, j int) bool {
		a, b := &rs[i], &rs[j]
		if a.CheckID != b.CheckID {
			return a.CheckID < b.CheckID
		}
		if a.AccountID != b.AccountID {
			return a.AccountID < b.AccountID
		}
		if a.Region != b.Region {
			return a.Region < b.Region
		}
		if a.ResourceID != b.ResourceID {
			return a.ResourceID < b.ResourceID
		}
		if a.Status != b.Status {
			return a.Status < b.Status
		}
		return a.Detail < b.Detail
	})
}
