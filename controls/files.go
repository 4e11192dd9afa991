package controls

import (
	"bytes"

	"encoding/json"
	"fmt"
	"gopkg.in/yaml.v3"
	"path"
	"sort"
	"strings"

	"github.com/hipaa-evidence/hipaa-evidence/controls/hipaa"
)

type notEvaluatedFile struct {
	SchemaVersion int                 `yaml:"schema_version"`
	NotEvaluated  []notEvaluatedEntry `yaml:"not_evaluated"`
}

type notEvaluatedEntry struct {
	ID        string   `yaml:"id"`
	Title     string   `yaml:"title"`
	Citations []string `yaml:"citations"`
	Reason    string   `yaml:"reason"`
}

// ParseNotEvaluated strictly parses a list of check ids the evidence cannot
// decide; citations must be catalog ids and every entry needs a reason.
func ParseNotEvaluated(name string, b []byte, cat *Catalog) ([]NotEvaluated, error) {
	docs, err := parseDocuments(name, b)
	if err != nil {
		return nil, err
	}
	if len(docs) != 1 {
		return nil, errAt(name, nil, "want exactly one YAML document, found %d", len(docs))
	}
	var f notEvaluatedFile
	if err := decodeNode(name, docs[0], &f); err != nil {
		return nil, err
	}
	if f.SchemaVersion != 1 {
		return nil, errAt(name, fieldOr(docs[0], "schema_version"), "schema_version must be 1")
	}
	list := field(docs[0], "not_evaluated")
	out := []NotEvaluated{}
	seen := map[string]bool{}
	for i, e := range f.NotEvaluated {
		n := list.Content[i]
		if !checkIDPattern.MatchString(e.ID) || seen[e.ID] {
			return nil, errAt(name, fieldOr(n, "id"), "check id %q is malformed or repeated", e.ID)
		}
		seen[e.ID] = true
		if strings.TrimSpace(e.Reason) == "" || strings.TrimSpace(e.Title) == "" {
			return nil, errAt(name, n, "%s: title and reason are required", e.ID)
		}
		for _, c := range e.Citations {
			if !cat.Has(c) {
				return nil, errAt(name, fieldOr(n, "citations"), "%s: unknown citation %q", e.ID, c)
			}
		}
		out = append(out, NotEvaluated{ID: e.ID, Title: strings.TrimSpace(e.Title), Citations: uniqueSorted(e.Citations), Reason: strings.TrimSpace(e.Reason)})
	}
	sortNotEvaluated(out)
	return out, nil
}

// DefaultNotEvaluated returns the embedded list of HIPAA check ids the
// collected evidence cannot decide.
func DefaultNotEvaluated() ([]NotEvaluated, error) {
	cat, err := DefaultCatalog()
	if err != nil {
		return nil, err
	}
	return ParseNotEvaluated(hipaa.NotEvaluatedFile, hipaa.NotEvaluated(), cat)
}

// Names of the files InputFiles writes, relative to the directory a bundle
// keeps them in.
const (
	// InputCatalog is the catalog as used.
	InputCatalog = "catalog.yaml"
	// InputNotEvaluated is the not-evaluated list as used.
	InputNotEvaluated = "not_evaluated.yaml"
	// InputChecksDir holds every check file under its source name.
	InputChecksDir = "checks"
	// InputOwnership is the ownership matrix as used.
	InputOwnership = "ownership.yaml"
	// InputExceptions is the exceptions register as used.
	InputExceptions = "exceptions.yaml"
	// InputManualDir holds each attachment's metadata as <id>.json.
	InputManualDir = "manual-evidence"
	// InputPrevious is the previous period's results.json.
	InputPrevious = "previous-results.json"
	// InputEvaluation holds the run description and parameter overrides.
	InputEvaluation = "evaluation.json"
)

// evaluationFile is evaluation.json.
type evaluationFile struct {
	// Run describes the run (from its signed manifest).
	Run RunInfo `json:"run"`
	// Params are the effective parameters per check.
	Params map[string]map[string]any `json:"params"`
}

// InputFiles returns the files a bundle carries so Evaluate can be re-run
// on the bundled evidence without this binary's embedded data or any
// plugin: the catalog, the not-evaluated list, every check file, the
// ownership and exceptions files, attachment metadata, the previous
// results and evaluation.json. Keys are slash paths; snapshots are not
// included (the bundle carries them as evidence).
func InputFiles(in *Inputs) (map[string][]byte, error) {
	out := map[string][]byte{}
	if in.Catalog.Data != nil {
		out[InputCatalog] = in.Catalog.Data
	}
	ne := notEvaluatedFile{SchemaVersion: 1, NotEvaluated: []notEvaluatedEntry{}}
	for _, n := range in.NotEvaluated {
		ne.NotEvaluated = append(ne.NotEvaluated, notEvaluatedEntry{ID: n.ID, Title: n.Title, Citations: n.Citations, Reason: n.Reason})
	}
	nb, err := yaml.Marshal(ne)
	if err != nil {
		return nil, fmt.Errorf("export not_evaluated.yaml: %w", err)
	}
	out[InputNotEvaluated] = nb
	for _, f := range in.Checks.Files() {
		out[path.Join(InputChecksDir, f.Name)] = f.Data
	}
	if in.Ownership != nil && in.Ownership.Data != nil {
		out[InputOwnership] = in.Ownership.Data
	}
	if in.Exceptions != nil && in.Exceptions.Data != nil {
		out[InputExceptions] = in.Exceptions.Data
	}
	for _, m := range in.Manual {
		b, err := json.MarshalIndent(m, "", "  ")
		if err != nil {
			return nil, fmt.Errorf("export manual evidence %s: %w", m.ID, err)
		}
		out[path.Join(InputManualDir, m.ID+".json")] = append(b, '\n')
	}
	if in.Previous != nil && in.PreviousData != nil {
		out[InputPrevious] = in.PreviousData
	}
	ev := evaluationFile{Run: in.Run, Params: map[string]map[string]any{}}
	for _, c := range in.Checks.Checks() {
		if len(c.Params) > 0 {
			ev.Params[c.ID] = c.Params
		}
	}
	b, err := json.MarshalIndent(ev, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("export evaluation.json: %w", err)
	}
	out[InputEvaluation] = append(b, '\n')
	return out, nil
}

// InputsFromFiles rebuilds Inputs from the files InputFiles wrote and the
// bundled snapshots (whose signatures the caller has verified). The
// previous results must be byte-identical to those used for Changes to
// match.
func InputsFromFiles(files map[string][]byte, snapshots []SnapshotData) (*Inputs, error) {
	cat, err := DefaultCatalog()
	if b, ok := files[InputCatalog]; ok {
		cat, err = ParseCatalog(hipaa.CatalogFile, b)
	}
	if err != nil {
		return nil, err
	}
	var ev evaluationFile
	b, ok := files[InputEvaluation]
	if !ok {
		return nil, fmt.Errorf("re-evaluate: %w: %s is missing", ErrIncompleteInputs, InputEvaluation)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(&ev); err != nil {
		return nil, fmt.Errorf("re-evaluate: %s: %w", InputEvaluation, err)
	}
	params := map[string]map[string]ParamOverride{}
	for id, ps := range ev.Params {
		params[id] = map[string]ParamOverride{}
		for k, v := range ps {
			params[id][k] = ParamOverride{Value: normalizeJSON(v), File: InputEvaluation}
		}
	}
	opts := LoadOptions{Catalog: cat, Params: params}
	set := NewCheckSet()
	var names []string
	for name := range files {
		if strings.HasPrefix(name, InputChecksDir+"/") {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		if err := set.Add(strings.TrimPrefix(name, InputChecksDir+"/"), files[name], opts); err != nil {
			return nil, fmt.Errorf("re-evaluate: %w", err)
		}
	}
	if err := set.CheckOverrides(params); err != nil {
		return nil, fmt.Errorf("re-evaluate: %w", err)
	}
	in := &Inputs{Catalog: cat, Checks: set, Run: ev.Run, Snapshots: snapshots}
	if b, ok := files[InputNotEvaluated]; ok {
		if in.NotEvaluated, err = ParseNotEvaluated(hipaa.NotEvaluatedFile, b, cat); err != nil {
			return nil, err
		}
	} else if in.NotEvaluated, err = DefaultNotEvaluated(); err != nil {
		return nil, err
	}
	if b, ok := files[InputOwnership]; ok {
		if in.Ownership, err = ParseOwnership(InputOwnership, b, cat); err != nil {
			return nil, err
		}
	}
	if b, ok := files[InputExceptions]; ok {
		if in.Exceptions, err = ParseExceptions(InputExceptions, b, cat, set); err != nil {
			return nil, err
		}
	}
	for name, b := range files {
		if !strings.HasPrefix(name, InputManualDir+"/") {
			continue
		}
		var m ManualEvidence
		d := json.NewDecoder(bytes.NewReader(b))
		d.DisallowUnknownFields()
		if err := d.Decode(&m); err != nil {
			return nil, fmt.Errorf("re-evaluate: %s: %w", name, err)
		}
		m.State = ""
		in.Manual = append(in.Manual, m)
	}
	sort.Slice(in.Manual, func(i, j int) bool { return in.Manual[i].ID < in.Manual[j].ID })
	if b, ok := files[InputPrevious]; ok {
		if in.Previous, err = DecodeResults(b); err != nil {
			return nil, err
		}
		in.PreviousData = b
	}
	return in, nil
}
