package iam

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// RootUser is the user name of the root user's row in the credential report.
const RootUser = "<root_account>"

// maxReportSize bounds the credential report we parse. A report row is about
// 400 bytes and an account holds at most 5,000 users, so real reports stay
// under 4 MiB; the bound stops a corrupted or hostile endpoint from making the
// collector hold gigabytes.
const maxReportSize = 64 << 20

// maxReportProblems bounds how many malformed fields are reported one by one.
const maxReportProblems = 20

// Errors of ParseCredentialReport.
var (
	// ErrCredentialReport means the credential report is not a CSV report with
	// at least the user and arn columns.
	ErrCredentialReport = errors.New("malformed credential report")
)

type columnKind int

const (
	colString columnKind = iota
	colBool
	colTime
)

type column struct {
	kind columnKind
	str  func(*CredentialReportRow) **string
	b    func(*CredentialReportRow) **bool
	t    func(*CredentialReportRow) **time.Time
}

func strCol(f func(*CredentialReportRow) **string) column {
	return column{kind: colString, str: f}
}
func boolCol(f func(*CredentialReportRow) **bool) column { return column{kind: colBool, b: f} }
func timeCol(f func(*CredentialReportRow) **time.Time) column {
	return column{kind: colTime, t: f}
}

// columns maps the report's column names (IAM User Guide, "Getting credential
// reports for your AWS account") to the row fields. user and arn are handled
// separately: they are required.
var columns = map[string]column{
	"user_creation_time":             timeCol(func(r *CredentialReportRow) **time.Time { return &r.UserCreationTime }),
	"password_enabled":               boolCol(func(r *CredentialReportRow) **bool { return &r.PasswordEnabled }),
	"password_last_used":             timeCol(func(r *CredentialReportRow) **time.Time { return &r.PasswordLastUsed }),
	"password_last_changed":          timeCol(func(r *CredentialReportRow) **time.Time { return &r.PasswordLastChanged }),
	"password_next_rotation":         timeCol(func(r *CredentialReportRow) **time.Time { return &r.PasswordNextRotation }),
	"mfa_active":                     boolCol(func(r *CredentialReportRow) **bool { return &r.MFAActive }),
	"access_key_1_active":            boolCol(func(r *CredentialReportRow) **bool { return &r.AccessKey1Active }),
	"access_key_1_last_rotated":      timeCol(func(r *CredentialReportRow) **time.Time { return &r.AccessKey1LastRotated }),
	"access_key_1_last_used_date":    timeCol(func(r *CredentialReportRow) **time.Time { return &r.AccessKey1LastUsedDate }),
	"access_key_1_last_used_region":  strCol(func(r *CredentialReportRow) **string { return &r.AccessKey1LastUsedRegion }),
	"access_key_1_last_used_service": strCol(func(r *CredentialReportRow) **string { return &r.AccessKey1LastUsedService }),
	"access_key_2_active":            boolCol(func(r *CredentialReportRow) **bool { return &r.AccessKey2Active }),
	"access_key_2_last_rotated":      timeCol(func(r *CredentialReportRow) **time.Time { return &r.AccessKey2LastRotated }),
	"access_key_2_last_used_date":    timeCol(func(r *CredentialReportRow) **time.Time { return &r.AccessKey2LastUsedDate }),
	"access_key_2_last_used_region":  strCol(func(r *CredentialReportRow) **string { return &r.AccessKey2LastUsedRegion }),
	"access_key_2_last_used_service": strCol(func(r *CredentialReportRow) **string { return &r.AccessKey2LastUsedService }),
	"cert_1_active":                  boolCol(func(r *CredentialReportRow) **bool { return &r.Cert1Active }),
	"cert_1_last_rotated":            timeCol(func(r *CredentialReportRow) **time.Time { return &r.Cert1LastRotated }),
	"cert_2_active":                  boolCol(func(r *CredentialReportRow) **bool { return &r.Cert2Active }),
	"cert_2_last_rotated":            timeCol(func(r *CredentialReportRow) **time.Time { return &r.Cert2LastRotated }),
}

// isNull reports whether v is one of the report's markers for "no value".
func isNull(v string) bool {
	switch v {
	case "", "N/A", "no_information", "not_supported":
		return true
	}
	return false
}

// ParseBool parses a credential report boolean ("TRUE"/"FALSE", any case).
// Null markers give nil.
func ParseBool(v string) (*bool, error) {
	v = strings.TrimSpace(v)
	if isNull(v) {
		return nil, nil
	}
	switch strings.ToLower(v) {
	case "true":
		b := true
		return &b, nil
	case "false":
		b := false
		return &b, nil
	}
	return nil, fmt.Errorf("%q is not a boolean", v)
}

// ParseTime parses a credential report time (ISO 8601 with an offset, e.g.
// "2026-10-08T17:07:36+00:00") into UTC, to the second. Null markers give nil.
func ParseTime(v string) (*time.Time, error) {
	v = strings.TrimSpace(v)
	if isNull(v) {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return nil, fmt.Errorf("%q is not an ISO 8601 time", v)
	}
	// Evidence is JSON, whose times are years 0 to 9999 in UTC.
	if y := t.UTC().Year(); y < 0 || y > 9999 {
		return nil, fmt.Errorf("%q is outside the years 0 to 9999 in UTC", v)
	}
	return utc(t), nil
}

// ParseCredentialReport parses the CSV content of GetCredentialReport. The
// columns are found by name, so a reordered or extended report still parses;
// a column the report lacks is null in every row. The returned problems list
// fields that could not be parsed (they are null in the result); the error is
// set only when the content is not a credential report at all. GeneratedAt
// and AsOf are left for the caller.
func ParseCredentialReport(content []byte) (*CredentialReport, []string, error) {
	if len(content) > maxReportSize {
		return nil, nil, fmt.Errorf("%w: %d bytes exceeds the %d byte limit", ErrCredentialReport, len(content), maxReportSize)
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(content, []byte("\ufeff"))))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, nil, fmt.Errorf("%w: read header: %v", ErrCredentialReport, err)
	}
	rep := &CredentialReport{Columns: append([]string{}, header...), Users: []CredentialReportRow{}}
	userCol, arnCol := -1, -1
	byIndex := make([]*column, len(header))
	for i, name := range header {
		name = strings.TrimSpace(name)
		switch name {
		case "user":
			if userCol < 0 {
				userCol = i
			}
		case "arn":
			if arnCol < 0 {
				arnCol = i
			}
		default:
			if c, ok := columns[name]; ok {
				byIndex[i] = &c
			}
		}
	}
	if userCol < 0 || arnCol < 0 {
		return nil, nil, fmt.Errorf("%w: the header lacks the user or arn column", ErrCredentialReport)
	}

	var problems []string
	extra := 0
	problem := func(format string, args ...any) {
		if len(problems) < maxReportProblems {
			problems = append(problems, fmt.Sprintf(format, args...))
			return
		}
		extra++
	}
	for line := 2; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %v", ErrCredentialReport, err)
		}
		if len(rec) != len(header) {
			problem("line %d has %d fields, the header %d", line, len(rec), len(header))
		}
		if userCol >= len(rec) || arnCol >= len(rec) || rec[userCol] == "" {
			problem("line %d has no user name; row skipped", line)
			continue
		}
		row := CredentialReportRow{User: rec[userCol], ARN: rec[arnCol]}
		for i, v := range rec {
			if i >= len(byIndex) || byIndex[i] == nil {
				continue
			}
			c := byIndex[i]
			var perr error
			switch c.kind {
			case colString:
				if s := strings.TrimSpace(v); !isNull(s) {
					*c.str(&row) = &s
				}
			case colBool:
				*c.b(&row), perr = ParseBool(v)
			case colTime:
				*c.t(&row), perr = ParseTime(v)
			}
			if perr != nil {
				problem("line %d, column %s: %v", line, header[i], perr)
			}
		}
		if row.User == RootUser {
			if rep.Root != nil {
				problem("line %d repeats the %s row; row skipped", line, RootUser)
				continue
			}
			root := row
			rep.Root = &root
			continue
		}
		rep.Users = append(rep.Users, row)
	}
	if extra > 0 {
		problems = append(problems, fmt.Sprintf("and %d more malformed fields", extra))
	}
	sort.SliceStable(rep.Users, func(i, j int) bool { return rep.Users[i].User < rep.Users[j].User })
	return rep, problems, nil
}

// utc returns t in UTC, truncated to the second, as a pointer.
func utc(t time.Time) *time.Time {
	u := t.UTC().Truncate(time.Second)
	return &u
}
