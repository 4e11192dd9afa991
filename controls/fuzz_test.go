package controls

import (
	"testing"
)

// The loaders must reject bad input with an error and never panic. Seeds
// are in testdata/fuzz/<FuzzName>/ and the f.Add calls below; run with
// go test -fuzz FuzzParseChecks ./controls/ (one target at a time).

func FuzzParseCatalog(f *testing.F) {
	f.Add([]byte("schema_version: 1\nname: X\nsections: {'164.312': T}\nentries:\n  - {id: 164.312(d), parent: null, section: '164.312', title: T, safeguard: technical, kind: standard, requirement: n/a, summary: S}\n"))
	f.Add([]byte("a: &a [*a, *a]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseCatalog("fuzz.yaml", data)
		if err != nil {
			return
		}
		for _, e := range c.Entries {
			if !c.Has(e.ID) || (e.Parent != "" && !c.Has(e.Parent)) {
				t.Fatalf("accepted catalog is inconsistent: %+v", e)
			}
		}
	})
}

func FuzzParseChecks(f *testing.F) {
	cat, err := DefaultCatalog()
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(validCheck))
	f.Add([]byte(validCheck + "---\n" + validCheck))
	f.Add([]byte("id: x_y\npass: '[1,2].exists(x, x > 1)'\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checks, err := ParseChecks("fuzz.yaml", data, LoadOptions{Catalog: cat})
		if err != nil {
			return
		}
		// An accepted check must evaluate without panicking, on no evidence
		// and on an empty snapshot.
		set := NewCheckSet()
		if err := set.Add("fuzz.yaml", data, LoadOptions{Catalog: cat}); err != nil {
			t.Fatalf("ParseChecks accepted what CheckSet.Add rejects: %v", err)
		}
		snaps := []SnapshotData{}
		for _, c := range checks {
			snaps = append(snaps, mkSnap(t, c.Evidence[0], "111111111111", "global", "", map[string]any{}))
		}
		r, err := Evaluate(t.Context(), &Inputs{Catalog: cat, Checks: set, Run: runInfo("111111111111"), Snapshots: snaps})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Controls) != len(cat.Entries) {
			t.Fatalf("%d controls", len(r.Controls))
		}
	})
}

func FuzzParseOwnership(f *testing.F) {
	cat, err := DefaultCatalog()
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte("schema_version: 1\nentries:\n  - {id: 164.312(d), responsibility: customer, build: a, monitor: b, exceptions: c}\n"))
	f.Add([]byte("schema_version: 1\nentries:\n  - {id: 164.310(b), responsibility: aws, not_applicable: no workstations}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		o, err := ParseOwnership("fuzz.yaml", data, cat)
		if err != nil {
			return
		}
		for id, e := range o.Entries {
			if !cat.Has(id) || id != e.ID {
				t.Fatalf("accepted unknown id %q", id)
			}
		}
	})
}

func FuzzParseExceptions(f *testing.F) {
	cat, err := DefaultCatalog()
	if err != nil {
		f.Fatal(err)
	}
	set := NewCheckSet()
	if err := set.Add("c.yaml", []byte(validCheck), LoadOptions{Catalog: cat}); err != nil {
		f.Fatal(err)
	}
	f.Add([]byte("schema_version: 1\nexceptions:\n  - {id: EX-1, check: t_check, justification: j, owner: o, approved_by: a, expires_at: '2027-01-31'}\n"))
	f.Add([]byte("schema_version: 1\nexceptions:\n  - {id: EX-2, control: 164.312(d), scope: {resources: ['*']}, justification: j, owner: o, approved_by: a, expires_at: '2027-01-31'}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		x, err := ParseExceptions("fuzz.yaml", data, cat, set)
		if err != nil {
			return
		}
		for _, e := range x.List {
			if (e.Check == "") == (e.Control == "") || e.expiry.IsZero() {
				t.Fatalf("accepted an invalid exception: %+v", e)
			}
		}
	})
}
