package controls_test

import (
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/metrics"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/controls"
)

// benchOrg builds an organization of n accounts, each with users, groups,
// roles, policies, KMS keys, buckets, a trail and a log group, sized so that
// every built-in check runs over it; about 1,800 check × resource results
// per account.
func benchOrg(tb testing.TB, n int) ([]controls.SnapshotData, []string) {
	tb.Helper()
	const (
		users, groups, roles, policies, keys, buckets, services = 100, 10, 50, 50, 20, 50, 20
	)
	var snaps []controls.SnapshotData
	var accounts []string
	add := func(kind, acct, region string, payload any) {
		raw, err := json.Marshal(payload)
		if err != nil {
			tb.Fatal(err)
		}
		s := &evidence.Snapshot{Schema: evidence.SchemaV1, Kind: kind, Collector: evidence.CollectorInfo{Name: "bench", Version: "1"},
			Source: evidence.Source{Partition: "aws", AccountID: acct, Region: region}, Period: "2026-Q4",
			CollectedAt: time.Date(2026, 12, 15, 11, 0, 0, 0, time.UTC), Status: evidence.StatusOK, Errors: []evidence.CallError{},
			APICalls: []string{}, Payload: raw}
		b, err := s.Encode()
		if err != nil {
			tb.Fatal(err)
		}
		snaps = append(snaps, controls.SnapshotData{Digest: evidence.Digest(b), Data: b})
	}
	doc := func(action, resource string) map[string]any {
		return map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{"Sid": "", "Effect": "Allow",
			"Action": []any{action}, "Resource": []any{resource}, "NotAction": []any{}, "NotResource": []any{},
			"Principal": map[string]any{}, "NotPrincipal": map[string]any{}, "Condition": map[string]any{}}}}
	}
	var svcRows, svcAccounts []any
	for a := 0; a < n; a++ {
		acct := fmt.Sprintf("%012d", 100000000000+a)
		accounts = append(accounts, acct)
		arn := func(s string) string { return "arn:aws:iam::" + acct + ":" + s }
		var report, urows []any
		for u := 0; u < users; u++ {
			name := fmt.Sprintf("user%03d", u)
			report = append(report, map[string]any{"user": name, "arn": arn("user/" + name), "password_enabled": u%3 == 0, "mfa_active": u%5 != 0})
			urows = append(urows, map[string]any{"user_name": name, "arn": arn("user/" + name), "create_date": "2025-01-01T00:00:00Z",
				"password_last_used": "2026-12-01T00:00:00Z", "login_profile": map[string]any{"present": u%3 == 0}, "mfa_active": u%5 != 0,
				"access_keys": []any{map[string]any{"status": "Active", "age_days": u % 120, "create_date": "2026-09-01T00:00:00Z", "last_used_date": "2026-12-10T00:00:00Z"}},
				"groups":      []any{fmt.Sprintf("g%d", u%groups)}, "attached_policies": []any{}, "inline_policies": []any{}})
		}
		add("aws.iam.credential_report", acct, "global", map[string]any{"as_of": "2026-12-15T11:00:00Z", "users": report})
		add("aws.iam.users", acct, "global", map[string]any{"as_of": "2026-12-15T11:00:00Z", "source": "authorization_details", "users": urows})
		var grows, rrows, prows []any
		for g := 0; g < groups; g++ {
			grows = append(grows, map[string]any{"group_name": fmt.Sprintf("g%d", g), "arn": arn(fmt.Sprintf("group/g%d", g)),
				"members": []any{"user000"}, "attached_policies": []any{}, "inline_policies": []any{}})
		}
		for r := 0; r < roles; r++ {
			rrows = append(rrows, map[string]any{"role_name": fmt.Sprintf("r%d", r), "arn": arn(fmt.Sprintf("role/r%d", r)), "service_linked": false,
				"attached_policies": []any{}, "inline_policies": []any{map[string]any{"policy_name": "p", "document": doc("s3:GetObject", "*")}}})
		}
		for p := 0; p < policies; p++ {
			action := "s3:GetObject"
			if p%10 == 0 {
				action = "kms:*"
			}
			prows = append(prows, map[string]any{"policy_name": fmt.Sprintf("p%d", p), "arn": arn(fmt.Sprintf("policy/p%d", p)), "document": doc(action, "*")})
		}
		add("aws.iam.groups", acct, "global", map[string]any{"groups": grows})
		add("aws.iam.roles", acct, "global", map[string]any{"roles": rrows})
		add("aws.iam.policies", acct, "global", map[string]any{"policies": prows})
		add("aws.iam.account_summary", acct, "global", map[string]any{"account_mfa_enabled": true, "account_access_keys_present": false, "account_password_present": true})
		add("aws.iam.virtual_mfa_devices", acct, "global", map[string]any{"root_virtual_mfa": false, "devices": []any{}})
		add("aws.iam.password_policy", acct, "global", map[string]any{"present": true, "minimum_password_length": 14, "require_symbols": true,
			"require_numbers": true, "require_uppercase_characters": true, "require_lowercase_characters": true, "max_password_age": 90, "password_reuse_prevention": 24})
		add("aws.iam.identity_providers", acct, "global", map[string]any{"saml": []any{map[string]any{"arn": arn("saml-provider/sso")}}, "oidc": []any{}})
		var krows []any
		for k := 0; k < keys; k++ {
			krows = append(krows, map[string]any{"key_id": fmt.Sprintf("k%d", k), "arn": fmt.Sprintf("arn:aws:kms:us-east-1:%s:key/k%d", acct, k),
				"customer_managed": true, "key_manager": "CUSTOMER", "enabled": true, "rotation_applicable": true, "rotation": map[string]any{"enabled": k%4 != 0},
				"aliases": []any{fmt.Sprintf("alias/k%d", k)}, "grants": []any{}, "failed_actions": []any{},
				"access": map[string]any{"principals": []any{map[string]any{"principal": "r", "account_root": false, "administers_and_uses": k%7 == 0}},
					"full_access_non_root": []any{}}})
		}
		add("aws.kms.keys", acct, "us-east-1", map[string]any{"keys": krows, "aliases": []any{}})
		trail := fmt.Sprintf("arn:aws:cloudtrail:us-east-1:%s:trail/main", acct)
		add("aws.cloudtrail.trails", acct, "us-east-1", map[string]any{"region": "us-east-1",
			"trails": []any{map[string]any{"name": "main", "arn": trail, "account_id": acct, "home_region": "us-east-1", "is_multi_region_trail": true,
				"include_global_service_events": true, "log_file_validation_enabled": true, "kms_key_id": fmt.Sprintf("arn:aws:kms:us-east-1:%s:key/k1", acct),
				"kms_encrypted": true, "cloudwatch_logs_log_group_arn": "arn:aws:logs:us-east-1:" + acct + ":log-group:ct:*",
				"status": map[string]any{"is_logging": true, "latest_cloudwatch_logs_delivery_age_hours": 1},
				"event_selection": map[string]any{"management_events": map[string]any{"all": true},
					"s3_data_events": map[string]any{"read": map[string]any{"buckets": []any{}}, "write": map[string]any{"buckets": []any{}}, "all_buckets_read_write": true}},
				"failed_actions": []any{}}},
			"coverage": []any{map[string]any{"name": "main", "arn": trail, "is_multi_region_trail": true,
				"described_in": map[string]any{"account_id": acct, "region": "us-east-1"}}}})
		add("aws.cloudtrail.log_groups", acct, "us-east-1", map[string]any{"region": "us-east-1", "log_groups": []any{map[string]any{
			"arn": "arn:aws:logs:us-east-1:" + acct + ":log-group:ct", "name": "ct", "region": "us-east-1", "trail_arns": []any{trail},
			"exists": true, "never_expires": true, "kms_key_id": "", "failed_actions": []any{},
			"monitors": map[string]any{"console_signin_failures": map[string]any{"alarm_with_action": true}, "root_usage": map[string]any{"alarm_with_action": true}}}}})
		var brows []any
		for b := 0; b < buckets; b++ {
			reasons := []any{"phi_tag"}
			if b == 0 {
				reasons = []any{"cloudtrail"}
			}
			brows = append(brows, map[string]any{"name": fmt.Sprintf("b-%s-%d", acct, b), "arn": fmt.Sprintf("arn:aws:s3:::b-%s-%d", acct, b),
				"region": "us-east-1", "reasons": reasons, "phi": b != 0,
				"encryption":          map[string]any{"configured": true, "sse_algorithm": "aws:kms", "kms_master_key_id": fmt.Sprintf("alias/k%d", b%keys)},
				"policy":              map[string]any{"exists": true, "tls_enforced": b%6 != 0},
				"public_access_block": map[string]any{"configured": false, "all_blocked": false},
				"policy_status":       map[string]any{"is_public": false}, "acl": map[string]any{"public": false, "public_grants": []any{}},
				"versioning": map[string]any{"status": "Enabled", "enabled": b%9 != 0}, "object_lock": map[string]any{"enabled": true},
				"logging": map[string]any{"enabled": true, "target_is_self": false, "target_bucket": "logs"}, "errors": []any{}})
		}
		add("aws.s3.buckets", acct, "global", map[string]any{"selection": map[string]any{"buckets_listed": true, "external_trail_buckets": []any{}}, "buckets": brows})
		add("aws.s3.account_public_access_block", acct, "global", map[string]any{"account_id": acct, "configured": true, "all_blocked": false})
		svcAccounts = append(svcAccounts, map[string]any{"account_id": acct, "visible": true, "phi": true})
		for s := 0; s < services; s++ {
			svcRows = append(svcRows, map[string]any{"account_id": acct, "account_phi": true, "service": fmt.Sprintf("Service %d", s),
				"eligibility": "eligible", "eligible": s != 7, "reason": ""})
		}
	}
	add("aws.scope.services", accounts[0], "global", map[string]any{"eligible_list": map[string]any{"warning": ""}, "accounts": svcAccounts, "services": svcRows})
	return snaps, accounts
}

// cpuTime returns the CPU time (user + system) this process has used.
func cpuTime(tb testing.TB) time.Duration {
	tb.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkEvaluate100k evaluates every built-in check over an organization
// of 66 accounts: about 100,000 check × resource results. It reports
// results per second (evaluation runs on one goroutine, so this is per
// core), the results per evaluation and the peak live heap.
func BenchmarkEvaluate100k(b *testing.B) {
	cat, err := controls.DefaultCatalog()
	if err != nil {
		b.Fatal(err)
	}
	set, err := controls.BuiltinChecks(controls.LoadOptions{Catalog: cat, KnownKinds: knownKinds(b)})
	if err != nil {
		b.Fatal(err)
	}
	snaps, accounts := benchOrg(b, 66)
	in := &controls.Inputs{Catalog: cat, Checks: set, Run: testRun(accounts...), Snapshots: snaps}
	var inputBytes int
	for _, s := range snaps {
		inputBytes += len(s.Data)
	}

	var peak uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				metrics.Read(sample)
				if v := sample[0].Value.Uint64(); v > peak {
					peak = v
				}
			}
		}
	}()
	runtime.GC()
	results := 0
	b.ResetTimer()
	cpu0 := cpuTime(b)
	start := time.Now()
	for i := 0; i < b.N; i++ {
		r, err := controls.Evaluate(b.Context(), in)
		if err != nil {
			b.Fatal(err)
		}
		results = len(r.Results)
	}
	elapsed := time.Since(start)
	cpu := cpuTime(b) - cpu0
	b.StopTimer()
	close(stop)
	wg.Wait()
	b.ReportMetric(float64(results), "results/op")
	b.ReportMetric(float64(results*b.N)/elapsed.Seconds(), "results/s")
	// Per CPU-second of this process (user + system, GC included): the
	// per-core rate, independent of other load on the machine.
	b.ReportMetric(float64(results*b.N)/cpu.Seconds(), "results/cpu-s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(inputBytes)/(1<<20), "evidence-MiB")
}
