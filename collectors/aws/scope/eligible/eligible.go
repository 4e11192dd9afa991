package eligible

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"
)

// Schema is the value of the schema field this package reads.
const Schema = "hipaa-evidence/eligible-services/v1"

// FileName is the embedded data file's name, used in error messages.
const FileName = "hipaa-eligible-services.yaml"

// MaxFileSize bounds the data files Load accepts; the list is about 60 KB.
// The limit stops a corrupted override from exhausting memory.
const MaxFileSize = 4 << 20

//go:embed hipaa-eligible-services.yaml
var embedded []byte

// Sentinel errors of this package.
var (
	// ErrInvalid means the data file is malformed or inconsistent.
	ErrInvalid = errors.New("invalid eligible-services list")
)

// Match statuses.
const (
	// StatusEligible: the name matches an entry of the list.
	StatusEligible = "eligible"
	// StatusIgnored: the name is a billing-only line (tax, support plans).
	StatusIgnored = "ignored"
	// StatusUnknown: the name matches no entry; it is never eligible.
	StatusUnknown = "unknown"
)

// How a name matched (Match.By).
const (
	ByCostExplorerName           = "cost_explorer_name"
	ByCostExplorerNameUnverified = "cost_explorer_name_unverified"
	ByServiceName                = "service_name"
	ByOtherName                  = "other_name"
	ByRemovedEntry               = "removed_entry"
	ByIgnoredLine                = "ignored_line"
)

// List is the parsed data file.
type List struct {
	// Schema is Schema.
	Schema string `yaml:"schema"`
	// Version is the list's version, incremented on every update.
	Version int `yaml:"version"`
	// Title is the AWS list's title.
	Title string `yaml:"title"`
	// OfficialURL is where AWS publishes the list.
	OfficialURL string `yaml:"official_url"`
	// ListDate is the date of the AWS list the entries reflect (YYYY-MM-DD).
	ListDate string `yaml:"list_date"`
	// VerifiedOn is when the file was last compared with its sources.
	VerifiedOn string `yaml:"verified_on"`
	// StaleAfterDays is the age of VerifiedOn after which the list is stale.
	StaleAfterDays int `yaml:"stale_after_days"`
	// Changes records each version.
	Changes []Change `yaml:"changes"`
	// Sources are the documents entries are transcribed from.
	Sources []Source `yaml:"sources"`
	// IgnoredCostLines are billing-only Cost Explorer lines.
	IgnoredCostLines []IgnoredLine `yaml:"ignored_cost_lines"`
	// ManagementPrefixes are IAM prefixes of account, identity, billing and
	// management tools: allowed in HIPAA accounts, not eligible services.
	ManagementPrefixes []string `yaml:"management_prefixes"`
	// Services are the eligible services.
	Services []Service `yaml:"services"`
	// Removed are services earlier copies listed and later ones do not.
	Removed []Removed `yaml:"removed"`

	listDate, verifiedOn time.Time
	index                map[string][]indexed
	prefixes             map[string][]string
}

// Change describes one version of the list.
type Change struct {
	// Version is the version described.
	Version int `yaml:"version"`
	// Date is when it was made.
	Date string `yaml:"date"`
	// Summary says what changed.
	Summary string `yaml:"summary"`
}

// Source is one document the list draws on.
type Source struct {
	// ID names the source in entries.
	ID string `yaml:"id"`
	// Title describes it.
	Title string `yaml:"title"`
	// Repository, Path and Commit locate a file in a public repository.
	Repository string `yaml:"repository"`
	// Path is the file's path.
	Path string `yaml:"path"`
	// Commit is the commit read.
	Commit string `yaml:"commit"`
	// URL locates a web page.
	URL string `yaml:"url"`
	// ListDate is the date of the AWS list the source carries.
	ListDate string `yaml:"list_date"`
	// Note adds context.
	Note string `yaml:"note"`
}

// IgnoredLine is a billing-only Cost Explorer line, matched by exact name or
// by prefix (case-insensitively).
type IgnoredLine struct {
	// Name is the exact line name.
	Name string `yaml:"name"`
	// Prefix matches every line starting with it.
	Prefix string `yaml:"prefix"`
	// Reason says why the line is ignored.
	Reason string `yaml:"reason"`
}

// Service is one eligible service.
type Service struct {
	// Name is the service's name on the newest list.
	Name string `yaml:"name"`
	// Qualifier is the list's bracketed limit, e.g. "excludes Simple AD".
	Qualifier string `yaml:"qualifier"`
	// OtherNames are earlier or later names of the service.
	OtherNames []string `yaml:"other_names"`
	// IAMPrefixes are the service's IAM action prefixes.
	IAMPrefixes []Prefix `yaml:"iam_prefixes"`
	// CostExplorerNames are SERVICE names seen in Cost Explorer output.
	CostExplorerNames []string `yaml:"cost_explorer_names"`
	// CostExplorerNamesUnverified follow Cost Explorer's usual naming but
	// have not been seen in real output.
	CostExplorerNamesUnverified []string `yaml:"cost_explorer_names_unverified"`
	// Sources are the ids of the sources listing the service.
	Sources []string `yaml:"sources"`
	// Added is set on entries added after version 1.
	Added *Added `yaml:"added"`
	// Note adds context.
	Note string `yaml:"note"`
}

// Prefix is one IAM action prefix and where it comes from.
type Prefix struct {
	// Prefix is the IAM prefix, e.g. "s3".
	Prefix string `yaml:"prefix"`
	// Source is a source id.
	Source string `yaml:"source"`
}

// Added records when an entry was added.
type Added struct {
	// Version is the list version that added it.
	Version int `yaml:"version"`
	// FirstListedIn is the id of the oldest source listing it.
	FirstListedIn string `yaml:"first_listed_in"`
}

// Removed is a service no longer on the list. Its names match as unknown.
type Removed struct {
	// Name is the service's name.
	Name string `yaml:"name"`
	// LastListedIn is the newest source listing it.
	LastListedIn string `yaml:"last_listed_in"`
	// AbsentFrom is the oldest source not listing it.
	AbsentFrom string `yaml:"absent_from"`
	// CostExplorerNames are its Cost Explorer names.
	CostExplorerNames []string `yaml:"cost_explorer_names"`
}

type indexed struct {
	entry int // index into Services, or -1 for a removed entry
	name  string
	by    string
}

// Match is the result of matching one Cost Explorer SERVICE name.
type Match struct {
	// Status is StatusEligible, StatusIgnored or StatusUnknown.
	Status string
	// Entries are the names of the matching list entries (several when one
	// bill line covers several services, e.g. "EC2 - Other").
	Entries []string
	// By says how it matched (ByCostExplorerName, ...), or "" when unknown.
	By string
	// Qualifiers are the matching entries' qualifiers, where any.
	Qualifiers []string
	// Reason explains ignored and unknown results.
	Reason string
}

var (
	embeddedOnce sync.Once
	embeddedList *List
	embeddedErr  error
)

// Embedded returns the list built into the binary, parsed once.
func Embedded() (*List, error) {
	embeddedOnce.Do(func() {
		embeddedList, embeddedErr = Load(embedded, FileName)
	})
	return embeddedList, embeddedErr
}

// EmbeddedBytes returns the embedded data file, e.g. to ship it in a bundle.
func EmbeddedBytes() []byte { return bytes.Clone(embedded) }

var (
	datePattern   = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
	prefixPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	linePattern   = regexp.MustCompile(`^yaml: line ([0-9]+): (.*)$`)
	inlinePattern = regexp.MustCompile(`line ([0-9]+): `)
)

// Load parses and validates a data file. Unknown fields, missing required
// fields, bad dates, unknown source ids and duplicate entries are errors,
// reported as "name:line: message".
func Load(data []byte, name string) (*List, error) {
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%w: %s: %d bytes (limit %d)", ErrInvalid, name, len(data), MaxFileSize)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, yamlError(name, err)
	}
	l := &List{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(l); err != nil {
		return nil, yamlError(name, err)
	}
	v := validator{name: name, root: &root}
	l.validate(&v)
	if v.err != nil {
		return nil, v.err
	}
	l.build()
	return l, nil
}

// yamlError turns yaml.v3's "line N: msg" errors into "name:N: msg".
func yamlError(name string, err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs := make([]string, 0, len(te.Errors))
		for _, e := range te.Errors {
			if m := inlinePattern.FindStringSubmatchIndex(e); m != nil {
				msgs = append(msgs, fmt.Sprintf("%s:%s: %s", name, e[m[2]:m[3]], e[m[1]:]))
			} else {
				msgs = append(msgs, fmt.Sprintf("%s: %s", name, e))
			}
		}
		return fmt.Errorf("%w: %s", ErrInvalid, strings.Join(msgs, "; "))
	}
	if m := linePattern.FindStringSubmatch(err.Error()); m != nil {
		return fmt.Errorf("%w: %s:%s: %s", ErrInvalid, name, m[1], m[2])
	}
	return fmt.Errorf("%w: %s: %v", ErrInvalid, name, err)
}

// validator records the first semantic error with the line of the node it
// concerns.
type validator struct {
	name string
	root *yaml.Node
	err  error
}

// node returns the node at path (mapping keys and sequence indexes), or nil.
func (v *validator) node(path ...any) *yaml.Node {
	n := v.root
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	for _, p := range path {
		if n == nil {
			return nil
		}
		switch k := p.(type) {
		case string:
			var next *yaml.Node
			if n.Kind == yaml.MappingNode {
				for i := 0; i+1 < len(n.Content); i += 2 {
					if n.Content[i].Value == k {
						next = n.Content[i+1]
					}
				}
			}
			n = next
		case int:
			if n.Kind != yaml.SequenceNode || k >= len(n.Content) {
				return nil
			}
			n = n.Content[k]
		}
	}
	return n
}

func (v *validator) fail(format string, args ...any) {
	v.failAt(nil, format, args...)
}

func (v *validator) failAt(path []any, format string, args ...any) {
	if v.err != nil {
		return
	}
	line := 1
	for p := path; ; p = p[:len(p)-1] {
		if n := v.node(p...); n != nil {
			line = n.Line
			break
		}
		if len(p) == 0 {
			break
		}
	}
	v.err = fmt.Errorf("%w: %s:%d: %s", ErrInvalid, v.name, line, fmt.Sprintf(format, args...))
}

func at(path ...any) []any { return path }

func (l *List) validate(v *validator) {
	if l.Schema != Schema {
		v.failAt(at("schema"), "schema %q, want %q", l.Schema, Schema)
	}
	if l.Version < 1 {
		v.failAt(at("version"), "version must be a positive integer")
	}
	var err error
	if l.listDate, err = parseDate(l.ListDate); err != nil {
		v.failAt(at("list_date"), "list_date: %v", err)
	}
	if l.verifiedOn, err = parseDate(l.VerifiedOn); err != nil {
		v.failAt(at("verified_on"), "verified_on: %v", err)
	}
	if err == nil && l.verifiedOn.Before(l.listDate) {
		v.failAt(at("verified_on"), "verified_on %s is before list_date %s", l.VerifiedOn, l.ListDate)
	}
	if l.StaleAfterDays < 1 {
		v.failAt(at("stale_after_days"), "stale_after_days must be positive")
	}
	if l.OfficialURL == "" || l.Title == "" {
		v.fail("title and official_url are required")
	}
	sources := map[string]bool{}
	for i, s := range l.Sources {
		switch {
		case s.ID == "":
			v.failAt(at("sources", i), "source without id")
		case sources[s.ID]:
			v.failAt(at("sources", i, "id"), "duplicate source id %q", s.ID)
		case s.Title == "":
			v.failAt(at("sources", i), "source %q has no title", s.ID)
		}
		if s.ListDate != "" {
			if _, err := parseDate(s.ListDate); err != nil {
				v.failAt(at("sources", i, "list_date"), "source %s list_date: %v", s.ID, err)
			}
		}
		sources[s.ID] = true
	}
	for i, g := range l.IgnoredCostLines {
		if (g.Name == "") == (g.Prefix == "") || g.Reason == "" {
			v.failAt(at("ignored_cost_lines", i), "an ignored line needs exactly one of name or prefix, and a reason")
		}
	}
	for i, p := range l.ManagementPrefixes {
		if !prefixPattern.MatchString(p) {
			v.failAt(at("management_prefixes", i), "management prefix %q is not an IAM prefix", p)
		}
	}
	if len(l.Services) == 0 {
		v.failAt(at("services"), "no services")
	}
	names := map[string]int{}
	for i, s := range l.Services {
		if strings.TrimSpace(s.Name) == "" {
			v.failAt(at("services", i), "service without a name")
			continue
		}
		key := normalize(s.Name)
		if j, dup := names[key]; dup {
			v.failAt(at("services", i, "name"), "duplicate service %q (also entry %d)", s.Name, j+1)
		}
		names[key] = i
		if len(s.Sources) == 0 {
			v.failAt(at("services", i), "service %q has no sources", s.Name)
		}
		for j, id := range s.Sources {
			if !sources[id] {
				v.failAt(at("services", i, "sources", j), "service %q names unknown source %q", s.Name, id)
			}
		}
		for j, p := range s.IAMPrefixes {
			if !prefixPattern.MatchString(p.Prefix) {
				v.failAt(at("services", i, "iam_prefixes", j), "service %q: %q is not an IAM prefix", s.Name, p.Prefix)
			}
			if !sources[p.Source] {
				v.failAt(at("services", i, "iam_prefixes", j), "service %q: prefix %s names unknown source %q", s.Name, p.Prefix, p.Source)
			}
		}
		for _, group := range [][]string{s.OtherNames, s.CostExplorerNames, s.CostExplorerNamesUnverified} {
			for _, n := range group {
				if strings.TrimSpace(n) == "" {
					v.failAt(at("services", i), "service %q has an empty name", s.Name)
				}
			}
		}
		if a := s.Added; a != nil {
			if a.Version < 1 || a.Version > l.Version || !sources[a.FirstListedIn] {
				v.failAt(at("services", i, "added"), "service %q: added needs a version up to %d and a known first_listed_in", s.Name, l.Version)
			}
		}
	}
	for i, r := range l.Removed {
		if r.Name == "" || !sources[r.LastListedIn] || !sources[r.AbsentFrom] {
			v.failAt(at("removed", i), "a removed entry needs a name and known last_listed_in and absent_from sources")
		}
		if _, listed := names[normalize(r.Name)]; listed {
			v.failAt(at("removed", i, "name"), "%q is both listed and removed", r.Name)
		}
	}
}

func parseDate(s string) (time.Time, error) {
	if !datePattern.MatchString(s) {
		return time.Time{}, fmt.Errorf("%q is not a YYYY-MM-DD date", s)
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date", s)
	}
	return t, nil
}

// normalize folds case and collapses whitespace.
func normalize(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(s)), " ")
}

// withoutParenthetical drops a trailing "(...)" part: "Amazon Simple Queue
// Service (SQS)" → "Amazon Simple Queue Service".
func withoutParenthetical(s string) string {
	s = strings.TrimSpace(s)
	if !strings.HasSuffix(s, ")") {
		return s
	}
	if i := strings.LastIndex(s, "("); i > 0 {
		return strings.TrimSpace(s[:i])
	}
	return s
}

// build indexes every name. A name may match several entries; the more
// reliable kind of match (observed Cost Explorer name first) wins.
func (l *List) build() {
	l.index = map[string][]indexed{}
	l.prefixes = map[string][]string{}
	add := func(key string, e int, name, by string) {
		k := normalize(key)
		if k == "" {
			return
		}
		for _, x := range l.index[k] {
			if x.entry == e {
				return
			}
		}
		l.index[k] = append(l.index[k], indexed{entry: e, name: name, by: by})
	}
	for i, s := range l.Services {
		for _, n := range s.CostExplorerNames {
			add(n, i, s.Name, ByCostExplorerName)
		}
	}
	for i, s := range l.Services {
		for _, n := range s.CostExplorerNamesUnverified {
			add(n, i, s.Name, ByCostExplorerNameUnverified)
		}
	}
	for i, s := range l.Services {
		add(s.Name, i, s.Name, ByServiceName)
		add(withoutParenthetical(s.Name), i, s.Name, ByServiceName)
	}
	for i, s := range l.Services {
		for _, n := range s.OtherNames {
			add(n, i, s.Name, ByOtherName)
			add(withoutParenthetical(n), i, s.Name, ByOtherName)
		}
		for _, p := range s.IAMPrefixes {
			if !contains(l.prefixes[p.Prefix], s.Name) {
				l.prefixes[p.Prefix] = append(l.prefixes[p.Prefix], s.Name)
			}
		}
	}
	for _, r := range l.Removed {
		for _, n := range append([]string{r.Name, withoutParenthetical(r.Name)}, r.CostExplorerNames...) {
			if _, taken := l.index[normalize(n)]; !taken {
				add(n, -1, r.Name, ByRemovedEntry)
			}
		}
	}
}

func contains(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

// Match matches one Cost Explorer SERVICE name against the list. aliases maps
// further Cost Explorer names to entry names (from the collector's config);
// an alias to a name that is not an entry is ignored by Match and reported by
// CheckAliases.
func (l *List) Match(ceName string, aliases map[string]string) Match {
	key := normalize(ceName)
	for _, g := range l.IgnoredCostLines {
		if (g.Name != "" && key == normalize(g.Name)) || (g.Prefix != "" && strings.HasPrefix(key, normalize(g.Prefix))) {
			return Match{Status: StatusIgnored, By: ByIgnoredLine, Reason: g.Reason, Entries: []string{}, Qualifiers: []string{}}
		}
	}
	hits := l.index[key]
	by := ""
	if len(hits) == 0 {
		for k, target := range aliases {
			if normalize(k) == key {
				if t := l.index[normalize(target)]; len(t) > 0 && t[0].entry >= 0 {
					hits, by = t[:1], "config_alias"
				}
			}
		}
	}
	m := Match{Status: StatusUnknown, Entries: []string{}, Qualifiers: []string{}}
	for _, h := range hits {
		if h.entry < 0 {
			m.By = ByRemovedEntry
			m.Reason = fmt.Sprintf("%s is no longer on the AWS HIPAA Eligible Services list", h.name)
			return m
		}
		m.Status = StatusEligible
		m.Entries = append(m.Entries, h.name)
		if q := l.Services[h.entry].Qualifier; q != "" {
			m.Qualifiers = append(m.Qualifiers, q)
		}
		if m.By == "" {
			m.By = h.by
		}
	}
	if by != "" {
		m.By = by
	}
	if m.Status == StatusUnknown {
		m.Reason = "no entry of the AWS HIPAA Eligible Services list matches this name"
	}
	return m
}

// CheckAliases reports configured aliases whose target is not an entry.
func (l *List) CheckAliases(aliases map[string]string) error {
	var bad []string
	for k, target := range aliases {
		t := l.index[normalize(target)]
		if len(t) == 0 || t[0].entry < 0 {
			bad = append(bad, fmt.Sprintf("%q → %q", k, target))
		}
	}
	sort.Strings(bad)
	if len(bad) > 0 {
		return fmt.Errorf("service aliases name services that are not on the eligible list: %s", strings.Join(bad, ", "))
	}
	return nil
}

// PrefixServices returns the entries using IAM prefix p (nil if none).
func (l *List) PrefixServices(p string) []string {
	return append([]string(nil), l.prefixes[strings.ToLower(p)]...)
}

// IsManagementPrefix reports whether p is a management-tool prefix.
func (l *List) IsManagementPrefix(p string) bool {
	return contains(l.ManagementPrefixes, strings.ToLower(p))
}

// VerifiedOnTime returns VerifiedOn as a time.
func (l *List) VerifiedOnTime() time.Time { return l.verifiedOn }

// AgeDays returns the whole days from VerifiedOn to now (0 if now is
// earlier).
func (l *List) AgeDays(now time.Time) int {
	d := now.UTC().Sub(l.verifiedOn)
	if d < 0 {
		return 0
	}
	return int(d / (24 * time.Hour))
}

// Stale reports whether the list is older than StaleAfterDays at now.
func (l *List) Stale(now time.Time) bool { return l.AgeDays(now) > l.StaleAfterDays }
