package controls

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// exState accumulates how an exception was used.
type exState struct {
	ex      *Exception
	matched int
}

// applyExceptions turns failing results covered by an in-date check-level
// exception into excepted (never pass). A failure covered only by an
// expired exception stays a failure and names the lapsed exception.
func (e *evaluator) applyExceptions(results []Result) map[string]*exState {
	states := map[string]*exState{}
	if e.in.Exceptions == nil {
		return states
	}
	byCheck := map[string][]*Exception{}
	for _, x := range e.in.Exceptions.List {
		states[x.ID] = &exState{ex: x}
		if x.Check != "" {
			byCheck[x.Check] = append(byCheck[x.Check], x)
		}
	}
	for i := range results {
		r := &results[i]
		if r.Status != StatusFail {
			continue
		}
		var lapsed *Exception
		for _, x := range byCheck[r.CheckID] { // sorted by id
			if !x.matches(r) {
				continue
			}
			states[x.ID].matched++
			if x.Expired(e.clock) {
				if lapsed == nil {
					lapsed = x
				}
				continue
			}
			r.Status = StatusExcepted
			r.ExceptionID = x.ID
			r.Detail += fmt.Sprintf(" (excepted by %s until %s)", x.ID, x.ExpiresAt)
			lapsed = nil
			break
		}
		if lapsed != nil {
			r.ExceptionID = lapsed.ID
			r.Detail += fmt.Sprintf(" (exception %s expired on %s and no longer applies)", lapsed.ID, lapsed.ExpiresAt)
		}
	}
	return states
}

// verdict is one component of a control's status.
type verdict int

const (
	vNA verdict = iota
	vMet
	vInherited
	vFail
	vPartial
	vExcepted
	vUnknown
	vManual
)

// component is one input to a control's status, with the clause that
// explains it.
type component struct {
	v      verdict
	clause string
}

// deriveControls gives every catalog entry a status with a reason.
func deriveControls(in *Inputs, results []Result, notEval []NotEvaluated, manual []ManualEvidence, clock time.Time, ex map[string]*exState) []Control {
	cat := in.Catalog
	byCheck := map[string][]int{}
	for i := range results {
		byCheck[results[i].CheckID] = append(byCheck[results[i].CheckID], i)
	}
	citing := map[string][]*Check{}
	for _, c := range in.Checks.Checks() {
		for _, id := range c.Citations {
			citing[id] = append(citing[id], c)
		}
	}
	notEvalBy := map[string][]string{}
	for _, n := range notEval {
		for _, id := range n.Citations {
			notEvalBy[id] = append(notEvalBy[id], n.ID)
		}
	}
	manualBy := map[string][]ManualEvidence{}
	for _, m := range manual {
		manualBy[m.Control] = append(manualBy[m.Control], m)
	}
	controlEx := map[string][]*Exception{}
	checkEx := map[string][]string{}
	if in.Exceptions != nil {
		for _, x := range in.Exceptions.List {
			if x.Control != "" {
				controlEx[x.Control] = append(controlEx[x.Control], x)
			} else {
				checkEx[x.Check] = append(checkEx[x.Check], x.ID)
			}
		}
	}

	out := make([]Control, len(cat.Entries))
	index := map[string]int{}
	for i, en := range cat.Entries {
		index[en.ID] = i
	}
	// Specifications first, then standards, which roll up their children.
	order := make([]int, 0, len(cat.Entries))
	for i, en := range cat.Entries {
		if len(en.Children) == 0 {
			order = append(order, i)
		}
	}
	for i, en := range cat.Entries {
		if len(en.Children) > 0 {
			order = append(order, i)
		}
	}
	for _, i := range order {
		en := cat.Entries[i]
		ctl := Control{ID: en.ID, Title: en.Title, Parent: en.Parent, Section: en.Section, Safeguard: en.Safeguard,
			Kind: en.Kind, Requirement: en.Requirement, Children: en.Children, Owners: in.Ownership.owners(en.ID),
			Checks: []ControlCheck{}, Exceptions: []string{}}
		ctl.NotEvaluated = uniqueSorted(notEvalBy[en.ID])
		if len(ctl.NotEvaluated) == 0 {
			ctl.NotEvaluated = nil
		}
		var comps []component
		exIDs := []string{}
		for _, x := range controlEx[en.ID] {
			exIDs = append(exIDs, x.ID)
		}
		// Automated checks.
		for _, c := range citing[en.ID] {
			cc := ControlCheck{CheckID: c.ID, Title: c.Title, CitationBasis: c.CitationBasis}
			var actions []string
			for _, ri := range byCheck[c.ID] {
				r := &results[ri]
				st := r.Status
				if st == StatusFail {
					for _, x := range controlEx[en.ID] {
						if x.matches(r) {
							ex[x.ID].matched++
							if !x.Expired(clock) {
								st = StatusExcepted
								break
							}
						}
					}
				}
				if r.Status == StatusExcepted || st == StatusExcepted {
					if r.ExceptionID != "" {
						exIDs = append(exIDs, r.ExceptionID)
					}
				}
				cc.Counts.Add(st)
				if st == StatusUnknown {
					actions = append(actions, r.FailedActions...)
				}
			}
			exIDs = append(exIDs, checkEx[c.ID]...)
			cc.FailedActions = uniqueSorted(actions)
			if len(cc.FailedActions) == 0 {
				cc.FailedActions = nil
			}
			cc.Status = aggregate(cc.Counts)
			ctl.Checks = append(ctl.Checks, cc)
			comps = append(comps, checkComponent(cc))
		}
		sort.Slice(ctl.Checks, func(a, b int) bool { return ctl.Checks[a].CheckID < ctl.Checks[b].CheckID })
		ctl.Exceptions = uniqueSorted(exIDs)

		// Manual evidence.
		desc := en.ManualEvidence
		aws := ctl.Owners.Responsibility == ResponsibilityAWS
		if aws && desc == "" && len(en.Children) == 0 {
			desc = "AWS's own audit report covering this safeguard (e.g. SOC 2 Type II or ISO 27001 from AWS Artifact)."
		}
		ctl.ManualEvidence = manualRequirement(desc, manualBy[en.ID])
		if ctl.ManualEvidence.Required {
			comps = append(comps, manualComponent(ctl.ManualEvidence, manualBy[en.ID], aws))
		}

		// Specifications of a standard.
		for _, child := range en.Children {
			comps = append(comps, childComponent(out[index[child]]))
		}

		ctl.Status, ctl.Reason = combine(comps, aws)
		if na := ctl.Owners.NotApplicable; na != "" {
			ctl.Status = ControlNotApplicable
			ctl.Reason = "not applicable per the ownership matrix: " + na
		}
		if len(ctl.NotEvaluated) > 0 {
			ctl.Reason += fmt.Sprintf(" (%d mapped check(s) cannot be decided from the collected evidence: %s)", len(ctl.NotEvaluated), strings.Join(ctl.NotEvaluated, ", "))
		}
		out[i] = ctl
	}
	return out
}

// aggregate is a check's status over its results: fail, else unknown,
// else excepted, else pass, else not applicable. A check with no results
// at all is unknown: not seeing is not passing.
func aggregate(c Counts) ResultStatus {
	switch {
	case c.Fail > 0:
		return StatusFail
	case c.Unknown > 0:
		return StatusUnknown
	case c.Excepted > 0:
		return StatusExcepted
	case c.Pass > 0:
		return StatusPass
	case c.NotApplicable > 0:
		return StatusNotApplicable
	}
	return StatusUnknown
}

func checkComponent(cc ControlCheck) component {
	switch cc.Status {
	case StatusFail:
		clause := fmt.Sprintf("%s fails for %d of %d resource(s)", cc.CheckID, cc.Counts.Fail, cc.Counts.Total())
		if cc.Counts.Unknown > 0 {
			clause += fmt.Sprintf(" and is unknown for %d", cc.Counts.Unknown)
		}
		return component{vFail, clause}
	case StatusUnknown:
		if len(cc.FailedActions) > 0 {
			return component{vUnknown, fmt.Sprintf("%s is unknown for %d resource(s): %s failed", cc.CheckID, cc.Counts.Unknown, strings.Join(cc.FailedActions, ", "))}
		}
		return component{vUnknown, fmt.Sprintf("%s could not be evaluated for %d resource(s)", cc.CheckID, cc.Counts.Unknown)}
	case StatusExcepted:
		return component{vExcepted, fmt.Sprintf("%s fails for %d resource(s) under approved exceptions", cc.CheckID, cc.Counts.Excepted)}
	case StatusPass:
		return component{vMet, fmt.Sprintf("%s passes for %d resource(s)", cc.CheckID, cc.Counts.Pass)}
	}
	return component{vNA, fmt.Sprintf("%s does not apply", cc.CheckID)}
}

func manualRequirement(desc string, atts []ManualEvidence) ManualRequirement {
	m := ManualRequirement{Required: desc != "", Description: desc, State: ManualNotRequired, Attachments: []string{}}
	for _, a := range atts {
		m.Attachments = append(m.Attachments, a.ID)
	}
	sort.Strings(m.Attachments)
	if !m.Required {
		if len(atts) > 0 {
			m.State = ManualValid
			for _, a := range atts {
				if a.State != ManualValid {
					m.State = ManualExpired
				}
			}
		}
		return m
	}
	m.State = ManualMissing
	for _, a := range atts {
		if a.State == ManualValid {
			m.State = ManualValid
			break
		}
		m.State = ManualExpired
	}
	return m
}

func manualComponent(m ManualRequirement, atts []ManualEvidence, aws bool) component {
	switch m.State {
	case ManualValid:
		var names []string
		for _, a := range atts {
			if a.State == ManualValid {
				s := a.FileName
				if a.ValidUntil != "" {
					s += " valid until " + a.ValidUntil
				}
				names = append(names, s)
			}
		}
		sort.Strings(names)
		if aws {
			return component{vInherited, "inherited from AWS, evidenced by " + strings.Join(names, ", ")}
		}
		return component{vMet, "manual evidence attached: " + strings.Join(names, ", ")}
	case ManualExpired:
		return component{vManual, "attached manual evidence has expired; attach a current version of: " + m.Description}
	}
	if aws {
		return component{vManual, "responsibility is AWS's (inherited); attach " + lowerFirst(m.Description)}
	}
	return component{vManual, "manual evidence required: " + m.Description}
}

func childComponent(c Control) component {
	clause := fmt.Sprintf("%s %s", c.ID, strings.ReplaceAll(string(c.Status), "_", " "))
	switch c.Status {
	case ControlMet:
		return component{vMet, clause}
	case ControlInherited:
		return component{vInherited, clause}
	case ControlNotMet:
		return component{vFail, clause}
	case ControlPartial:
		return component{vPartial, clause}
	case ControlUnknown:
		return component{vUnknown, clause}
	case ControlManualRequired:
		return component{vManual, clause}
	}
	return component{vNA, clause}
}

// combine derives a status from components. Not-applicable components are
// ignored. Any failure gives not_met (partial when something is met or
// excepted); else any unknown gives unknown; else any excepted failure
// gives partial; else missing manual evidence gives manual_required; else
// met (inherited when the responsibility is AWS's or everything is
// inherited). Nothing but not-applicable components gives not_applicable;
// no components at all gives manual_required.
func combine(comps []component, aws bool) (ControlStatus, string) {
	if len(comps) == 0 {
		return ControlManualRequired, "no automated check covers this entry and no evidence requirement is defined; attach evidence that it is implemented"
	}
	by := map[verdict][]string{}
	live := 0
	for _, c := range comps {
		by[c.v] = append(by[c.v], c.clause)
		if c.v != vNA {
			live++
		}
	}
	clauses := func(vs ...verdict) string {
		var parts []string
		for _, v := range vs {
			parts = append(parts, by[v]...)
		}
		return strings.Join(parts, "; ")
	}
	if live == 0 {
		return ControlNotApplicable, "nothing applies: " + clauses(vNA)
	}
	failing := len(by[vFail]) + len(by[vPartial])
	positive := len(by[vMet]) + len(by[vInherited]) + len(by[vPartial]) + len(by[vExcepted])
	switch {
	case failing > 0 && (positive > 0 || len(by[vPartial]) > 0):
		return ControlPartial, "partially met: " + clauses(vFail, vPartial, vUnknown, vExcepted, vManual, vMet, vInherited)
	case failing > 0:
		return ControlNotMet, "not met: " + clauses(vFail, vUnknown, vManual)
	case len(by[vUnknown]) > 0:
		return ControlUnknown, "unknown, evidence could not be seen (not seeing is not passing): " + clauses(vUnknown, vExcepted, vManual, vMet, vInherited)
	case len(by[vExcepted]) > 0:
		return ControlPartial, "partially met, failures accepted under exceptions: " + clauses(vExcepted, vManual, vMet, vInherited)
	case len(by[vManual]) > 0:
		return ControlManualRequired, clauses(vManual, vMet, vInherited)
	}
	if aws || len(by[vMet]) == 0 {
		return ControlInherited, clauses(vInherited, vMet)
	}
	return ControlMet, "met: " + clauses(vMet, vInherited)
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	if strings.HasPrefix(s, "AWS") {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// manualStates computes each attachment's state at clock, sorted by id.
func manualStates(list []ManualEvidence, clock time.Time) []ManualEvidence {
	out := make([]ManualEvidence, 0, len(list))
	for _, m := range list {
		m.State = ManualValid
		if m.ValidUntil != "" {
			d, err := time.Parse(dateLayout, m.ValidUntil)
			if err != nil || !clock.Before(d.AddDate(0, 0, 1)) {
				m.State = ManualExpired
			}
		}
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// exceptionStates reports the register as applied.
func exceptionStates(x *Exceptions, states map[string]*exState, clock time.Time) []ExceptionState {
	out := []ExceptionState{}
	if x == nil {
		return out
	}
	for _, e := range x.List {
		st := states[e.ID]
		s := ExceptionState{ID: e.ID, Check: e.Check, Control: e.Control,
			Accounts: nonNil(e.Scope.Accounts), Regions: nonNil(e.Scope.Regions), Resources: nonNil(e.Scope.Resources),
			Justification: strings.TrimSpace(e.Justification), Owner: e.Owner, ApprovedBy: e.ApprovedBy,
			ExpiresAt: e.ExpiresAt, Matched: st.matched}
		switch {
		case e.Expired(clock):
			s.State = ExceptionExpired
			s.Flag = fmt.Sprintf("expired on %s: it has lapsed and covers nothing", e.ExpiresAt)
			if st.matched > 0 {
				s.Flag += fmt.Sprintf("; %d failing result(s) it would cover are reported as failures", st.matched)
			}
		case st.matched == 0:
			s.State = ExceptionUnmatched
			s.Flag = "matches no failing result: remove it or correct its check, control or scope"
		default:
			s.State = ExceptionActive
		}
		out = append(out, s)
	}
	return out
}

func nonNil(s []string) []string {
	out := append([]string{}, s...)
	sort.Strings(out)
	return out
}

// ownershipGaps lists entries with missing owners, in catalog order.
func ownershipGaps(cs []Control) []OwnershipGap {
	out := []OwnershipGap{}
	for _, c := range cs {
		if len(c.Owners.Gaps) > 0 {
			out = append(out, OwnershipGap{ControlID: c.ID, Missing: c.Owners.Gaps})
		}
	}
	return out
}

// checkInfos describes the evaluated checks with their counts.
func checkInfos(set *CheckSet, results []Result) []CheckInfo {
	counts := map[string]*Counts{}
	for i := range results {
		c := counts[results[i].CheckID]
		if c == nil {
			c = &Counts{}
			counts[results[i].CheckID] = c
		}
		c.Add(results[i].Status)
	}
	out := make([]CheckInfo, 0, len(set.Checks()))
	for _, c := range set.Checks() {
		info := CheckInfo{ID: c.ID, Title: c.Title, Source: c.Source, Evidence: c.Evidence, Joins: c.Joins, Scope: c.Scope,
			Citations: c.Citations, CitationBasis: c.CitationBasis, Severity: c.Severity, Remediation: c.Remediation,
			Conditions: c.Conditions, Params: c.Params}
		if n := counts[c.ID]; n != nil {
			info.Counts = *n
		}
		out = append(out, info)
	}
	return out
}

// notEvaluated returns the not-evaluated list minus ids a loaded check
// (e.g. a plugin's) now decides, sorted by id.
func notEvaluated(list []NotEvaluated, set *CheckSet) []NotEvaluated {
	out := []NotEvaluated{}
	for _, n := range list {
		if _, ok := set.Check(n.ID); ok {
			continue
		}
		n.Citations = uniqueSorted(n.Citations)
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// summarize counts what the results hold.
func summarize(r *Results) Summary {
	s := Summary{Checks: len(r.Checks), NotEvaluated: len(r.NotEvaluated), Snapshots: len(r.Evidence),
		Gaps: len(r.Gaps), OwnershipGaps: len(r.OwnershipGaps)}
	for i := range r.Results {
		s.Results.Add(r.Results[i].Status)
	}
	for _, c := range r.Controls {
		s.Controls.Add(c.Status)
	}
	for _, x := range r.Exceptions {
		switch x.State {
		case ExceptionActive:
			s.ExceptionsActive++
		case ExceptionExpired:
			s.ExceptionsExpired++
		case ExceptionUnmatched:
			s.ExceptionsUnmatched++
		}
	}
	return s
}
