package scope

import (
	"context"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ce "github.com/aws/aws-sdk-go-v2/service/costexplorer"
	cetypes "github.com/aws/aws-sdk-go-v2/service/costexplorer/types"

	"github.com/hipaa-evidence/hipaa-evidence/collectors"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/aws/scope/eligible"
	"github.com/hipaa-evidence/hipaa-evidence/internal/sorted"
)

// Cost Explorer query parameters.
const (
	metricCost  = "UnblendedCost"
	metricUsage = "UsageQuantity"
	granularity = "MONTHLY"
)

// errPeriod reports a period Cost Explorer cannot be asked about.
type errPeriod string

func (e errPeriod) Error() string { return string(e) }

// usage accumulates one account's use of one service.
type usage struct {
	cost, quantity *big.Rat
	unit           string
}

func (r *run) services(ctx context.Context, b *collectors.Builder, phi map[string]*bool) *ServicesPayload {
	now := time.Now
	if r.req.Now != nil {
		now = r.req.Now
	}
	at := now().UTC()
	p := &ServicesPayload{
		PeriodStart: dateOf(r.req.PeriodStart), PeriodEnd: dateOf(r.req.PeriodEnd),
		Granularity: granularity, Metrics: []string{metricCost, metricUsage},
		Organization: r.org, EligibleList: r.eligibleList(at),
		Accounts: []ServiceAccount{}, Services: []ServiceUse{}, Ignored: []IgnoredUse{}, UnknownServices: []string{},
	}
	start := r.req.PeriodStart.UTC().Truncate(24 * time.Hour)
	end := r.req.PeriodEnd.UTC().Truncate(24 * time.Hour)
	// Cost Explorer has no data after today; ask up to tomorrow (exclusive).
	if limit := at.Truncate(24*time.Hour).AddDate(0, 0, 1); end.After(limit) {
		end = limit
	}
	p.QueriedStart, p.QueriedEnd = dateOf(start), dateOf(end)

	// Grouping by LINKED_ACCOUNT attributes usage to the account that
	// incurred it; it is left out only for a standalone account, where it
	// is always the caller.
	byAccount := !r.standalone()
	view := ViewAccount
	if r.org.InOrganization && r.org.CallerIsManagement {
		view = ViewOrganization
	}

	used := map[string]map[string]*usage{}
	var err error
	if !start.Before(end) {
		err = errPeriod(fmt.Sprintf("the period starting %s has no days before %s", p.QueriedStart, p.QueriedEnd))
	} else {
		err = r.queryCosts(ctx, b, start, end, byAccount, used)
	}
	if err != nil {
		b.Failed(actGetCostAndUsage, err)
		b.Fatal()
		view = ViewNone
	} else {
		b.Called(actGetCostAndUsage)
	}
	p.CostExplorerView = view

	accounts := r.accounts
	if len(r.req.Accounts) == 0 && view == ViewOrganization {
		// No account list: report every account Cost Explorer saw.
		seen := map[string]bool{}
		for _, a := range accounts {
			seen[a.ID] = true
		}
		for id := range used {
			if !seen[id] {
				accounts = append(accounts, collectors.AccountInfo{ID: id})
			}
		}
		sort.Slice(accounts, func(i, j int) bool { return accounts[i].ID < accounts[j].ID })
	}
	unknown := map[string]bool{}
	for _, a := range accounts {
		sa := ServiceAccount{AccountID: a.ID, Name: a.Name, PHI: phi[a.ID]}
		sa.Visible = view == ViewOrganization || (view == ViewAccount && a.ID == r.org.CallerAccountID)
		if sa.Visible {
			for _, svc := range sorted.Keys(used[a.ID]) {
				u := used[a.ID][svc]
				m := r.list.Match(svc, r.opts.ServiceAliases)
				if m.Status == eligible.StatusIgnored {
					p.Ignored = append(p.Ignored, IgnoredUse{AccountID: a.ID, Service: svc, Reason: m.Reason})
					continue
				}
				su := ServiceUse{
					AccountID: a.ID, AccountName: a.Name, AccountPHI: phi[a.ID], Service: svc,
					Eligibility: eligible.StatusUnknown, MatchedEntries: m.Entries, Match: m.By,
					Qualifiers: m.Qualifiers, Reason: m.Reason,
					Cost: decimal(u.cost), CostUnit: u.unit, UsageQuantity: decimal(u.quantity),
				}
				if m.Status == eligible.StatusEligible {
					su.Eligibility, su.Eligible = eligible.StatusEligible, true
				} else {
					sa.Unknown++
					unknown[svc] = true
				}
				sa.Services++
				p.Services = append(p.Services, su)
			}
		}
		p.Accounts = append(p.Accounts, sa)
	}
	p.UnknownServices = sorted.Keys(unknown)
	return p
}

// queryCosts runs GetCostAndUsage over every page and accumulates usage per
// account and service.
func (r *run) queryCosts(ctx context.Context, b *collectors.Builder, start, end time.Time, byAccount bool, used map[string]map[string]*usage) error {
	client := ce.NewFromConfig(r.req.AWS)
	in := &ce.GetCostAndUsageInput{
		TimePeriod:  &cetypes.DateInterval{Start: aws.String(dateOf(start)), End: aws.String(dateOf(end))},
		Granularity: cetypes.GranularityMonthly,
		Metrics:     []string{metricCost, metricUsage},
		GroupBy:     []cetypes.GroupDefinition{{Type: cetypes.GroupDefinitionTypeDimension, Key: aws.String("SERVICE")}},
	}
	if byAccount {
		in.GroupBy = append(in.GroupBy, cetypes.GroupDefinition{Type: cetypes.GroupDefinitionTypeDimension, Key: aws.String("LINKED_ACCOUNT")})
	}
	seenTokens := map[string]bool{}
	for {
		out, err := client.GetCostAndUsage(ctx, in)
		if err != nil {
			return err
		}
		for _, rt := range out.ResultsByTime {
			for _, g := range rt.Groups {
				want := len(in.GroupBy)
				if len(g.Keys) != want {
					return fmt.Errorf("a result group has %d keys, want %d (SERVICE%s)", len(g.Keys), want, map[bool]string{true: ", LINKED_ACCOUNT"}[byAccount])
				}
				svc, acct := g.Keys[0], r.org.CallerAccountID
				if byAccount {
					acct = g.Keys[1]
				}
				if used[acct] == nil {
					used[acct] = map[string]*usage{}
				}
				u := used[acct][svc]
				if u == nil {
					u = &usage{cost: new(big.Rat), quantity: new(big.Rat)}
					used[acct][svc] = u
				}
				if mv, ok := g.Metrics[metricCost]; ok {
					addAmount(u.cost, aws.ToString(mv.Amount))
					if u.unit == "" {
						u.unit = aws.ToString(mv.Unit)
					}
				}
				if mv, ok := g.Metrics[metricUsage]; ok {
					addAmount(u.quantity, aws.ToString(mv.Amount))
				}
			}
		}
		tok := aws.ToString(out.NextPageToken)
		if tok == "" {
			return nil
		}
		if seenTokens[tok] {
			return fmt.Errorf("Cost Explorer repeated page token %q", tok)
		}
		seenTokens[tok] = true
		in.NextPageToken = aws.String(tok)
		b.Called(actGetCostAndUsage)
	}
}

// addAmount adds a Cost Explorer decimal amount; unparseable amounts are
// skipped (the service is still recorded as used).
func addAmount(sum *big.Rat, amount string) {
	if amount == "" {
		return
	}
	if v, ok := new(big.Rat).SetString(amount); ok {
		sum.Add(sum, v)
	}
}

// decimal formats x exactly enough for money and usage: up to 10 decimals,
// trailing zeros removed.
func decimal(x *big.Rat) string {
	s := x.FloatString(10)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

func dateOf(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}

func (r *run) eligibleList(now time.Time) EligibleList {
	l := r.list
	e := EligibleList{
		Title: l.Title, Version: l.Version, ListDate: l.ListDate, VerifiedOn: l.VerifiedOn,
		AgeDays: l.AgeDays(now), StaleAfterDays: l.StaleAfterDays, Stale: l.Stale(now),
		SourceURL: l.OfficialURL, Services: len(l.Services),
	}
	if e.Stale {
		e.Warning = fmt.Sprintf("The HIPAA-eligible services list was last verified on %s, %d days before collection (more than %d): services AWS made eligible since may be reported as unknown. Re-check %s and update the list.",
			l.VerifiedOn, e.AgeDays, l.StaleAfterDays, l.OfficialURL)
	}
	return e
}
