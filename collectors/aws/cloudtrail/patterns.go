package cloudtrail

import (
	"sort"
	"strings"
)

// The event classes a metric filter can be recognised as detecting; the
// names are the JSON field names of Monitors.
const (
	classConsoleSigninFailures   = "console_signin_failures"
	classRootUsage               = "root_usage"
	classUnauthorizedAPICalls    = "unauthorized_api_calls"
	classConsoleSigninWithoutMFA = "console_signin_without_mfa"
	classIAMPolicyChanges        = "iam_policy_changes"
	classCloudTrailChanges       = "cloudtrail_changes"
	classKMSKeyDisableOrDeletion = "kms_key_disable_or_deletion"
)

// classRule recognises one class: every term of All must occur, and at least
// one term of each set in AnyOf. Terms are written in normalised form (see
// normalisePattern) and match only whole values: "$.eventname=createpolicy"
// does not match "$.eventname=createpolicyversion".
type classRule struct {
	class string
	all   []string
	anyOf [][]string
}

// classRules are the metric filters of the CIS AWS Foundations Benchmark's
// monitoring section, as AWS Security Hub's CloudWatch.1–CloudWatch.14
// controls document them, reduced to the terms that identify each. A pattern
// written differently (e.g. with other event names) is not recognised, which
// reports the class as unmonitored rather than monitored: the safe side.
var classRules = []classRule{
	{class: classConsoleSigninFailures,
		all:   []string{"$.eventname=consolelogin"},
		anyOf: [][]string{{"$.errormessage=failedauthentication", "$.responseelements.consolelogin=failure"}}},
	{class: classRootUsage,
		all: []string{"$.useridentity.type=root"}},
	{class: classUnauthorizedAPICalls,
		anyOf: [][]string{{"$.errorcode=*unauthorizedoperation", "$.errorcode=unauthorizedoperation"}, {"$.errorcode=accessdenied*", "$.errorcode=accessdenied"}}},
	{class: classConsoleSigninWithoutMFA,
		anyOf: [][]string{{"$.additionaleventdata.mfaused!=yes", "$.useridentity.sessioncontext.attributes.mfaauthenticated!=true"}}},
	{class: classIAMPolicyChanges,
		all: []string{
			"$.eventname=deletegrouppolicy", "$.eventname=deleterolepolicy", "$.eventname=deleteuserpolicy",
			"$.eventname=putgrouppolicy", "$.eventname=putrolepolicy", "$.eventname=putuserpolicy",
			"$.eventname=createpolicy", "$.eventname=deletepolicy", "$.eventname=createpolicyversion",
			"$.eventname=deletepolicyversion", "$.eventname=attachrolepolicy", "$.eventname=detachrolepolicy",
			"$.eventname=attachuserpolicy", "$.eventname=detachuserpolicy", "$.eventname=attachgrouppolicy",
			"$.eventname=detachgrouppolicy",
		}},
	{class: classCloudTrailChanges,
		all: []string{
			"$.eventname=createtrail", "$.eventname=updatetrail", "$.eventname=deletetrail",
			"$.eventname=startlogging", "$.eventname=stoplogging",
		}},
	{class: classKMSKeyDisableOrDeletion,
		all: []string{"$.eventsource=kms.amazonaws.com", "$.eventname=disablekey", "$.eventname=schedulekeydeletion"}},
}

// normalisePattern lower-cases a filter pattern and removes white space and
// double quotes, so `{ ($.eventName = "ConsoleLogin") }` becomes
// `{($.eventname=consolelogin)}`.
func normalisePattern(p string) string {
	var b strings.Builder
	b.Grow(len(p))
	for _, r := range strings.ToLower(p) {
		switch r {
		case ' ', '\t', '\n', '\r', '"':
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// hasTerm reports whether term occurs in s as a whole value: not followed by
// a letter, digit, '.', '_' or '-'.
func hasTerm(s, term string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], term)
		if j < 0 {
			return false
		}
		end := i + j + len(term)
		if end == len(s) || !valueByte(s[end]) {
			return true
		}
		i += j + 1
	}
}

func valueByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
}

// Classify returns the event classes a metric filter pattern detects, sorted.
func Classify(pattern string) []string {
	s := normalisePattern(pattern)
	out := []string{}
	for _, r := range classRules {
		ok := true
		for _, t := range r.all {
			if !hasTerm(s, t) {
				ok = false
				break
			}
		}
		for _, set := range r.anyOf {
			if !ok {
				break
			}
			found := false
			for _, t := range set {
				if hasTerm(s, t) {
					found = true
					break
				}
			}
			ok = found
		}
		if ok {
			out = append(out, r.class)
		}
	}
	sort.Strings(out)
	return out
}
