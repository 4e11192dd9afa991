package controls

import (
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/internal/config"
)

// Exceptions is the exceptions register.
type Exceptions struct {
	// List holds the exceptions sorted by id.
	List []*Exception
	// Source is the file name.
	Source string
	// SHA256 is the hex SHA-256 of the file.
	SHA256 string
	// Data is the file's bytes, kept for export.
	Data []byte
}

// Exception accepts the risk of failing results of one check or one
// catalog entry, within a scope, until a date.
type Exception struct {
	// ID names the exception.
	ID string `yaml:"id"`
	// Check is the check id it covers (exclusive with Control).
	Check string `yaml:"check"`
	// Control is the catalog entry it covers: failing results of checks
	// citing it count as excepted for that entry only.
	Control string `yaml:"control"`
	// Scope limits it; empty lists mean no limit.
	Scope ExceptionScope `yaml:"scope"`
	// Justification says why the risk is accepted.
	Justification string `yaml:"justification"`
	// Owner owns the risk.
	Owner string `yaml:"owner"`
	// ApprovedBy approved it.
	ApprovedBy string `yaml:"approved_by"`
	// ApprovedAt is when it was approved (YYYY-MM-DD), optional.
	ApprovedAt string `yaml:"approved_at"`
	// ExpiresAt is the last day it applies (YYYY-MM-DD, UTC).
	ExpiresAt string `yaml:"expires_at"`
	// Line is its line in the file.
	Line int `yaml:"-"`

	expiry time.Time // first instant it no longer applies
}

// ExceptionScope limits an exception.
type ExceptionScope struct {
	// Accounts are account ids.
	Accounts []string `yaml:"accounts"`
	// Regions are region names ("global" for account-wide evidence).
	Regions []string `yaml:"regions"`
	// Resources are resource ids or patterns (* and ?).
	Resources []string `yaml:"resources"`
}

type exceptionsFile struct {
	SchemaVersion int          `yaml:"schema_version"`
	Exceptions    []*Exception `yaml:"exceptions"`
}

var (
	exceptionIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	accountIDPattern   = regexp.MustCompile(`^[0-9]{12}$`)
)

// dateLayout is the date format of expiry and validity dates.
const dateLayout = "2006-01-02"

// ParseExceptions strictly parses an exceptions register. Each exception
// names exactly one check (which checks must hold) or catalog entry, a
// justification, an owner, an approver and an expiry date.
func ParseExceptions(name string, b []byte, cat *Catalog, checks *CheckSet) (*Exceptions, error) {
	x := &Exceptions{Source: name, SHA256: evidence.Digest(b), Data: append([]byte(nil), b...)}
	docs, err := parseDocuments(name, b)
	if err != nil {
		return nil, err
	}
	if len(docs) == 0 {
		return x, nil
	}
	if len(docs) > 1 {
		return nil, &config.Error{File: name, Line: docs[1].Line, Msg: "more than one YAML document"}
	}
	var f exceptionsFile
	if err := decodeNode(name, docs[0], &f); err != nil {
		return nil, err
	}
	if f.SchemaVersion != 1 {
		return nil, errAt(name, fieldOr(docs[0], "schema_version"), "schema_version must be 1")
	}
	list := field(docs[0], "exceptions")
	seen := map[string]int{}
	for i, e := range f.Exceptions {
		n := list.Content[i]
		if e == nil {
			return nil, errAt(name, n, "empty exception")
		}
		e.Line = n.Line
		if !exceptionIDPattern.MatchString(e.ID) {
			return nil, errAt(name, fieldOr(n, "id"), "exception id %q must be 1-64 letters, digits, dots, dashes or underscores", e.ID)
		}
		if prev, dup := seen[e.ID]; dup {
			return nil, errAt(name, fieldOr(n, "id"), "exception %s is repeated (first at line %d)", e.ID, prev)
		}
		seen[e.ID] = e.Line
		switch {
		case e.Check != "" && e.Control != "":
			return nil, errAt(name, fieldOr(n, "control"), "exception %s: name a check or a control, not both", e.ID)
		case e.Check != "":
			if checks == nil {
				return nil, errAt(name, fieldOr(n, "check"), "exception %s: no checks loaded to match check %q", e.ID, e.Check)
			}
			if _, ok := checks.Check(e.Check); !ok {
				return nil, errAt(name, fieldOr(n, "check"), "exception %s: unknown check %q", e.ID, e.Check)
			}
		case e.Control != "":
			if !cat.Has(e.Control) {
				return nil, errAt(name, fieldOr(n, "control"), "exception %s: unknown catalog id %q", e.ID, e.Control)
			}
		default:
			return nil, errAt(name, n, "exception %s: a check or a control is required", e.ID)
		}
		for _, req := range []struct{ key, val string }{
			{"justification", e.Justification}, {"owner", e.Owner}, {"approved_by", e.ApprovedBy}, {"expires_at", e.ExpiresAt},
		} {
			if strings.TrimSpace(req.val) == "" {
				return nil, errAt(name, fieldOr(n, req.key), "exception %s: %s is required", e.ID, req.key)
			}
		}
		exp, err := time.Parse(dateLayout, e.ExpiresAt)
		if err != nil {
			return nil, errAt(name, fieldOr(n, "expires_at"), "exception %s: expires_at %q is not a date like 2027-03-31", e.ID, e.ExpiresAt)
		}
		e.expiry = exp.AddDate(0, 0, 1)
		if e.ApprovedAt != "" {
			if _, err := time.Parse(dateLayout, e.ApprovedAt); err != nil {
				return nil, errAt(name, fieldOr(n, "approved_at"), "exception %s: approved_at %q is not a date like 2026-10-01", e.ID, e.ApprovedAt)
			}
		}
		for _, a := range e.Scope.Accounts {
			if !accountIDPattern.MatchString(a) {
				return nil, errAt(name, fieldOr(n, "scope"), "exception %s: account %q is not a 12-digit account id", e.ID, a)
			}
		}
		for _, r := range e.Scope.Resources {
			if strings.TrimSpace(r) == "" {
				return nil, errAt(name, fieldOr(n, "scope"), "exception %s: empty resource pattern", e.ID)
			}
		}
		x.List = append(x.List, e)
	}
	sort.Slice(x.List, func(i, j int) bool { return x.List[i].ID < x.List[j].ID })
	return x, nil
}

// Expired reports whether e has lapsed at clock.
func (e *Exception) Expired(clock time.Time) bool { return !clock.Before(e.expiry) }

// matches reports whether r lies in e's scope (the check or control is
// matched by the caller).
func (e *Exception) matches(r *Result) bool {
	if len(e.Scope.Accounts) > 0 && !contains(e.Scope.Accounts, r.AccountID) {
		return false
	}
	if len(e.Scope.Regions) > 0 && !contains(e.Scope.Regions, r.Region) {
		return false
	}
	if len(e.Scope.Resources) > 0 {
		ok := false
		for _, p := range e.Scope.Resources {
			if Glob(p, r.ResourceID) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
