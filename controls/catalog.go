package controls

import (
	"regexp"
	"strings"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/controls/hipaa"
)

// Catalog entry kinds.
const (
	// KindStandard is a standard of the Security Rule.
	KindStandard = "standard"
	// KindSpecification is an implementation specification of a standard.
	KindSpecification = "implementation_specification"
)

// Catalog is the list of catalog entries checks cite and every report
// covers: for HIPAA, the 68 standards and implementation specifications of
// 45 CFR 164.308-164.316.
type Catalog struct {
	// Name is the regulation's name.
	Name string
	// Citation is the regulation's citation.
	Citation string
	// Version says which text of the rule the catalog describes.
	Version string
	// Sections maps section numbers to their titles.
	Sections map[string]string
	// Entries lists the entries in catalog order.
	Entries []*Entry
	// Source is the file name the catalog was read from.
	Source string
	// SHA256 is the hex SHA-256 of the catalog file.
	SHA256 string
	// Data is the catalog file's bytes, kept for export.
	Data []byte

	byID map[string]*Entry
}

// Entry is one standard or implementation specification.
type Entry struct {
	// ID is the CFR citation without the section sign, e.g. "164.312(d)".
	ID string
	// Parent is the standard of a specification ("" for standards).
	Parent string
	// Section is the CFR section, e.g. "164.312".
	Section string
	// Title is the entry's title.
	Title string
	// Safeguard is administrative, physical, technical, organizational or
	// documentation.
	Safeguard string
	// Kind is KindStandard or KindSpecification.
	Kind string
	// Requirement is required or addressable for specifications, n/a for
	// standards.
	Requirement string
	// Summary is a plain-language paraphrase.
	Summary string
	// Note is an editorial note, if any.
	Note string
	// ManualEvidence describes the people-process evidence the entry needs;
	// "" when automated checks alone can decide it.
	ManualEvidence string
	// Children lists the ids of a standard's specifications, in order.
	Children []string
	// Line is the entry's line in the catalog file.
	Line int
}

// Entry returns the entry with id.
func (c *Catalog) Entry(id string) (*Entry, bool) {
	e, ok := c.byID[id]
	return e, ok
}

// Has reports whether id is a catalog entry.
func (c *Catalog) Has(id string) bool {
	_, ok := c.byID[id]
	return ok
}

type catalogFile struct {
	SchemaVersion int               `yaml:"schema_version"`
	Name          string            `yaml:"name"`
	Citation      string            `yaml:"citation"`
	Version       string            `yaml:"version"`
	Sections      map[string]string `yaml:"sections"`
	Entries       []catalogEntry    `yaml:"entries"`
}

type catalogEntry struct {
	ID             string  `yaml:"id"`
	Parent         *string `yaml:"parent"`
	Section        string  `yaml:"section"`
	Title          string  `yaml:"title"`
	Safeguard      string  `yaml:"safeguard"`
	Kind           string  `yaml:"kind"`
	Requirement    string  `yaml:"requirement"`
	Summary        string  `yaml:"summary"`
	Note           string  `yaml:"note"`
	ManualEvidence string  `yaml:"manual_evidence"`
}

// catalogIDPattern is a CFR paragraph citation: section then one or more
// parenthesised paragraph labels.
var catalogIDPattern = regexp.MustCompile(`^[0-9]{3}\.[0-9]{3}(\([0-9a-zA-Z]{1,6}\))+$`)

// ParseCatalog strictly parses a catalog file and validates it: unique
// well-formed ids, known sections, parents that exist and are standards,
// and consistent kinds and requirements. name is used in errors.
func ParseCatalog(name string, b []byte) (*Catalog, error) {
	docs, err := parseDocuments(name, b)
	if err != nil {
		return nil, err
	}
	if len(docs) != 1 {
		return nil, errAt(name, nil, "want exactly one YAML document, found %d", len(docs))
	}
	root := docs[0]
	var f catalogFile
	if err := decodeNode(name, root, &f); err != nil {
		return nil, err
	}
	if f.SchemaVersion != 1 {
		return nil, errAt(name, fieldOr(root, "schema_version"), "schema_version must be 1")
	}
	if f.Name == "" {
		return nil, errAt(name, root, "name is required")
	}
	if len(f.Sections) == 0 {
		return nil, errAt(name, root, "sections are required")
	}
	entriesNode := field(root, "entries")
	if entriesNode == nil || len(f.Entries) == 0 {
		return nil, errAt(name, root, "entries are required")
	}
	c := &Catalog{Name: f.Name, Citation: f.Citation, Version: f.Version, Sections: f.Sections,
		Source: name, SHA256: evidence.Digest(b), Data: append([]byte(nil), b...), byID: map[string]*Entry{}}
	for i, fe := range f.Entries {
		n := entriesNode.Content[i]
		e := &Entry{ID: fe.ID, Section: fe.Section, Title: strings.TrimSpace(fe.Title), Safeguard: fe.Safeguard,
			Kind: fe.Kind, Requirement: fe.Requirement, Summary: strings.TrimSpace(fe.Summary), Note: strings.TrimSpace(fe.Note),
			ManualEvidence: strings.TrimSpace(fe.ManualEvidence), Line: n.Line}
		if fe.Parent != nil {
			e.Parent = *fe.Parent
		}
		if !catalogIDPattern.MatchString(e.ID) {
			return nil, errAt(name, fieldOr(n, "id"), "entry id %q is not a CFR paragraph citation like 164.312(a)(1)", e.ID)
		}
		if prev, dup := c.byID[e.ID]; dup {
			return nil, errAt(name, fieldOr(n, "id"), "entry %s is repeated (first at line %d)", e.ID, prev.Line)
		}
		if _, ok := f.Sections[e.Section]; !ok || !strings.HasPrefix(e.ID, e.Section+"(") {
			return nil, errAt(name, fieldOr(n, "section"), "entry %s: section %q is not a listed section or does not match the id", e.ID, e.Section)
		}
		if e.Title == "" || e.Summary == "" || e.Safeguard == "" {
			return nil, errAt(name, n, "entry %s: title, summary and safeguard are required", e.ID)
		}
		switch e.Kind {
		case KindStandard:
			if e.Parent != "" {
				return nil, errAt(name, fieldOr(n, "parent"), "entry %s: a standard has no parent", e.ID)
			}
			if e.Requirement != "n/a" {
				return nil, errAt(name, fieldOr(n, "requirement"), "entry %s: a standard's requirement is n/a (every standard must be met)", e.ID)
			}
		case KindSpecification:
			if e.Parent == "" {
				return nil, errAt(name, fieldOr(n, "parent"), "entry %s: an implementation specification needs a parent standard", e.ID)
			}
			if e.Requirement != "required" && e.Requirement != "addressable" {
				return nil, errAt(name, fieldOr(n, "requirement"), "entry %s: requirement must be required or addressable, not %q", e.ID, e.Requirement)
			}
		default:
			return nil, errAt(name, fieldOr(n, "kind"), "entry %s: kind must be %s or %s, not %q", e.ID, KindStandard, KindSpecification, e.Kind)
		}
		c.byID[e.ID] = e
		c.Entries = append(c.Entries, e)
	}
	for i, e := range c.Entries {
		if e.Parent == "" {
			continue
		}
		p, ok := c.byID[e.Parent]
		if !ok {
			return nil, errAt(name, fieldOr(entriesNode.Content[i], "parent"), "entry %s: parent %s is not in the catalog", e.ID, e.Parent)
		}
		if p.Kind != KindStandard {
			return nil, errAt(name, fieldOr(entriesNode.Content[i], "parent"), "entry %s: parent %s is not a standard", e.ID, e.Parent)
		}
		if p.Section != e.Section {
			return nil, errAt(name, fieldOr(entriesNode.Content[i], "parent"), "entry %s: parent %s is in another section", e.ID, e.Parent)
		}
		p.Children = append(p.Children, e.ID)
	}
	return c, nil
}

// DefaultCatalog returns the embedded HIPAA Security Rule catalog.
func DefaultCatalog() (*Catalog, error) {
	return ParseCatalog(hipaa.CatalogFile, hipaa.Catalog())
}
