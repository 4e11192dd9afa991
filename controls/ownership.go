package controls

import (
	"sort"
	"strings"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/internal/config"
)

// Responsibilities in the ownership matrix.
const (
	// ResponsibilityCustomer means the organization implements the entry.
	ResponsibilityCustomer = "customer"
	// ResponsibilityAWS means AWS implements it (e.g. data-centre physical
	// safeguards); the entry is inherited, evidenced by AWS's own reports.
	ResponsibilityAWS = "aws"
	// ResponsibilityShared means both do their part.
	ResponsibilityShared = "shared"
)

// Ownership is the ownership matrix: for each catalog entry who builds it,
// who monitors it, who handles exceptions, and whose responsibility it is.
type Ownership struct {
	// Entries maps catalog ids to their rows.
	Entries map[string]OwnershipEntry
	// Source is the file name.
	Source string
	// SHA256 is the hex SHA-256 of the file.
	SHA256 string
	// Data is the file's bytes, kept for export.
	Data []byte
}

// OwnershipEntry is one row of the matrix.
type OwnershipEntry struct {
	// ID is the catalog entry.
	ID string `yaml:"id"`
	// Responsibility is customer, aws or shared.
	Responsibility string `yaml:"responsibility"`
	// Build names who implements the safeguard.
	Build string `yaml:"build"`
	// Monitor names who checks it keeps working.
	Monitor string `yaml:"monitor"`
	// Exceptions names who decides exceptions.
	Exceptions string `yaml:"exceptions"`
	// EvidenceSources lists where its evidence comes from.
	EvidenceSources []string `yaml:"evidence_sources"`
	// NotApplicable, when set, is the documented justification for the
	// entry not applying (e.g. the organization is not a clearinghouse).
	NotApplicable string `yaml:"not_applicable"`
	// Line is the row's line in the file.
	Line int `yaml:"-"`
}

type ownershipFile struct {
	SchemaVersion int              `yaml:"schema_version"`
	Entries       []OwnershipEntry `yaml:"entries"`
}

// ParseOwnership strictly parses an ownership matrix. Unknown catalog ids,
// repeated ids and unknown responsibilities are errors at file:line.
// Missing owners are not errors: they are reported as gaps.
func ParseOwnership(name string, b []byte, cat *Catalog) (*Ownership, error) {
	o := &Ownership{Entries: map[string]OwnershipEntry{}, Source: name, SHA256: evidence.Digest(b), Data: append([]byte(nil), b...)}
	docs, err := parseDocuments(name, b)
	if err != nil {
		return nil, err
	}
	if len(docs) == 0 {
		return o, nil
	}
	if len(docs) > 1 {
		return nil, &config.Error{File: name, Line: docs[1].Line, Msg: "more than one YAML document"}
	}
	var f ownershipFile
	if err := decodeNode(name, docs[0], &f); err != nil {
		return nil, err
	}
	if f.SchemaVersion != 1 {
		return nil, errAt(name, fieldOr(docs[0], "schema_version"), "schema_version must be 1")
	}
	list := field(docs[0], "entries")
	for i, e := range f.Entries {
		n := list.Content[i]
		e.Line = n.Line
		e.ID = strings.TrimSpace(e.ID)
		if !cat.Has(e.ID) {
			return nil, errAt(name, fieldOr(n, "id"), "unknown catalog id %q", e.ID)
		}
		if prev, dup := o.Entries[e.ID]; dup {
			return nil, errAt(name, fieldOr(n, "id"), "%s is repeated (first at line %d)", e.ID, prev.Line)
		}
		switch e.Responsibility {
		case ResponsibilityCustomer, ResponsibilityAWS, ResponsibilityShared:
		default:
			return nil, errAt(name, fieldOr(n, "responsibility"), "%s: responsibility must be customer, aws or shared, not %q", e.ID, e.Responsibility)
		}
		e.Build, e.Monitor, e.Exceptions = strings.TrimSpace(e.Build), strings.TrimSpace(e.Monitor), strings.TrimSpace(e.Exceptions)
		e.NotApplicable = strings.TrimSpace(e.NotApplicable)
		o.Entries[e.ID] = e
	}
	return o, nil
}

// owners returns the matrix row of id as reported, with its gaps.
func (o *Ownership) owners(id string) Owners {
	e, ok := OwnershipEntry{}, false
	if o != nil {
		e, ok = o.Entries[id]
	}
	if !ok {
		return Owners{Responsibility: ResponsibilityCustomer, EvidenceSources: []string{}, Gaps: []string{"not in ownership matrix"}}
	}
	out := Owners{Responsibility: e.Responsibility, Build: e.Build, Monitor: e.Monitor, Exceptions: e.Exceptions,
		EvidenceSources: append([]string{}, e.EvidenceSources...), NotApplicable: e.NotApplicable}
	sort.Strings(out.EvidenceSources)
	if out.Build == "" {
		out.Gaps = append(out.Gaps, "build")
	}
	if out.Monitor == "" {
		out.Gaps = append(out.Gaps, "monitor")
	}
	if out.Exceptions == "" {
		out.Gaps = append(out.Gaps, "exceptions")
	}
	return out
}
