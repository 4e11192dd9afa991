package controls

import (
	"strings"
	"testing"
)

// The counts of the Security Rule's entries, from the header and counts
// section of ../shared/reference/hipaa-security-rule.yaml.
var wantSections = map[string]struct{ standards, specs int }{
	"164.308": {9, 21},
	"164.310": {4, 8},
	"164.312": {5, 7},
	"164.314": {2, 7},
	"164.316": {2, 3},
}

func TestCatalogCounts(t *testing.T) {
	c := testCatalog(t)
	if len(c.Entries) != 68 {
		t.Fatalf("%d entries, want 68", len(c.Entries))
	}
	standards, specs, required, addressable := 0, 0, 0, 0
	per := map[string]struct{ standards, specs int }{}
	for _, e := range c.Entries {
		n := per[e.Section]
		switch e.Kind {
		case KindStandard:
			standards++
			n.standards++
		case KindSpecification:
			specs++
			n.specs++
			if e.Requirement == "required" {
				required++
			} else {
				addressable++
			}
		}
		per[e.Section] = n
	}
	if standards != 22 || specs != 46 || required != 24 || addressable != 22 {
		t.Errorf("standards %d specs %d required %d addressable %d, want 22 46 24 22", standards, specs, required, addressable)
	}
	for s, w := range wantSections {
		if per[s] != w {
			t.Errorf("section %s: %+v, want %+v", s, per[s], w)
		}
	}
	if len(per) != len(wantSections) {
		t.Errorf("sections %v", per)
	}
}

func TestCatalogStructure(t *testing.T) {
	c := testCatalog(t)
	set, err := BuiltinChecks(LoadOptions{Catalog: c})
	if err != nil {
		t.Fatal(err)
	}
	cited := map[string]bool{}
	for _, ch := range set.Checks() {
		for _, id := range ch.Citations {
			cited[id] = true
		}
	}
	seen := map[string]bool{}
	for _, e := range c.Entries {
		if seen[e.ID] {
			t.Errorf("%s repeated", e.ID)
		}
		seen[e.ID] = true
		if e.Parent != "" {
			p, ok := c.Entry(e.Parent)
			if !ok || p.Kind != KindStandard {
				t.Errorf("%s: parent %s missing or not a standard", e.ID, e.Parent)
				continue
			}
			if !contains(p.Children, e.ID) {
				t.Errorf("%s is not among %s's children", e.ID, p.ID)
			}
		}
		// Every entry can be decided: by checks, by its specifications, or
		// by attached manual evidence.
		if len(e.Children) == 0 && e.ManualEvidence == "" && !cited[e.ID] {
			t.Errorf("%s has no specifications, no check and no manual-evidence requirement", e.ID)
		}
	}
	for _, id := range []string{"164.308(a)(1)", "164.308(a)(1)(ii)(A)", "164.310(d)(2)(iv)", "164.312(e)(2)(ii)", "164.314(b)(2)(iv)", "164.316(b)(2)(iii)"} {
		if !seen[id] {
			t.Errorf("catalog lacks %s", id)
		}
	}
}

func TestCatalogRejects(t *testing.T) {
	const head = "schema_version: 1\nname: X\nsections: {'164.312': Technical}\nentries:\n"
	const std = "  - {id: 164.312(d), parent: null, section: '164.312', title: T, safeguard: technical, kind: standard, requirement: n/a, summary: S}\n"
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown field", head + "  - {id: 164.312(d), parent: null, section: '164.312', title: T, safeguard: technical, kind: standard, requirement: n/a, summary: S, color: red}\n", `cat.yaml:5: unknown field "color"`},
		{"duplicate id", head + std + std, "cat.yaml:6: entry 164.312(d) is repeated (first at line 5)"},
		{"bad id", head + "  - {id: '164.312 d', parent: null, section: '164.312', title: T, safeguard: technical, kind: standard, requirement: n/a, summary: S}\n", "cat.yaml:5: entry id"},
		{"missing parent", head + std + "  - {id: 164.312(d)(1), parent: 164.312(x), section: '164.312', title: T, safeguard: technical, kind: implementation_specification, requirement: required, summary: S}\n", "cat.yaml:6: entry 164.312(d)(1): parent 164.312(x) is not in the catalog"},
		{"parent not a standard", head + std + "  - {id: 164.312(d)(1), parent: 164.312(d), section: '164.312', title: T, safeguard: technical, kind: implementation_specification, requirement: required, summary: S}\n" +
			"  - {id: 164.312(d)(2), parent: 164.312(d)(1), section: '164.312', title: T, safeguard: technical, kind: implementation_specification, requirement: required, summary: S}\n", "not a standard"},
		{"bad requirement", head + std + "  - {id: 164.312(d)(1), parent: 164.312(d), section: '164.312', title: T, safeguard: technical, kind: implementation_specification, requirement: optional, summary: S}\n", "cat.yaml:6: entry 164.312(d)(1): requirement must be required or addressable"},
		{"unknown section", head + "  - {id: 164.399(a), parent: null, section: '164.399', title: T, safeguard: technical, kind: standard, requirement: n/a, summary: S}\n", "not a listed section"},
		{"standard with parent", head + std + "  - {id: 164.312(e), parent: 164.312(d), section: '164.312', title: T, safeguard: technical, kind: standard, requirement: n/a, summary: S}\n", "a standard has no parent"},
		{"two documents", head + std + "---\nname: Y\n", "want exactly one YAML document"},
		{"no entries", "schema_version: 1\nname: X\nsections: {'164.312': T}\n", "entries are required"},
		{"wrong schema", "schema_version: 2\n", "schema_version must be 1"},
		{"not yaml", "entries: [", "cat.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseCatalog("cat.yaml", []byte(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
	if _, err := ParseCatalog("cat.yaml", []byte(head+std)); err != nil {
		t.Fatalf("valid catalog rejected: %v", err)
	}
}
