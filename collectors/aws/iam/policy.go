package iam

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// PolicyDocument is a normalised IAM policy document. It keeps the AWS key
// names so checks read like the policy language.
type PolicyDocument struct {
	// Version is the policy language version, e.g. "2012-10-17"; empty when
	// the document has none.
	Version string `json:"Version"`
	// ID is the optional policy id.
	ID string `json:"Id,omitempty"`
	// Statement holds the statements; always a list, even when the document
	// has a single statement object.
	Statement []Statement `json:"Statement"`
}

// Statement is one normalised policy statement. Every key is always present:
// lists are empty and objects are {} when the document omits them.
type Statement struct {
	// Sid is the statement id, or "".
	Sid string `json:"Sid"`
	// Effect is "Allow" or "Deny", as written.
	Effect string `json:"Effect"`
	// Principal maps principal types (AWS, Service, Federated,
	// CanonicalUser) to lists of principals; "*" is {"AWS": ["*"]}.
	Principal map[string][]string `json:"Principal"`
	// NotPrincipal is Principal's negation, normalised the same way.
	NotPrincipal map[string][]string `json:"NotPrincipal"`
	// Action lists the actions.
	Action []string `json:"Action"`
	// NotAction lists the excluded actions.
	NotAction []string `json:"NotAction"`
	// Resource lists the resources.
	Resource []string `json:"Resource"`
	// NotResource lists the excluded resources.
	NotResource []string `json:"NotResource"`
	// Condition maps condition operators to condition keys to lists of
	// values; booleans and numbers become their JSON text ("true", "3600").
	Condition map[string]map[string][]string `json:"Condition"`
}

// maxPolicySize bounds a policy document we parse. IAM's own limits are far
// smaller (10,240 characters for inline policies); the bound stops a hostile
// or corrupted endpoint from making the collector parse megabytes per policy.
const maxPolicySize = 256 << 10

// Errors of NormalizePolicy.
var (
	// ErrPolicyDocument means a policy document could not be decoded or does
	// not follow the IAM policy grammar.
	ErrPolicyDocument = errors.New("malformed policy document")
)

// NormalizePolicy decodes a policy document as IAM APIs return it (URL-encoded
// JSON, or plain JSON) and normalises it: Statement always a list;
// Action, NotAction, Resource and NotResource always lists; Principal and
// NotPrincipal objects of lists ("*" becomes {"AWS": ["*"]}); Condition values
// lists of strings. The order of values is kept.
func NormalizePolicy(raw string) (*PolicyDocument, error) {
	if len(raw) > maxPolicySize {
		return nil, fmt.Errorf("%w: %d bytes exceeds %d", ErrPolicyDocument, len(raw), maxPolicySize)
	}
	text := strings.TrimSpace(strings.TrimPrefix(raw, "\ufeff"))
	if !strings.HasPrefix(text, "{") {
		dec, err := url.PathUnescape(text)
		if err != nil {
			return nil, fmt.Errorf("%w: URL-decode: %v", ErrPolicyDocument, err)
		}
		text = strings.TrimSpace(strings.TrimPrefix(dec, "\ufeff"))
	}
	d := json.NewDecoder(strings.NewReader(text))
	d.UseNumber()
	var top map[string]any
	if err := d.Decode(&top); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrPolicyDocument, err)
	}
	if top == nil {
		return nil, fmt.Errorf("%w: not a JSON object", ErrPolicyDocument)
	}
	if _, err := d.Token(); err == nil {
		return nil, fmt.Errorf("%w: trailing data after the document", ErrPolicyDocument)
	}
	doc := &PolicyDocument{Statement: []Statement{}}
	var err error
	if doc.Version, err = optString(top, "Version"); err != nil {
		return nil, err
	}
	if doc.ID, err = optString(top, "Id"); err != nil {
		return nil, err
	}
	st, ok := top["Statement"]
	if !ok {
		return nil, fmt.Errorf("%w: no Statement", ErrPolicyDocument)
	}
	var list []any
	switch v := st.(type) {
	case map[string]any:
		list = []any{v}
	case []any:
		list = v
	default:
		return nil, fmt.Errorf("%w: Statement is neither an object nor a list", ErrPolicyDocument)
	}
	for i, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%w: Statement[%d] is not an object", ErrPolicyDocument, i)
		}
		s, err := normalizeStatement(m)
		if err != nil {
			return nil, fmt.Errorf("Statement[%d]: %w", i, err)
		}
		doc.Statement = append(doc.Statement, s)
	}
	return doc, nil
}

func normalizeStatement(m map[string]any) (Statement, error) {
	s := Statement{}
	var err error
	if s.Sid, err = optString(m, "Sid"); err != nil {
		return s, err
	}
	if s.Effect, err = optString(m, "Effect"); err != nil {
		return s, err
	}
	if s.Effect == "" {
		return s, fmt.Errorf("%w: no Effect", ErrPolicyDocument)
	}
	if s.Principal, err = principal(m, "Principal"); err != nil {
		return s, err
	}
	if s.NotPrincipal, err = principal(m, "NotPrincipal"); err != nil {
		return s, err
	}
	for _, f := range []struct {
		key string
		dst *[]string
	}{{"Action", &s.Action}, {"NotAction", &s.NotAction}, {"Resource", &s.Resource}, {"NotResource", &s.NotResource}} {
		if *f.dst, err = stringList(m[f.key], f.key, false); err != nil {
			return s, err
		}
	}
	if s.Condition, err = condition(m["Condition"]); err != nil {
		return s, err
	}
	return s, nil
}

func optString(m map[string]any, key string) (string, error) {
	v, ok := m[key]
	if !ok {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%w: %s is not a string", ErrPolicyDocument, key)
	}
	return s, nil
}

// stringList turns a string or a list of strings into a list. With scalars
// set, booleans and numbers are accepted and kept as their JSON text (for
// condition values).
func stringList(v any, what string, scalars bool) ([]string, error) {
	out := []string{}
	one := func(x any) error {
		switch t := x.(type) {
		case string:
			out = append(out, t)
		case bool:
			if !scalars {
				return fmt.Errorf("%w: %s holds a boolean", ErrPolicyDocument, what)
			}
			out = append(out, fmt.Sprint(t))
		case json.Number:
			if !scalars {
				return fmt.Errorf("%w: %s holds a number", ErrPolicyDocument, what)
			}
			out = append(out, t.String())
		default:
			return fmt.Errorf("%w: %s holds a value that is not a string", ErrPolicyDocument, what)
		}
		return nil
	}
	switch t := v.(type) {
	case nil:
		return out, nil
	case []any:
		for _, x := range t {
			if err := one(x); err != nil {
				return nil, err
			}
		}
	default:
		if err := one(t); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func principal(m map[string]any, key string) (map[string][]string, error) {
	out := map[string][]string{}
	v, ok := m[key]
	if !ok {
		return out, nil
	}
	switch t := v.(type) {
	case string:
		if t != "*" {
			return nil, fmt.Errorf("%w: %s is a string other than \"*\"", ErrPolicyDocument, key)
		}
		out["AWS"] = []string{"*"}
	case map[string]any:
		for typ, val := range t {
			list, err := stringList(val, key+"."+typ, false)
			if err != nil {
				return nil, err
			}
			out[typ] = list
		}
	default:
		return nil, fmt.Errorf("%w: %s is neither \"*\" nor an object", ErrPolicyDocument, key)
	}
	return out, nil
}

func condition(v any) (map[string]map[string][]string, error) {
	out := map[string]map[string][]string{}
	if v == nil {
		return out, nil
	}
	ops, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: Condition is not an object", ErrPolicyDocument)
	}
	for op, keys := range ops {
		km, ok := keys.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%w: Condition.%s is not an object", ErrPolicyDocument, op)
		}
		inner := map[string][]string{}
		for k, val := range km {
			list, err := stringList(val, "Condition."+op+"."+k, true)
			if err != nil {
				return nil, err
			}
			inner[k] = list
		}
		out[op] = inner
	}
	return out, nil
}
