package reports

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/locker"
	"github.com/hipaa-evidence/hipaa-evidence/controls"
	"github.com/hipaa-evidence/hipaa-evidence/internal/period"
)

// Regulation names the rule the HIPAA catalog comes from.
const Regulation = "HIPAA Security Rule (45 CFR Part 164, Subpart C)"

// ServicesKind is the evidence kind of the BAA service scope: the services
// in use per account and their HIPAA eligibility (docs/evidence/scope.md).
const ServicesKind = "aws.scope.services"

// BuildInput is what a report package is built from.
type BuildInput struct {
	// Results is the evaluation of the period (results.json); required.
	Results *controls.Results
	// Manifest is the run manifest of Results.RunID: how each account was
	// reached and where each snapshot is stored. Optional.
	Manifest *locker.Manifest
	// Services holds the payloads of the run's aws.scope.services
	// snapshots, already verified. Empty when the run collected none: the
	// services in use are then unknown, and the report says so.
	Services []json.RawMessage
	// Summaries maps catalog ids to their plain-language summaries (the
	// catalog's). Optional.
	Summaries map[string]string
	// Organization overrides the organization named in the results.
	Organization string
	// ToolVersion is the version of hipaa-evidence generating the report.
	ToolVersion string
	// GeneratedAt is the generation time; it is truncated to the second.
	GeneratedAt time.Time
}

// servicesPayload is the part of an aws.scope.services payload a report
// shows, as docs/evidence/scope.md documents it. It is decoded here rather
// than imported from the collector so reports do not depend on the AWS SDK.
type servicesPayload struct {
	CostExplorerView string `json:"cost_explorer_view"`
	EligibleList     struct {
		Title      string `json:"title"`
		Version    int    `json:"version"`
		ListDate   string `json:"list_date"`
		VerifiedOn string `json:"verified_on"`
		Stale      bool   `json:"stale"`
		Warning    string `json:"warning"`
		SourceURL  string `json:"source_url"`
	} `json:"eligible_list"`
	Accounts []struct {
		AccountID string `json:"account_id"`
		Visible   bool   `json:"visible"`
	} `json:"accounts"`
	Services []struct {
		AccountID      string   `json:"account_id"`
		Service        string   `json:"service"`
		Eligibility    string   `json:"eligibility"`
		MatchedEntries []string `json:"matched_entries"`
		Match          string   `json:"match"`
		Qualifiers     []string `json:"qualifiers"`
		Reason         string   `json:"reason"`
	} `json:"services"`
}

// Build turns an evaluation, its run manifest and its scope evidence into
// a report Package. It judges nothing: every status comes from the results.
func Build(in BuildInput) (*Package, error) {
	r := in.Results
	if r == nil {
		return nil, fmt.Errorf("build report: %w: no results", ErrInvalidPackage)
	}
	start, end, err := period.Bounds(r.Period)
	if err != nil {
		return nil, fmt.Errorf("build report: %w", err)
	}
	org := in.Organization
	if org == "" {
		org = r.Organization
	}
	if org == "" && in.Manifest != nil {
		org = in.Manifest.Organization
	}
	if org == "" {
		org = "Organization not named (set organization in the config)"
	}
	p := &Package{
		Schema:       PackageSchema,
		Organization: org,
		Period:       r.Period,
		PeriodStart:  start,
		PeriodEnd:    end,
		GeneratedAt:  in.GeneratedAt.UTC().Truncate(time.Second),
		ToolVersion:  in.ToolVersion,
		RunID:        r.RunID,
		Key:          SigningKey{ID: r.KeyID, Demo: r.DemoKey},
		Regulation:   Regulation,
		Notes:        []Note{},
		Checks:       []Check{},
		Exceptions:   []Exception{},
		NotEvaluated: []NotEvaluated{},
		Evidence:     []EvidenceItem{},
		Gaps:         []Gap{},
		Changes:      Changes{Items: []Change{}},
	}
	if p.ToolVersion == "" {
		p.ToolVersion = "dev"
	}

	access := map[string]string{}
	paths := map[string]string{}
	if in.Manifest != nil {
		for _, a := range in.Manifest.Accounts {
			access[a.AccountID] = a.Access
		}
		for _, s := range in.Manifest.Snapshots {
			paths[s.Digest] = s.Path
		}
	}
	p.Scope.Accounts = []Account{}
	for _, a := range r.Scope.Accounts {
		p.Scope.Accounts = append(p.Scope.Accounts, Account{ID: a.AccountID, Name: a.Name, Access: access[a.AccountID], Error: a.Error})
	}
	p.Scope.Regions = append([]string{}, r.Scope.Regions...)
	if err := buildServices(p, in.Services); err != nil {
		return nil, err
	}

	attachments := map[string]controls.ManualEvidence{}
	for _, m := range r.ManualEvidence {
		attachments[m.ID] = m
	}
	previous := map[string]ControlStatus{}
	if r.Changes != nil {
		for _, c := range r.Controls {
			previous[c.ID] = ControlStatus(c.Status)
		}
		for _, cc := range r.Changes.ControlChanges {
			previous[cc.ID] = ControlStatus(cc.Previous)
		}
	}
	for _, c := range r.Controls {
		ctl := Control{
			ID: c.ID, Parent: c.Parent, Title: c.Title, Safeguard: c.Safeguard, Kind: c.Kind, Requirement: c.Requirement,
			Summary: in.Summaries[c.ID], Status: ControlStatus(c.Status), Reason: c.Reason, PreviousStatus: previous[c.ID],
			Checks: []ControlCheck{}, NotEvaluated: nonNil(c.NotEvaluated), Exceptions: nonNil(c.Exceptions),
			ManualEvidence: []Attachment{},
			Owners: Owners{Build: c.Owners.Build, Monitor: c.Owners.Monitor, Exceptions: c.Owners.Exceptions,
				Responsibility: c.Owners.Responsibility, EvidenceSources: nonNil(c.Owners.EvidenceSources), Gaps: nonNil(c.Owners.Gaps)},
		}
		for _, cc := range c.Checks {
			ctl.Checks = append(ctl.Checks, ControlCheck{ID: cc.CheckID, Status: ResultStatus(cc.Status), Counts: counts(cc.Counts),
				FailedActions: nonNil(cc.FailedActions)})
		}
		for _, id := range c.ManualEvidence.Attachments {
			m, ok := attachments[id]
			if !ok {
				continue
			}
			a := Attachment{Name: m.FileName, Digest: m.SHA256, Note: m.Note, AttachedAt: m.AttachedAt.UTC(), Expired: m.State == controls.ManualExpired}
			if m.ValidUntil != "" {
				if t, err := time.Parse(time.DateOnly, m.ValidUntil); err == nil {
					a.ValidUntil = t
				}
			}
			ctl.ManualEvidence = append(ctl.ManualEvidence, a)
		}
		p.Controls = append(p.Controls, ctl)
	}

	for _, c := range r.Checks {
		p.Checks = append(p.Checks, Check{ID: c.ID, Title: c.Title, Severity: c.Severity, Evidence: nonNil(c.Evidence),
			Citations: nonNil(c.Citations), Remediation: c.Remediation, Counts: counts(c.Counts)})
	}
	sort.Slice(p.Checks, func(i, j int) bool { return p.Checks[i].ID < p.Checks[j].ID })
	// Findings are converted as they are read, not copied: a period with
	// 100,000 results does not hold them twice.
	results := r.Results
	p.FindingSource = func(yield func(Finding) bool) {
		for _, x := range results {
			f := Finding{CheckID: x.CheckID, AccountID: x.AccountID, Region: x.Region, ResourceID: x.ResourceID,
				Status: ResultStatus(x.Status), Citations: nonNil(x.Citations), Evidence: nonNil(x.Evidence),
				Detail: x.Detail, FailedActions: x.FailedActions, ExceptionID: x.ExceptionID}
			if !yield(f) {
				return
			}
		}
	}

	for _, e := range r.Exceptions {
		x := Exception{ID: e.ID, Check: e.Check, Control: e.Control, Accounts: nonNil(e.Accounts), Regions: nonNil(e.Regions),
			Resources: nonNil(e.Resources), Justification: e.Justification, Owner: e.Owner, ApprovedBy: e.ApprovedBy,
			State: ExceptionState(e.State), Matched: e.Matched, Flag: e.Flag}
		if t, err := time.Parse(time.DateOnly, e.ExpiresAt); err == nil {
			x.ExpiresAt = t
		}
		p.Exceptions = append(p.Exceptions, x)
	}
	for _, n := range r.NotEvaluated {
		p.NotEvaluated = append(p.NotEvaluated, NotEvaluated{ID: n.ID, Title: n.Title, Citations: nonNil(n.Citations), Reason: n.Reason})
	}
	for _, e := range r.Evidence {
		p.Evidence = append(p.Evidence, EvidenceItem{Digest: e.Digest, Kind: e.Kind, Collector: e.Collector, AccountID: e.AccountID,
			Region: e.Region, CollectedAt: e.CollectedAt.UTC(), Status: e.Status, FailedActions: nonNil(e.FailedActions), Path: paths[e.Digest]})
	}
	for _, g := range r.Gaps {
		p.Gaps = append(p.Gaps, Gap{Kind: g.Kind, AccountID: g.AccountID, Region: g.Region, State: g.State,
			FailedActions: nonNil(g.FailedActions), Evidence: g.Evidence})
	}
	if ch := r.Changes; ch != nil {
		p.Changes.PreviousPeriod = ch.PreviousPeriod
		for _, c := range ch.ControlChanges {
			p.Changes.Items = append(p.Changes.Items, Change{Kind: ChangeStatus, Control: c.ID, Before: string(c.Previous), After: string(c.Current)})
		}
		for _, c := range ch.NewFailures {
			p.Changes.Items = append(p.Changes.Items, resultChange(ChangeNewFailure, c))
		}
		for _, c := range ch.ResolvedFailures {
			p.Changes.Items = append(p.Changes.Items, resultChange(ChangeResolved, c))
		}
		for _, c := range ch.NewResources {
			p.Changes.Items = append(p.Changes.Items, Change{Kind: ChangeNewResource, AccountID: c.AccountID, Region: c.Region, ResourceID: c.ResourceID})
		}
		for _, c := range ch.RemovedResources {
			p.Changes.Items = append(p.Changes.Items, Change{Kind: ChangeRemovedResource, AccountID: c.AccountID, Region: c.Region, ResourceID: c.ResourceID})
		}
		for _, id := range ch.LapsedExceptions {
			x := Change{Kind: ChangeLapsedException, Detail: "exception " + id + " expired"}
			for _, e := range p.Exceptions {
				if e.ID == id {
					x.Control, x.CheckID = e.Control, e.Check
					x.Detail = fmt.Sprintf("exception %s expired on %s", id, e.ExpiresAt.Format(time.DateOnly))
				}
			}
			p.Changes.Items = append(p.Changes.Items, x)
		}
	}
	p.Notes = append(notes(p, r), p.Notes...)
	return p, nil
}

func resultChange(kind ChangeKind, c controls.ResultChange) Change {
	return Change{Kind: kind, CheckID: c.CheckID, AccountID: c.AccountID, Region: c.Region, ResourceID: c.ResourceID,
		Before: string(c.Previous), After: string(c.Current)}
}

func counts(c controls.Counts) Counts {
	return Counts{Pass: c.Pass, Fail: c.Fail, Unknown: c.Unknown, NotApplicable: c.NotApplicable, Excepted: c.Excepted}
}

// nonNil returns s, or an empty slice for nil, so the JSON model shows []
// rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// buildServices fills the scope's services from the services payloads.
func buildServices(p *Package, payloads []json.RawMessage) error {
	p.Scope.Services = []Service{}
	if len(payloads) == 0 {
		p.Notes = append(p.Notes, Note{Level: NoteWarning, Text: "No service-scope evidence (" + ServicesKind +
			") was collected: the AWS services in use and their HIPAA eligibility are unknown."})
		return nil
	}
	byName := map[string]*Service{}
	visible := map[string]bool{}
	seen := map[string]bool{}
	for i, raw := range payloads {
		var sp servicesPayload
		if err := json.Unmarshal(raw, &sp); err != nil {
			return fmt.Errorf("build report: read %s payload %d: %w", ServicesKind, i+1, err)
		}
		el := sp.EligibleList
		if p.Scope.EligibleList.Title == "" {
			p.Scope.EligibleList = EligibleList{Title: el.Title, Date: el.ListDate, Stale: el.Stale,
				Source: strings.TrimSpace(fmt.Sprintf("the list as shipped with the tool (version %d, verified %s) %s", el.Version, el.VerifiedOn, el.SourceURL))}
			if el.Warning != "" {
				p.Notes = append(p.Notes, Note{Level: NoteWarning, Text: el.Warning})
			}
		}
		for _, a := range sp.Accounts {
			seen[a.AccountID] = true
			visible[a.AccountID] = visible[a.AccountID] || a.Visible
		}
		for _, u := range sp.Services {
			s := byName[u.Service]
			if s == nil {
				s = &Service{Name: u.Service, Eligibility: EligibilityUnknown, Accounts: []string{}}
				byName[u.Service] = s
			}
			if u.Eligibility == string(Eligible) {
				s.Eligibility = Eligible
			}
			if s.ListedAs == "" {
				s.ListedAs = strings.Join(u.MatchedEntries, ", ")
			}
			var note []string
			if len(u.Qualifiers) > 0 {
				note = append(note, "eligible only: "+strings.Join(u.Qualifiers, "; "))
			}
			if u.Reason != "" {
				note = append(note, u.Reason)
			}
			if s.Note == "" {
				s.Note = strings.Join(note, ". ")
			}
			if !slices.Contains(s.Accounts, u.AccountID) {
				s.Accounts = append(s.Accounts, u.AccountID)
			}
		}
	}
	for _, s := range byName {
		slices.Sort(s.Accounts)
		p.Scope.Services = append(p.Scope.Services, *s)
	}
	sort.Slice(p.Scope.Services, func(i, j int) bool { return p.Scope.Services[i].Name < p.Scope.Services[j].Name })
	var hidden []string
	for i := range p.Scope.Accounts {
		a := &p.Scope.Accounts[i]
		switch {
		case visible[a.ID]:
			a.ServiceUsage = "visible"
		default:
			a.ServiceUsage = "unknown"
			hidden = append(hidden, a.ID)
		}
	}
	if len(hidden) > 0 {
		p.Notes = append(p.Notes, Note{Level: NoteWarning, Text: fmt.Sprintf("Cost Explorer could not show the services used by %s %s: "+
			"their service scope is unknown, not empty.", plural(len(hidden), "account", "accounts"), strings.Join(hidden, ", "))})
	}
	return nil
}

// notes returns the warnings a reader must see first.
func notes(p *Package, r *controls.Results) []Note {
	var out []Note
	if r.DemoKey {
		out = append(out, Note{Level: NoteWarning, Text: "The evidence was signed with a throwaway demo key: it proves nothing about who collected it. Do not rely on this report for an audit."})
	}
	for _, a := range r.Scope.Accounts {
		if a.Error != "" {
			out = append(out, Note{Level: NoteWarning, Text: fmt.Sprintf("Account %s could not be reached (%s); its results are unknown.", a.AccountID, a.Error)})
		}
	}
	if n := len(r.Gaps); n > 0 {
		out = append(out, Note{Level: NoteWarning, Text: fmt.Sprintf("%d evidence %s could not be collected completely; the results that depend on %s are unknown (see the evidence index).",
			n, plural(n, "snapshot", "snapshots"), plural(n, "it", "them"))})
	}
	if n := len(r.NotEvaluated); n > 0 {
		out = append(out, Note{Level: NoteInfo, Text: fmt.Sprintf("%d %s of the public mappings cannot be decided from the collected evidence and %s listed as not evaluated.",
			n, plural(n, "check", "checks"), plural(n, "is", "are"))})
	}
	if n := len(p.OwnershipGaps()); n > 0 {
		out = append(out, Note{Level: NoteWarning, Text: fmt.Sprintf("%d catalog %s no owner for at least one role (see the ownership matrix).", n, plural(n, "entry has", "entries have"))})
	}
	for _, e := range r.Exceptions {
		if e.State == controls.ExceptionExpired {
			out = append(out, Note{Level: NoteWarning, Text: fmt.Sprintf("Exception %s expired on %s and no longer covers anything.", e.ID, e.ExpiresAt)})
		}
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
