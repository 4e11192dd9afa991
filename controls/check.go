package controls

import (
	"bytes"
	"fmt"
	"io/fs"
	"math"
	"path"
	"regexp"
	"sort"
	"strings"

	"cel.dev/cel-go/cel"
	celast "cel.dev/cel-go/common/ast"
	"gopkg.in/yaml.v3"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/controls/hipaa"
	"github.com/hipaa-evidence/hipaa-evidence/internal/config"
	"github.com/hipaa-evidence/hipaa-evidence/internal/sorted"
)

// Check scopes: what one evaluation unit of a check is.
const (
	// CheckScopeResource evaluates each snapshot of the check's first evidence
	// kind on its own; for_each yields the resources in it.
	CheckScopeResource = "resource"
	// CheckScopeAccount evaluates each account once over all its snapshots of
	// the check's evidence kinds (every region), for account-wide
	// aggregates such as "at least one multi-region trail is logging".
	CheckScopeAccount = "account"
	// CheckScopeOrganization evaluates once over every snapshot of the check's
	// evidence kinds, for evidence collected once per run.
	CheckScopeOrganization = "organization"
)

// Citation bases.
const (
	// BasisPublicMapping means the citations come from public mappings
	// (AWS, Prowler, Steampipe; see the reference mapping file).
	BasisPublicMapping = "public_mapping"
	// BasisProjectJudgement means no public mapping exists and the
	// citations are this project's own judgement, labelled as such.
	BasisProjectJudgement = "project_judgement"
)

// Severities, highest first.
var severities = map[string]bool{"critical": true, "high": true, "medium": true, "low": true}

// checkIDPattern is a check id: lower-case words joined by underscores.
var checkIDPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{2,79}$`)

// paramNamePattern is a parameter name usable as params.NAME in CEL.
var paramNamePattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// Check is a loaded, validated and compiled check.
type Check struct {
	// ID is the check id.
	ID string
	// Title is a one-line description.
	Title string
	// Source is the file the check was read from.
	Source string
	// Line is the line of the check in Source.
	Line int
	// Evidence lists the evidence kinds read; the first is the primary kind
	// for_each ranges over.
	Evidence []string
	// Joins lists further kinds available in run_evidence for lookups
	// across accounts and regions; their completeness is not enforced, so
	// the check must treat what it cannot find as unknown (unknown_if).
	Joins []string
	// Scope is CheckScopeResource, CheckScopeAccount or CheckScopeOrganization.
	Scope string
	// Citations lists the catalog ids the check supports.
	Citations []string
	// CitationBasis is BasisPublicMapping or BasisProjectJudgement.
	CitationBasis string
	// Severity is critical, high, medium or low.
	Severity string
	// Remediation says how to fix a failure.
	Remediation string
	// Notes documents choices made in writing the check.
	Notes string
	// EvidenceActions, when set, lists the API actions (patterns with *)
	// the check depends on: failures of other actions are ignored. Empty
	// means every failure matters.
	EvidenceActions []string
	// Params holds the effective parameters (defaults with overrides).
	Params map[string]any
	// Conditions holds the CEL source of each expression, by field name.
	Conditions map[string]string

	forEach, resource, region, account, itemFailed, applies, unknownIf, pass, detail *compiled
	// vars are named expressions evaluated per item before the others,
	// sorted by name; the others read them as vars.NAME.
	vars []namedExpr
}

// checkFile is the YAML shape of a check.
type checkFile struct {
	ID              string            `yaml:"id"`
	Title           string            `yaml:"title"`
	Evidence        stringList        `yaml:"evidence"`
	Joins           []string          `yaml:"joins"`
	Scope           string            `yaml:"scope"`
	ForEach         string            `yaml:"for_each"`
	ItemFailed      string            `yaml:"item_failed_actions"`
	Vars            map[string]string `yaml:"vars"`
	Resource        string            `yaml:"resource"`
	Account         string            `yaml:"account"`
	Region          string            `yaml:"region"`
	Applies         string            `yaml:"applies"`
	UnknownIf       string            `yaml:"unknown_if"`
	Pass            string            `yaml:"pass"`
	Detail          string            `yaml:"detail"`
	Citations       []string          `yaml:"citations"`
	CitationBasis   string            `yaml:"citation_basis"`
	Params          map[string]any    `yaml:"params"`
	Severity        string            `yaml:"severity"`
	Remediation     string            `yaml:"remediation"`
	Notes           string            `yaml:"notes"`
	EvidenceActions []string          `yaml:"evidence_actions"`
}

// stringList is a YAML string or list of strings.
type stringList []string

// UnmarshalYAML implements yaml.Unmarshaler.
func (s *stringList) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		*s = []string{strings.TrimSpace(n.Value)}
		return nil
	case yaml.SequenceNode:
		var out []string
		for _, c := range n.Content {
			if c.Kind != yaml.ScalarNode {
				return fmt.Errorf("line %d: expected a string", c.Line)
			}
			out = append(out, strings.TrimSpace(c.Value))
		}
		*s = out
		return nil
	}
	return fmt.Errorf("line %d: expected a string or a list of strings", n.Line)
}

// LoadOptions says how to validate checks.
type LoadOptions struct {
	// Catalog validates citations; required.
	Catalog *Catalog
	// KnownKinds lists every evidence kind the collectors (built-in and
	// plugins) can produce; a check reading any other kind is rejected.
	// The CLI builds it from collector descriptors. Nil skips the check
	// (re-evaluation of a bundle, whose checks were validated when used).
	KnownKinds []string
	// Params overrides check parameters: check id → name → value.
	Params map[string]map[string]ParamOverride
}

// ParamOverride is one parameter value from the config file.
type ParamOverride struct {
	// Value is the new value.
	Value any
	// File and Line locate it for errors.
	File string
	// Line is the line of the value.
	Line int
}

// SourceFile is one check file as read, kept so the checks actually used
// can be exported (e.g. into a bundle) and re-evaluated without the plugin
// or binary that supplied them.
type SourceFile struct {
	// Name is the source name, e.g. "builtin/s3_bucket_versioning.yaml".
	Name string
	// Data is the file's bytes.
	Data []byte
}

// ParseChecks parses, validates and compiles the checks in one file (one or
// more YAML documents, each a check). name identifies the file in errors;
// parameter overrides in opts are applied.
func ParseChecks(name string, data []byte, opts LoadOptions) ([]*Check, error) {
	if opts.Catalog == nil {
		return nil, fmt.Errorf("load checks %s: no catalog", name)
	}
	docs, err := parseDocuments(name, data)
	if err != nil {
		return nil, err
	}
	if len(docs) == 0 {
		return nil, &config.Error{File: name, Msg: "no checks in file"}
	}
	env, err := checkEnv()
	if err != nil {
		return nil, fmt.Errorf("load checks %s: CEL environment: %w", name, err)
	}
	var known map[string]bool
	if opts.KnownKinds != nil {
		known = map[string]bool{}
		for _, k := range opts.KnownKinds {
			known[k] = true
		}
	}
	limited := !isBuiltin(name, data)
	var out []*Check
	seen := map[string]int{}
	for _, doc := range docs {
		c, err := parseCheck(env, name, doc, opts, known, limited)
		if err != nil {
			return nil, err
		}
		if prev, dup := seen[c.ID]; dup {
			return nil, errAt(name, fieldOr(doc, "id"), "check %s is repeated (first at line %d)", c.ID, prev)
		}
		seen[c.ID] = c.Line
		out = append(out, c)
	}
	return out, nil
}

// isBuiltin reports whether data is exactly the embedded built-in check file
// name ("builtin/<file>").
func isBuiltin(name string, data []byte) bool {
	file, ok := strings.CutPrefix(name, BuiltinPrefix+"/")
	if !ok {
		return false
	}
	b, err := fs.ReadFile(hipaa.Checks(), file)
	return err == nil && bytes.Equal(b, data)
}

func parseCheck(env *cel.Env, name string, doc *yaml.Node, opts LoadOptions, known map[string]bool, limited bool) (*Check, error) {
	if doc.Kind != yaml.MappingNode {
		return nil, errAt(name, doc, "a check must be a mapping")
	}
	var f checkFile
	if err := decodeNode(name, doc, &f); err != nil {
		return nil, err
	}
	c := &Check{ID: f.ID, Title: strings.TrimSpace(f.Title), Source: name, Line: doc.Line, Evidence: f.Evidence,
		Scope: f.Scope, CitationBasis: f.CitationBasis, Severity: f.Severity,
		Remediation: strings.TrimSpace(f.Remediation), Notes: strings.TrimSpace(f.Notes),
		Conditions: map[string]string{}}
	if !checkIDPattern.MatchString(c.ID) {
		return nil, errAt(name, fieldOr(doc, "id"), "check id %q must be 3-80 lower-case letters, digits and underscores", c.ID)
	}
	if c.Title == "" {
		return nil, errAt(name, fieldOr(doc, "title"), "check %s: title is required", c.ID)
	}
	if len(c.Evidence) == 0 {
		return nil, errAt(name, fieldOr(doc, "evidence"), "check %s: evidence (an evidence kind) is required", c.ID)
	}
	kinds := map[string]bool{}
	for _, k := range c.Evidence {
		if !evidence.ValidKind(k) {
			return nil, errAt(name, fieldOr(doc, "evidence"), "check %s: %q is not an evidence kind", c.ID, k)
		}
		if known != nil && !known[k] {
			return nil, errAt(name, fieldOr(doc, "evidence"), "check %s: unknown evidence kind %q (no collector produces it)", c.ID, k)
		}
		if kinds[k] {
			return nil, errAt(name, fieldOr(doc, "evidence"), "check %s: evidence kind %q is listed twice", c.ID, k)
		}
		kinds[k] = true
	}
	for _, k := range f.Joins {
		if !evidence.ValidKind(k) {
			return nil, errAt(name, fieldOr(doc, "joins"), "check %s: %q is not an evidence kind", c.ID, k)
		}
		if known != nil && !known[k] {
			return nil, errAt(name, fieldOr(doc, "joins"), "check %s: unknown evidence kind %q (no collector produces it)", c.ID, k)
		}
		if kinds[k] {
			return nil, errAt(name, fieldOr(doc, "joins"), "check %s: evidence kind %q is listed twice", c.ID, k)
		}
		kinds[k] = true
		c.Joins = append(c.Joins, k)
	}
	switch c.Scope {
	case "":
		c.Scope = CheckScopeResource
	case CheckScopeResource, CheckScopeAccount, CheckScopeOrganization:
	default:
		return nil, errAt(name, fieldOr(doc, "scope"), "check %s: scope must be resource, account or organization, not %q", c.ID, c.Scope)
	}
	if len(f.Citations) == 0 {
		return nil, errAt(name, fieldOr(doc, "citations"), "check %s: citations are required", c.ID)
	}
	cited := map[string]bool{}
	for _, id := range f.Citations {
		if !opts.Catalog.Has(id) {
			return nil, errAt(name, fieldOr(doc, "citations"), "check %s: unknown citation %q (not in the %s catalog)", c.ID, id, opts.Catalog.Name)
		}
		if !cited[id] {
			cited[id] = true
			c.Citations = append(c.Citations, id)
		}
	}
	sort.Strings(c.Citations)
	switch c.CitationBasis {
	case "":
		c.CitationBasis = BasisPublicMapping
	case BasisPublicMapping, BasisProjectJudgement:
	default:
		return nil, errAt(name, fieldOr(doc, "citation_basis"), "check %s: citation_basis must be %s or %s", c.ID, BasisPublicMapping, BasisProjectJudgement)
	}
	if !severities[c.Severity] {
		return nil, errAt(name, fieldOr(doc, "severity"), "check %s: severity must be critical, high, medium or low, not %q", c.ID, c.Severity)
	}
	if c.Remediation == "" {
		return nil, errAt(name, fieldOr(doc, "remediation"), "check %s: remediation is required", c.ID)
	}
	for _, a := range f.EvidenceActions {
		if !strings.Contains(a, ":") {
			return nil, errAt(name, fieldOr(doc, "evidence_actions"), "check %s: evidence action %q is not service:Action", c.ID, a)
		}
	}
	c.EvidenceActions = append([]string(nil), f.EvidenceActions...)
	sort.Strings(c.EvidenceActions)

	params, err := checkParams(name, doc, c.ID, f.Params, opts.Params[c.ID])
	if err != nil {
		return nil, err
	}
	c.Params = params

	if strings.TrimSpace(f.Pass) == "" {
		return nil, errAt(name, fieldOr(doc, "pass"), "check %s: pass (a CEL condition) is required", c.ID)
	}
	exprs := []struct {
		key  string
		src  string
		want *cel.Type
		dst  **compiled
	}{
		{"for_each", f.ForEach, cel.ListType(cel.DynType), &c.forEach},
		{"resource", f.Resource, cel.StringType, &c.resource},
		{"item_failed_actions", f.ItemFailed, cel.ListType(cel.StringType), &c.itemFailed},
		{"region", f.Region, cel.StringType, &c.region},
		{"account", f.Account, cel.StringType, &c.account},
		{"applies", f.Applies, cel.BoolType, &c.applies},
		{"unknown_if", f.UnknownIf, cel.BoolType, &c.unknownIf},
		{"pass", f.Pass, cel.BoolType, &c.pass},
		{"detail", f.Detail, cel.StringType, &c.detail},
	}
	varsNode := fieldOr(doc, "vars")
	for _, k := range sorted.Keys(f.Vars) {
		if !paramNamePattern.MatchString(k) {
			return nil, errAt(name, varsNode, "check %s: var name %q must be lower-case letters, digits and underscores", c.ID, k)
		}
		src := strings.TrimSpace(f.Vars[k])
		if src == "" {
			return nil, errAt(name, varsNode, "check %s: var %s is empty", c.ID, k)
		}
		ast, prg, err := compileExpr(env, src, nil, limited)
		if err != nil {
			return nil, errAt(name, varsNode, "check %s: vars.%s: %v", c.ID, k, err)
		}
		if missing := undeclaredField(ast, varParams, c.Params); missing != "" {
			return nil, errAt(name, varsNode, "check %s: vars.%s: params.%s is not declared under params", c.ID, k, missing)
		}
		if usesIdent(ast, varVars) {
			return nil, errAt(name, varsNode, "check %s: vars.%s: a var cannot read other vars", c.ID, k)
		}
		level := levelCheck
		switch {
		case usesIdent(ast, varItem):
			level = levelItem
		case usesIdent(ast, varAccount) || usesIdent(ast, varRegion) || usesIdent(ast, varPayload) || usesIdent(ast, varSnapshot) ||
			usesIdent(ast, varSnapshots) || usesIdent(ast, varEvidence):
			level = levelUnit
		}
		c.vars = append(c.vars, namedExpr{name: k, c: &compiled{src: src, prg: prg, line: varsNode.Line}, level: level})
		c.Conditions["vars."+k] = src
	}
	varNames := map[string]any{}
	for _, v := range c.vars {
		varNames[v.name] = true
	}
	for _, e := range exprs {
		src := strings.TrimSpace(e.src)
		if src == "" {
			continue
		}
		node := fieldOr(doc, e.key)
		ast, prg, err := compileExpr(env, src, e.want, limited)
		if err != nil {
			return nil, errAt(name, node, "check %s: %s: %v", c.ID, e.key, err)
		}
		if missing := undeclaredField(ast, varParams, c.Params); missing != "" {
			return nil, errAt(name, node, "check %s: %s: params.%s is not declared under params", c.ID, e.key, missing)
		}
		if missing := undeclaredField(ast, varVars, varNames); missing != "" {
			return nil, errAt(name, node, "check %s: %s: vars.%s is not declared under vars", c.ID, e.key, missing)
		}
		*e.dst = &compiled{src: src, prg: prg, line: node.Line}
		c.Conditions[e.key] = src
	}
	return c, nil
}

// namedExpr is one of a check's vars.
type namedExpr struct {
	name string
	c    *compiled
	// level says how often the var is evaluated, from what it reads.
	level varLevel
}

// varLevel says how often a var is evaluated.
type varLevel int

const (
	// levelCheck vars read nothing of the unit (only run_evidence, params,
	// partition and the clock): evaluated once per check.
	levelCheck varLevel = iota
	// levelUnit vars read the unit (account, region, snapshots, evidence,
	// payload) but not item: evaluated once per unit.
	levelUnit
	// levelItem vars read item: evaluated per item.
	levelItem
)

// undeclaredField returns the first ident.NAME read by ast whose NAME is
// not a key of declared, or "".
func undeclaredField(ast *cel.Ast, ident string, declared map[string]any) string {
	nav := celast.NavigateAST(ast.NativeRep())
	for _, e := range celast.MatchDescendants(nav, celast.KindMatcher(celast.SelectKind)) {
		sel := e.AsSelect()
		op := sel.Operand()
		if op.Kind() == celast.IdentKind && op.AsIdent() == ident {
			if _, ok := declared[sel.FieldName()]; !ok {
				return sel.FieldName()
			}
		}
	}
	return ""
}

// usesIdent reports whether ast reads the variable ident.
func usesIdent(ast *cel.Ast, ident string) bool {
	nav := celast.NavigateAST(ast.NativeRep())
	for _, e := range celast.MatchDescendants(nav, celast.KindMatcher(celast.IdentKind)) {
		if e.AsIdent() == ident {
			return true
		}
	}
	return false
}

// checkParams validates a check's parameters and applies overrides, which
// must name declared parameters and keep their type.
func checkParams(name string, doc *yaml.Node, id string, defaults map[string]any, overrides map[string]ParamOverride) (map[string]any, error) {
	out := map[string]any{}
	pnode := fieldOr(doc, "params")
	for k, v := range defaults {
		if !paramNamePattern.MatchString(k) {
			return nil, errAt(name, pnode, "check %s: parameter name %q must be lower-case letters, digits and underscores", id, k)
		}
		cv, err := paramValue(v)
		if err != nil {
			return nil, errAt(name, pnode, "check %s: parameter %s: %v", id, k, err)
		}
		out[k] = cv
	}
	keys := make([]string, 0, len(overrides))
	for k := range overrides {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		o := overrides[k]
		def, ok := out[k]
		if !ok {
			return nil, &config.Error{File: o.File, Line: o.Line, Msg: fmt.Sprintf("check %s has no parameter %q (it has: %s)", id, k, strings.Join(sorted.Keys(out), ", "))}
		}
		v, err := paramValue(o.Value)
		if err != nil {
			return nil, &config.Error{File: o.File, Line: o.Line, Msg: fmt.Sprintf("check %s parameter %s: %v", id, k, err)}
		}
		if fmt.Sprintf("%T", v) != fmt.Sprintf("%T", def) {
			if f, isInt := v.(int64); isInt {
				if _, wantFloat := def.(float64); wantFloat {
					out[k] = float64(f)
					continue
				}
			}
			return nil, &config.Error{File: o.File, Line: o.Line, Msg: fmt.Sprintf("check %s parameter %s must be %s like its default %v", id, k, paramType(def), def)}
		}
		out[k] = v
	}
	return out, nil
}

// paramValue converts a YAML value to the types CEL reads: int64, float64,
// string, bool and lists of those.
func paramValue(v any) (any, error) {
	switch x := v.(type) {
	case int:
		return int64(x), nil
	case int64:
		return x, nil
	case uint64:
		if x > math.MaxInt64 {
			return nil, fmt.Errorf("%d is too large", x)
		}
		return int64(x), nil
	case float64:
		return x, nil
	case string, bool:
		return x, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			ev, err := paramValue(e)
			if err != nil {
				return nil, err
			}
			if _, nested := ev.([]any); nested {
				return nil, fmt.Errorf("nested lists are not supported")
			}
			out[i] = ev
		}
		return out, nil
	}
	return nil, fmt.Errorf("unsupported value %v (%T): use a number, string, bool or list", v, v)
}

func paramType(v any) string {
	switch v.(type) {
	case int64:
		return "an integer"
	case float64:
		return "a number"
	case string:
		return "a string"
	case bool:
		return "a bool"
	case []any:
		return "a list"
	}
	return fmt.Sprintf("%T", v)
}

// CheckSet is the set of checks one evaluation runs, with the files they
// came from.
type CheckSet struct {
	checks []*Check
	files  []SourceFile
	byID   map[string]*Check
}

// NewCheckSet returns an empty set.
func NewCheckSet() *CheckSet { return &CheckSet{byID: map[string]*Check{}} }

// Add parses the checks in one file and adds them; a check id already in
// the set is an error naming both files.
func (s *CheckSet) Add(name string, data []byte, opts LoadOptions) error {
	for _, f := range s.files {
		if f.Name == name {
			return fmt.Errorf("load checks: %s is loaded twice", name)
		}
	}
	checks, err := ParseChecks(name, data, opts)
	if err != nil {
		return err
	}
	for _, c := range checks {
		if prev, dup := s.byID[c.ID]; dup {
			return &config.Error{File: name, Line: c.Line, Msg: fmt.Sprintf("check %s is already defined in %s:%d", c.ID, prev.Source, prev.Line)}
		}
	}
	for _, c := range checks {
		s.byID[c.ID] = c
		s.checks = append(s.checks, c)
	}
	sort.Slice(s.checks, func(i, j int) bool { return s.checks[i].ID < s.checks[j].ID })
	s.files = append(s.files, SourceFile{Name: name, Data: append([]byte(nil), data...)})
	sort.Slice(s.files, func(i, j int) bool { return s.files[i].Name < s.files[j].Name })
	return nil
}

// AddFS adds every *.yaml file of fsys (recursively), naming each
// prefix/<path>.
func (s *CheckSet) AddFS(prefix string, fsys fs.FS, opts LoadOptions) error {
	var names []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			names = append(names, p)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("load checks from %s: %w", prefix, err)
	}
	sort.Strings(names)
	for _, n := range names {
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return fmt.Errorf("load checks: %w", err)
		}
		if err := s.Add(path.Join(prefix, n), b, opts); err != nil {
			return err
		}
	}
	return nil
}

// CheckOverrides reports an error for parameter overrides that name a check
// not in the set (overrides for checks in the set were applied and
// validated when they were added).
func (s *CheckSet) CheckOverrides(params map[string]map[string]ParamOverride) error {
	for _, id := range sorted.Keys(params) {
		if _, ok := s.byID[id]; ok {
			continue
		}
		for _, k := range sorted.Keys(params[id]) {
			o := params[id][k]
			return &config.Error{File: o.File, Line: o.Line, Msg: fmt.Sprintf("parameters for unknown check %q", id)}
		}
		return fmt.Errorf("parameters for unknown check %q", id)
	}
	return nil
}

// Checks returns the checks sorted by id.
func (s *CheckSet) Checks() []*Check { return s.checks }

// Check returns the check with id.
func (s *CheckSet) Check(id string) (*Check, bool) {
	c, ok := s.byID[id]
	return c, ok
}

// Files returns the check files the set was built from, sorted by name:
// what a bundle carries so the checks can be re-run without the binary or
// plugin that supplied them.
func (s *CheckSet) Files() []SourceFile { return s.files }

// BuiltinPrefix is the source-name prefix of the built-in checks.
const BuiltinPrefix = "builtin"

// BuiltinChecks returns the embedded HIPAA checks, validated with opts.
func BuiltinChecks(opts LoadOptions) (*CheckSet, error) {
	s := NewCheckSet()
	if err := s.AddFS(BuiltinPrefix, hipaa.Checks(), opts); err != nil {
		return nil, err
	}
	return s, nil
}
