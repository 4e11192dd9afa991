package iam

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	iamapi "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// credentials fills each user's login profile, MFA and access keys: from the
// credential report for the users it covers (no call per user), with
// per-user calls for the rest. MFA device serials come from the virtual MFA
// device list; ListMFADevices is called only for users whose MFA is active
// without a virtual device assigned (hardware, FIDO, or the virtual list is
// unavailable).
func (r *run) credentials(ctx context.Context, users []User, rep *CredentialReport, vmfa *VirtualMFADevices, rec *recorder) {
	rows := map[string]*CredentialReportRow{}
	if rep != nil {
		for i := range rep.Users {
			rows[rep.Users[i].ARN] = &rep.Users[i]
		}
	}
	var virt map[string][]MFADevice
	virtSerials := map[string]bool{}
	if vmfa != nil {
		virt = map[string][]MFADevice{}
		for _, d := range vmfa.Devices {
			virtSerials[d.SerialNumber] = true
			if d.Assigned && !d.IsRoot && d.UserName != nil {
				virt[*d.UserName] = append(virt[*d.UserName], MFADevice{SerialNumber: d.SerialNumber, Type: MFAVirtual, EnableDate: d.EnableDate})
			}
		}
	}
	usedReport, usedVirtual := false, false
	var needAPI, needMFA []int
	for i := range users {
		u := &users[i]
		row := rows[u.ARN]
		if !reportCovers(row, u) {
			needAPI = append(needAPI, i)
			continue
		}
		usedReport = true
		u.CredentialSource = SourceCredentialReport
		u.LoginProfile = &LoginProfile{Present: *row.PasswordEnabled, PasswordLastChanged: row.PasswordLastChanged}
		u.MFAActive = row.MFAActive
		u.AccessKeys = r.keysFromReport(row)
		if u.PasswordLastUsed == nil {
			u.PasswordLastUsed = row.PasswordLastUsed
		}
		switch {
		case !*row.MFAActive:
			// ListMFADevices lists enabled devices only: there are none.
			u.MFADevices = []MFADevice{}
		case len(virt[u.UserName]) == 0:
			// Hardware or FIDO, or the virtual list is unavailable.
			needMFA = append(needMFA, i)
		default:
			usedVirtual = true
			u.MFADevices = append([]MFADevice{}, virt[u.UserName]...)
		}
	}
	if usedReport {
		rec.record("iam:GetCredentialReport", nil)
	}
	if usedVirtual {
		rec.record("iam:ListVirtualMFADevices", nil)
	}
	r.forEach(len(needMFA), func(k int) {
		u := &users[needMFA[k]]
		u.MFADevices, _ = r.mfaDevices(ctx, u.UserName, virtSerials, rec)
	})
	r.forEach(len(needAPI), func(k int) {
		r.credentialsFromAPI(ctx, &users[needAPI[k]], virtSerials, rec)
	})
}

// reportCovers reports whether row can stand for u's credentials: it exists,
// names the same user (not an earlier user of the same name) and has the
// columns the users evidence needs.
func reportCovers(row *CredentialReportRow, u *User) bool {
	if row == nil || row.PasswordEnabled == nil || row.MFAActive == nil || row.AccessKey1Active == nil || row.AccessKey2Active == nil {
		return false
	}
	if row.UserCreationTime != nil && u.CreateDate != nil && !row.UserCreationTime.Equal(*u.CreateDate) {
		return false
	}
	return true
}

// keysFromReport lists the access keys the report's two key slots describe.
// A slot holds a key when it is active or has a rotation date.
func (r *run) keysFromReport(row *CredentialReportRow) []AccessKey {
	keys := []AccessKey{}
	slots := []struct {
		active          *bool
		rotated, used   *time.Time
		region, service *string
	}{
		{row.AccessKey1Active, row.AccessKey1LastRotated, row.AccessKey1LastUsedDate, row.AccessKey1LastUsedRegion, row.AccessKey1LastUsedService},
		{row.AccessKey2Active, row.AccessKey2LastRotated, row.AccessKey2LastUsedDate, row.AccessKey2LastUsedRegion, row.AccessKey2LastUsedService},
	}
	for i, s := range slots {
		active := s.active != nil && *s.active
		if !active && s.rotated == nil {
			continue
		}
		slot := i + 1
		status := string(types.StatusTypeInactive)
		if active {
			status = string(types.StatusTypeActive)
		}
		keys = append(keys, AccessKey{
			Slot:            &slot,
			Status:          status,
			CreateDate:      s.rotated,
			AgeDays:         r.ageDays(s.rotated),
			LastUsedDate:    s.used,
			LastUsedService: s.service,
			LastUsedRegion:  s.region,
		})
	}
	return keys
}

// credentialsFromAPI reads one user's login profile, MFA devices and access
// keys with per-user calls. What a failed call would have told stays null.
func (r *run) credentialsFromAPI(ctx context.Context, u *User, virtSerials map[string]bool, rec *recorder) {
	u.CredentialSource = SourceAPI
	name := aws.String(u.UserName)

	lp, err := r.client.GetLoginProfile(ctx, &iamapi.GetLoginProfileInput{UserName: name})
	switch {
	case isNoSuchEntity(err):
		rec.record("iam:GetLoginProfile", nil)
		u.LoginProfile = &LoginProfile{Present: false}
	case err != nil:
		rec.record("iam:GetLoginProfile", err)
	default:
		rec.record("iam:GetLoginProfile", nil)
		p := &LoginProfile{Present: true}
		if lp.LoginProfile != nil {
			p.CreateDate = utcPtr(lp.LoginProfile.CreateDate)
			reset := lp.LoginProfile.PasswordResetRequired
			p.PasswordResetRequired = &reset
		}
		u.LoginProfile = p
	}

	if devices, ok := r.mfaDevices(ctx, u.UserName, virtSerials, rec); ok {
		u.MFADevices = devices
		active := len(devices) > 0
		u.MFAActive = &active
	}

	pages, err := drain[*iamapi.ListAccessKeysOutput](ctx, iamapi.NewListAccessKeysPaginator(r.client,
		&iamapi.ListAccessKeysInput{UserName: name, MaxItems: aws.Int32(r.c.pageSize)}), rec, "iam:ListAccessKeys")
	if err != nil {
		return
	}
	keys := []AccessKey{}
	for _, p := range pages {
		for _, m := range p.AccessKeyMetadata {
			k := AccessKey{
				AccessKeyID: m.AccessKeyId,
				Status:      string(m.Status),
				CreateDate:  utcPtr(m.CreateDate),
			}
			k.AgeDays = r.ageDays(k.CreateDate)
			used, err := r.client.GetAccessKeyLastUsed(ctx, &iamapi.GetAccessKeyLastUsedInput{AccessKeyId: m.AccessKeyId})
			rec.record("iam:GetAccessKeyLastUsed", err)
			if err == nil && used.AccessKeyLastUsed != nil {
				k.LastUsedDate = utcPtr(used.AccessKeyLastUsed.LastUsedDate)
				k.LastUsedService = notNA(used.AccessKeyLastUsed.ServiceName)
				k.LastUsedRegion = notNA(used.AccessKeyLastUsed.Region)
			}
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool { return aws.ToString(keys[i].AccessKeyID) < aws.ToString(keys[j].AccessKeyID) })
	u.AccessKeys = keys
}

// mfaDevices lists a user's MFA devices; ok is false when the list could not
// be read.
func (r *run) mfaDevices(ctx context.Context, user string, virtSerials map[string]bool, rec *recorder) ([]MFADevice, bool) {
	pages, err := drain[*iamapi.ListMFADevicesOutput](ctx, iamapi.NewListMFADevicesPaginator(r.client,
		&iamapi.ListMFADevicesInput{UserName: aws.String(user), MaxItems: aws.Int32(r.c.pageSize)}), rec, "iam:ListMFADevices")
	if err != nil {
		return nil, false
	}
	devices := []MFADevice{}
	for _, p := range pages {
		for _, d := range p.MFADevices {
			serial := aws.ToString(d.SerialNumber)
			devices = append(devices, MFADevice{SerialNumber: serial, Type: mfaType(serial, virtSerials), EnableDate: utcPtr(d.EnableDate)})
		}
	}
	sort.Slice(devices, func(i, j int) bool { return devices[i].SerialNumber < devices[j].SerialNumber })
	return devices, true
}

// mfaType classifies an MFA serial: virtual devices and FIDO security keys
// have ARNs (arn:aws:iam::ID:mfa/NAME, arn:aws:iam::ID:u2f/...); hardware
// TOTP tokens have plain serial numbers.
func mfaType(serial string, virtSerials map[string]bool) string {
	switch {
	case virtSerials[serial], strings.Contains(serial, ":mfa/"):
		return MFAVirtual
	case strings.Contains(serial, ":u2f/"):
		return MFAFIDO
	}
	return MFAHardware
}

// ageDays is the whole number of days from t to the collection time, never
// negative; nil when t is unknown.
func (r *run) ageDays(t *time.Time) *int {
	if t == nil {
		return nil
	}
	d := int(r.now.Sub(*t) / (24 * time.Hour))
	if d < 0 {
		d = 0
	}
	return &d
}

// notNA returns nil for IAM's "N/A" placeholder.
func notNA(s *string) *string {
	if s == nil || *s == "" || *s == "N/A" {
		return nil
	}
	return s
}
