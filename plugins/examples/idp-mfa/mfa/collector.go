// Package mfa is the collector of the example identity-provider plugin. It
// reads the provider's user export, a JSON file an administrator downloads
// (or a scheduled job writes), and reports each user's MFA enrolment.
package mfa

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/hipaa-evidence/hipaa-evidence/collectors"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
)

// Kind is the evidence kind the collector produces.
const Kind = "idp.example.mfa_enrollment"

// Name is the collector's name; its options live under
// collectors.options.example-idp-mfa in the host's config.
const Name = "example-idp-mfa"

// Actions recorded in the snapshot: what the collector did to build it.
const (
	// ActionReadExport is reading the export file.
	ActionReadExport = "example-idp:ReadUserExport"
	// ActionConfigure is reading the collector's options.
	ActionConfigure = "example-idp:Configure"
)

// Error codes of failed actions.
const (
	CodeNotConfigured  = "NotConfigured"
	CodeNotFound       = "NotFound"
	CodeUnreadable     = "Unreadable"
	CodeMalformed      = "MalformedExport"
	CodeExportTooLarge = "ExportTooLarge"
)

// maxExportSize bounds the export read: a user export of a million users is
// far smaller, and a larger file is not an export.
const maxExportSize = 512 << 20

// phishingResistant lists the factor types that resist phishing (bound to
// the origin or to a device the user holds): FIDO2/WebAuthn and smart cards.
var phishingResistant = map[string]bool{"webauthn": true, "fido2": true, "piv": true, "smart_card": true}

// Options are the collector's settings from the host's config file.
type Options struct {
	// Export is the path of the provider's user export (JSON).
	Export string `yaml:"export"`
}

// Payload is the normalised evidence.
type Payload struct {
	// Tenant is the provider tenant the export describes.
	Tenant string `json:"tenant"`
	// ExportGeneratedAt is when the provider wrote the export (RFC 3339, UTC).
	ExportGeneratedAt string `json:"export_generated_at"`
	// Users lists every user, sorted by id.
	Users []User `json:"users"`
	// Summary counts users.
	Summary Summary `json:"summary"`
}

// User is one user's authentication state.
type User struct {
	// ID is the provider's user id.
	ID string `json:"id"`
	// Login is the user's sign-in name.
	Login string `json:"login"`
	// Active is true for users who can sign in.
	Active bool `json:"active"`
	// Admin is true for users with administrative rights in the provider.
	Admin bool `json:"admin"`
	// Factors lists the types of the user's active MFA factors, sorted.
	Factors []string `json:"factors"`
	// MFAEnrolled is true when the user has at least one active factor.
	MFAEnrolled bool `json:"mfa_enrolled"`
	// PhishingResistant is true when one of the active factors resists phishing.
	PhishingResistant bool `json:"phishing_resistant"`
	// LastLogin is the last sign-in (RFC 3339, UTC), or "" if never.
	LastLogin string `json:"last_login"`
}

// Summary counts users.
type Summary struct {
	// Users is the number of users.
	Users int `json:"users"`
	// Active is the number of active users.
	Active int `json:"active"`
	// ActiveWithoutMFA is the number of active users with no active factor.
	ActiveWithoutMFA int `json:"active_without_mfa"`
}

// export is the provider's file format.
type export struct {
	GeneratedAt time.Time `json:"generated_at"`
	Tenant      string    `json:"tenant"`
	Users       []struct {
		ID        string     `json:"id"`
		Login     string     `json:"login"`
		Status    string     `json:"status"`
		Admin     bool       `json:"admin"`
		LastLogin *time.Time `json:"last_login"`
		Factors   []struct {
			Type   string `json:"type"`
			Status string `json:"status"`
		} `json:"factors"`
	} `json:"users"`
}

// Collector reads the user export.
type Collector struct{}

// New returns the collector.
func New() *Collector { return &Collector{} }

// Describe returns the collector's descriptor.
func (*Collector) Describe() collectors.Descriptor {
	return collectors.Descriptor{
		Name:          Name,
		Version:       "1.0.0",
		Summary:       "MFA enrolment of every identity-provider user, from the provider's user export",
		Scope:         collectors.Once,
		EvidenceKinds: []string{Kind},
		Permissions:   []string{"example-idp: read-only administrator, to download the Users and Factors export"},
	}
}

// Collect reads the export and returns one snapshot. A missing, unreadable
// or malformed export is recorded in the snapshot as an error: the checks
// then report unknown, never pass.
func (*Collector) Collect(_ context.Context, req *collectors.Request) (*collectors.Response, error) {
	b := collectors.NewBuilder(Kind)
	var opts Options
	if err := req.Options.Decode(&opts); err != nil {
		return fail(ActionConfigure, CodeNotConfigured, fmt.Sprintf("collectors.options.%s: %v", Name, err))
	}
	if opts.Export == "" {
		return fail(ActionConfigure, CodeNotConfigured, fmt.Sprintf("set collectors.options.%s.export to the path of the user export", Name))
	}
	data, code, err := readExport(opts.Export)
	if err != nil {
		return fail(ActionReadExport, code, err.Error())
	}
	b.Called(ActionReadExport)
	var ex export
	if err := json.Unmarshal(data, &ex); err != nil {
		return fail(ActionReadExport, CodeMalformed, fmt.Sprintf("%s is not a user export: %v", opts.Export, err))
	}
	if ex.GeneratedAt.IsZero() || ex.Tenant == "" {
		return fail(ActionReadExport, CodeMalformed, fmt.Sprintf("%s lacks generated_at or tenant", opts.Export))
	}
	p := Payload{Tenant: ex.Tenant, ExportGeneratedAt: ex.GeneratedAt.UTC().Format(time.RFC3339), Users: []User{}}
	for i, u := range ex.Users {
		if u.ID == "" {
			return fail(ActionReadExport, CodeMalformed, fmt.Sprintf("%s: users[%d] has no id", opts.Export, i))
		}
		user := User{ID: u.ID, Login: u.Login, Active: strings.EqualFold(u.Status, "active"), Admin: u.Admin, Factors: []string{}}
		for _, f := range u.Factors {
			if !strings.EqualFold(f.Status, "active") {
				continue
			}
			t := strings.ToLower(f.Type)
			user.Factors = append(user.Factors, t)
			user.PhishingResistant = user.PhishingResistant || phishingResistant[t]
		}
		user.Factors = collectors.SortedUnique(user.Factors)
		user.MFAEnrolled = len(user.Factors) > 0
		if u.LastLogin != nil {
			user.LastLogin = u.LastLogin.UTC().Format(time.RFC3339)
		}
		p.Users = append(p.Users, user)
		p.Summary.Users++
		if user.Active {
			p.Summary.Active++
			if !user.MFAEnrolled {
				p.Summary.ActiveWithoutMFA++
			}
		}
	}
	sort.Slice(p.Users, func(i, j int) bool { return p.Users[i].ID < p.Users[j].ID })
	s, err := b.Snapshot(p)
	if err != nil {
		return nil, err
	}
	return &collectors.Response{Snapshots: []*evidence.Snapshot{s}}, nil
}

// readExport reads the export, bounded, and classifies a failure.
func readExport(path string) ([]byte, string, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, CodeNotFound, fmt.Errorf("no user export at %s", path)
		}
		return nil, CodeUnreadable, fmt.Errorf("open user export: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxExportSize+1))
	if err != nil {
		return nil, CodeUnreadable, fmt.Errorf("read user export %s: %w", path, err)
	}
	if len(data) > maxExportSize {
		return nil, CodeExportTooLarge, fmt.Errorf("user export %s is larger than %d bytes", path, maxExportSize)
	}
	return data, "", nil
}

// fail returns a snapshot with status error recording action's failure.
func fail(action, code, msg string) (*collectors.Response, error) {
	s := &evidence.Snapshot{
		Kind:     Kind,
		Status:   evidence.StatusError,
		Errors:   []evidence.CallError{{Action: action, Code: code, Message: msg}},
		APICalls: []string{action},
	}
	return &collectors.Response{Snapshots: []*evidence.Snapshot{s}}, nil
}
