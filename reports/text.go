package reports

import (
	"bytes"
	"fmt"
	"io/fs"
	"strings"
	"text/template"
	"time"

	"github.com/hipaa-evidence/hipaa-evidence/templates"
)

// TemplateDir is the directory of the report templates inside the
// templates file system.
const TemplateDir = "report"

// TemplateNames lists the report templates. Each is the file
// templates/report/<name>.tmpl, a text/template executed with a TextData.
// "status" defines one block per ControlStatus (named by its value); the
// others are executed whole.
var TemplateNames = []string{
	"appendix", "changes", "controls", "cover", "evidence", "exceptions",
	"manual", "ownership", "scope", "status", "summary", "verify", "workbook",
}

// Text holds the parsed report templates.
type Text struct {
	sets map[string]*template.Template
}

// TextData is what a report template sees: the Package's fields (embedded),
// plus counts and file names worked out for convenience.
type TextData struct {
	*Package
	// Status counts the controls by status value: {{.Status.not_met}}.
	Status map[string]int
	// Previous counts the controls by their previous status value.
	Previous map[string]int
	// Totals adds up the result counts of every check.
	Totals Counts
	// OwnershipGaps counts the controls with ownership gaps.
	OwnershipGaps int
	// Files names the sibling files by format: {{.Files.json}}. Names not
	// given default to BaseName(period) + "." + format.
	Files map[string]string
}

// NewTextData returns the template data for p and the sibling file names.
func NewTextData(p *Package, files map[string]string) *TextData {
	d := &TextData{Package: p, Status: map[string]int{}, Previous: map[string]int{}, Files: map[string]string{}}
	for _, s := range ControlStatuses {
		d.Status[string(s)] = 0
		d.Previous[string(s)] = 0
	}
	for s, n := range p.CountStatuses() {
		d.Status[string(s)] = n
	}
	for s, n := range p.CountPreviousStatuses() {
		d.Previous[string(s)] = n
	}
	d.Totals = p.TotalCounts()
	d.OwnershipGaps = len(p.OwnershipGaps())
	for _, format := range []string{"json", "pdf", "xlsx"} {
		d.Files[format] = BaseName(p.Period) + "." + format
	}
	for k, v := range files {
		d.Files[k] = v
	}
	return d
}

// BaseName returns the file name, without extension, of the reports of a
// period: "hipaa-evidence-report-2026-Q4".
func BaseName(period string) string { return "hipaa-evidence-report-" + period }

// funcs are the functions report templates may call.
var funcs = template.FuncMap{
	// date formats a time as "2 January 2006"; the zero time as "none".
	"date": func(t time.Time) string {
		if t.IsZero() {
			return "none"
		}
		return t.UTC().Format("2 January 2006")
	},
	// lastDay returns the day before t: the last day of a period whose end is t.
	"lastDay": func(t time.Time) time.Time { return t.AddDate(0, 0, -1) },
	// datetime formats a time as "2006-01-02 15:04 UTC".
	"datetime": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
	// number formats an integer with thousands separators.
	"number": FormatInt,
	// plural returns singular when n is 1, else plural.
	"plural": func(n int, singular, plural string) string {
		if n == 1 {
			return singular
		}
		return plural
	},
	// label returns the label of a control status value.
	"label": func(s any) string {
		switch v := s.(type) {
		case ControlStatus:
			return v.Label()
		case ResultStatus:
			return v.Label()
		case string:
			return ControlStatus(v).Label()
		}
		return fmt.Sprint(s)
	},
	// join joins strings with a separator.
	"join": func(s []string, sep string) string { return strings.Join(s, sep) },
	// fingerprint groups a hex digest in fours for reading aloud.
	"fingerprint": Fingerprint,
}

// LoadText parses the report templates from fsys (the templates file
// system: see templates.Open). A missing or malformed file, or one that
// fails on a sample package, gives an error wrapping ErrTemplate that
// names the file.
func LoadText(fsys fs.FS) (*Text, error) {
	t := &Text{sets: map[string]*template.Template{}}
	for _, name := range TemplateNames {
		path := TemplateDir + "/" + name + ".tmpl"
		b, err := fs.ReadFile(fsys, path)
		if err != nil {
			return nil, fmt.Errorf("%w %s: %w", ErrTemplate, path, err)
		}
		set, err := template.New(name).Funcs(funcs).Option("missingkey=error").Parse(string(b))
		if err != nil {
			return nil, fmt.Errorf("%w %s: %w", ErrTemplate, path, err)
		}
		t.sets[name] = set
	}
	// Execute everything once on a sample, so that a reference to a field
	// that does not exist fails now, naming the file, not halfway through
	// a render.
	sample := NewTextData(SamplePackage(), map[string]string{"json": "report.json", "pdf": "report.pdf", "xlsx": "report.xlsx"})
	for _, name := range TemplateNames {
		if name == "status" {
			for _, s := range ControlStatuses {
				if _, err := t.Block(name, string(s), sample); err != nil {
					return nil, err
				}
			}
			continue
		}
		if _, err := t.Execute(name, sample); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// DefaultText returns the embedded report templates.
func DefaultText() (*Text, error) { return LoadText(templates.FS()) }

// Execute runs template name with data and returns its text with
// surrounding blank space trimmed.
func (t *Text) Execute(name string, data *TextData) (string, error) {
	set, ok := t.sets[name]
	if !ok {
		return "", fmt.Errorf("%w %s/%s.tmpl: not loaded", ErrTemplate, TemplateDir, name)
	}
	var buf bytes.Buffer
	if err := set.Execute(&buf, data); err != nil {
		return "", fmt.Errorf("%w %s/%s.tmpl: %w", ErrTemplate, TemplateDir, name, err)
	}
	return strings.TrimSpace(buf.String()), nil
}

// Block runs the block (a {{define}}) of template name with data.
func (t *Text) Block(name, block string, data *TextData) (string, error) {
	set, ok := t.sets[name]
	if !ok {
		return "", fmt.Errorf("%w %s/%s.tmpl: not loaded", ErrTemplate, TemplateDir, name)
	}
	if set.Lookup(block) == nil {
		return "", fmt.Errorf("%w %s/%s.tmpl: no {{define %q}} block", ErrTemplate, TemplateDir, name, block)
	}
	var buf bytes.Buffer
	if err := set.ExecuteTemplate(&buf, block, data); err != nil {
		return "", fmt.Errorf("%w %s/%s.tmpl: %w", ErrTemplate, TemplateDir, name, err)
	}
	return strings.TrimSpace(buf.String()), nil
}

// BlockKind is the kind of a block of report text.
type BlockKind int

// The block kinds of report text markup.
const (
	// Paragraph is running text; its lines are joined with spaces.
	Paragraph BlockKind = iota
	// Heading is a line starting with "## ".
	Heading
	// Bullet is a line starting with "- ".
	Bullet
	// Command is a line starting with "$ ": a shell command, shown verbatim
	// in a monospaced font.
	Command
	// Warning is a line starting with "! ": shown highlighted.
	Warning
)

// Block is one block of report text.
type Block struct {
	// Kind is the block's kind.
	Kind BlockKind
	// Text is the block's text, without its marker.
	Text string
}

// Blocks splits executed template text into blocks. The markup is small on
// purpose: paragraphs are separated by blank lines, "## " starts a heading,
// "- " a bullet (continued by indented lines), "$ " a command line and "! " a
// warning.
func Blocks(text string) []Block {
	var out []Block
	var para []string
	flush := func() {
		if len(para) > 0 {
			out = append(out, Block{Kind: Paragraph, Text: strings.Join(para, " ")})
			para = nil
		}
	}
	for _, raw := range strings.Split(text, "\n") {
		line := strings.TrimRight(raw, " \t\r")
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "":
			flush()
		case strings.HasPrefix(trimmed, "## "):
			flush()
			out = append(out, Block{Kind: Heading, Text: strings.TrimSpace(trimmed[3:])})
		case strings.HasPrefix(trimmed, "- "):
			flush()
			out = append(out, Block{Kind: Bullet, Text: strings.TrimSpace(trimmed[2:])})
		case strings.HasPrefix(trimmed, "$ "):
			flush()
			out = append(out, Block{Kind: Command, Text: trimmed[2:]})
		case strings.HasPrefix(trimmed, "! "):
			flush()
			out = append(out, Block{Kind: Warning, Text: strings.TrimSpace(trimmed[2:])})
		case len(out) > 0 && len(para) == 0 && line != trimmed && (out[len(out)-1].Kind == Bullet || out[len(out)-1].Kind == Warning):
			// An indented line continues the bullet or warning above it.
			out[len(out)-1].Text += " " + trimmed
		default:
			para = append(para, trimmed)
		}
	}
	flush()
	return out
}

// FormatInt formats n with comma thousands separators: 12,345.
func FormatInt(n int) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// Fingerprint groups a hex digest in blocks of four characters separated by
// spaces, the way key fingerprints are read aloud.
func Fingerprint(hex string) string {
	var b strings.Builder
	for i := 0; i < len(hex); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		end := min(i+4, len(hex))
		b.WriteString(hex[i:end])
	}
	return b.String()
}
