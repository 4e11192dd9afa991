package kms

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/aws/iampolicy"
	"github.com/hipaa-evidence/hipaa-evidence/internal/sorted"
)

// MaxPolicySize bounds the key policy text ParsePolicy accepts. AWS limits a
// key policy to 32 KiB (AWS KMS API Reference, PutKeyPolicy); the margin
// allows for whitespace, and the bound stops a hostile or broken endpoint
// from making the collector parse megabytes.
const MaxPolicySize = 256 << 10

// Errors returned by ParsePolicy.
var (
	// ErrPolicyTooLarge means the policy text exceeds MaxPolicySize.
	ErrPolicyTooLarge = errors.New("key policy exceeds the size limit")
	// ErrMalformedPolicy means the policy text is not a policy document. It
	// is iampolicy.ErrMalformed.
	ErrMalformedPolicy = iampolicy.ErrMalformed
)

// keyPolicyGrammar is the grammar ParsePolicy reads: the text is JSON as
// GetKeyPolicy returns it, elements outside the grammar are dropped, a
// missing Statement is no statements, any Effect is kept (Analyze notes the
// ones that are neither Allow nor Deny), a string Principal is an AWS
// principal, null is an absent element, and the statement count is bounded
// by MaxPolicySize only.
var keyPolicyGrammar = iampolicy.Options{
	Verbatim:           true,
	IgnoreUnknown:      true,
	OptionalStatement:  true,
	AnyStringPrincipal: true,
	AcceptEffect:       func(string) bool { return true },
	Nulls:              iampolicy.NullsAsAbsent,
	MaxStatements:      -1,
}

// ParsePolicy parses and normalises a key policy with iampolicy: Statement
// becomes a list; Action, NotAction, Resource and NotResource become lists;
// Principal and NotPrincipal become maps of lists ("*" is {"AWS": ["*"]});
// Condition values become lists of strings. Absent elements are empty, never
// null, so the document's shape is fixed. Elements it does not know are
// dropped.
func ParsePolicy(text string) (*PolicyDocument, error) {
	if len(text) > MaxPolicySize {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrPolicyTooLarge, len(text), MaxPolicySize)
	}
	return iampolicy.ParseWith([]byte(text), keyPolicyGrammar)
}

// accountIDPattern matches a bare account id used as a principal.
var accountIDPattern = regexp.MustCompile(`^[0-9]{12}$`)

// principalAcc accumulates one principal's access.
type principalAcc struct {
	typ, name   string
	actions     map[string]bool
	conditional bool
	sources     map[string]bool
}

// analysis builds an Access.
type analysis struct {
	root       string
	principals map[string]*principalAcc
	notes      map[string]bool
}

func (a *analysis) principal(typ, name string) *principalAcc {
	key := typ + "\x00" + name
	p := a.principals[key]
	if p == nil {
		p = &principalAcc{typ: typ, name: name, actions: map[string]bool{}, sources: map[string]bool{}}
		a.principals[key] = p
	}
	return p
}

func (a *analysis) note(format string, args ...any) { a.notes[fmt.Sprintf(format, args...)] = true }

// normalisePrincipal writes a bare account id as the account's root ARN.
func normalisePrincipal(typ, v, partition string) string {
	v = strings.TrimSpace(v)
	if typ == "AWS" && accountIDPattern.MatchString(v) {
		return "arn:" + partition + ":iam::" + v + ":root"
	}
	return v
}

// statementActions returns the KMS actions a statement names: its Action
// patterns expanded, or every known action not matched by its NotAction.
func statementActions(st Statement) []string {
	set := map[string]bool{}
	if len(st.NotAction) > 0 {
		excluded := map[string]bool{}
		for _, p := range st.NotAction {
			for _, a := range expand(p) {
				excluded[a] = true
			}
		}
		for _, a := range knownActions {
			if !excluded[a] {
				set[a] = true
			}
		}
	}
	for _, p := range st.Action {
		for _, a := range expand(p) {
			set[a] = true
		}
	}
	out := make([]string, 0, len(set))
	for a := range set {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

func statementLabel(st Statement, i int) string {
	if st.Sid != "" {
		return "policy:" + st.Sid
	}
	return "policy:#" + strconv.Itoa(i)
}

// Analyze works out who administers and who uses a key from its normalised
// policy (nil when not seen) and grants. keyAccount is the key's account and
// partition its partition, used to recognise the account root. Allow
// statements add access; unconditional Deny statements naming principals
// remove it afterwards; what cannot be modelled exactly is named in Notes.
func Analyze(doc *PolicyDocument, grants []Grant, keyAccount, partition string) *Access {
	if partition == "" {
		partition = "aws"
	}
	a := &analysis{
		root:       "arn:" + partition + ":iam::" + keyAccount + ":root",
		principals: map[string]*principalAcc{},
		notes:      map[string]bool{},
	}
	var denies []int
	if doc != nil {
		for i, st := range doc.Statement {
			switch st.Effect {
			case "Allow":
				a.allow(st, i, partition)
			case "Deny":
				denies = append(denies, i)
			default:
				a.note("%s: effect %q is neither Allow nor Deny; ignored", statementLabel(st, i), st.Effect)
			}
		}
	}
	for _, g := range grants {
		if g.GranteePrincipal == "" {
			continue
		}
		typ := "AWS"
		if !strings.HasPrefix(g.GranteePrincipal, "arn:") {
			typ = "Service"
		}
		p := a.principal(typ, normalisePrincipal(typ, g.GranteePrincipal, partition))
		for _, op := range g.Operations {
			for _, act := range expand(op) {
				p.actions[act] = true
			}
		}
		p.conditional = p.conditional || g.Constrained
		p.sources["grant:"+g.GrantID] = true
	}
	for _, i := range denies {
		a.deny(doc.Statement[i], i, partition)
	}
	return a.result()
}

func (a *analysis) allow(st Statement, i int, partition string) {
	label := statementLabel(st, i)
	actions := statementActions(st)
	if len(actions) == 0 {
		return
	}
	if len(st.NotAction) > 0 {
		a.note("%s: NotAction expanded against the list of known KMS actions", label)
	}
	var targets []*principalAcc
	switch {
	case len(st.NotPrincipal) > 0:
		a.note("%s: Allow with NotPrincipal treated as any principal (\"*\")", label)
		targets = append(targets, a.principal("AWS", "*"))
	case len(st.Principal) == 0:
		a.note("%s: Allow without Principal ignored", label)
		return
	default:
		for _, typ := range sorted.Keys(st.Principal) {
			for _, v := range st.Principal[typ] {
				if name := normalisePrincipal(typ, v, partition); name != "" {
					targets = append(targets, a.principal(typ, name))
				}
			}
		}
	}
	for _, p := range targets {
		for _, act := range actions {
			p.actions[act] = true
		}
		p.conditional = p.conditional || len(st.Condition) > 0
		p.sources[label] = true
	}
}

func (a *analysis) deny(st Statement, i int, partition string) {
	label := statementLabel(st, i)
	switch {
	case len(st.Condition) > 0:
		a.note("%s: conditional Deny not subtracted", label)
		return
	case len(st.NotPrincipal) > 0:
		a.note("%s: Deny with NotPrincipal not subtracted", label)
		return
	case len(st.NotResource) > 0:
		a.note("%s: Deny with NotResource not subtracted", label)
		return
	}
	actions := statementActions(st)
	everyone := false
	names := map[string]bool{}
	for typ, vals := range st.Principal {
		for _, v := range vals {
			n := normalisePrincipal(typ, v, partition)
			if n == "*" {
				everyone = true
			}
			names[typ+"\x00"+n] = true
		}
	}
	for key, p := range a.principals {
		if !everyone && !names[key] {
			continue
		}
		for _, act := range actions {
			delete(p.actions, act)
		}
	}
}

func (a *analysis) result() *Access {
	acc := &Access{
		Principals:           []PrincipalAccess{},
		Administrators:       []string{},
		Users:                []string{},
		AdministratorsWhoUse: []string{},
		FullAccess:           []string{},
		FullAccessNonRoot:    []string{},
		Notes:                sorted.Keys(a.notes),
	}
	for _, key := range sorted.Keys(a.principals) {
		p := a.principals[key]
		pa := PrincipalAccess{
			Principal:    p.name,
			Type:         p.typ,
			AccountRoot:  p.typ == "AWS" && p.name == a.root,
			Wildcard:     p.name == "*",
			AdminActions: []string{},
			UseActions:   []string{},
			GrantActions: []string{},
			ReadActions:  []string{},
			OtherActions: []string{},
			Conditional:  p.conditional,
			Sources:      sorted.Keys(p.sources),
		}
		full := true
		for _, known := range knownActions {
			if CategoryOf(known) != Other && !p.actions[known] {
				full = false
				break
			}
		}
		for _, act := range sorted.Keys(p.actions) {
			switch CategoryOf(act) {
			case Admin:
				pa.AdminActions = append(pa.AdminActions, act)
			case Use:
				pa.UseActions = append(pa.UseActions, act)
			case GrantMgmt:
				pa.GrantActions = append(pa.GrantActions, act)
			case Read:
				pa.ReadActions = append(pa.ReadActions, act)
			default:
				pa.OtherActions = append(pa.OtherActions, act)
			}
		}
		pa.Administers = len(pa.AdminActions) > 0
		pa.Uses = len(pa.UseActions) > 0
		pa.AdministersAndUses = pa.Administers && pa.Uses
		pa.FullAccess = full
		acc.Principals = append(acc.Principals, pa)
		if pa.Administers {
			acc.Administrators = append(acc.Administrators, pa.Principal)
		}
		if pa.Uses {
			acc.Users = append(acc.Users, pa.Principal)
		}
		if pa.AdministersAndUses {
			acc.AdministratorsWhoUse = append(acc.AdministratorsWhoUse, pa.Principal)
		}
		if pa.FullAccess {
			acc.FullAccess = append(acc.FullAccess, pa.Principal)
			if !pa.AccountRoot {
				acc.FullAccessNonRoot = append(acc.FullAccessNonRoot, pa.Principal)
			}
		}
	}
	acc.Administrators = uniqueSorted(acc.Administrators)
	acc.Users = uniqueSorted(acc.Users)
	acc.AdministratorsWhoUse = uniqueSorted(acc.AdministratorsWhoUse)
	acc.FullAccess = uniqueSorted(acc.FullAccess)
	acc.FullAccessNonRoot = uniqueSorted(acc.FullAccessNonRoot)
	return acc
}

func uniqueSorted(s []string) []string {
	sort.Strings(s)
	out := s[:0]
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}

// encodePolicy returns the canonical JSON of a normalised document; tests
// and the fuzzer use it to check that normalising is idempotent.
func encodePolicy(doc *PolicyDocument) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
