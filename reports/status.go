package reports

// ControlStatus is the status of a catalog entry. Reports use exactly these
// words (the XLSX cells hold the value itself; the PDF prints Label).
type ControlStatus string

// The control statuses, as results.json defines them.
const (
	// Met means the checks and evidence show the entry is satisfied.
	Met ControlStatus = "met"
	// NotMet means at least one check failed with no exception.
	NotMet ControlStatus = "not_met"
	// Partial means some but not all evidence shows the entry satisfied.
	Partial ControlStatus = "partial"
	// Unknown means evidence is missing or could not be collected.
	Unknown ControlStatus = "unknown"
	// ManualRequired means the entry needs people-process evidence that has
	// not been attached (or has expired).
	ManualRequired ControlStatus = "manual_required"
	// Inherited means AWS is responsible and its own reports are the evidence.
	Inherited ControlStatus = "inherited"
	// ControlNotApplicable means the entry does not apply.
	ControlNotApplicable ControlStatus = "not_applicable"
)

// ControlStatuses lists every control status, worst first: the order of
// every table, legend and chart.
var ControlStatuses = []ControlStatus{NotMet, Unknown, Partial, ManualRequired, Met, Inherited, ControlNotApplicable}

// Valid reports whether s is one of ControlStatuses.
func (s ControlStatus) Valid() bool {
	for _, v := range ControlStatuses {
		if s == v {
			return true
		}
	}
	return false
}

// Label returns the status as people read it, e.g. "Not met".
func (s ControlStatus) Label() string {
	switch s {
	case Met:
		return "Met"
	case NotMet:
		return "Not met"
	case Partial:
		return "Partial"
	case Unknown:
		return "Unknown"
	case ManualRequired:
		return "Manual evidence required"
	case Inherited:
		return "Inherited"
	case ControlNotApplicable:
		return "Not applicable"
	}
	return string(s)
}

// Color returns the RGB colour reports use for the status. The palette
// stays distinguishable for the common forms of colour blindness and every
// status is also written out, never shown by colour alone.
func (s ControlStatus) Color() RGB {
	switch s {
	case Met:
		return RGB{0x2E, 0x7D, 0x32}
	case NotMet:
		return RGB{0xC6, 0x28, 0x28}
	case Partial:
		return RGB{0xEF, 0x8F, 0x00}
	case Unknown:
		return RGB{0x4A, 0x4A, 0x4A}
	case ManualRequired:
		return RGB{0x15, 0x65, 0xC0}
	case Inherited:
		return RGB{0x00, 0x83, 0x8F}
	case ControlNotApplicable:
		return RGB{0xB0, 0xB0, 0xB0}
	}
	return RGB{0x80, 0x80, 0x80}
}

// RGB is a colour.
type RGB struct {
	// R, G and B are the red, green and blue components.
	R, G, B uint8
}

// Hex returns the colour as RRGGBB.
func (c RGB) Hex() string {
	const digits = "0123456789ABCDEF"
	b := []byte{digits[c.R>>4], digits[c.R&15], digits[c.G>>4], digits[c.G&15], digits[c.B>>4], digits[c.B&15]}
	return string(b)
}

// ResultStatus is the status of one check × resource result.
type ResultStatus string

// The result statuses, as results.json defines them.
const (
	// Pass means the resource satisfies the check.
	Pass ResultStatus = "pass"
	// Fail means it does not.
	Fail ResultStatus = "fail"
	// ResultUnknown means the evidence needed was missing or failed.
	ResultUnknown ResultStatus = "unknown"
	// NotApplicable means the check does not apply to the resource.
	NotApplicable ResultStatus = "not_applicable"
	// Excepted means it fails but a valid exception covers it. It is never
	// a pass.
	Excepted ResultStatus = "excepted"
)

// ResultStatuses lists every result status, worst first.
var ResultStatuses = []ResultStatus{Fail, ResultUnknown, Excepted, Pass, NotApplicable}

// Valid reports whether s is one of ResultStatuses.
func (s ResultStatus) Valid() bool {
	for _, v := range ResultStatuses {
		if s == v {
			return true
		}
	}
	return false
}

// Label returns the status as people read it, e.g. "Not applicable".
func (s ResultStatus) Label() string {
	switch s {
	case Pass:
		return "Pass"
	case Fail:
		return "Fail"
	case ResultUnknown:
		return "Unknown"
	case NotApplicable:
		return "Not applicable"
	case Excepted:
		return "Excepted"
	}
	return string(s)
}

// Safeguards lists the catalog's safeguard groups in CFR order with the
// section each comes from.
var Safeguards = []Safeguard{
	{Name: "administrative", Section: "164.308", Title: "Administrative safeguards"},
	{Name: "physical", Section: "164.310", Title: "Physical safeguards"},
	{Name: "technical", Section: "164.312", Title: "Technical safeguards"},
	{Name: "organizational", Section: "164.314", Title: "Organizational requirements"},
	{Name: "documentation", Section: "164.316", Title: "Policies, procedures and documentation"},
}

// Safeguard is a group of catalog entries (one CFR section).
type Safeguard struct {
	// Name is the value of Control.Safeguard.
	Name string
	// Section is the CFR section, e.g. "164.308".
	Section string
	// Title is the heading, e.g. "Administrative safeguards".
	Title string
}

// StatusCounts counts controls by status.
type StatusCounts map[ControlStatus]int

// CountStatuses counts the controls of p by status.
func (p *Package) CountStatuses() StatusCounts {
	c := StatusCounts{}
	for _, ctl := range p.Controls {
		c[ctl.Status]++
	}
	return c
}

// CountPreviousStatuses counts the controls of p by previous status; the
// result is empty when there was no previous period.
func (p *Package) CountPreviousStatuses() StatusCounts {
	c := StatusCounts{}
	for _, ctl := range p.Controls {
		if ctl.PreviousStatus != "" {
			c[ctl.PreviousStatus]++
		}
	}
	return c
}

// CountBySafeguard counts the controls of p by safeguard, then status.
func (p *Package) CountBySafeguard() map[string]StatusCounts {
	out := map[string]StatusCounts{}
	for _, ctl := range p.Controls {
		if out[ctl.Safeguard] == nil {
			out[ctl.Safeguard] = StatusCounts{}
		}
		out[ctl.Safeguard][ctl.Status]++
	}
	return out
}

// TotalCounts adds up the result counts of every check.
func (p *Package) TotalCounts() Counts {
	var t Counts
	for _, c := range p.Checks {
		t.Pass += c.Counts.Pass
		t.Fail += c.Counts.Fail
		t.Unknown += c.Counts.Unknown
		t.NotApplicable += c.Counts.NotApplicable
		t.Excepted += c.Counts.Excepted
	}
	return t
}

// OwnershipGaps returns the controls whose ownership row has gaps.
func (p *Package) OwnershipGaps() []Control {
	var out []Control
	for _, c := range p.Controls {
		if len(c.Owners.Gaps) > 0 {
			out = append(out, c)
		}
	}
	return out
}

// Check returns the check with id, or nil.
func (p *Package) Check(id string) *Check {
	for i := range p.Checks {
		if p.Checks[i].ID == id {
			return &p.Checks[i]
		}
	}
	return nil
}

// Exception returns the exception with id, or nil.
func (p *Package) Exception(id string) *Exception {
	for i := range p.Exceptions {
		if p.Exceptions[i].ID == id {
			return &p.Exceptions[i]
		}
	}
	return nil
}
