package controls

import (
	"fmt"
	"sort"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/internal/sorted"
)

// evidenceIndex lists every snapshot and every gap: snapshots that are
// errored or partial, and kinds missing for an account or region that other
// evidence shows was in scope.
func (e *evaluator) evidenceIndex() ([]EvidenceEntry, []Gap) {
	idx := make([]EvidenceEntry, 0, len(e.snaps))
	gaps := []Gap{}
	for _, sn := range e.snaps {
		s := sn.s
		var actions []string
		var gapActions []string
		for _, ce := range s.Errors {
			actions = append(actions, ce.Action)
			gapActions = append(gapActions, fmt.Sprintf("%s (%s)", ce.Action, ce.Code))
		}
		entry := EvidenceEntry{Digest: sn.digest, Kind: s.Kind, Collector: s.Collector.Name, AccountID: s.Source.AccountID,
			Region: s.Source.Region, CollectedAt: s.CollectedAt.UTC(), Status: string(s.Status)}
		if len(actions) > 0 {
			entry.FailedActions = uniqueSorted(actions)
		}
		idx = append(idx, entry)
		if s.Status != evidence.StatusOK {
			gaps = append(gaps, Gap{Kind: s.Kind, AccountID: s.Source.AccountID, Region: s.Source.Region,
				State: string(s.Status), FailedActions: uniqueSorted(gapActions), Evidence: sn.digest})
		}
	}
	// Kinds missing for an account in scope, or for a region the account's
	// other regional evidence covers.
	for _, kind := range sorted.Keys(e.byKind) {
		for _, a := range e.accounts {
			list := e.byKind[kind][a]
			if len(list) == 0 {
				if e.perAccountKind(kind) {
					gaps = append(gaps, Gap{Kind: kind, AccountID: a, Region: evidence.GlobalRegion, State: "missing", FailedActions: []string{"collect:" + kind}})
				}
				continue
			}
			if !e.regional[kind] {
				continue
			}
			have := map[string]bool{}
			for _, sn := range list {
				have[sn.s.Source.Region] = true
			}
			if have[regionAll] {
				continue
			}
			for _, r := range sorted.Keys(e.accountRegions[a]) {
				if !have[r] {
					gaps = append(gaps, Gap{Kind: kind, AccountID: a, Region: r, State: "missing", FailedActions: []string{"collect:" + kind}})
				}
			}
		}
	}
	sort.SliceStable(gaps, func(i, j int) bool {
		a, b := gaps[i], gaps[j]
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		if a.AccountID != b.AccountID {
			return a.AccountID < b.AccountID
		}
		if a.Region != b.Region {
			return a.Region < b.Region
		}
		return a.Evidence < b.Evidence
	})
	return idx, gaps
}

// perAccountKind reports whether kind appears collected per account: its
// snapshots come from more than one account, or every account in scope is
// its only account. A kind seen for one account of several is taken to be
// collected once per run and is not a gap elsewhere; checks over such
// kinds use organization scope.
func (e *evaluator) perAccountKind(kind string) bool {
	return len(e.byKind[kind]) > 1 || len(e.accounts) <= 1
}

// scope lists the run's accounts and regions.
func (e *evaluator) scope() Scope {
	s := Scope{Accounts: []ScopeAccount{}, Regions: append([]string{}, e.in.Run.Regions...)}
	seen := map[string]bool{}
	for _, a := range e.in.Run.Accounts {
		if !seen[a.AccountID] {
			seen[a.AccountID] = true
			s.Accounts = append(s.Accounts, a)
		}
	}
	if len(s.Accounts) == 0 {
		for _, a := range e.accounts {
			s.Accounts = append(s.Accounts, ScopeAccount{AccountID: a})
		}
	}
	sort.Slice(s.Accounts, func(i, j int) bool { return s.Accounts[i].AccountID < s.Accounts[j].AccountID })
	return s
}

// inputDigests records what the evaluation read.
func inputDigests(in *Inputs) InputDigests {
	d := InputDigests{Catalog: in.Catalog.SHA256, Checks: []FileDigest{}, Parameters: map[string]map[string]any{}}
	if in.PreviousData != nil {
		d.PreviousResults = evidence.Digest(in.PreviousData)
	}
	for _, f := range in.Checks.Files() {
		d.Checks = append(d.Checks, FileDigest{Name: f.Name, SHA256: evidence.Digest(f.Data)})
	}
	for _, c := range in.Checks.Checks() {
		if len(c.Params) > 0 {
			d.Parameters[c.ID] = c.Params
		}
	}
	if in.Ownership != nil {
		d.Ownership = in.Ownership.SHA256
	}
	if in.Exceptions != nil {
		d.Exceptions = in.Exceptions.SHA256
	}
	return d
}

type resultKey struct{ check, account, region, resource string }

type resourceKey struct{ account, region, resource string }

// changes compares this evaluation with the previous period's.
func changes(prev *Results, cur *Results) *Changes {
	ch := &Changes{PreviousPeriod: prev.Period, PreviousRunID: prev.RunID, NewFailures: []ResultChange{},
		ResolvedFailures: []ResultChange{}, NewResources: []ResourceRef{}, RemovedResources: []ResourceRef{},
		LapsedExceptions: []string{}, ControlChanges: []ControlChange{}}
	before := map[resultKey]ResultStatus{}
	beforeRes := map[resourceKey]bool{}
	for _, r := range prev.Results {
		k := resultKey{r.CheckID, r.AccountID, r.Region, r.ResourceID}
		if s, dup := before[k]; !dup || worse(r.Status, s) {
			before[k] = r.Status
		}
		if isResource(r) {
			beforeRes[resourceKey{r.AccountID, r.Region, r.ResourceID}] = true
		}
	}
	now := map[resultKey]ResultStatus{}
	nowRes := map[resourceKey]bool{}
	for _, r := range cur.Results {
		k := resultKey{r.CheckID, r.AccountID, r.Region, r.ResourceID}
		if s, dup := now[k]; !dup || worse(r.Status, s) {
			now[k] = r.Status
		}
		if isResource(r) {
			nowRes[resourceKey{r.AccountID, r.Region, r.ResourceID}] = true
		}
	}
	for k, s := range now {
		if p := before[k]; s == StatusFail && p != StatusFail {
			ch.NewFailures = append(ch.NewFailures, ResultChange{k.check, k.account, k.region, k.resource, p, s})
		}
	}
	for k, p := range before {
		// A failure is resolved when the same result now passes or no longer
		// applies; a resource that is gone is listed as removed instead.
		if s, has := now[k]; p == StatusFail && has && (s == StatusPass || s == StatusNotApplicable) {
			ch.ResolvedFailures = append(ch.ResolvedFailures, ResultChange{k.check, k.account, k.region, k.resource, p, s})
		}
	}
	for k := range nowRes {
		if !beforeRes[k] {
			ch.NewResources = append(ch.NewResources, ResourceRef{k.account, k.region, k.resource})
		}
	}
	for k := range beforeRes {
		if !nowRes[k] {
			ch.RemovedResources = append(ch.RemovedResources, ResourceRef{k.account, k.region, k.resource})
		}
	}
	prevEx := map[string]string{}
	for _, x := range prev.Exceptions {
		prevEx[x.ID] = x.State
	}
	for _, x := range cur.Exceptions {
		if x.State == ExceptionExpired && prevEx[x.ID] != "" && prevEx[x.ID] != ExceptionExpired {
			ch.LapsedExceptions = append(ch.LapsedExceptions, x.ID)
		}
	}
	prevCtl := map[string]ControlStatus{}
	for _, c := range prev.Controls {
		prevCtl[c.ID] = c.Status
	}
	for _, c := range cur.Controls {
		if p, ok := prevCtl[c.ID]; ok && p != c.Status {
			ch.ControlChanges = append(ch.ControlChanges, ControlChange{ID: c.ID, Previous: p, Current: c.Status})
		}
	}
	sortChanges(ch.NewFailures)
	sortChanges(ch.ResolvedFailures)
	sortRefs(ch.NewResources)
	sortRefs(ch.RemovedResources)
	sort.Strings(ch.LapsedExceptions)
	return ch
}

// isResource reports whether r names a real resource rather than an
// account-level or organization-level stand-in.
func isResource(r Result) bool {
	return r.ResourceID != "" && r.ResourceID != r.AccountID && r.ResourceID != "organization"
}

// worse orders statuses for duplicate keys: fail > unknown > excepted >
// pass > not_applicable.
func worse(a, b ResultStatus) bool { return rank(a) > rank(b) }

func rank(s ResultStatus) int {
	switch s {
	case StatusFail:
		return 4
	case StatusUnknown:
		return 3
	case StatusExcepted:
		return 2
	case StatusPass:
		return 1
	}
	return 0
}

func sortChanges(cs []ResultChange) {
	sort.Slice(cs, func(i, j int) bool {
		a, b := cs[i], cs[j]
		if a.CheckID != b.CheckID {
			return a.CheckID < b.CheckID
		}
		if a.AccountID != b.AccountID {
			return a.AccountID < b.AccountID
		}
		if a.Region != b.Region {
			return a.Region < b.Region
		}
		return a.ResourceID < b.ResourceID
	})
}

func sortRefs(rs []ResourceRef) {
	sort.Slice(rs, func(i, j int) bool {
		a, b := rs[i], rs[j]
		if a.AccountID != b.AccountID {
			return a.AccountID < b.AccountID
		}
		if a.Region != b.Region {
			return a.Region < b.Region
		}
		return a.ResourceID < b.ResourceID
	})
}
