package iam

import (
	"context"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	iamapi "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/hipaa-evidence/hipaa-evidence/collectors"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
)

const actionAuthDetails = "iam:GetAccountAuthorizationDetails"

// authResult is the outcome of reading GetAccountAuthorizationDetails.
type authResult struct {
	users    []types.UserDetail
	groups   []types.GroupDetail
	roles    []types.RoleDetail
	policies []types.ManagedPolicyDetail
	// err is the failure that ended pagination; nil when every page was read.
	err error
}

// authorization reads every page of GetAccountAuthorizationDetails for users,
// groups, roles and customer-managed policies (AWS-managed policies are left
// out: they are referenced by ARN).
func (r *run) authorization(ctx context.Context) *authResult {
	a := &authResult{}
	p := iamapi.NewGetAccountAuthorizationDetailsPaginator(r.client, &iamapi.GetAccountAuthorizationDetailsInput{
		Filter: []types.EntityType{
			types.EntityTypeUser, types.EntityTypeGroup, types.EntityTypeRole, types.EntityTypeLocalManagedPolicy,
		},
		MaxItems: aws.Int32(r.c.pageSize),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			a.err = err
			return a
		}
		a.users = append(a.users, page.UserDetailList...)
		a.groups = append(a.groups, page.GroupDetailList...)
		a.roles = append(a.roles, page.RoleDetailList...)
		a.policies = append(a.policies, page.Policies...)
	}
	return a
}

// entities builds the users, groups, roles and policies snapshots, from the
// bulk call when it succeeded and from per-resource calls otherwise, and adds
// each user's credentials.
func (r *run) entities(ctx context.Context, auth *authResult, rep *CredentialReport, vmfa *VirtualMFADevices) ([]*evidence.Snapshot, error) {
	recU, recG, recR, recP := newRecorder(KindUsers), newRecorder(KindGroups), newRecorder(KindRoles), newRecorder(KindPolicies)
	all := recorders{recU, recG, recR, recP}
	var (
		users    []User
		groups   []Group
		roles    []Role
		policies []ManagedPolicy
		source   = SourceAuthorizationDetails
		reason   *string
	)
	if auth.err == nil {
		all.record(actionAuthDetails, nil)
		users = r.usersFromAuth(auth, recU)
		groups = r.groupsFromAuth(auth, recG)
		roles = r.rolesFromAuth(auth, recR)
		policies = r.policiesFromAuth(auth, recP)
	} else {
		// Denied or unsupported, the bulk call has a designed fallback that
		// yields the same evidence: note it, it is not a gap. Any other
		// failure is recorded, and the fallback still runs.
		if collectors.IsAccessDenied(auth.err) || collectors.IsUnsupported(auth.err) {
			all.record(actionAuthDetails, nil)
		} else {
			all.record(actionAuthDetails, auth.err)
		}
		ce := collectors.CallError(actionAuthDetails, auth.err)
		why := actionAuthDetails + ": " + ce.Code
		source, reason = SourcePerResource, &why
		var wg sync.WaitGroup
		wg.Add(4)
		go func() { defer wg.Done(); users = r.usersPerResource(ctx, recU) }()
		go func() { defer wg.Done(); groups = r.groupsPerResource(ctx, recG) }()
		go func() { defer wg.Done(); roles = r.rolesPerResource(ctx, recR) }()
		go func() { defer wg.Done(); policies = r.policiesPerResource(ctx, recP) }()
		wg.Wait()
	}
	if users != nil {
		r.credentials(ctx, users, rep, vmfa, recU)
	}
	out := make([]*evidence.Snapshot, 0, 4)
	for _, s := range []struct {
		rec     *recorder
		payload any
	}{
		{recU, Users{AsOf: r.now, Source: source, FallbackReason: reason, Users: nonNil(users)}},
		{recG, Groups{Source: source, FallbackReason: reason, Groups: nonNil(groups)}},
		{recR, Roles{Source: source, FallbackReason: reason, Roles: nonNil(roles)}},
		{recP, Policies{Source: source, FallbackReason: reason, Policies: nonNil(policies)}},
	} {
		snap, err := s.rec.snapshot(s.payload)
		if err != nil {
			return nil, err
		}
		out = append(out, snap)
	}
	return out, nil
}

func (r *run) usersFromAuth(a *authResult, rec *recorder) []User {
	users := make([]User, 0, len(a.users))
	for _, d := range a.users {
		name := aws.ToString(d.UserName)
		users = append(users, User{
			UserName:            name,
			UserID:              aws.ToString(d.UserId),
			ARN:                 aws.ToString(d.Arn),
			Path:                aws.ToString(d.Path),
			CreateDate:          utcPtr(d.CreateDate),
			Groups:              sortedStrings(d.GroupList),
			AttachedPolicies:    attached(d.AttachedManagedPolicies),
			InlinePolicies:      inlineDetails(d.UserPolicyList, rec, "user "+name),
			PermissionsBoundary: boundary(d.PermissionsBoundary),
			Tags:                tagMap(d.Tags),
		})
	}
	sort.Slice(users, func(i, j int) bool { return users[i].UserName < users[j].UserName })
	return users
}

func (r *run) groupsFromAuth(a *authResult, rec *recorder) []Group {
	members := map[string][]string{}
	for _, u := range a.users {
		for _, g := range u.GroupList {
			members[g] = append(members[g], aws.ToString(u.UserName))
		}
	}
	groups := make([]Group, 0, len(a.groups))
	for _, d := range a.groups {
		name := aws.ToString(d.GroupName)
		groups = append(groups, Group{
			GroupName:        name,
			GroupID:          aws.ToString(d.GroupId),
			ARN:              aws.ToString(d.Arn),
			Path:             aws.ToString(d.Path),
			CreateDate:       utcPtr(d.CreateDate),
			Members:          sortedStrings(members[name]),
			AttachedPolicies: attached(d.AttachedManagedPolicies),
			InlinePolicies:   inlineDetails(d.GroupPolicyList, rec, "group "+name),
		})
	}
	sort.Slice(groups, func(i, j int) bool { return groups[i].GroupName < groups[j].GroupName })
	return groups
}

func (r *run) rolesFromAuth(a *authResult, rec *recorder) []Role {
	roles := make([]Role, 0, len(a.roles))
	for _, d := range a.roles {
		name := aws.ToString(d.RoleName)
		role := Role{
			RoleName:            name,
			RoleID:              aws.ToString(d.RoleId),
			ARN:                 aws.ToString(d.Arn),
			Path:                aws.ToString(d.Path),
			CreateDate:          utcPtr(d.CreateDate),
			ServiceLinked:       serviceLinked(aws.ToString(d.Path)),
			TrustPolicy:         parsePolicy(rec, actionAuthDetails, "trust policy of role "+name, d.AssumeRolePolicyDocument),
			AttachedPolicies:    attached(d.AttachedManagedPolicies),
			InlinePolicies:      inlineDetails(d.RolePolicyList, rec, "role "+name),
			PermissionsBoundary: boundary(d.PermissionsBoundary),
			LastUsed:            lastUsed(d.RoleLastUsed),
			InstanceProfiles:    []string{},
			Tags:                tagMap(d.Tags),
		}
		for _, ip := range d.InstanceProfileList {
			role.InstanceProfiles = append(role.InstanceProfiles, aws.ToString(ip.Arn))
		}
		sort.Strings(role.InstanceProfiles)
		roles = append(roles, role)
	}
	sort.Slice(roles, func(i, j int) bool { return roles[i].RoleName < roles[j].RoleName })
	return roles
}

func (r *run) policiesFromAuth(a *authResult, rec *recorder) []ManagedPolicy {
	policies := make([]ManagedPolicy, 0, len(a.policies))
	for _, d := range a.policies {
		p := ManagedPolicy{
			PolicyName:                    aws.ToString(d.PolicyName),
			PolicyID:                      aws.ToString(d.PolicyId),
			ARN:                           aws.ToString(d.Arn),
			Path:                          aws.ToString(d.Path),
			DefaultVersionID:              aws.ToString(d.DefaultVersionId),
			AttachmentCount:               d.AttachmentCount,
			PermissionsBoundaryUsageCount: d.PermissionsBoundaryUsageCount,
			IsAttachable:                  d.IsAttachable,
			CreateDate:                    utcPtr(d.CreateDate),
			UpdateDate:                    utcPtr(d.UpdateDate),
		}
		var def *types.PolicyVersion
		for i, v := range d.PolicyVersionList {
			if v.IsDefaultVersion || (def == nil && aws.ToString(v.VersionId) == p.DefaultVersionID && p.DefaultVersionID != "") {
				def = &d.PolicyVersionList[i]
			}
		}
		if def == nil {
			rec.invalid(actionAuthDetails, CodeMissingPolicyVersion, "policy "+p.ARN+": the default version "+p.DefaultVersionID+" was not returned")
		} else {
			p.Document = parsePolicy(rec, actionAuthDetails, "policy "+p.ARN+" version "+aws.ToString(def.VersionId), def.Document)
		}
		policies = append(policies, p)
	}
	sort.Slice(policies, func(i, j int) bool { return policies[i].ARN < policies[j].ARN })
	return policies
}

// pager is what every SDK paginator of output O offers.
type pager[O any] interface {
	HasMorePages() bool
	NextPage(context.Context, ...func(*iamapi.Options)) (O, error)
}

// drain reads every page of p, recording each call of action in rec.
func drain[O any](ctx context.Context, p pager[O], rec *recorder, action string) ([]O, error) {
	var pages []O
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		rec.record(action, err)
		if err != nil {
			return nil, err
		}
		pages = append(pages, page)
	}
	return pages, nil
}

// usersPerResource lists users and reads each user's groups and policies with
// per-user calls. It returns nil when the user list cannot be read.
func (r *run) usersPerResource(ctx context.Context, rec *recorder) []User {
	pages, err := drain[*iamapi.ListUsersOutput](ctx, iamapi.NewListUsersPaginator(r.client,
		&iamapi.ListUsersInput{MaxItems: aws.Int32(r.c.pageSize)}), rec, "iam:ListUsers")
	if err != nil {
		rec.b.Fatal()
		return nil
	}
	var list []types.User
	for _, p := range pages {
		list = append(list, p.Users...)
	}
	users := make([]User, len(list))
	r.forEach(len(list), func(i int) {
		u := list[i]
		name := aws.ToString(u.UserName)
		out := User{
			UserName:         name,
			UserID:           aws.ToString(u.UserId),
			ARN:              aws.ToString(u.Arn),
			Path:             aws.ToString(u.Path),
			CreateDate:       utcPtr(u.CreateDate),
			PasswordLastUsed: utcPtr(u.PasswordLastUsed),
		}
		got, err := r.client.GetUser(ctx, &iamapi.GetUserInput{UserName: aws.String(name)})
		rec.record("iam:GetUser", err)
		if err == nil && got.User != nil {
			out.Tags = tagMap(got.User.Tags)
			out.PermissionsBoundary = boundary(got.User.PermissionsBoundary)
			if out.PasswordLastUsed == nil {
				out.PasswordLastUsed = utcPtr(got.User.PasswordLastUsed)
			}
		}
		if gp, err := drain[*iamapi.ListGroupsForUserOutput](ctx, iamapi.NewListGroupsForUserPaginator(r.client,
			&iamapi.ListGroupsForUserInput{UserName: aws.String(name), MaxItems: aws.Int32(r.c.pageSize)}), rec, "iam:ListGroupsForUser"); err == nil {
			out.Groups = []string{}
			for _, p := range gp {
				for _, g := range p.Groups {
					out.Groups = append(out.Groups, aws.ToString(g.GroupName))
				}
			}
			sort.Strings(out.Groups)
		}
		if ap, err := drain[*iamapi.ListAttachedUserPoliciesOutput](ctx, iamapi.NewListAttachedUserPoliciesPaginator(r.client,
			&iamapi.ListAttachedUserPoliciesInput{UserName: aws.String(name), MaxItems: aws.Int32(r.c.pageSize)}), rec, "iam:ListAttachedUserPolicies"); err == nil {
			var list []types.AttachedPolicy
			for _, p := range ap {
				list = append(list, p.AttachedPolicies...)
			}
			out.AttachedPolicies = attached(list)
		}
		if np, err := drain[*iamapi.ListUserPoliciesOutput](ctx, iamapi.NewListUserPoliciesPaginator(r.client,
			&iamapi.ListUserPoliciesInput{UserName: aws.String(name), MaxItems: aws.Int32(r.c.pageSize)}), rec, "iam:ListUserPolicies"); err == nil {
			var names []string
			for _, p := range np {
				names = append(names, p.PolicyNames...)
			}
			out.InlinePolicies = r.inline(rec, "iam:GetUserPolicy", "user "+name, names, func(policy string) (*string, error) {
				got, err := r.client.GetUserPolicy(ctx, &iamapi.GetUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String(policy)})
				if err != nil {
					return nil, err
				}
				return got.PolicyDocument, nil
			})
		}
		users[i] = out
	})
	sort.Slice(users, func(i, j int) bool { return users[i].UserName < users[j].UserName })
	return users
}

// groupsPerResource lists groups and reads each group's members and
// policies. It returns nil when the group list cannot be read.
func (r *run) groupsPerResource(ctx context.Context, rec *recorder) []Group {
	pages, err := drain[*iamapi.ListGroupsOutput](ctx, iamapi.NewListGroupsPaginator(r.client,
		&iamapi.ListGroupsInput{MaxItems: aws.Int32(r.c.pageSize)}), rec, "iam:ListGroups")
	if err != nil {
		rec.b.Fatal()
		return nil
	}
	var list []types.Group
	for _, p := range pages {
		list = append(list, p.Groups...)
	}
	groups := make([]Group, len(list))
	r.forEach(len(list), func(i int) {
		g := list[i]
		name := aws.ToString(g.GroupName)
		out := Group{
			GroupName:  name,
			GroupID:    aws.ToString(g.GroupId),
			ARN:        aws.ToString(g.Arn),
			Path:       aws.ToString(g.Path),
			CreateDate: utcPtr(g.CreateDate),
		}
		if mp, err := drain[*iamapi.GetGroupOutput](ctx, iamapi.NewGetGroupPaginator(r.client,
			&iamapi.GetGroupInput{GroupName: aws.String(name), MaxItems: aws.Int32(r.c.pageSize)}), rec, "iam:GetGroup"); err == nil {
			out.Members = []string{}
			for _, p := range mp {
				for _, u := range p.Users {
					out.Members = append(out.Members, aws.ToString(u.UserName))
				}
			}
			sort.Strings(out.Members)
		}
		if ap, err := drain[*iamapi.ListAttachedGroupPoliciesOutput](ctx, iamapi.NewListAttachedGroupPoliciesPaginator(r.client,
			&iamapi.ListAttachedGroupPoliciesInput{GroupName: aws.String(name), MaxItems: aws.Int32(r.c.pageSize)}), rec, "iam:ListAttachedGroupPolicies"); err == nil {
			var list []types.AttachedPolicy
			for _, p := range ap {
				list = append(list, p.AttachedPolicies...)
			}
			out.AttachedPolicies = attached(list)
		}
		if np, err := drain[*iamapi.ListGroupPoliciesOutput](ctx, iamapi.NewListGroupPoliciesPaginator(r.client,
			&iamapi.ListGroupPoliciesInput{GroupName: aws.String(name), MaxItems: aws.Int32(r.c.pageSize)}), rec, "iam:ListGroupPolicies"); err == nil {
			var names []string
			for _, p := range np {
				names = append(names, p.PolicyNames...)
			}
			out.InlinePolicies = r.inline(rec, "iam:GetGroupPolicy", "group "+name, names, func(policy string) (*string, error) {
				got, err := r.client.GetGroupPolicy(ctx, &iamapi.GetGroupPolicyInput{GroupName: aws.String(name), PolicyName: aws.String(policy)})
				if err != nil {
					return nil, err
				}
				return got.PolicyDocument, nil
			})
		}
		groups[i] = out
	})
	sort.Slice(groups, func(i, j int) bool { return groups[i].GroupName < groups[j].GroupName })
	return groups
}

// rolesPerResource lists roles and reads each role's details and policies.
// It returns nil when the role list cannot be read.
func (r *run) rolesPerResource(ctx context.Context, rec *recorder) []Role {
	pages, err := drain[*iamapi.ListRolesOutput](ctx, iamapi.NewListRolesPaginator(r.client,
		&iamapi.ListRolesInput{MaxItems: aws.Int32(r.c.pageSize)}), rec, "iam:ListRoles")
	if err != nil {
		rec.b.Fatal()
		return nil
	}
	var list []types.Role
	for _, p := range pages {
		list = append(list, p.Roles...)
	}
	roles := make([]Role, len(list))
	r.forEach(len(list), func(i int) {
		ro := list[i]
		name := aws.ToString(ro.RoleName)
		out := Role{
			RoleName:      name,
			RoleID:        aws.ToString(ro.RoleId),
			ARN:           aws.ToString(ro.Arn),
			Path:          aws.ToString(ro.Path),
			CreateDate:    utcPtr(ro.CreateDate),
			ServiceLinked: serviceLinked(aws.ToString(ro.Path)),
			TrustPolicy:   parsePolicy(rec, "iam:ListRoles", "trust policy of role "+name, ro.AssumeRolePolicyDocument),
		}
		got, err := r.client.GetRole(ctx, &iamapi.GetRoleInput{RoleName: aws.String(name)})
		rec.record("iam:GetRole", err)
		if err == nil && got.Role != nil {
			out.LastUsed = lastUsed(got.Role.RoleLastUsed)
			out.Tags = tagMap(got.Role.Tags)
			out.PermissionsBoundary = boundary(got.Role.PermissionsBoundary)
		}
		if ap, err := drain[*iamapi.ListAttachedRolePoliciesOutput](ctx, iamapi.NewListAttachedRolePoliciesPaginator(r.client,
			&iamapi.ListAttachedRolePoliciesInput{RoleName: aws.String(name), MaxItems: aws.Int32(r.c.pageSize)}), rec, "iam:ListAttachedRolePolicies"); err == nil {
			var list []types.AttachedPolicy
			for _, p := range ap {
				list = append(list, p.AttachedPolicies...)
			}
			out.AttachedPolicies = attached(list)
		}
		if np, err := drain[*iamapi.ListRolePoliciesOutput](ctx, iamapi.NewListRolePoliciesPaginator(r.client,
			&iamapi.ListRolePoliciesInput{RoleName: aws.String(name), MaxItems: aws.Int32(r.c.pageSize)}), rec, "iam:ListRolePolicies"); err == nil {
			var names []string
			for _, p := range np {
				names = append(names, p.PolicyNames...)
			}
			out.InlinePolicies = r.inline(rec, "iam:GetRolePolicy", "role "+name, names, func(policy string) (*string, error) {
				got, err := r.client.GetRolePolicy(ctx, &iamapi.GetRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String(policy)})
				if err != nil {
					return nil, err
				}
				return got.PolicyDocument, nil
			})
		}
		if ip, err := drain[*iamapi.ListInstanceProfilesForRoleOutput](ctx, iamapi.NewListInstanceProfilesForRolePaginator(r.client,
			&iamapi.ListInstanceProfilesForRoleInput{RoleName: aws.String(name), MaxItems: aws.Int32(r.c.pageSize)}), rec, "iam:ListInstanceProfilesForRole"); err == nil {
			out.InstanceProfiles = []string{}
			for _, p := range ip {
				for _, x := range p.InstanceProfiles {
					out.InstanceProfiles = append(out.InstanceProfiles, aws.ToString(x.Arn))
				}
			}
			sort.Strings(out.InstanceProfiles)
		}
		roles[i] = out
	})
	sort.Slice(roles, func(i, j int) bool { return roles[i].RoleName < roles[j].RoleName })
	return roles
}

// policiesPerResource lists customer-managed policies and reads each default
// version. It returns nil when the policy list cannot be read.
func (r *run) policiesPerResource(ctx context.Context, rec *recorder) []ManagedPolicy {
	pages, err := drain[*iamapi.ListPoliciesOutput](ctx, iamapi.NewListPoliciesPaginator(r.client,
		&iamapi.ListPoliciesInput{Scope: types.PolicyScopeTypeLocal, MaxItems: aws.Int32(r.c.pageSize)}), rec, "iam:ListPolicies")
	if err != nil {
		rec.b.Fatal()
		return nil
	}
	var list []types.Policy
	for _, p := range pages {
		list = append(list, p.Policies...)
	}
	policies := make([]ManagedPolicy, len(list))
	r.forEach(len(list), func(i int) {
		d := list[i]
		p := ManagedPolicy{
			PolicyName:                    aws.ToString(d.PolicyName),
			PolicyID:                      aws.ToString(d.PolicyId),
			ARN:                           aws.ToString(d.Arn),
			Path:                          aws.ToString(d.Path),
			DefaultVersionID:              aws.ToString(d.DefaultVersionId),
			AttachmentCount:               d.AttachmentCount,
			PermissionsBoundaryUsageCount: d.PermissionsBoundaryUsageCount,
			IsAttachable:                  d.IsAttachable,
			CreateDate:                    utcPtr(d.CreateDate),
			UpdateDate:                    utcPtr(d.UpdateDate),
		}
		const action = "iam:GetPolicyVersion"
		got, err := r.client.GetPolicyVersion(ctx, &iamapi.GetPolicyVersionInput{PolicyArn: d.Arn, VersionId: d.DefaultVersionId})
		rec.record(action, err)
		if err == nil {
			var doc *string
			if got.PolicyVersion != nil {
				doc = got.PolicyVersion.Document
			}
			p.Document = parsePolicy(rec, action, "policy "+p.ARN+" version "+p.DefaultVersionID, doc)
		}
		policies[i] = p
	})
	sort.Slice(policies, func(i, j int) bool { return policies[i].ARN < policies[j].ARN })
	return policies
}

// inline reads the named inline policies with get, one call each, recording
// getAction. A policy whose document cannot be read is listed with a null
// document.
func (r *run) inline(rec *recorder, getAction, owner string, names []string, get func(string) (*string, error)) []InlinePolicy {
	out := make([]InlinePolicy, 0, len(names))
	for _, n := range names {
		ip := InlinePolicy{PolicyName: n}
		doc, err := get(n)
		rec.record(getAction, err)
		if err == nil {
			ip.Document = parsePolicy(rec, getAction, "inline policy "+n+" of "+owner, doc)
		}
		out = append(out, ip)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].PolicyName < out[j].PolicyName })
	return out
}

// inlineDetails converts the inline policies GetAccountAuthorizationDetails
// returns.
func inlineDetails(list []types.PolicyDetail, rec *recorder, owner string) []InlinePolicy {
	out := make([]InlinePolicy, 0, len(list))
	for _, d := range list {
		n := aws.ToString(d.PolicyName)
		out = append(out, InlinePolicy{PolicyName: n, Document: parsePolicy(rec, actionAuthDetails, "inline policy "+n+" of "+owner, d.PolicyDocument)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].PolicyName < out[j].PolicyName })
	return out
}

// parsePolicy normalises a returned document. A missing or malformed document
// is recorded against action (the snapshot becomes partial) and gives nil.
func parsePolicy(rec *recorder, action, what string, raw *string) *PolicyDocument {
	if raw == nil {
		rec.invalid(action, CodeMalformedPolicy, what+": no document was returned")
		return nil
	}
	doc, err := NormalizePolicy(*raw)
	if err != nil {
		rec.invalid(action, CodeMalformedPolicy, what+": "+err.Error())
		return nil
	}
	return doc
}

func attached(list []types.AttachedPolicy) []AttachedPolicy {
	out := make([]AttachedPolicy, 0, len(list))
	for _, a := range list {
		out = append(out, AttachedPolicy{PolicyName: aws.ToString(a.PolicyName), PolicyARN: aws.ToString(a.PolicyArn)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].PolicyARN < out[j].PolicyARN })
	return out
}

func boundary(b *types.AttachedPermissionsBoundary) *string {
	if b == nil || b.PermissionsBoundaryArn == nil {
		return nil
	}
	return b.PermissionsBoundaryArn
}

func lastUsed(l *types.RoleLastUsed) *RoleLastUsed {
	if l == nil {
		return &RoleLastUsed{}
	}
	return &RoleLastUsed{Date: utcPtr(l.LastUsedDate), Region: l.Region}
}

func tagMap(tags []types.Tag) map[string]string {
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

func serviceLinked(path string) bool { return strings.HasPrefix(path, "/aws-service-role/") }

func sortedStrings(s []string) []string {
	out := append([]string{}, s...)
	sort.Strings(out)
	return out
}
