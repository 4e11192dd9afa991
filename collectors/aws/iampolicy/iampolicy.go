package iampolicy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/hipaa-evidence/hipaa-evidence/internal/sorted"
)

// MaxDocumentSize bounds the policy documents Parse accepts. The largest AWS
// policies (bucket policies, 20 KB; key policies, 32 KB) are far below it; the
// limit stops a hostile or corrupted document from exhausting memory.
const MaxDocumentSize = 1 << 20

// maxStatements bounds the statements of one document for the same reason.
const maxStatements = 10000

// Sentinel errors of this package.
var (
	// ErrMalformed means the document is not a valid IAM policy document.
	ErrMalformed = errors.New("malformed policy document")
	// ErrTooLarge means the document exceeds MaxDocumentSize.
	ErrTooLarge = errors.New("policy document too large")
)

// Document is a normalised IAM policy document. Its JSON keys keep the AWS
// element names.
type Document struct {
	// Version is the policy language version, e.g. "2012-10-17".
	Version string `json:"Version"`
	// ID is the optional policy identifier (the Id element).
	ID string `json:"Id"`
	// Statement holds the statements in document order.
	Statement []Statement `json:"Statement"`
}

// Statement is one normalised policy statement. Every field is present in
// its JSON form; absent elements are empty lists or maps.
type Statement struct {
	// Sid is the statement id, or "".
	Sid string `json:"Sid"`
	// Effect is "Allow" or "Deny".
	Effect string `json:"Effect"`
	// Principal maps principal types ("AWS", "Service", "Federated",
	// "CanonicalUser") to principals. The wildcard principal "*" is
	// normalised to {"AWS": ["*"]}, which IAM documents as equivalent.
	Principal map[string][]string `json:"Principal"`
	// NotPrincipal is Principal's negated form.
	NotPrincipal map[string][]string `json:"NotPrincipal"`
	// Action lists the actions the statement covers.
	Action []string `json:"Action"`
	// NotAction lists the actions the statement excludes.
	NotAction []string `json:"NotAction"`
	// Resource lists the resources the statement covers.
	Resource []string `json:"Resource"`
	// NotResource lists the resources the statement excludes.
	NotResource []string `json:"NotResource"`
	// Condition maps condition operators (e.g. "Bool") to condition keys
	// (e.g. "aws:SecureTransport") to their values, always as strings.
	Condition map[string]map[string][]string `json:"Condition"`
}

// Options adjusts the grammar ParseWith reads, for collectors whose policy
// documents have long been read with other conventions. The zero value is
// the grammar Parse reads.
type Options struct {
	// Verbatim parses data as it is: surrounding space is not trimmed and
	// URL-decoding is not tried.
	Verbatim bool
	// IgnoreUnknown drops document and statement elements outside the
	// grammar instead of rejecting the document.
	IgnoreUnknown bool
	// OptionalStatement reads a document without a Statement element as a
	// document with no statements.
	OptionalStatement bool
	// AnyStringPrincipal reads a Principal or NotPrincipal string other than
	// "*" as {"AWS": [string]} instead of rejecting it.
	AnyStringPrincipal bool
	// AcceptEffect, when set, decides which Effect values are valid in place
	// of the rule that Effect is exactly "Allow" or "Deny".
	AcceptEffect func(effect string) bool
	// Nulls says how JSON null values are read.
	Nulls Nulls
	// MaxStatements, when positive, replaces the bound of 10,000 statements
	// per document; a negative value leaves only MaxDocumentSize as bound.
	MaxStatements int
}

// Nulls says how ParseWith reads JSON null values.
type Nulls int

const (
	// NullsAsDecoded reads null as encoding/json decodes it: "" for Version,
	// Id, Sid and Effect and for a null inside a list of strings, and no keys
	// for a null Condition or condition operator. A null anywhere else is
	// rejected. Parse reads nulls so.
	NullsAsDecoded Nulls = iota
	// NullsAsAbsent reads a null element as an absent one: Version, Id,
	// Statement, Sid, Effect, Principal, NotPrincipal, Action, NotAction,
	// Resource, NotResource, Condition and a principal type's list. A null
	// inside a list or inside Condition is rejected.
	NullsAsAbsent
	// NullsAsEmptyLists reads null as an empty list where a list of strings
	// is expected (Action, NotAction, Resource, NotResource, a principal
	// type's list, a condition key's values) and as no conditions for
	// Condition. A null anywhere else is rejected.
	NullsAsEmptyLists
)

// Parse parses and normalises a policy document. The input may be
// URL-encoded JSON, as IAM's GetAccountAuthorizationDetails returns it; it is
// decoded first when it starts with "%".
func Parse(data []byte) (*Document, error) {
	return ParseWith(data, Options{})
}

// ParseWith is Parse with the grammar adjusted by opts.
func ParseWith(data []byte, opts Options) (*Document, error) {
	if len(data) > MaxDocumentSize {
		return nil, fmt.Errorf("%w: %d bytes (limit %d)", ErrTooLarge, len(data), MaxDocumentSize)
	}
	if !opts.Verbatim {
		data = bytes.TrimSpace(data)
		if len(data) > 0 && data[0] == '%' {
			s, err := url.PathUnescape(string(data))
			if err != nil {
				return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
			}
			data = []byte(s)
		}
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	p := parser{opts}
	doc := &Document{Statement: []Statement{}}
	for k, v := range raw {
		var err error
		switch k {
		case "Version":
			doc.Version, err = p.str(v)
		case "Id":
			doc.ID, err = p.str(v)
		case "Statement":
			if p.Nulls == NullsAsAbsent && isNull(v) {
				delete(raw, k)
				continue
			}
			doc.Statement, err = p.statements(v)
		default:
			if p.IgnoreUnknown {
				continue
			}
			err = fmt.Errorf("unknown element %q", k)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrMalformed, k, err)
		}
	}
	if raw["Statement"] == nil && !p.OptionalStatement {
		return nil, fmt.Errorf("%w: no Statement element", ErrMalformed)
	}
	if raw == nil {
		return nil, fmt.Errorf("%w: the document is null", ErrMalformed)
	}
	return doc, nil
}

// parser reads the parts of one document under its options.
type parser struct {
	Options
}

func isNull(v json.RawMessage) bool {
	return string(bytes.TrimSpace(v)) == "null"
}

// str decodes the string value of Version, Id, Sid or Effect.
func (p parser) str(v json.RawMessage) (string, error) {
	if p.Nulls == NullsAsEmptyLists && isNull(v) {
		return "", errors.New("must be a string")
	}
	var s string
	err := json.Unmarshal(v, &s)
	return s, err
}

func (p parser) statements(v json.RawMessage) ([]Statement, error) {
	var list []json.RawMessage
	switch firstByte(v) {
	case '[':
		if err := json.Unmarshal(v, &list); err != nil {
			return nil, err
		}
	case '{':
		list = []json.RawMessage{v}
	default:
		return nil, errors.New("must be an object or a list of objects")
	}
	limit := maxStatements
	if p.MaxStatements != 0 {
		limit = p.MaxStatements
	}
	if limit > 0 && len(list) > limit {
		return nil, fmt.Errorf("%d statements (limit %d)", len(list), limit)
	}
	out := make([]Statement, 0, len(list))
	for i, raw := range list {
		s, err := p.statement(raw)
		if err != nil {
			return nil, fmt.Errorf("statement %d: %w", i, err)
		}
		out = append(out, s)
	}
	return out, nil
}

func (p parser) statement(v json.RawMessage) (Statement, error) {
	s := Statement{
		Principal: map[string][]string{}, NotPrincipal: map[string][]string{},
		Action: []string{}, NotAction: []string{}, Resource: []string{}, NotResource: []string{},
		Condition: map[string]map[string][]string{},
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(v, &raw); err != nil || raw == nil {
		return s, errors.New("not an object")
	}
	for k, v := range raw {
		var err error
		switch k {
		case "Sid":
			s.Sid, err = p.str(v)
		case "Effect":
			s.Effect, err = p.str(v)
		case "Principal":
			s.Principal, err = p.principal(v)
		case "NotPrincipal":
			s.NotPrincipal, err = p.principal(v)
		case "Action":
			s.Action, err = p.stringList(v)
		case "NotAction":
			s.NotAction, err = p.stringList(v)
		case "Resource":
			s.Resource, err = p.stringList(v)
		case "NotResource":
			s.NotResource, err = p.stringList(v)
		case "Condition":
			s.Condition, err = p.condition(v)
		default:
			if p.IgnoreUnknown {
				continue
			}
			err = errors.New("unknown element")
		}
		if err != nil {
			return s, fmt.Errorf("%s: %w", k, err)
		}
	}
	switch {
	case p.AcceptEffect == nil:
		if s.Effect != "Allow" && s.Effect != "Deny" {
			return s, fmt.Errorf("Effect %q is neither Allow nor Deny", s.Effect)
		}
	case !p.AcceptEffect(s.Effect):
		return s, fmt.Errorf("Effect %q is not valid", s.Effect)
	}
	return s, nil
}

func firstByte(v json.RawMessage) byte {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return 0
	}
	return v[0]
}

// stringList decodes a string or a list of strings.
func (p parser) stringList(v json.RawMessage) ([]string, error) {
	switch firstByte(v) {
	case '"':
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return nil, err
		}
		return []string{s}, nil
	case '[':
		var l []*string
		if err := json.Unmarshal(v, &l); err != nil {
			return nil, errors.New("must be a string or a list of strings")
		}
		out := make([]string, 0, len(l))
		for _, s := range l {
			switch {
			case s != nil:
				out = append(out, *s)
			case p.Nulls == NullsAsDecoded:
				out = append(out, "")
			default:
				return nil, errors.New("must be a string or a list of strings, not null")
			}
		}
		return out, nil
	case 'n':
		if p.Nulls != NullsAsDecoded && isNull(v) {
			return []string{}, nil
		}
	}
	return nil, errors.New("must be a string or a list of strings")
}

func (p parser) principal(v json.RawMessage) (map[string][]string, error) {
	if firstByte(v) == '"' {
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return nil, err
		}
		if s != "*" && !p.AnyStringPrincipal {
			return nil, fmt.Errorf("string principal %q is not \"*\"", s)
		}
		return map[string][]string{"AWS": {s}}, nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(v, &raw); err != nil || raw == nil {
		if err == nil && p.Nulls == NullsAsAbsent {
			return map[string][]string{}, nil
		}
		return nil, errors.New("must be \"*\" or an object")
	}
	out := make(map[string][]string, len(raw))
	for k, pv := range raw {
		l, err := p.stringList(pv)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		out[k] = l
	}
	return out, nil
}

func (p parser) condition(v json.RawMessage) (map[string]map[string][]string, error) {
	var ops map[string]json.RawMessage
	if err := json.Unmarshal(v, &ops); err != nil {
		return nil, errors.New("must map operators to objects of keys")
	}
	// Every operator's shape is checked before any value, so which error a
	// document with several gets does not depend on map order.
	blocks := make(map[string]map[string]json.RawMessage, len(ops))
	for op, keys := range ops {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(keys, &m); err != nil || (m == nil && p.Nulls != NullsAsDecoded) {
			return nil, errors.New("must map operators to objects of keys")
		}
		blocks[op] = m
	}
	out := make(map[string]map[string][]string, len(blocks))
	for op, keys := range blocks {
		m := make(map[string][]string, len(keys))
		for key, val := range keys {
			if p.Nulls == NullsAsEmptyLists && isNull(val) {
				m[key] = []string{}
				continue
			}
			l, err := conditionValues(val)
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", op, key, err)
			}
			m[key] = l
		}
		out[op] = m
	}
	return out, nil
}

// conditionValues decodes a condition value: a string, boolean or number, or
// a list of them, always returned as strings (IAM compares them as text).
func conditionValues(v json.RawMessage) ([]string, error) {
	var items []json.RawMessage
	if firstByte(v) == '[' {
		if err := json.Unmarshal(v, &items); err != nil {
			return nil, err
		}
	} else {
		items = []json.RawMessage{v}
	}
	out := make([]string, 0, len(items))
	for _, item := range items {
		s, err := scalar(item)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func scalar(v json.RawMessage) (string, error) {
	var x any
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.UseNumber()
	if err := dec.Decode(&x); err != nil {
		return "", err
	}
	switch t := x.(type) {
	case string:
		return t, nil
	case bool:
		return strconv.FormatBool(t), nil
	case json.Number:
		return t.String(), nil
	}
	return "", errors.New("value must be a string, boolean or number")
}

// Match reports whether value matches the IAM pattern, in which "*" matches
// any run of characters and "?" any single character. Matching is
// case-sensitive, as it is for resource ARNs; use MatchFold for actions.
func Match(pattern, value string) bool {
	return match(pattern, value)
}

// MatchFold is Match ignoring case, as IAM matches action names.
func MatchFold(pattern, value string) bool {
	return match(strings.ToLower(pattern), strings.ToLower(value))
}

// match is the classic iterative wildcard matcher with single-star
// backtracking: linear in practice, never exponential.
func match(p, s string) bool {
	pi, si := 0, 0
	star, mark := -1, 0
	for si < len(s) {
		switch {
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, si
			pi++
		case pi < len(p) && (p[pi] == '?' || p[pi] == s[si]):
			pi++
			si++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// CoversAllWithPrefix reports whether pattern matches every string that
// starts with prefix, e.g. whether a Resource pattern covers every object of
// a bucket (prefix "arn:aws:s3:::bucket/") or an Action pattern every action
// of a service (prefix "s3:"). It is conservative: a pattern it cannot prove
// covering is reported as not covering.
func CoversAllWithPrefix(pattern, prefix string) bool {
	return coversAll(pattern, prefix)
}

// CoversAllWithPrefixFold is CoversAllWithPrefix ignoring case.
func CoversAllWithPrefixFold(pattern, prefix string) bool {
	return coversAll(strings.ToLower(pattern), strings.ToLower(prefix))
}

func coversAll(pattern, prefix string) bool {
	// The pattern must end in "*" to match arbitrarily long strings; the part
	// before it must then match some prefix of prefix, after which the star
	// absorbs every continuation.
	if !strings.HasSuffix(pattern, "*") {
		return false
	}
	head := pattern[:len(pattern)-1]
	for k := 0; k <= len(prefix); k++ {
		if match(head, prefix[:k]) {
			return true
		}
	}
	return false
}

// SortedKeys returns m's keys in order, for deterministic iteration. It is
// sorted.Keys.
func SortedKeys[V any](m map[string]V) []string {
	return sorted.Keys(m)
}
