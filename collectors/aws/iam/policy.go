package iam

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/aws/iampolicy"
)

// PolicyDocument is a normalised IAM policy document. It keeps the AWS key
// names so checks read like the policy language. It is iampolicy.Document
// except that Id is left out when the document has none.
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

// Statement is one normalised policy statement (iampolicy.Statement). Every
// key is always present: lists are empty and objects are {} when the
// document omits them.
type Statement = iampolicy.Statement

// maxPolicySize bounds a policy document we parse. IAM's own limits are far
// smaller (10,240 characters for inline policies); the bound stops a hostile
// or corrupted endpoint from making the collector parse megabytes per policy.
const maxPolicySize = 256 << 10

// Errors of NormalizePolicy.
var (
	// ErrPolicyDocument means a policy document could not be decoded or does
	// not follow the IAM policy grammar. It is iampolicy.ErrMalformed.
	ErrPolicyDocument = iampolicy.ErrMalformed
)

// policyGrammar is the grammar NormalizePolicy reads: elements outside the
// grammar are ignored, Effect must be a non-empty string, null stands for an
// empty list, and the statement count is bounded by maxPolicySize only.
var policyGrammar = iampolicy.Options{
	Verbatim:      true,
	IgnoreUnknown: true,
	AcceptEffect:  func(effect string) bool { return effect != "" },
	Nulls:         iampolicy.NullsAsEmptyLists,
	MaxStatements: -1,
}

// NormalizePolicy decodes a policy document as IAM APIs return it (URL-encoded
// JSON, or plain JSON) and normalises it with iampolicy: Statement always a
// list; Action, NotAction, Resource and NotResource always lists; Principal
// and NotPrincipal objects of lists ("*" becomes {"AWS": ["*"]}); Condition
// values lists of strings. The order of values is kept.
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
	// The document is the first JSON value of text. A JSON token after it is
	// trailing data; bytes that start no token are left unread.
	d := json.NewDecoder(strings.NewReader(text))
	var value json.RawMessage
	if err := d.Decode(&value); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrPolicyDocument, err)
	}
	if _, err := d.Token(); err == nil {
		return nil, fmt.Errorf("%w: trailing data after the document", ErrPolicyDocument)
	}
	doc, err := iampolicy.ParseWith(value, policyGrammar)
	if err != nil {
		return nil, err
	}
	return &PolicyDocument{Version: doc.Version, ID: doc.ID, Statement: doc.Statement}, nil
}
